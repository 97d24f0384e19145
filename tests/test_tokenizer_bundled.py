"""The bundled tokenizers: loadable by name, identical under stock tokenizers and transformers,
lossless up to normalization, and no token crosses a sentence end or spans more than four words."""

from __future__ import annotations

import json
import warnings

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from indic.artifacts import ArtifactNotFoundError, find_artifact
from indic.text import normalize
from tokenizer_training import load_trained

BUNDLED = ("indic-superbpe-64k", "indic-superbpe-128k")
CROSSES_SENTENCE_END = regex.compile(r"[.?!।॥][ \n]|: |\n.")


def _folder(name: str):
    try:
        return find_artifact(name).path
    except ArtifactNotFoundError:
        pytest.skip(f"{name} is not bundled in this checkout")


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_card_names_its_algorithm_size_and_efficiency(name):
    card = json.loads((_folder(name) / "card.json").read_text(encoding="utf-8"))
    assert card["algorithm"] == "superbpe"
    assert card["vocab_size"] == int(name.split("-")[-1].removesuffix("k")) * 1000
    assert card["quality"]["flores_dev"]["en"]["fertility"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_no_bundled_token_crosses_a_sentence_end_or_spans_more_than_four_words(name):
    tokenizer = load_trained(_folder(name))
    for token_id in tokenizer.get_vocab().values():
        if tokenizer.id_to_token(token_id) in ("<|endoftext|>", "<|pad|>"):
            continue
        text = tokenizer.decode([token_id])  # byte-level (merges) or Unicode (shortest path) alike
        assert len(text.split()) <= 4, text
        assert not CROSSES_SENTENCE_END.search(text), text


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_tokenizer_gives_identical_ids_in_transformers_and_round_trips(name, flores_dev_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from transformers import PreTrainedTokenizerFast

        fast = PreTrainedTokenizerFast.from_pretrained(str(_folder(name)))
    stock = load_trained(_folder(name))
    for path in sorted(flores_dev_dir.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()[:100]
        for line, encoding in zip(lines, stock.encode_batch(lines, add_special_tokens=False), strict=True):
            assert fast.encode(line) == encoding.ids
            assert stock.decode(encoding.ids) == normalize(line)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_tokenizer_round_trips_arbitrary_unicode_to_its_normalized_form(name):
    tokenizer = load_trained(_folder(name))

    @settings(max_examples=150, deadline=None)
    @given(text=st.text(max_size=80))
    def round_trips(text):
        assert tokenizer.decode(tokenizer.encode(text, add_special_tokens=False).ids) == normalize(text)

    round_trips()


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_tokenizer_has_exactly_its_vocab_size(name):
    card = json.loads((_folder(name) / "card.json").read_text(encoding="utf-8"))
    assert load_trained(_folder(name)).get_vocab_size() == card["vocab_size"] == card["vocab_size_actual"]
