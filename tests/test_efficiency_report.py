"""Plots and the markdown report: files are written, tables carry the measured numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from indic.efficiency import (
    EfficiencyError,
    load_corpus,
    measure,
    plot_fertility,
    plot_parity,
    plot_tokens_saved,
    report,
)
from indic.efficiency.report import markdown_table, summarize

# Tiny tokenizers and corpora built in tmp folders, plus an empty cache and an offline hub per test.
pytest_plugins = ["test_efficiency_fixtures"]
pytestmark = pytest.mark.usefixtures("private_cache_and_offline_hub")


@pytest.fixture
def table(tiny_corpus_dir: Path, tiny_bpe_dir: Path, tiny_tiktoken: Path):
    return measure({"bpe": tiny_bpe_dir, "bytes": tiny_tiktoken}, tiny_corpus_dir, baseline="bytes")


def test_each_plot_is_written_as_png_and_svg(table, tmp_path: Path) -> None:
    for plot, stem in ((plot_fertility, "fertility"), (plot_parity, "parity")):
        plot(table, tmp_path / stem)
    plot_tokens_saved(table, out=tmp_path / "saved")
    for stem in ("fertility", "parity", "saved"):
        assert (tmp_path / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (tmp_path / f"{stem}.svg").read_bytes()


def test_plots_label_languages_by_code_and_english_name(table) -> None:
    figure = plot_fertility(table)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == ["en English", "hi Hindi", "ta Tamil"]


def test_tokens_saved_needs_a_baseline(tiny_corpus_dir: Path, tiny_bpe_dir: Path) -> None:
    with pytest.raises(EfficiencyError, match="baseline"):
        plot_tokens_saved(measure(tiny_bpe_dir, tiny_corpus_dir))


def test_parity_heat_map_needs_a_parallel_corpus(tiny_corpus_dir: Path, tiny_bpe_dir: Path) -> None:
    table = measure(tiny_bpe_dir, load_corpus(tiny_corpus_dir, parallel=False))
    with pytest.raises(EfficiencyError, match="parallel"):
        plot_parity(table)


def test_report_folder_holds_markdown_csv_and_plots(table, tmp_path: Path) -> None:
    path = report(table, tmp_path / "out", title="Tiny")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Tiny")
    for image in ("fertility.png", "parity.png", "tokens_saved.png"):
        assert f"]({image})" in text
        assert (path.parent / image).is_file()
    assert (path.parent / "efficiency.csv").read_text(encoding="utf-8").startswith("tokenizer,lang,lines,")
    bpe_english = table.query("tokenizer == 'bpe' and lang == 'en'")["fertility"].iloc[0]
    assert f"{bpe_english:.2f}" in text


def test_summary_has_one_row_per_tokenizer_in_measured_order(table) -> None:
    summary = summarize(table)
    assert list(summary["tokenizer"]) == ["bpe", "bytes"]
    assert summary.loc[1, "mean NSL vs baseline"] == 1.0


def test_markdown_table_formats_numbers_for_reading() -> None:
    import pandas as pd

    text = markdown_table(pd.DataFrame({"name": ["a"], "count": [1234567], "ratio": [0.12345]}))
    assert text.splitlines() == ["| name | count | ratio |", "|---|---|---|", "| a | 1,234,567 | 0.12 |"]
