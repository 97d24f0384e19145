"""Open corpus files transparently whether they are plain, gzip or zstd compressed.

The magic bytes decide (``1f 8b`` is gzip, ``28 b5 2f fd`` is zstd), so a compressed file
without the usual extension still reads. The extension is a claim that is checked: a
``.gz``/``.zst`` file whose bytes are not that format is an error, not silently read as text::

    >>> from corpora.compression import open_text            # doctest: +SKIP
    >>> with open_text("hi.txt.zst") as handle:               # doctest: +SKIP
    ...     first = handle.readline()
"""

from __future__ import annotations

import enum
import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

import zstandard

from corpora.errors import CorpusReadError

DECOMPRESSION_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zstandard.ZstdError)
"""What a truncated or corrupt file raises while it is read (gzip: ``BadGzipFile``/``EOFError``)."""


class Compression(enum.Enum):
    """How a file's bytes are wrapped."""

    NONE = ""
    GZIP = "gzip"
    ZSTD = "zstd"


_MAGIC = {Compression.GZIP: b"\x1f\x8b", Compression.ZSTD: b"\x28\xb5\x2f\xfd"}
_SUFFIXES = {
    ".gz": Compression.GZIP,
    ".gzip": Compression.GZIP,
    ".zst": Compression.ZSTD,
    ".zstd": Compression.ZSTD,
}


def compression_from_suffix(path: Path) -> Compression:
    """The compression a file name claims (``hi.txt.gz`` claims gzip)."""
    return _SUFFIXES.get(path.suffix.lower(), Compression.NONE)


def sniff_compression(path: Path) -> Compression:
    """The compression a file's first bytes show; raise if they contradict its extension.

    >>> sniff_compression(Path("hi.txt"))                    # doctest: +SKIP
    <Compression.NONE: ''>
    """
    try:
        with path.open("rb") as raw:
            head = raw.read(4)
    except OSError as error:
        raise CorpusReadError(f"{path}: cannot read ({error.strerror or error})") from error
    for compression, magic in _MAGIC.items():
        if head.startswith(magic):
            return compression
    claimed = compression_from_suffix(path)
    if claimed is not Compression.NONE:
        raise CorpusReadError(
            f"{path}: the name says {claimed.value} but the bytes are not {claimed.value} data"
        )
    return Compression.NONE


@contextmanager
def open_binary(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for reading decompressed bytes, whatever its compression."""
    compression = sniff_compression(path)
    raw = path.open("rb")
    try:
        if compression is Compression.GZIP:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream  # type: ignore[misc]
        elif compression is Compression.ZSTD:
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            with io.BufferedReader(reader) as stream:  # type: ignore[arg-type]
                yield stream
        else:
            yield raw
    finally:
        raw.close()


@contextmanager
def open_text(path: Path) -> Iterator[TextIO]:
    """Open ``path`` as strict UTF-8 text (decompressing as needed); lines end at ``\\n`` only.

    Only ``\\n`` ends a line (a lone ``\\r`` does not), exactly as when a large file is read in
    byte ranges, so every reader agrees on what a line is. Decoding errors surface while
    iterating; readers turn them into :class:`CorpusReadError`.
    """
    with open_binary(path) as stream:
        yield io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="\n")
