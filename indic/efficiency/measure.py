"""``measure``: token efficiency of tokenizers over a corpus, as one tidy DataFrame.

Definitions follow ``../shared/anchors/tokenizer_efficiency.md`` so our figures compare with the
anchors: each line is encoded on its own without special tokens; words = ``str.split()`` words,
chars = code points, bytes = UTF-8 bytes; fertility = tokens/words; parity_vs_en =
tokens(lang)/tokens(en) over the same parallel lines; nsl_vs_baseline (normalized sequence length)
= tokens/tokens of the baseline tokenizer on the same language. A line round-trips when
``decode(encode(line))`` gives back the line, its NFC form (canonically equivalent: nothing a
reader sees has changed), or its :func:`indic.text.normalize` form — the project's canonical text,
which our own tokenizers return by design (lossless means ``decode(encode(x)) == normalize(x)``).
Lines that do not are counted in ``roundtrip_failure_rate``, not hidden.

All of a tokenizer's uncached lines go to the library in one batch call; counts are cached
on disk by tokenizer fingerprint and text hash (:mod:`indic.efficiency.cache`).

    >>> from indic.efficiency import measure
    >>> table = measure(["o200k_base.tiktoken", "indic-superbpe-64k"], "flores-dev",
    ...                 baseline="o200k_base")                                      # doctest: +SKIP
    >>> table.query("lang == 'or'")[["tokenizer", "fertility", "parity_vs_en"]]    # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from indic.efficiency.cache import CountCache, TokenCount
from indic.efficiency.corpus import Corpus, TextStats, load_corpus
from indic.efficiency.errors import EfficiencyError, MissingEnglishError, UnknownBaselineError
from indic.efficiency.loaders import load_tokenizer
from indic.efficiency.protocol import Tokenizer
from indic.text import normalize

COLUMNS = (
    "tokenizer",
    "lang",
    "lines",
    "words",
    "chars",
    "bytes",
    "tokens",
    "fertility",
    "chars_per_token",
    "bytes_per_token",
    "parity_vs_en",
    "nsl_vs_baseline",
    "roundtrip_failure_rate",
)

TokenizerSpecs = (
    str | Path | Tokenizer | Iterable[str | Path | Tokenizer] | Mapping[str, str | Path | Tokenizer]
)


def measure(
    tokenizers: TokenizerSpecs,
    corpus: str | os.PathLike[str] | Corpus | Mapping,
    baseline: str | None = None,
    *,
    cache: CountCache | bool = True,
) -> pd.DataFrame:
    """One row per tokenizer × language with the columns of :data:`COLUMNS`, in that order.

    ``tokenizers``: one spec, a list of specs or loaded tokenizers, or ``{label: spec}``.
    ``corpus``: ``"flores-dev"``, a path, a mapping or a :class:`Corpus`; a parallel corpus must
    include English (parity is measured against it). ``baseline``: the name of one of the
    tokenizers, for ``nsl_vs_baseline``. ``cache``: False to always re-encode.
    ``table.attrs`` keeps ``vocab_size`` per tokenizer, the corpus name and the baseline.
    """
    text = load_corpus(corpus)
    if text.parallel and "en" not in text.languages:
        raise MissingEnglishError(
            f"corpus {text.name!r} ({', '.join(text.languages)}) has no English side, so parity "
            "with English cannot be measured; add en.txt or measure it as non-parallel"
        )
    loaded = _load_all(tokenizers)
    if baseline is not None and baseline not in loaded:
        raise UnknownBaselineError(
            f"baseline {baseline!r} is not one of the tokenizers measured: {', '.join(loaded)}"
        )
    store = cache if isinstance(cache, CountCache) else (CountCache() if cache else None)
    counts = {name: count_tokens(tokenizer, text, store) for name, tokenizer in loaded.items()}
    rows = []
    for name, by_lang in counts.items():
        for lang, count in by_lang.items():
            english = by_lang["en"].tokens if text.parallel else math.nan
            reference = counts[baseline][lang].tokens if baseline is not None else math.nan
            rows.append(_row(name, lang, text.stats(lang), count, english, reference))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.attrs.update(
        vocab_size={name: tokenizer.vocab_size for name, tokenizer in loaded.items()},
        corpus=text.name,
        baseline=baseline,
    )
    return table


def _row(
    name: str, lang: str, stats: TextStats, count: TokenCount, english_tokens: float, baseline_tokens: float
) -> tuple:
    tokens = count.tokens
    return (
        name,
        lang,
        stats.lines,
        stats.words,
        stats.chars,
        stats.bytes,
        tokens,
        _ratio(tokens, stats.words),
        _ratio(stats.chars, tokens),
        _ratio(stats.bytes, tokens),
        _ratio(tokens, english_tokens),
        _ratio(tokens, baseline_tokens),
        count.roundtrip_failures / stats.lines,
    )


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def count_tokens(
    tokenizer: Tokenizer, corpus: Corpus, cache: CountCache | None = None
) -> dict[str, TokenCount]:
    """Token count and round-trip failures per language, encoding every uncached line in one batch."""
    counts: dict[str, TokenCount] = {}
    missing: list[str] = []
    for lang in corpus.languages:
        hit = cache.get(tokenizer.fingerprint, corpus.text_hash(lang)) if cache else None
        if hit is None:
            missing.append(lang)
        else:
            counts[lang] = hit
    lines = [line for lang in missing for line in corpus.lines[lang]]
    ids = tokenizer.encode_batch(lines) if lines else []
    decoded = tokenizer.decode_batch(ids) if lines else []
    start = 0
    for lang in missing:
        end = start + len(corpus.lines[lang])
        failures = sum(
            not _round_trips(original, back)
            for original, back in zip(lines[start:end], decoded[start:end], strict=True)
        )
        counts[lang] = TokenCount(tokens=sum(map(len, ids[start:end])), roundtrip_failures=failures)
        if cache:
            cache.put(tokenizer.fingerprint, corpus.text_hash(lang), counts[lang])
        start = end
    return {lang: counts[lang] for lang in corpus.languages}


def _round_trips(original: str, decoded: str) -> bool:
    if decoded == original or unicodedata.normalize("NFC", decoded) == unicodedata.normalize("NFC", original):
        return True
    return decoded == normalize(original)


def _load_all(tokenizers: TokenizerSpecs) -> dict[str, Tokenizer]:
    """Tokenizers by the label each gets in the table (``{label: spec}`` keys, else their names)."""
    if isinstance(tokenizers, Mapping):
        pairs = [(str(label), load_tokenizer(spec, name=str(label))) for label, spec in tokenizers.items()]
    else:
        specs = [tokenizers] if isinstance(tokenizers, str | Path | Tokenizer) else list(tokenizers)
        pairs = [(tokenizer.name, tokenizer) for tokenizer in map(load_tokenizer, specs)]
    if not pairs:
        raise EfficiencyError("no tokenizers to measure")
    names = [name for name, _ in pairs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise EfficiencyError(
            f"more than one tokenizer is named {', '.join(duplicates)}; "
            "label them ({label: spec} in Python, label=spec on the command line)"
        )
    return dict(pairs)
