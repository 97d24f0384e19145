"""FP8 E4M3 / E5M2 quantization with one float32 scale per tensor or per channel.

scale = amax / max_value (448 for E4M3, 57344 for E5M2), elements = saturate-and-round(x / scale),
dequantized = element * scale. Per-channel scales (``axis`` = the output channel) are the default
for weights: one large row no longer squeezes the resolution of every other row.

>>> import torch
>>> q = quantize_fp8(torch.tensor([[1.0, -448.0], [0.5, 2.0]]), axis=0)
>>> q.scale.flatten().tolist(), q.dequantize().tolist()
([1.0, 0.004464285913854837], [[1.0, -448.0], [0.5, 2.0]])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from serving.quant.formats import (
    FP8_E4M3,
    FP8_E5M2,
    ElementFormat,
    NonFiniteValueError,
    decode_element,
    divide_exactly,
    encode_element,
)

_TORCH_FP8_DTYPES = {FP8_E4M3.name: torch.float8_e4m3fn, FP8_E5M2.name: torch.float8_e5m2}


@dataclass(frozen=True)
class FP8Tensor:
    """FP8 codes (uint8, the input's shape) and float32 scales broadcastable against them."""

    codes: torch.Tensor
    scale: torch.Tensor
    fmt: ElementFormat
    axis: int | None

    def dequantize(self) -> torch.Tensor:
        return decode_element(self.codes, self.fmt) * self.scale

    def as_torch_float8(self) -> torch.Tensor:
        """The codes viewed as torch's float8 dtype, e.g. for ``torch._scaled_mm``."""
        return self.codes.view(_TORCH_FP8_DTYPES[self.fmt.name])


def check_finite(x: torch.Tensor, what: str) -> None:
    """Raise :class:`NonFiniteValueError` when ``x`` holds Inf or NaN: no scale can represent them."""
    if not bool(torch.isfinite(x).all()):
        raise NonFiniteValueError(f"{what} holds Inf or NaN; quantization scales need finite input")


def amax_scale(amax: torch.Tensor, max_value: float) -> torch.Tensor:
    """``amax / max_value``, with 1.0 where ``amax`` is zero (an all-zero tensor stays all zero)."""
    return torch.where(amax > 0, divide_exactly(amax, max_value), torch.ones_like(amax))


def quantize_fp8(x: torch.Tensor, fmt: ElementFormat = FP8_E4M3, axis: int | None = None) -> FP8Tensor:
    """Quantize ``x`` to FP8 with a per-tensor scale (``axis=None``) or one scale per index of ``axis``."""
    if fmt.name not in _TORCH_FP8_DTYPES:
        raise ValueError(f"{fmt.name} is not an FP8 format (use e4m3 or e5m2)")
    x = x.float()
    check_finite(x, "the tensor")
    if axis is None:
        amax = x.abs().amax()
    else:
        reduce_dims = [d for d in range(x.dim()) if d != axis % x.dim()]
        amax = x.abs().amax(dim=reduce_dims, keepdim=True) if reduce_dims else x.abs()
    scale = amax_scale(amax, fmt.max_value)
    return FP8Tensor(encode_element(x / scale, fmt), scale, fmt, axis)
