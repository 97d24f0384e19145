"""Audio clips handed to the browser as files, written atomically under unique names.

Gradio's own numpy-audio path rewrites a cache file named after the audio's hash in place, so two
users asking for the same sentence at the same moment can be served a half-written file. Writing
each clip ourselves (atomic, unique name) lets Gradio take its atomic file-copy path instead. The
store keeps only the newest ``capacity`` clips on disk, so a long-running server stays bounded.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections import deque
from pathlib import Path

import numpy as np

from indic.atomic import atomic_write_bytes
from serving.wav_codec import encode_wav


class ClipStore:
    """A bounded folder of WAV files; :meth:`save` returns the path of a new clip."""

    def __init__(self, capacity: int = 512, folder: Path | None = None) -> None:
        self._scratch = None if folder else tempfile.TemporaryDirectory(prefix="indic-app-audio-")
        self.folder = folder or Path(self._scratch.name)  # type: ignore[union-attr]
        self.capacity = capacity
        self._paths: deque[Path] = deque()
        self._lock = threading.Lock()

    def save(self, audio: np.ndarray, sample_rate: int) -> str:
        path = self.folder / f"{uuid.uuid4().hex}.wav"
        atomic_write_bytes(path, encode_wav(audio, sample_rate))
        with self._lock:
            self._paths.append(path)
            while len(self._paths) > self.capacity:
                self._paths.popleft().unlink(missing_ok=True)
        return str(path)
