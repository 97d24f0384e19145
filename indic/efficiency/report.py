"""A markdown report of a :func:`measure` table: summary, per-language tables, plots, raw CSV.

One folder holds everything a reader needs: ``report.md`` (tables and embedded plots),
``efficiency.csv`` (the tidy table, all columns), and the plots as PNG and SVG. Tokenizers that
do not round-trip every line are called out in the summary, never silently dropped.

    >>> from indic.efficiency import measure, report                            # doctest: +SKIP
    >>> report(measure(["a/tokenizer.json", "b.model"], "flores-dev", baseline="a"), "out")  # doctest: +SKIP
    PosixPath('out/report.md')
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from indic.atomic import atomic_write_text
from indic.efficiency.plots import plot_fertility, plot_parity, plot_tokens_saved

_PER_LANGUAGE = (
    ("fertility", "Fertility (tokens per whitespace word)"),
    ("parity_vs_en", "Parity with English (tokens / English tokens on the same lines)"),
    ("chars_per_token", "Characters per token"),
    ("bytes_per_token", "UTF-8 bytes per token"),
    ("nsl_vs_baseline", "Normalized sequence length (tokens / baseline tokens)"),
)


def report(table: pd.DataFrame, out_dir: str | Path, *, title: str = "Token efficiency") -> Path:
    """Write the report folder for ``table`` and return the path of ``report.md``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "efficiency.csv", table.to_csv(index=False, float_format="%.4f"))
    baseline = table.attrs.get("baseline")
    parallel = not table["parity_vs_en"].isna().all()
    sections = [
        f"# {title}",
        f"Corpus: `{table.attrs.get('corpus', 'corpus')}`. Each line encoded on its own, no special tokens; "
        "words = whitespace-split words. Full table: [efficiency.csv](efficiency.csv).",
        "## Summary",
        markdown_table(summarize(table)),
        _roundtrip_note(table),
    ]
    plot_fertility(table, out / "fertility")
    sections += ["## Fertility per language", "![fertility per language](fertility.png)"]
    if parallel:
        plot_parity(table, out / "parity")
        sections += ["## Parity with English", "![parity heat-map](parity.png)"]
    if baseline is not None and len(table["tokenizer"].unique()) > 1:
        plot_tokens_saved(table, baseline, out / "tokens_saved")
        sections += [f"## Tokens saved against {baseline}", "![tokens saved](tokens_saved.png)"]
    for column, heading in _PER_LANGUAGE:
        if not table[column].isna().all():
            sections += [f"## {heading}", markdown_table(_by_language(table, column))]
    path = out / "report.md"
    atomic_write_text(path, "\n\n".join(section for section in sections if section) + "\n")
    return path


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """One row per tokenizer: vocabulary, mean/best/worst fertility outside English, English, parity."""
    vocab = table.attrs.get("vocab_size", {})
    rows = []
    for name, group in table.groupby("tokenizer", sort=False):
        others = group[group["lang"] != "en"]
        english = group[group["lang"] == "en"]
        best, worst = others.loc[others["fertility"].idxmin()], others.loc[others["fertility"].idxmax()]
        rows.append(
            {
                "tokenizer": name,
                "vocab": vocab.get(name, math.nan),
                "mean fertility (excl. en)": others["fertility"].mean(),
                "best": f"{best['lang']} {best['fertility']:.2f}",
                "worst": f"{worst['lang']} {worst['fertility']:.2f}",
                "en fertility": english["fertility"].mean() if not english.empty else math.nan,
                "mean parity (excl. en)": others["parity_vs_en"].mean(),
                "mean bytes/token (excl. en)": others["bytes_per_token"].mean(),
                "mean NSL vs baseline": group["nsl_vs_baseline"].mean(),
                "lines not round-tripping": int(
                    round((group["roundtrip_failure_rate"] * group["lines"]).sum())
                ),
            }
        )
    return pd.DataFrame(rows).dropna(axis="columns", how="all")


def markdown_table(frame: pd.DataFrame, digits: int = 2) -> str:
    """A GitHub markdown table; floats to ``digits`` places, integers with thousands separators."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else f"{value:.{digits}f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(value) for value in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _by_language(table: pd.DataFrame, column: str) -> pd.DataFrame:
    grid = table.pivot(index="tokenizer", columns="lang", values=column)
    grid = grid.reindex(
        index=list(dict.fromkeys(table["tokenizer"])), columns=list(dict.fromkeys(table["lang"]))
    )
    if column == "parity_vs_en":
        grid = grid.drop(columns="en", errors="ignore")
    return grid.reset_index()


def _roundtrip_note(table: pd.DataFrame) -> str:
    lossy = table[table["roundtrip_failure_rate"] > 0]
    if lossy.empty:
        return "Every tokenizer gives every line back on decoding (up to NFC or the project's normalization)."
    items = ", ".join(
        f"{row.tokenizer} on {row.lang} ({row.roundtrip_failure_rate:.1%} of lines)"
        for row in lossy.itertuples()
    )
    return (
        "**Lossy:** decode(encode(line)) differs from the line (even after NFC or the project's "
        f"normalization) for {items}."
    )
