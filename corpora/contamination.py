"""Contamination check: how many evaluation lines (e.g. FLORES dev) also occur in training text.

A model scored on sentences it was trained on looks better than it is. Two tests, per language
(evaluation language X against training language X):

- **exact** — the evaluation line, normalized (:func:`indic.text.normalize`), equals a training
  line, normalized;
- **n-gram** — at least ``threshold`` of the evaluation line's word ``n``-grams occur somewhere in
  the training text (GPT-3's test, with n = 8 by default because FLORES sentences are short and
  Dravidian words are long). Words are runs of letters, marks, digits and ZWJ/ZWNJ, case-folded,
  so punctuation and spacing differences do not hide a copy. A line shorter than ``n`` words is
  one n-gram (so a short evaluation line matches only a training line of the same words, never
  a long line that happens to contain them). Exact hits are n-gram hits too.

Only the evaluation side is held in memory (its keys and n-grams); training text streams::

    >>> from corpora.contamination import check_contamination
    >>> train, dev = {"hi": [Path("train/hi.txt")]}, {"hi": [Path("dev/hi.txt")]}
    >>> check_contamination(train, dev).languages["hi"].exact      # doctest: +SKIP
    0
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import regex

from corpora.discovery import discover_corpus_files
from corpora.exact_dedup import normalized_key
from corpora.readers import DEFAULT_TEXT_FIELD, iter_file_lines
from corpora.workers import worker_context
from indic.text import normalize

DEFAULT_NGRAM = 8
DEFAULT_THRESHOLD = 0.5
# \p{M} belongs to a word: without it Indic words split at every vowel sign and virama.
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}\u200c\u200d]+")


def words_of(normalized: str) -> list[str]:
    """Case-folded words: runs of letters, marks, digits and joiners."""
    return _WORD.findall(normalized.casefold())


def word_ngrams(normalized: str, n: int) -> set[tuple[str, ...]]:
    """The word n-grams of normalized text (one n-gram when it has fewer than n words)."""
    words = words_of(normalized)
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[start : start + n]) for start in range(len(words) - n + 1)}


@dataclass
class LanguageContamination:
    """Counts for one language; ``examples`` holds a few contaminated evaluation lines."""

    eval_lines: int
    train_lines: int = 0
    exact: int = 0
    ngram: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def exact_share(self) -> float:
        """Share of evaluation lines found verbatim (after normalization)."""
        return self.exact / self.eval_lines if self.eval_lines else 0.0

    @property
    def ngram_share(self) -> float:
        """Share of evaluation lines whose n-grams mostly occur in training text."""
        return self.ngram / self.eval_lines if self.eval_lines else 0.0


@dataclass
class ContaminationReport:
    """Per-language contamination of a training corpus by an evaluation set."""

    ngram: int
    threshold: float
    languages: dict[str, LanguageContamination] = field(default_factory=dict)

    def to_json(self) -> str:
        """The report as indented JSON, shares included."""
        data = asdict(self)
        for lang, counts in self.languages.items():
            data["languages"][lang].update(exact_share=counts.exact_share, ngram_share=counts.ngram_share)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class _EvaluationSet:
    """One language's evaluation lines as exact keys and an n-gram → line index."""

    def __init__(self, lines: list[str], n: int) -> None:
        normalized = [normalize(line) for line in lines]
        self.lines = lines
        self.keys = {normalized_key(text): index for index, text in enumerate(normalized)}
        self.ngram_counts = []
        self.owners: dict[tuple[str, ...], list[int]] = {}
        for index, text in enumerate(normalized):
            grams = word_ngrams(text, n)
            self.ngram_counts.append(len(grams))
            for gram in grams:
                self.owners.setdefault(gram, []).append(index)
        # Only positions whose word starts some evaluation n-gram need a tuple built.
        self.first_words = {gram[0] for gram in self.owners}
        self.exact_hits: set[int] = set()
        self.seen_ngrams: set[tuple[str, ...]] = set()

    def scan(self, line: str, n: int) -> None:
        text = normalize(line)
        index = self.keys.get(normalized_key(text))
        if index is not None:
            self.exact_hits.add(index)
        words = words_of(text)
        if len(words) < n:
            # A short line is its own single n-gram, as on the evaluation side.
            if tuple(words) in self.owners:
                self.seen_ngrams.add(tuple(words))
            return
        for start in range(len(words) - n + 1):
            if words[start] in self.first_words:
                gram = tuple(words[start : start + n])
                if gram in self.owners:
                    self.seen_ngrams.add(gram)

    def ngram_hits(self, threshold: float) -> set[int]:
        matched = [0] * len(self.lines)
        for gram in self.seen_ngrams:
            for index in self.owners[gram]:
                matched[index] += 1
        overlapping = {
            index
            for index, total in enumerate(self.ngram_counts)
            if total and matched[index] / total >= threshold
        }
        return overlapping | self.exact_hits


