"""Script detection: per character and per string."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indic.languages import LANGUAGES
from indic.text import detect_script, dominant_script, script_of
from indic.text.scripts import script_counts

GREETINGS = {
    "bn": "নমস্কার, কেমন আছেন?",
    "gu": "નમસ્તે, કેમ છો?",
    "hi": "नमस्ते, आप कैसे हैं?",
    "kn": "ನಮಸ್ಕಾರ, ಹೇಗಿದ್ದೀರಿ?",
    "ml": "നമസ്കാരം, സുഖമാണോ?",
    "mr": "नमस्कार, तुम्ही कसे आहात?",
    "or": "ନମସ୍କାର, ଆପଣ କେମିତି ଅଛନ୍ତି?",
    "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ, ਤੁਸੀਂ ਕਿਵੇਂ ਹੋ?",
    "ta": "வணக்கம், நீங்கள் எப்படி இருக்கிறீர்கள்?",
    "te": "నమస్కారం, మీరు ఎలా ఉన్నారు?",
    "en": "Hello, how are you?",
}


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_a_greeting_in_each_language_is_entirely_in_its_script(lang) -> None:  # type: ignore[no-untyped-def]
    assert detect_script(GREETINGS[lang.code]) == {lang.script: 1.0}


@pytest.mark.parametrize(
    ("char", "script"),
    [
        ("क", "Devanagari"),
        ("ি", "Bengali"),
        ("੦", "Gurmukhi"),
        ("ൻ", "Malayalam"),
        ("é", "Latin"),
        ("Z", "Latin"),
    ],
)
def test_script_of_names_the_script_of_letters_marks_and_native_digits(char: str, script: str) -> None:
    assert script_of(char) == script


@pytest.mark.parametrize("char", ["।", "॥", " ", "7", ",", "₹", "\u200d", "😀", "\u0301"])
def test_dandas_digits_punctuation_joiners_and_symbols_are_common(char: str) -> None:
    assert script_of(char) == "Common"


def test_letters_of_unsupported_scripts_are_other() -> None:
    assert script_of("я") == "Other"
    assert script_of("字") == "Other"


def test_script_of_rejects_more_than_one_character() -> None:
    with pytest.raises(ValueError, match="one character"):
        script_of("कि")


def test_mixed_text_gets_shares_that_sum_to_one_largest_first() -> None:
    shares = detect_script("मैंने laptop खरीदा")  # Hindi with an English word
    assert list(shares) == ["Devanagari", "Latin"]
    assert shares["Latin"] == pytest.approx(6 / 16)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_text_without_letters_has_no_script() -> None:
    assert detect_script("123, ₹45 — 😀") == {}
    assert dominant_script("") is None


def test_hindi_and_marathi_share_devanagari() -> None:
    assert dominant_script(GREETINGS["hi"]) == dominant_script(GREETINGS["mr"]) == "Devanagari"


def test_every_flores_dev_line_is_in_the_expected_script_at_least_99_percent(flores_dev_dir) -> None:  # type: ignore[no-untyped-def]
    for lang in LANGUAGES:
        lines = (flores_dev_dir / f"{lang.code}.txt").read_text(encoding="utf-8").splitlines()
        right = sum(dominant_script(line) == lang.script for line in lines)
        assert right / len(lines) >= 0.99, lang.code


SCRIPT_ALPHABET = sorted(
    {chr(c) for c in range(0x0900, 0x0D80)}
    | {chr(c) for c in range(0x20, 0x7F)}
    | set("\u200c\u200d\u2013\u201c₹\n\téßяक字😀\u0301")
)


@given(st.text(st.sampled_from(SCRIPT_ALPHABET)) | st.text())
def test_script_counts_agree_with_script_of_character_by_character(text: str) -> None:
    expected = Counter()
    for char in text:
        if script_of(char) != "Common":
            expected[script_of(char)] += 1
    assert script_counts(text) == expected


def test_ties_go_to_the_registry_order_whatever_the_character_order() -> None:
    assert dominant_script("ab কখ") == dominant_script("কখ ab") == "Bengali"
