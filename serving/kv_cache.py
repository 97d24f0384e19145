"""Edit a decode batch's KV caches where they live: join a stream, drop streams, trim padding.

Why: with continuous batching, streams join and leave every few decode steps (at 32 streams of 64
tokens, about every second step). If each change copied every layer's cache to the host, padded it
with numpy and copied it back, the cache would cross the bus on most steps and IOBinding would save
little. Instead two tiny ONNX graphs run on the LM's own provider and device — *join*
(``Concat(Pad(old), Pad(new))`` along the batch axis, each side left-padded to the common length)
and *select* (``Slice(Gather(cache, rows), start)``: keep some rows, drop leading padding) — over all
layers' tensors in one call, inputs and outputs bound as device ``OrtValue`` objects.

Example::

    >>> editor = CacheEditor(lm_session, tensors=12, dtype=np.float32)        # doctest: +SKIP
    >>> cache = editor.join(cache, pad_old=0, new=stream_cache, pad_new=3)    # doctest: +SKIP
    >>> cache = editor.select(cache, rows=[0, 2], start=5)                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serving.engine import DeviceTensors, EngineSession
from serving.onnx_model import make_model
from serving.providers import CPU, CUDA, CUDAOptions, ThreadSettings, session_options

_CACHE_DIMS = ["batch", "heads", "length", "head_dim"]


def _join_graph(tensors: int, element_type: int) -> bytes:
    from onnx import TensorProto, helper

    nodes, inputs, outputs = [], [], []
    for pads in ("pads_old", "pads_new"):
        inputs.append(helper.make_tensor_value_info(pads, TensorProto.INT64, [8]))
    for i in range(tensors):
        inputs += [
            helper.make_tensor_value_info(f"old.{i}", element_type, _CACHE_DIMS),
            helper.make_tensor_value_info(f"new.{i}", element_type, _CACHE_DIMS),
        ]
        outputs.append(helper.make_tensor_value_info(f"joined.{i}", element_type, _CACHE_DIMS))
        nodes += [
            helper.make_node("Pad", [f"old.{i}", "pads_old"], [f"old_padded.{i}"]),
            helper.make_node("Pad", [f"new.{i}", "pads_new"], [f"new_padded.{i}"]),
            helper.make_node("Concat", [f"old_padded.{i}", f"new_padded.{i}"], [f"joined.{i}"], axis=0),
        ]
    graph = helper.make_graph(nodes, "kv_cache_join", inputs, outputs)
    return make_model(graph, opset=18).SerializeToString()


def _select_graph(tensors: int, element_type: int) -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    inputs = [
        helper.make_tensor_value_info("rows", TensorProto.INT64, ["kept"]),
        helper.make_tensor_value_info("start", TensorProto.INT64, [1]),
    ]
    constants = [
        numpy_helper.from_array(np.array([np.iinfo(np.int64).max], dtype=np.int64), "end"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "length_axis"),
    ]
    nodes, outputs = [], []
    for i in range(tensors):
        inputs.append(helper.make_tensor_value_info(f"cache.{i}", element_type, _CACHE_DIMS))
        outputs.append(helper.make_tensor_value_info(f"selected.{i}", element_type, _CACHE_DIMS))
        nodes += [
            helper.make_node("Gather", [f"cache.{i}", "rows"], [f"rows_kept.{i}"], axis=0),
            helper.make_node("Slice", [f"rows_kept.{i}", "start", "end", "length_axis"], [f"selected.{i}"]),
        ]
    graph = helper.make_graph(nodes, "kv_cache_select", inputs, outputs, constants)
    return make_model(graph, opset=18).SerializeToString()


def editor_providers(lm: EngineSession) -> list[tuple[str, dict[str, str]]]:
    """Providers for the copy graphs: no TensorRT engine is needed for copies, so CUDA on the LM's
    GPU with the LM session's own CUDA settings (device, memory arena, copy stream: the copies
    allocate from an arena that grows as the LM's does), or the CPU where the LM runs there."""
    device_type, device_id = lm.device
    if device_type != "cuda":
        return [(CPU, {})]
    reported = lm.session.get_provider_options().get(CUDA, {})
    defaults = CUDAOptions(device_id=device_id).to_provider_options()
    options = {key: str(reported.get(key, value)) for key, value in defaults.items()}
    if "gpu_mem_limit" in reported:
        options["gpu_mem_limit"] = str(reported["gpu_mem_limit"])
    return [(CUDA, options), (CPU, {})]


class CacheEditor:
    """Join and select rows of ``tensors`` cache tensors on the LM session's provider and device."""

    def __init__(self, lm: EngineSession, tensors: int, dtype: type | np.dtype) -> None:
        import onnxruntime as ort
        from onnx.helper import np_dtype_to_tensor_dtype

        element_type = np_dtype_to_tensor_dtype(np.dtype(dtype))
        providers = editor_providers(lm)

        def open_graph(model: bytes, name: str) -> EngineSession:
            threads = ThreadSettings(intra_op_threads=1)  # copies: one thread is plenty
            session = ort.InferenceSession(model, session_options(threads), providers=providers)
            return EngineSession(session, Path(name), lm.requested)

        self.tensors = tensors
        self._join = open_graph(_join_graph(tensors, element_type), "kv_cache_join")
        self._select = open_graph(_select_graph(tensors, element_type), "kv_cache_select")

    def join(self, old: Sequence[Any], pad_old: int, new: Sequence[Any], pad_new: int) -> list[Any]:
        """Rows of ``new`` after those of ``old``, each side left-padded along the length axis by its pad."""
        step = DeviceTensors(self._join)
        step.bind_small("pads_old", np.array([0, 0, pad_old, 0, 0, 0, 0, 0], dtype=np.int64))
        step.bind_small("pads_new", np.array([0, 0, pad_new, 0, 0, 0, 0, 0], dtype=np.int64))
        for i, (before, joining) in enumerate(zip(old, new, strict=True)):
            step.bind_device(f"old.{i}", before)
            step.bind_device(f"new.{i}", joining)
        return self._run(step, "joined")

    def select(self, cache: Sequence[Any], rows: Sequence[int], start: int) -> list[Any]:
        """Only ``rows`` (in that order), from position ``start`` of the length axis on."""
        step = DeviceTensors(self._select)
        step.bind_small("rows", np.asarray(rows, dtype=np.int64))
        step.bind_small("start", np.array([start], dtype=np.int64))
        for i, value in enumerate(cache):
            step.bind_device(f"cache.{i}", value)
        return self._run(step, "selected")

    def _run(self, step: DeviceTensors, output: str) -> list[Any]:
        names = [f"{output}.{i}" for i in range(self.tensors)]
        for name in names:
            step.keep(name)
        outputs = step.run()
        return [outputs[name] for name in names]
