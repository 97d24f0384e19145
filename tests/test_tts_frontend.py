"""The speech front end: espeak-ng bundled offline, quirks fixed, scripts handled, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tts_samples import HELLO

from indic.languages import LANGUAGES, UnsupportedLanguageError
from tts.frontend.inventory import load_inventory
from tts.frontend.phonemize import TONE, phonemize, split_phoneme
from tts.frontend.segment import EmptyTextError, Run, UnsupportedScriptError, segment


def test_espeak_library_and_data_come_from_the_bundled_wheel() -> None:
    import espeakng_loader

    assert Path(espeakng_loader.get_library_path()).is_file()
    assert (Path(espeakng_loader.get_data_path()) / "phondata").is_file()


@pytest.mark.parametrize("lang", [lang.code for lang in LANGUAGES])
def test_every_language_has_a_voice_and_known_phonemes(lang: str) -> None:
    tokens = phonemize(HELLO[lang], lang)
    assert tokens[0] == "^" and tokens[-1] == "$" and len(tokens) > 6
    inventory = load_inventory()
    assert all(token in inventory.token_to_id for token in tokens), set(tokens) - set(inventory.tokens)


def test_retroflex_flap_is_ipa_not_kirshenbaum() -> None:
    for text, lang in (("ਘੋੜਾ", "pa"), ("ଓଡ଼ିଆ", "or")):
        tokens = phonemize(text, lang)
        assert "ɽ" in tokens and not any("r." in t for t in tokens)


def test_punjabi_tone_mark_becomes_its_own_token() -> None:
    assert split_phoneme("ˈo+") == ["ˈ", "o", TONE]
    assert TONE in phonemize("ਘੋੜਾ", "pa")


def test_latin_words_inside_hindi_are_read_by_the_english_voice() -> None:
    clauses = segment("मैंने email भेजा", "hi")
    assert clauses[0].runs == (Run("मैंने", "hi"), Run("email", "en"), Run("भेजा", "hi"))
    tokens = phonemize("मैंने email भेजा", "hi")
    assert "eɪ" in tokens and not any("(" in t for t in tokens)


def test_danda_and_ascii_bar_become_a_danda_pause() -> None:
    assert phonemize("नमस्ते। दुनिया", "hi").count("।") == 1
    assert phonemize("नमस्ते | दुनिया", "hi").count("।") == 1


def test_commas_and_questions_keep_their_pauses() -> None:
    tokens = phonemize("hello, world?", "en")
    assert "," in tokens and tokens[-2] == "?"


def test_numbers_are_spoken_as_words_before_phonemization() -> None:
    assert phonemize("5", "hi") == phonemize("पाँच", "hi")
    assert phonemize("५", "hi") == phonemize("पाँच", "hi")


@pytest.mark.parametrize("text", ["", "   ", "🙂 🙂", "...", "\u200d"])
def test_text_without_anything_to_speak_is_a_clear_error(text: str) -> None:
    with pytest.raises(EmptyTextError, match="nothing to speak"):
        phonemize(text, "hi")


def test_unsupported_script_is_named_in_the_error() -> None:
    with pytest.raises(UnsupportedScriptError, match="Cjk"):
        phonemize("你好", "hi")


def test_unknown_language_lists_the_supported_ones() -> None:
    with pytest.raises(UnsupportedLanguageError, match="supported: bn, gu"):
        phonemize("hello", "xx")


def test_unknown_tokens_are_decomposed_into_known_ones() -> None:
    inventory = load_inventory()
    assert inventory.ids(["aːʰχ"]) == inventory.ids(["aːʰχ"])
    assert inventory.ids(["ʈʰ̪"]) == inventory.ids(["ʈʰ"])
    assert inventory.ids(["§"]) == []


def test_speakers_are_found_by_name_or_index_and_unknown_ones_rejected() -> None:
    inventory = load_inventory()
    assert inventory.speaker_id("f3") == inventory.speaker_id(1) == 1
    with pytest.raises(ValueError, match="unknown speaker"):
        inventory.speaker_id("nobody")
