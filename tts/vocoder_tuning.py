"""Fine-tuning a trained voice's vocoder alone: deeper with spectral losses, or adversarially.

Why a second stage: the joint training (:mod:`tts.train`) shares its steps between the acoustic model
and the vocoder, and copy synthesis (the vocoder alone on the teacher's own mel) showed that the
vocoder makes half of the voice's extra phoneme errors, stop-burst place above all. This stage keeps
the acoustic model frozen, so every step goes to the vocoder. As in the joint training, a
``predicted_share`` of the segments feed the vocoder the acoustic model's teacher-forced mel (what
it hears at inference) while the target stays the teacher's audio. The result is a voice checkpoint
(export it with ``indic tts export``); its card keeps every tuning run (``earlier_runs``).

Two objectives:

- **Spectral (default)**: the joint trainer's multi-resolution STFT + mel L1, after growing the
  vocoder by ``extra_layers`` ConvNeXt blocks whose layer scale starts at zero, so the grown voice
  starts as exactly the trained one. This is what the bundled voice was tuned with: 4 → 8 blocks cut
  its recognized phoneme errors by 7% on 60 held-out sentences per language (bench/RESULTS.md).
- **Adversarial** (``adversarial=True``): HiFi-GAN's objective against a multi-period and a
  multi-resolution discriminator (:mod:`tts.model.discriminators`) — least-squares GAN losses,
  feature matching, the mel L1 weighted 45 — the discriminators first alone for
  ``discriminator_warmup_steps``, their weights saved beside the checkpoint so a later run resumes
  the game. In the minutes of one GPU job it made the voice less intelligible (bench/RESULTS.md); the
  game needs far more steps than that.

Example::

    >>> config = VocoderTuningConfig(checkpoint="runs/tts/voice/checkpoint", out="runs/tts/gan", device="cpu")
    >>> tune_vocoder(config).checkpoint                            # doctest: +SKIP
    PosixPath('runs/tts/gan/checkpoint')
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from torch import nn

from indic.atomic import atomic_write_text
from indic.languages import LANGUAGE_CODES
from tts.checkpoint import load_checkpoint, load_state_shards, save_checkpoint, save_state_shards
from tts.model.discriminators import MultiPeriodDiscriminator, MultiResolutionDiscriminator
from tts.model.losses import (
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
    multi_resolution_stft_loss,
)
from tts.model.mel import LogMel
from tts.model.voice_model import VoiceModel
from tts.schedule import loop_budget_seconds, time_budget_learning_rate, training_device
from tts.train import TrainConfig, collate, teacher_forced, training_examples, vocoder_segments

DISCRIMINATORS_CARD = "discriminators.json"
TINY_DISCRIMINATOR_CHANNELS = (4, 8)


@dataclass
class VocoderTuningConfig:
    """One adversarial fine-tuning run; the CLI flags have the same names."""

    checkpoint: str
    out: str = "runs/tts/vocoder_gan"
    corpus: str = "../shared/corpora/train"
    languages: tuple[str, ...] = LANGUAGE_CODES
    sentences_per_language: int = 400
    teacher_data: str = ""
    workers: int = 0
    minutes: float = 5.0
    finish_by: float = 0.0
    """Unix time by which the loop must end whatever ``minutes`` says (0: no such limit)."""
    steps: int = 0
    batch_size: int = 32
    segment_frames: int = 48
    predicted_share: float = 0.5
    generator_learning_rate: float = 1e-4
    discriminator_learning_rate: float = 2e-4
    discriminator_warmup_steps: int = 200
    mel_weight: float = 45.0
    feature_weight: float = 2.0
    discriminators: str = ""
    """Folder of an earlier run's discriminators to resume (``<out>/discriminators``)."""
    adversarial: bool = False
    """True: train against the discriminators (HiFi-GAN's objective) instead of the spectral losses."""
    extra_layers: int = 0
    """ConvNeXt blocks appended to the vocoder (identity at the start) before training."""
    device: str = "cuda"
    seed: int = 0
    tiny: bool = False
    """Toy discriminators, to prove the loop on a CPU."""


@dataclass(frozen=True)
class VocoderTuningResult:
    checkpoint: Path
    discriminators: Path | None
    steps: int
    losses: dict[str, float]


