"""The serving copy of a decoder graph: LM head on the last position, same numbers as the original."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from serving.engine import load_session
from serving.lm_engine import LMEngine
from serving.lm_graph import GraphRewriteError, last_position_model, rewrite_last_position
from serving.onnx_model import make_model
from serving.stack import serving_graph
from serving.synthetic_graphs import DecoderLMConfig, build_decoder_lm

LM_SHAPE = DecoderLMConfig(
    vocab_size=97, hidden=32, layers=2, kv_heads=2, head_dim=16, ffn=64, max_positions=64
)


@pytest.fixture(scope="module")
def decoder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("lm")
    original = build_decoder_lm(folder / "lm.onnx", LM_SHAPE)
    return original, last_position_model(original, folder / "cache")


def test_prefill_and_decode_match_the_original_graph(decoder: tuple[Path, Path]) -> None:
    original, rewritten = (LMEngine(load_session(path, "cpu")) for path in decoder)
    prompts = [[5, 17, 42, 9, 3, 88], [7], [60, 61]]
    batches = []
    for lm in (original, rewritten):
        batch = lm.new_batch()
        firsts = []
        for key, prompt in enumerate(prompts):
            logits, cache = lm.prefill(prompt)
            firsts.append(logits)
            batch.add(key, cache, next_token=int(logits.argmax()))
        steps = [batch.step() for _ in range(3)]
        batches.append((firsts, steps))
    (want_first, want_steps), (got_first, got_steps) = batches
    for want, got in zip(want_first, got_first, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    for want, got in zip(want_steps, got_steps, strict=True):
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=1e-6)


def test_logits_keep_their_rank_with_one_position(decoder: tuple[Path, Path]) -> None:
    model = onnx.load(str(decoder[1]))
    (logits,) = (out for out in model.graph.output if out.name == "logits")
    dims = logits.type.tensor_type.shape.dim
    assert len(dims) == 3 and dims[1].dim_value == 1


def test_the_rewritten_copy_is_reused_and_not_rewritten_twice(decoder: tuple[Path, Path]) -> None:
    original, rewritten = decoder
    stamp = rewritten.stat().st_mtime_ns
    assert last_position_model(original, rewritten.parent) == rewritten
    assert rewritten.stat().st_mtime_ns == stamp
    with pytest.raises(GraphRewriteError, match="already"):
        rewrite_last_position(onnx.load(str(rewritten)))


def _headless_graph(path: Path) -> Path:
    """A graph whose logits come from a Softmax: no MatMul head to slice."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 4])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq", 4])
    graph = helper.make_graph([helper.make_node("Softmax", ["x"], ["logits"], axis=-1)], "g", [x], [y])
    onnx.save(make_model(graph, opset=18), str(path))
    return path


def test_a_graph_without_a_head_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(GraphRewriteError, match="no MatMul/Gemm LM head"):
        rewrite_last_position(onnx.load(str(_headless_graph(tmp_path / "g.onnx"))))


def test_serving_falls_back_to_the_original_graph_with_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _headless_graph(tmp_path / "g.onnx")
    with caplog.at_level(logging.WARNING, logger="serving.stack"):
        assert serving_graph(path, cache_dir=tmp_path / "cache") == path
    assert len(caplog.records) == 1 and "every position" in caplog.records[0].getMessage()
