"""Pack 4-bit codes two per byte, first element in the low nibble.

This is the layout of ONNX ``FLOAT4E2M1`` tensors and of torch's ``float4_e2m1fn_x2``: element
``2i`` goes to bits 0-3 of byte ``i``, element ``2i+1`` to bits 4-7. An odd count is padded with a
zero nibble.

>>> import torch
>>> pack_nibbles(torch.tensor([0x1, 0xF, 0x7], dtype=torch.uint8))
tensor([241,   7], dtype=torch.uint8)
>>> unpack_nibbles(torch.tensor([241, 7], dtype=torch.uint8), count=3)
tensor([ 1, 15,  7], dtype=torch.uint8)
"""

from __future__ import annotations

import torch


def pack_nibbles(codes: torch.Tensor) -> torch.Tensor:
    """Pack 4-bit codes (uint8 values 0-15, any shape, read in row-major order) into bytes."""
    flat = codes.reshape(-1).to(torch.uint8)
    if bool((flat > 0xF).any()):
        raise ValueError("4-bit codes must lie in 0..15")
    if flat.numel() % 2:
        flat = torch.cat([flat, flat.new_zeros(1)])
    pairs = flat.reshape(-1, 2)
    return pairs[:, 0] | (pairs[:, 1] << 4)


def unpack_nibbles(packed: torch.Tensor, count: int) -> torch.Tensor:
    """Unpack ``count`` 4-bit codes from bytes produced by :func:`pack_nibbles` (flat, row-major)."""
    flat = packed.reshape(-1).to(torch.uint8)
    if not 0 <= count <= 2 * flat.numel():
        raise ValueError(f"{flat.numel()} bytes hold at most {2 * flat.numel()} codes, not {count}")
    return torch.stack([flat & 0xF, flat >> 4], dim=1).reshape(-1)[:count]
