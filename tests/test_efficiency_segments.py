"""token_segments: the pieces spell the text back, and byte pieces of one character stay together."""

from __future__ import annotations

from pathlib import Path

import pytest

from indic.efficiency import load_tokenizer, token_segments

# Tiny tokenizers and corpora built in tmp folders, plus an empty cache and an offline hub per test.
pytest_plugins = ["test_efficiency_fixtures"]
pytestmark = pytest.mark.usefixtures("private_cache_and_offline_hub")

TEXT = "hello नमस्ते, வணக்கம் 😀"


def test_segments_spell_the_text_and_hold_every_token(tiny_tiktoken: Path) -> None:
    tokenizer = load_tokenizer(tiny_tiktoken)
    segments = token_segments(tokenizer, TEXT)
    assert "".join(segment.text for segment in segments) == TEXT
    assert [token for segment in segments for token in segment.ids] == tokenizer.encode_batch([TEXT])[0]


def test_bytes_of_one_character_form_one_segment(tiny_tiktoken: Path) -> None:
    segments = token_segments(load_tokenizer(tiny_tiktoken), "😀")
    assert [(segment.text, len(segment.ids)) for segment in segments] == [("😀", 4)]


def test_segments_work_for_sentencepiece_too(tiny_sentencepiece: Path) -> None:
    segments = token_segments(load_tokenizer(tiny_sentencepiece), "India is large")
    assert "".join(segment.text for segment in segments) == "India is large"
