"""Multi-head self-attention written out by hand, because ``nn.MultiheadAttention`` exports badly to ONNX.

Plain matmuls and a softmax export to a handful of standard ONNX ops with dynamic sequence lengths;
padding is masked by adding a large negative number (not -inf, which turns fully padded rows into NaN).

Example::

    >>> import torch
    >>> attn = SelfAttention(64, 2)
    >>> attn(torch.zeros(1, 5, 64), torch.ones(1, 5, dtype=torch.bool)).shape
    torch.Size([1, 5, 64])
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SelfAttention(nn.Module):
    """Scaled dot-product self-attention over ``[batch, time, dim]`` with a key padding mask."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``mask`` is True for real positions, False for padding, shape ``[batch, time]``."""
        batch, time, dim = x.shape
        q, k, v = self.qkv(x).view(batch, time, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        scores = scores + (~mask)[:, None, None, :].to(scores.dtype) * -1e4
        weights = self.dropout(scores.softmax(dim=-1))
        return self.out((weights @ v).transpose(1, 2).reshape(batch, time, dim))
