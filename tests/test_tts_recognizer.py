"""The CTC phoneme recognizer: targets, decoding, padding, checkpoints and a tiny training run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from tts_samples import HELLO

from tts.data.dataset import make_example
from tts.data.sentences import is_test_sentence
from tts.data.teacher_store import save_teacher_data
from tts.frontend.inventory import PAD, load_inventory
from tts.recognizer.augment import spec_augment
from tts.recognizer.checkpoint import RecognizerNotFoundError, load_recognizer, save_recognizer
from tts.recognizer.model import (
    BLANK,
    PhonemeRecognizer,
    RecognizerConfig,
    greedy_decode,
    phoneme_target_mask,
    transcribe,
)
from tts.recognizer.train import RecognizerTrainConfig, parse_args, train_recognizer

TINY = {"channels": 16, "hidden": 16, "layers": 2}


def _model() -> PhonemeRecognizer:
    torch.manual_seed(0)
    inventory = load_inventory()
    return PhonemeRecognizer(RecognizerConfig(len(inventory.tokens), len(inventory.languages), **TINY)).eval()


def test_targets_are_phonemes_only_never_blank_marks_or_pauses() -> None:
    inventory = load_inventory()
    mask = phoneme_target_mask(inventory)
    assert inventory.tokens[BLANK] == PAD and not mask[BLANK]
    for token in ("^", "$", " ", "ˈ", "ˌ", "˦", ",", ".", "।"):
        assert not mask[inventory.token_to_id[token]], token
    assert mask[inventory.token_to_id["a"]] and mask.sum() > 100


def test_greedy_decoding_collapses_repeats_and_drops_blanks_within_each_length() -> None:
    path = torch.tensor([[0, 5, 5, 0, 5, 7, 7, 0, 9], [3, 3, 0, 4, 4, 4, 4, 4, 4]])
    logits = torch.nn.functional.one_hot(path, 10).float()
    assert greedy_decode(logits, torch.tensor([8, 4])) == [[5, 5, 7], [3, 4]]


def test_an_utterance_gets_the_same_logits_alone_and_in_a_padded_batch() -> None:
    model = _model()
    rng = np.random.default_rng(0)
    short, long = rng.normal(0, 0.1, 256 * 20), rng.normal(0, 0.1, 256 * 33)
    batch = np.zeros((2, len(long)), np.float32)
    batch[0, : len(short)], batch[1] = short, long
    with torch.no_grad():
        together, frames = model(
            torch.from_numpy(batch), torch.tensor([len(short), len(long)]), torch.tensor([2, 2])
        )
        alone, _ = model(
            torch.from_numpy(short.astype(np.float32))[None], torch.tensor([len(short)]), torch.tensor([2])
        )
    assert frames.tolist() == [20, 33]
    torch.testing.assert_close(together[0, :20], alone[0], atol=1e-5, rtol=1e-4)


def test_spec_augment_masks_at_most_a_quarter_of_a_short_utterance() -> None:
    torch.manual_seed(0)
    features = torch.ones(8, 80, 400)
    frames = torch.tensor([400, 300, 40, 8, 400, 200, 100, 50])
    masked = spec_augment(features, frames)
    for row, count in enumerate(frames.tolist()):
        masked_frames = (masked[row, :, :count] == 0).all(0).sum().item()
        assert masked_frames <= count // 4 + 1


def test_a_saved_recognizer_loads_with_float16_weights_and_the_same_output(tmp_path: Path) -> None:
    model, inventory = _model(), load_inventory()
    save_recognizer(model, inventory, tmp_path, {"training": {"steps_done": 0}})
    loaded, loaded_inventory, card = load_recognizer(tmp_path)
    assert loaded_inventory == inventory and card["training"]["steps_done"] == 0
    audio = np.random.default_rng(1).normal(0, 0.1, 256 * 30).astype(np.float32)
    with torch.no_grad():
        expected, _ = model(torch.from_numpy(audio)[None], torch.tensor([len(audio)]), torch.tensor([0]))
        got, _ = loaded(torch.from_numpy(audio)[None], torch.tensor([len(audio)]), torch.tensor([0]))
    torch.testing.assert_close(got, expected, atol=2e-2, rtol=1e-2)
    assert isinstance(transcribe(loaded, (audio * 32767).astype(np.int16), 0), list)


def test_loading_a_folder_without_a_recognizer_says_how_to_train_one(tmp_path: Path) -> None:
    with pytest.raises(RecognizerNotFoundError, match="python -m tts.recognizer.train"):
        load_recognizer(tmp_path)


def test_command_line_flags_mirror_the_config_fields() -> None:
    config = parse_args(
        ["--out", "x", "--teacher-data", "t", "--minutes", "4.5", "--tiny", "--languages", "hi", "ta"]
    )
    assert config == RecognizerTrainConfig(
        out="x", teacher_data="t", minutes=4.5, tiny=True, languages=("hi", "ta")
    )


def _held_out_line() -> str:
    return next(f"{HELLO['hi']} {n}" for n in range(1000) if is_test_sentence(f"{HELLO['hi']} {n}"))


def test_training_on_a_teacher_folder_writes_two_files_and_never_uses_held_out_sentences(
    tmp_path: Path,
) -> None:
    texts = [(HELLO["bn"], "bn"), (HELLO["ta"], "ta"), (HELLO["en"], "en"), (_held_out_line(), "hi")]
    # reproducible: espeak-ng keeps state between calls, and earlier tests in the same process could
    # otherwise make one of these sentences fail to align and leave the count short
    examples = [make_example((text, lang, "default"), reproducible=True) for text, lang in texts]
    assert all(e is not None for e in examples), "a teacher sentence did not align"
    save_teacher_data([e for e in examples if e is not None], tmp_path / "teacher")
    lines: list[str] = []
    out = train_recognizer(
        RecognizerTrainConfig(
            out=str(tmp_path / "recognizer"),
            teacher_data=str(tmp_path / "teacher"),
            steps=2,
            batch_size=2,
            device="cpu",
            tiny=True,
        ),
        log=lines.append,
    )
    assert sorted(p.name for p in out.iterdir()) == ["recognizer.json", "recognizer.pt"]
    card = json.loads((out / "recognizer.json").read_text(encoding="utf-8"))["training"]
    assert card["steps_done"] == 2 and card["complete"] is True
    assert card["training_utterances"] + card["validation_utterances"] == 3
    assert "1 held-out sentences dropped" in lines[0]
    assert (out / "recognizer.pt").stat().st_size < 16_000_000
