"""Stage 2 learning from an evenly spaced share of the lines, and the options that choose it."""

from __future__ import annotations

import pytest

from tests.test_tokenizer_corpus import superbpe_cards
from tokenizer_training import TrainConfig, TrainConfigError
from tokenizer_training.superbpe import evenly_spaced_lines


@pytest.mark.parametrize("share", [0.1, 0.25, 0.3, 0.5, 0.999])
def test_evenly_spaced_lines_keep_the_share_and_the_order(share):
    lines = [f"line {i}" for i in range(1000)]
    kept = list(evenly_spaced_lines(lines, share))
    assert abs(len(kept) - share * 1000) <= 1
    assert kept == sorted(kept, key=lines.index)
    gaps = {lines.index(b) - lines.index(a) for a, b in zip(kept, kept[1:], strict=False)}
    assert max(gaps) - min(gaps) <= 1


def test_a_share_of_one_keeps_every_line():
    assert list(evenly_spaced_lines(iter("abc"), 1.0)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stage2_sample": 0.0}, "stage2_sample"),
        ({"stage2_sample": 1.5}, "stage2_sample"),
        ({"encoder": "greedy"}, "unknown encoder"),
        ({"algorithm": "spm-unigram", "encoder": "shortest-path"}, "BPE vocabulary"),
    ],
)
def test_config_rejects_bad_stage2_and_encoder_options(options, message):
    with pytest.raises(TrainConfigError, match=message):
        TrainConfig(**options)


def test_stage2_on_a_sample_sees_fewer_chunks_and_fills_the_vocabulary(tmp_path):
    cards = superbpe_cards(tmp_path, 200, "stage2_sample", (1.0, 0.3))
    assert cards[0.3]["unique_stage2_chunks"] < cards[1.0]["unique_stage2_chunks"]
    assert cards[0.3]["vocab_size_actual"] == 800 and cards[0.3]["stage2_sample"] == 0.3
