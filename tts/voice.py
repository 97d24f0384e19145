"""The runtime voice: onnxruntime + the front end, no torch.

A voice is a folder with ``model.onnx`` and ``voice.json`` (sample rate, phoneme inventory,
languages, speakers), the layout Piper uses. Long text is cut at sentence pauses into chunks of at
most :data:`MAX_CHUNK_TOKENS` tokens, synthesized a few at a time and streamed, so a 50,000-character
input needs no more memory than a paragraph.

Example::

    >>> voice = Voice.load()                                    # the bundled voice  # doctest: +SKIP
    >>> audio = voice.synthesize("नमस्ते दुनिया", "hi")          # float32, voice.sample_rate
    >>> voice.write_wav("नमस्ते दुनिया", "hi", "out.wav")
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indic.gpu_libraries import preload_cuda_libraries
from tts.frontend.inventory import Inventory
from tts.frontend.phonemize import BOS, EOS, clauses_to_tokens
from tts.frontend.segment import Clause, segment

DEFAULT_VOICE = "indic-voice-multi"
MAX_CHUNK_TOKENS = 240
"""Longest token sequence given to the model at once; longer text is cut at clause ends."""
SENTENCE_PAUSES = {".", "?", "!", "।"}


class VoiceNotFoundError(FileNotFoundError):
    """Raised when a voice folder lacks ``model.onnx``/``voice.json`` or no voice is bundled."""


@dataclass(frozen=True)
class Chunk:
    """One model call's worth of text: its token ids."""

    ids: list[int]


