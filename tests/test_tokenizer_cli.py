"""`indic tokenizer train`: clear errors for bad input, a trained folder for good input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from indic.cli import app
from tests.test_tokenizer_corpus import write_corpus

runner = CliRunner()


def _train(*args: str):
    return runner.invoke(app, ["tokenizer", "train", *args])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vocab-size", "200"], "byte alphabet"),
        (["--transition", "0"], "(0, 1]"),
        (["--transition", "1.5"], "(0, 1]"),
        (["--algorithm", "wordpiece"], "unknown algorithm"),
    ],
)
def test_train_rejects_bad_options_with_one_clear_line(tmp_path, args, message):
    corpus = write_corpus(tmp_path / "corpus", 5)
    result = _train("--corpus", str(corpus), "--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_train_rejects_a_missing_corpus(tmp_path):
    result = _train("--corpus", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "no such file" in result.output


def test_train_rejects_an_empty_corpus(tmp_path):
    (tmp_path / "hi.txt").write_text("", encoding="utf-8")
    result = _train("--corpus", str(tmp_path / "hi.txt"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "empty" in result.output


def test_train_rejects_a_corpus_that_is_not_utf8(tmp_path):
    (tmp_path / "hi.txt").write_bytes(b"\xff\xfe\xfa not text\n")
    result = _train("--corpus", str(tmp_path / "hi.txt"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "UTF-8" in result.output


def test_train_writes_a_superbpe_folder_and_reports_each_stage(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 60)
    out = tmp_path / "out"
    result = _train("--corpus", str(corpus), "--out", str(out), "--vocab-size", "500", "--transition", "0.8")
    assert result.exit_code == 0, result.output
    assert "stage 1" in result.output and "stage 2" in result.output
    assert json.loads((out / "card.json").read_text(encoding="utf-8"))["vocab_size"] == 500


def test_train_help_shows_an_example():
    result = runner.invoke(app, ["tokenizer", "train", "--help"])
    assert result.exit_code == 0 and "Example" in result.output
