"""`indic tokenizer train` flags for stage-2 sampling, balance and encoder: one clear line for bad values."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from indic.cli import app
from tests.test_tokenizer_corpus import write_corpus

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stage2-sample", "0"], "stage2_sample"),
        (["--stage2-sample", "2"], "stage2_sample"),
        (["--stage2-balance", "1.5"], "stage2_balance"),
        (["--stage2-balance", "-0.1"], "stage2_balance"),
        (["--encoder", "greedy"], "unknown encoder"),
        (["--algorithm", "spm-bpe", "--encoder", "shortest-path"], "BPE vocabulary"),
    ],
)
def test_train_rejects_bad_stage2_sample_and_encoder_with_one_line(tmp_path, args, message):
    corpus = write_corpus(tmp_path / "corpus", 5)
    result = runner.invoke(
        app, ["tokenizer", "train", "--corpus", str(corpus), "--out", str(tmp_path / "o"), *args]
    )
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_train_flags_reach_the_card(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 60)
    out = tmp_path / "out"
    args = [
        "--vocab-size",
        "600",
        "--transition",
        "0.7",
        "--stage2-sample",
        "0.5",
        "--stage2-balance",
        "0.5",
        "--encoder",
        "shortest-path",
    ]
    result = runner.invoke(app, ["tokenizer", "train", "--corpus", str(corpus), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["stage2_sample"] == 0.5 and card["encoder"] == "shortest-path"
    assert card["stage2_balance"] == 0.5 and set(card["stage2_scripts"]) >= {"Devanagari", "Latin"}
    assert json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))["model"]["type"] == "Unigram"
