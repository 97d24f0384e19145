"""Find the corpus files behind the paths a user names, with each file's format and language.

A path may be a file (read whatever its extension) or a folder (walked recursively, in sorted
order, taking files whose extension is a corpus format, optionally compressed; hidden files and
notes such as ``SOURCES.md`` are skipped)::

    >>> from corpora.discovery import discover_corpus_files
    >>> [f.language for f in discover_corpus_files(["../shared/corpora/train"])][:2]  # doctest: +SKIP
    ['bn', 'en']
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from corpora.compression import compression_from_suffix
from corpora.errors import CorpusReadError
from corpora.file_language import language_of_path

UNKNOWN_LANGUAGE = "unknown"
"""How reports name the language of files whose names do not tell it."""


class CorpusFormat(enum.Enum):
    """How records are laid out in a file."""

    TEXT = "text"
    JSONL = "jsonl"
    PARQUET = "parquet"


_FORMAT_SUFFIXES = {
    ".txt": CorpusFormat.TEXT,
    ".text": CorpusFormat.TEXT,
    ".jsonl": CorpusFormat.JSONL,
    ".ndjson": CorpusFormat.JSONL,
    ".json": CorpusFormat.JSONL,
    ".parquet": CorpusFormat.PARQUET,
}


@dataclass(frozen=True)
class CorpusFile:
    """One file of a corpus: where it is, how to read it, and its language code (``None`` if unknown)."""

    path: Path
    format: CorpusFormat
    language: str | None


def _format_suffix(path: Path) -> str:
    """The format suffix under any compression suffix (``hi.jsonl.zst`` → ``.jsonl``)."""
    if compression_from_suffix(path).value:
        return Path(path.stem).suffix.lower()
    return path.suffix.lower()


def format_of_path(path: Path) -> CorpusFormat:
    """The format a file name declares; anything unrecognised is read as plain text."""
    return _FORMAT_SUFFIXES.get(_format_suffix(path), CorpusFormat.TEXT)


def _is_corpus_name(path: Path) -> bool:
    return not path.name.startswith(".") and _format_suffix(path) in _FORMAT_SUFFIXES


def _unlistable(error: OSError) -> None:
    raise CorpusReadError(f"{error.filename}: cannot list ({error.strerror or error})") from error


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=_unlistable):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        found.extend(Path(dirpath) / name for name in sorted(filenames))
    return [path for path in found if _is_corpus_name(path)]


def discover_corpus_files(paths: Iterable[str | os.PathLike[str]]) -> list[CorpusFile]:
    """Resolve files and folders into :class:`CorpusFile` s; raise if a path is missing or empty."""
    files: list[CorpusFile] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            members = _walk(path)
            if not members:
                raise CorpusReadError(
                    f"{path}: no corpus files (.txt, .jsonl, .parquet, optionally .gz/.zst)"
                )
            root = path
        elif path.is_file():
            members, root = [path], path.parent
        elif path.exists():
            raise CorpusReadError(f"{path}: not a regular file or folder")
        else:
            raise CorpusReadError(f"{path}: no such file or folder")
        for member in members:
            language = language_of_path(member, root=root)
            files.append(CorpusFile(member, format_of_path(member), language.code if language else None))
    return files
