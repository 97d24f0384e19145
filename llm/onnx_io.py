"""Names of the decoder graph's inputs and outputs (the onnxruntime-genai convention), shared by the
exporter and the torch-free runtime.

Example::

    >>> from llm.onnx_io import cache_input_names
    >>> cache_input_names(1)
    ['past_key_values.0.key', 'past_key_values.0.value']
"""

from __future__ import annotations

TOKEN_INPUTS = ("input_ids", "attention_mask", "position_ids")


def cache_input_names(n_layers: int) -> list[str]:
    """``past_key_values.0.key, past_key_values.0.value, …`` in layer order."""
    return [f"past_key_values.{i}.{kind}" for i in range(n_layers) for kind in ("key", "value")]


def cache_output_names(n_layers: int) -> list[str]:
    """``present.0.key, present.0.value, …`` in layer order."""
    return [f"present.{i}.{kind}" for i in range(n_layers) for kind in ("key", "value")]
