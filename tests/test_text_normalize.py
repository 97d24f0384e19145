"""normalize(): one test per rule, with real words in the language the rule is for."""

from __future__ import annotations

import pytest

from indic.text import hf_normalizer, normalize


def nfd_like(*code_points: int) -> str:
    return "".join(chr(c) for c in code_points)


# --- NFC and nukta forms --------------------------------------------------------------------------


def test_latin_accents_are_composed() -> None:
    assert normalize("cafe\u0301") == "café"


@pytest.mark.parametrize(
    ("precomposed", "decomposed"),
    [
        ("\u0958लम", "क\u093cलम"),  # Hindi क़लम (pen)
        ("\u095bमीन", "ज\u093cमीन"),  # Hindi ज़मीन (land)
        ("ন\u09df", "ন\u09af\u09bc"),  # Bengali নয় (is not)
        ("\u0a36ਹਿਰ", "ਸ\u0a3cਹਿਰ"),  # Punjabi ਸ਼ਹਿਰ (city)
        ("ବ\u0b5c", "ବ\u0b21\u0b3c"),  # Odia ବଡ଼ (big)
    ],
)
def test_nukta_letters_take_one_form_whichever_way_they_were_typed(precomposed: str, decomposed: str) -> None:
    assert normalize(precomposed) == normalize(decomposed) == decomposed


def test_devanagari_nnna_stays_composed_as_nfc_wants() -> None:
    assert normalize("न\u093c") == "\u0929"


def test_odia_ya_with_nukta_becomes_the_atomic_yya() -> None:
    assert normalize("ପ୍ରି\u0b2f\u0b3c") == "ପ୍ରି\u0b5f"  # ପ୍ରିୟ (dear)


# --- Malayalam chillu ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old_encoding", "atomic"),
    [
        ("കണ്\u200d", "കൺ"),  # eye
        ("അവന്\u200d", "അവൻ"),  # he
        ("അവര്\u200d", "അവർ"),  # they
        ("പാല്\u200d", "പാൽ"),  # milk
        ("അവള്\u200d", "അവൾ"),  # she
        ("ദിക്\u200d", "ദിൿ"),  # direction
    ],
)
def test_malayalam_chillu_sequences_become_atomic_chillus(old_encoding: str, atomic: str) -> None:
    assert normalize(old_encoding) == atomic
    assert normalize(f"{old_encoding} വന്നു") == f"{atomic} വന്നു"


