"""Vocoder fine-tuning: discriminators, the GAN losses, a tiny run that resumes, a grown vocoder."""

from __future__ import annotations

from pathlib import Path

import pytest
from tts_fixtures import random_teacher_example

torch = pytest.importorskip("torch")

from tts.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from tts.data.teacher_store import save_teacher_data  # noqa: E402
from tts.export import TINY_SIZES  # noqa: E402
from tts.frontend.inventory import load_inventory  # noqa: E402
from tts.model.config import VoiceConfig  # noqa: E402
from tts.model.discriminators import MultiPeriodDiscriminator, MultiResolutionDiscriminator  # noqa: E402
from tts.model.losses import (  # noqa: E402
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
)
from tts.model.voice_model import VoiceModel  # noqa: E402
from tts.vocoder_tuning import (  # noqa: E402
    Discriminators,
    VocoderTuningConfig,
    grow_vocoder,
    tune_vocoder,
)


@pytest.mark.parametrize(
    "discriminator",
    [MultiPeriodDiscriminator(channels=(4, 8)), MultiResolutionDiscriminator(channels=4)],
    ids=["period", "resolution"],
)
def test_discriminators_score_every_sub_band_and_pass_gradients_to_the_audio(discriminator) -> None:
    audio = torch.randn(2, 3001, requires_grad=True)  # 3001 is no multiple of any period
    scores, features = discriminator(audio)
    assert len(scores) == len(features) == len(discriminator.discriminators)
    assert all(s.shape[0] == 2 and s.dim() == 2 for s in scores)
    sum(s.mean() for s in scores).backward()
    assert audio.grad is not None and float(audio.grad.abs().sum()) > 0


def test_least_squares_losses_are_zero_exactly_at_their_targets() -> None:
    ones, zeros = [torch.ones(2, 5)], [torch.zeros(2, 5)]
    assert float(discriminator_loss(ones, zeros)) == 0.0
    assert float(discriminator_loss(zeros, ones)) == 2.0
    assert float(generator_adversarial_loss(ones)) == 0.0
    assert float(generator_adversarial_loss(zeros)) == 1.0
    same = [[torch.arange(6.0)]]
    assert float(feature_matching_loss(same, same)) == 0.0
    assert float(feature_matching_loss(same, [[torch.arange(6.0) + 2]])) == 2.0


def _tiny_run_setup(tmp_path: Path) -> tuple[Path, dict]:
    """A tiny voice checkpoint, a two-language corpus and saved teacher data; the run's settings."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for lang in ("hi", "ta"):
        lines = "".join(f"{lang} line {i}.\n" for i in range(6))
        (corpus / f"{lang}.txt").write_text(lines, encoding="utf-8")
    sizes = (12, 16, 20, 24)
    examples = [random_teacher_example(n, s, languages=2, min_frames=1) for s, n in enumerate(sizes)]
    save_teacher_data(examples, tmp_path / "teacher", {})
    inventory = load_inventory()
    torch.manual_seed(0)
    voice = VoiceModel(VoiceConfig(n_tokens=len(inventory.tokens), **TINY_SIZES))
    start = save_checkpoint(voice, inventory, tmp_path / "voice", {"training": {"steps_done": 7}})
    common = dict(
        corpus=str(corpus),
        languages=("hi", "ta"),
        sentences_per_language=2,
        teacher_data=str(tmp_path / "teacher"),
        steps=3,
        batch_size=2,
        segment_frames=8,
        predicted_share=0.5,
        discriminator_warmup_steps=1,
        device="cpu",
        tiny=True,
    )
    return start, common


def test_a_tiny_adversarial_run_trains_only_the_vocoder_and_resumes_its_discriminators(
    tmp_path: Path,
) -> None:
    start, common = _tiny_run_setup(tmp_path)
    messages: list[str] = []
    first = tune_vocoder(
        VocoderTuningConfig(checkpoint=str(start), out=str(tmp_path / "a"), adversarial=True, **common),
        log=messages.append,
    )
    assert any("step 2 " in m and "mel=" in m for m in messages)
    before, _, _ = load_checkpoint(start)
    after, _, card = load_checkpoint(first.checkpoint)
    for name, tensor in before.acoustic.state_dict().items():
        assert torch.equal(tensor, after.acoustic.state_dict()[name]), name
    assert not torch.equal(before.vocoder.head.weight, after.vocoder.head.weight)
    assert card["training"]["steps_done"] == 7 and card["vocoder_tuning"]["steps_done"] == 3
    assert set(first.losses) == {"discriminator", "adversarial", "matching", "mel"}

    resumed, disc_card = Discriminators.load(first.discriminators)
    assert disc_card["steps_done"] == 3 and any(p.requires_grad for p in resumed.parameters())
    second = tune_vocoder(
        VocoderTuningConfig(
            checkpoint=str(first.checkpoint),
            out=str(tmp_path / "b"),
            discriminators=str(first.discriminators),
            adversarial=True,
            **common,
        ),
        log=lambda _: None,
    )
    _, _, card = load_checkpoint(second.checkpoint)
    assert card["vocoder_tuning"]["steps_done"] == 6
    assert card["vocoder_tuning"]["steps_this_run"] == 3
    assert [run["steps_this_run"] for run in card["vocoder_tuning"]["earlier_runs"]] == [3]


def test_a_folder_without_discriminators_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="discriminators.json is missing"):
        Discriminators.load(tmp_path)


def test_a_grown_vocoder_speaks_exactly_as_before_until_trained() -> None:
    torch.manual_seed(0)
    voice = VoiceModel(VoiceConfig(n_tokens=40, **TINY_SIZES)).eval()
    grown = grow_vocoder(voice, 2).eval()
    assert len(grown.vocoder.blocks) == len(voice.vocoder.blocks) + 2
    mel = torch.randn(1, voice.config.n_mels, 12)
    with torch.no_grad():
        assert torch.equal(voice.vocoder(mel), grown.vocoder(mel))


def test_spectral_only_tuning_of_a_grown_vocoder_saves_no_discriminators(tmp_path: Path) -> None:
    start, common = _tiny_run_setup(tmp_path)
    result = tune_vocoder(
        VocoderTuningConfig(checkpoint=str(start), out=str(tmp_path / "c"), extra_layers=1, **common),
        log=lambda _: None,
    )
    assert result.discriminators is None and set(result.losses) == {"stft", "mel"}
    model, _, card = load_checkpoint(result.checkpoint)
    assert model.config.vocoder_layers == TINY_SIZES["vocoder_layers"] + 1
    assert card["vocoder_tuning"]["extra_layers"] == 1
    # The new block has started to learn.
    assert float(model.vocoder.blocks[-1].scale.detach().abs().sum()) > 0


def test_the_cli_names_a_missing_checkpoint_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from indic.cli import app

    missing = str(tmp_path / "nowhere")
    args = ["tts", "train-vocoder", missing, "--out", str(tmp_path / "run"), "--device", "cpu"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "checkpoint.json is missing" in result.output and "Traceback" not in result.output
