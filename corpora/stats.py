"""Corpus statistics per language: lines, bytes, words, script purity and duplicate share.

What a corpus builder checks before training on text: how much there is of each language, how
much of it is written in the language's own script (Latin names and brands are the usual rest),
and how much repeats. Words are whitespace-separated, bytes are UTF-8 with newlines, script
purity is the share of letters in the language's expected script (by
:func:`indic.text.detect_script`), and the duplicate share counts lines whose normalized text
came earlier in the same language (the exact-dedup key).

Large plain-text files are cut into byte ranges so both cores work on one language at once; each
range returns its counts and its line keys, and the keys of a language are united at the end, so
a duplicate is found wherever its twin was::

    >>> from corpora.stats import corpus_stats
    >>> stats = corpus_stats(["../shared/corpora/train"], workers=2)   # doctest: +SKIP
    >>> stats["hi"].duplicate_share                                     # doctest: +SKIP
    0.0
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from corpora.compression import Compression, sniff_compression
from corpora.discovery import UNKNOWN_LANGUAGE, CorpusFile, CorpusFormat, discover_corpus_files
from corpora.errors import CorpusReadError
from corpora.exact_dedup import normalized_key
from corpora.readers import DEFAULT_TEXT_FIELD, iter_file_lines
from corpora.script_purity import ScriptLetterCounter
from corpora.workers import worker_context
from indic.text import normalize

CHUNK_BYTES = 4 << 20
_PURITY_BLOCK_LINES = 512


@dataclass(frozen=True)
class StatsTask:
    """A unit of work: a whole file, or the lines starting in ``[start, end)`` of a plain text file."""

    corpus_file: CorpusFile
    text_field: str
    start: int = 0
    end: int | None = None


@dataclass
class LanguageStats:
    """Totals for one language (files of unknown language are grouped under ``unknown``)."""

    language: str
    files: int = 0
    lines: int = 0
    bytes: int = 0
    words: int = 0
    letters: int = 0
    script_letters: int = 0
    unique_lines: int = 0
    keys: set[int] = field(default_factory=set, repr=False)

    @property
    def script_purity(self) -> float | None:
        """Share of letters in the expected script; ``None`` when the language (or any letter) is unknown."""
        if self.language == UNKNOWN_LANGUAGE or not self.letters:
            return None
        return self.script_letters / self.letters

    @property
    def duplicate_share(self) -> float:
        """Share of lines whose normalized text occurred earlier in this language."""
        return 1.0 - self.unique_lines / self.lines if self.lines else 0.0

    def add(self, other: LanguageStats) -> None:
        """Fold another partial count of the same language into this one."""
        self.files += other.files
        self.lines += other.lines
        self.bytes += other.bytes
        self.words += other.words
        self.letters += other.letters
        self.script_letters += other.script_letters
        self.keys |= other.keys
        self.unique_lines = len(self.keys)

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON output."""
        return {
            "language": self.language,
            "files": self.files,
            "lines": self.lines,
            "bytes": self.bytes,
            "words": self.words,
            "script_purity": self.script_purity,
            "duplicate_share": self.duplicate_share,
        }


def _range_lines(task: StatsTask) -> Iterator[str]:
    """Lines that start inside the task's byte range of an uncompressed UTF-8 text file."""
    path = task.corpus_file.path
    end = task.end if task.end is not None else path.stat().st_size
    with path.open("rb") as raw:
        if task.start:
            raw.seek(task.start - 1)
            raw.readline()
        while raw.tell() < end:
            line = raw.readline()
            if not line:
                return
            try:
                text = line.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise CorpusReadError(f"{path}: not UTF-8 text ({error.reason})") from error
            if text and not text.isspace():
                yield text


def run_task(task: StatsTask) -> LanguageStats:
    """Count one task's lines; its keys let the caller find duplicates across tasks."""
    language = task.corpus_file.language or UNKNOWN_LANGUAGE
    stats = LanguageStats(language, files=1 if task.start == 0 else 0)
    counter = ScriptLetterCounter(None if language == UNKNOWN_LANGUAGE else language)
    lines = _range_lines(task) if task.end is not None else iter_file_lines(task.corpus_file, task.text_field)
    block: list[str] = []
    for line in lines:
        stats.lines += 1
        stats.bytes += len(line.encode("utf-8")) + 1
        stats.words += len(line.split())
        stats.keys.add(normalized_key(normalize(line)))
        block.append(line)
        if len(block) == _PURITY_BLOCK_LINES:
            counter.add("\n".join(block))
            block.clear()
    counter.add("\n".join(block))
    stats.letters, stats.script_letters = counter.letters, counter.script_letters
    stats.unique_lines = len(stats.keys)
    return stats


def plan_tasks(
    files: Iterable[CorpusFile], text_field: str, chunk_bytes: int = CHUNK_BYTES
) -> list[StatsTask]:
    """Cut uncompressed text files into byte ranges; other files are one task each. Largest first."""
    tasks: list[tuple[int, StatsTask]] = []
    for corpus_file in files:
        size = corpus_file.path.stat().st_size
        splittable = (
            corpus_file.format is CorpusFormat.TEXT
            and sniff_compression(corpus_file.path) is Compression.NONE
        )
        if not splittable or size <= chunk_bytes:
            tasks.append((size, StatsTask(corpus_file, text_field)))
            continue
        for start in range(0, size, chunk_bytes):
            end = min(start + chunk_bytes, size)
            tasks.append((end - start, StatsTask(corpus_file, text_field, start, end)))
    return [task for _, task in sorted(tasks, key=lambda pair: -pair[0])]


def task_size(task: StatsTask) -> int:
    """Bytes on disk a task covers (for progress bars)."""
    if task.end is not None:
        return task.end - task.start
    return task.corpus_file.path.stat().st_size


def corpus_stats(
    paths: Iterable[str | os.PathLike[str]],
    workers: int = 1,
    text_field: str = DEFAULT_TEXT_FIELD,
    progress: Callable[[int], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> dict[str, LanguageStats]:
    """Statistics of every corpus file under ``paths``, per language, on ``workers`` processes.

    Plain text files larger than ``chunk_bytes`` are split into byte ranges of that size.
    ``progress`` is called with the bytes on disk of each finished piece of work.
    """
    tasks = plan_tasks(discover_corpus_files(paths), text_field, chunk_bytes)
    totals: dict[str, LanguageStats] = {}

    def collect(partial: LanguageStats, task: StatsTask) -> None:
        totals.setdefault(partial.language, LanguageStats(partial.language)).add(partial)
        if progress is not None:
            progress(task_size(task))

    if workers <= 1 or len(tasks) == 1:
        for task in tasks:
            collect(run_task(task), task)
    else:
        with ProcessPoolExecutor(mp_context=worker_context(), max_workers=min(workers, len(tasks))) as pool:
            futures = {pool.submit(run_task, task): task for task in tasks}
            try:
                for future in as_completed(futures):
                    collect(future.result(), futures[future])
            except BaseException:
                # Report a bad file now, not after every other piece of work has finished.
                pool.shutdown(cancel_futures=True)
                raise
    for stats in totals.values():
        stats.keys.clear()
    return dict(sorted(totals.items()))
