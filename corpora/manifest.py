"""Per-language manifests: which files make up a corpus, how big they are, and their sha256.

A manifest pins a corpus the way an artifact card pins a model: a tokenizer or an LM trained
from it can record exactly which bytes went in. Each entry carries the file's path, its language,
its size on disk (``bytes``), the sha256 of those bytes, and the count and UTF-8 size of the
lines the readers yield (``lines``, ``text_bytes`` — different from ``bytes`` when compressed)::

    >>> from corpora.manifest import build_manifest, write_manifest
    >>> manifest = build_manifest(["../shared/corpora/train"])     # doctest: +SKIP
    >>> manifest["languages"]["hi"]["lines"]                        # doctest: +SKIP
    37032
    >>> write_manifest(manifest, "runs/train.manifest.json")        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from corpora.discovery import UNKNOWN_LANGUAGE, CorpusFile, discover_corpus_files
from corpora.errors import CorpusReadError
from corpora.readers import DEFAULT_TEXT_FIELD, iter_file_lines
from indic.atomic import atomic_write_text

_HASH_BLOCK = 1 << 20


def file_sha256(corpus_file: CorpusFile) -> str:
    """The sha256 of the file's bytes as stored (compressed or not)."""
    digest = hashlib.sha256()
    try:
        with corpus_file.path.open("rb") as raw:
            while block := raw.read(_HASH_BLOCK):
                digest.update(block)
    except OSError as error:
        raise CorpusReadError(f"{corpus_file.path}: cannot read ({error.strerror or error})") from error
    return digest.hexdigest()


def manifest_entry(corpus_file: CorpusFile, text_field: str = DEFAULT_TEXT_FIELD) -> dict[str, Any]:
    """One file's entry: path, language, format, bytes, sha256, lines, text_bytes."""
    lines = text_bytes = 0
    for line in iter_file_lines(corpus_file, text_field):
        lines += 1
        text_bytes += len(line.encode("utf-8")) + 1
    return {
        "path": str(corpus_file.path),
        "language": corpus_file.language or UNKNOWN_LANGUAGE,
        "format": corpus_file.format.value,
        "bytes": corpus_file.path.stat().st_size,
        "sha256": file_sha256(corpus_file),
        "lines": lines,
        "text_bytes": text_bytes,
    }


def build_manifest(
    paths: Iterable[str | os.PathLike[str]], text_field: str = DEFAULT_TEXT_FIELD
) -> dict[str, Any]:
    """Manifests of every file under ``paths``, grouped by language with per-language totals."""
    languages: dict[str, dict[str, Any]] = {}
    for corpus_file in discover_corpus_files(paths):
        entry = manifest_entry(corpus_file, text_field)
        group = languages.setdefault(
            entry["language"], {"files": [], "lines": 0, "bytes": 0, "text_bytes": 0}
        )
        group["files"].append(entry)
        for key in ("lines", "bytes", "text_bytes"):
            group[key] += entry[key]
    return {"version": 1, "text_field": text_field, "languages": dict(sorted(languages.items()))}


def write_manifest(manifest: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a manifest as indented UTF-8 JSON, atomically."""
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
