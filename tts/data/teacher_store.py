"""Teacher examples on disk, so that several jobs of one run train on the very same teacher speech.

Synthesis is the one CPU-heavy step of a voice's training run. Writing its result once lets the
voice trainer and the phoneme recognizer of the quality tooling share it, and lets a second training
run skip synthesis. A folder holds ``teacher-N.npz`` shards (token ids, frame durations, per-token
pitch and energy, int16 audio, language and speaker ids, text; variable-length fields concatenated
with offsets) and ``teacher.json``, written last: its presence means the folder is complete.

Example::

    >>> save_teacher_data(examples, "runs/tts/teacher", {"skipped_unaligned": 3})   # doctest: +SKIP
    >>> examples, card = load_teacher_data("runs/tts/teacher")                       # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from indic.atomic import atomic_write_bytes, atomic_write_text
from tts.data.dataset import TeacherExample, audio_hours
from tts.data.prosody import HOP, SAMPLE_RATE

CARD_NAME = "teacher.json"
SHARD_EXAMPLES = 2000
_PER_TOKEN = ("ids", "durations", "pitch", "energy")


class TeacherDataError(FileNotFoundError):
    """Raised when a folder holds no complete teacher data (``teacher.json`` is missing)."""


def has_teacher_data(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds complete teacher data."""
    return (Path(folder) / CARD_NAME).is_file()


def save_teacher_data(
    examples: list[TeacherExample], folder: str | os.PathLike[str], card: dict | None = None
) -> Path:
    """Write ``examples`` as shards, then ``teacher.json`` (counts, hours, the layout, ``card``)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    shards = []
    for index, start in enumerate(range(0, len(examples), SHARD_EXAMPLES)):
        buffer = io.BytesIO()
        np.savez(buffer, **_pack(examples[start : start + SHARD_EXAMPLES]))
        shards.append(f"teacher-{index}.npz")
        atomic_write_bytes(out / shards[-1], buffer.getvalue())
    meta = {
        "format": "indic-teacher-data",
        "version": 1,
        "utterances": len(examples),
        "hours": round(audio_hours(examples), 3),
        "sample_rate": SAMPLE_RATE,
        "hop_length": HOP,
        "shards": shards,
        "fields": {
            "ids, durations, pitch, energy": "per token, concatenated; token_offsets[i]:token_offsets[i+1]",
            "audio": "int16, concatenated; audio_offsets[i]:audio_offsets[i+1]",
            "language, speaker": "ids in the phoneme inventory's order",
            "text": "the sentence",
        },
        **(card or {}),
    }
    atomic_write_text(out / CARD_NAME, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return out


def load_teacher_data(folder: str | os.PathLike[str]) -> tuple[list[TeacherExample], dict]:
    """The examples of a folder written by :func:`save_teacher_data`, and its card."""
    path = Path(folder)
    if not has_teacher_data(path):
        raise TeacherDataError(f"{path} holds no teacher data: {CARD_NAME} is missing")
    card = json.loads((path / CARD_NAME).read_text(encoding="utf-8"))
    examples: list[TeacherExample] = []
    for name in card["shards"]:
        with np.load(path / name) as shard:
            examples += _unpack({key: shard[key] for key in shard.files})
    return examples, card


def _pack(examples: list[TeacherExample]) -> dict[str, np.ndarray]:
    token_offsets = np.cumsum([0] + [len(e.ids) for e in examples])
    audio_offsets = np.cumsum([0] + [len(e.audio) for e in examples])
    arrays = {
        name: np.concatenate([getattr(e, name) for e in examples]) if examples else np.zeros(0)
        for name in _PER_TOKEN
    }
    return {
        **arrays,
        "audio": np.concatenate([e.audio for e in examples]).astype(np.int16)
        if examples
        else np.zeros(0, np.int16),
        "token_offsets": token_offsets,
        "audio_offsets": audio_offsets,
        "language": np.array([e.language for e in examples], np.int64),
        "speaker": np.array([e.speaker for e in examples], np.int64),
        "text": np.array([e.text for e in examples], dtype=str),
    }


def _unpack(shard: dict[str, np.ndarray]) -> list[TeacherExample]:
    tokens, audio = shard["token_offsets"], shard["audio_offsets"]
    return [
        TeacherExample(
            ids=shard["ids"][tokens[i] : tokens[i + 1]].astype(np.int64),
            language=int(shard["language"][i]),
            speaker=int(shard["speaker"][i]),
            durations=shard["durations"][tokens[i] : tokens[i + 1]].astype(np.int64),
            pitch=shard["pitch"][tokens[i] : tokens[i + 1]].astype(np.float32),
            energy=shard["energy"][tokens[i] : tokens[i + 1]].astype(np.float32),
            audio=shard["audio"][audio[i] : audio[i + 1]],
            text=str(shard["text"][i]),
        )
        for i in range(len(shard["language"]))
    ]
