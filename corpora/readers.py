"""Stream the lines of a corpus file — plain text, JSONL or Parquet, compressed or not.

Everything downstream (statistics, dedup, mixing, contamination) works on *lines*: one sentence
or short paragraph each, without the trailing newline, empty lines dropped. A JSONL record or a
Parquet row contributes the lines of its text field (``text`` unless told otherwise). Memory
stays bounded: text is read line by line and Parquet one record batch at a time::

    >>> from corpora.readers import iter_lines
    >>> sum(1 for _ in iter_lines("../shared/corpora/train/hi.txt"))      # doctest: +SKIP
    37032
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpora.compression import DECOMPRESSION_ERRORS, Compression, open_text, sniff_compression
from corpora.discovery import CorpusFile, CorpusFormat, discover_corpus_files
from corpora.errors import CorpusFormatError, CorpusReadError

DEFAULT_TEXT_FIELD = "text"
_PARQUET_BATCH_ROWS = 4096


def _text_lines(path: Path) -> Iterator[str]:
    with open_text(path) as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line and not line.isspace():
                yield line


def _split_record_text(text: str) -> Iterator[str]:
    for line in text.splitlines():
        if line and not line.isspace():
            yield line


def _jsonl_lines(path: Path, text_field: str) -> Iterator[str]:
    with open_text(path) as handle:
        for number, record_line in enumerate(handle, start=1):
            if not record_line.strip():
                continue
            try:
                record = json.loads(record_line)
            except json.JSONDecodeError as error:
                raise CorpusFormatError(f"{path}:{number}: not valid JSON ({error.msg})") from error
            if not isinstance(record, dict) or text_field not in record:
                raise CorpusFormatError(
                    f"{path}:{number}: no {text_field!r} field (choose one with --text-field)"
                )
            text = record[text_field]
            if not isinstance(text, str):
                raise CorpusFormatError(f"{path}:{number}: field {text_field!r} is not a string")
            yield from _split_record_text(text)


def _parquet_lines(path: Path, text_field: str) -> Iterator[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if sniff_compression(path) is not Compression.NONE:
        raise CorpusReadError(f"{path}: Parquet compresses internally; decompress the outer gzip/zstd first")
    try:
        parquet = pq.ParquetFile(path)
    except pa.ArrowException as error:
        raise CorpusFormatError(f"{path}: not a Parquet file ({error})") from error
    if text_field not in parquet.schema_arrow.names:
        columns = ", ".join(parquet.schema_arrow.names)
        raise CorpusFormatError(f"{path}: no {text_field!r} column (columns: {columns})")
    try:
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=[text_field]):
            for text in batch.column(0).to_pylist():
                if isinstance(text, str):
                    yield from _split_record_text(text)
    except pa.ArrowException as error:
        raise CorpusFormatError(f"{path}: cannot read column {text_field!r} ({error})") from error


def iter_file_lines(corpus_file: CorpusFile, text_field: str = DEFAULT_TEXT_FIELD) -> Iterator[str]:
    """Lines of one file, read according to its format; errors name the file."""
    path = corpus_file.path
    try:
        if corpus_file.format is CorpusFormat.JSONL:
            yield from _jsonl_lines(path, text_field)
        elif corpus_file.format is CorpusFormat.PARQUET:
            yield from _parquet_lines(path, text_field)
        else:
            yield from _text_lines(path)
    except UnicodeDecodeError as error:
        raise CorpusReadError(
            f"{path}: not UTF-8 text (byte {error.start} of a block: {error.reason})"
        ) from error
    except DECOMPRESSION_ERRORS as error:
        raise CorpusReadError(f"{path}: cannot read ({error})") from error


def iter_lines(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], text_field: str = DEFAULT_TEXT_FIELD
) -> Iterator[str]:
    """Lines of every corpus file under ``paths`` (a file, a folder, or several), in sorted order."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for corpus_file in discover_corpus_files(paths):
        yield from iter_file_lines(corpus_file, text_field)
