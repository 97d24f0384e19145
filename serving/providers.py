"""Choosing onnxruntime execution providers: TensorRT, then CUDA, then CPU — probed quietly.

Why a module of its own: provider selection is where serving silently goes wrong. onnxruntime
accepts a provider list, drops the ones it cannot load, and carries on — so a model meant for
TensorRT can end up on the CPU with nothing but a wall of native log lines. Here the plan is made
up front from what the installed build offers, the session's *actual* providers are read back
afterwards, and a fallback is reported as one clear log line, never a stack trace.

The options that matter are built here too, as plain dataclasses whose fields mirror the provider
option names: TensorRT's engine cache, timing cache, workspace size and the min/opt/max profile
shape of every dynamic input (TensorRT needs a range for each one, or it rebuilds engines on every
new shape); CUDA's device id and memory arena. There is no FP8 switch for TensorRT: FP8 comes from
the QuantizeLinear/DequantizeLinear nodes of a strongly typed network.

Example::

    >>> plan = plan_providers("tensorrt", available=["CPUExecutionProvider"])
    >>> plan.names
    ('CPUExecutionProvider',)
    >>> plan.skipped["TensorrtExecutionProvider"]
    'not in this onnxruntime build'
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TENSORRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
PROVIDER_ORDER: tuple[str, ...] = (TENSORRT, CUDA, CPU)
PROVIDER_ALIASES: dict[str, tuple[str, ...]] = {
    "auto": PROVIDER_ORDER,
    "tensorrt": PROVIDER_ORDER,
    "trt": PROVIDER_ORDER,
    "cuda": (CUDA, CPU),
    "cpu": (CPU,),
}

log = logging.getLogger("serving.providers")


class UnknownProviderError(ValueError):
    """Raised when a provider request is none of ``auto``, ``tensorrt``, ``cuda``, ``cpu``."""


@dataclass(frozen=True)
class ShapeRange:
    """The min/opt/max shape of one dynamic input in a TensorRT optimization profile."""

    min: tuple[int, ...]
    opt: tuple[int, ...]
    max: tuple[int, ...]

    def __post_init__(self) -> None:
        if not len(self.min) == len(self.opt) == len(self.max):
            raise ValueError(f"min/opt/max ranks differ: {self.min} {self.opt} {self.max}")
        for low, mid, high in zip(self.min, self.opt, self.max, strict=True):
            if not 0 <= low <= mid <= high:
                raise ValueError(f"need 0 <= min <= opt <= max per dim, got {self.min} {self.opt} {self.max}")


@dataclass(frozen=True)
class TensorRTOptions:
    """TensorRT provider options; field names follow onnxruntime's ``trt_*`` keys.

    ``profile`` maps every dynamic input name to its :class:`ShapeRange`; build it with
    :func:`profile_shapes_for` so no dynamic input is forgotten.
    """

    device_id: int = 0
    engine_cache_path: Path | None = None
    timing_cache_path: Path | None = None
    max_workspace_size: int = 4 << 30
    fp16_enable: bool = False
    profile: Mapping[str, ShapeRange] = field(default_factory=dict)

    def to_provider_options(self) -> dict[str, str]:
        """The option dict onnxruntime expects (every value a string).

        >>> opts = TensorRTOptions(engine_cache_path=Path("cache"), profile={
        ...     "input_ids": ShapeRange((1, 1), (8, 64), (32, 512))}).to_provider_options()
        >>> opts["trt_profile_max_shapes"]
        'input_ids:32x512'
        """
        options = {
            "device_id": str(self.device_id),
            "trt_max_workspace_size": str(self.max_workspace_size),
            "trt_fp16_enable": _flag(self.fp16_enable),
            "trt_engine_cache_enable": _flag(self.engine_cache_path is not None),
            "trt_timing_cache_enable": _flag(self.timing_cache_path is not None),
        }
        if self.engine_cache_path is not None:
            options["trt_engine_cache_path"] = str(self.engine_cache_path)
        if self.timing_cache_path is not None:
            options["trt_timing_cache_path"] = str(self.timing_cache_path)
        if self.profile:
            for key, pick in (("min", "min"), ("opt", "opt"), ("max", "max")):
                options[f"trt_profile_{key}_shapes"] = ",".join(
                    f"{name}:{'x'.join(str(d) for d in getattr(shape, pick))}"
                    for name, shape in sorted(self.profile.items())
                )
        return options


@dataclass(frozen=True)
class CUDAOptions:
    """CUDA provider options; field names follow onnxruntime's keys.

    ``gpu_mem_limit`` caps the memory arena (bytes; ``None`` = no cap) and
    ``arena_extend_strategy`` ``kSameAsRequested`` keeps a long-running server from
    doubling its arena on one large batch.
    """

    device_id: int = 0
    arena_extend_strategy: str = "kSameAsRequested"
    gpu_mem_limit: int | None = None
    cudnn_conv_algo_search: str = "HEURISTIC"
    do_copy_in_default_stream: bool = True

    def to_provider_options(self) -> dict[str, str]:
        """The option dict onnxruntime expects.

        >>> CUDAOptions(device_id=1).to_provider_options()["device_id"]
        '1'
        """
        if self.arena_extend_strategy not in ("kNextPowerOfTwo", "kSameAsRequested"):
            raise ValueError(
                f"arena_extend_strategy must be kNextPowerOfTwo or kSameAsRequested, "
                f"got {self.arena_extend_strategy!r}"
            )
        options = {
            "device_id": str(self.device_id),
            "arena_extend_strategy": self.arena_extend_strategy,
            "cudnn_conv_algo_search": self.cudnn_conv_algo_search,
            "do_copy_in_default_stream": _flag(self.do_copy_in_default_stream),
        }
        if self.gpu_mem_limit is not None:
            options["gpu_mem_limit"] = str(self.gpu_mem_limit)
        return options


@dataclass(frozen=True)
class ProviderPlan:
    """Providers to hand to onnxruntime, in order, and why the others were left out."""

    requested: str
    providers: tuple[tuple[str, dict[str, str]], ...]
    skipped: dict[str, str]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.providers)

    @property
    def preferred(self) -> str:
        """The provider the request hoped for (first in its order)."""
        return PROVIDER_ALIASES[self.requested][0]


def plan_providers(
    request: str = "auto",
    *,
    available: Iterable[str] | None = None,
    tensorrt: TensorRTOptions | None = None,
    cuda: CUDAOptions | None = None,
) -> ProviderPlan:
    """Order the providers for ``request`` and keep the ones this onnxruntime build has.

    Probing is quiet: it asks onnxruntime which providers were compiled in and, for TensorRT,
    whether its library can be found; no provider is loaded. CPU is always the last resort.
    """
    key = request.lower()
    if key not in PROVIDER_ALIASES:
        raise UnknownProviderError(f"provider {request!r} is not one of {', '.join(PROVIDER_ALIASES)}")
    probed = available is None
    if available is None:
        import onnxruntime as ort

        available = ort.get_available_providers()
    present = set(available)
    # onnxruntime-gpu lists TensorRT whether or not its libraries exist; asked to load it without
    # them, it prints a native warning and drops it. Checking for the library first keeps that quiet.
    unloadable: dict[str, str] = {}
    if probed and TENSORRT in present and not tensorrt_libraries_found():
        unloadable[TENSORRT] = "TensorRT libraries (libnvinfer) not found"
    options = {
        TENSORRT: (tensorrt or TensorRTOptions()).to_provider_options(),
        CUDA: (cuda or CUDAOptions()).to_provider_options(),
        CPU: {},
    }
    chosen: list[tuple[str, dict[str, str]]] = []
    skipped: dict[str, str] = {}
    for name in PROVIDER_ALIASES[key]:
        if name == CPU or (name in present and name not in unloadable):
            chosen.append((name, options[name]))
        else:
            skipped[name] = unloadable.get(name, "not in this onnxruntime build")
    return ProviderPlan(requested=key, providers=tuple(chosen), skipped=skipped)


def tensorrt_libraries_found() -> bool:
    """Whether TensorRT's runtime library can be found, without asking onnxruntime to load it."""
    import ctypes
    import ctypes.util

    if ctypes.util.find_library("nvinfer"):
        return True
    try:
        ctypes.CDLL("libnvinfer.so.10")
    except OSError:
        return False
    return True