class Voice:
    """A loaded ONNX voice; ``providers`` defaults to CUDA when available, then CPU."""

    def __init__(
        self, folder: str | os.PathLike[str], providers: list[str] | None = None, threads: int = 0
    ) -> None:
        import onnxruntime

        self.folder = Path(folder)
        model_path, card_path = self.folder / "model.onnx", self.folder / "voice.json"
        if not model_path.exists() or not card_path.exists():
            raise VoiceNotFoundError(f"{self.folder} is not a voice: it needs model.onnx and voice.json")
        self.card = json.loads(card_path.read_text(encoding="utf-8"))
        self.inventory = Inventory.from_json(self.card["inventory"])
        self.sample_rate = int(self.card["sample_rate"])
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        available = onnxruntime.get_available_providers()
        wanted = providers or [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        chosen: list[str | tuple[str, dict[str, str]]] = list(wanted)
        if "CUDAExecutionProvider" in wanted and "CUDAExecutionProvider" in available:
            preload_cuda_libraries()
            # Every utterance has its own length; an exhaustive cuDNN search per new shape would cost
            # more than the synthesis itself.
            cuda = ("CUDAExecutionProvider", {"cudnn_conv_algo_search": "HEURISTIC"})
            chosen = [cuda if p == "CUDAExecutionProvider" else p for p in wanted]
        self.session = onnxruntime.InferenceSession(str(model_path), options, providers=chosen)

    @classmethod
    def load(cls, name_or_folder: str | None = None, **kwargs: object) -> Voice:
        """A voice folder, or a named artifact (default: the bundled multilingual voice)."""
        from indic.artifacts import ArtifactNotFoundError, find_artifact

        if name_or_folder and Path(name_or_folder).is_dir():
            return cls(name_or_folder, **kwargs)  # type: ignore[arg-type]
        name = name_or_folder or DEFAULT_VOICE
        try:
            return cls(find_artifact(name).path, **kwargs)  # type: ignore[arg-type]
        except ArtifactNotFoundError as error:
            raise VoiceNotFoundError(
                f"no voice {name!r}: pass a folder with model.onnx + voice.json, "
                "or train one with `indic tts train`"
            ) from error

    @property
    def provider(self) -> str:
        """The execution provider that actually runs the session."""
        return self.session.get_providers()[0]

    def chunks(self, text: str, lang: str) -> list[Chunk]:
        """Token-id chunks for ``text``: whole sentences, packed up to :data:`MAX_CHUNK_TOKENS` tokens."""
        chunks: list[Chunk] = []
        pending: list[Clause] = []
        for clause in segment(text, lang):
            pending.append(clause)
            if clause.pause in SENTENCE_PAUSES or len(pending) >= 8:
                chunks.extend(self._pack(pending))
                pending = []
        if pending:
            chunks.extend(self._pack(pending))
        return chunks

    def _pack(self, clauses: list[Clause]) -> list[Chunk]:
        tokens = clauses_to_tokens(clauses)
        ids = self.inventory.ids(tokens)
        if len(ids) <= MAX_CHUNK_TOKENS:
            return [Chunk(ids)]
        if len(clauses) > 1:
            middle = len(clauses) // 2
            return self._pack(clauses[:middle]) + self._pack(clauses[middle:])
        body = ids[1:-1]
        step = MAX_CHUNK_TOKENS - 2
        bos, eos = self.inventory.ids([BOS, EOS])
        return [Chunk([bos, *body[i : i + step], eos]) for i in range(0, len(body), step)]

    def synthesize_ids(
        self, batch: list[list[int]], lang: str, speaker: str | int = 0, length_scale: float = 1.0
    ) -> list[np.ndarray]:
        """Audio (float32) for each id sequence, run as one padded batch."""
        longest = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), longest), np.int64)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
        feeds = {
            "tokens": tokens,
            "token_lengths": np.array([len(ids) for ids in batch], np.int64),
            "language": np.full(len(batch), self.inventory.language_id(lang), np.int64),
            "speaker": np.full(len(batch), self.inventory.speaker_id(speaker), np.int64),
            "length_scale": np.full(len(batch), length_scale, np.float32),
        }
        audio, lengths = self.session.run(["audio", "audio_lengths"], feeds)
        return [audio[row, : int(lengths[row])].astype(np.float32) for row in range(len(batch))]

    def stream(
        self, text: str, lang: str, speaker: str | int = 0, length_scale: float = 1.0, batch_size: int = 4
    ) -> Iterator[np.ndarray]:
        """Audio of ``text`` chunk by chunk, in order; memory stays bounded by ``batch_size`` chunks."""
        chunks = self.chunks(text, lang)
        for start in range(0, len(chunks), batch_size):
            group = [c.ids for c in chunks[start : start + batch_size]]
            yield from self.synthesize_ids(group, lang, speaker, length_scale)

    def synthesize(
        self, text: str, lang: str, speaker: str | int = 0, length_scale: float = 1.0
    ) -> np.ndarray:
        """The whole utterance as one float32 array at :attr:`sample_rate`."""
        parts = list(self.stream(text, lang, speaker, length_scale))
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def write_wav(
        self,
        text: str,
        lang: str,
        path: str | os.PathLike[str],
        speaker: str | int = 0,
        length_scale: float = 1.0,
    ) -> float:
        """Speak ``text`` into a 16-bit WAV (atomic, streamed); returns its duration in seconds."""
        return write_audio(self.stream(text, lang, speaker, length_scale), path, self.sample_rate)


def write_audio(
    parts: Iterator[np.ndarray] | list[np.ndarray], path: str | os.PathLike[str], sample_rate: int
) -> float:
    """Write float audio parts to WAV or FLAC (by suffix) atomically; returns the duration in seconds."""
    import soundfile

    from indic.atomic import atomic_open

    target = Path(path)
    audio_format = "FLAC" if target.suffix.lower() == ".flac" else "WAV"
    samples = 0
    with atomic_open(target, "wb", encoding=None) as handle:
        with soundfile.SoundFile(handle, "w", sample_rate, 1, "PCM_16", format=audio_format) as sound:
            for part in parts:
                sound.write(part)
                samples += len(part)
    return samples / sample_rate
