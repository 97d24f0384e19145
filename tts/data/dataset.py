"""Teacher examples — token ids, exact frame durations, per-token pitch and energy, audio — built in parallel.

espeak-ng is a process-global library, so parallel synthesis uses one process per core (each loads
its own copy); on the 16-core GPU machine a few thousand sentences take well under a minute.
Sentences that espeak and the front end do not align on are skipped and counted, never guessed.

Example::

    >>> examples, skipped = build_examples([("नमस्ते दुनिया", "hi", "default")], workers=1)  # doctest: +SKIP
    >>> examples[0].durations.sum() == len(examples[0].audio) // 256
    True
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tts.data.prosody import HOP, SAMPLE_RATE, frame_energy, frame_f0, samples_to_frames, token_average
from tts.data.teacher import AlignmentError, synthesize_teacher
from tts.frontend.inventory import load_inventory

LOG_F0_CENTER = 5.0
"""Pitch targets are ``log(F0) − 5`` (≈ 150 Hz at zero) for voiced tokens and 0 for unvoiced ones."""
ENERGY_OFFSET = 4.0
"""Energy targets are mean log-RMS + 4 (speech near +1, silence near −7.5); zero-length tokens get 0."""


@dataclass
class TeacherExample:
    """One utterance ready for training; ``durations`` are in frames and sum to ``len(audio) // HOP``."""

    ids: np.ndarray
    language: int
    speaker: int
    durations: np.ndarray
    pitch: np.ndarray
    energy: np.ndarray
    audio: np.ndarray
    text: str


def audio_hours(examples: Iterable[TeacherExample]) -> float:
    """Hours of audio in ``examples`` (teacher audio is at the voice's sample rate)."""
    return sum(len(e.audio) for e in examples) / SAMPLE_RATE / 3600


def make_example(item: tuple[str, str, str], reproducible: bool = False) -> TeacherExample | None:
    """Synthesize one ``(text, lang, speaker)``; None when espeak and the front end disagree.

    ``reproducible`` makes the teacher's audio independent of earlier calls (evaluation needs it;
    see :func:`tts.data.teacher.synthesize_teacher`).
    """
    text, lang, speaker = item
    inventory = load_inventory()
    try:
        utterance = synthesize_teacher(text, lang, speaker, reproducible=reproducible)
    except (AlignmentError, ValueError):
        return None
    ids = inventory.ids(utterance.tokens)
    if len(ids) != len(utterance.tokens) or len(utterance.audio) < HOP * 4:
        return None
    durations = samples_to_frames(utterance.durations)
    return example_from_durations(
        ids, inventory.language_id(lang), inventory.speaker_id(speaker), durations, utterance.audio, text
    )


def example_from_durations(
    ids: list[int], language: int, speaker: int, durations: np.ndarray, audio: np.ndarray, text: str
) -> TeacherExample:
    """An example from int16 audio and frame durations (from the teacher or from an alignment):
    measures its per-token pitch and energy targets and cuts the audio to whole frames."""
    f0 = frame_f0(audio)
    log_f0 = np.where(f0 > 0, np.log(np.maximum(f0, 1.0)) - LOG_F0_CENTER, 0.0)
    pitch = token_average(np.where(f0 > 0, log_f0, 0.0), durations, voiced_only=False)
    voiced = token_average((f0 > 0).astype(np.float32), durations)
    pitch = np.where(voiced > 0.5, pitch / np.maximum(voiced, 1e-6), 0.0).astype(np.float32)
    energy = np.where(durations > 0, token_average(frame_energy(audio), durations) + ENERGY_OFFSET, 0.0)
    return TeacherExample(
        np.asarray(ids, np.int64),
        language,
        speaker,
        np.asarray(durations, np.int64),
        pitch,
        energy.astype(np.float32),
        audio[: int(durations.sum()) * HOP],
        text,
    )


def build_examples(items: list[tuple[str, str, str]], workers: int = 0) -> tuple[list[TeacherExample], int]:
    """Teacher examples for all items (order kept) and how many were skipped."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        results = [make_example(item) for item in items]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.map(make_example, items, chunksize=16)
    examples = [r for r in results if r is not None]
    return examples, len(results) - len(examples)
