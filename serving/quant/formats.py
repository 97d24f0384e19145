"""Element formats of low-precision numerics: FP8 E4M3, FP8 E5M2 and FP4 E2M1.

Each format is described once by its bit layout; the grid of representable values, the rounding
and the bit codes all follow from that description, so the three formats share one implementation.

Why not ``tensor.to(torch.float8_e4m3fn)``? Casts differ between libraries in what they do out of
range (``ml_dtypes`` turns 500.0 into NaN in E4M3, some torch builds saturate), and no torch
build can cast to FP4. Here every value is clamped to ``±max_value`` first (explicit saturation),
then rounded to the nearest representable value, ties to even, as an IEEE cast does.

>>> import torch
>>> round_to_element(torch.tensor([500.0, 0.3, -7.0]), FP4_E2M1)
tensor([ 6.0000,  0.5000, -6.0000])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch


class NonFiniteValueError(ValueError):
    """A tensor holds Inf or NaN where the target format (or its scale) cannot represent it."""


@dataclass(frozen=True)
class ElementFormat:
    """A small floating-point format: sign, ``exponent_bits``, ``mantissa_bits``, exponent ``bias``.

    ``max_value`` is the largest finite value (E4M3 gives up its top mantissa code to NaN, so it is
    448, not 480); ``nan_code`` is the code NaN encodes to, or ``None`` when the format has no NaN;
    ``has_infinity`` says whether the first code past the largest finite one means Inf (E5M2).
    """

    name: str
    exponent_bits: int
    mantissa_bits: int
    bias: int
    max_value: float
    nan_code: int | None
    has_infinity: bool = False

    @property
    def bits(self) -> int:
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def min_normal_exponent(self) -> int:
        return 1 - self.bias

    @property
    def max_exponent(self) -> int:
        """``emax_elem`` of the OCP MX spec: the exponent of the largest normal value."""
        exponent = 0
        while 2.0 ** (exponent + 1) <= self.max_value:
            exponent += 1
        return exponent

    @cached_property
    def positive_grid(self) -> torch.Tensor:
        """Every non-negative finite value, in code order (code ``i`` has value ``grid[i]``)."""
        subnormal_step = 2.0 ** (self.min_normal_exponent - self.mantissa_bits)
        values = [m * subnormal_step for m in range(2**self.mantissa_bits)]
        exponent = self.min_normal_exponent
        while True:
            for m in range(2**self.mantissa_bits):
                value = (1.0 + m / 2**self.mantissa_bits) * 2.0**exponent
                if value > self.max_value:
                    return torch.tensor(values, dtype=torch.float32)
                values.append(value)
            exponent += 1


FP8_E4M3 = ElementFormat("e4m3", exponent_bits=4, mantissa_bits=3, bias=7, max_value=448.0, nan_code=0x7F)
FP8_E5M2 = ElementFormat(
    "e5m2", exponent_bits=5, mantissa_bits=2, bias=15, max_value=57344.0, nan_code=0x7F, has_infinity=True
)
FP4_E2M1 = ElementFormat("e2m1", exponent_bits=2, mantissa_bits=1, bias=1, max_value=6.0, nan_code=None)

ELEMENT_FORMATS = {fmt.name: fmt for fmt in (FP8_E4M3, FP8_E5M2, FP4_E2M1)}


def divide_exactly(x: torch.Tensor, constant: float) -> torch.Tensor:
    """``x / constant``, correctly rounded on every device.

    On CUDA, torch turns division by a Python number (or any CPU scalar) into multiplication by its
    reciprocal, which can be one ulp off: an FP8 scale ``amax / 448`` then differs between CPU and
    GPU. Dividing by a tensor on ``x``'s own device keeps true IEEE division.
    """
    return x / torch.full_like(x, constant)


def round_to_element(x: torch.Tensor, fmt: ElementFormat) -> torch.Tensor:
    """Saturate ``x`` to ``±fmt.max_value`` and round it to ``fmt``'s grid (nearest, ties to even).

    Returns float32 values that are exactly representable in ``fmt``. NaN stays NaN.
    """
    clamped = x.float().clamp(-fmt.max_value, fmt.max_value)
    _, exponent = torch.frexp(clamped)
    # frexp puts |x| in [0.5, 1) * 2^exponent, so the leading bit sits at exponent - 1; below the
    # smallest normal exponent the spacing stops shrinking (subnormals).
    leading = torch.clamp(exponent - 1, min=fmt.min_normal_exponent)
    quantum = torch.exp2((leading - fmt.mantissa_bits).float())
    # Division and multiplication by a power of two are exact, so the only rounding is torch.round,
    # which rounds half to even.
    return torch.round(clamped / quantum) * quantum


def encode_element(x: torch.Tensor, fmt: ElementFormat) -> torch.Tensor:
    """Saturate, round and encode ``x`` into ``fmt``'s bit codes (uint8, one code per element).

    >>> encode_element(torch.tensor([1.0, -6.0]), FP4_E2M1)
    tensor([ 2, 15], dtype=torch.uint8)
    """
    rounded = round_to_element(x, fmt)
    nan = torch.isnan(rounded)
    if fmt.nan_code is None and bool(nan.any()):
        raise NonFiniteValueError(f"{fmt.name} has no NaN code, but the input holds NaN")
    grid = fmt.positive_grid.to(rounded.device)
    magnitude_code = torch.searchsorted(grid, rounded.abs().nan_to_num(0.0).contiguous())
    sign = torch.signbit(rounded).to(torch.int64) << (fmt.bits - 1)
    codes = magnitude_code | sign
    if fmt.nan_code is not None:
        codes = torch.where(nan, torch.full_like(codes, fmt.nan_code), codes)
    return codes.to(torch.uint8)


def decode_element(codes: torch.Tensor, fmt: ElementFormat) -> torch.Tensor:
    """Decode ``fmt`` bit codes (uint8) into float32 values; the inverse of :func:`encode_element`."""
    wide = codes.to(torch.int64)
    magnitude_code = wide & ((1 << (fmt.bits - 1)) - 1)
    grid = fmt.positive_grid.to(codes.device)
    magnitude = grid[magnitude_code.clamp(max=grid.numel() - 1)]
    if fmt.has_infinity:
        magnitude = torch.where(
            magnitude_code == grid.numel(), torch.full_like(magnitude, torch.inf), magnitude
        )
    is_nan = magnitude_code >= grid.numel() + int(fmt.has_infinity)
    negative = ((wide >> (fmt.bits - 1)) & 1).bool()
    values = torch.where(negative, -magnitude, magnitude)
    return torch.where(is_nan, torch.full_like(values, float("nan")), values)
