"""The torch voice: iSTFT as a transposed convolution, batching invariance, size, export, training loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tts.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from tts.export import TINY_SIZES, export_voice  # noqa: E402
from tts.frontend.inventory import load_inventory  # noqa: E402
from tts.model.acoustic import AcousticModel  # noqa: E402
from tts.model.config import VoiceConfig  # noqa: E402
from tts.model.istft import ConvTransposeISTFT  # noqa: E402
from tts.model.length_regulator import regulate_length  # noqa: E402
from tts.model.voice_model import VoiceModel  # noqa: E402


def test_transposed_convolution_istft_equals_torch_istft() -> None:
    audio = torch.randn(2, 8192)
    window = torch.hann_window(1024)
    spectrum = torch.stft(audio, 1024, 256, window=window, center=True, return_complex=True)[..., :32]
    ours = ConvTransposeISTFT(1024, 256)(spectrum.real, spectrum.imag)
    reference = torch.istft(spectrum, 1024, 256, window=window, center=True)
    inner = slice(1024, ours.shape[1] - 1024)
    assert torch.allclose(ours[:, inner], reference[:, inner], atol=1e-5)
    assert torch.allclose(ours[:, inner], audio[:, inner], atol=1e-5)


def test_length_regulator_repeats_states_and_pads_short_items() -> None:
    states = torch.arange(6, dtype=torch.float32).view(2, 3, 1)
    frames, lengths = regulate_length(states, torch.tensor([[1, 2, 0], [0, 1, 1]]))
    assert lengths.tolist() == [3, 2]
    assert frames[0, :, 0].tolist() == [0.0, 1.0, 1.0]
    assert frames[1, :, 0].tolist() == [4.0, 5.0, 0.0]


def test_padding_in_a_batch_does_not_change_an_item() -> None:
    torch.manual_seed(0)
    model = AcousticModel(
        VoiceConfig(n_tokens=20, **{k: v for k, v in TINY_SIZES.items() if "vocoder" not in k})
    ).eval()
    tokens = torch.tensor([[1, 5, 6, 7, 2], [1, 8, 2, 0, 0]])
    mask = tokens != 0
    durations = torch.tensor([[1, 2, 3, 2, 1], [2, 2, 1, 0, 0]])
    zeros = torch.zeros(2, 5)
    with torch.no_grad():
        batch = model(tokens, torch.tensor([0, 0]), torch.tensor([0, 0]), mask, durations, zeros, zeros)
        single = model(
            tokens[1:, :3],
            torch.tensor([0]),
            torch.tensor([0]),
            mask[1:, :3],
            durations[1:, :3],
            zeros[1:, :3],
            zeros[1:, :3],
        )
    assert torch.allclose(batch.mel[1, :5], single.mel[0], atol=1e-5)


def test_default_voice_has_ten_to_twenty_five_million_parameters() -> None:
    count = VoiceModel(VoiceConfig(n_tokens=len(load_inventory().tokens))).parameter_count()
    assert 10e6 <= count <= 25e6


def test_export_matches_torch_and_accepts_any_batch_and_length(tmp_path: Path) -> None:
    import onnxruntime

    torch.manual_seed(1)
    inventory = load_inventory()
    model = VoiceModel(VoiceConfig(n_tokens=len(inventory.tokens), **TINY_SIZES))
    with torch.no_grad():
        model.acoustic.duration_predictor.head.bias.fill_(1.5)
    report = export_voice(model, inventory, tmp_path)
    assert report.max_abs_error < 1e-3
    session = onnxruntime.InferenceSession(str(report.path), providers=["CPUExecutionProvider"])
    for batch, length in ((1, 3), (3, 40)):
        feeds = {
            "tokens": np.full((batch, length), 20, np.int64),
            "token_lengths": np.full(batch, length, np.int64),
            "language": np.zeros(batch, np.int64),
            "speaker": np.zeros(batch, np.int64),
            "length_scale": np.full(batch, 1.0, np.float32),
        }
        audio, lengths = session.run(None, feeds)
        assert audio.shape[0] == batch and (lengths > 0).all() and audio.shape[1] == lengths.max()


def test_checkpoint_round_trip_restores_the_same_model(tmp_path: Path) -> None:
    inventory = load_inventory()
    model = VoiceModel(VoiceConfig(n_tokens=len(inventory.tokens), **TINY_SIZES)).eval()
    save_checkpoint(model, inventory, tmp_path, {"steps": 3})
    loaded, loaded_inventory, card = load_checkpoint(tmp_path)
    assert card["steps"] == 3 and loaded_inventory == inventory
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.allclose(a.half().float(), b), name


def test_training_loop_runs_on_cpu_and_writes_a_checkpoint(tmp_path: Path, train_corpus_dir: Path) -> None:
    from tts.train import TrainConfig, train_voice

    config = TrainConfig(
        out=str(tmp_path),
        corpus=str(train_corpus_dir),
        languages=("hi", "ta"),
        sentences_per_language=3,
        test_sentences=1,
        steps=2,
        batch_size=2,
        workers=1,
        device="cpu",
        tiny=True,
        segment_frames=8,
    )
    result = train_voice(config, log=lambda message: None)
    assert result.steps == 2 and np.isfinite(result.loss)
    assert (tmp_path / "test_sentences" / "hi.txt").read_text(encoding="utf-8").strip()
    model, _, card = load_checkpoint(result.checkpoint)
    assert card["training"]["steps_done"] == 2
