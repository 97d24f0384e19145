"""The learning-rate schedule of our time-budgeted training loops (the voice and the phoneme recognizer).

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


def time_budget_learning_rate(peak: float, step: int, warmup_steps: int, progress: float) -> float:
    """Linear warm-up over ``warmup_steps``, times a cosine from 1 to 0 over ``progress`` in [0, 1]."""
    warmup = min(1.0, (step + 1) / max(warmup_steps, 1))
    return peak * warmup * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
