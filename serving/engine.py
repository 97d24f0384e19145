"""onnxruntime sessions that know which provider runs them, and IOBinding for device-resident tensors.

Every model the service runs is opened through :func:`load_session`: it plans providers
(TensorRT → CUDA → CPU, see :mod:`serving.providers`), creates the session with thread settings
sized to the machine, reads back the provider that actually runs it and reports a fallback in one
log line. The result, :class:`EngineSession`, is what the model adapters (:mod:`serving.lm_engine`,
:mod:`serving.tts_engine`) build on.

:class:`DeviceTensors` is the IOBinding helper: tensors that should stay where the model runs (the
LM's KV cache) are kept as ``OrtValue`` objects on that device and rebound as the next step's
inputs, so only the small outputs (logits) cross to the host.

Example::

    >>> session = load_session("model.onnx", providers="cuda")      # doctest: +SKIP
    >>> session.active_provider                                     # doctest: +SKIP
    'CPUExecutionProvider'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indic.gpu_libraries import preload_cuda_libraries
from serving.providers import (
    CPU,
    CUDA,
    TENSORRT,
    CUDAOptions,
    ProviderPlan,
    TensorRTOptions,
    ThreadSettings,
    plan_providers,
    report_fallback,
    session_options,
)


class ModelLoadError(RuntimeError):
    """Raised when an ONNX model cannot be opened (missing file, invalid graph)."""


@dataclass(frozen=True)
class TensorSpec:
    """Name, element type and shape (symbolic dims as strings) of a graph input or output."""

    name: str
    type: str
    shape: tuple[int | str | None, ...]


class EngineSession:
    """An ``onnxruntime.InferenceSession`` plus the provider that actually runs it."""

    def __init__(self, session: Any, model_path: Path, requested: str) -> None:
        self.session = session
        self.model_path = model_path
        self.requested = requested
        self.providers: tuple[str, ...] = tuple(session.get_providers())
        self.inputs = {i.name: TensorSpec(i.name, i.type, tuple(i.shape)) for i in session.get_inputs()}
        self.outputs = {o.name: TensorSpec(o.name, o.type, tuple(o.shape)) for o in session.get_outputs()}
        self.device = self._device()

    @property
    def active_provider(self) -> str:
        """The provider onnxruntime placed first after loading: the one that runs the graph."""
        return self.providers[0]

    def _device(self) -> tuple[str, int]:
        """(device type, id) where this session's tensors live, as IOBinding names them."""
        if self.active_provider in (CUDA, TENSORRT):
            options = self.session.get_provider_options().get(self.active_provider, {})
            return "cuda", int(options.get("device_id", 0))
        return "cpu", 0

    def to_device(self, array: np.ndarray) -> Any:
        """An ``OrtValue`` holding ``array`` on this session's device."""
        import onnxruntime as ort

        device_type, device_id = self.device
        return ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(array), device_type, device_id)

    def run(self, feeds: Mapping[str, np.ndarray], outputs: Sequence[str] | None = None) -> list[np.ndarray]:
        """Run on host arrays; returns host arrays in the order of ``outputs`` (default: all)."""
        return self.session.run(list(outputs) if outputs else None, dict(feeds))


