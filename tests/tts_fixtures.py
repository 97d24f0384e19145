"""Random teacher examples for the speech training tests: shapes and types as the teacher store holds them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tts.data.dataset import TeacherExample
from tts.data.prosody import HOP


def random_teacher_example(
    tokens: int, seed: int, languages: int = 11, min_frames: int = 0
) -> TeacherExample:
    """``tokens`` phonemes of 0–3 frames each (at least ``min_frames``), audio to match, seeded."""
    rng = np.random.default_rng(seed)
    durations = rng.integers(min_frames, 4, tokens)
    return TeacherExample(
        ids=rng.integers(3, 100, tokens),
        language=seed % languages,
        speaker=seed % 4,
        durations=durations,
        pitch=rng.standard_normal(tokens).astype(np.float32),
        energy=rng.standard_normal(tokens).astype(np.float32),
        audio=rng.integers(-3000, 3000, int(durations.sum()) * HOP).astype(np.int16),
        text=f"वाक्य {seed}",
    )


def small_training_settings(corpus: Path, teacher: Path, **overrides: object) -> dict[str, object]:
    """``TrainConfig`` fields for a seconds-long CPU run on two languages (Hindi and Tamil)."""
    return {
        "corpus": str(corpus),
        "languages": ("hi", "ta"),
        "sentences_per_language": 2,
        "test_sentences": 1,
        "batch_size": 4,
        "device": "cpu",
        "segment_frames": 8,
        "teacher_data": str(teacher),
        **overrides,
    }
