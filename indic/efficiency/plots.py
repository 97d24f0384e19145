"""Plots of a :func:`measure` table: fertility per language, parity heat-map, tokens saved.

Each function returns a matplotlib ``Figure`` and, given ``out`` (a path without suffix), also
writes ``out.png`` and ``out.svg``. Figures are built with the object-oriented API (no pyplot, no
display needed). Languages are labelled by code and English name: matplotlib does no complex-script
shaping, so Indic native names would render as broken glyphs.

    >>> from indic.efficiency import measure, plot_fertility                       # doctest: +SKIP
    >>> plot_fertility(measure(["o200k_base.tiktoken"], "flores-dev"), "fertility")  # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from indic.atomic import atomic_write_bytes
from indic.efficiency.errors import EfficiencyError
from indic.languages import UnsupportedLanguageError, get_language

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")


def language_label(code: str) -> str:
    """``"hi"`` → ``"hi Hindi"``; codes outside the registry are shown as given."""
    try:
        return f"{code} {get_language(code).name}"
    except UnsupportedLanguageError:
        return code


def save_figure(figure: Figure, out: str | Path) -> list[Path]:
    """Write ``figure`` as ``out.png`` and ``out.svg`` (atomically); returns the paths written."""
    written = []
    for fmt in FORMATS:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight")
        path = Path(out).with_suffix(f".{fmt}")
        atomic_write_bytes(path, buffer.getvalue())
        written.append(path)
    return written


def plot_fertility(table: pd.DataFrame, out: str | Path | None = None) -> Figure:
    """Grouped bars: tokens per word for each language (x) and tokenizer (bar colour)."""
    return _grouped_bars(
        _in_table_order(table.pivot(index="lang", columns="tokenizer", values="fertility"), table),
        ylabel="tokens per word (fertility)",
        title=f"Fertility per language — {table.attrs.get('corpus', 'corpus')}",
        out=out,
    )


def plot_tokens_saved(
    table: pd.DataFrame, baseline: str | None = None, out: str | Path | None = None
) -> Figure:
    """Grouped bars: percent of the baseline's tokens each tokenizer saves, per language."""
    baseline = baseline or table.attrs.get("baseline")
    if baseline is None or table["nsl_vs_baseline"].isna().all():
        raise EfficiencyError(
            "tokens saved needs a table measured with a baseline (measure(..., baseline=NAME))"
        )
    others = table[table["tokenizer"] != baseline]
    if others.empty:
        raise EfficiencyError("tokens saved needs at least one tokenizer besides the baseline")
    saved = others.assign(saved=100.0 * (1.0 - others["nsl_vs_baseline"]))
    return _grouped_bars(
        _in_table_order(saved.pivot(index="lang", columns="tokenizer", values="saved"), saved),
        ylabel=f"% tokens saved vs {baseline}",
        title=f"Tokens saved against {baseline} — {table.attrs.get('corpus', 'corpus')}",
        out=out,
        zero_line=True,
    )


def plot_parity(table: pd.DataFrame, out: str | Path | None = None) -> Figure:
    """Heat-map of parity with English (tokens(lang)/tokens(en)), tokenizers × languages."""
    from matplotlib.figure import Figure

    if table["parity_vs_en"].isna().all():
        raise EfficiencyError("parity needs a parallel corpus with English")
    grid = _in_table_order(table.pivot(index="lang", columns="tokenizer", values="parity_vs_en"), table)
    grid = grid.drop(index="en", errors="ignore").T
    figure = Figure(figsize=(max(6.0, 0.8 * grid.shape[1] + 3), 0.55 * grid.shape[0] + 2))
    axes = figure.add_subplot()
    values = grid.to_numpy(dtype=float)
    image = axes.imshow(
        values, cmap="RdYlGn_r", aspect="auto", vmin=1.0, vmax=max(2.0, float(np.nanmax(values)))
    )
    axes.set_xticks(
        range(grid.shape[1]), [language_label(code) for code in grid.columns], rotation=45, ha="right"
    )
    axes.set_yticks(range(grid.shape[0]), list(grid.index))
    for row, column in np.ndindex(values.shape):
        if not math.isnan(values[row, column]):
            axes.text(column, row, f"{values[row, column]:.2f}", ha="center", va="center", fontsize=8)
    figure.colorbar(image, ax=axes, label="tokens(lang) / tokens(en)")
    axes.set_title(f"Parity with English (1.0 = as cheap as English) — {table.attrs.get('corpus', 'corpus')}")
    if out is not None:
        save_figure(figure, out)
    return figure


def _in_table_order(grid: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Rows (languages) and columns (tokenizers) in the order ``measure`` produced them."""
    return grid.reindex(
        index=list(dict.fromkeys(table["lang"])), columns=list(dict.fromkeys(table["tokenizer"]))
    )


def _grouped_bars(
    grid: pd.DataFrame, *, ylabel: str, title: str, out: str | Path | None, zero_line: bool = False
) -> Figure:
    from matplotlib.figure import Figure

    languages = list(grid.index)
    figure = Figure(figsize=(max(7.0, 0.9 * len(languages) + 2), 4.5))
    axes = figure.add_subplot()
    width = 0.8 / max(1, grid.shape[1])
    positions = np.arange(len(languages))
    for index, tokenizer in enumerate(grid.columns):
        axes.bar(
            positions + (index - (grid.shape[1] - 1) / 2) * width, grid[tokenizer], width, label=tokenizer
        )
    axes.set_xticks(positions, [language_label(code) for code in languages], rotation=45, ha="right")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    if zero_line:
        axes.axhline(0.0, color="black", linewidth=0.8)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8)
    if out is not None:
        save_figure(figure, out)
    return figure
