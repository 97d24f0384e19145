"""Split text for speech into clauses (ended by a pause) made of single-script runs.

Why: espeak-ng drops punctuation, so the pauses a listener expects at commas and dandas would be
lost; and a Latin word inside Hindi must be read by the English voice, not skipped. Splitting here,
once, gives the phonemizer and the teacher synthesis the same pieces, so training and inference
see identical token sequences.

Example::

    >>> [(c.runs, c.pause) for c in segment("मैंने email भेजा।", "hi")]   # doctest: +SKIP
    [((Run('मैंने', 'hi'), Run('email', 'en'), Run('भेजा', 'hi')), '।')]
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

from indic.languages import LANGUAGES, get_language
from tts.frontend.numbers import expand_numbers

PAUSES: dict[str, str] = {",": ",", ";": ",", ":": ",", "।": "।", "॥": "।", ".": ".", "?": "?", "!": "!"}
"""Punctuation → the pause token that stands for it (the danda keeps its own token)."""

_CLAUSE_END = regex.compile(r"[,;:।॥.?!]+")
_WORD = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+")


class EmptyTextError(ValueError):
    """Raised when text holds nothing speakable (empty, blank, or only symbols)."""


class UnsupportedScriptError(ValueError):
    """Raised when text contains letters of a script none of the voices reads."""


@dataclass(frozen=True)
class Run:
    """Consecutive words in one script, read by the voice of ``lang``."""

    text: str
    lang: str


@dataclass(frozen=True)
class Clause:
    """Runs spoken without a break, then the pause token that ends them."""

    runs: tuple[Run, ...]
    pause: str


def segment(text: str, lang: str) -> list[Clause]:
    """Normalize ``text``, spell out its numbers, and cut it into clauses of single-script runs."""
    from indic.text import normalize

    code = get_language(lang).code
    spoken = expand_numbers(normalize(text), code)
    clauses = []
    start = 0
    for match in [*_CLAUSE_END.finditer(spoken), None]:
        end = match.start() if match else len(spoken)
        runs = _runs(spoken[start:end], code)
        if runs:
            clauses.append(Clause(runs, PAUSES[match[0][-1]] if match else "."))
        if match:
            start = match.end()
    if not clauses:
        raise EmptyTextError(f"nothing to speak in {text[:60]!r}")
    return clauses


def _runs(text: str, code: str) -> tuple[Run, ...]:
    runs: list[Run] = []
    for word in _WORD.findall(text):
        if not any(unicodedata.category(c).startswith("L") for c in word):
            continue
        word_lang = _word_language(word, code)
        if runs and runs[-1].lang == word_lang:
            runs[-1] = Run(f"{runs[-1].text} {word}", word_lang)
        else:
            runs.append(Run(word, word_lang))
    return tuple(runs)


def _word_language(word: str, code: str) -> str:
    """The voice for a word: the caller's language for its own script, English for Latin."""
    letter = next(c for c in word if unicodedata.category(c).startswith("L"))
    own = get_language(code)
    if own.in_block(letter):
        return code
    for lang in LANGUAGES:
        if lang.in_block(letter):
            return lang.code
    raise UnsupportedScriptError(
        f"{word!r} is in the {_script_name(letter)} script, which no voice reads; "
        f"supported scripts: {', '.join(sorted({lang.script for lang in LANGUAGES}))}"
    )


def _script_name(char: str) -> str:
    return unicodedata.name(char, "unknown").split(" ")[0].title()
