"""Stage-2 chunk boundaries: numbers and punctuation runs take the space before them, nothing more."""

from __future__ import annotations

import pytest
from tokenizers import Regex, pre_tokenizers

from tokenizer_training.pretokenize import STAGE2_REGEX

SPLIT = pre_tokenizers.Split(Regex(STAGE2_REGEX), "isolated")


def _pieces(text: str) -> list[str]:
    return [piece for piece, _ in SPLIT.pre_tokenize_str(text)]


def test_a_number_takes_the_space_before_it_and_still_splits_in_groups_of_three():
    assert _pieces("वह 12345 बार!! आया") == ["वह", " 123", "45", " बार", "!!", " आया"]


def test_a_punctuation_run_takes_the_space_before_it_but_never_the_one_after():
    assert _pieces('he said ("yes") ok') == ["he said", ' ("', "yes", '")', " ok"]
    assert _pieces("यह है ।। वह") == ["यह है", " ।।", " वह"]


@pytest.mark.parametrize("text", ["a  12", "x\n 5", "word \t((", "end. 7"])
def test_only_one_plain_space_is_attached_to_a_number_or_punctuation(text):
    pieces = _pieces(text)
    assert "".join(pieces) == text
    for piece in pieces:
        if piece.strip():
            leading = piece[: len(piece) - len(piece.lstrip())]
            assert leading in ("", " "), pieces
