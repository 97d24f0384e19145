"""Train a multilingual voice on espeak-ng teacher data within a wall-clock budget.

Recipe (one GPU call of under nine minutes): synthesize teacher sentences for all eleven languages
and four synthetic speakers on every CPU core (or load them from ``teacher_data``, where they are
also saved for other jobs of the run), then train the acoustic model (teacher-forced durations,
pitch and energy) and the vocoder together, with a cosine schedule tied to the time budget, and
write a float16 checkpoint. ``resume`` starts from an earlier checkpoint (same architecture), so
training spread over several short GPU jobs adds up. Held-out test sentences are written beside it
for the quality benchmark and never enter training.

The vocoder sees ground-truth mel segments for part of each batch and, for the rest
(``vocoder_predicted_share``), the acoustic model's own teacher-forced mel (detached), as HiFi-GAN's
fine-tuning does: at inference it only ever hears predicted mels, and their small smoothing errors
are what it must learn to turn into the teacher's waveform. The vocoder runs in float32 even under
bf16 autocast, because bf16's 8-bit mantissa would add a noise floor near −48 dB to the waveform
that the spectral losses then try to fit.

Example::

    >>> config = TrainConfig(out="runs/tts/tiny", device="cpu", tiny=True, steps=20)
    >>> train_voice(config).checkpoint                                        # doctest: +SKIP
    PosixPath('runs/tts/tiny/checkpoint')
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from indic.atomic import atomic_write_text
from indic.languages import LANGUAGE_CODES
from tts.checkpoint import load_checkpoint, save_checkpoint
from tts.data.dataset import TeacherExample, audio_hours, build_examples
from tts.data.prosody import HOP
from tts.data.sentences import is_test_sentence, sentence_split
from tts.data.teacher_store import has_teacher_data, load_teacher_data, save_teacher_data
from tts.export import TINY_SIZES
from tts.frontend.inventory import SPEAKERS, load_inventory
from tts.intelligibility import Guide, check_inventory, intelligibility_loss, load_guide
from tts.model.acoustic import AcousticModel, AcousticOutput
from tts.model.config import VoiceConfig
from tts.model.losses import masked_l1, masked_mse, multi_resolution_stft_loss
from tts.model.mel import LogMel
from tts.model.voice_model import VoiceModel
from tts.schedule import loop_budget_seconds, time_budget_learning_rate, training_device


@dataclass
class TrainConfig:
    """Everything a training run needs; the CLI flags have the same names."""

    out: str = "runs/tts/voice"
    corpus: str = "../shared/corpora/train"
    languages: tuple[str, ...] = LANGUAGE_CODES
    sentences_per_language: int = 400
    test_sentences: int = 60
    """Held-out sentences per language written for the quality bench (60: fewer do not settle a language
    near the 1.5x PER target; bench/RESULTS.md, "PER on 60 held-out sentences")."""
    minutes: float = 5.0
    steps: int = 0
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 300
    segment_frames: int = 32
    vocoder_predicted_share: float = 0.5
    workers: int = 0
    device: str = "cuda"
    tiny: bool = False
    seed: int = 0
    sizes: dict[str, int] = field(default_factory=dict)
    teacher_data: str = ""
    resume: str = ""
    recordings: str = ""
    """A folder of real recordings to train on instead of teacher speech (durations by alignment)."""
    recordings_format: str = ""
    lang: str = ""
    """The language of ``recordings``."""
    finish_by: float = 0.0
    """Unix time by which the loop must end whatever ``minutes`` says (0: no such limit): a job with a
    hard wall-clock limit gives the loop what synthesis left of it."""
    guide_recognizer: str = ""
    """A phoneme recognizer folder whose CTC loss on whole rendered utterances joins the losses
    (:mod:`tts.intelligibility`); never the recognizer that later judges the voice."""
    guide_weight: float = 1.0
    guide_items: int = 16
    """Utterances per step rendered whole for the guide (the rest of the batch trains as usual)."""


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
    audio = np.zeros((batch, frames * HOP), np.int16)
    for row, e in enumerate(examples):
        n = len(e.ids)
        ids[row, :n], durations[row, :n], pitch[row, :n], energy[row, :n] = (
            e.ids,
            e.durations,
            e.pitch,
            e.energy,
        )
        audio[row, : len(e.audio)] = e.audio
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
    # Audio travels as int16 (half the bytes of float32) and is scaled to [-1, 1] on the device.
    moved = {k: torch.from_numpy(v).to(device) for k, v in tensors.items()}
    moved["audio"] = moved["audio"].float() / 32768.0
    return moved


def vocoder_segments(
    batch: dict[str, torch.Tensor],
    mel_target: torch.Tensor,
    predicted_mel: torch.Tensor,
    segment_frames: int,
    predicted_share: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random ``segment_frames``-long vocoder training segments of every item: the input mel ``[B,
    n_mels, segment_frames]`` (ground truth, or for a ``predicted_share`` of the items the acoustic
    model's teacher-forced ``predicted_mel [B, F, n_mels]``), the matching teacher audio ``[B,
    segment_frames·HOP]`` and the ground-truth mel of that audio (the vocoder's mel-loss target)."""
    frames = min(predicted_mel.shape[1], mel_target.shape[1])
    vocoder_input = mel_target.clone()
    predicted = torch.rand(len(vocoder_input), device=vocoder_input.device) < predicted_share
    vocoder_input[predicted, :frames] = predicted_mel[predicted, :frames].float()
    audio = batch["audio"]
    short = segment_frames - mel_target.shape[1]
    if short > 0:  # a batch of very short utterances: pad so every vocoder segment has full length
        pad = float(np.log(1e-5))
        vocoder_input = torch.nn.functional.pad(vocoder_input, (0, 0, 0, short), value=pad)
        mel_target = torch.nn.functional.pad(mel_target, (0, 0, 0, short), value=pad)
        audio = torch.nn.functional.pad(audio, (0, short * HOP))
    starts = [random.randint(0, max(0, int(n) - segment_frames)) for n in batch["frame_lengths"].tolist()]
    mel_segments = torch.stack(
        [vocoder_input[i, s : s + segment_frames] for i, s in enumerate(starts)]
    ).transpose(1, 2)
    audio_segments = torch.stack(
        [audio[i, s * HOP : (s + segment_frames) * HOP] for i, s in enumerate(starts)]
    )
    target_segments = torch.stack(
        [mel_target[i, s : s + segment_frames] for i, s in enumerate(starts)]
    ).transpose(1, 2)
    return mel_segments, audio_segments, target_segments


