"""`indic tokenizer analyze|compare`: reports on success, one clear line and exit 1 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_efficiency_fixtures import SENTENCES, write_corpus
from typer.testing import CliRunner

from indic.cli import app

# Tiny tokenizers and corpora built in tmp folders, plus an empty cache and an offline hub per test.
pytest_plugins = ["test_efficiency_fixtures"]
pytestmark = pytest.mark.usefixtures("private_cache_and_offline_hub")

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["tokenizer", *args])


def assert_fails_clearly(result, message: str) -> None:
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_analyze_writes_a_report_for_labelled_tokenizers(
    tiny_corpus_dir: Path, tiny_bpe_dir: Path, tiny_tiktoken: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    result = run(
        "analyze", "-t", f"bpe={tiny_bpe_dir}", "-t", str(tiny_tiktoken),
        "--corpus", str(tiny_corpus_dir), "--baseline", str(tiny_tiktoken), "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "report.md" in result.output
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| bpe |" in report and "| tiny_o200k |" in report
    assert "Tokens saved against tiny_o200k" in report
    assert (out / "parity.svg").is_file()


def test_analyze_rejects_an_unknown_tokenizer_format(tiny_corpus_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"\x00 not a tokenizer")
    assert_fails_clearly(
        run("analyze", "-t", str(junk), "--corpus", str(tiny_corpus_dir)), "unknown tokenizer format"
    )


def test_analyze_rejects_a_missing_tokenizer_file(tiny_corpus_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "tokenizer.json"
    result = run("analyze", "-t", str(missing), "--corpus", str(tiny_corpus_dir))
    assert_fails_clearly(result, "no such tokenizer file")


def test_analyze_rejects_a_missing_corpus(tiny_bpe_dir: Path, tmp_path: Path) -> None:
    result = run("analyze", "-t", str(tiny_bpe_dir), "--corpus", str(tmp_path / "absent"))
    assert_fails_clearly(result, "no such corpus")


def test_analyze_rejects_a_parallel_corpus_without_english(tiny_bpe_dir: Path, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"hi": SENTENCES["hi"]})
    result = run("analyze", "-t", str(tiny_bpe_dir), "--corpus", str(corpus), "--out", str(tmp_path / "o"))
    assert_fails_clearly(result, "no English side")
    assert not (tmp_path / "o").exists()


def test_analyze_rejects_mismatched_parallel_line_counts(tiny_bpe_dir: Path, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"en": SENTENCES["en"], "ta": SENTENCES["ta"][:1]})
    assert_fails_clearly(
        run("analyze", "-t", str(tiny_bpe_dir), "--corpus", str(corpus)), "different line counts"
    )


def test_analyze_measures_non_parallel_text_without_english(tiny_bpe_dir: Path, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"hi": SENTENCES["hi"], "ta": SENTENCES["ta"][:1]})
    out = tmp_path / "o"
    result = run(
        "analyze", "-t", str(tiny_bpe_dir), "--corpus", str(corpus), "--no-parallel", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert not (out / "parity.png").exists()


def test_flores_dev_without_shared_data_says_where_it_looked(
    tiny_bpe_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INDIC_SHARED_DIR", str(tmp_path))
    assert_fails_clearly(
        run("analyze", "-t", str(tiny_bpe_dir), "--corpus", "flores-dev"), "INDIC_SHARED_DIR"
    )


def test_compare_shows_each_tokenizers_pieces_and_count(tiny_bpe_dir: Path, tiny_tiktoken: Path) -> None:
    result = run("compare", "hello नमस्ते", "-t", f"bpe={tiny_bpe_dir}", "-t", str(tiny_tiktoken), "--ids")
    assert result.exit_code == 0, result.output
    assert "bpe:" in result.output and "tiny_o200k:" in result.output
    assert result.output.count("hello नमस्ते") == 2, "the pieces of each tokenizer spell the sentence"


def test_compare_rejects_an_unavailable_tokenizer() -> None:
    assert_fails_clearly(run("compare", "hello", "-t", "no-such-org/no-such-tokenizer"), "HF_HUB_OFFLINE")


@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_help_gives_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example: indic tokenizer" in result.output


def test_analyze_asks_to_label_two_tokenizers_with_one_name(
    tiny_corpus_dir: Path, tiny_bpe_dir: Path
) -> None:
    result = run(
        "analyze",
        "-t",
        str(tiny_bpe_dir),
        "-t",
        str(tiny_bpe_dir / "tokenizer.json"),
        "-c",
        str(tiny_corpus_dir),
    )
    assert_fails_clearly(result, "label them")
