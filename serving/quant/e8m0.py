"""E8M0: the power-of-two scale of the OCP MX formats, an 8-bit biased exponent and nothing else.

Code ``c`` decodes to ``2**(c - 127)``; ``0xFF`` is NaN; there is no zero and no sign. onnxruntime has
no kernels for E8M0, so ONNX graphs store the decoded scales as float32 powers of two (exact).

>>> import torch
>>> encode_e8m0(torch.tensor([-3, 0, 127]))
tensor([124, 127, 254], dtype=torch.uint8)
>>> decode_e8m0(torch.tensor([124, 255], dtype=torch.uint8))
tensor([0.1250,    nan])
"""

from __future__ import annotations

import torch

E8M0_BIAS = 127
E8M0_NAN_CODE = 0xFF
E8M0_MIN_EXPONENT = -127
E8M0_MAX_EXPONENT = 127


def encode_e8m0(exponent: torch.Tensor) -> torch.Tensor:
    """Encode integer exponents as E8M0 codes, clamped to the representable range [-127, 127]."""
    clamped = exponent.to(torch.int64).clamp(E8M0_MIN_EXPONENT, E8M0_MAX_EXPONENT)
    return (clamped + E8M0_BIAS).to(torch.uint8)


def decode_e8m0(codes: torch.Tensor) -> torch.Tensor:
    """Decode E8M0 codes to float32 powers of two (``0xFF`` becomes NaN). 2**-127 is a float32
    subnormal, still exact."""
    wide = codes.to(torch.int64)
    values = torch.exp2((wide - E8M0_BIAS).float())
    return torch.where(wide == E8M0_NAN_CODE, torch.full_like(values, float("nan")), values)
