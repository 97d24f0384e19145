"""Near-duplicate removal with MinHash signatures and locality-sensitive hashing (LSH).

Two lines are near duplicates when the Jaccard similarity of their character 5-gram sets
(after normalization) is at least ``threshold`` (0.8 by default): the same sentence with a
changed word, extra punctuation or a different number. Character shingles rather than word
shingles, because Tamil, Telugu, Kannada and Malayalam pack whole phrases into one long word.

How: each line's shingles are hashed (a polynomial over code points, vectorised with numpy),
and ``num_perm`` seeded multiply-shift hash functions give a MinHash signature whose matching
share estimates the Jaccard similarity. Signatures are cut into ``bands`` bands; a line whose
band matches an earlier kept line's band is a *candidate*, and it is dropped when the signature
estimate confirms the threshold. Work is done in batches of lines (for numpy), decisions line by
line in input order (so a duplicate inside one batch is caught too). The same seed gives the
same result on every machine::

    >>> from corpora.near_dedup import NearDeduplicator
    >>> dedup = NearDeduplicator()
    >>> kept = list(dedup.filter([
    ...     "The committee will meet on Monday to discuss the new budget proposal.",
    ...     "The committee will meet on Monday to discuss the new budget proposal!",
    ...     "Rain is expected across the coast for the rest of the week.",
    ... ]))
    >>> len(kept), dedup.duplicates
    (2, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from indic.text import normalize

_BASE = np.uint64(0x100000001B3)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


@dataclass(frozen=True)
class MinHashConfig:
    """Parameters of near-duplicate detection; ``num_perm`` must equal ``bands`` × rows per band."""

    shingle_chars: int = 5
    num_perm: int = 64
    bands: int = 16
    threshold: float = 0.8
    seed: int = 0
    batch_lines: int = 256

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError(f"num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must lie in (0, 1], got {self.threshold}")
        if self.shingle_chars < 1:
            raise ValueError(f"shingle_chars must be at least 1, got {self.shingle_chars}")


def _mix64(values: np.ndarray) -> np.ndarray:
    """A splitmix64-style finalizer: spreads low-entropy bits over all 64."""
    values ^= values >> np.uint64(31)
    values *= _MIX
    values ^= values >> np.uint64(29)
    return values


def shingle_hashes(texts: list[str], shingle_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every text's character shingles, and where each text's hashes start.

    Each text is followed by ``shingle_chars - 1`` NUL padding characters, so a text of n characters
    has exactly n shingles (the last ones padded) and a text shorter than a shingle still has one.
    All texts are hashed in one vectorised pass over their concatenation.
    """
    pad = "\0" * (shingle_chars - 1)
    texts = [text or "\0" for text in texts]
    points = np.frombuffer((pad.join(texts) + pad).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    windows = points.size - shingle_chars + 1
    hashes = np.zeros(windows, dtype=np.uint64)
    for offset in range(shingle_chars):
        hashes = hashes * _BASE + points[offset : offset + windows]
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    text_offsets = np.concatenate(([0], np.cumsum(lengths + shingle_chars - 1)[:-1]))
    # Windows that start on a text's own characters, never on the padding between texts.
    windows_kept = np.repeat(text_offsets - starts, lengths) + np.arange(lengths.sum())
    return _mix64(hashes[windows_kept]), starts


class MinHasher:
    """Computes MinHash signatures (``num_perm`` uint32 values a line) for batches of texts."""

    def __init__(self, config: MinHashConfig) -> None:
        rng = np.random.default_rng(config.seed)
        self.config = config
        self._multipliers = rng.integers(1, 2**63, size=(config.num_perm, 1), dtype=np.uint64) | np.uint64(1)
        self._offsets = rng.integers(0, 2**63, size=(config.num_perm, 1), dtype=np.uint64)
        rows = config.num_perm // config.bands
        self._band_multipliers = rng.integers(1, 2**63, size=rows, dtype=np.uint64) | np.uint64(1)

    def signatures(self, texts: list[str]) -> np.ndarray:
        """Signatures of ``texts`` as a ``(len(texts), num_perm)`` uint32 array."""
        hashes, starts = shingle_hashes(texts, self.config.shingle_chars)
        mixed = (self._multipliers * hashes[None, :] + self._offsets) >> np.uint64(32)
        return np.minimum.reduceat(mixed, starts, axis=1).T.astype(np.uint32)

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """One 64-bit key per band of each signature, shape ``(len(signatures), bands)``."""
        rows = signatures.reshape(len(signatures), self.config.bands, -1).astype(np.uint64)
        return _mix64((rows * self._band_multipliers).sum(axis=2, dtype=np.uint64))


class NearDeduplicator:
    """Streams lines through, dropping near duplicates of earlier kept lines, and counts them.

    Memory grows with the kept lines: one signature (``4 × num_perm`` bytes) and ``bands`` table
    entries each.
    """

    def __init__(self, config: MinHashConfig | None = None) -> None:
        self.config = config or MinHashConfig()
        self._hasher = MinHasher(self.config)
        self._tables: list[dict[int, int]] = [{} for _ in range(self.config.bands)]
        self._kept: list[np.ndarray] = []
        self.lines = 0
        self.duplicates = 0

    def _decide(self, signature: np.ndarray, keys: list[int]) -> bool:
        candidates = {table[key] for table, key in zip(self._tables, keys, strict=True) if key in table}
        for candidate in candidates:
            if np.mean(self._kept[candidate] == signature) >= self.config.threshold:
                return True
        index = len(self._kept)
        self._kept.append(signature)
        for table, key in zip(self._tables, keys, strict=True):
            table.setdefault(key, index)
        return False

    def duplicate_flags(self, lines: list[str]) -> list[bool]:
        """For each line in order: is it a near duplicate of an earlier kept line (this batch included)?"""
        if not lines:
            return []
        signatures = self._hasher.signatures([normalize(line) for line in lines])
        band_keys = self._hasher.band_keys(signatures).tolist()
        flags = [self._decide(signature, keys) for signature, keys in zip(signatures, band_keys, strict=True)]
        self.lines += len(flags)
        self.duplicates += sum(flags)
        return flags

    def filter(self, lines: Iterable[str]) -> Iterator[str]:
        """Yield the lines that are not near duplicates of an earlier line, in order."""
        iterator = iter(lines)
        while batch := list(islice(iterator, self.config.batch_lines)):
            for line, duplicate in zip(batch, self.duplicate_flags(batch), strict=True):
                if not duplicate:
                    yield line

    @property
    def duplicate_share(self) -> float:
        """Share of the lines seen so far that were near duplicates (0 when none were seen)."""
        return self.duplicates / self.lines if self.lines else 0.0
