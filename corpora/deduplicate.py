"""Deduplicate a corpus per language: exact repeats first, then near duplicates, into new files.

Chains :class:`~corpora.exact_dedup.ExactDeduplicator` and (optionally)
:class:`~corpora.near_dedup.NearDeduplicator` over each language's lines and writes the survivors
to ``<out_dir>/<lang>.txt`` atomically. Duplicates are looked for within a language only: the
same sentence in two languages is a translation, not a duplicate::

    >>> from corpora.deduplicate import deduplicate_corpus
    >>> reports = deduplicate_corpus({"hi": [Path("hi.txt")]}, Path("clean"))   # doctest: +SKIP
    >>> reports["hi"].lines_out                                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from corpora.discovery import discover_corpus_files
from corpora.exact_dedup import ExactDeduplicator
from corpora.near_dedup import MinHashConfig, NearDeduplicator
from corpora.readers import DEFAULT_TEXT_FIELD, iter_file_lines
from indic.atomic import atomic_open


@dataclass(frozen=True)
class DedupReport:
    """What deduplication removed from one language."""

    lines_in: int
    exact_duplicates: int
    near_duplicates: int
    lines_out: int
    out: str

    @property
    def duplicate_share(self) -> float:
        """Share of input lines removed (exact and near together)."""
        return 1.0 - self.lines_out / self.lines_in if self.lines_in else 0.0


def _lines_of(paths: list[Path], text_field: str, progress: Callable[[int], None] | None) -> Iterator[str]:
    for corpus_file in discover_corpus_files(paths):
        for line in iter_file_lines(corpus_file, text_field):
            if progress is not None:
                progress(len(line.encode("utf-8")) + 1)
            yield line


def deduplicate_corpus(
    sources: dict[str, list[Path]],
    out_dir: Path,
    near: bool = True,
    config: MinHashConfig | None = None,
    text_field: str = DEFAULT_TEXT_FIELD,
    progress: Callable[[int], None] | None = None,
) -> dict[str, DedupReport]:
    """Write each language's unique lines to ``out_dir/<lang>.txt`` (``near=False``: exact repeats only).

    ``progress`` is called with the UTF-8 size of every line read.
    """
    reports: dict[str, DedupReport] = {}
    for lang, paths in sources.items():
        exact = ExactDeduplicator()
        near_dedup = NearDeduplicator(config) if near else None
        survivors = exact.filter(_lines_of(paths, text_field, progress))
        if near_dedup is not None:
            survivors = near_dedup.filter(survivors)
        out = Path(out_dir) / f"{lang}.txt"
        written = 0
        with atomic_open(out, "w") as handle:
            for line in survivors:
                handle.write(line + "\n")
                written += 1
        near_count = near_dedup.duplicates if near_dedup is not None else 0
        reports[lang] = DedupReport(exact.lines, exact.duplicates, near_count, written, str(out))
    return reports
