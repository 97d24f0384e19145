"""NVFP4: E2M1 elements in blocks of 16, an E4M3 scale per block and one float32 scale per tensor.

Two-level scaling, as NVIDIA's Model Optimizer computes it:

- tensor (global) decode scale ``g = amax_tensor / (448 * 6)``, so that every block scale fits E4M3;
- block decode scale ``s = amax_block / (6 * g)``, rounded to E4M3 (``rule="nearest"``: ties to even,
  the usual cast; ``rule="ceil"``: up to the next E4M3 value >= s, so no element can overflow);
- elements ``e2m1(x / (s_stored * g))`` with saturation: the encode factor comes from the *stored*
  block scale, so quantizer and dequantizer agree on it exactly;
- dequantized ``element * (s_stored * g)``.

An all-zero block stores scale 0 and zero elements; a block whose scale underflows E4M3 (amax below
about 2**-9 * 6 * g) also becomes zero. Inf or NaN raise :class:`NonFiniteValueError`.

>>> import torch
>>> q = quantize_nvfp4(torch.tensor([6.0, 3.0] + [0.0] * 14))
>>> decode_element(q.block_scale_codes, FP8_E4M3).item(), q.dequantize()[:2].tolist()
(448.0, [6.0, 3.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from serving.quant.blocks import block_scales_in_layout, from_blocks, to_blocks
from serving.quant.formats import (
    FP4_E2M1,
    FP8_E4M3,
    decode_element,
    divide_exactly,
    encode_element,
    round_to_element,
)
from serving.quant.fp8 import check_finite

NVFP4ScaleRule = Literal["nearest", "ceil"]
NVFP4_SCALE_RULES: tuple[NVFP4ScaleRule, ...] = ("nearest", "ceil")
NVFP4_BLOCK_SIZE = 16


@dataclass(frozen=True)
class NVFP4Tensor:
    """E2M1 codes ``[..., n_blocks, 16]``, E4M3 block-scale codes ``[..., n_blocks]``, a float32 scalar."""

    element_codes: torch.Tensor
    block_scale_codes: torch.Tensor
    global_scale: torch.Tensor
    axis: int
    shape: torch.Size

    def block_decode_scales(self) -> torch.Tensor:
        """``s_stored * g`` per block, in float32: the factor each element is multiplied by."""
        return decode_element(self.block_scale_codes, FP8_E4M3) * self.global_scale

    def dequantize(self) -> torch.Tensor:
        values = decode_element(self.element_codes, FP4_E2M1) * self.block_decode_scales()[..., None]
        return from_blocks(values, self.axis, self.shape)

    def element_codes_in_layout(self) -> torch.Tensor:
        return from_blocks(self.element_codes, self.axis, self.shape)

    def block_scale_codes_in_layout(self) -> torch.Tensor:
        return block_scales_in_layout(self.block_scale_codes, self.axis)


def round_e4m3_scale(scale: torch.Tensor, rule: NVFP4ScaleRule) -> torch.Tensor:
    """Round non-negative block scales to E4M3 values: to nearest, or up to the next value >= scale."""
    nearest = round_to_element(scale, FP8_E4M3)
    if rule == "nearest":
        return nearest
    if rule != "ceil":
        raise ValueError(f"unknown NVFP4 scale rule {rule!r}; choose one of {', '.join(NVFP4_SCALE_RULES)}")
    grid = FP8_E4M3.positive_grid.to(scale.device)
    next_up = grid[(torch.searchsorted(grid, nearest.contiguous()) + 1).clamp(max=grid.numel() - 1)]
    return torch.where(nearest < scale, next_up, nearest)


def quantize_nvfp4(
    x: torch.Tensor, axis: int = -1, rule: NVFP4ScaleRule = "nearest", block_size: int = NVFP4_BLOCK_SIZE
) -> NVFP4Tensor:
    """Quantize ``x`` to NVFP4 with blocks of ``block_size`` along ``axis`` (the reduction axis)."""
    x = x.float()
    check_finite(x, "the tensor")
    axis = axis % x.dim()
    tensor_amax = x.abs().amax()
    global_scale = torch.where(
        tensor_amax > 0,
        divide_exactly(tensor_amax, FP8_E4M3.max_value * FP4_E2M1.max_value),
        torch.ones_like(tensor_amax),
    )
    blocks = to_blocks(x, axis, block_size)
    block_amax = blocks.abs().amax(dim=-1)
    stored = round_e4m3_scale(block_amax / (FP4_E2M1.max_value * global_scale), rule)
    decode = (stored * global_scale)[..., None]
    safe_decode = torch.where(decode > 0, decode, torch.ones_like(decode))
    elements = torch.where(decode > 0, blocks / safe_decode, torch.zeros_like(blocks))
    return NVFP4Tensor(
        encode_element(elements, FP4_E2M1), encode_element(stored, FP8_E4M3), global_scale, axis, x.shape
    )