def load_session(
    model_path: str | os.PathLike[str],
    providers: str = "auto",
    *,
    tensorrt: TensorRTOptions | None = None,
    cuda: CUDAOptions | None = None,
    threads: ThreadSettings | None = None,
) -> EngineSession:
    """Open ``model_path`` on the best available provider for ``providers`` (auto/tensorrt/cuda/cpu).

    A provider that is compiled in but cannot load (TensorRT libraries missing) is dropped by
    onnxruntime; with native logging silenced, :func:`serving.providers.report_fallback` turns
    that into one log line naming the provider that runs the model.
    """
    path = Path(model_path)
    if not path.is_file():
        raise ModelLoadError(f"ONNX model not found: {path}")
    plan = plan_providers(providers, tensorrt=tensorrt, cuda=cuda)
    if set(plan.names) & {CUDA, TENSORRT}:
        preload_cuda_libraries()  # cuDNN and cuBLAS before a GPU plan's first session
    # TensorRT builds FP8 kernels from the Q/DQ nodes, every other provider wants them folded away;
    # if TensorRT was planned but did not load, the graph is opened again with folding on.
    session = _open(path, plan, threads, fold_quantized_weights=TENSORRT not in plan.names)
    if TENSORRT in plan.names and session.get_providers()[0] != TENSORRT:
        session = _open(path, plan, threads, fold_quantized_weights=True)
    engine = EngineSession(session, path, plan.requested)
    report_fallback(plan, engine.active_provider, f"{path.parent.name}/{path.name}")
    return engine


def _open(
    path: Path, plan: ProviderPlan, threads: ThreadSettings | None, fold_quantized_weights: bool
) -> Any:
    import onnxruntime as ort

    options = session_options(threads, fold_quantized_weights=fold_quantized_weights)
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=list(plan.providers))
    except Exception as error:  # onnxruntime raises bare Fail/InvalidGraph types from C++
        raise ModelLoadError(f"cannot load {path.name}: {str(error).splitlines()[0]}") from None


class DeviceTensors:
    """IOBinding for one decode step: inputs from host or device, chosen outputs left on the device.

    Bind host arrays with :meth:`bind_host`, device-resident ``OrtValue`` objects (the previous
    step's ``present.*`` tensors) with :meth:`bind_device`, ask for outputs with :meth:`keep` (on the
    device) or :meth:`fetch` (copied to the host), then :meth:`run`.

    >>> step = DeviceTensors(session)                               # doctest: +SKIP
    >>> step.bind_host("input_ids", ids)                           # doctest: +SKIP
    >>> step.keep("present.0.key"); step.fetch("logits")           # doctest: +SKIP
    >>> out = step.run()                                            # doctest: +SKIP
    """

    def __init__(self, engine: EngineSession) -> None:
        self.engine = engine
        self.binding = engine.session.io_binding()
        self._device_type, self._device_id = engine.device
        self._order: list[str] = []

    def bind_host(self, name: str, array: np.ndarray) -> None:
        """Copy a host array to the session's device and bind it as input ``name``."""
        self.bind_device(name, self.to_device(array))

    def bind_small(self, name: str, array: np.ndarray) -> None:
        """Bind a few host values (indices, pads) as host tensors.

        onnxruntime copies them to wherever the consuming kernel reads them; some GPU kernels
        (Pad's pads, Slice's starts) read such inputs on the host anyway.
        """
        import onnxruntime as ort

        self.binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(array)))

    def bind_device(self, name: str, value: Any) -> None:
        """Bind an ``OrtValue`` that already lives on the session's device."""
        self.binding.bind_ortvalue_input(name, value)

    def keep(self, name: str) -> None:
        """Leave output ``name`` on the device (read it back as an ``OrtValue``)."""
        self.binding.bind_output(name, self._device_type, self._device_id)
        self._order.append(name)

    def fetch(self, name: str) -> None:
        """Return output ``name`` to the host after the run."""
        self.binding.bind_output(name, "cpu")
        self._order.append(name)

    def to_device(self, array: np.ndarray) -> Any:
        """An ``OrtValue`` holding ``array`` on the session's device."""
        return self.engine.to_device(array)

    def run(self) -> dict[str, Any]:
        """Run the bound graph; outputs by name as ``OrtValue`` objects (host ones: call ``.numpy()``)."""
        self.binding.synchronize_inputs()
        self.engine.session.run_with_iobinding(self.binding)
        self.binding.synchronize_outputs()
        return dict(zip(self._order, self.binding.get_outputs(), strict=True))


__all__ = ["CPU", "DeviceTensors", "EngineSession", "ModelLoadError", "TensorSpec", "load_session"]
