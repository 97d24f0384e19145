"""Train a multilingual voice on espeak-ng teacher data within a wall-clock budget.

Recipe (one GPU call of under nine minutes): synthesize teacher sentences for all eleven languages
and four synthetic speakers on every CPU core, then train the acoustic model (teacher-forced
durations, pitch and energy) and the vocoder (on ground-truth mel segments) together, with a cosine
schedule tied to the time budget, and write a float16 checkpoint. Held-out test sentences are
written beside it for the quality benchmark and never enter training.

Example::

    >>> config = TrainConfig(out="runs/tts/tiny", device="cpu", tiny=True, steps=20)
    >>> train_voice(config).checkpoint                                        # doctest: +SKIP
    PosixPath('runs/tts/tiny/checkpoint')
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from indic.atomic import atomic_write_text
from indic.languages import LANGUAGE_CODES
from tts.checkpoint import save_checkpoint
from tts.data.dataset import TeacherExample, build_examples
from tts.data.prosody import HOP
from tts.data.sentences import sentence_split
from tts.export import TINY_SIZES
from tts.frontend.inventory import SPEAKERS, load_inventory
from tts.model.config import VoiceConfig
from tts.model.losses import masked_l1, masked_mse, multi_resolution_stft_loss
from tts.model.mel import LogMel
from tts.model.voice_model import VoiceModel


@dataclass
class TrainConfig:
    """Everything a training run needs; the CLI flags have the same names."""

    out: str = "runs/tts/voice"
    corpus: str = "../shared/corpora/train"
    languages: tuple[str, ...] = LANGUAGE_CODES
    sentences_per_language: int = 400
    test_sentences: int = 20
    minutes: float = 5.0
    steps: int = 0
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 300
    segment_frames: int = 32
    workers: int = 0
    device: str = "cuda"
    tiny: bool = False
    seed: int = 0
    sizes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainResult:
    checkpoint: Path
    steps: int
    loss: float


def teacher_items(config: TrainConfig) -> tuple[list[tuple[str, str, str]], dict[str, list[str]]]:
    """Training items ``(text, lang, speaker)`` (speakers take turns) and the held-out test lists."""
    items, tests = [], {}
    for lang in config.languages:
        train, test = sentence_split(
            config.corpus, lang, config.sentences_per_language, config.test_sentences
        )
        tests[lang] = test
        items += [(text, lang, SPEAKERS[i % len(SPEAKERS)]) for i, text in enumerate(train)]
    return items, tests


def collate(examples: list[TeacherExample], device: torch.device) -> dict[str, torch.Tensor]:
    """Pad a list of examples into batch tensors on ``device``."""
    longest = max(len(e.ids) for e in examples)
    frames = max(int(e.durations.sum()) for e in examples)
    batch = len(examples)
    ids = np.zeros((batch, longest), np.int64)
    durations = np.zeros((batch, longest), np.int64)
    pitch = np.zeros((batch, longest), np.float32)
    energy = np.zeros((batch, longest), np.float32)
    audio = np.zeros((batch, frames * HOP), np.float32)
    for row, e in enumerate(examples):
        n = len(e.ids)
        ids[row, :n], durations[row, :n], pitch[row, :n], energy[row, :n] = (
            e.ids,
            e.durations,
            e.pitch,
            e.energy,
        )
        audio[row, : len(e.audio)] = e.audio / 32768.0
    tensors = {
        "ids": ids,
        "durations": durations,
        "pitch": pitch,
        "energy": energy,
        "audio": audio,
        "token_lengths": np.array([len(e.ids) for e in examples]),
        "frame_lengths": np.array([int(e.durations.sum()) for e in examples]),
        "language": np.array([e.language for e in examples]),
        "speaker": np.array([e.speaker for e in examples]),
    }
    return {k: torch.from_numpy(v).to(device) for k, v in tensors.items()}


def training_losses(
    model: VoiceModel, batch: dict[str, torch.Tensor], log_mel: LogMel, segment_frames: int
) -> dict[str, torch.Tensor]:
    """Acoustic losses (teacher forcing) and vocoder losses on random ground-truth mel segments."""
    token_mask = (
        torch.arange(batch["ids"].shape[1], device=batch["ids"].device)[None]
        < batch["token_lengths"][:, None]
    )
    mel_target = log_mel(batch["audio"]).transpose(1, 2)
    out = model.acoustic(
        batch["ids"],
        batch["language"],
        batch["speaker"],
        token_mask,
        durations=batch["durations"],
        pitch=batch["pitch"],
        energy=batch["energy"],
    )
    frames = min(out.mel.shape[1], mel_target.shape[1])
    frame_mask = torch.arange(frames, device=out.mel.device)[None] < batch["frame_lengths"][:, None]
    losses = {
        "mel": masked_l1(out.mel[:, :frames].float(), mel_target[:, :frames], frame_mask),
        "duration": masked_mse(
            out.log_durations.float(), torch.log1p(batch["durations"].float()), token_mask
        ),
        "pitch": masked_mse(out.pitch.float(), batch["pitch"], token_mask),
        "energy": masked_mse(out.energy.float(), batch["energy"], token_mask),
    }
    short = segment_frames - mel_target.shape[1]
    if short > 0:  # a batch of very short utterances: pad so every vocoder segment has full length
        mel_target = torch.nn.functional.pad(mel_target, (0, 0, 0, short), value=float(np.log(1e-5)))
        batch = {**batch, "audio": torch.nn.functional.pad(batch["audio"], (0, short * HOP))}
    starts = [random.randint(0, max(0, int(n) - segment_frames)) for n in batch["frame_lengths"].tolist()]
    mel_segments = torch.stack(
        [mel_target[i, s : s + segment_frames] for i, s in enumerate(starts)]
    ).transpose(1, 2)
    audio_segments = torch.stack(
        [batch["audio"][i, s * HOP : (s + segment_frames) * HOP] for i, s in enumerate(starts)]
    )
    generated = model.vocoder(mel_segments).float()
    losses["stft"] = multi_resolution_stft_loss(generated, audio_segments)
    losses["vocoder_mel"] = (log_mel(generated) - mel_segments).abs().mean()
    return losses


def train_voice(config: TrainConfig, log: Callable[[str], None] = print) -> TrainResult:
    """Teacher data → training loop → checkpoint; see the module docstring."""
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = torch.device(config.device if config.device != "cuda" or torch.cuda.is_available() else "cpu")
    out = Path(config.out)
    started = time.perf_counter()
    items, tests = teacher_items(config)
    for lang, sentences in tests.items():
        atomic_write_text(out / "test_sentences" / f"{lang}.txt", "".join(f"{s}\n" for s in sentences))
    examples, skipped = build_examples(items, config.workers)
    audio_hours = sum(len(e.audio) for e in examples) / 22050 / 3600
    log(
        f"teacher data: {len(examples)} utterances ({audio_hours:.2f} h), {skipped} skipped as unaligned, "
        f"{time.perf_counter() - started:.0f} s"
    )
    if not examples:
        raise ValueError("no teacher example could be built; check the corpus path and languages")
    examples.sort(key=lambda e: len(e.ids))
    inventory = load_inventory()
    sizes = {**(TINY_SIZES if config.tiny else {}), **config.sizes}
    model_config = VoiceConfig(n_tokens=len(inventory.tokens), n_speakers=len(inventory.speakers), **sizes)
    model = VoiceModel(model_config).to(device).train()
    log_mel = LogMel().to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, betas=(0.9, 0.98), weight_decay=0.01
    )
    budget = config.minutes * 60
    loop_start = time.perf_counter()
    step, loss_value = 0, float("nan")
    use_bf16 = device.type == "cuda"
    if use_bf16:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    while True:
        elapsed = time.perf_counter() - loop_start
        if elapsed > budget or (config.steps and step >= config.steps):
            break
        progress = elapsed / budget
        lr = (
            config.learning_rate
            * min(1.0, (step + 1) / config.warmup_steps)
            * 0.5
            * (1 + math.cos(math.pi * progress))
        )
        for group in optimizer.param_groups:
            group["lr"] = lr
        start = random.randint(0, max(0, len(examples) - config.batch_size))
        batch = collate(examples[start : start + config.batch_size], device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            losses = training_losses(model, batch, log_mel, config.segment_frames)
        loss = torch.stack(list(losses.values())).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        loss_value = float(loss.detach())
        if step % 100 == 0 or step == 1:
            parts = " ".join(f"{k}={v.item():.3f}" for k, v in losses.items())
            log(
                f"step {step} {time.perf_counter() - loop_start:.0f}s lr={lr:.2e} "
                f"loss={loss_value:.3f} {parts}"
            )
    card = {
        "training": {
            **{k: v for k, v in asdict(config).items() if k not in ("sizes",)},
            "steps_done": step,
            "final_loss": loss_value,
            "teacher_utterances": len(examples),
            "teacher_hours": round(audio_hours, 3),
            "skipped_unaligned": skipped,
            "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
        "teacher": "espeak-ng (espeakng-loader), voice variants as speakers",
        "training_text": "../shared/corpora/train (licences: SOURCES.md there)",
    }
    checkpoint = save_checkpoint(model.cpu().eval(), inventory, out / "checkpoint", card)
    log(f"saved {checkpoint} after {step} steps")
    return TrainResult(checkpoint, step, loss_value)
