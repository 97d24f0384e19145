"""`indic quantize`: ONNX in, quantized ONNX out, a printed report, clear errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from typer.testing import CliRunner

from indic.cli import app
from serving.onnx_model import make_model


@pytest.fixture()
def model_path(tmp_path):
    weight = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 32])],
        [numpy_helper.from_array(weight, "w")],
    )
    path = tmp_path / "model.onnx"
    onnx.save(make_model(graph, opset=18), path)
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, ["quantize", *args])


@pytest.mark.parametrize("fmt", ["fp8-e4m3", "mxfp8", "nvfp4"])
def test_quantize_writes_a_valid_model_and_prints_a_report(model_path, tmp_path, fmt) -> None:
    out = tmp_path / "out.onnx"
    report = tmp_path / "report.json"
    result = invoke(str(model_path), "--format", fmt, "--out", str(out), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "SQNR" in result.output and "smaller" in result.output
    onnx.checker.check_model(onnx.load(out), full_check=True)
    rows = json.loads(report.read_text())["tensors"]
    assert rows[0]["name"] == "w" and rows[0]["bytes_before"] == 64 * 32 * 4
    assert ("GPU runtime" if fmt == "nvfp4" else "loads on onnxruntime CPU") in result.output
    if fmt != "nvfp4":
        session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        assert session.run(None, {"x": np.ones((1, 64), np.float32)})[0].shape == (1, 32)


def test_a_missing_model_is_a_clear_error(tmp_path) -> None:
    result = invoke(str(tmp_path / "absent.onnx"), "--out", str(tmp_path / "o.onnx"))
    assert result.exit_code == 1 and "model not found" in result.output


def test_a_file_that_is_not_onnx_is_a_clear_error(tmp_path) -> None:
    bogus = tmp_path / "bogus.onnx"
    bogus.write_text("not a protobuf")
    result = invoke(str(bogus), "--out", str(tmp_path / "o.onnx"))
    assert result.exit_code == 1 and "not a valid ONNX model" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_format_is_named_with_the_choices(model_path, tmp_path) -> None:
    result = invoke(str(model_path), "--format", "int3", "--out", str(tmp_path / "o.onnx"))
    assert result.exit_code == 1 and "unknown format 'int3'" in result.output and "nvfp4" in result.output


def test_a_model_with_nothing_to_quantize_is_a_clear_error(model_path, tmp_path) -> None:
    result = invoke(str(model_path), "--min-elements", "100000", "--out", str(tmp_path / "o.onnx"))
    assert result.exit_code == 1 and "no float32 MatMul/Gemm weight" in result.output
