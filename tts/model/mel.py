"""Log-mel spectrogram in torch (training targets and losses), with a Slaney mel filterbank.

Built from ``torch.stft`` and a filterbank computed here, so training needs no torchaudio. Frames are
centered and cut to ``len(audio) // hop``, the same framing as :mod:`tts.data.prosody`, so durations,
pitch and mel frames line up one to one.

Example::

    >>> import torch
    >>> LogMel()(torch.zeros(1, 22050)).shape
    torch.Size([1, 80, 86])
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Slaney-style triangular mel filters ``[n_mels, n_fft // 2 + 1]`` (area-normalized)."""
    fmax = fmax or sample_rate / 2

    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(fmin)), hz_to_mel(np.array(fmax)), n_mels + 2))
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:, None] - edges[1:-1, None])
    filters = np.maximum(0.0, np.minimum(lower, upper))
    return (filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


class LogMel(nn.Module):
    """audio ``[B, S]`` in [-1, 1] → natural-log mel ``[B, n_mels, S // hop]`` (floor 1e-5)."""

    filters: torch.Tensor
    window: torch.Tensor

    def __init__(self, sample_rate: int = 22050, n_fft: int = 1024, hop: int = 256, n_mels: int = 80) -> None:
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer(
            "filters", torch.from_numpy(mel_filterbank(sample_rate, n_fft, n_mels)), persistent=False
        )
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        with torch.autocast(audio.device.type, enabled=False):
            return self._log_mel(audio.float())

    def _log_mel(self, audio: torch.Tensor) -> torch.Tensor:
        frames = audio.shape[-1] // self.hop
        spec = torch.stft(audio, self.n_fft, self.hop, window=self.window, center=True, return_complex=True)
        magnitude = spec.abs()[..., :frames]
        return torch.log(torch.clamp(self.filters @ magnitude, min=1e-5))
