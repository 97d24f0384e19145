"""Length regulator: repeat each token's state for its number of frames, as a matrix product.

``repeat_interleave`` with data-dependent counts exports poorly and does not batch; instead an
alignment matrix ``A[b, frame, token] = cum[token-1] <= frame < cum[token]`` is built from the
cumulative durations and applied with one matmul. Works for any batch with padding (zero durations).

Example::

    >>> import torch
    >>> h = torch.tensor([[[1.0], [2.0]]])
    >>> frames, lengths = regulate_length(h, torch.tensor([[2, 1]]))
    >>> frames[0, :, 0].tolist(), lengths.tolist()
    ([1.0, 1.0, 2.0], [3])
"""

from __future__ import annotations

import torch


def regulate_length(states: torch.Tensor, durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Expand ``states [B, T, D]`` by integer ``durations [B, T]`` → ``([B, F, D], frame_lengths [B])``."""
    durations = durations.long().clamp(min=0)
    ends = durations.cumsum(dim=1)
    starts = ends - durations
    lengths = ends[:, -1]
    total = lengths.max().clamp(min=1)
    # ``total`` stays a tensor so the exported graph gets a dynamic Range, not a traced constant.
    frame = torch.arange(total, device=states.device)[None, :, None]  # type: ignore[call-overload]
    alignment = ((frame >= starts[:, None, :]) & (frame < ends[:, None, :])).to(states.dtype)
    return alignment @ states, lengths
