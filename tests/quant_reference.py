"""A slow, obviously correct NumPy reference of the quantizers in ``serving.quant``, used only by tests.

Element casts come from ``ml_dtypes`` (after clamping: its casts do not saturate); scale exponents
are worked out in float64 with ``math``; each block is handled in a plain Python loop. The float32
arithmetic of the scales (``amax / 448``, ``amax / (6 * g)``) is spelled out with ``np.float32`` so
that the torch implementation must agree bit for bit.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np

DTYPES = {"e4m3": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2, "e2m1": ml_dtypes.float4_e2m1fn}
MAX_VALUE = {"e4m3": 448.0, "e5m2": 57344.0, "e2m1": 6.0}
MAX_EXPONENT = {"e4m3": 8, "e5m2": 15, "e2m1": 2}


def cast(x: np.ndarray, fmt: str) -> np.ndarray:
    """Saturate to ±max, cast with ml_dtypes (round to nearest even), back to float32."""
    clipped = np.clip(np.asarray(x, dtype=np.float32), -MAX_VALUE[fmt], MAX_VALUE[fmt])
    return clipped.astype(DTYPES[fmt]).astype(np.float32)


def fp8_qdq(x: np.ndarray, fmt: str, axis: int | None) -> np.ndarray:
    """Per-tensor (``axis=None``) or per-channel FP8 quantize-dequantize, scale = amax / max."""
    x = np.asarray(x, dtype=np.float32)
    if axis is None:
        amax = np.abs(x).max(keepdims=True)
    else:
        reduce = tuple(d for d in range(x.ndim) if d != axis)
        amax = np.abs(x).max(axis=reduce, keepdims=True)
    scale = np.where(amax > 0, amax / np.float32(MAX_VALUE[fmt]), np.float32(1.0)).astype(np.float32)
    return cast(x / scale, fmt) * scale


def mx_exponent(amax: float, fmt: str, rule: str) -> int:
    """The shared E8M0 exponent of one block, by the OCP floor rule, round-up or nearest."""
    if amax == 0.0:
        return 0
    if rule == "floor":
        exponent = math.floor(math.log2(amax)) - MAX_EXPONENT[fmt]
    else:
        ratio = amax / MAX_VALUE[fmt]
        up = math.ceil(math.log2(ratio))
        exponent = up if rule == "ceil" or ratio >= 0.75 * 2.0**up else up - 1
    return max(-127, min(127, exponent))


def mx_qdq(x: np.ndarray, fmt: str, rule: str, block: int = 32) -> np.ndarray:
    """MX quantize-dequantize of a 2-D array with blocks along the last axis."""
    x = np.asarray(x, dtype=np.float32)
    out = np.empty_like(x)
    for row in range(x.shape[0]):
        for start in range(0, x.shape[1], block):
            values = x[row, start : start + block]
            scale = np.float32(2.0 ** mx_exponent(float(np.abs(values).max()), fmt, rule))
            out[row, start : start + block] = cast(values / scale, fmt) * scale
    return out


def e4m3_scale(value: np.float32, rule: str) -> np.float32:
    """Round a non-negative block scale to E4M3: nearest even, or up to the next value >= it."""
    nearest = cast(np.array([value]), "e4m3")
    if rule == "ceil" and nearest[0] < value:
        code = nearest.astype(ml_dtypes.float8_e4m3fn).view(np.uint8) + np.uint8(1)
        nearest = code.view(ml_dtypes.float8_e4m3fn).astype(np.float32)
    return np.float32(nearest[0])


def nvfp4_qdq(x: np.ndarray, rule: str, block: int = 16) -> np.ndarray:
    """NVFP4 quantize-dequantize of a 2-D array with blocks along the last axis."""
    x = np.asarray(x, dtype=np.float32)
    amax = np.float32(np.abs(x).max())
    g = np.float32(amax / np.float32(448.0 * 6.0)) if amax > 0 else np.float32(1.0)
    out = np.empty_like(x)
    for row in range(x.shape[0]):
        for start in range(0, x.shape[1], block):
            values = x[row, start : start + block]
            stored = e4m3_scale(np.float32(np.abs(values).max() / np.float32(np.float32(6.0) * g)), rule)
            decode = np.float32(stored * g)
            elements = cast(values / decode, "e2m1") if decode > 0 else np.zeros_like(values)
            out[row, start : start + block] = elements * decode
    return out
