"""Where an ONNX graph's time and arithmetic go, module by module, from onnxruntime's own profiler.

Why: "batching does not pay" is only an explanation once it says *which part* of the model stops
scaling and whether that part is short of arithmetic units or of memory bandwidth. onnxruntime's
profiler records, for every node it runs, the kernel time and the actual input and output shapes;
from the shapes this module counts the floating-point operations of the nodes that do arithmetic
(MatMul, Gemm, Conv, ConvTranspose: 2 per multiply-add) and the bytes every node writes, and sums
both by module. Node names from the torch exporter are module paths (``/acoustic/decoder.2/ffn_in/Conv``),
so a module is the path's first ``depth`` parts with layer indices dropped (``acoustic/decoder``).

Example::

    >>> module_of("/acoustic/decoder.2/attention/qkv/MatMul")
    'acoustic/decoder'
    >>> node_flops("MatMul", [[1, 90, 128], [128, 384]], [[1, 90, 384]])
    8847360.0
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from serving.onnx_model import make_model
from serving.providers import CPU, ThreadSettings, session_options

_LAYER_INDEX = re.compile(r"\.\d+$")
_ELEMENT_BYTES = {
    "float": 4,
    "float16": 2,
    "double": 8,
    "int64": 8,
    "int32": 4,
    "bool": 1,
    "int8": 1,
    "uint8": 1,
}


def module_of(node_name: str, depth: int = 2) -> str:
    """The module a node belongs to: its path's first ``depth`` parts, layer indices dropped."""
    parts = [p for p in node_name.split("/") if p][:-1]  # the last part is the op itself
    if not parts:
        return "(graph)"
    return "/".join(_LAYER_INDEX.sub("", p) for p in parts[:depth])


def node_flops(op_type: str, inputs: Sequence[Sequence[int]], outputs: Sequence[Sequence[int]]) -> float:
    """Floating-point operations (2 per multiply-add) of one node run; 0 for nodes that only move data."""
    if not inputs or not outputs or not outputs[0]:
        return 0.0
    out = outputs[0]
    if op_type == "MatMul":
        return 2.0 * math.prod(out) * inputs[0][-1]
    if op_type == "Gemm":
        return 2.0 * math.prod(out) * (inputs[1][0] if len(inputs[1]) == 2 else 1)
    if op_type == "Conv" and len(inputs) > 1:
        return 2.0 * math.prod(out) * math.prod(inputs[1][1:])
    if op_type == "ConvTranspose" and len(inputs) > 1:
        return 2.0 * math.prod(inputs[0]) * math.prod(inputs[1][1:])
    return 0.0


@dataclass
class ModuleCost:
    """Kernel time, arithmetic and bytes written by one module over the profiled runs."""

    seconds: float = 0.0
    flops: float = 0.0
    bytes_written: float = 0.0

    @property
    def gflops_per_s(self) -> float:
        return self.flops / self.seconds / 1e9 if self.seconds else 0.0


@dataclass
class GraphProfile:
    """Per-module costs of ``runs`` profiled runs, and their wall time."""

    runs: int
    wall_s: float
    modules: dict[str, ModuleCost] = field(default_factory=dict)

    @property
    def kernel_s(self) -> float:
        return sum(m.seconds for m in self.modules.values())

    @property
    def flops(self) -> float:
        return sum(m.flops for m in self.modules.values())

    @property
    def gflops_per_s(self) -> float:
        return self.flops / self.kernel_s / 1e9 if self.kernel_s else 0.0


def profile_graph(
    model_path: str | os.PathLike[str],
    batches: Sequence[Mapping[str, np.ndarray]],
    threads: ThreadSettings | None = None,
    depth: int = 2,
) -> GraphProfile:
    """Run ``batches`` (feeds) once untimed, then once under onnxruntime's profiler, on the CPU.

    The profiler measures the CPU provider's kernels; a GPU provider's kernels run asynchronously
    and its per-node times would be launch times, so this is a CPU tool.
    """
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="graph-profile-") as scratch:
        options = session_options(threads)
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(scratch) / "run")
        session = ort.InferenceSession(str(model_path), options, providers=[CPU])
        for feeds in batches:  # warm-up: allocations and first-run kernel choices
            session.run(None, dict(feeds))
        for feeds in batches:
            session.run(None, dict(feeds))
        trace = Path(session.end_profiling())
        events = json.loads(trace.read_text(encoding="utf-8"))
    runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    timed = runs[len(batches) :]
    profile = GraphProfile(runs=len(timed), wall_s=sum(e["dur"] for e in timed) / 1e6)
    if not timed:
        return profile
    start = timed[0]["ts"]
    for event in events:
        if event.get("cat") != "Node" or not event["name"].endswith("_kernel_time") or event["ts"] < start:
            continue
        args = event.get("args", {})
        inputs = [_shape(s) for s in args.get("input_type_shape", [])]
        outputs = [_shape(s) for s in args.get("output_type_shape", [])]
        cost = profile.modules.setdefault(
            module_of(event["name"][: -len("_kernel_time")], depth), ModuleCost()
        )
        cost.seconds += event["dur"] / 1e6
        cost.flops += node_flops(args.get("op_name", ""), inputs, outputs)
        cost.bytes_written += sum(
            math.prod(_shape(s)) * _ELEMENT_BYTES.get(next(iter(s)), 4)
            for s in args.get("output_type_shape", [])
        )
    return profile


def _shape(entry: Mapping[str, Sequence[int]]) -> list[int]:
    """onnxruntime writes a shape as ``{"float": [1, 90, 128]}``."""
    return list(next(iter(entry.values()))) if entry else []


def gemm_reference(threads: ThreadSettings | None = None, size: int = 1024, repeats: int = 5) -> float:
    """GFLOP/s of one large float32 MatMul on the CPU provider: the ceiling a module's rate is judged by.

    A module far below it is limited by memory traffic or per-node overheads, not by arithmetic units.
    """
    import time

    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])],
        "gemm",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [size, size]) for n in ("a", "b")],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [size, size])],
    )
    model = make_model(graph, opset=17)
    session = ort.InferenceSession(model.SerializeToString(), session_options(threads), providers=[CPU])
    feeds = {n: np.random.default_rng(0).standard_normal((size, size), dtype=np.float32) for n in ("a", "b")}
    session.run(None, feeds)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        session.run(None, feeds)
        best = min(best, time.perf_counter() - began)
    return 2.0 * size**3 / best / 1e9
