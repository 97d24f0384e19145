"""Importing an exported voice back into a torch checkpoint: the exported weights exactly, the same audio."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from tts.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from tts.export import TINY_SIZES, TOLERANCE, example_inputs, export_voice, verify  # noqa: E402
from tts.frontend.inventory import load_inventory  # noqa: E402
from tts.model.config import VoiceConfig  # noqa: E402
from tts.model.voice_model import VoiceModel  # noqa: E402
from tts.onnx_import import (  # noqa: E402
    OnnxImportError,
    import_voice,
    main,
    model_from_onnx,
    onnx_state_dict,
    sentence_inputs,
)
from tts.vocoder_tuning import grow_vocoder  # noqa: E402

QUIET = {"log": lambda _: None}


def _tiny_model() -> VoiceModel:
    """A random tiny voice whose vocoder was grown by one block (zero layer scale, as tuning grows it)."""
    torch.manual_seed(0)
    model = VoiceModel(VoiceConfig(n_tokens=len(load_inventory().tokens), **TINY_SIZES))
    with torch.no_grad():
        model.acoustic.duration_predictor.head.bias.fill_(1.5)
    return grow_vocoder(model, 1)


@pytest.fixture(scope="module")
def direct_voice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The tiny voice exported straight from memory (small weights stay float32); its state dict."""
    model, folder = _tiny_model(), tmp_path_factory.mktemp("direct")
    export_voice(model, load_inventory(), folder)
    return folder, {k: v.clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The tiny voice exported as ``indic tts export CHECKPOINT`` does (float16 weights throughout);
    the state dict of the model that was exported."""
    checkpoint = save_checkpoint(
        _tiny_model(), load_inventory(), tmp_path_factory.mktemp("ckpt"), {"training": {"steps_done": 7}}
    )
    model, inventory, card = load_checkpoint(checkpoint)
    folder = tmp_path_factory.mktemp("voice")
    export_voice(model, inventory, folder, card)
    return folder, {k: v.clone() for k, v in model.state_dict().items()}


def test_import_reads_the_exported_weights_exactly_even_where_the_exporter_merged_or_renamed_them(
    direct_voice: tuple[Path, dict],
) -> None:
    folder, original = direct_voice
    names = {t.name.removesuffix("__fp16") for t in onnx.load(str(folder / "model.onnx")).graph.initializer}
    # Fresh LayerNorms (all ones) and the grown block's zero scale share one initializer; Linear
    # weights are renamed onnx::MatMul_N: the import must not rely on names.
    assert "vocoder.blocks.1.norm.weight" not in names and "vocoder.head.weight" not in names
    model, _, _ = model_from_onnx(folder)
    for key, value in original.items():
        stored = value.half().float() if value.numel() >= 1024 else value  # what export_voice wrote
        assert torch.equal(model.state_dict()[key], stored), key


def test_the_imported_checkpoint_holds_the_exported_weights_and_speaks_as_the_onnx_graph_does(
    tiny_voice: tuple[Path, dict], tmp_path: Path
) -> None:
    folder, original = tiny_voice
    out = import_voice(folder, tmp_path / "checkpoint", **QUIET)
    model, inventory, card = load_checkpoint(out)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in original.items())
    assert model.config.vocoder_layers == 2 and inventory == load_inventory()
    assert card["training"] == {"steps_done": 7}
    assert card["imported_from"]["max_abs_diff_vs_onnx"] < 1e-4
    slow_and_fast = (*example_inputs()[:4], torch.tensor([1.3, 0.7]))
    assert verify(model, folder / "model.onnx", slow_and_fast, weights_float16=False) < 1e-4


def test_a_card_that_counts_fewer_vocoder_blocks_than_the_graph_is_refused_by_name(
    tiny_voice: tuple[Path, dict], tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(tiny_voice[0], tmp_path / "voice"))
    card = json.loads((folder / "voice.json").read_text(encoding="utf-8"))
    card["config"]["vocoder_layers"] = 1
    (folder / "voice.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(OnnxImportError, match=r"module vocoder\.blocks\.1, which the card"):
        import_voice(folder, tmp_path / "checkpoint", **QUIET)
    assert not (tmp_path / "checkpoint").exists()


def test_a_parameter_the_graph_lacks_is_named(tiny_voice: tuple[Path, dict]) -> None:
    graph = onnx.load(str(tiny_voice[0] / "model.onnx"))
    kept = [t for t in graph.graph.initializer if t.name != "acoustic.to_mel.bias"]
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(kept)
    model, _, _ = model_from_onnx(tiny_voice[0])
    with pytest.raises(OnnxImportError, match=r"acoustic\.to_mel\.bias: missing"):
        onnx_state_dict(graph, model)


def test_the_command_line_help_gives_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0 and "example: python -m tts.onnx_import" in capsys.readouterr().out


def test_the_bundled_voice_imports_completely_and_a_sentence_sounds_the_same(tmp_path: Path) -> None:
    from indic.artifacts import ArtifactNotFoundError, find_artifact
    from tts.voice import Voice

    try:
        bundled = find_artifact("indic-voice-multi").path
    except ArtifactNotFoundError:
        pytest.skip("no bundled voice in this checkout")
    out = import_voice(bundled, tmp_path / "checkpoint", **QUIET)
    model, inventory, card = load_checkpoint(out)  # strict: every parameter is there
    voice_card = json.loads((bundled / "voice.json").read_text(encoding="utf-8"))
    assert model.parameter_count() == voice_card["parameters"]
    assert model.config.vocoder_layers == 8 and card["vocoder_tuning"] == voice_card["vocoder_tuning"]
    tokens, lengths, language, speaker, pace = sentence_inputs(inventory, [("नमस्ते दुनिया।", "hi")])
    expected = Voice(bundled, threads=2).synthesize_ids([tokens[0].tolist()], "hi")[0]
    with torch.no_grad():
        audio, audio_lengths = model(tokens, lengths, language, speaker, pace)
    assert int(audio_lengths[0]) == len(expected) > 0
    # Same weights; only float32 summation order differs (about 1e-4 at most on real sentences).
    assert np.abs(audio[0].numpy() - expected).max() < TOLERANCE
