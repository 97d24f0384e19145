"""The ONNX rewrite: FP8/MX/NVFP4 weights behind DequantizeLinear, bit-exact with torch."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from serving.onnx_model import make_model
from serving.quant.onnx_fp8 import (
    SHIPPED_GRAPH_OPTIMIZATION_LEVEL,
    OnnxRewriteError,
    quantize_onnx_model,
)
from serving.quant.spec import QuantSpec, fake_quantize

K, N = 96, 48  # 96 = three blocks of 32 or six of 16
CPU_SPECS = [
    QuantSpec("fp8-e4m3", "tensor"),
    QuantSpec("fp8-e4m3", "channel"),
    QuantSpec("fp8-e5m2", "channel"),
    QuantSpec("mxfp8", scale_rule="ceil"),
    QuantSpec("mxfp8", scale_rule="floor"),
]
FP4_SPECS = [QuantSpec("mxfp4"), QuantSpec("nvfp4"), QuantSpec("nvfp4", scale_rule="ceil")]
LEVELS = ["ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"]


def weight_matrix(rows: int, cols: int) -> np.ndarray:
    generator = np.random.default_rng(5)
    w = generator.standard_t(4, size=(rows, cols)).astype(np.float32) * 0.05
    w[3, 7] = 2.5  # an outlier
    return w


def single_product_model(op: str) -> tuple[onnx.ModelProto, np.ndarray]:
    """``y = x @ W`` as a MatMul (W is [K, N]) or a Gemm with transB=1 (W is [N, K])."""
    if op == "MatMul":
        w = weight_matrix(K, N)
        node = helper.make_node("MatMul", ["x", "w"], ["y"])
    else:
        w = weight_matrix(N, K)
        node = helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)
    graph = helper.make_graph(
        [node],
        "product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", N])],
        [numpy_helper.from_array(w, "w")],
    )
    model = make_model(graph, opset=18)
    return model, w


def torch_dequantized(w: np.ndarray, spec: QuantSpec, op: str) -> np.ndarray:
    """The torch fake-quantized weight, laid out as y = x @ W expects ([K, N])."""
    channel_axis, reduction_axis = (1, 0) if op == "MatMul" else (0, 1)
    rebuilt = fake_quantize(torch.from_numpy(w), spec, channel_axis, reduction_axis).numpy()
    return rebuilt if op == "MatMul" else rebuilt.T


def run_cpu(model: onnx.ModelProto, x: np.ndarray, level: str) -> np.ndarray:
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.mark.parametrize("op", ["MatMul", "Gemm"])
@pytest.mark.parametrize("spec", CPU_SPECS, ids=lambda s: s.label)
@pytest.mark.parametrize("level", LEVELS)
def test_fp8_graphs_run_on_cpu_and_dequantize_bit_for_bit_like_torch(op, spec, level) -> None:
    model, w = single_product_model(op)
    quantized, _ = quantize_onnx_model(model, spec)
    # x = identity makes y the dequantized weight itself: every product is w * 1 plus exact zeros.
    y = run_cpu(quantized, np.eye(K, dtype=np.float32), level)
    np.testing.assert_array_equal(y, torch_dequantized(w, spec, op))


def test_the_shipped_optimization_level_is_one_that_was_tested() -> None:
    assert SHIPPED_GRAPH_OPTIMIZATION_LEVEL in LEVELS


@pytest.mark.parametrize("op", ["MatMul", "Gemm"])
@pytest.mark.parametrize("spec", FP4_SPECS, ids=lambda s: s.label)
def test_fp4_graphs_are_valid_onnx_and_dequantize_like_torch_in_the_reference_runtime(op, spec) -> None:
    model, w = single_product_model(op)
    quantized, _ = quantize_onnx_model(model, spec)
    onnx.checker.check_model(quantized, full_check=True)
    assert quantized.opset_import[0].version == 23
    types = {init.data_type for init in quantized.graph.initializer}
    assert TensorProto.FLOAT4E2M1 in types
    y = ReferenceEvaluator(quantized).run(None, {"x": np.eye(K, dtype=np.float32)})[0]
    np.testing.assert_array_equal(y, torch_dequantized(w, spec, op))


def test_weights_are_stored_in_fp8_and_the_float32_copy_is_gone() -> None:
    model, _ = single_product_model("MatMul")
    quantized, report = quantize_onnx_model(model, QuantSpec("mxfp8"))
    by_name = {init.name: init for init in quantized.graph.initializer}
    assert "w" not in by_name and by_name["w_quantized"].data_type == TensorProto.FLOAT8E4M3FN
    assert numpy_helper.to_array(by_name["w_scale"]).shape == (K // 32, N)
    assert [n.op_type for n in quantized.graph.node] == ["DequantizeLinear", "MatMul"]
    assert report[0].bytes_before == K * N * 4 and report[0].bytes_after == K * N + K * N // 32
    assert 30 < report[0].sqnr_db < 40
    assert len(quantized.SerializeToString()) < len(model.SerializeToString()) / 3


def test_a_weight_shared_with_a_gather_keeps_its_float32_copy_for_the_gather() -> None:
    w = weight_matrix(K, N)
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["w", "ids"], ["rows"]),
            helper.make_node("MatMul", ["x", "w"], ["z"]),
        ],
        "tied",
        [
            helper.make_tensor_value_info("ids", TensorProto.INT64, [2]),
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, K]),
        ],
        [
            helper.make_tensor_value_info("rows", TensorProto.FLOAT, [2, N]),
            helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, N]),
        ],
        [numpy_helper.from_array(w, "w")],
    )
    model = make_model(graph, opset=18)
    quantized, _ = quantize_onnx_model(model, QuantSpec("fp8-e4m3"))
    names = {init.name for init in quantized.graph.initializer}
    assert {"w", "w_dequantized_quantized"} <= names
    gather = next(n for n in quantized.graph.node if n.op_type == "Gather")
    assert gather.input[0] == "w"
    session = ort.InferenceSession(quantized.SerializeToString(), providers=["CPUExecutionProvider"])
    rows, _ = session.run(None, {"ids": np.array([0, 5]), "x": np.ones((1, K), np.float32)})
    np.testing.assert_array_equal(rows, w[[0, 5]])


def test_a_model_without_weights_to_quantize_is_refused() -> None:
    model, _ = single_product_model("MatMul")
    with pytest.raises(OnnxRewriteError, match="no float32 MatMul/Gemm weight"):
        quantize_onnx_model(model, QuantSpec("fp8-e4m3"), min_elements=10**9)


def test_an_exported_torch_mlp_matches_its_fake_quantized_torch_twin(tmp_path) -> None:
    from serving.quant.ptq import quantize_linear_weights

    torch.manual_seed(3)
    mlp = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, 32)).eval()
    x = torch.randn(4, 64)
    path = tmp_path / "mlp.onnx"
    torch.onnx.export(mlp, (x,), path, input_names=["x"], output_names=["y"], dynamo=True)
    quantized, report = quantize_onnx_model(onnx.load(path), QuantSpec("fp8-e4m3"))
    assert len(report) == 2
    quantize_linear_weights(mlp, QuantSpec("fp8-e4m3"))
    with torch.no_grad():
        expected = mlp(x).numpy()
    session = ort.InferenceSession(quantized.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"x": x.numpy()})[0], expected, rtol=1e-5, atol=1e-5)
