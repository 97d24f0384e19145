"""Tensor-level quantization error: relative L2 error and signal-to-quantization-noise ratio.

Both are computed in float64 so that the measurement adds no error of its own.

>>> import torch
>>> x = torch.tensor([1.0, 2.0, 2.0])
>>> round(relative_l2_error(x, x + torch.tensor([0.0, 0.0, 0.3])), 3), round(sqnr_db(x, x * 1.1), 1)
(0.1, 20.0)
"""

from __future__ import annotations

import math

import torch


def relative_l2_error(reference: torch.Tensor, approximation: torch.Tensor) -> float:
    """``||approximation - reference|| / ||reference||`` (0 when both are zero)."""
    reference = reference.double()
    noise = float(torch.linalg.vector_norm(approximation.double() - reference))
    signal = float(torch.linalg.vector_norm(reference))
    if signal == 0.0:
        return 0.0 if noise == 0.0 else math.inf
    return noise / signal


def sqnr_db(reference: torch.Tensor, approximation: torch.Tensor) -> float:
    """``10 log10(signal power / noise power)`` in dB; ``inf`` for an exact approximation."""
    error = relative_l2_error(reference, approximation)
    return math.inf if error == 0.0 else -20.0 * math.log10(error)
