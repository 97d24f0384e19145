"""Installing an exported voice as an artifact: the card carries the bench's figures, the folder speaks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tts.install_bundled import VoiceInstallError, install_voice, main, merged_tables, quality_block

TABLE = {
    "hi": {
        "teacher": {"n": 2, "PER": 0.02, "DNSMOS": 3.1},
        "fp32": {"n": 2, "MCD": 4.1, "DTW-MCD": 3.8, "PER": 0.025, "PER ×teach": 1.25, "F0 RMSE": math.nan},
        "fp8": {"n": 2, "DTW-MCD": 3.9, "Δfp32": 0.1, "PER": 0.03, "PER ×teach": 1.5},
    },
    "ta": {
        "teacher": {"n": 2, "PER": 0.01},
        "fp32": {"n": 2, "MCD": 4.6, "DTW-MCD": 3.5, "PER": 0.01, "PER ×teach": 1.0},
        "fp8": {"n": 2, "DTW-MCD": 3.4, "Δfp32": -0.1, "PER": 0.01, "PER ×teach": 1.0},
    },
}


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tts.export import export_random_voice

    folder = tmp_path_factory.mktemp("voice")
    export_random_voice(folder)
    return folder


def test_quality_block_keeps_the_systems_columns_and_the_worst_language() -> None:
    block = quality_block(TABLE, "fp8")
    assert block["per_language"]["hi"] == {
        "DTW-MCD": 3.9,
        "Δfp32": 0.1,
        "PER": 0.03,
        "PER ×teach": 1.5,
        "teacher PER": 0.02,
        "sentences": 2,
    }
    assert block["worst"] == {"DTW-MCD": 3.9, "Δfp32": 0.1, "PER ×teach": 1.5}
    assert "F0 RMSE" not in quality_block(TABLE, "fp32")["per_language"]["hi"]


def test_a_per_run_on_more_sentences_replaces_the_phoneme_error_rates() -> None:
    per_table = {
        lang: {
            "teacher": {"n": 20, "PER": 0.015},
            "fp32": {"n": 20, "PER": 0.021, "PER ×teach": 1.4, "MCD": math.nan},
        }
        for lang in TABLE
    }
    row = quality_block(TABLE, "fp32", per_table)["per_language"]["hi"]
    assert row["MCD"] == 4.1 and row["sentences"] == 2
    per = (row["PER"], row["PER ×teach"], row["teacher PER"], row["PER sentences"])
    assert per == (0.021, 1.4, 0.015, 20)
    with pytest.raises(VoiceInstallError, match="PER table has no 'fp8' row"):
        quality_block(TABLE, "fp8", per_table)


def test_an_unknown_system_is_a_clear_error() -> None:
    with pytest.raises(VoiceInstallError, match="one of fp32, fp8"):
        quality_block(TABLE, "int4")


def test_installed_voice_speaks_and_its_card_has_the_quality(voice_dir: Path, tmp_path: Path) -> None:
    from tts.voice import Voice

    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "stale.txt").write_text("old")
    quality = tmp_path / "quality.json"
    quality.write_text(json.dumps(TABLE))
    main(
        [
            *("--voice", str(voice_dir), "--name", "v", "--quality", str(quality), "--system", "fp32"),
            *("--measured-by", "bench", "--command", "export", "--training-minutes", "1.5"),
            *("--rtf", "0.02", "--piper-ratio", "30", "--root", str(tmp_path)),
        ]
    )
    card = json.loads((tmp_path / "v" / "card.json").read_text(encoding="utf-8"))
    assert card["name"] == "v" and card["training_minutes_total"] == 1.5
    assert card["quality"]["per_language"]["ta"]["MCD"] == 4.6
    assert card["quality"]["rtf_2_cpu_cores"] == 0.02
    assert not (tmp_path / "v" / "stale.txt").exists()
    assert len(Voice(tmp_path / "v", threads=1).synthesize("வணக்கம்", "ta")) > 0


def test_an_incomplete_voice_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VoiceInstallError, match="lacks model.onnx"):
        install_voice(tmp_path, "v", {}, {}, root=tmp_path / "root")


def test_tables_of_separate_runs_merge_but_a_language_scored_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"hi": TABLE["hi"]}))
    (tmp_path / "b.json").write_text(json.dumps({"ta": TABLE["ta"]}))
    assert set(merged_tables([tmp_path / "a.json", tmp_path / "b.json"])) == {"hi", "ta"}
    with pytest.raises(VoiceInstallError, match="hi again"):
        merged_tables([tmp_path / "a.json", tmp_path / "a.json"])
