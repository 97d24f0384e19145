"""Duration, pitch and energy predictors (FastSpeech 2's variance adaptor heads).

Two convolutions with layer norm and a linear head, one scalar per token. Durations are predicted in
the log domain (``log(1 + frames)``) so that long pauses do not dominate the loss.

Example::

    >>> import torch
    >>> VariancePredictor(64)(torch.zeros(1, 5, 64), torch.ones(1, 5, dtype=torch.bool)).shape
    torch.Size([1, 5])
"""

from __future__ import annotations

import torch
from torch import nn


class VariancePredictor(nn.Module):
    """Predicts one value per position from encoder states ``[batch, time, dim]``."""

    def __init__(self, dim: int, hidden: int = 256, kernel: int = 3, dropout: float = 0.1) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(dim, hidden, kernel, padding=kernel // 2)
        self.norm1 = nn.LayerNorm(hidden)
        self.conv2 = nn.Conv1d(hidden, hidden, kernel, padding=kernel // 2)
        self.norm2 = nn.LayerNorm(hidden)
        self.head = nn.Linear(hidden, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask[..., None].to(x.dtype)
        h = self.dropout(self.norm1(self.conv1((x * keep).transpose(1, 2)).transpose(1, 2).relu())) * keep
        h = self.dropout(self.norm2(self.conv2(h.transpose(1, 2)).transpose(1, 2).relu()))
        return self.head(h).squeeze(-1) * mask.to(h.dtype)
