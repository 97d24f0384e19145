"""Training across several short jobs: saved teacher data, resuming a checkpoint, vocoder inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tts_fixtures import random_teacher_example, small_training_settings

torch = pytest.importorskip("torch")

from tts.checkpoint import load_checkpoint  # noqa: E402
from tts.data.teacher_store import (  # noqa: E402
    TeacherDataError,
    has_teacher_data,
    load_teacher_data,
    save_teacher_data,
)
from tts.export import TINY_SIZES  # noqa: E402
from tts.model.config import VoiceConfig  # noqa: E402
from tts.model.mel import LogMel  # noqa: E402
from tts.model.voice_model import VoiceModel  # noqa: E402
from tts.train import TrainConfig, collate, train_voice, training_losses  # noqa: E402


def test_teacher_data_round_trips_through_the_store(tmp_path: Path) -> None:
    examples = [random_teacher_example(n, seed) for seed, n in enumerate((5, 9, 1, 14))]
    assert not has_teacher_data(tmp_path)
    save_teacher_data(examples, tmp_path, {"skipped_unaligned": 2})
    loaded, card = load_teacher_data(tmp_path)
    assert card["utterances"] == 4 and card["skipped_unaligned"] == 2
    for a, b in zip(examples, loaded, strict=True):
        assert (a.language, a.speaker, a.text) == (b.language, b.speaker, b.text)
        for field in ("ids", "durations", "pitch", "energy", "audio"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_an_incomplete_teacher_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TeacherDataError, match=r"teacher\.json is missing"):
        load_teacher_data(tmp_path)


def test_vocoder_segments_from_the_acoustic_model_train_only_the_vocoder_on_them() -> None:
    torch.manual_seed(0)
    model = VoiceModel(VoiceConfig(n_tokens=100, **TINY_SIZES))
    batch = collate([random_teacher_example(12, 1), random_teacher_example(20, 2)], torch.device("cpu"))
    losses = training_losses(model, batch, LogMel(), segment_frames=8, vocoder_predicted_share=1.0)
    assert all(torch.isfinite(v) for v in losses.values())
    losses["stft"].backward()
    assert model.vocoder.head.weight.grad is not None
    # The vocoder's input is detached: its loss must not move the acoustic model.
    assert model.acoustic.to_mel.weight.grad is None


def test_training_resumes_a_checkpoint_and_reuses_saved_teacher_data(
    tmp_path: Path, train_corpus_dir: Path
) -> None:
    common = small_training_settings(train_corpus_dir, tmp_path / "teacher", steps=2, batch_size=2, workers=1)
    first = train_voice(TrainConfig(out=str(tmp_path / "a"), tiny=True, **common), log=lambda _: None)
    assert has_teacher_data(tmp_path / "teacher")
    messages: list[str] = []
    second = train_voice(
        TrainConfig(out=str(tmp_path / "b"), resume=str(first.checkpoint), **common), log=messages.append
    )
    assert any("loaded from" in m for m in messages)
    model, _, card = load_checkpoint(second.checkpoint)
    assert card["training"]["total_steps"] == 4 and card["training"]["resumed_from_steps"] == 2
    # The tiny architecture of the checkpoint is kept although this run did not ask for it.
    assert model.config.d_model == TINY_SIZES["d_model"]
