"""The guide recognizer's loss: where its gradient goes, what it is trained on, and that it never judges."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tts_fixtures import random_teacher_example, small_training_settings

torch = pytest.importorskip("torch")

from tts.checkpoint import load_checkpoint  # noqa: E402
from tts.data.teacher_store import save_teacher_data  # noqa: E402
from tts.export import TINY_SIZES  # noqa: E402
from tts.frontend.inventory import load_inventory  # noqa: E402
from tts.intelligibility import (  # noqa: E402
    GuideAsJudgeError,
    check_inventory,
    check_judge,
    intelligibility_loss,
    load_guide,
    phoneme_targets,
)
from tts.model.config import VoiceConfig  # noqa: E402
from tts.model.voice_model import VoiceModel  # noqa: E402
from tts.recognizer.checkpoint import save_recognizer  # noqa: E402
from tts.recognizer.model import PhonemeRecognizer, RecognizerConfig  # noqa: E402
from tts.train import TrainConfig, collate, teacher_forced, train_voice  # noqa: E402


def tiny_recognizer(folder: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    inventory = load_inventory()
    config = RecognizerConfig(
        n_tokens=len(inventory.tokens), n_languages=len(inventory.languages), channels=8, hidden=8, layers=2
    )
    save_recognizer(PhonemeRecognizer(config), inventory, folder, {"seed": seed})
    return folder


def tiny_voice() -> VoiceModel:
    torch.manual_seed(0)
    return VoiceModel(VoiceConfig(n_tokens=len(load_inventory().tokens), **TINY_SIZES))


def test_phoneme_targets_drop_padding_and_marks() -> None:
    ids = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    marks = torch.ones(20, dtype=torch.bool)
    marks[6] = False  # a stress mark, say
    labels, lengths = phoneme_targets(ids, torch.tensor([3, 2]), marks)
    assert labels.tolist() == [5, 7, 8, 9] and lengths.tolist() == [2, 2]


def test_the_guide_loss_trains_the_voice_and_leaves_the_guide_frozen(tmp_path: Path) -> None:
    guide = load_guide(tiny_recognizer(tmp_path / "guide", 1), torch.device("cpu"))
    model = tiny_voice()
    batch = collate(
        [random_teacher_example(12, 1, min_frames=1), random_teacher_example(20, 2, min_frames=1)],
        torch.device("cpu"),
    )
    out, _ = teacher_forced(model.acoustic, batch)
    loss = intelligibility_loss(guide, model.vocoder, out.mel, batch, items=2, augment=False)
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    # The gradient reaches both halves of the voice (the mel is not detached) and no guide weight.
    assert model.vocoder.head.weight.grad is not None and model.vocoder.head.weight.grad.abs().sum() > 0
    assert model.acoustic.to_mel.weight.grad is not None
    assert all(p.grad is None and not p.requires_grad for p in guide.recognizer.parameters())
    # Dropout is off, so the guide's verdict on the same audio does not change between calls.
    again = intelligibility_loss(guide, model.vocoder, out.mel.detach(), batch, items=2, augment=False)
    assert torch.allclose(again, loss.detach())
    # Heard through noise and a warped mel axis, the same audio scores differently, and still finitely.
    heard = intelligibility_loss(guide, model.vocoder, out.mel.detach(), batch, items=2)
    assert torch.isfinite(heard) and not torch.allclose(heard, loss.detach())


def test_a_guide_with_another_inventory_is_refused(tmp_path: Path) -> None:
    guide = load_guide(tiny_recognizer(tmp_path / "guide", 1), torch.device("cpu"))
    with pytest.raises(ValueError, match="same phoneme inventory"):
        check_inventory(guide, len(guide.targets) + 3)


def test_a_voice_records_its_guide_and_the_bench_refuses_it_as_judge(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for lang in ("hi", "ta"):
        (corpus / f"{lang}.txt").write_text("".join(f"वाक्य संख्या {i}.\n" for i in range(40)), encoding="utf-8")
    examples = [random_teacher_example(n, seed, min_frames=1) for seed, n in enumerate((6, 9, 7, 11))]
    save_teacher_data(examples, tmp_path / "teacher", {"skipped_unaligned": 0})
    guide, judge = tiny_recognizer(tmp_path / "guide", 1), tiny_recognizer(tmp_path / "judge", 2)
    common = small_training_settings(corpus, tmp_path / "teacher")
    result = train_voice(
        TrainConfig(
            out=str(tmp_path / "voice"),
            steps=2,
            tiny=True,
            guide_recognizer=str(guide),
            guide_items=2,
            **common,
        ),
        log=lambda _: None,
    )
    _, _, card = load_checkpoint(result.checkpoint)
    assert len(card["guide_recognizers"]) == 1 and np.isfinite(result.loss)
    assert card["training"]["guide_recognizer"] == str(guide)
    assert check_judge(result.checkpoint, judge) is False
    with pytest.raises(GuideAsJudgeError, match="independently trained recognizer"):
        check_judge(result.checkpoint, guide)
    assert check_judge(result.checkpoint, guide, allow_guide=True) is True
    # Resuming without a guide keeps the record: the voice was still shaped by that recognizer.
    # Keys of other trainers (a vocoder tuning run, say) are carried over as they were.
    card_path = result.checkpoint / "checkpoint.json"
    written = json.loads(card_path.read_text(encoding="utf-8"))
    card_path.write_text(json.dumps({**written, "vocoder_tuning": {"steps_done": 5}}), encoding="utf-8")
    resumed = train_voice(
        TrainConfig(out=str(tmp_path / "resumed"), steps=1, resume=str(result.checkpoint), **common),
        log=lambda _: None,
    )
    stored = json.loads((resumed.checkpoint / "checkpoint.json").read_text(encoding="utf-8"))
    assert stored["guide_recognizers"] == card["guide_recognizers"]
    # ...and the earlier run's card: its training settings, oldest first, beside this run's.
    assert [run["guide_recognizer"] for run in stored["training_history"]] == [str(guide)]
    assert stored["training"]["guide_recognizer"] == ""
    assert stored["vocoder_tuning"] == {"steps_done": 5}
