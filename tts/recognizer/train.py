"""Train the CTC phoneme recognizer on espeak-ng teacher speech within a wall-clock budget.

    python -m tts.recognizer.train --out runs/ttsq/recognizer --teacher-data runs/tts/teacher \\
        --minutes 5 --device cuda
    python -m tts.recognizer.train --out runs/ttsq/tiny --sentences-per-language 2 --steps 3 --tiny \\
        --device cpu                                          # synthesizes its own teacher data

Teacher data comes from a folder written by :mod:`tts.data.teacher_store` (the voice trainer's, so
both learn from the very same speech) or, without ``--teacher-data``, is synthesized in-process from
the training split of ``--corpus``. Held-out sentences never enter: the split is by line hash
(:mod:`tts.data.sentences`), and any example whose text is a test sentence is dropped again here.

Augmentation (:mod:`tts.recognizer.augment`) makes the recognizer judge phonemes rather than the
teacher's exact timbre: speed perturbation (0.9/1.0/1.1), white noise at a random 15–40 dB SNR, a
random warp of the mel axis and SpecAugment frequency and time masks. Without it a recognizer that
has only ever heard one formant synthesizer would count any vocoder artefact as an error, and the
voice-vs-teacher PER ratio would measure timbre instead of pronunciation.

The loop follows the voice trainer: AdamW, warm-up then a cosine schedule tied to the time budget
(``--minutes``, and ``--finish-by``, a Unix time a job with a hard limit passes), a float16
checkpoint every ``--save-every`` seconds and at the end, and a greedy-decoding PER on a small
validation slice of the training sentences in the log.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from indic.languages import LANGUAGE_CODES
from tts.data.dataset import TeacherExample, audio_hours
from tts.data.sentences import is_test_sentence
from tts.data.teacher_store import has_teacher_data
from tts.frontend.inventory import load_inventory
from tts.quality.per import phoneme_error_rate
from tts.recognizer.augment import add_noise, random_speed, spec_augment, speed_perturb, warp_frequency
from tts.recognizer.checkpoint import save_recognizer
from tts.recognizer.model import (
    BLANK,
    PhonemeRecognizer,
    RecognizerConfig,
    frame_counts,
    greedy_decode,
    phoneme_target_mask,
)
from tts.schedule import loop_budget_seconds, time_budget_learning_rate, training_device
from tts.train import TrainConfig as VoiceTrainConfig
from tts.train import teacher_examples as voice_teacher_examples
from tts.train import teacher_items

TINY_SIZES = {"channels": 32, "hidden": 32, "layers": 1}


@dataclass
class RecognizerTrainConfig:
    """Everything a training run needs; the command-line flags have the same names."""

    out: str = "runs/ttsq/recognizer"
    teacher_data: str = ""
    corpus: str = "../shared/corpora/train"
    languages: tuple[str, ...] = LANGUAGE_CODES
    sentences_per_language: int = 300
    workers: int = 0
    minutes: float = 5.0
    finish_by: float = 0.0
    steps: int = 0
    batch_size: int = 48
    channels: int = 256
    hidden: int = 256
    layers: int = 3
    learning_rate: float = 1.5e-3
    warmup_steps: int = 200
    save_every: float = 60.0
    validation_utterances: int = 110
    device: str = "cuda"
    tiny: bool = False
    seed: int = 0


def teacher_examples(config: RecognizerTrainConfig, log: Callable[[str], None]) -> list[TeacherExample]:
    """The voice trainer's teacher data (loaded, else synthesized) without the held-out sentences."""
    voice_config = VoiceTrainConfig(
        corpus=config.corpus,
        languages=config.languages,
        sentences_per_language=config.sentences_per_language,
        test_sentences=0,
        workers=config.workers,
        teacher_data=config.teacher_data,
    )
    complete = bool(config.teacher_data) and has_teacher_data(config.teacher_data)
    items = [] if complete else teacher_items(voice_config)[0]
    started = time.perf_counter()
    examples, _ = voice_teacher_examples(voice_config, items, lambda _message: None)
    kept = [e for e in examples if not is_test_sentence(e.text)]
    hours = audio_hours(kept)
    source = f"loaded from {config.teacher_data}" if complete else "synthesized"
    log(
        f"teacher data {source}: {len(kept)} utterances ({hours:.2f} h), "
        f"{len(examples) - len(kept)} held-out sentences dropped, {time.perf_counter() - started:.0f} s"
    )
    if not kept:
        raise ValueError("no teacher example to train on; check --teacher-data or --corpus")
    return kept


def collate(
    examples: list[TeacherExample], targets: np.ndarray, device: torch.device
) -> dict[str, torch.Tensor]:
    """Padded float audio, lengths, language ids and the concatenated CTC targets (phoneme ids only)."""
    longest = max(len(e.audio) for e in examples)
    audio = np.zeros((len(examples), longest), np.float32)
    labels = []
    for row, example in enumerate(examples):
        audio[row, : len(example.audio)] = example.audio / 32768.0
        labels.append(example.ids[targets[example.ids]])
    tensors = {
        "audio": audio,
        "audio_lengths": np.array([len(e.audio) for e in examples], np.int64),
        "language": np.array([e.language for e in examples], np.int64),
        "targets": np.concatenate(labels).astype(np.int64),
        "target_lengths": np.array([len(t) for t in labels], np.int64),
    }
    return {k: torch.from_numpy(v).to(device) for k, v in tensors.items()}


