"""Real-recording readers and monotonic alignment search (the path for data without teacher timings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tts.data.alignment import AlignmentShapeError, monotonic_alignment_durations
from tts.data.recordings import RecordingLayoutError, read_recordings


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")


def test_ljspeech_layout_prefers_the_normalized_text(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "a|Dr. Smith|Doctor Smith\nb|plain|\nmissing|no audio|\n", encoding="utf-8"
    )
    _touch(tmp_path / "wavs" / "a.wav")
    _touch(tmp_path / "wavs" / "b.wav")
    items = list(read_recordings(tmp_path, "en"))
    assert [(r.id, r.text) for r in items] == [("a", "Doctor Smith"), ("b", "plain")]


def test_indictts_festival_layout(tmp_path: Path) -> None:
    (tmp_path / "txt.done.data").write_text('( train_hindi_0001 "नमस्ते दुनिया" )\n', encoding="utf-8")
    _touch(tmp_path / "wav" / "train_hindi_0001.wav")
    (item,) = read_recordings(tmp_path, "hin")
    assert item.text == "नमस्ते दुनिया" and item.lang == "hi"


def test_table_layout_with_audio_and_text_columns(tmp_path: Path) -> None:
    (tmp_path / "metadata.tsv").write_text("audio\ttext\nclips/x.wav\tவணக்கம்\n", encoding="utf-8")
    _touch(tmp_path / "clips" / "x.wav")
    (item,) = read_recordings(tmp_path, "ta")
    assert item.id == "x" and item.audio_path == tmp_path / "clips" / "x.wav"


def test_unknown_layout_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingLayoutError, match="LJSpeech"):
        list(read_recordings(tmp_path, "hi"))


def _both_layouts(root: Path) -> None:
    """An IndicTTS folder to which an LJSpeech metadata.csv + wavs/ was added, each naming its own clip."""
    (root / "metadata.csv").write_text("lj1|from the LJSpeech metadata|\n", encoding="utf-8")
    _touch(root / "wavs" / "lj1.wav")
    (root / "txt.done.data").write_text('( itts1 "from the IndicTTS transcript" )\n', encoding="utf-8")
    _touch(root / "wav" / "itts1.wav")


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("ljspeech", ("lj1", "from the LJSpeech metadata")),
        ("indictts", ("itts1", "from the IndicTTS transcript")),
        (None, ("itts1", "from the IndicTTS transcript")),
    ],
)
def test_a_named_layout_selects_the_reader_in_a_folder_holding_both_layouts(
    tmp_path: Path, layout: str | None, expected: tuple[str, str]
) -> None:
    _both_layouts(tmp_path)
    assert [(r.id, r.text) for r in read_recordings(tmp_path, "en", layout=layout)] == [expected]


def test_a_named_layout_is_checked_at_the_call_before_any_item_is_read(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("a|text|\n", encoding="utf-8")
    with pytest.raises(RecordingLayoutError, match="txt.done.data is missing"):
        read_recordings(tmp_path, "en", layout="indictts")
    with pytest.raises(
        RecordingLayoutError, match="unknown recordings format 'vctk': use ljspeech or indictts"
    ):
        read_recordings(tmp_path, "en", layout="vctk")


def test_monotonic_alignment_finds_the_planted_durations() -> None:
    rng = np.random.default_rng(0)
    durations = np.array([3, 1, 5, 2, 4])
    owner = np.repeat(np.arange(len(durations)), durations)
    score = rng.normal(-5, 0.5, (len(durations), len(owner)))
    score[owner, np.arange(len(owner))] = 0.0
    assert monotonic_alignment_durations(score).tolist() == durations.tolist()


def test_alignment_gives_every_token_a_frame_and_needs_enough_frames() -> None:
    assert monotonic_alignment_durations(np.zeros((4, 4))).tolist() == [1, 1, 1, 1]
    with pytest.raises(AlignmentShapeError):
        monotonic_alignment_durations(np.zeros((5, 3)))
