"""OCP MX block formats (MXFP8, MXFP4): 32 elements share one E8M0 power-of-two scale.

The shared scale ``2**e`` comes from the block's largest magnitude ``amax`` by one of three rules:

- ``"floor"`` — OCP MX v1.0: ``e = floor(log2(amax)) - emax_elem``. Cheap (an exponent read) but
  ``amax / 2**e`` lies in ``[2**emax, 2**(emax+1))``, above the element maximum for E4M3 (448 < 512)
  and E2M1 (6 < 8), so the largest elements saturate.
- ``"ceil"`` — round the decode scale up: ``e = ceil(log2(amax / elem_max))``, the smallest power of
  two with ``amax / 2**e <= elem_max``. Nothing saturates; resolution is at most one binade coarser.
- ``"nearest"`` — the power of two nearest to ``amax / elem_max`` (ties up), then saturation.

Blocks holding Inf or NaN raise :class:`NonFiniteValueError` (the spec's alternative, a NaN scale
that poisons the whole block, would silently corrupt a model). An all-zero block gets ``e = 0``.

>>> import torch
>>> from serving.quant.formats import FP4_E2M1
>>> q = quantize_mx(torch.full((32,), 3.0), FP4_E2M1, rule="floor")
>>> decode_e8m0(q.scale_codes).item(), q.dequantize()[0].item()
(0.5, 3.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from serving.quant.blocks import block_scales_in_layout, from_blocks, to_blocks
from serving.quant.e8m0 import E8M0_MAX_EXPONENT, E8M0_MIN_EXPONENT, decode_e8m0, encode_e8m0
from serving.quant.formats import ElementFormat, decode_element, encode_element
from serving.quant.fp8 import check_finite

MXScaleRule = Literal["floor", "ceil", "nearest"]
MX_SCALE_RULES: tuple[MXScaleRule, ...] = ("floor", "ceil", "nearest")
MX_BLOCK_SIZE = 32

__all__ = ["MXTensor", "MX_SCALE_RULES", "mx_shared_exponent", "quantize_mx"]


@dataclass(frozen=True)
class MXTensor:
    """Element codes ``[..., n_blocks, block]`` (blocked axis moved last), E8M0 codes ``[..., n_blocks]``."""

    element_codes: torch.Tensor
    scale_codes: torch.Tensor
    fmt: ElementFormat
    axis: int
    shape: torch.Size

    def block_values(self) -> torch.Tensor:
        return decode_element(self.element_codes, self.fmt) * decode_e8m0(self.scale_codes)[..., None]

    def dequantize(self) -> torch.Tensor:
        return from_blocks(self.block_values(), self.axis, self.shape)

    def element_codes_in_layout(self) -> torch.Tensor:
        """Element codes in the input's own shape (padding dropped)."""
        return from_blocks(self.element_codes, self.axis, self.shape)

    def scales_in_layout(self) -> torch.Tensor:
        """float32 scales with ``n_blocks`` at ``axis``, as ONNX's blocked DequantizeLinear wants."""
        return block_scales_in_layout(decode_e8m0(self.scale_codes), self.axis)


def _exact_ceil_exponent(amax: torch.Tensor, elem_max: float) -> torch.Tensor:
    """Smallest integer ``e`` with ``2**e * elem_max >= amax``; log2 is only a first guess, and the
    two comparisons below are exact (multiplying by a power of two does not round)."""
    guess = torch.ceil(torch.log2(amax / elem_max)).to(torch.int64)
    guess = torch.where(torch.exp2((guess - 1).float()) * elem_max >= amax, guess - 1, guess)
    return torch.where(torch.exp2(guess.float()) * elem_max < amax, guess + 1, guess)


def mx_shared_exponent(amax: torch.Tensor, fmt: ElementFormat, rule: MXScaleRule) -> torch.Tensor:
    """The E8M0 exponent of each block from its ``amax`` (float32, finite, >= 0) under ``rule``."""
    positive = amax > 0
    safe_amax = torch.where(positive, amax, torch.ones_like(amax))
    if rule == "floor":
        _, frexp_exponent = torch.frexp(safe_amax)
        exponent = frexp_exponent.to(torch.int64) - 1 - fmt.max_exponent
    elif rule == "ceil":
        exponent = _exact_ceil_exponent(safe_amax, fmt.max_value)
    elif rule == "nearest":
        up = _exact_ceil_exponent(safe_amax, fmt.max_value)
        # amax / elem_max lies in (2**(up-1), 2**up]; the midpoint is 0.75 * 2**up.
        below_midpoint = safe_amax < 0.75 * fmt.max_value * torch.exp2(up.float())
        exponent = torch.where(below_midpoint, up - 1, up)
    else:
        raise ValueError(f"unknown MX scale rule {rule!r}; choose one of {', '.join(MX_SCALE_RULES)}")
    exponent = torch.where(positive, exponent, torch.zeros_like(exponent))
    return exponent.clamp(E8M0_MIN_EXPONENT, E8M0_MAX_EXPONENT)


def quantize_mx(
    x: torch.Tensor,
    fmt: ElementFormat,
    axis: int = -1,
    rule: MXScaleRule = "ceil",
    block_size: int = MX_BLOCK_SIZE,
) -> MXTensor:
    """Quantize ``x`` to an MX format: ``fmt`` elements in blocks of ``block_size`` along ``axis``."""
    x = x.float()
    check_finite(x, "the tensor")
    axis = axis % x.dim()
    blocks = to_blocks(x, axis, block_size)
    exponent = mx_shared_exponent(blocks.abs().amax(dim=-1), fmt, rule)
    scale = torch.exp2(exponent.float())[..., None]
    return MXTensor(encode_element(blocks / scale, fmt), encode_e8m0(exponent), fmt, axis, x.shape)