def teacher_forced(
    acoustic: AcousticModel, batch: dict[str, torch.Tensor]
) -> tuple[AcousticOutput, torch.Tensor]:
    """The acoustic model's output with the teacher's durations, pitch and energy, and the token mask."""
    positions = torch.arange(batch["ids"].shape[1], device=batch["ids"].device)[None]
    token_mask = positions < batch["token_lengths"][:, None]
    out = acoustic(
        batch["ids"],
        batch["language"],
        batch["speaker"],
        token_mask,
        durations=batch["durations"],
        pitch=batch["pitch"],
        energy=batch["energy"],
    )
    return out, token_mask


def training_losses(
    model: VoiceModel,
    batch: dict[str, torch.Tensor],
    log_mel: LogMel,
    segment_frames: int,
    vocoder_predicted_share: float = 0.0,
    guide: Guide | None = None,
    guide_items: int = 16,
) -> dict[str, torch.Tensor]:
    """Acoustic losses (teacher forcing) and vocoder losses on random mel segments, taken from the
    ground truth or, for a ``vocoder_predicted_share`` of the items, from the acoustic model's output;
    with a ``guide``, its unweighted CTC loss on ``guide_items`` whole rendered utterances as "guide"."""
    mel_target = log_mel(batch["audio"]).transpose(1, 2)
    out, token_mask = teacher_forced(model.acoustic, batch)
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
    mel_segments, audio_segments, target_segments = vocoder_segments(
        batch, mel_target, out.mel.detach(), segment_frames, vocoder_predicted_share
    )
    with torch.autocast(audio_segments.device.type, enabled=False):
        generated = model.vocoder(mel_segments)
    losses["stft"] = multi_resolution_stft_loss(generated, audio_segments)
    losses["vocoder_mel"] = (log_mel(generated) - target_segments).abs().mean()
    if guide is not None:
        losses["guide"] = intelligibility_loss(guide, model.vocoder, out.mel, batch, guide_items)
    return losses


