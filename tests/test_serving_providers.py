"""Provider planning and fallback: TensorRT → CUDA → CPU, probed quietly, reported in one line."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from serving.engine import ModelLoadError, load_session
from serving.onnx_model import make_model
from serving.providers import (
    CPU,
    CUDA,
    TENSORRT,
    CUDAOptions,
    ShapeRange,
    TensorRTOptions,
    ThreadSettings,
    UnknownProviderError,
    plan_providers,
    profile_shapes_for,
    session_options,
    usable_cores,
)
from serving.synthetic_graphs import TTSVoiceConfig, build_tts_voice


@pytest.fixture(scope="module")
def voice_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = TTSVoiceConfig(hidden=32, layers=1, frame_hidden=32, hop=64)
    return build_tts_voice(tmp_path_factory.mktemp("voice") / "voice.onnx", config)


@pytest.mark.parametrize("request_name", ["tensorrt", "cuda"])
def test_asking_for_a_gpu_provider_without_one_runs_on_cpu_with_one_clear_log_line(
    voice_path: Path, request_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        session = load_session(voice_path, providers=request_name)
    assert session.active_provider == CPU
    records = [r for r in caplog.records if r.name.startswith("serving")]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert "voice.onnx runs on CPUExecutionProvider" in message and "not in this onnxruntime build" in message
    assert "Traceback" not in caplog.text and records[0].exc_info is None


def test_auto_on_a_cpu_machine_reports_the_cpu_as_information_not_a_warning(
    voice_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        load_session(voice_path, providers="auto")
    records = [r for r in caplog.records if r.name.startswith("serving")]
    assert [r.levelno for r in records] == [logging.INFO]


def test_asking_for_the_cpu_logs_nothing(voice_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert load_session(voice_path, providers="cpu").active_provider == CPU
    assert not [r for r in caplog.records if r.name.startswith("serving")]


def test_plan_keeps_the_order_tensorrt_cuda_cpu_when_all_are_built_in() -> None:
    plan = plan_providers("auto", available=[TENSORRT, CUDA, CPU])
    assert plan.names == (TENSORRT, CUDA, CPU)
    assert plan.skipped == {}


def test_plan_for_cuda_never_tries_tensorrt() -> None:
    assert plan_providers("cuda", available=[TENSORRT, CUDA, CPU]).names == (CUDA, CPU)


def test_tensorrt_listed_by_the_build_but_without_its_libraries_is_skipped_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import onnxruntime as ort

    from serving import providers

    monkeypatch.setattr(ort, "get_available_providers", lambda: [TENSORRT, CUDA, CPU])
    monkeypatch.setattr(providers, "tensorrt_libraries_found", lambda: False)
    plan = plan_providers("tensorrt")
    assert plan.names == (CUDA, CPU)
    assert plan.skipped == {TENSORRT: "TensorRT libraries (libnvinfer) not found"}


def test_unknown_provider_request_is_refused_by_name() -> None:
    with pytest.raises(UnknownProviderError, match="'gpu' is not one of auto"):
        plan_providers("gpu", available=[CPU])


def test_tensorrt_options_carry_caches_workspace_and_profiles_as_strings(tmp_path: Path) -> None:
    options = TensorRTOptions(
        device_id=1,
        engine_cache_path=tmp_path / "engines",
        timing_cache_path=tmp_path / "timing",
        max_workspace_size=2 << 30,
        profile={
            "input_ids": ShapeRange((1, 1), (8, 64), (32, 512)),
            "attention_mask": ShapeRange((1, 1), (8, 128), (32, 1024)),
        },
    ).to_provider_options()
    assert options["device_id"] == "1"
    assert options["trt_engine_cache_enable"] == "1"
    assert options["trt_engine_cache_path"] == str(tmp_path / "engines")
    assert options["trt_timing_cache_enable"] == "1"
    assert options["trt_timing_cache_path"] == str(tmp_path / "timing")
    assert options["trt_max_workspace_size"] == str(2 << 30)
    assert options["trt_profile_min_shapes"] == "attention_mask:1x1,input_ids:1x1"
    assert options["trt_profile_opt_shapes"] == "attention_mask:8x128,input_ids:8x64"
    assert options["trt_profile_max_shapes"] == "attention_mask:32x1024,input_ids:32x512"
    assert all(isinstance(v, str) for v in options.values())


def test_tensorrt_options_without_caches_disable_them() -> None:
    options = TensorRTOptions().to_provider_options()
    assert options["trt_engine_cache_enable"] == "0" and "trt_engine_cache_path" not in options
    assert "trt_profile_min_shapes" not in options


def test_profile_covers_every_dynamic_input_of_a_real_graph(voice_path: Path) -> None:
    session = load_session(voice_path, providers="cpu")
    inputs = [(spec.name, spec.shape) for spec in session.inputs.values()]
    profile = profile_shapes_for(inputs, {"batch": (1, 8, 32), "phonemes": (1, 64, 512)})
    assert set(profile) == {"phoneme_ids", "phoneme_lengths", "speaker_ids", "language_ids"}
    assert profile["phoneme_ids"] == ShapeRange((1, 1), (8, 64), (32, 512))
    assert profile["speaker_ids"].max == (32,)


def test_profile_refuses_a_dynamic_dim_without_a_range() -> None:
    with pytest.raises(KeyError, match="'seq'"):
        profile_shapes_for([("input_ids", ["batch", "seq"])], {"batch": (1, 1, 1)})


def test_shape_range_refuses_min_above_max() -> None:
    with pytest.raises(ValueError, match="min <= opt <= max"):
        ShapeRange((4,), (2,), (8,))


def test_cuda_options_name_device_and_arena() -> None:
    options = CUDAOptions(device_id=2, gpu_mem_limit=1 << 30).to_provider_options()
    assert options == {
        "device_id": "2",
        "arena_extend_strategy": "kSameAsRequested",
        "cudnn_conv_algo_search": "HEURISTIC",
        "do_copy_in_default_stream": "1",
        "gpu_mem_limit": str(1 << 30),
    }
    with pytest.raises(ValueError, match="arena_extend_strategy"):
        CUDAOptions(arena_extend_strategy="grow").to_provider_options()


def test_threads_are_sized_to_the_cores_this_process_may_use() -> None:
    settings = ThreadSettings.for_this_machine()
    assert settings.intra_op_threads == usable_cores() >= 1
    assert settings.inter_op_threads == 1 and not settings.allow_spinning


def test_a_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        load_session(tmp_path / "absent.onnx")


def test_a_corrupt_model_file_is_a_clear_error_without_native_noise(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelLoadError, match="cannot load bad.onnx"):
        load_session(bad, providers="cpu")


def fp8_matmul_graph(path: Path) -> Path:
    """y = x @ DequantizeLinear(w_fp8, scale): an FP8 weight the way serving.quant exports one."""
    import ml_dtypes
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = np.linspace(-2, 2, 16, dtype=np.float32).reshape(4, 4)
    stored = helper.make_tensor(
        "w", TensorProto.FLOAT8E4M3FN, [4, 4], weight.astype(ml_dtypes.float8_e4m3fn).tobytes(), raw=True
    )
    graph = helper.make_graph(
        [
            helper.make_node("DequantizeLinear", ["w", "scale"], ["w_float"]),
            helper.make_node("MatMul", ["x", "w_float"], ["y"]),
        ],
        "fp8",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        [stored, numpy_helper.from_array(np.float32(1.0), "scale")],
    )
    onnx.save(make_model(graph, opset=21), path)
    return path


@pytest.mark.parametrize(("fold", "dequantize_nodes_left"), [(True, 0), (False, 1)])
def test_fp8_weights_are_dequantized_once_at_load_unless_tensorrt_wants_the_qdq_nodes(
    tmp_path: Path, fold: bool, dequantize_nodes_left: int
) -> None:
    import onnx
    import onnxruntime as ort

    options = session_options(ThreadSettings(intra_op_threads=1), fold_quantized_weights=fold)
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    session = ort.InferenceSession(str(fp8_matmul_graph(tmp_path / "fp8.onnx")), options, providers=[CPU])
    [y] = session.run(None, {"x": np.eye(4, dtype=np.float32)})
    np.testing.assert_allclose(y, np.linspace(-2, 2, 16, dtype=np.float32).reshape(4, 4), atol=0.07)
    optimized = onnx.load(str(tmp_path / "optimized.onnx"))
    assert [n.op_type for n in optimized.graph.node].count("DequantizeLinear") == dequantize_nodes_left


def test_load_session_folds_fp8_weights_on_the_cpu(tmp_path: Path) -> None:
    session = load_session(fp8_matmul_graph(tmp_path / "fp8.onnx"), providers="cpu")
    assert session.session.get_session_options().get_session_config_entry("session.disable_quant_qdq") == "1"


def test_a_thread_cap_bounds_intra_op_threads_but_never_below_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import serving.providers as providers

    monkeypatch.setattr(providers, "usable_cores", lambda: 16)
    assert ThreadSettings.for_this_machine(max_threads=8).intra_op_threads == 8
    assert ThreadSettings.for_this_machine(max_threads=0).intra_op_threads == 1
    monkeypatch.setattr(providers, "usable_cores", lambda: 2)
    assert ThreadSettings.for_this_machine(max_threads=8).intra_op_threads == 2


def test_the_served_lm_session_runs_on_at_most_lm_max_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import serving.providers as providers
    from serving.stack import LM_MAX_THREADS, ServeConfig, build_stack

    monkeypatch.setattr(providers, "usable_cores", lambda: LM_MAX_THREADS + 8)
    stack = build_stack(ServeConfig(lm="synthetic", tts=None))
    try:
        options = stack.text.engine.engine.session.get_session_options()
        assert options.intra_op_num_threads == LM_MAX_THREADS
    finally:
        stack.close()