class Discriminators(nn.Module):
    """The multi-period and multi-resolution discriminators, saved and restored together."""

    def __init__(self, tiny: bool = False) -> None:
        super().__init__()
        if tiny:
            self.period = MultiPeriodDiscriminator(channels=TINY_DISCRIMINATOR_CHANNELS)
            self.resolution = MultiResolutionDiscriminator(channels=TINY_DISCRIMINATOR_CHANNELS[0])
        else:
            self.period = MultiPeriodDiscriminator()
            self.resolution = MultiResolutionDiscriminator()

    def save(self, folder: Path, card: dict) -> Path:
        names = save_state_shards(self.state_dict(), folder, prefix="discriminators")
        text = json.dumps({**card, "shards": names}, indent=1) + "\n"
        atomic_write_text(folder / DISCRIMINATORS_CARD, text)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> tuple[Discriminators, dict]:
        path = Path(folder)
        if not (path / DISCRIMINATORS_CARD).is_file():
            raise FileNotFoundError(f"{path} holds no discriminators: {DISCRIMINATORS_CARD} is missing")
        card = json.loads((path / DISCRIMINATORS_CARD).read_text(encoding="utf-8"))
        model = cls(tiny=bool(card.get("tiny", False)))
        model.load_state_dict(load_state_shards(path, card.pop("shards")))
        return model, card


def grow_vocoder(model: VoiceModel, extra_layers: int) -> VoiceModel:
    """``model`` with ``extra_layers`` more vocoder blocks whose layer scale is zero, so the grown
    voice computes exactly what ``model`` computes until training moves them."""
    grown = VoiceModel(replace(model.config, vocoder_layers=model.config.vocoder_layers + extra_layers))
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    if unexpected or not all(name.startswith("vocoder.blocks.") for name in missing):
        raise ValueError(f"cannot grow the vocoder: unexpected {unexpected}, missing {missing}")
    with torch.no_grad():
        for block in grown.vocoder.blocks[model.config.vocoder_layers :]:
            block.scale.zero_()
    return grown


def tuning_history(card: dict) -> list[dict]:
    """The vocoder-tuning runs a checkpoint's card records, oldest first, each without its own history:
    a checkpoint tuned in several jobs keeps what each job did."""
    last = card.get("vocoder_tuning")
    if not last:
        return []
    return [*last.get("earlier_runs", []), {k: v for k, v in last.items() if k != "earlier_runs"}]


def _teacher_config(config: VocoderTuningConfig) -> TrainConfig:
    """The joint trainer's data settings, so this stage reads exactly the voice's teacher data."""
    return TrainConfig(
        out=config.out,
        corpus=config.corpus,
        languages=config.languages,
        sentences_per_language=config.sentences_per_language,
        workers=config.workers,
        teacher_data=config.teacher_data,
        seed=config.seed,
    )


