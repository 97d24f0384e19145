"""Sentence lists for teacher synthesis from ``../shared/corpora/train``, with a held-out test list.

Lines are assigned to train or test by a hash of their text, so the split is stable whatever the
sample size, and a test sentence can never leak into training (the quality benchmark reads the test
list). Very short and very long lines are skipped: they make poor single utterances.

Example::

    >>> train, test = sentence_split("../shared/corpora/train", "hi", 100, 10)   # doctest: +SKIP
    >>> len(train), len(test), set(train) & set(test)
    (100, 10, set())
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from indic.languages import get_language

TEST_PERCENT = 3
MIN_CHARS, MAX_CHARS = 15, 160


def is_test_sentence(text: str) -> bool:
    """Stable membership of the held-out list: 3% of distinct lines, chosen by hash."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 100 < TEST_PERCENT


def sentence_split(
    corpus_dir: str | os.PathLike[str], lang: str, train_count: int, test_count: int
) -> tuple[list[str], list[str]]:
    """The first ``train_count`` training and ``test_count`` held-out lines of ``<lang>.txt``."""
    path = Path(corpus_dir) / f"{get_language(lang).code}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no training text for {lang}: {path} is missing")
    train: list[str] = []
    test: list[str] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = " ".join(raw.split())
            if not (MIN_CHARS <= len(line) <= MAX_CHARS) or line in seen:
                continue
            seen.add(line)
            bucket = test if is_test_sentence(line) else train
            if len(bucket) < (test_count if bucket is test else train_count):
                bucket.append(line)
            if len(train) >= train_count and len(test) >= test_count:
                break
    return train, test
