"""Adversarial vocoder fine-tuning: discriminators, the GAN losses, and a tiny run that resumes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tts.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from tts.data.dataset import TeacherExample  # noqa: E402
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
from tts.vocoder_adversarial import (  # noqa: E402
    AdversarialConfig,
    Discriminators,
    train_vocoder_adversarially,
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


def _example(tokens: int, seed: int) -> TeacherExample:
    rng = np.random.default_rng(seed)
    durations = rng.integers(1, 4, tokens)
    return TeacherExample(
        ids=rng.integers(3, 100, tokens),
        language=seed % 2,
        speaker=seed % 4,
        durations=durations,
        pitch=rng.standard_normal(tokens).astype(np.float32),
        energy=rng.standard_normal(tokens).astype(np.float32),
        audio=rng.integers(-3000, 3000, int(durations.sum()) * 256).astype(np.int16),
        text=f"वाक्य {seed}",
    )


def test_a_tiny_adversarial_run_trains_only_the_vocoder_and_resumes_its_discriminators(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for lang in ("hi", "ta"):
        lines = "".join(f"{lang} line {i}.\n" for i in range(6))
        (corpus / f"{lang}.txt").write_text(lines, encoding="utf-8")
    save_teacher_data([_example(n, s) for s, n in enumerate((12, 16, 20, 24))], tmp_path / "teacher", {})
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
    messages: list[str] = []
    first = train_vocoder_adversarially(
        AdversarialConfig(checkpoint=str(start), out=str(tmp_path / "a"), **common), log=messages.append
    )
    assert any("step 2 " in m and "mel=" in m for m in messages)
    before, _, _ = load_checkpoint(start)
    after, _, card = load_checkpoint(first.checkpoint)
    for name, tensor in before.acoustic.state_dict().items():
        assert torch.equal(tensor, after.acoustic.state_dict()[name]), name
    assert not torch.equal(before.vocoder.head.weight, after.vocoder.head.weight)
    assert card["training"]["steps_done"] == 7 and card["vocoder_adversarial"]["steps_done"] == 3
    assert set(first.losses) == {"discriminator", "adversarial", "matching", "mel"}

    resumed, disc_card = Discriminators.load(first.discriminators)
    assert disc_card["steps_done"] == 3 and any(p.requires_grad for p in resumed.parameters())
    second = train_vocoder_adversarially(
        AdversarialConfig(
            checkpoint=str(first.checkpoint),
            out=str(tmp_path / "b"),
            discriminators=str(first.discriminators),
            **common,
        ),
        log=lambda _: None,
    )
    _, _, card = load_checkpoint(second.checkpoint)
    assert card["vocoder_adversarial"]["steps_done"] == 6
    assert card["vocoder_adversarial"]["steps_this_run"] == 3


def test_a_folder_without_discriminators_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="discriminators.json is missing"):
        Discriminators.load(tmp_path)