def teacher_examples(
    config: TrainConfig, items: list[tuple[str, str, str]], log: Callable[[str], None]
) -> tuple[list[TeacherExample], int]:
    """Examples from ``config.teacher_data`` when it is complete, else synthesized (and saved there)."""
    started = time.perf_counter()
    if config.teacher_data and has_teacher_data(config.teacher_data):
        examples, card = load_teacher_data(config.teacher_data)
        log(f"teacher data loaded from {config.teacher_data} in {time.perf_counter() - started:.0f} s")
        return examples, int(card.get("skipped_unaligned", 0))
    examples, skipped = build_examples(items, config.workers)
    log(f"teacher data synthesized in {time.perf_counter() - started:.0f} s")
    if config.teacher_data:
        save_teacher_data(
            examples,
            config.teacher_data,
            {"skipped_unaligned": skipped, "corpus": config.corpus, "languages": list(config.languages)},
        )
        log(f"teacher data saved to {config.teacher_data} ({time.perf_counter() - started:.0f} s in all)")
    return examples, skipped


def _recording_examples(
    config: TrainConfig, out: Path, log: Callable[[str], None]
) -> tuple[list[TeacherExample], int]:
    """Aligned examples of ``config.recordings``; recordings of held-out sentences go to the test list."""
    from tts.data.recording_examples import recording_examples
    from tts.data.recordings import read_recordings

    if not config.lang:
        raise ValueError("--recordings needs --lang: the language the recordings speak")
    started = time.perf_counter()
    layout = config.recordings_format or None
    recordings = read_recordings(config.recordings, config.lang, layout=layout)
    held_out = [r.text for r in recordings if is_test_sentence(r.text)]
    atomic_write_text(out / "test_sentences" / f"{config.lang}.txt", "".join(f"{s}\n" for s in held_out))
    examples, skipped = recording_examples(
        config.recordings,
        config.lang,
        layout,
        keep=lambda recording: not is_test_sentence(recording.text),
    )
    log(
        f"recordings: {len(examples)} aligned, {skipped} skipped, {len(held_out)} held out "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return examples, skipped


def training_examples(
    config: TrainConfig, out: Path, log: Callable[[str], None]
) -> tuple[list[TeacherExample], int]:
    """The run's training examples sorted by length (real recordings, or teacher speech), and how many
    were skipped; the held-out test lists are written to ``out/test_sentences`` on the way."""
    started = time.perf_counter()
    if config.recordings:
        examples, skipped = _recording_examples(config, out, log)
    else:
        items, tests = teacher_items(config)
        for lang, sentences in tests.items():
            atomic_write_text(out / "test_sentences" / f"{lang}.txt", "".join(f"{s}\n" for s in sentences))
        examples, skipped = teacher_examples(config, items, log)
    log(
        f"teacher data: {len(examples)} utterances ({audio_hours(examples):.2f} h), {skipped} skipped as "
        f"unaligned, {time.perf_counter() - started:.0f} s"
    )
    if not examples:
        raise ValueError("no teacher example could be built; check the corpus path and languages")
    examples.sort(key=lambda e: len(e.ids))
    return examples, skipped


def _starting_model(config: TrainConfig, inventory_size: int, speakers: int) -> tuple[VoiceModel, dict]:
    """A fresh model, or the one of ``config.resume`` with its earlier card."""
    if config.resume:
        model, _, card = load_checkpoint(config.resume)
        return model, card
    sizes = {**(TINY_SIZES if config.tiny else {}), **config.sizes}
    return VoiceModel(VoiceConfig(n_tokens=inventory_size, n_speakers=speakers, **sizes)), {}


RUN_KEYS = ("training", "guide_recognizers", "teacher", "training_text")
"""Card keys each training run writes afresh; every other key of a resumed card is carried over."""


def earlier_history(earlier_card: dict) -> dict:
    """What a resumed checkpoint's card keeps: its other keys as they were (``vocoder_tuning``,
    ``imported_from``, …) and ``training_history``, every earlier run's ``training`` card, oldest first."""
    kept = {k: v for k, v in earlier_card.items() if k not in RUN_KEYS}
    if "training" in earlier_card:
        kept["training_history"] = [*earlier_card.get("training_history", []), earlier_card["training"]]
    return kept


def guide_record(earlier_card: dict, guide: Guide | None) -> dict[str, list[str]]:
    """``{"guide_recognizers": [sha256, ...]}``: every recognizer this voice (or the checkpoint it resumed)
    was trained against, so the quality bench can refuse to let one of them judge it; empty when none."""
    guides = list(earlier_card.get("guide_recognizers", []))
    if guide is not None and guide.fingerprint not in guides:
        guides.append(guide.fingerprint)
    return {"guide_recognizers": guides} if guides else {}


def train_voice(config: TrainConfig, log: Callable[[str], None] = print) -> TrainResult:
    """Teacher data → training loop → checkpoint; see the module docstring."""
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = training_device(config.device)
    out = Path(config.out)
    started = time.perf_counter()
    inventory = load_inventory()
    # A wrong guide folder fails here, before minutes of teacher synthesis.
    guide = load_guide(config.guide_recognizer, device) if config.guide_recognizer else None
    if guide is not None:
        check_inventory(guide, len(inventory.tokens))
        log(
            f"guide recognizer {config.guide_recognizer} (sha256 {guide.fingerprint[:12]}…), "
            f"weight {config.guide_weight}"
        )
    examples, skipped = training_examples(config, out, log)
    hours = audio_hours(examples)
    model, earlier_card = _starting_model(config, len(inventory.tokens), len(inventory.speakers))
    earlier = earlier_card.get("training", {})
    model = model.to(device).train()
    log(
        f"model: {model.parameter_count() / 1e6:.1f}M parameters"
        + (f", resumed from {config.resume}" if config.resume else "")
    )
    log_mel = LogMel().to(device)
    weights = {"guide": config.guide_weight}
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, betas=(0.9, 0.98), weight_decay=0.01
    )
    loop_start = time.perf_counter()
    budget = loop_budget_seconds(config.minutes, config.finish_by)
    step, loss_value = 0, float("nan")
    use_bf16 = device.type == "cuda"

    def next_batch() -> dict[str, torch.Tensor]:
        start = random.randint(0, max(0, len(examples) - config.batch_size))
        return collate(examples[start : start + config.batch_size], device)

    # Padding and copying the next batch overlaps the current step on the GPU (numpy releases the GIL).
    with ThreadPoolExecutor(1) as prefetch:
        pending = prefetch.submit(next_batch)
        while True:
            elapsed = time.perf_counter() - loop_start
            if elapsed > budget or (config.steps and step >= config.steps):
                break
            progress = elapsed / max(budget, 1e-9)
            lr = time_budget_learning_rate(config.learning_rate, step, config.warmup_steps, progress)
            for group in optimizer.param_groups:
                group["lr"] = lr
            batch = pending.result()
            pending = prefetch.submit(next_batch)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                losses = training_losses(
                    model,
                    batch,
                    log_mel,
                    config.segment_frames,
                    config.vocoder_predicted_share,
                    guide,
                    config.guide_items,
                )
            loss = torch.stack([weights.get(k, 1.0) * v.float() for k, v in losses.items()]).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            if step % 100 == 0 or step == 1:
                loss_value = float(loss.detach())
                parts = " ".join(f"{k}={v.item():.3f}" for k, v in losses.items())
                log(
                    f"step {step} {time.perf_counter() - loop_start:.0f}s lr={lr:.2e} "
                    f"loss={loss_value:.3f} {parts}"
                )
        pending.result()
    loss_value = float(loss.detach()) if step else loss_value
    card = {
        "training": {
            **{k: v for k, v in asdict(config).items() if k not in ("sizes",)},
            "steps_done": step,
            "total_steps": step + int(earlier.get("total_steps", earlier.get("steps_done", 0))),
            "resumed_from_steps": int(earlier.get("total_steps", earlier.get("steps_done", 0))),
            "final_loss": loss_value,
            "teacher_utterances": len(examples),
            "teacher_hours": round(hours, 3),
            "skipped_unaligned": skipped,
            "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
        **guide_record(earlier_card, guide),
        **earlier_history(earlier_card),
        "teacher": "espeak-ng (espeakng-loader), voice variants as speakers",
        "training_text": "../shared/corpora/train (licences: SOURCES.md there)",
    }
    checkpoint = save_checkpoint(model.cpu().eval(), inventory, out / "checkpoint", card)
    log(f"saved {checkpoint} after {step} steps")
    return TrainResult(checkpoint, step, loss_value)
