"""Sentence splitting: dandas, Latin punctuation, abbreviations, decimals."""

from __future__ import annotations

import pytest

from indic.languages import UnsupportedLanguageError
from indic.text import split_sentences


def test_hindi_sentences_split_at_the_danda() -> None:
    assert split_sentences("मैं स्कूल जाता हूँ। मेरी बहन कॉलेज जाती है।") == [
        "मैं स्कूल जाता हूँ।",
        "मेरी बहन कॉलेज जाती है।",
    ]


def test_a_danda_splits_even_without_a_following_space() -> None:
    assert split_sentences("আমি ভাত খাই।তুমি কী খাও?") == ["আমি ভাত খাই।", "তুমি কী খাও?"]


def test_the_double_danda_ends_a_verse() -> None:
    assert split_sentences("ਸਤਿ ਨਾਮੁ ॥ ਕਰਤਾ ਪੁਰਖੁ ॥") == ["ਸਤਿ ਨਾਮੁ ॥", "ਕਰਤਾ ਪੁਰਖੁ ॥"]


def test_question_and_exclamation_marks_end_sentences() -> None:
    assert split_sentences("நீ எங்கே போகிறாய்? நான் வீட்டுக்கு போகிறேன்! சரி.") == [
        "நீ எங்கே போகிறாய்?",
        "நான் வீட்டுக்கு போகிறேன்!",
        "சரி.",
    ]


def test_decimals_do_not_end_a_sentence() -> None:
    assert split_sentences("ಬೆಲೆ 3.5 ಲಕ್ಷ ರೂಪಾಯಿ. ಅದು ದುಬಾರಿ.") == ["ಬೆಲೆ 3.5 ಲಕ್ಷ ರೂಪಾಯಿ.", "ಅದು ದುಬಾರಿ."]


def test_latin_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "Dr. A. P. J. Abdul Kalam spoke, e.g. about rockets, at 5 p.m. on Monday. Everyone listened."
    assert split_sentences(text) == [
        "Dr. A. P. J. Abdul Kalam spoke, e.g. about rockets, at 5 p.m. on Monday.",
        "Everyone listened.",
    ]


def test_indic_doctor_abbreviation_does_not_end_a_sentence() -> None:
    assert split_sentences("डॉ. वर्मा आज आएँगे। ഡോ. മേനോൻ വന്നു.") == ["डॉ. वर्मा आज आएँगे।", "ഡോ. മേനോൻ വന്നു."]


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert split_sentences('He asked, "Are you coming?" She nodded.') == [
        'He asked, "Are you coming?"',
        "She nodded.",
    ]


def test_line_breaks_are_sentence_boundaries_and_blank_lines_vanish() -> None:
    assert split_sentences("ఇది ఒక పుస్తకం\n\nఅది ఒక కలం") == ["ఇది ఒక పుస్తకం", "అది ఒక కలం"]


def test_lang_limits_the_terminators_to_that_languages() -> None:
    # Malayalam does not use the danda: with lang="ml" it is not a boundary.
    assert split_sentences("ഇത് ഒന്ന്। ഇത് രണ്ട്.", lang="ml") == ["ഇത് ഒന്ന്। ഇത് രണ്ട്."]
    assert split_sentences("ഇത് ഒന്ന്। ഇത് രണ്ട്.") == ["ഇത് ഒന്ന്।", "ഇത് രണ്ട്."]


def test_an_unknown_language_is_rejected_with_the_supported_list() -> None:
    with pytest.raises(UnsupportedLanguageError, match="supported"):
        split_sentences("hello", lang="xx")


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("   \n ") == []
