"""16-bit PCM WAV in memory: how the service sends audio and the client reads it back.

The standard library's ``wave`` is enough for mono 16-bit PCM, keeps the client free of audio
dependencies, and every player opens the result.

Example::

    >>> import numpy as np
    >>> audio, rate = decode_wav(encode_wav(np.zeros(100, dtype=np.float32), 22050))
    >>> audio.shape, rate
    ((100,), 22050)
"""

from __future__ import annotations

import io
import wave

import numpy as np


def encode_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    """Mono float audio in [-1, 1] (clipped) → WAV bytes."""
    pcm = (np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """WAV bytes (mono 16-bit PCM) → float32 audio in [-1, 1] and the sample rate."""
    with wave.open(io.BytesIO(data), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError("expected mono 16-bit PCM WAV")
        frames = source.readframes(source.getnframes())
        rate = source.getframerate()
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32767, rate
