"""Build in-memory ONNX models that every onnxruntime the project runs on will load.

Why: ``onnx.helper.make_model`` stamps a model with the *installed onnx's* newest IR version (14 with
onnx 1.23), not the one its opset needs. onnxruntime refuses IR versions newer than it knows:
onnxruntime-gpu 1.31 on the GPU machine failed with "Unsupported model IR version: 14, max supported
IR version: 13" on a one-node MatMul graph that the CPU machine's newer onnxruntime had run without
complaint. So every graph this package builds goes through :func:`make_model`, which stamps the
*oldest* IR version that can carry the opset (what ``onnx.helper.find_min_ir_version_for`` says) and
refuses an opset newer than :data:`MAX_IR_VERSION` allows.

Example::

    >>> from onnx import TensorProto, helper
    >>> graph = helper.make_graph(
    ...     [helper.make_node("Identity", ["x"], ["y"])], "identity",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    >>> make_model(graph, opset=18).ir_version
    8
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onnx import GraphProto, ModelProto

MAX_IR_VERSION = 13
"""The newest IR version the oldest onnxruntime the project serves with (onnxruntime-gpu 1.31) loads."""


class UnsupportedOpsetError(ValueError):
    """The opset needs an IR version newer than :data:`MAX_IR_VERSION`."""


def ir_version_for(opset: int) -> int:
    """The oldest IR version that can carry the default-domain ``opset`` (opset 17 → 8, 21 → 10)."""
    from onnx import helper

    ir_version = helper.find_min_ir_version_for([helper.make_opsetid("", opset)])
    if ir_version > MAX_IR_VERSION:
        raise UnsupportedOpsetError(
            f"opset {opset} needs ONNX IR version {ir_version}, but onnxruntime 1.31 loads at most "
            f"IR version {MAX_IR_VERSION}: use an older opset"
        )
    return ir_version


def make_model(graph: GraphProto, opset: int) -> ModelProto:
    """``graph`` as a model of the default-domain ``opset``, at the oldest IR version that carries it."""
    from onnx import helper

    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version_for(opset)
    )
