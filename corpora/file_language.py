"""Tell a corpus file's language from its name: ``hi.txt``, ``hin_Deva.jsonl``, ``hi/part-0.txt``.

The registry (:func:`indic.languages.get_language`) accepts ISO 639-1/639-3 codes, FLORES codes
and English names, so ``hindi.txt.gz``, ``flores.dev.hi.txt`` and ``ory_Orya.parquet`` all
resolve. The file's own name is tried first, then its folders — but only folders below the root
the user named, so an unrelated folder higher up (``/home/ta/...``) never decides::

    >>> from pathlib import Path
    >>> language_of_path(Path("corpora/hin_Deva.jsonl.zst")).code
    'hi'
    >>> language_of_path(Path("data/mr/part-0001.txt"), root=Path("data")).code
    'mr'
    >>> language_of_path(Path("notes.txt")) is None
    True
"""

from __future__ import annotations

import re
from pathlib import Path

from indic.languages import Language, UnsupportedLanguageError, get_language

_KNOWN_SUFFIXES = {".txt", ".text", ".jsonl", ".json", ".ndjson", ".parquet", ".gz", ".gzip", ".zst", ".zstd"}
_SEPARATORS = re.compile(r"[.\-\s]+")


def bare_stem(path: Path) -> str:
    """The file name without its format and compression suffixes (``hi.txt.gz`` → ``hi``)."""
    name = path.name
    while True:
        stem, dot, suffix = name.rpartition(".")
        if not dot or f".{suffix.lower()}" not in _KNOWN_SUFFIXES or not stem:
            return name
        name = stem


def _lookup(candidate: str) -> Language | None:
    try:
        return get_language(candidate)
    except UnsupportedLanguageError:
        return None


def _language_of_name(name: str) -> Language | None:
    found = _lookup(name)
    if found is not None:
        return found
    # "flores.dev.hi" or "train-te": try each part, last first (a language usually ends the name).
    for part in reversed(_SEPARATORS.split(name)):
        found = _lookup(part) if part else None
        if found is not None:
            return found
    return None


def language_of_path(path: Path, root: Path | None = None) -> Language | None:
    """The language a file's name or its folders (below ``root``) name, or ``None``."""
    found = _language_of_name(bare_stem(path))
    if found is not None:
        return found
    if root is None:
        return None
    try:
        folders = path.parent.relative_to(root).parts
    except ValueError:
        return None
    for folder in reversed(folders):
        found = _language_of_name(folder)
        if found is not None:
            return found
    return None