def _paths_by_language(paths: Iterable[Path]) -> dict[str, list[Path]]:
    grouped: dict[str, list[Path]] = {}
    for corpus_file in discover_corpus_files(paths):
        if corpus_file.language is not None:
            grouped.setdefault(corpus_file.language, []).append(corpus_file.path)
    return grouped


@dataclass(frozen=True)
class _LanguageJob:
    train: list[Path]
    evaluation: list[Path]
    n: int
    threshold: float
    text_field: str
    max_examples: int


def _check_language(job: _LanguageJob) -> LanguageContamination:
    eval_lines = [
        line
        for path in discover_corpus_files(job.evaluation)
        for line in iter_file_lines(path, job.text_field)
    ]
    eval_set = _EvaluationSet(eval_lines, job.n)
    counts = LanguageContamination(len(eval_lines))
    for corpus_file in discover_corpus_files(job.train):
        for line in iter_file_lines(corpus_file, job.text_field):
            eval_set.scan(line, job.n)
            counts.train_lines += 1
    hits = eval_set.ngram_hits(job.threshold)
    counts.exact = len(eval_set.exact_hits)
    counts.ngram = len(hits)
    counts.examples = [eval_lines[index] for index in sorted(hits)[: job.max_examples]]
    return counts


def check_contamination(
    train: dict[str, list[Path]],
    evaluation: dict[str, list[Path]],
    n: int = DEFAULT_NGRAM,
    threshold: float = DEFAULT_THRESHOLD,
    text_field: str = DEFAULT_TEXT_FIELD,
    progress: Callable[[int], None] | None = None,
    max_examples: int = 3,
    workers: int = 1,
) -> ContaminationReport:
    """Count, per language, evaluation lines found in the training text of the same language.

    Languages are checked in parallel on ``workers`` processes. ``progress`` is called as each
    language finishes, with the on-disk bytes of its training files.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold}")
    jobs = {
        lang: _LanguageJob(train.get(lang, []), eval_paths, n, threshold, text_field, max_examples)
        for lang, eval_paths in evaluation.items()
    }
    results: dict[str, LanguageContamination] = {}

    def collect(lang: str, counts: LanguageContamination) -> None:
        results[lang] = counts
        if progress is not None:
            progress(
                sum(
                    corpus_file.path.stat().st_size for corpus_file in discover_corpus_files(jobs[lang].train)
                )
            )

    if workers <= 1 or len(jobs) <= 1:
        for lang, job in jobs.items():
            collect(lang, _check_language(job))
    else:
        with ProcessPoolExecutor(mp_context=worker_context(), max_workers=min(workers, len(jobs))) as pool:
            futures = {pool.submit(_check_language, job): lang for lang, job in jobs.items()}
            try:
                for future in as_completed(futures):
                    collect(futures[future], future.result())
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    return ContaminationReport(n, threshold, {lang: results[lang] for lang in jobs})


def paired_by_language(
    train_paths: Iterable[Path], eval_paths: Iterable[Path]
) -> tuple[dict[str, list[Path]], dict[str, list[Path]]]:
    """Group training and evaluation files by the language their names give (others are ignored)."""
    return _paths_by_language(train_paths), _paths_by_language(eval_paths)
