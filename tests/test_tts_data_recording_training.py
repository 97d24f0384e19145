"""Real recordings into `indic tts train`: an LJSpeech-style folder made here from espeak-ng speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
soundfile = pytest.importorskip("soundfile")

from typer.testing import CliRunner  # noqa: E402

from indic.cli import app  # noqa: E402
from tts.data.prosody import samples_to_frames  # noqa: E402
from tts.data.recording_examples import recording_examples  # noqa: E402
from tts.data.sentences import sentence_split  # noqa: E402
from tts.data.teacher import AlignmentError, synthesize_teacher  # noqa: E402

SENTENCES = [
    "भारत एक विशाल देश है।",
    "आज मौसम बहुत अच्छा है।",
    "मैं रोज़ सुबह बाज़ार जाता हूँ।",
    "बच्चे मैदान में खेल रहे हैं।",
    "यह किताब बहुत पुरानी है।",
    "हम कल दिल्ली जाएँगे।",
]


def _ljspeech_folder(root: Path, sample_rate: int, sentences: list[str] = SENTENCES) -> list[np.ndarray]:
    """metadata.csv + wavs/ of espeak-ng speech; returns espeak's exact frame durations per line."""
    from scipy.signal import resample_poly

    (root / "wavs").mkdir(parents=True)
    lines, durations = [], []
    for index, text in enumerate(sentences):
        utterance = synthesize_teacher(text, "hi")
        audio = utterance.audio.astype(np.float32) / 32768.0
        if sample_rate != 22050:
            audio = resample_poly(audio, sample_rate, 22050)
        soundfile.write(root / "wavs" / f"s{index}.wav", audio, sample_rate, subtype="PCM_16")
        lines.append(f"s{index}|{text}|{text}")
        durations.append(samples_to_frames(utterance.durations))
    (root / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return durations


def _boundary_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(np.cumsum(a) - np.cumsum(b)).mean())


def test_flat_start_alignment_recovers_espeaks_durations_from_forty_recordings(
    tmp_path: Path, train_corpus_dir: Path
) -> None:
    # Flat start needs a corpus to pull each phoneme's frames together; forty lines are enough.
    sentences = []
    for text in sentence_split(train_corpus_dir, "hi", 80, 0)[0]:
        try:
            synthesize_teacher(text, "hi")
        except AlignmentError:
            continue
        sentences.append(text)
    truth = _ljspeech_folder(tmp_path, 22050, sentences[:40])
    examples, skipped = recording_examples(tmp_path, "hi", layout="ljspeech")
    assert skipped == 0 and len(examples) == 40
    aligned, even = [], []
    for example, exact in zip(examples, truth, strict=True):
        assert len(example.durations) == len(exact)
        assert example.durations.sum() * 256 == len(example.audio)
        sounding = exact > 0
        split = np.zeros_like(exact)
        split[sounding] = np.diff(np.linspace(0, exact.sum(), sounding.sum() + 1).round())
        aligned.append(_boundary_error(example.durations, exact))
        even.append(_boundary_error(split, exact))
    assert np.mean(aligned) < 0.4 * np.mean(even)


def test_the_recordings_format_decides_which_layout_trains_in_a_folder_holding_both(tmp_path: Path) -> None:
    import shutil

    _ljspeech_folder(tmp_path, 22050, SENTENCES[:2])
    (tmp_path / "wav").mkdir()
    shutil.copy(tmp_path / "wavs" / "s0.wav", tmp_path / "wav" / "f0.wav")
    (tmp_path / "txt.done.data").write_text(f'( f0 "{SENTENCES[2]}" )\n', encoding="utf-8")
    ljspeech, _ = recording_examples(tmp_path, "hi", layout="ljspeech", rounds=1)
    indictts, _ = recording_examples(tmp_path, "hi", layout="indictts", rounds=1)
    assert [e.text for e in ljspeech] == SENTENCES[:2]
    assert [e.text for e in indictts] == [SENTENCES[2]]


def test_tts_train_takes_an_ljspeech_folder_at_another_sample_rate(tmp_path: Path) -> None:
    _ljspeech_folder(tmp_path / "lj", 16000)
    out = tmp_path / "run"
    args = ["tts", "train", "--recordings", str(tmp_path / "lj"), "--recordings-format", "ljspeech"]
    args += ["--lang", "hi", "--out", str(out), "--tiny", "--steps", "2", "--batch-size", "2"]
    result = CliRunner().invoke(app, [*args, "--device", "cpu", "--segment-frames", "8"])
    assert result.exit_code == 0, result.output
    assert (out / "checkpoint" / "checkpoint.json").is_file()
    assert (out / "test_sentences" / "hi.txt").is_file()


def test_a_wrong_recordings_format_is_one_clear_error(tmp_path: Path) -> None:
    _ljspeech_folder(tmp_path / "lj", 22050)
    args = ["tts", "train", "--recordings", str(tmp_path / "lj"), "--recordings-format", "indictts"]
    result = CliRunner().invoke(
        app, [*args, "--lang", "hi", "--out", str(tmp_path / "run"), "--device", "cpu"]
    )
    assert result.exit_code == 1 and "txt.done.data is missing" in result.output