def tune_vocoder(config: VocoderTuningConfig, log: Callable[[str], None] = print) -> VocoderTuningResult:
    """Teacher data → (discriminator warm-up →) vocoder loop → voice checkpoint (+ discriminators)."""
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = training_device(config.device)
    out = Path(config.out)
    started = time.perf_counter()
    model, inventory, card = load_checkpoint(config.checkpoint)
    if config.extra_layers:
        model = grow_vocoder(model, config.extra_layers)
    examples, _ = training_examples(_teacher_config(config), out, log)
    model = model.to(device)
    acoustic = model.acoustic.eval().requires_grad_(False)
    vocoder = model.vocoder.train()
    if config.discriminators and config.adversarial:
        discriminators, earlier = Discriminators.load(config.discriminators)
    else:
        discriminators, earlier = Discriminators(config.tiny), {}
    # Without the adversarial game the discriminators stay on the CPU, untrained and unsaved.
    if config.adversarial:
        discriminators = discriminators.to(device).train()
    judged = (
        f"discriminators {sum(p.numel() for p in discriminators.parameters()) / 1e6:.2f}M"
        if config.adversarial
        else "spectral losses only"
    )
    log(
        f"vocoder {sum(p.numel() for p in vocoder.parameters()) / 1e6:.2f}M parameters "
        f"({model.config.vocoder_layers} blocks), {judged}"
        + (f" (resumed after {earlier.get('steps_done', 0)} steps)" if earlier else "")
    )
    log_mel = LogMel().to(device)
    betas = (0.8, 0.99)
    generator_optimizer = torch.optim.AdamW(vocoder.parameters(), config.generator_learning_rate, betas)
    discriminator_optimizer = torch.optim.AdamW(
        discriminators.parameters(), config.discriminator_learning_rate, betas
    )
    use_bf16 = device.type == "cuda"
    budget = loop_budget_seconds(config.minutes, config.finish_by)
    warmup = 0 if earlier or not config.adversarial else config.discriminator_warmup_steps

    def next_batch() -> dict[str, torch.Tensor]:
        start = random.randint(0, max(0, len(examples) - config.batch_size))
        return collate(examples[start : start + config.batch_size], device)

    def judge(audio: torch.Tensor) -> tuple[list[torch.Tensor], list[list[torch.Tensor]]]:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            period_scores, period_features = discriminators.period(audio)
            resolution_scores, resolution_features = discriminators.resolution(audio)
        return period_scores + resolution_scores, period_features + resolution_features

    step, losses = 0, {}
    loop_start = time.perf_counter()
    with ThreadPoolExecutor(1) as prefetch:
        pending = prefetch.submit(next_batch)
        while True:
            elapsed = time.perf_counter() - loop_start
            if elapsed > budget or (config.steps and step >= config.steps):
                break
            progress = elapsed / max(budget, 1e-9)
            d_lr = time_budget_learning_rate(config.discriminator_learning_rate, step, 50, progress)
            g_step = max(0, step - warmup)
            g_lr = time_budget_learning_rate(config.generator_learning_rate, g_step, 50, progress)
            for group in discriminator_optimizer.param_groups:
                group["lr"] = d_lr
            for group in generator_optimizer.param_groups:
                group["lr"] = g_lr
            batch = pending.result()
            pending = prefetch.submit(next_batch)
            with torch.no_grad():
                mel_target = log_mel(batch["audio"]).transpose(1, 2)
                predicted = mel_target
                if config.predicted_share > 0:
                    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                        predicted = teacher_forced(acoustic, batch)[0].mel.float()
            mel_segments, audio_segments, target_segments = vocoder_segments(
                batch, mel_target, predicted, config.segment_frames, config.predicted_share
            )
            generated = vocoder(mel_segments)

            losses = {}
            if config.adversarial:
                real_scores, _ = judge(audio_segments)
                fake_scores, _ = judge(generated.detach())
                d_loss = discriminator_loss(real_scores, fake_scores)
                discriminator_optimizer.zero_grad(set_to_none=True)
                d_loss.backward()
                torch.nn.utils.clip_grad_norm_(discriminators.parameters(), 10.0)
                discriminator_optimizer.step()
                losses["discriminator"] = d_loss.detach()
            if step >= warmup:
                mel = (log_mel(generated) - target_segments).abs().mean()
                if config.adversarial:
                    with torch.no_grad():
                        _, real_features = judge(audio_segments)
                    fake_scores, fake_features = judge(generated)
                    adversarial = generator_adversarial_loss(fake_scores)
                    matching = feature_matching_loss(real_features, fake_features)
                    g_loss = adversarial + config.feature_weight * matching + config.mel_weight * mel
                    losses.update(adversarial=adversarial.detach(), matching=matching.detach())
                else:
                    stft = multi_resolution_stft_loss(generated, audio_segments)
                    g_loss = stft + mel
                    losses["stft"] = stft.detach()
                losses["mel"] = mel.detach()
                generator_optimizer.zero_grad(set_to_none=True)
                g_loss.backward()
                torch.nn.utils.clip_grad_norm_(vocoder.parameters(), 10.0)
                generator_optimizer.step()
            step += 1
            if step % 100 == 0 or step in (1, warmup + 1):
                parts = " ".join(f"{k}={float(v):.3f}" for k, v in losses.items())
                log(f"step {step} {time.perf_counter() - loop_start:.0f}s lr_g={g_lr:.2e} {parts}")
        pending.result()
    final = {k: round(float(v), 4) for k, v in losses.items()}
    history = tuning_history(card)
    earlier_steps = sum(int(run["steps_this_run"]) for run in history)
    run_card = {
        **{k: v for k, v in asdict(config).items() if k != "languages"},
        "steps_done": earlier_steps + step,
        "steps_this_run": step,
        "earlier_runs": history,
        "final_losses": final,
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    checkpoint = save_checkpoint(
        model.cpu().eval(), inventory, out / "checkpoint", {**card, "vocoder_tuning": run_card}
    )
    saved = None
    if config.adversarial:
        saved = discriminators.cpu().save(out / "discriminators", {**run_card, "tiny": config.tiny})
    log(f"saved {checkpoint} after {step} vocoder steps ({earlier_steps + step} in all)")
    return VocoderTuningResult(checkpoint, saved, step, final)