# --- independent vowels typed as carrier + sign --------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ੲਿਹ", "ਇਹ"),  # Punjabi: this
        ("ੳੁਹ", "ਉਹ"),  # Punjabi: that
        ("ੲੀਮਾਨ", "ਈਮਾਨ"),  # Punjabi: honesty
        ("अाम", "आम"),  # Hindi: mango
        ("अाॅफिस", "ऑफिस"),  # Hindi: office (two steps: अ+ा, then आ+ॅ)
        ("অামি", "আমি"),  # Bengali: I
        ("અાજ", "આજ"),  # Gujarati: today
        ("ડૅાક્ટર", "ડૉક્ટર"),  # Gujarati: doctor (candra e + aa is candra o)
        ("ଅାମ", "ଆମ"),  # Odia: our
        ("அூறு", "ஆறு"),  # Tamil: river
        ("ఒౕడ", "ఓడ"),  # Telugu: ship
        ("వెౕద", "వేద"),  # Telugu: Veda (e sign + length mark)
        ("ಉಾರು", "ಊರು"),  # Kannada: village
        ("ഒാണം", "ഓണം"),  # Malayalam: Onam
        ("എെശ്വര്യം", "ഐശ്വര്യം"),  # Malayalam: prosperity
    ],
)
def test_vowels_typed_as_carrier_plus_sign_become_the_vowel_letter(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


# --- ZWJ / ZWNJ ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "क्\u200dष",  # Hindi: explicit half KA inside a word
        "र\u200d्याब",  # Bengali: ra + ZWJ + virama + ya (ya-phala after ra)
        "क्\u200cष",  # Hindi: ZWNJ keeps the virama visible
        "👨\u200d👩\u200d👧",  # an emoji family is one word
    ],
)
def test_joiners_inside_a_word_are_kept(word: str) -> None:
    assert normalize(word) == word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("नमस्ते\u200d", "नमस्ते"),
        ("\u200cनमस्ते", "नमस्ते"),
        ("नमस्ते\u200d दुनिया", "नमस्ते दुनिया"),
        ("नमस्ते\u200c, दुनिया", "नमस्ते, दुनिया"),
        ("ভালো\u200d\u200c।", "ভালো।"),
        ("\u200d", ""),
    ],
)
def test_stray_joiners_at_word_edges_are_removed(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- whitespace ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("भारत\u00a0में\tहम\n\n", "भारत में हम"),
        ("  ਸਤ  ਸ੍ਰੀ  ਅਕਾਲ  ", "ਸਤ ਸ੍ਰੀ ਅਕਾਲ"),
        ("வணக்கம்\u3000நண்பரே\u2028", "வணக்கம் நண்பரே"),
        ("good\x85morning\u202fall", "good morning all"),
        ("\t \n", ""),
    ],
)
def test_every_whitespace_run_becomes_one_space_and_ends_are_stripped(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- ASCII pipe as danda -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("मैं घर जा रहा हूँ|", "मैं घर जा रहा हूँ।"),
        ("मैं घर जा रहा हूँ |", "मैं घर जा रहा हूँ ।"),
        ("ਮੈਂ ਘਰ ਜਾ ਰਿਹਾ ਹਾਂ|", "ਮੈਂ ਘਰ ਜਾ ਰਿਹਾ ਹਾਂ।"),
        ("আমি বাড়ি যাব|", normalize("আমি বাড়ি যাব।")),
        ("रामाय नमः||", "रामाय नमः॥"),
    ],
)
def test_ascii_pipe_after_indic_text_becomes_a_danda(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["a | b", "x||y", "| नमस्ते", "cat file.txt | grep नमस्ते"])
def test_pipes_outside_indic_text_are_left_alone(text: str) -> None:
    assert normalize(text) == text


# --- robustness ----------------------------------------------------------------------------------


def test_lone_surrogates_become_replacement_characters() -> None:
    assert normalize("नमस्ते\ud800 दुनिया\udfff") == "नमस्ते\ufffd दुनिया\ufffd"


def test_control_characters_and_emoji_pass_through() -> None:
    assert normalize("a\x00b\x07c 😀") == "a\x00b\x07c 😀"


def test_a_forty_thousand_character_line_is_normalized() -> None:
    line = ("ੲਿਹ  ਕਿਤਾਬ\u200d |" * 4000)[:40_000]
    result = normalize(line)
    assert normalize(result) == result
    assert "ੲਿ" not in result and "  " not in result


def test_clean_sentences_are_returned_unchanged() -> None:
    for sentence in ["मेरा नाम राम है।", "আমি ভাত খাই।", "ಇದು ಒಂದು ಪುಸ್ತಕ.", "It costs ₹250, doesn't it?"]:
        assert normalize(sentence) == sentence


def test_hf_normalizer_gives_the_same_text_on_the_examples_above() -> None:
    hf = hf_normalizer()
    for text in ["ੲਿਹ  ਕਿਤਾਬ ਹੈ|", "അവന്\u200d", "नमस्ते\u200d दुनिया||", "ડૅાક્ટર", "a\u00a0b"]:
        assert hf.normalize_str(text) == normalize(text)


@pytest.mark.parametrize("text", ["क | |", "ਹੈ|||", "ਨਾਮ | | ਉਮਰ"])
def test_pipe_runs_after_indic_text_are_table_rules_not_dandas(text: str) -> None:
    assert normalize(text) == text
