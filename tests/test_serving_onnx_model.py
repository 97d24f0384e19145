"""Graphs built in memory carry an IR version every onnxruntime the project serves with accepts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import GraphProto, TensorProto, helper

from serving.graph_profile import gemm_reference
from serving.kv_cache import _join_graph, _select_graph
from serving.onnx_model import MAX_IR_VERSION, UnsupportedOpsetError, ir_version_for, make_model
from serving.synthetic_graphs import OPSET, DecoderLMConfig, TTSVoiceConfig, build_decoder_lm, build_tts_voice

OPSETS_BUILT_HERE = (OPSET, 17, 18, 21)  # synthetic graphs, GEMM reference, KV-cache editor, FP8 tests


def _identity_graph() -> GraphProto:
    return helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )


def _newest_ir_version_accepted() -> int:
    """Probe the installed onnxruntime: the newest IR version, up to the installed onnx's, it opens."""
    for ir_version in range(onnx.IR_VERSION, 3, -1):
        model = helper.make_model(
            _identity_graph(), opset_imports=[helper.make_opsetid("", 17)], ir_version=ir_version
        )
        try:
            ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        except Exception:  # onnxruntime's own Fail type, which it does not export by a stable name
            continue
        return ir_version
    raise AssertionError(f"onnxruntime {ort.__version__} opened no IR version from 4 to {onnx.IR_VERSION}")


def test_make_model_stamps_the_oldest_ir_version_the_opset_needs_not_the_installed_onnxs_newest() -> None:
    assert ir_version_for(17) == 8
    assert ir_version_for(18) == 8
    assert ir_version_for(21) == 10
    assert make_model(helper.make_graph([], "empty", [], []), 21).ir_version == 10


@pytest.mark.parametrize("opset", OPSETS_BUILT_HERE)
def test_ir_version_of_every_graph_built_here_is_within_what_onnxruntime_1_31_and_the_installed_one_load(
    opset: int,
) -> None:
    assert ir_version_for(opset) <= MAX_IR_VERSION
    assert ir_version_for(opset) <= _newest_ir_version_accepted()
    model = make_model(_identity_graph(), opset).SerializeToString()
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    x = np.array([1.0, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(session.run(None, {"x": x})[0], x)


def test_an_opset_that_needs_a_newer_ir_version_than_onnxruntime_1_31_loads_is_refused() -> None:
    with pytest.raises(UnsupportedOpsetError, match="opset 28 needs ONNX IR version 14"):
        ir_version_for(28)


def test_synthetic_graphs_and_kv_cache_graphs_are_stamped_by_make_model(tmp_path: Path) -> None:
    lm = build_decoder_lm(tmp_path / "lm.onnx", DecoderLMConfig(hidden=32, layers=1, head_dim=8, ffn=64))
    voice = build_tts_voice(tmp_path / "voice.onnx", TTSVoiceConfig(hidden=32, layers=1, frame_hidden=32))
    for path in (lm, voice):
        assert onnx.load(path).ir_version == ir_version_for(OPSET)
    for graph in (_join_graph(2, TensorProto.FLOAT), _select_graph(2, TensorProto.FLOAT)):
        assert onnx.load_from_string(graph).ir_version == ir_version_for(18)


def test_gemm_reference_builds_a_graph_onnxruntime_loads() -> None:
    assert gemm_reference(size=32, repeats=1) > 0
