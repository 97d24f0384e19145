"""Monotonic alignment search (Glow-TTS): durations for real recordings, where no teacher reports them.

Given a log-likelihood matrix ``[tokens, frames]`` (for example the negative distance between each
token's predicted mel and each frame), dynamic programming finds the monotonic, surjective path that
maximizes the total — every frame is assigned to exactly one token, tokens in order, each token at
least one frame. The durations are the path's run lengths. Written in NumPy, O(tokens·frames).

Example::

    >>> import numpy as np
    >>> score = np.array([[0, 0, -9, -9], [-9, -9, 0, 0]], dtype=np.float32)
    >>> monotonic_alignment_durations(score).tolist()
    [2, 2]
"""

from __future__ import annotations

import numpy as np


class AlignmentShapeError(ValueError):
    """Raised when there are fewer frames than tokens (no surjective monotonic path exists)."""


def monotonic_alignment_path(log_likelihood: np.ndarray) -> np.ndarray:
    """Boolean ``[tokens, frames]`` path of the best monotonic alignment."""
    tokens, frames = log_likelihood.shape
    if frames < tokens:
        raise AlignmentShapeError(f"{frames} frames cannot be aligned to {tokens} tokens")
    best = np.full((tokens, frames), -np.inf)
    best[0, 0] = log_likelihood[0, 0]
    for frame in range(1, frames):
        stay = best[:, frame - 1]
        advance = np.concatenate([[-np.inf], best[:-1, frame - 1]])
        best[:, frame] = np.maximum(stay, advance) + log_likelihood[:, frame]
    path = np.zeros((tokens, frames), dtype=bool)
    token = tokens - 1
    for frame in range(frames - 1, -1, -1):
        path[token, frame] = True
        if token > 0 and (token == frame or best[token - 1, frame - 1] > best[token, frame - 1]):
            token -= 1
    return path


def monotonic_alignment_durations(log_likelihood: np.ndarray) -> np.ndarray:
    """Frames per token along the best monotonic path (sums to the frame count)."""
    return monotonic_alignment_path(log_likelihood).sum(axis=1)
