"""The time budget, learning-rate schedule and device of our training loops (the voice, its vocoder
tuning and the phoneme recognizer).

Why tied to time, not steps: GPU jobs get a fixed number of seconds, and the number of steps that fit
depends on the batch shapes and the machine, so the cosine decays over the fraction of the time budget used.

Example::

    >>> time_budget_learning_rate(1e-3, step=0, warmup_steps=100, progress=0.0)
    1e-05
    >>> round(time_budget_learning_rate(1e-3, step=500, warmup_steps=100, progress=0.5), 6)
    0.0005
"""

from __future__ import annotations

import math
import time

import torch


def time_budget_learning_rate(peak: float, step: int, warmup_steps: int, progress: float) -> float:
    """Linear warm-up over ``warmup_steps``, times a cosine from 1 to 0 over ``progress`` in [0, 1]."""
    warmup = min(1.0, (step + 1) / max(warmup_steps, 1))
    return peak * warmup * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def loop_budget_seconds(minutes: float, finish_by: float) -> float:
    """Seconds the training loop may run: ``minutes``, cut to end by the Unix time ``finish_by``
    (0: no such limit) — a GPU job gives its loop whatever data preparation left of its wall clock."""
    budget = minutes * 60
    return min(budget, finish_by - time.time()) if finish_by else budget


def training_device(name: str) -> torch.device:
    """``name`` as a torch device, CPU when CUDA is asked for but absent; on CUDA, TF32 matmuls and
    convolutions are allowed (the loops train in bf16 autocast, where TF32 costs nothing extra)."""
    device = torch.device(name if name != "cuda" or torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return device