def report_fallback(plan: ProviderPlan, active: str, model_name: str) -> None:
    """Log one line when the session does not run on the provider the request hoped for.

    An explicit request (``tensorrt``, ``cuda``) that lands elsewhere is a warning; ``auto``
    landing on the CPU is expected on a machine without a GPU, so it is only information.
    """
    if active == plan.preferred:
        return
    missing = [n for n in PROVIDER_ALIASES[plan.requested] if n != active and n in (TENSORRT, CUDA)]
    reasons = "; ".join(f"{n}: {plan.skipped.get(n, 'failed to load')}" for n in missing)
    level = logging.INFO if plan.requested == "auto" else logging.WARNING
    log.log(level, "%s runs on %s (asked for %s; %s)", model_name, active, plan.requested, reasons)


@dataclass(frozen=True)
class ThreadSettings:
    """onnxruntime thread settings sized to the cores this process may use.

    One session runs at a time per batcher, so intra-op threads get every usable core;
    spinning is off by default because a serving process idles between batches and the
    cores may be shared.
    """

    intra_op_threads: int = 0
    inter_op_threads: int = 1
    allow_spinning: bool = False

    @classmethod
    def for_this_machine(cls, allow_spinning: bool = False, max_threads: int | None = None) -> ThreadSettings:
        """Threads = cores in this process's CPU affinity mask (not the host's core count), at most
        ``max_threads`` when given."""
        threads = usable_cores() if max_threads is None else max(1, min(usable_cores(), max_threads))
        return cls(intra_op_threads=threads, inter_op_threads=1, allow_spinning=allow_spinning)


