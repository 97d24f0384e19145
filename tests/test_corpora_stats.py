"""Corpus statistics: counts, script purity and duplicate share per language."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import regex

from corpora.discovery import discover_corpus_files
from corpora.stats import corpus_stats, plan_tasks

HINDI = ["यह पहला वाक्य है।", "यह दूसरा वाक्य है।", "Delhi में बारिश हुई।"]
TAMIL = ["இது ஒரு வாக்கியம்.", "இது ஒரு வாக்கியம்."]


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_stats_count_lines_bytes_and_words_per_language(tmp_path):
    _write(tmp_path / "hi.txt", HINDI)
    _write(tmp_path / "ta.txt", TAMIL)
    stats = corpus_stats([tmp_path])
    assert list(stats) == ["hi", "ta"]
    assert stats["hi"].lines == 3 and stats["hi"].files == 1
    assert stats["hi"].bytes == sum(len(line.encode()) + 1 for line in HINDI)
    assert stats["hi"].words == 12
    assert stats["ta"].duplicate_share == pytest.approx(0.5)
    assert stats["hi"].duplicate_share == 0.0


def test_script_purity_is_the_share_of_letters_in_the_expected_script(tmp_path):
    _write(tmp_path / "hi.txt", HINDI)
    _write(tmp_path / "ta.txt", TAMIL)
    stats = corpus_stats([tmp_path])
    assert stats["ta"].script_purity == pytest.approx(1.0)
    letters = len(regex.findall(r"[\p{L}\p{M}]", "".join(HINDI)))
    assert stats["hi"].script_purity == pytest.approx((letters - 5) / letters, abs=0.03)  # "Delhi" is Latin


def test_files_of_unknown_language_are_counted_without_a_purity(tmp_path):
    _write(tmp_path / "notes.txt", HINDI)
    stats = corpus_stats([tmp_path / "notes.txt"])
    assert stats["unknown"].lines == 3 and stats["unknown"].script_purity is None


def test_duplicates_are_found_across_byte_ranges_files_and_processes(tmp_path):
    lines = [f"वाक्य संख्या {index}" for index in range(3000)]
    _write(tmp_path / "hi" / "a.txt", lines)
    (tmp_path / "hi" / "b.txt.gz").write_bytes(gzip.compress("\n".join(lines[:1000]).encode()))
    files = discover_corpus_files([tmp_path])
    tasks = plan_tasks(files, "text", chunk_bytes=4096)
    assert len(tasks) > 10
    single = corpus_stats([tmp_path], workers=1, chunk_bytes=4096)
    parallel = corpus_stats([tmp_path], workers=2, chunk_bytes=4096)
    assert single["hi"].as_dict() == parallel["hi"].as_dict()
    assert single["hi"].lines == 4000 and single["hi"].files == 2
    assert single["hi"].duplicate_share == pytest.approx(0.25)


def test_byte_ranges_give_every_line_exactly_once(tmp_path):
    lines = [f"पंक्ति {index} " + "क" * (index % 17) for index in range(2000)]
    _write(tmp_path / "hi.txt", lines)
    assert len(plan_tasks(discover_corpus_files([tmp_path]), "text", chunk_bytes=1000)) > 50
    whole = corpus_stats([tmp_path], chunk_bytes=1000)["hi"]
    assert (whole.lines, whole.bytes) == (2000, sum(len(line.encode()) + 1 for line in lines))


def test_whole_file_and_byte_range_reading_agree_on_what_a_line_is(tmp_path):
    text = "पहली पंक्ति\r\nदूसरी\rपंक्ति\n\nतीसरी पंक्ति\n" * 200
    (tmp_path / "hi.txt").write_text(text, encoding="utf-8", newline="")
    whole = corpus_stats([tmp_path])["hi"].as_dict()
    assert corpus_stats([tmp_path], chunk_bytes=500)["hi"].as_dict() == whole
    assert whole["lines"] == 600
