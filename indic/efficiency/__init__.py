"""Token efficiency: how many tokens a tokenizer spends on each language, and at what fidelity.

Load any tokenizer behind one protocol, measure a corpus into a tidy DataFrame, plot it and
write a markdown report::

    >>> from indic.efficiency import load_tokenizer, measure, plot_fertility, report
    >>> table = measure({"o200k": "../shared/anchors/tokenizers/o200k_base",
    ...                  "ours": "indic-superbpe-64k"}, "flores-dev", baseline="o200k")   # doctest: +SKIP
    >>> report(table, "out/")                                                          # doctest: +SKIP
"""

from __future__ import annotations

from indic.efficiency.corpus import Corpus, load_corpus
from indic.efficiency.errors import (
    CorpusError,
    CorpusNotFoundError,
    EfficiencyError,
    MissingEnglishError,
    ParallelLineCountError,
    SplitPatternError,
    TokenizerFileNotFoundError,
    TokenizerUnavailableError,
    UnknownBaselineError,
    UnknownTokenizerFormatError,
)
from indic.efficiency.loaders import load_tokenizer
from indic.efficiency.measure import COLUMNS, measure
from indic.efficiency.plots import plot_fertility, plot_parity, plot_tokens_saved
from indic.efficiency.protocol import Tokenizer
from indic.efficiency.report import report
from indic.efficiency.segments import Segment, token_segments

__all__ = [
    "COLUMNS",
    "Corpus",
    "CorpusError",
    "CorpusNotFoundError",
    "EfficiencyError",
    "MissingEnglishError",
    "ParallelLineCountError",
    "Segment",
    "SplitPatternError",
    "Tokenizer",
    "TokenizerFileNotFoundError",
    "TokenizerUnavailableError",
    "UnknownBaselineError",
    "UnknownTokenizerFormatError",
    "load_corpus",
    "load_tokenizer",
    "measure",
    "plot_fertility",
    "plot_parity",
    "plot_tokens_saved",
    "report",
    "token_segments",
]
