"""Make onnxruntime-gpu's CUDA provider loadable: preload cuDNN and cuBLAS once per process.

Why: onnxruntime-gpu wheels do not bundle the CUDA libraries. ``onnxruntime.preload_dlls()`` loads
them from the machine's ``nvidia-*`` Python packages; without it a CUDA session fails to load and
onnxruntime silently falls back to the CPU. Every place that may open a CUDA session (the voice, the
LM runtime, the serving engines) calls :func:`preload_cuda_libraries` first; a CPU-only build has no
``preload_dlls`` and nothing to load.

Example::

    >>> preload_cuda_libraries()  # a no-op on a CPU-only onnxruntime
"""

from __future__ import annotations

_loaded = False


def preload_cuda_libraries() -> None:
    """Call ``onnxruntime.preload_dlls()`` the first time only, where the installed build has it."""
    global _loaded
    if _loaded:
        return
    import onnxruntime

    preload = getattr(onnxruntime, "preload_dlls", None)
    if preload is not None:
        preload()
    _loaded = True
