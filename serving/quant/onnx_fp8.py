"""Rewrite an ONNX graph so its MatMul/Gemm weights are stored in low precision behind DequantizeLinear.

For each float32 initializer that is the weight (input B) of a ``MatMul`` or ``Gemm``:

- ``fp8-e4m3`` / ``fp8-e5m2``: a ``FLOAT8E4M3FN`` / ``FLOAT8E5M2`` initializer and a float32 scale,
  per tensor (scalar) or per output channel (``axis`` = the channel axis), then ``DequantizeLinear``;
- ``mxfp8``: FP8 E4M3 elements with a *blocked* ``DequantizeLinear`` (``block_size=32`` along the
  reduction axis, opset 21). E8M0 has no onnxruntime kernel, so the E8M0 scales are stored as float32
  powers of two — exactly the same numbers;
- ``mxfp4`` / ``nvfp4``: ``FLOAT4E2M1`` elements (opset 23). NVFP4's E4M3 block scales pass through
  their own ``DequantizeLinear`` with the float32 tensor scale first. No onnxruntime CPU kernel
  exists for FLOAT4E2M1 (nor for the CUDA provider as of 1.31): these graphs are for GPU runtimes
  that implement it (TensorRT); they pass ``onnx.checker`` and run in ``onnx.reference``.

Every dequantized weight equals the torch fake-quantized weight bit for bit: both compute
``decode(code) * scale`` in float32 with the same scales. onnxruntime runs FP8 Q/DQ by dequantizing,
which saves memory, not time.

>>> import onnx
>>> quantized, report = quantize_onnx_model(onnx.load("lm.onnx"), QuantSpec("mxfp8"))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from serving.onnx_model import MAX_IR_VERSION
from serving.quant.error import relative_l2_error, sqnr_db
from serving.quant.fp8 import FP8Tensor
from serving.quant.mx import MXTensor
from serving.quant.packing import pack_nibbles
from serving.quant.spec import QuantizedTensor, QuantSpec, quantize, stored_bytes

# Level at which the FP8 graphs were verified on onnxruntime's CPU provider (tests cover all levels).
SHIPPED_GRAPH_OPTIMIZATION_LEVEL = "ORT_ENABLE_ALL"
# Formats whose DequantizeLinear has onnxruntime CPU kernels; FLOAT4E2M1 (mxfp4, nvfp4) has none.
CPU_RUNNABLE_FORMATS = ("fp8-e4m3", "fp8-e5m2", "mxfp8")

_FP8_TYPES = {"e4m3": TensorProto.FLOAT8E4M3FN, "e5m2": TensorProto.FLOAT8E5M2}
_WEIGHT_OPS = ("MatMul", "Gemm")


class OnnxRewriteError(ValueError):
    """The model cannot be rewritten (e.g. it has no float32 MatMul/Gemm weights)."""


@dataclass(frozen=True)
class TensorReport:
    """What quantizing one weight cost: its error and its size before and after."""

    name: str
    shape: tuple[int, ...]
    format: str
    rel_l2: float
    sqnr_db: float
    bytes_before: int
    bytes_after: int


def required_opset(spec: QuantSpec) -> int:
    """Per-axis FP8 DequantizeLinear needs opset 19, blocked scales 21, FLOAT4E2M1 23."""
    if spec.format in ("mxfp4", "nvfp4"):
        return 23
    return 21 if spec.format == "mxfp8" else 19


def _weight_axes(node: onnx.NodeProto) -> tuple[int, int]:
    """(channel axis, reduction axis) of input B: MatMul's B is [K, N]; Gemm's is [N, K] if transB."""
    trans_b = node.op_type == "Gemm" and any(a.name == "transB" and a.i == 1 for a in node.attribute)
    return (0, 1) if trans_b else (1, 0)


def _fp8_initializer(name: str, codes: torch.Tensor, fmt_name: str) -> TensorProto:
    return helper.make_tensor(
        name, _FP8_TYPES[fmt_name], list(codes.shape), codes.numpy().tobytes(), raw=True
    )


def _fp4_initializer(name: str, codes: torch.Tensor) -> TensorProto:
    # FLOAT4E2M1 raw data is packed two per byte, first element in the low nibble: pack_nibbles' layout.
    packed = pack_nibbles(codes.contiguous()).numpy().tobytes()
    return helper.make_tensor(name, TensorProto.FLOAT4E2M1, list(codes.shape), packed, raw=True)


def _dequantize_nodes(
    weight: str, q: QuantizedTensor, channel_axis: int
) -> tuple[list[TensorProto], list[onnx.NodeProto]]:
    """Initializers and nodes that rebuild ``weight`` (same name) from its quantized form."""
    quantized, scale = f"{weight}_quantized", f"{weight}_scale"
    if isinstance(q, FP8Tensor):
        attributes: dict[str, Any] = {} if q.axis is None else {"axis": channel_axis}
        scales = q.scale.reshape(()) if q.axis is None else q.scale.flatten()
        initializers = [
            _fp8_initializer(quantized, q.codes, q.fmt.name),
            numpy_helper.from_array(scales.numpy(), scale),
        ]
        return initializers, [
            helper.make_node("DequantizeLinear", [quantized, scale], [weight], **attributes)
        ]
    blocked: dict[str, Any] = {"axis": q.axis, "block_size": q.element_codes.shape[-1]}
    if isinstance(q, MXTensor):
        elements = q.element_codes_in_layout()
        element_init = (
            _fp4_initializer(quantized, elements)
            if q.fmt.bits == 4
            else _fp8_initializer(quantized, elements, "e4m3")
        )
        initializers = [element_init, numpy_helper.from_array(q.scales_in_layout().numpy(), scale)]
        return initializers, [helper.make_node("DequantizeLinear", [quantized, scale], [weight], **blocked)]
    block_scale, global_scale = f"{weight}_block_scale", f"{weight}_global_scale"
    initializers = [
        _fp4_initializer(quantized, q.element_codes_in_layout()),
        _fp8_initializer(block_scale, q.block_scale_codes_in_layout(), "e4m3"),
        numpy_helper.from_array(q.global_scale.reshape(()).numpy(), global_scale),
    ]
    nodes = [
        helper.make_node("DequantizeLinear", [block_scale, global_scale], [scale]),
        helper.make_node("DequantizeLinear", [quantized, scale], [weight], **blocked),
    ]
    return initializers, nodes


def _set_opset(model: onnx.ModelProto, opset: int) -> None:
    # Raised in place rather than through onnx.version_converter (which rejects many exporter
    # graphs): from opset 18 to 23 the standard operators an LM or TTS graph uses only gained types.
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx") and entry.version < opset:
            entry.version = opset
    model.ir_version = min(max(model.ir_version, 11 if opset >= 23 else 10), MAX_IR_VERSION)


def quantize_onnx_model(
    model: onnx.ModelProto, spec: QuantSpec, *, min_elements: int = 1024
) -> tuple[onnx.ModelProto, list[TensorReport]]:
    """Return a copy of ``model`` with its MatMul/Gemm weights quantized as ``spec`` says, and a report.

    Weights smaller than ``min_elements`` stay float32 (their scales would cost more than they save).
    A weight shared with other kinds of nodes (a tied embedding gather) keeps its float32 copy for them.
    """
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    weights: dict[str, onnx.NodeProto] = {}
    for node in graph.node:
        if node.op_type in _WEIGHT_OPS and len(node.input) > 1 and node.input[1] in initializers:
            init = initializers[node.input[1]]
            if init.data_type == TensorProto.FLOAT and len(init.dims) == 2:
                weights.setdefault(node.input[1], node)
    weights = {
        name: node for name, node in weights.items() if np.prod(initializers[name].dims) >= min_elements
    }
    if not weights:
        raise OnnxRewriteError(
            f"no float32 MatMul/Gemm weight with at least {min_elements} elements to quantize"
        )
    other_users = {name for node in graph.node if node.op_type not in _WEIGHT_OPS for name in node.input}
    new_nodes: list[onnx.NodeProto] = []
    reports = []
    for name, node in weights.items():
        original = torch.from_numpy(numpy_helper.to_array(initializers[name]).copy())
        channel_axis, reduction_axis = _weight_axes(node)
        q = quantize(original, spec, channel_axis, reduction_axis)
        rebuilt = q.dequantize()
        reports.append(
            TensorReport(
                name,
                tuple(original.shape),
                spec.label,
                relative_l2_error(original, rebuilt),
                sqnr_db(original, rebuilt),
                original.numel() * 4,
                stored_bytes(q),
            )
        )
        dequantized_name = f"{name}_dequantized" if name in other_users else name
        extra_inits, nodes = _dequantize_nodes(dequantized_name, q, channel_axis)
        graph.initializer.extend(extra_inits)
        new_nodes.extend(nodes)
        if dequantized_name != name:
            for user in graph.node:
                if user.op_type in _WEIGHT_OPS and len(user.input) > 1 and user.input[1] == name:
                    user.input[1] = dequantized_name
    kept = [init for init in graph.initializer if init.name not in weights or init.name in other_users]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # Older exporters also list initializers as graph inputs; a replaced weight is no input any more.
    inputs = [value for value in graph.input if value.name not in weights or value.name in other_users]
    del graph.input[:]
    graph.input.extend(inputs)
    # DequantizeLinear nodes read only initializers, so placing them first keeps the graph sorted.
    all_nodes = new_nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(all_nodes)
    _set_opset(model, required_opset(spec))
    onnx.checker.check_model(model)
    return model, reports


def load_on_cpu(model_bytes: bytes) -> None:
    """Open ``model_bytes`` in onnxruntime's CPU provider at the shipped optimization level.

    Session creation runs the graph optimizer and picks every kernel, so a graph that loads here runs.
    Raises onnxruntime's own error otherwise.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, SHIPPED_GRAPH_OPTIMIZATION_LEVEL)
    ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
