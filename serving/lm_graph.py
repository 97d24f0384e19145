"""A serving copy of a decoder graph whose LM head runs on the last position only.

Why: an exported decoder computes ``logits`` for every input position — what training and
perplexity need — but serving samples from the last position alone. For a prompt's prefill that
wastes the largest matrix of a small LM: the bundled 27M-parameter model's head (320 × 64,000) is
three times the arithmetic of all its layers together, so a 10-token prompt spent nine tenths of
its head on logits nobody reads, and each stream's prefill stalled every stream's decode step
behind it. Slicing the head's input to the last position (``Slice(hidden, -1:)`` before the head's
``MatMul``) makes the head's cost independent of the prompt's length; decode steps, whose input is
one position already, are unchanged. The ``logits`` output keeps its rank (``[batch, 1, vocab]``),
so ``logits[:, -1]`` reads the same value as before, computed by the same kernels on the same row.

The rewritten graph is written once per source model (keyed by its sha256) into the user's cache
folder — an artifact's own folder may be read-only — and reused by later loads.

Example::

    >>> path = last_position_model(Path("lm/model.onnx"))                    # doctest: +SKIP
    >>> session = load_session(path)                                         # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

LOGITS = "logits"
_SLICED = "serving_last_position_hidden"
_PASS_THROUGH = {"Add", "Cast", "Mul", "Div", "Identity"}  # ops between the head's MatMul and logits


class GraphRewriteError(ValueError):
    """Raised when a decoder graph has no LM head this rewrite understands."""


def serving_cache_dir() -> Path:
    """The project cache's ``serving`` folder (:func:`indic.cache_dir.project_cache_dir`)."""
    from indic.cache_dir import project_cache_dir

    return project_cache_dir("serving")


def rewrite_last_position(model: object) -> object:
    """Return ``model`` (an ``onnx.ModelProto``, changed in place) with its head on the last position.

    The head is the ``MatMul`` found by walking back from ``logits`` through
    elementwise ops (bias ``Add``, ``Cast``, scaling); its activation input is sliced along the
    sequence axis. Raises :class:`GraphRewriteError` when there is no such node or when the graph
    was rewritten already.
    """
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph  # type: ignore[attr-defined]
    if any(node.output and node.output[0] == _SLICED for node in graph.node):
        raise GraphRewriteError("the graph's LM head already runs on the last position only")
    producers = {out: node for node in graph.node for out in node.output}
    weights = {init.name for init in graph.initializer}
    name, head = LOGITS, None
    while name in producers:
        node = producers[name]
        if node.op_type == "MatMul":  # a Gemm head is 2-D: its axis 1 is features, not positions
            head = node
            break
        if node.op_type not in _PASS_THROUGH:
            break
        # follow the activation, not a constant bias or scale
        activations = [i for i in node.input if i not in weights and i in producers]
        if len(activations) != 1:
            break
        name = activations[0]
    if head is None:
        raise GraphRewriteError(f"no MatMul/Gemm LM head found on the path to {LOGITS!r}")
    if not any(out.name == LOGITS and len(out.type.tensor_type.shape.dim) == 3 for out in graph.output):
        raise GraphRewriteError(f"{LOGITS!r} is not a [batch, seq, vocab] output")
    hidden = head.input[0]
    starts, ends, axes = (f"{_SLICED}.{part}" for part in ("starts", "ends", "axes"))
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array([-1], dtype=np.int64), starts),
            numpy_helper.from_array(np.array([np.iinfo(np.int64).max], dtype=np.int64), ends),
            numpy_helper.from_array(np.array([1], dtype=np.int64), axes),
        ]
    )
    slice_node = helper.make_node("Slice", [hidden, starts, ends, axes], [_SLICED], name=_SLICED)
    head.input[0] = _SLICED
    position = list(graph.node).index(head)
    graph.node.insert(position, slice_node)
    for output in graph.output:
        if output.name == LOGITS and len(output.type.tensor_type.shape.dim) == 3:
            seq = output.type.tensor_type.shape.dim[1]
            seq.Clear()
            seq.dim_value = 1
    return model


def last_position_model(model_path: Path, cache_dir: Path | None = None) -> Path:
    """Path of the rewritten copy of ``model_path``, written on first use (atomically)."""
    import onnx

    from indic.artifacts import sha256_file
    from indic.atomic import atomic_write_bytes

    source = Path(model_path)
    digest = sha256_file(source)[:24]
    name = f"{source.parent.name}-{source.stem}-last-position-{digest}.onnx"
    target = (cache_dir or serving_cache_dir()) / name
    if not target.is_file():
        model = onnx.load(str(source))
        rewrite_last_position(model)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, model.SerializeToString())
    return target
