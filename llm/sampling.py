"""Choosing the next token from logits, in NumPy: greedy, temperature, top-k and top-p (nucleus).

Kept apart from the decoding loop so each rule can be tested on hand-made logits, and free of torch so
the runtime needs only onnxruntime and NumPy. The order of operations follows Hugging Face's
``generate``: temperature first, then top-k, then top-p, then a draw from what is left.

Example::

    >>> import numpy as np
    >>> from llm.sampling import SamplingSettings, choose_next
    >>> logits = np.array([[0.0, 3.0, 1.0]], dtype=np.float32)
    >>> choose_next(logits, SamplingSettings(greedy=True), np.random.default_rng(0))
    array([1])
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


class InvalidSamplingError(ValueError):
    """Raised for settings that select no token (temperature ≤ 0, top_p outside (0, 1], negative top_k)."""


@dataclass(frozen=True)
class SamplingSettings:
    """How to pick tokens; ``greedy`` ignores the rest; ``top_k=0`` and ``top_p=1`` switch those off."""

    greedy: bool = False
    temperature: float = 0.8
    top_k: int = 50
    top_p: float = 0.95

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise InvalidSamplingError(
                f"temperature must be > 0 (use greedy for argmax), got {self.temperature}"
            )
        if not 0 < self.top_p <= 1:
            raise InvalidSamplingError(f"top_p must lie in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise InvalidSamplingError(f"top_k must be ≥ 0 (0 = off), got {self.top_k}")


def filtered_probabilities(logits: np.ndarray, settings: SamplingSettings) -> np.ndarray:
    """Probabilities ``[batch, vocab]`` after temperature, top-k and top-p; removed tokens get exactly 0."""
    scaled = logits.astype(np.float64) / settings.temperature
    if 0 < settings.top_k < scaled.shape[-1]:
        kth = np.partition(scaled, -settings.top_k, axis=-1)[:, -settings.top_k, None]
        scaled = np.where(scaled < kth, -np.inf, scaled)
    probs = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    if settings.top_p < 1:
        order = np.argsort(-probs, axis=-1, kind="stable")
        sorted_probs = np.take_along_axis(probs, order, axis=-1)
        # Keep every token whose preceding mass is still below top_p: the smallest set reaching top_p.
        keep_sorted = np.cumsum(sorted_probs, axis=-1) - sorted_probs < settings.top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum(axis=-1, keepdims=True)
    return probs


def choose_next(logits: np.ndarray, settings: SamplingSettings, rng: np.random.Generator) -> np.ndarray:
    """One token id per row of ``logits`` (``[batch, vocab]``).

    With top-k on, only the k best tokens of each row can be drawn, so they are picked first (one
    linear-time partition) and temperature, top-p and the draw run over k candidates instead of the whole
    vocabulary: at 32 streams × 64k tokens that is what keeps host-side sampling from costing more than
    a GPU decoding step.
    """
    if settings.greedy:
        return logits.argmax(axis=-1)
    k = settings.top_k
    if 0 < k < logits.shape[-1]:
        candidates = np.argpartition(logits, -k, axis=-1)[:, -k:]
        best = np.take_along_axis(logits, candidates, axis=-1)
        picked = _draw(best, replace(settings, top_k=0), rng)
        return np.take_along_axis(candidates, picked[:, None], axis=-1)[:, 0]
    return _draw(logits, settings, rng)


def _draw(logits: np.ndarray, settings: SamplingSettings, rng: np.random.Generator) -> np.ndarray:
    """One index per row, drawn from :func:`filtered_probabilities`."""
    probs = filtered_probabilities(logits, settings)
    cumulative = np.cumsum(probs, axis=-1)
    draws = rng.random((probs.shape[0], 1)) * cumulative[:, -1:]
    # `<=` skips zero-probability tokens even when the draw lands exactly on a boundary.
    return np.minimum((cumulative <= draws).sum(axis=-1), probs.shape[-1] - 1)
