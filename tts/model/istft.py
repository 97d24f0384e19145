"""Inverse STFT written as a transposed convolution, because ``torch.istft`` does not export to ONNX.

Each frame's inverse real DFT times the synthesis window is a fixed linear map from the 2·(n_fft/2+1)
real and imaginary parts to n_fft samples; overlap-add with stride ``hop`` is exactly what
``conv_transpose1d`` computes. The window-square envelope is overlap-added the same way (from a
tensor of ones) and divided out, so the result equals ``torch.istft(center=True)`` — a test checks it.

Example::

    >>> import torch
    >>> istft = ConvTransposeISTFT(n_fft=16, hop=4)
    >>> istft(torch.zeros(1, 9, 5), torch.zeros(1, 9, 5)).shape
    torch.Size([1, 20])
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ConvTransposeISTFT(nn.Module):
    """``(real, imag) [B, n_fft/2+1, F]`` → audio ``[B, F·hop]``, Hann window, centered frames."""

    kernel: torch.Tensor
    window_square: torch.Tensor

    def __init__(self, n_fft: int, hop: int) -> None:
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        bins = n_fft // 2 + 1
        window = torch.hann_window(n_fft, periodic=True)
        n = torch.arange(n_fft, dtype=torch.float64)
        k = torch.arange(bins, dtype=torch.float64)[:, None]
        scale = torch.full((bins, 1), 2.0, dtype=torch.float64)
        scale[0] = scale[-1] = 1.0
        angle = 2 * math.pi * k * n / n_fft
        real_basis = scale * torch.cos(angle) * window / n_fft
        imag_basis = -scale * torch.sin(angle) * window / n_fft
        kernel = torch.cat([real_basis, imag_basis])[:, None, :].float()
        self.register_buffer("kernel", kernel, persistent=False)
        self.register_buffer("window_square", (window**2)[None, None, :].float(), persistent=False)

    def forward(
        self, real: torch.Tensor, imag: torch.Tensor, frame_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``frame_mask [B, F]`` (True = real frame) makes padded frames contribute nothing, so an item
        in a padded batch gets exactly the samples it would get alone."""
        # Overlap-add in float32 even under bf16 autocast: bf16 would quantize the waveform itself.
        with torch.autocast(real.device.type, enabled=False):
            return self._overlap_add(real.float(), imag.float(), frame_mask)

    def _overlap_add(
        self, real: torch.Tensor, imag: torch.Tensor, frame_mask: torch.Tensor | None
    ) -> torch.Tensor:
        frames = real.shape[-1]
        if frame_mask is None:
            weights = torch.ones(1, 1, frames, dtype=real.dtype, device=real.device)
        else:
            weights = frame_mask[:, None, :].to(real.dtype)
            real, imag = real * weights, imag * weights
        signal = nn.functional.conv_transpose1d(torch.cat([real, imag], dim=1), self.kernel, stride=self.hop)
        envelope = nn.functional.conv_transpose1d(weights, self.window_square, stride=self.hop)
        start = self.n_fft // 2
        length = frames * self.hop
        signal = signal[:, 0, start : start + length]
        envelope = envelope[:, 0, start : start + length]
        return signal / envelope.clamp(min=1e-8)
