"""The TTS adapter: a batch of phoneme-id sequences in, one waveform per request out.

A voice graph plugs in through :class:`VoiceSpec`, which names its inputs and outputs (defaults:
``phoneme_ids [batch, phonemes]``, ``phoneme_lengths [batch]``, optional ``speaker_ids`` and
``language_ids [batch]``, optional ``length_scales [batch]`` float32 (duration multiplier: > 1 speaks
slower) → ``audio [batch, samples]``, ``audio_lengths [batch]``) and gives its
sample rate; a voice card can carry the same fields under ``"serving"``. Requests of different
lengths are right-padded with ``pad_id`` and each output is cut back to its ``audio_lengths``, so a
clip does not depend on what it was batched with.

Example::

    >>> tts = TTSEngine(load_session("voice.onnx"), VoiceSpec(sample_rate=22050))   # doctest: +SKIP
    >>> [clip] = tts.synthesize([SpeechRequest((12, 40, 7), speaker=0, language=2)])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from serving.engine import EngineSession


@dataclass(frozen=True)
class VoiceSpec:
    """Names of a voice graph's tensors, its sample rate and its padding id."""

    ids_input: str = "phoneme_ids"
    lengths_input: str = "phoneme_lengths"
    speaker_input: str | None = "speaker_ids"
    language_input: str | None = "language_ids"
    length_scale_input: str | None = None
    audio_output: str = "audio"
    audio_lengths_output: str = "audio_lengths"
    sample_rate: int = 22050
    pad_id: int = 0

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> VoiceSpec:
        """The spec from a voice card's ``"serving"`` section (missing fields keep their defaults)."""
        section = dict(card.get("serving", {}))
        unknown = set(section) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown voice serving fields: {sorted(unknown)}")
        return cls(**section)


@dataclass(frozen=True)
class SpeechRequest:
    """One utterance: its phoneme ids, the speaker and language rows to condition on, its pace."""

    phoneme_ids: tuple[int, ...]
    speaker: int = 0
    language: int = 0
    length_scale: float = 1.0


class TTSEngine:
    """Batched synthesis on a voice graph described by a :class:`VoiceSpec`."""

    def __init__(self, engine: EngineSession, spec: VoiceSpec = VoiceSpec()) -> None:
        needed = {spec.ids_input, spec.lengths_input} | {
            n for n in (spec.speaker_input, spec.language_input) if n
        }
        missing = needed - engine.inputs.keys() | (
            {spec.audio_output, spec.audio_lengths_output} - engine.outputs.keys()
        )
        if missing:
            raise ValueError(
                f"{engine.model_path.name} does not match its voice spec: missing {sorted(missing)}"
            )
        self.engine = engine
        self.spec = spec

    @property
    def provider(self) -> str:
        return self.engine.active_provider

    @property
    def sample_rate(self) -> int:
        return self.spec.sample_rate

    @property
    def has_speed_control(self) -> bool:
        return self.spec.length_scale_input is not None

    def synthesize(self, requests: Sequence[SpeechRequest]) -> list[np.ndarray]:
        """Float32 waveforms in [-1, 1], one per request, in request order."""
        spec = self.spec
        audio, lengths = self.engine.run(self.feeds(requests), [spec.audio_output, spec.audio_lengths_output])
        audio = audio.reshape(len(requests), -1)
        return [
            audio[row, : int(n)].astype(np.float32, copy=True) for row, n in enumerate(lengths.reshape(-1))
        ]

    def feeds(self, requests: Sequence[SpeechRequest]) -> dict[str, np.ndarray]:
        """The graph inputs for one batch: ids right-padded with ``pad_id`` and the true lengths."""
        if not requests or any(not r.phoneme_ids for r in requests):
            raise ValueError("every request needs at least one phoneme id")
        spec = self.spec
        width = max(len(r.phoneme_ids) for r in requests)
        ids = np.full((len(requests), width), spec.pad_id, dtype=np.int64)
        for row, request in enumerate(requests):
            ids[row, : len(request.phoneme_ids)] = request.phoneme_ids
        feeds = {
            spec.ids_input: ids,
            spec.lengths_input: np.asarray([len(r.phoneme_ids) for r in requests], dtype=np.int64),
        }
        if spec.speaker_input:
            feeds[spec.speaker_input] = np.asarray([r.speaker for r in requests], dtype=np.int64)
        if spec.language_input:
            feeds[spec.language_input] = np.asarray([r.language for r in requests], dtype=np.int64)
        if spec.length_scale_input:
            feeds[spec.length_scale_input] = np.asarray([r.length_scale for r in requests], dtype=np.float32)
        return feeds


@dataclass(frozen=True)
class CodepointPhonemizer:
    """Text → ids by code point, for the synthetic voice only (the real front end is ``tts.frontend``).

    It exists so the service, tests and benchmarks exercise the full text-in, audio-out path on
    the synthetic graph; it knows nothing about pronunciation.

    >>> CodepointPhonemizer(vocab=256)("नमस्ते")[:2]
    (50, 56)
    """

    vocab: int

    def __call__(self, text: str, lang: str = "en") -> tuple[int, ...]:
        return tuple(1 + ord(ch) % (self.vocab - 1) for ch in text if not ch.isspace() or ch == " ")
