"""One description of "how to quantize a tensor", shared by PTQ, the ONNX rewrite, the CLI and benches.

A :class:`QuantSpec` names the format (``fp8-e4m3``, ``fp8-e5m2``, ``mxfp8``, ``mxfp4``, ``nvfp4``),
the FP8 granularity (one scale per ``tensor`` or per output ``channel``) and the block formats'
scale rule. :func:`quantize` needs to know which axis of a weight is which: for ``nn.Linear``
(``[out, in]``) the output channel is axis 0 and the reduction axis is 1; for an ONNX ``MatMul``
weight (``[K, N]``) it is the other way round.

>>> import torch
>>> w = torch.randn(8, 64)
>>> fake_quantize(w, QuantSpec("mxfp8")).shape
torch.Size([8, 64])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from serving.quant.formats import FP4_E2M1, FP8_E4M3, FP8_E5M2
from serving.quant.fp8 import FP8Tensor, quantize_fp8
from serving.quant.mx import MX_SCALE_RULES, MXTensor, quantize_mx
from serving.quant.nvfp4 import NVFP4_SCALE_RULES, NVFP4Tensor, quantize_nvfp4

QUANT_FORMATS = ("fp8-e4m3", "fp8-e5m2", "mxfp8", "mxfp4", "nvfp4")
Granularity = Literal["tensor", "channel"]
QuantizedTensor = FP8Tensor | MXTensor | NVFP4Tensor

_DEFAULT_RULES = {"mxfp8": "ceil", "mxfp4": "ceil", "nvfp4": "nearest"}


class UnknownFormatError(ValueError):
    """A format or scale-rule name that :class:`QuantSpec` does not know."""


@dataclass(frozen=True)
class QuantSpec:
    """How to quantize: ``format``, FP8 ``granularity``, block-format ``scale_rule`` (None: default)."""

    format: str = "fp8-e4m3"
    granularity: Granularity = "channel"
    scale_rule: str | None = None

    def __post_init__(self) -> None:
        if self.format not in QUANT_FORMATS:
            raise UnknownFormatError(
                f"unknown format {self.format!r}; choose one of {', '.join(QUANT_FORMATS)}"
            )
        if self.granularity not in ("tensor", "channel"):
            raise UnknownFormatError(f"granularity must be 'tensor' or 'channel', not {self.granularity!r}")
        if self.scale_rule is not None and self.scale_rule not in self.allowed_rules:
            allowed = ", ".join(self.allowed_rules) or "none (FP8 scales are amax / max)"
            raise UnknownFormatError(f"{self.format} takes scale rule {allowed}, not {self.scale_rule!r}")

    @property
    def allowed_rules(self) -> tuple[str, ...]:
        if self.format.startswith("mx"):
            return MX_SCALE_RULES
        return NVFP4_SCALE_RULES if self.format == "nvfp4" else ()

    @property
    def rule(self) -> str | None:
        return self.scale_rule or _DEFAULT_RULES.get(self.format)

    @property
    def label(self) -> str:
        """A short name for tables, e.g. ``fp8-e4m3/channel`` or ``mxfp4/floor``."""
        return f"{self.format}/{self.granularity if self.format.startswith('fp8') else self.rule}"


def quantize(
    x: torch.Tensor, spec: QuantSpec, channel_axis: int = 0, reduction_axis: int = -1
) -> QuantizedTensor:
    """Quantize ``x`` as ``spec`` says: blocks along ``reduction_axis``, FP8 channels on ``channel_axis``."""
    if spec.format.startswith("fp8"):
        fmt = FP8_E4M3 if spec.format == "fp8-e4m3" else FP8_E5M2
        return quantize_fp8(x, fmt, axis=channel_axis if spec.granularity == "channel" else None)
    if spec.format == "nvfp4":
        return quantize_nvfp4(x, axis=reduction_axis, rule=spec.rule)  # type: ignore[arg-type]
    element = FP8_E4M3 if spec.format == "mxfp8" else FP4_E2M1
    return quantize_mx(x, element, axis=reduction_axis, rule=spec.rule)  # type: ignore[arg-type]


def fake_quantize(
    x: torch.Tensor, spec: QuantSpec, channel_axis: int = 0, reduction_axis: int = -1
) -> torch.Tensor:
    """Quantize and dequantize ``x`` (float32 out): what a model computes with once quantized."""
    return quantize(x, spec, channel_axis, reduction_axis).dequantize()


def stored_bytes(q: QuantizedTensor) -> int:
    """Bytes the quantized tensor occupies: elements (4-bit formats packed two per byte) plus scales."""
    if isinstance(q, FP8Tensor):
        return q.codes.numel() + 4 * q.scale.numel()
    if isinstance(q, MXTensor):
        return (q.element_codes.numel() * q.fmt.bits + 7) // 8 + q.scale_codes.numel()
    return (q.element_codes.numel() + 1) // 2 + q.block_scale_codes.numel() + 4