def ctc_loss(model: PhonemeRecognizer, batch: dict[str, torch.Tensor], augment: bool) -> torch.Tensor:
    """Mean CTC loss of a batch (per target phoneme); impossible alignments count zero."""
    audio, lengths = batch["audio"], batch["audio_lengths"]
    if augment:
        audio, lengths = speed_perturb(audio, lengths, random_speed())
        audio = add_noise(audio, lengths)
    frames = frame_counts(lengths)
    features = model.features(audio, frames)
    if augment:
        features = spec_augment(warp_frequency(features), frames)
    logits = model.encode(features, frames, batch["language"])
    log_probs = functional.log_softmax(logits.float(), dim=-1).transpose(0, 1)
    return functional.ctc_loss(
        log_probs,
        batch["targets"],
        frames,
        batch["target_lengths"],
        blank=BLANK,
        zero_infinity=True,
    )


@torch.no_grad()
def validation_per(
    model: PhonemeRecognizer, examples: list[TeacherExample], targets: np.ndarray, device: torch.device
) -> float:
    """Greedy-decoding PER of the recognizer on clean teacher audio of ``examples``."""
    model.eval()
    references, hypotheses = [], []
    for start in range(0, len(examples), 16):
        chunk = examples[start : start + 16]
        batch = collate(chunk, targets, device)
        logits, frames = model(batch["audio"], batch["audio_lengths"], batch["language"])
        hypotheses += greedy_decode(logits, frames)
        references += [e.ids[targets[e.ids]].tolist() for e in chunk]
    model.train()
    return phoneme_error_rate(references, hypotheses)


def train_recognizer(config: RecognizerTrainConfig, log: Callable[[str], None] = print) -> Path:
    """Teacher data → CTC training within the budget → ``recognizer.pt`` + ``recognizer.json`` in ``out``."""
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = training_device(config.device)
    started = time.perf_counter()
    examples = teacher_examples(config, log)
    random.Random(config.seed).shuffle(examples)
    validation = examples[: min(config.validation_utterances, max(1, len(examples) // 50))]
    training = sorted(examples[len(validation) :] or validation, key=lambda e: len(e.audio))
    inventory = load_inventory()
    targets = phoneme_target_mask(inventory)
    sizes = TINY_SIZES if config.tiny else {k: getattr(config, k) for k in ("channels", "hidden", "layers")}
    model_config = RecognizerConfig(
        n_tokens=len(inventory.tokens), n_languages=len(inventory.languages), **sizes
    )
    model = PhonemeRecognizer(model_config).to(device).train()
    parameters = sum(p.numel() for p in model.parameters())
    log(f"recognizer: {parameters / 1e6:.2f}M parameters on {device}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    budget = loop_budget_seconds(config.minutes, config.finish_by)
    loop_start = last_save = time.perf_counter()
    step, loss_value, history = 0, float("nan"), []

    def save(final: bool) -> None:
        per = validation_per(model, validation, targets, device)
        history.append({"step": step, "seconds": round(time.perf_counter() - loop_start, 1), "per": per})
        card = {
            "training": {
                **asdict(config),
                "steps_done": step,
                "final_loss": loss_value,
                "validation_per_clean_teacher": round(per, 4),
                "validation_utterances": len(validation),
                "training_utterances": len(training),
                "training_hours": round(audio_hours(training), 3),
                "parameters": parameters,
                "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
                "wall_seconds": round(time.perf_counter() - started, 1),
                "complete": final,
                "history": history,
            },
            "teacher": "espeak-ng (espeakng-loader), voice variants as speakers",
            "training_text": "../shared/corpora/train, training split only (licences: SOURCES.md there)",
        }
        save_recognizer(model, inventory, config.out, card)
        log(f"saved {config.out} at step {step}: validation PER {per:.3f} on clean teacher audio")

    def next_batch() -> dict[str, torch.Tensor]:
        start = random.randint(0, max(0, len(training) - config.batch_size))
        return collate(training[start : start + config.batch_size], targets, device)

    # Padding the next batch overlaps the current step on the GPU (numpy releases the GIL).
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
            loss = ctc_loss(model, batch, augment=True)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            if step % 50 == 0 or step == 1:
                loss_value = float(loss.detach())
                log(f"step {step} {time.perf_counter() - loop_start:.0f}s lr={lr:.2e} ctc={loss_value:.3f}")
            if time.perf_counter() - last_save > config.save_every:
                save(final=False)
                last_save = time.perf_counter()
        pending.result()
    loss_value = float(loss.detach()) if step else loss_value
    save(final=True)
    return Path(config.out)


def parse_args(argv: list[str] | None = None) -> RecognizerTrainConfig:
    """Flags named as :class:`RecognizerTrainConfig`'s fields (``--teacher-data`` for ``teacher_data``)."""
    parser = argparse.ArgumentParser(
        prog="python -m tts.recognizer.train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = RecognizerTrainConfig()
    for field in fields(RecognizerTrainConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action="store_true")
        elif isinstance(default, tuple):
            parser.add_argument(flag, nargs="+", default=list(default))
        else:
            parser.add_argument(flag, type=type(default), default=default)
    values = vars(parser.parse_args(argv))
    values["languages"] = tuple(values["languages"])
    return RecognizerTrainConfig(**values)


def main(argv: list[str] | None = None) -> None:
    train_recognizer(parse_args(argv), log=lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
