"""Training examples from real recordings: the durations no teacher reports come from an alignment.

Each recording (:mod:`tts.data.recordings`) is read, made mono and resampled to 22.05 kHz, and its
text goes through the same front end as inference. Durations come from flat-start Viterbi training,
the way HMM aligners begin: start from durations spread evenly over each utterance; then, for a few
rounds, estimate one mean log-mel vector per token id from the current alignment of *all* utterances,
score every frame against every token of its utterance (negative squared distance) and re-align with
monotonic alignment search (:mod:`tts.data.alignment`). Sharing the means across the corpus is what
pulls each phoneme's frames together (on forty espeak-ng recordings a test checks the boundaries
against espeak's own). As in the teacher data, only sounding tokens take time, at
least one frame each: phonemes, and clause pauses (which take the silence after a clause); BOS, EOS,
word boundaries, stress and tone marks get zero frames, so recordings and teacher speech teach the
duration predictor one convention. Recordings shorter than their sounding-token count, or that the
front end cannot read, are skipped and counted.

Example::

    >>> examples, skipped = recording_examples("LJSpeech-1.1", "en", layout="ljspeech")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from math import gcd
from pathlib import Path

import numpy as np

from tts.data.alignment import monotonic_alignment_durations
from tts.data.dataset import TeacherExample, example_from_durations
from tts.data.prosody import HOP
from tts.data.recordings import Recording, read_recordings
from tts.frontend.espeak import SAMPLE_RATE
from tts.frontend.inventory import load_inventory
from tts.frontend.phonemize import PAUSE_TOKENS, clauses_to_tokens, is_phoneme
from tts.frontend.segment import segment


def load_audio(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """int16 mono audio at ``sample_rate`` (polyphase resampling from any other rate)."""
    import soundfile
    from scipy.signal import resample_poly

    audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != sample_rate:
        common = gcd(rate, sample_rate)
        audio = resample_poly(audio, sample_rate // common, rate // common)
    return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def log_mel_frames(audio: np.ndarray) -> np.ndarray:
    """``[frames, 80]`` natural-log mel of int16 audio, the training targets' framing."""
    import torch

    from tts.model.mel import LogMel

    with torch.no_grad():
        mel = LogMel()(torch.from_numpy(audio.astype(np.float32) / 32768.0)[None])
    return mel[0].T.numpy()


def flat_start_durations(ids: list[np.ndarray], mels: list[np.ndarray], rounds: int = 8) -> list[np.ndarray]:
    """Frame durations per token for every utterance; see the module docstring."""
    durations = [
        np.diff(np.linspace(0, len(m), len(i) + 1).round().astype(np.int64))
        for i, m in zip(ids, mels, strict=True)
    ]
    vocabulary = int(max(i.max() for i in ids)) + 1
    for _ in range(rounds):
        sums = np.zeros((vocabulary, mels[0].shape[1]))
        counts = np.zeros(vocabulary)
        for token_ids, mel, frames in zip(ids, mels, durations, strict=True):
            owner = np.repeat(token_ids, frames)
            np.add.at(sums, owner, mel[: len(owner)])
            np.add.at(counts, owner, 1)
        overall = sums.sum(axis=0) / max(counts.sum(), 1)
        means = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], overall)
        durations = [
            monotonic_alignment_durations(-_squared_distances(means[token_ids], mel))
            for token_ids, mel in zip(ids, mels, strict=True)
        ]
    return durations


def _squared_distances(centers: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """``[tokens, frames]`` squared Euclidean distances, without a ``[tokens, frames, bins]`` temporary."""
    return (centers**2).sum(1)[:, None] - 2.0 * centers @ frames.T + (frames**2).sum(1)[None, :]


def recording_examples(
    folder: str | os.PathLike[str],
    lang: str,
    layout: str | None = None,
    speaker: str = "default",
    keep: Callable[[Recording], bool] | None = None,
    rounds: int = 8,
) -> tuple[list[TeacherExample], int]:
    """Examples (durations aligned) for the recordings of ``folder`` and how many were skipped.

    ``layout`` names the recordings' layout (``--recordings-format``; None: detect it, see
    :func:`tts.data.recordings.read_recordings`). ``keep`` filters recordings (the trainer holds out
    test sentences with it)."""
    inventory = load_inventory()
    kept: list[tuple[Recording, list[int], np.ndarray, np.ndarray, np.ndarray]] = []
    skipped = 0
    for recording in read_recordings(folder, lang, speaker, layout):
        if keep is not None and not keep(recording):
            continue
        try:
            tokens = clauses_to_tokens(segment(recording.text, lang))
        except ValueError:
            skipped += 1
            continue
        sounding = np.array([is_phoneme(t) or t in PAUSE_TOKENS for t in tokens])
        audio = load_audio(recording.audio_path)
        mel = log_mel_frames(audio)
        if len(mel) < sounding.sum() or not sounding.any():
            skipped += 1
            continue
        kept.append((recording, inventory.ids(tokens), sounding, audio, mel))
    if not kept:
        return [], skipped
    aligned = flat_start_durations([np.asarray(k[1])[k[2]] for k in kept], [k[4] for k in kept], rounds)
    language, speaker_id = inventory.language_id(lang), inventory.speaker_id(speaker)
    examples = []
    for (recording, ids, sounding, audio, mel), frames in zip(kept, aligned, strict=True):
        durations = np.zeros(len(ids), np.int64)
        durations[sounding] = frames
        examples.append(
            example_from_durations(
                ids, language, speaker_id, durations, audio[: len(mel) * HOP], recording.text
            )
        )
    return examples, skipped
