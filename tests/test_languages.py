"""The language registry: eleven languages, consistent fields, lookups by any code."""

from __future__ import annotations

import unicodedata

import pytest

from indic.languages import (
    INDIC_CODES,
    LANGUAGE_CODES,
    LANGUAGES,
    UnsupportedLanguageError,
    get_language,
    languages_for_script,
)
from indic.text import detect_script, normalize


def test_the_registry_holds_the_eleven_languages_with_english_last() -> None:
    assert LANGUAGE_CODES == ("bn", "gu", "hi", "kn", "ml", "mr", "or", "pa", "ta", "te", "en")
    assert INDIC_CODES == LANGUAGE_CODES[:-1]


@pytest.mark.parametrize("field", ["code", "iso639_3", "flores_code"])
def test_codes_are_unique(field: str) -> None:
    values = [getattr(lang, field) for lang in LANGUAGES]
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_lookup_works_by_every_code_and_name(lang) -> None:  # type: ignore[no-untyped-def]
    for key in (lang.code, lang.iso639_3, lang.flores_code, lang.name, lang.native_name, lang.code.upper()):
        assert get_language(key) is lang


def test_lookup_accepts_common_aliases_and_hyphenated_flores_codes() -> None:
    assert get_language("ori").code == "or"
    assert get_language("Oriya").code == "or"
    assert get_language("hin-Deva").code == "hi"
    assert get_language(" bangla ").code == "bn"


@pytest.mark.parametrize("bad", ["xx", "", "hindi-ish", 42, None])
def test_an_unknown_code_raises_an_error_listing_the_supported_ones(bad: object) -> None:
    with pytest.raises(UnsupportedLanguageError, match="supported: bn, gu, hi") as caught:
        get_language(bad)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_digits_are_the_ten_decimal_digits_of_the_script(lang) -> None:  # type: ignore[no-untyped-def]
    assert [unicodedata.decimal(digit) for digit in lang.digits] == list(range(10))
    assert all(lang.in_block(digit) for digit in lang.digits)


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_the_native_name_is_normalized_and_written_in_the_languages_script(lang) -> None:  # type: ignore[no-untyped-def]
    assert normalize(lang.native_name) == lang.native_name
    assert detect_script(lang.native_name) == {lang.script: 1.0}
    assert lang.flores_code.startswith(lang.iso639_3 + "_")


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_every_language_ends_sentences_with_full_stop_question_and_exclamation(lang) -> None:  # type: ignore[no-untyped-def]
    assert {".", "?", "!"} <= set(lang.sentence_terminators)


def test_danda_languages_list_the_danda_as_a_terminator() -> None:
    for code in ("bn", "hi", "mr", "or", "pa"):
        assert "।" in get_language(code).sentence_terminators


def test_hindi_and_marathi_share_devanagari() -> None:
    assert [lang.code for lang in languages_for_script("devanagari")] == ["hi", "mr"]
    assert [lang.code for lang in languages_for_script("Tamil")] == ["ta"]
    assert languages_for_script("Cyrillic") == ()
