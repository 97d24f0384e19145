"""The FastSpeech feed-forward Transformer block and sinusoidal positions.

Each block is pre-norm self-attention followed by a 1-D convolutional feed-forward layer (local
context matters in speech: FastSpeech's "FFT block"). Padding is zeroed after every sub-layer so
batched and single inference give the same numbers.

Example::

    >>> import torch
    >>> block = FFTBlock(64, 2, 128, 3)
    >>> block(torch.zeros(2, 7, 64), torch.ones(2, 7, dtype=torch.bool)).shape
    torch.Size([2, 7, 64])
"""

from __future__ import annotations

import math

import torch
from torch import nn

from tts.model.attention import SelfAttention


def sinusoid_positions(length: int, dim: int, device: torch.device) -> torch.Tensor:
    """``[length, dim]`` sinusoidal position codes, computed on the fly so lengths stay dynamic in ONNX."""
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    frequency = torch.exp(
        torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim)
    )
    angles = position * frequency[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class FFTBlock(nn.Module):
    """Self-attention + convolutional feed-forward, both residual and pre-normalized."""

    def __init__(self, dim: int, heads: int, ffn_dim: int, kernel: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.attention_norm = nn.LayerNorm(dim)
        self.attention = SelfAttention(dim, heads, dropout)
        self.ffn_norm = nn.LayerNorm(dim)
        self.ffn_in = nn.Conv1d(dim, ffn_dim, kernel, padding=kernel // 2)
        self.ffn_out = nn.Conv1d(ffn_dim, dim, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask[..., None].to(x.dtype)
        x = (x + self.dropout(self.attention(self.attention_norm(x), mask))) * keep
        # Mask before the convolution: LayerNorm turns padded zeros into its bias, which the kernel
        # would otherwise carry into the last real positions.
        hidden = self.ffn_in((self.ffn_norm(x) * keep).transpose(1, 2)).relu()
        x = x + self.dropout(self.ffn_out(hidden).transpose(1, 2))
        return x * keep
