"""The *Tokenize* tab: how each tokenizer cuts the input, what it costs, and how it fares on FLORES.

Token boundaries are shown as alternately coloured pieces (``gr.HighlightedText``); byte-level
tokenizers that split one Indic character across tokens are grouped into the smallest displayable
piece by :func:`indic.efficiency.token_segments`. The per-language chart measures each chosen
tokenizer on FLORES-200 dev when the reference data is present (cached by file and corpus hash),
otherwise it shows the efficiency recorded in a bundled tokenizer's card.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from serving.app.limits import DEFAULT_LIMITS, AppLimits, InputRejected, check_text

_LOAD_LOCK = threading.Lock()
_MEASURE_LOCK = threading.Lock()


def tokenizer_choices() -> dict[str, str]:
    """Display name → load spec: bundled tokenizers first, then the reference anchors when present."""
    from indic.artifacts import list_artifacts
    from indic.reference_data import anchor_tokenizers

    choices = {a.name: a.name for a in list_artifacts() if a.kind == "tokenizer"}
    choices.update({name: str(path) for name, path in anchor_tokenizers().items()})
    return choices


@functools.lru_cache(maxsize=16)
def _load(name: str, spec: str):
    from indic.efficiency import load_tokenizer

    with _LOAD_LOCK:
        return load_tokenizer(spec, name=name)


def split_view(text: str, names: Sequence[str], choices: dict[str, str], limits: AppLimits = DEFAULT_LIMITS):
    """Highlighted pieces and a stats table for ``text`` under each tokenizer in ``names``."""
    text = check_text(text, "Text", limits.max_text_chars)
    if not names:
        raise InputRejected("Pick at least one tokenizer.")
    if len(names) > limits.max_tokenizers:
        raise InputRejected(f"Pick at most {limits.max_tokenizers} tokenizers at a time.")
    from indic.efficiency import token_segments
    from indic.text import identify_language

    words = max(len(text.split()), 1)
    lang = _language_of(text, identify_language)
    pieces: list[list[tuple[str, str | None]]] = []
    rows = []
    for name in names:
        tokenizer = _load(name, choices[name])
        segments = token_segments(tokenizer, text)
        pieces.append([(s.text, "even" if i % 2 == 0 else "odd") for i, s in enumerate(segments)])
        tokens = sum(len(s.ids) for s in segments)
        rows.append(
            {
                "tokenizer": name,
                "tokens": tokens,
                "fertility (tokens/word)": round(tokens / words, 3),
                "chars/token": round(len(text) / max(tokens, 1), 3),
                "bytes/token": round(len(text.encode("utf-8", "surrogatepass")) / max(tokens, 1), 3),
            }
        )
    stats = pd.DataFrame(rows)
    parity = flores_parity(tuple(names), choices, lang)
    if parity is not None:
        stats["FLORES parity vs English (" + lang + ")"] = stats["tokenizer"].map(parity).round(3)
    return pieces, stats, lang


def _language_of(text: str, identify) -> str:
    try:
        return str(identify(text))
    except ValueError:
        return "unknown"


@functools.lru_cache(maxsize=64)
def flores_table(names: tuple[str, ...], choices_items: tuple[tuple[str, str], ...]) -> pd.DataFrame | None:
    """Efficiency of ``names`` on FLORES-200 dev (``indic.efficiency.measure``), or None without it."""
    from indic.efficiency import CorpusNotFoundError, measure

    choices = dict(choices_items)
    with _MEASURE_LOCK:  # one measurement at a time; concurrent callers then hit the cache
        try:
            return measure({name: _load(name, choices[name]) for name in names}, "flores-dev")
        except CorpusNotFoundError:
            return _card_table(names)


def flores_parity(names: tuple[str, ...], choices: dict[str, str], lang: str) -> dict[str, float] | None:
    table = flores_table(names, tuple(sorted(choices.items())))
    if table is None or lang not in set(table["lang"]):
        return None
    rows = table[table["lang"] == lang]
    return dict(zip(rows["tokenizer"], rows["parity_vs_en"], strict=True))


@functools.lru_cache(maxsize=64)
def fertility_chart(
    names: tuple[str, ...], choices_items: tuple[tuple[str, str], ...], folder: str
) -> str | None:
    """PNG of tokens per word by language (:func:`indic.efficiency.plot_fertility`), rendered once per set."""
    table = flores_table(names, choices_items)
    if table is None:
        return None
    import hashlib

    import matplotlib

    matplotlib.use("Agg")
    from indic.efficiency import plot_fertility
    from indic.efficiency.plots import save_figure

    with _MEASURE_LOCK:
        figure = plot_fertility(table)
        stem = hashlib.sha256("\0".join(names).encode()).hexdigest()[:16]
        written = save_figure(figure, Path(folder) / f"fertility-{stem}")
    return str(next(p for p in written if p.suffix == ".png"))


def _card_table(names: tuple[str, ...]) -> pd.DataFrame | None:
    """Fallback without FLORES: the per-language efficiency bundled tokenizers record in their cards."""
    from indic.artifacts import ArtifactNotFoundError, find_artifact

    rows = []
    for name in names:
        try:
            card = find_artifact(name).card
        except ArtifactNotFoundError:
            continue
        for lang, values in card.get("efficiency", {}).get("per_language", {}).items():
            rows.append({"tokenizer": name, "lang": lang, **values})
    if not rows:
        return None
    table = pd.DataFrame(rows)
    return table if {"fertility", "parity_vs_en"} <= set(table.columns) else None
