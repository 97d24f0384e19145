"""The registry of the eleven supported languages.

One table describes each language — ISO codes, script and its Unicode block, FLORES-200 code,
native name, espeak-ng voice, digits and sentence terminators — and every other module asks it
instead of keeping its own list. Lookups accept any of the codes or the English name::

    >>> from indic.languages import get_language
    >>> get_language("hin_Deva").code
    'hi'
    >>> get_language("ory").native_name
    'ଓଡ଼ିଆ'
"""

from __future__ import annotations

from dataclasses import dataclass


class UnsupportedLanguageError(ValueError):
    """Raised for a language code the registry does not know; the message lists the supported ones."""

    def __init__(self, code: object) -> None:
        supported = ", ".join(LANGUAGE_CODES)
        super().__init__(f"{code!r} is not a supported language; supported: {supported}")
        self.code = code


@dataclass(frozen=True)
class Language:
    """One supported language. ``code`` (ISO 639-1) is the key used everywhere in the project."""

    code: str
    iso639_3: str
    name: str
    native_name: str
    script: str
    block_start: int
    block_end: int
    flores_code: str
    espeak_voice: str
    digits: str
    sentence_terminators: tuple[str, ...]

    @property
    def unicode_block(self) -> range:
        """Code points of the script's Unicode block (both ends inclusive)."""
        return range(self.block_start, self.block_end + 1)

    def in_block(self, char: str) -> bool:
        """True when ``char`` lies in this language's script block."""
        return self.block_start <= ord(char) <= self.block_end


_DANDA = ("।", "॥", "?", "!", ".")
_LATIN_TERMINATORS = (".", "?", "!")


def _digits(zero: int) -> str:
    return "".join(chr(zero + i) for i in range(10))


# One row per language reads better than wrapped arguments.
# fmt: off
LANGUAGES: tuple[Language, ...] = (
    Language("bn", "ben", "Bengali", "বাংলা", "Bengali", 0x0980, 0x09FF, "ben_Beng", "bn", _digits(0x09E6), _DANDA),
    Language("gu", "guj", "Gujarati", "ગુજરાતી", "Gujarati", 0x0A80, 0x0AFF, "guj_Gujr", "gu", _digits(0x0AE6), _DANDA),
    Language("hi", "hin", "Hindi", "हिन्दी", "Devanagari", 0x0900, 0x097F, "hin_Deva", "hi", _digits(0x0966), _DANDA),
    Language("kn", "kan", "Kannada", "ಕನ್ನಡ", "Kannada", 0x0C80, 0x0CFF, "kan_Knda", "kn", _digits(0x0CE6), _LATIN_TERMINATORS),
    Language("ml", "mal", "Malayalam", "മലയാളം", "Malayalam", 0x0D00, 0x0D7F, "mal_Mlym", "ml", _digits(0x0D66), _LATIN_TERMINATORS),
    Language("mr", "mar", "Marathi", "मराठी", "Devanagari", 0x0900, 0x097F, "mar_Deva", "mr", _digits(0x0966), _DANDA),
    Language("or", "ory", "Odia", "ଓଡ଼ିଆ", "Oriya", 0x0B00, 0x0B7F, "ory_Orya", "or", _digits(0x0B66), _DANDA),
    Language("pa", "pan", "Punjabi", "ਪੰਜਾਬੀ", "Gurmukhi", 0x0A00, 0x0A7F, "pan_Guru", "pa", _digits(0x0A66), _DANDA),
    Language("ta", "tam", "Tamil", "தமிழ்", "Tamil", 0x0B80, 0x0BFF, "tam_Taml", "ta", _digits(0x0BE6), _LATIN_TERMINATORS),
    Language("te", "tel", "Telugu", "తెలుగు", "Telugu", 0x0C00, 0x0C7F, "tel_Telu", "te", _digits(0x0C66), _LATIN_TERMINATORS),
    Language("en", "eng", "English", "English", "Latin", 0x0000, 0x024F, "eng_Latn", "en-us", _digits(0x30), _LATIN_TERMINATORS),
)
# fmt: on
"""All supported languages, in the order reports list them (English last, as the parity reference)."""

LANGUAGE_CODES: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES)
INDIC_CODES: tuple[str, ...] = tuple(code for code in LANGUAGE_CODES if code != "en")

_BY_KEY: dict[str, Language] = {}
for _lang in LANGUAGES:
    for _key in (_lang.code, _lang.iso639_3, _lang.flores_code, _lang.name, _lang.native_name):
        _BY_KEY[_key.casefold()] = _lang
# Common aliases seen in the wild (FLORES-101 and older ISO codes).
_BY_KEY.update(
    {"ori": _BY_KEY["or"], "oriya": _BY_KEY["or"], "panjabi": _BY_KEY["pa"], "bangla": _BY_KEY["bn"]}
)


def get_language(key: str) -> Language:
    """Look a language up by ISO 639-1/639-3 code, FLORES code, English or native name.

    Raises :class:`UnsupportedLanguageError` (a ``ValueError``) naming the supported codes.
    """
    if not isinstance(key, str):
        raise UnsupportedLanguageError(key)
    found = _BY_KEY.get(key.strip().replace("-", "_").casefold()) or _BY_KEY.get(key.strip().casefold())
    if found is None:
        raise UnsupportedLanguageError(key)
    return found


def languages_for_script(script: str) -> tuple[Language, ...]:
    """Languages written in ``script`` (Devanagari gives Hindi and Marathi)."""
    return tuple(lang for lang in LANGUAGES if lang.script.casefold() == script.casefold())
