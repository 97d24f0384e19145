"""The corpus tools on the shared training corpus and FLORES dev (slow; need ../shared)."""

from __future__ import annotations

import pytest

from corpora.contamination import check_contamination, paired_by_language
from corpora.stats import corpus_stats

pytestmark = pytest.mark.slow


def test_stats_of_the_training_corpus_match_its_published_summary(train_corpus_dir):
    stats = corpus_stats([train_corpus_dir], workers=2)
    assert sorted(stats) == sorted(["bn", "en", "gu", "hi", "kn", "ml", "mr", "or", "pa", "ta", "te"])
    # SOURCES.md: 527,469 lines and 104,326,879 bytes, every language ≥ 99% in its own script.
    assert sum(item.lines for item in stats.values()) == 527_469
    assert sum(item.bytes for item in stats.values()) == 104_326_879
    assert all(item.script_purity is not None and item.script_purity > 0.99 for item in stats.values())
    assert all(item.duplicate_share < 0.01 for item in stats.values())


def test_no_flores_dev_line_occurs_verbatim_in_the_training_corpus(train_corpus_dir, flores_dev_dir):
    train, evaluation = paired_by_language([train_corpus_dir], [flores_dev_dir])
    report = check_contamination(train, evaluation)
    assert all(item.eval_lines == 997 for item in report.languages.values())
    assert sum(item.exact for item in report.languages.values()) == 0