def usable_cores() -> int:
    """Cores this process may run on (respects taskset/cgroup affinity where the OS reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def session_options(threads: ThreadSettings | None = None, fold_quantized_weights: bool = True) -> Any:
    """``onnxruntime.SessionOptions`` with our thread settings and native logging kept quiet.

    ``fold_quantized_weights``: FP8 weights sit behind DequantizeLinear. Left as Q/DQ groups, the
    CPU and CUDA providers dequantize every weight on every call (the bundled LM's decode step took
    506 ms instead of 26 ms on the CPU); with onnxruntime's QDQ passes off, constant folding
    dequantizes them once at load — FP8 on disk, float32 speed in memory. TensorRT is the one
    provider that wants the Q/DQ nodes (they are how it builds FP8 kernels), so it gets them.
    """
    import onnxruntime as ort

    threads = threads or ThreadSettings.for_this_machine()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads.intra_op_threads
    options.inter_op_num_threads = threads.inter_op_threads
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 4
    options.add_session_config_entry("session.intra_op.allow_spinning", _flag(threads.allow_spinning))
    options.add_session_config_entry("session.disable_quant_qdq", _flag(fold_quantized_weights))
    return options


def profile_shapes_for(
    inputs: Sequence[tuple[str, Sequence[int | str | None]]],
    dim_ranges: Mapping[str, tuple[int, int, int]],
) -> dict[str, ShapeRange]:
    """A TensorRT profile for every dynamic input, from ranges of the symbolic dimensions.

    ``inputs`` are ``(name, shape)`` pairs as a session reports them (a symbolic dim is a string);
    ``dim_ranges`` maps each symbolic dim name to its (min, opt, max). Static inputs need no profile.

    >>> profile_shapes_for([("input_ids", ["batch", "seq"]), ("scale", [3])],
    ...                    {"batch": (1, 8, 32), "seq": (1, 64, 512)})["input_ids"].opt
    (8, 64)
    """
    profile: dict[str, ShapeRange] = {}
    for name, shape in inputs:
        if all(isinstance(d, int) for d in shape):
            continue
        lows, mids, highs = [], [], []
        for dim in shape:
            if isinstance(dim, int):
                lows.append(dim)
                mids.append(dim)
                highs.append(dim)
                continue
            if dim not in dim_ranges:
                raise KeyError(
                    f"input {name!r} has dynamic dim {dim!r} with no (min, opt, max) range; "
                    f"known: {', '.join(sorted(map(str, dim_ranges))) or 'none'}"
                )
            low, mid, high = dim_ranges[str(dim)]
            lows.append(low)
            mids.append(mid)
            highs.append(high)
        profile[name] = ShapeRange(tuple(lows), tuple(mids), tuple(highs))
    return profile


def _flag(value: bool) -> str:
    return "1" if value else "0"
