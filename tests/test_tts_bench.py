"""The text-to-speech benchmarks: quality table and verdicts, the old entry point, a tiny end-to-end run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> object:
    """The bench folder importable, as when a script there runs."""
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    import tts_bench
    import tts_common
    import tts_fp8_scan
    import tts_quality
    import tts_speed

    modules = {"quality": tts_quality, "speed": tts_speed, "entry": tts_bench}
    return type("Bench", (), {**modules, "common": tts_common, "fp8_scan": tts_fp8_scan})


def _scores(quality: object, mcd: float, dtw: float, edits: int, dnsmos: float) -> object:
    halves = [edits // 2, edits - edits // 2]
    scores = quality.Scores(utterances=2, edits=halves, phonemes=[50, 50])  # type: ignore[attr-defined]
    for column, value in (("MCD", mcd), ("DTW-MCD", dtw), ("DNSMOS", dnsmos)):
        if not np.isnan(value):
            scores.add(column, value)
            scores.add(column, value)
    return scores


def test_quality_rows_hold_ratios_to_the_teacher_and_the_fp8_gap_to_fp32(bench: object) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    nan = float("nan")
    table = {
        "hi": {
            "teacher": _scores(quality, nan, nan, 10, 3.0),
            "fp32": _scores(quality, 4.5, 5.0, 12, 2.7),
            "fp8": _scores(quality, 4.6, 5.3, 14, 2.4),
        }
    }
    rows = quality.summarize(table)["hi"]
    assert rows["teacher"]["PER ×teach"] == 1.0 and np.isnan(rows["teacher"]["MCD"])
    assert rows["fp32"]["PER ×teach"] == pytest.approx(1.2)
    assert rows["fp8"]["ΔMCD"] == rows["fp8"]["Δfp32"] == pytest.approx(0.1)
    assert rows["fp8"]["ΔDTW"] == pytest.approx(0.3)
    assert rows["fp8"]["DNSMOS ×teach"] == pytest.approx(0.8)
    assert quality.verdicts({"hi": rows}) is True


def test_each_missed_target_prints_missed_and_fails(
    bench: object, capsys: pytest.CaptureFixture[str]
) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    nan = float("nan")
    table = {
        "ta": {
            "teacher": _scores(quality, nan, nan, 10, 3.0),
            "fp32": _scores(quality, 6.0, 6.5, 16, 2.7),
            "fp8": _scores(quality, 6.4, 6.5, 14, 2.4),
        }
    }
    assert quality.verdicts(quality.summarize(table)) is False
    printed = capsys.readouterr().out
    assert printed.count("MISSED") == 3 and "languages over 1.5x (or undefined): ta 1.60" in printed
    assert "teacher durations: largest ta 0.400 dB" in printed


def test_without_a_recognizer_the_phoneme_target_is_reported_as_undefined(
    bench: object, capsys: pytest.CaptureFixture[str]
) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    nan = float("nan")
    table = {"hi": {"teacher": quality.Scores(utterances=1), "fp32": _scores(quality, 4.0, 4.5, 0, nan)}}
    table["hi"]["fp32"].edits, table["hi"]["fp32"].phonemes = [], []
    assert quality.verdicts(quality.summarize(table)) is False
    assert "undefined (no --recognizer, or no teacher error): MISSED" in capsys.readouterr().out


def test_copy_synthesis_vocodes_the_teachers_own_log_mel_into_audio_of_its_length(
    bench: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tts.model.config import VoiceConfig
    from tts.model.mel import LogMel
    from tts.model.vocoder import VocosVocoder

    quality = bench.quality  # type: ignore[attr-defined]
    torch.manual_seed(0)
    vocoder = VocosVocoder(
        VoiceConfig(n_tokens=1, vocoder_dim=16, vocoder_intermediate=32, vocoder_layers=1)
    ).eval()
    monkeypatch.setitem(quality._WORKER, "vocoder", vocoder)
    monkeypatch.setitem(quality._WORKER, "log_mel", LogMel())
    teacher = (0.3 * np.sin(np.arange(5000) * 0.05)).astype(np.float32)
    audio = quality.copy_synthesis(teacher)
    assert audio.shape == (5000 // 256 * 256,) and audio.dtype == np.float32
    with torch.inference_mode():
        expected = vocoder(LogMel()(torch.from_numpy(teacher)[None]))[0].numpy()
    assert np.array_equal(audio, expected)


def test_the_vocoded_row_is_a_diagnosis_with_ratios_but_no_verdict(bench: object) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    nan = float("nan")
    table = {
        "gu": {
            "teacher": _scores(quality, nan, nan, 10, nan),
            "fp32": _scores(quality, 4.0, 3.5, 14, nan),
            "vocoded": _scores(quality, 3.0, nan, 30, nan),
            "fp32 forced": _scores(quality, nan, nan, 15, nan),
        }
    }
    rows = quality.summarize(table)
    assert rows["gu"]["vocoded"]["PER ×teach"] == pytest.approx(3.0)
    assert rows["gu"]["vocoded"]["MCD"] == pytest.approx(3.0)
    assert quality.verdicts(rows) is True  # only the voices' rows carry the targets


def test_the_per_ratio_interval_resamples_sentences_and_brackets_the_pooled_ratio(bench: object) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    teacher = quality.Scores(utterances=10, edits=[1, 0, 2, 1, 0, 1, 3, 0, 1, 1], phonemes=[40] * 10)
    voice = quality.Scores(utterances=10, edits=[2, 1, 2, 3, 0, 1, 4, 1, 2, 1], phonemes=[40] * 10)
    low, high = quality.per_ratio_interval(voice, teacher)
    assert voice.per / teacher.per == pytest.approx(1.7) and low < 1.7 < high
    assert quality.per_ratio_interval(voice, teacher) == (low, high)  # seeded: the same every run
    same = quality.per_ratio_interval(teacher, teacher)
    assert same == (1.0, 1.0)


def test_voice_only_edits_subtract_the_teachers_edits_of_the_same_sentences(
    bench: object, capsys: pytest.CaptureFixture[str]
) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    results = [
        {
            "lang": "gu",
            "confusions": {
                "teacher": [["ə", "a"]],
                "fp32": [["ə", "a"], ["ə", "a"], ["h", None], [None, "n"]],
            },
        },
        {"lang": "gu", "confusions": {"teacher": [["h", None], ["k", "g"]], "fp32": [["h", None]]}},
    ]
    edits = quality.voice_only_edits(results, "fp32")["gu"]
    assert edits == {("ə", "a"): 1, ("h", "∅"): 1, ("∅", "n"): 1}  # k→g: the teacher's alone
    quality.print_confusions(results, 1)
    assert "gu: ə→a 1" in capsys.readouterr().out


def test_saved_audio_takes_sentences_round_robin_over_languages_until_the_limit(
    bench: object, tmp_path: Path
) -> None:
    quality = bench.quality  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)

    def result(lang: str) -> dict:
        noise = {v: rng.integers(-3000, 3000, 22050).astype(np.int16) for v in ("fp32", "fp8")}
        return {"lang": lang, "audio": noise}

    results = [result("hi") for _ in range(3)] + [result("ta") for _ in range(3)]
    path = tmp_path / "audio.npz"
    assert quality.save_audio(results, str(path), limit=250_000) == 3
    with np.load(path) as saved:
        assert sorted(saved.files) == sorted(
            f"{lang}/{i}/{v}" for lang, i in (("hi", 0), ("ta", 0), ("hi", 1)) for v in ("fp32", "fp8")
        )
        assert np.array_equal(saved["ta/0/fp8"], results[3]["audio"]["fp8"])
    assert path.stat().st_size <= 250_000


def test_held_out_lists_read_the_first_non_empty_lines_of_each_language(
    bench: object, tmp_path: Path
) -> None:
    common = bench.common  # type: ignore[attr-defined]
    (tmp_path / "hi.txt").write_text("एक\n\nदो\nतीन\n", encoding="utf-8")
    (tmp_path / "ta.txt").write_text("ஒன்று\n", encoding="utf-8")
    assert common.held_out_lists(tmp_path, 2) == {"hi": ["एक", "दो"], "ta": ["ஒன்று"]}
    # Named languages: only the lists that exist, in the order asked, for the caller to fill in.
    assert common.held_out_lists(tmp_path, 5, ["ta", "bn", "hi"]) == {
        "ta": ["ஒன்று"],
        "hi": ["एक", "दो", "तीन"],
    }
    with pytest.raises(FileNotFoundError, match="no held-out <lang>.txt lists"):
        common.held_out_lists(tmp_path / "empty", 1)


def test_the_fp8_scans_log_mel_distance_is_the_mcd_formula_on_log_mel_cepstra(bench: object) -> None:
    from tts.quality.dtw import dtw_path

    scan = bench.fp8_scan  # type: ignore[attr-defined]
    time = np.arange(9000) / 22050
    a = (0.3 * np.sin(2 * np.pi * 220 * time)).astype(np.float32)
    b = (0.3 * np.sin(2 * np.pi * 330 * time[:7000]) * np.linspace(1, 0.2, 7000)).astype(np.float32)
    cepstra_a, cepstra_b = scan.log_mel_cepstrum(a), scan.log_mel_cepstrum(b)
    assert cepstra_a.shape[1] == 25  # c0..c24; the distance leaves c0 (the frame's energy) out
    # The formula the scan once derived for itself: 10 / ln 10 · sqrt(2 Σ Δc²) over c1..c24, DTW-aligned.
    delta = cepstra_a[:, None, 1:] - cepstra_b[None, :, 1:]
    cost = 10 / np.log(10) * np.sqrt(2 * (delta**2).sum(-1))
    rows, cols = dtw_path(cost)
    assert scan.dtw_log_mel_distance(a, b) == pytest.approx(cost[rows, cols].mean(), rel=1e-9)
    assert scan.dtw_log_mel_distance(a, b) > 1.0 and scan.dtw_log_mel_distance(a, a) == 0.0


def test_the_old_entry_point_dispatches_to_the_split_benchmarks(
    bench: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(bench.speed, "main", lambda argv: calls.append(("speed", argv)))  # type: ignore[attr-defined]
    monkeypatch.setattr(bench.quality, "main", lambda argv: calls.append(("quality", argv)))  # type: ignore[attr-defined]
    entry = bench.entry  # type: ignore[attr-defined]
    entry.main(["speed", "--repeats", "2"])
    entry.main(["gpu-throughput", "--checkpoint", "c"])
    entry.main(["quality", "--checkpoint", "c", "--fp8"])
    entry.main(["quality", "--checkpoint", "c"])
    assert calls == [
        ("speed", ["rtf", "--repeats", "2"]),
        ("speed", ["gpu-throughput", "--checkpoint", "c"]),
        ("quality", ["--checkpoint", "c"]),
        ("quality", ["--checkpoint", "c", "--no-fp8"]),
    ]


@pytest.mark.slow
def test_quality_benchmark_runs_end_to_end_on_a_tiny_voice_and_recognizer(
    tmp_path: Path, train_corpus_dir: Path
) -> None:
    from tts.frontend.inventory import load_inventory
    from tts.quality.mcd import QualityDependencyError, world_and_sptk
    from tts.recognizer.checkpoint import save_recognizer
    from tts.recognizer.model import PhonemeRecognizer, RecognizerConfig
    from tts.train import TrainConfig, train_voice

    try:
        world_and_sptk()
    except QualityDependencyError as error:
        pytest.skip(str(error))
    voice = train_voice(
        TrainConfig(
            out=str(tmp_path / "voice"),
            corpus=str(train_corpus_dir),
            languages=("hi",),
            sentences_per_language=2,
            test_sentences=1,
            steps=1,
            batch_size=2,
            workers=1,
            device="cpu",
            tiny=True,
        ),
        log=lambda _: None,
    )
    inventory = load_inventory()
    torch.manual_seed(0)
    recognizer = PhonemeRecognizer(
        RecognizerConfig(len(inventory.tokens), len(inventory.languages), channels=16, hidden=16, layers=1)
    )
    save_recognizer(recognizer, inventory, tmp_path / "recognizer", {})
    command = [
        sys.executable,
        "bench/tts_quality.py",
        "--checkpoint",
        str(voice.checkpoint),
        "--recognizer",
        str(tmp_path / "recognizer"),
        "--languages",
        "hi",
        "--per-language",
        "1",
        "--no-dnsmos",
        "--confusions",
        "3",
        "--copy-synthesis",
        "--json",
        str(tmp_path / "quality.json"),
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert run.returncode in (0, 1), run.stderr  # 1: a tiny voice misses the targets
    assert "Traceback" not in run.stderr
    rows = json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))["hi"]
    assert set(rows) == {"teacher", "fp32", "fp8", "vocoded", "fp32 forced", "fp8 forced"}
    assert rows["fp32"]["n"] == 1 and rows["vocoded"]["PER"] >= 0 and rows["vocoded"]["MCD"] > 0
    assert rows["fp32 forced"]["PER"] >= 0 and "edits of the fp32 voice beyond the teacher's" in run.stdout
    assert rows["fp32"]["MCD"] > 0 and rows["fp8"]["DTW-MCD"] > 0 and rows["teacher"]["PER"] >= 0
    assert rows["fp8"]["MCD"] > 0 and not np.isnan(rows["fp8"]["ΔMCD"])
    assert "FP8 vs fp32 voice, MCD gap with teacher durations" in run.stdout
