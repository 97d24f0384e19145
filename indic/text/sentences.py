"""Sentence splitting for the eleven languages: dandas, Latin punctuation and abbreviations.

``split_sentences`` cuts after ``।`` ``॥`` ``.`` ``?`` ``!`` (and runs of them, with any closing
quotes or brackets that follow), and at line breaks. A full stop only ends a sentence when
whitespace follows it, so decimals (``3.5``), web addresses and ``e.g.`` inside a word stay whole,
and it never ends one after a known abbreviation (``Dr.``, ``e.g.``, ``डॉ.``, …) or a single
capital initial (``A. P. J. Abdul Kalam``)::

    >>> split_sentences("डॉ. शर्मा आए। उन्होंने 3.5 किलो आम खरीदे! क्या वे मीठे थे?")
    ['डॉ. शर्मा आए।', 'उन्होंने 3.5 किलो आम खरीदे!', 'क्या वे मीठे थे?']
    >>> split_sentences("Dr. Rao met Mr. Das, e.g. at 5 p.m. today. They talked.")
    ['Dr. Rao met Mr. Das, e.g. at 5 p.m. today.', 'They talked.']
"""

from __future__ import annotations

import re
from functools import cache

from indic.languages import get_language

ALL_TERMINATORS = "।॥.?!"
_CLOSERS = "\"'”’»)]}"

ABBREVIATIONS: frozenset[str] = frozenset(
    {
        # English (compared in lower case, without the final full stop)
        "dr", "mr", "mrs", "ms", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "no",
        "fig", "approx", "dept", "govt", "inc", "ltd", "co", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "a.m", "p.m", "rs", "sri", "smt", "lt",
        "col", "gen", "capt", "hon", "rev",
        # "Dr." and "Prof." as written in the Indic scripts
        "डॉ", "डा", "प्रो", "ডা", "ডঃ", "ਡਾ", "ડૉ", "ડો", "ଡା", "டாக்", "డా", "ಡಾ", "ഡോ", "പ്രൊ",
    }
)  # fmt: skip
"""Words that end in a full stop without ending the sentence."""

_SINGLE_INITIAL = re.compile(r"[A-Z]")


def _boundary_pattern(terminators: str) -> re.Pattern[str]:
    marks = re.escape(terminators)
    closers = re.escape(_CLOSERS)
    # A run of terminators, its closing quotes/brackets, then whitespace or the end of the text.
    # Dandas are unambiguous and may be followed directly by the next word.
    dandas = re.escape("".join(c for c in terminators if c in "।॥"))
    danda_branch = f"|[{marks}]*[{dandas}][{marks}]*[{closers}]*" if dandas else ""
    return re.compile(f"[{marks}]+[{closers}]*(?=\\s|$){danda_branch}")


@cache
def _boundaries_for(code: str | None) -> re.Pattern[str]:
    """The boundary regex for a registry language code, or for all terminators when ``None``."""
    terminators = ALL_TERMINATORS if code is None else "".join(get_language(code).sentence_terminators)
    return _boundary_pattern(terminators)


def _is_abbreviation(line: str, stop: int) -> bool:
    """True when the full stop at ``stop`` closes an abbreviation or an initial."""
    start = stop
    while start > 0 and not line[start - 1].isspace() and line[start - 1] not in "(\"'“‘":
        start -= 1
    word = line[start:stop]
    return word.casefold() in ABBREVIATIONS or bool(_SINGLE_INITIAL.fullmatch(word))


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """Split ``text`` into sentences, each stripped; empty pieces are dropped.

    ``lang`` (any code the registry knows) limits the terminators to that language's; without it
    all of ``। ॥ . ? !`` count. Raises :class:`~indic.languages.UnsupportedLanguageError` for an
    unknown ``lang``.
    """
    boundaries = _boundaries_for(None if lang is None else get_language(lang).code)
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in boundaries.finditer(line):
            if (
                match.group().startswith(".")
                and len(match.group()) == 1
                and _is_abbreviation(line, match.start())
            ):
                continue
            sentences.append(line[start : match.end()].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


__all__ = ["ABBREVIATIONS", "ALL_TERMINATORS", "split_sentences"]
