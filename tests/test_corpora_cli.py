"""`indic corpus ...` commands: output, JSON, and clear errors (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indic.cli import app
from indic.languages import LANGUAGE_CODES

runner = CliRunner()


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    _write(tmp_path / "corpus" / "hi.txt", ["यह पहला वाक्य है।", "यह दूसरा वाक्य है।"] * 3)
    _write(tmp_path / "corpus" / "or.txt", ["ଏହା ଏକ ବାକ୍ୟ।"])
    return tmp_path / "corpus"


def test_stats_prints_a_table_per_language(corpus):
    result = runner.invoke(app, ["corpus", "stats", str(corpus), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "hi" in result.stdout and "or" in result.stdout and "script purity" in result.stdout
    assert "66.67%" in result.stdout  # four of six Hindi lines repeat an earlier one


def test_stats_json_gives_the_numbers(corpus):
    result = runner.invoke(app, ["corpus", "stats", str(corpus), "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["hi"]["lines"] == 6 and data["or"]["words"] == 3
    assert data["or"]["script_purity"] == pytest.approx(1.0)


def test_stats_without_a_path_describes_the_bundled_sample():
    result = runner.invoke(app, ["corpus", "stats", "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)) == sorted(LANGUAGE_CODES)


@pytest.mark.parametrize("command", ["stats", "mix", "contamination", "manifest", "dedup"])
def test_a_missing_path_is_a_clear_error_without_traceback(tmp_path, command):
    extra = {
        "mix": ["--out", str(tmp_path / "m.txt")],
        "manifest": ["--out", str(tmp_path / "m.json")],
        "contamination": ["--eval", str(tmp_path)],
        "dedup": ["--out-dir", str(tmp_path / "clean")],
    }.get(command, [])
    result = runner.invoke(app, ["corpus", command, str(tmp_path / "absent.txt"), *extra])
    assert result.exit_code == 1
    assert "absent.txt: no such file or folder" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "hi.txt.gz"
    bad.write_text("plain text pretending to be gzip")
    result = runner.invoke(app, ["corpus", "stats", str(bad), "--workers", "1"])
    assert result.exit_code == 1
    assert "not gzip data" in result.output and "Traceback" not in result.output


def test_mix_writes_the_file_and_prints_the_mix(corpus, tmp_path):
    out = tmp_path / "mix.txt"
    result = runner.invoke(app, ["corpus", "mix", str(corpus), "--alpha", "0.3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "mix.txt.mix.json").exists()
    assert "upsampling" in result.stdout and "or" in result.stdout


def test_mix_refuses_files_whose_language_is_unknown(tmp_path):
    notes = _write(tmp_path / "notes.txt", ["some text"])
    result = runner.invoke(app, ["corpus", "mix", str(notes), "--out", str(tmp_path / "m.txt")])
    assert result.exit_code == 1 and "cannot tell the language" in result.output


def test_mix_rejects_a_negative_alpha(corpus, tmp_path):
    result = runner.invoke(
        app, ["corpus", "mix", str(corpus), "--alpha", "-1", "--out", str(tmp_path / "m.txt")]
    )
    assert result.exit_code == 1 and "alpha" in result.output


def test_contamination_counts_evaluation_lines_in_training_text(corpus, tmp_path):
    dev = _write(tmp_path / "dev" / "hi.txt", ["यह पहला वाक्य है।", "बिल्कुल नया वाक्य यहाँ लिखा है।"])
    result = runner.invoke(app, ["corpus", "contamination", str(corpus), "--eval", str(dev.parent), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["languages"]["hi"]["exact"] == 1


def test_manifest_records_sha256_per_file(corpus, tmp_path):
    out = tmp_path / "manifest.json"
    result = runner.invoke(app, ["corpus", "manifest", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads(out.read_text(encoding="utf-8"))
    entry = manifest["languages"]["hi"]["files"][0]
    assert entry["lines"] == 6 and len(entry["sha256"]) == 64 and entry["language"] == "hi"


def test_every_corpus_command_has_help_with_an_example():
    for command in ("stats", "mix", "contamination", "manifest", "dedup"):
        result = runner.invoke(app, ["corpus", command, "--help"])
        assert result.exit_code == 0 and "Example: indic corpus" in result.output


def test_dedup_writes_clean_files_and_prints_what_it_removed(corpus, tmp_path):
    result = runner.invoke(app, ["corpus", "dedup", str(corpus), "--out-dir", str(tmp_path / "clean")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "clean" / "hi.txt").read_text(encoding="utf-8").splitlines() == [
        "यह पहला वाक्य है।",
        "यह दूसरा वाक्य है।",
    ]
    assert "66.67%" in result.stdout
