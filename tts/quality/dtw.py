"""Dynamic time warping over a frame-pair cost matrix, vectorized along anti-diagonals.

Free-running speech has its own timing, so its frames are compared with the reference's along the
cheapest monotonic path (steps: diagonal, down, right), as ESPnet's and pymcd's DTW-MCD do. A Python
double loop costs a second per thousand-frame pair; every cell of one anti-diagonal depends only on
the two before it, so each diagonal is one NumPy step instead.

Example::

    >>> import numpy as np
    >>> cost = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    >>> [p.tolist() for p in dtw_path(cost)]
    [[0, 1, 2], [0, 1, 2]]
"""

from __future__ import annotations

import numpy as np

_DIAGONAL, _DOWN, _RIGHT = 0, 1, 2


def dtw_path(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the least-total-cost path from ``(0, 0)`` to ``(n − 1, m − 1)``.

    Ties prefer the diagonal step, then the step down (a reference frame repeated).
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        raise ValueError(f"DTW needs two non-empty sequences, got {n} and {m} frames")
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    move = np.zeros((n, m), np.int8)
    for diagonal in range(2, n + m + 1):
        i = np.arange(max(1, diagonal - m), min(n, diagonal - 1) + 1)
        j = diagonal - i
        options = np.stack([total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]])
        best = options.argmin(axis=0)
        total[i, j] = cost[i - 1, j - 1] + options[best, np.arange(len(i))]
        move[i - 1, j - 1] = best
    rows, cols = [n - 1], [m - 1]
    while rows[-1] or cols[-1]:
        step = move[rows[-1], cols[-1]]
        rows.append(rows[-1] - (step != _RIGHT))
        cols.append(cols[-1] - (step != _DOWN))
    return np.array(rows[::-1]), np.array(cols[::-1])
