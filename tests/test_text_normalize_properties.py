"""Properties of normalize() and hf_normalizer(), checked by hypothesis over arbitrary Unicode
and over strings built to hit the Indic rules."""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from indic.text import hf_normalizer, normalize
from indic.text.normalization_rules import RULES, WHITESPACE, WORD_EDGE_PUNCTUATION, ZWJ, ZWNJ

HF = hf_normalizer()

ANY_TEXT = st.text(st.characters(exclude_categories=()))  # surrogates included
UTF8_TEXT = st.text(st.characters(exclude_categories=("Cs",)))
# Characters every rule looks at, so that the rules' contexts meet often.
RULE_ALPHABET = sorted(
    {chr(c) for c in range(0x0900, 0x0D80)}
    | set(WHITESPACE)
    | set(WORD_EDGE_PUNCTUATION)
    | {ZWJ, ZWNJ, "<", "=", ">", "\u0338", "a", "1", "😀"}
)
INDIC_HEAVY = st.text(st.sampled_from(RULE_ALPHABET), max_size=40)
RULE_SEQUENCES = st.lists(
    st.sampled_from([rule.pattern for rule in RULES if not rule.is_regex] + ["|", "||", " ", ZWJ])
)
INDIC_RULE_TEXT = st.builds(lambda parts, tail: "".join(parts) + tail, RULE_SEQUENCES, INDIC_HEAVY)

CLEAN_SENTENCES = (
    "मेरा नाम राम है।",
    "আমি ভাত খাই।",
    "ਇਹ ਕਿਤਾਬ ਹੈ।",
    "આજે વરસાદ છે.",
    "ଆମ ଗାଁ ସୁନ୍ଦର।",
    "நான் வீட்டுக்கு போகிறேன்.",
    "ఇది ఓడ.",
    "ಇದು ಊರು.",
    "അവൻ വന്നു.",
    "क्\u200dष 3.5 ₹250 (hello) world!",
)
CLEAN_WORDS = " ".join(CLEAN_SENTENCES).split()
CLEAN_TEXT = st.lists(st.sampled_from(CLEAN_WORDS), max_size=30).map(" ".join)


def strip_surrogates(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


@given(st.one_of(ANY_TEXT, INDIC_HEAVY, INDIC_RULE_TEXT))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(CLEAN_TEXT)
def test_normalize_never_changes_text_that_is_already_normal(text: str) -> None:
    assert normalize(text) == text


@given(ANY_TEXT)
def test_normalize_never_raises_and_returns_encodable_text(text: str) -> None:
    normalize(text).encode("utf-8")


@settings(max_examples=10)
@given(st.one_of(ANY_TEXT, INDIC_RULE_TEXT).filter(bool))
def test_normalize_handles_forty_thousand_character_lines(chunk: str) -> None:
    line = (chunk * (40_000 // len(chunk) + 1))[:40_000]
    once = normalize(line)
    assert normalize(once) == once


@settings(max_examples=500)
@given(st.one_of(UTF8_TEXT, INDIC_HEAVY, INDIC_RULE_TEXT))
def test_hf_normalizer_agrees_with_normalize(text: str) -> None:
    assert HF.normalize_str(text) == normalize(text)


@given(ANY_TEXT)
def test_hf_normalizer_agrees_after_lone_surrogates_are_replaced(text: str) -> None:
    assert HF.normalize_str(strip_surrogates(text)) == normalize(text)


@given(st.text(st.characters(max_codepoint=127)))
def test_the_ascii_fast_path_equals_the_full_rule_table(text: str) -> None:
    assert normalize(text) == HF.normalize_str(text)


@given(st.one_of(UTF8_TEXT, INDIC_HEAVY))
def test_each_rules_python_shortcut_equals_its_pattern(text: str) -> None:
    stripped = text.strip(WHITESPACE)
    for rule in RULES:
        if rule.python is not None:
            subject = stripped if rule.name == "whitespace-runs" else text
            assert rule.python(subject) == re.sub(rule.pattern, rule.replacement, subject)


def test_whitespace_set_is_exactly_what_str_split_splits_on() -> None:
    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_no_word_edge_character_can_start_a_canonical_composition() -> None:
    # Removing a joiner next to such a character must not create a pair that NFC would compose.
    pairs = [unicodedata.decomposition(chr(c)).split() for c in range(sys.maxunicode + 1)]
    firsts = {pair[0] for pair in pairs if len(pair) == 2 and not pair[0].startswith("<")}
    edges = {f"{ord(c):04X}" for c in WHITESPACE + WORD_EDGE_PUNCTUATION}
    assert not firsts & edges


def test_no_literal_rule_produces_the_input_of_an_earlier_rule() -> None:
    # One pass reaches the fixed point only if rules feeding others come first.
    literals = [rule for rule in RULES if not rule.is_regex]
    for index, rule in enumerate(literals):
        for earlier in literals[:index]:
            assert rule.replacement not in earlier.pattern, (rule.name, earlier.name)


def byte_level_tokenizer_with_our_normalizer():  # type: ignore[no-untyped-def]
    """A tiny byte-level BPE set up the way our tokenizer.json files are (DESIGN §3)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = hf_normalizer()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(CLEAN_SENTENCES * 5, trainer=trainer)
    return tokenizer


BYTE_LEVEL = byte_level_tokenizer_with_our_normalizer()


@settings(max_examples=300)
@given(st.one_of(UTF8_TEXT, INDIC_HEAVY, INDIC_RULE_TEXT))
def test_a_byte_level_tokenizer_with_hf_normalizer_round_trips_to_normalize(text: str) -> None:
    ids = BYTE_LEVEL.encode(text, add_special_tokens=False).ids
    assert BYTE_LEVEL.decode(ids) == normalize(text)
