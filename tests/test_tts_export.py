"""`indic tts export`: the float16-weight voice and the FP8 variant."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from typer.testing import CliRunner  # noqa: E402

from indic.cli import app  # noqa: E402
from tts.checkpoint import save_checkpoint  # noqa: E402
from tts.export import TINY_SIZES  # noqa: E402
from tts.frontend.inventory import load_inventory  # noqa: E402
from tts.model.config import VoiceConfig  # noqa: E402
from tts.model.voice_model import VoiceModel  # noqa: E402


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    inventory = load_inventory()
    model = VoiceModel(VoiceConfig(n_tokens=len(inventory.tokens), **TINY_SIZES))
    with torch.no_grad():
        model.acoustic.duration_predictor.head.bias.fill_(1.5)
    return save_checkpoint(model, inventory, tmp_path_factory.mktemp("ckpt"), {"training": {}})


def test_fp8_export_quantizes_matmul_weights_but_keeps_the_named_ones(
    checkpoint: Path, tmp_path: Path
) -> None:
    import onnxruntime

    from tts.checkpoint import load_checkpoint
    from tts.export import export_voice, matmul_weight_parameters

    model, inventory, card = load_checkpoint(checkpoint)
    export_voice(model, inventory, tmp_path / "raw", card, weights_float16=False)
    parameters = matmul_weight_parameters(onnx.load(str(tmp_path / "raw" / "model.onnx")), model)
    assert "vocoder.head.weight" in parameters and "acoustic.to_mel.weight" in parameters
    keep = "vocoder.head.weight"
    result = CliRunner().invoke(
        app, ["tts", "export", str(checkpoint), "--out", str(tmp_path / "fp8"), "--fp8", "--keep-float", keep]
    )
    assert result.exit_code == 0, result.output
    graph = onnx.load(str(tmp_path / "fp8" / "model.onnx"))
    fp8 = {t.name for t in graph.graph.initializer if t.data_type == onnx.TensorProto.FLOAT8E4M3FN}
    kept = parameters[keep]
    assert fp8 and not any(name.startswith(kept) for name in fp8)
    assert any(t.name == f"{kept}__fp16" for t in graph.graph.initializer)
    voice_card = json.loads((tmp_path / "fp8" / "voice.json").read_text(encoding="utf-8"))
    assert voice_card["weights"]["kept_float16"] == [keep]
    session = onnxruntime.InferenceSession(
        str(tmp_path / "fp8" / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    feeds = {
        "tokens": np.full((1, 6), 20, np.int64),
        "token_lengths": np.array([6]),
        "language": np.zeros(1, np.int64),
        "speaker": np.zeros(1, np.int64),
        "length_scale": np.ones(1, np.float32),
    }
    audio, lengths = session.run(None, feeds)
    assert lengths[0] > 0 and np.isfinite(audio).all()


def test_keep_float_must_name_a_matmul_weight(checkpoint: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["tts", "export", str(checkpoint), "--out", str(tmp_path), "--fp8", "--keep-float", "nope"]
    )
    assert result.exit_code == 1 and "names no MatMul weight" in result.output


def test_the_forced_duration_graph_speaks_the_given_frames_and_matches_the_runtime_graph(
    checkpoint: Path, tmp_path: Path
) -> None:
    import onnxruntime

    from tts.checkpoint import load_checkpoint
    from tts.export import FORCED_INPUT_NAMES, export_forced_duration_graph, export_voice

    model, inventory, card = load_checkpoint(checkpoint)
    with torch.no_grad():
        model.acoustic.duration_predictor.head.weight.zero_()
    forced = onnxruntime.InferenceSession(
        export_forced_duration_graph(model).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    assert [i.name for i in forced.get_inputs()] == FORCED_INPUT_NAMES
    tokens = np.array([[20, 31, 25, 40, 0]], np.int64)
    common = {"tokens": tokens, "token_lengths": np.array([4]), "language": np.zeros(1, np.int64)}
    common["speaker"] = np.zeros(1, np.int64)
    _, lengths = forced.run(None, {**common, "durations": np.array([[3, 0, 5, 2, 0]])})
    assert lengths.tolist() == [10 * model.config.hop_length]
    # Given the durations the runtime graph predicts (a zero duration head with bias 1.5:
    # round(e^1.5 - 1) = 3 frames per token), the forced graph speaks the same audio.
    export_voice(model, inventory, tmp_path, card, weights_float16=False)
    runtime = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    free, free_lengths = runtime.run(None, {**common, "length_scale": np.ones(1, np.float32)})
    frames = int(free_lengths[0]) // model.config.hop_length
    assert frames == 12
    same, _ = forced.run(None, {**common, "durations": np.array([[3, 3, 3, 3, 0]])})
    assert np.abs(same[0, : free_lengths[0]] - free[0, : free_lengths[0]]).max() < 1e-4
