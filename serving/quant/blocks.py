"""Cut a tensor into fixed-size blocks along one axis, and put it back.

Block formats (MX, NVFP4) share one scale per block of consecutive elements along the reduction
axis of a matrix product: the last axis of an ``nn.Linear`` weight ``[out, in]``, the first axis of
an ONNX ``MatMul`` weight ``[K, N]``. A trailing partial block is padded with zeros, which changes
no block maximum; ONNX's blocked DequantizeLinear likewise allows ``ceil(K / block)`` scales.

>>> import torch
>>> to_blocks(torch.arange(5.0), axis=0, block_size=4).shape
torch.Size([2, 4])
"""

from __future__ import annotations

import torch


def to_blocks(x: torch.Tensor, axis: int, block_size: int) -> torch.Tensor:
    """Return ``x`` with ``axis`` moved last, zero-padded and split: ``[..., n_blocks, block_size]``."""
    moved = x.movedim(axis, -1)
    padding = (-moved.shape[-1]) % block_size
    if padding:
        moved = torch.nn.functional.pad(moved, (0, padding))
    return moved.reshape(*moved.shape[:-1], moved.shape[-1] // block_size, block_size)


def from_blocks(blocks: torch.Tensor, axis: int, shape: torch.Size) -> torch.Tensor:
    """Undo :func:`to_blocks`: drop the padding and move the blocked axis back to ``axis``."""
    flat = blocks.reshape(*blocks.shape[:-2], blocks.shape[-2] * blocks.shape[-1])
    length = shape[axis]
    return flat[..., :length].movedim(-1, axis)


def block_scales_in_layout(scales: torch.Tensor, axis: int) -> torch.Tensor:
    """Per-block scales ``[..., n_blocks]`` laid out like the tensor, ``n_blocks`` at ``axis``: the
    shape ONNX's blocked DequantizeLinear expects."""
    return scales.movedim(-1, axis)
