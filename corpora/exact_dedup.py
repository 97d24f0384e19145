"""Exact duplicate removal: a line is a duplicate when its normalized form was seen before.

The key is an 8-byte BLAKE2b digest of :func:`indic.text.normalize` of the line, so lines that
differ only in Unicode form, nukta spelling or whitespace count as one. Only the digests are
kept (a set of Python ints), never the lines; at 64 bits, a false match needs billions of lines::

    >>> from corpora.exact_dedup import ExactDeduplicator
    >>> dedup = ExactDeduplicator()
    >>> list(dedup.filter(["नमस्ते दुनिया", "नमस्ते  दुनिया", "फिर मिलेंगे"]))
    ['नमस्ते दुनिया', 'फिर मिलेंगे']
    >>> round(dedup.duplicate_share, 3)
    0.333
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from indic.text import normalize


def normalized_key(normalized: str) -> int:
    """The dedup key of text that is already normalized: a 64-bit BLAKE2b digest of its UTF-8."""
    return int.from_bytes(hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "little")


def line_key(line: str) -> int:
    """The dedup key of a line: the digest of its normalized text."""
    return normalized_key(normalize(line))


class ExactDeduplicator:
    """Streams lines through, dropping exact repeats (after normalization), and counts them."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.lines = 0
        self.duplicates = 0

    def is_duplicate(self, line: str) -> bool:
        """True when an equal line (after normalization) came earlier; records ``line`` either way."""
        key = line_key(line)
        self.lines += 1
        if key in self.seen:
            self.duplicates += 1
            return True
        self.seen.add(key)
        return False

    def filter(self, lines: Iterable[str]) -> Iterator[str]:
        """Yield the first occurrence of each line, in order."""
        for line in lines:
            if not self.is_duplicate(line):
                yield line

    @property
    def duplicate_share(self) -> float:
        """Share of the lines seen so far that were duplicates (0 when none were seen)."""
        return self.duplicates / self.lines if self.lines else 0.0
