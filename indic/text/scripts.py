"""Which script a character or a string is written in.

``script_of(char)`` names the script of one character: one of the registry's scripts
(``"Devanagari"``, ``"Bengali"``, …, ``"Latin"``), ``"Common"`` for characters every script uses
(spaces, punctuation, ASCII digits, the dandas ``।`` ``॥``, ZWJ/ZWNJ, symbols, combining
diacritics), or ``"Other"`` for letters of scripts we do not support. ``detect_script(text)`` gives
each script's share of the non-Common characters::

    >>> {name: round(share, 2) for name, share in detect_script("नमस्ते, world!").items()}
    {'Devanagari': 0.55, 'Latin': 0.45}
    >>> dominant_script("২০২৪ সালে")
    'Bengali'

The corpus tools call these on millions of lines, so the per-string work is one ``str.translate``
and one C-level count rather than a Python loop over characters.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from indic.languages import LANGUAGES

COMMON = "Common"
OTHER = "Other"
LATIN = "Latin"

_INDIC_SCRIPTS: dict[str, range] = {
    lang.script: lang.unicode_block for lang in LANGUAGES if lang.script != LATIN
}
_SHARED_BY_INDIC_SCRIPTS = "\u0964\u0965"  # the dandas are used by Bengali, Gurmukhi, Odia, … too
# Combining diacritics (Unicode script "Inherited") take the script of the letter they sit on.
_INHERITED_BLOCKS = (
    range(0x0300, 0x0370),
    range(0x1AB0, 0x1B00),
    range(0x1DC0, 0x1E00),
    range(0x20D0, 0x2100),
    range(0xFE20, 0xFE30),
)

# Every script gets a one-character code in the translation table below.
_SCRIPT_NAMES: tuple[str, ...] = (*_INDIC_SCRIPTS, LATIN)
_CODE_OF: dict[str, str] = {name: chr(index + 1) for index, name in enumerate(_SCRIPT_NAMES)}
_NAME_OF_CODE: dict[str, str] = {code: name for name, code in _CODE_OF.items()}


def _latin_letters() -> list[int]:
    return [c for c in range(0x250) if chr(c).isalpha() and unicodedata.category(chr(c)) != "Lo"]


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for name, block in _INDIC_SCRIPTS.items():
        for point in block:
            table[point] = _CODE_OF[name]
    for point in _latin_letters():
        table[point] = _CODE_OF[LATIN]
    for point in range(0x250):
        table.setdefault(point, None)
    for char in _SHARED_BY_INDIC_SCRIPTS + "\u200c\u200d":
        table[ord(char)] = None
    for block in _INHERITED_BLOCKS:
        table.update(dict.fromkeys(block))
    return table


_TABLE = _build_table()


def script_of(char: str) -> str:
    """The script of one character: a registry script name, ``"Common"`` or ``"Other"``.

    Example: ``script_of("ক") == "Bengali"``, ``script_of("।") == "Common"``.
    """
    if len(char) != 1:
        raise ValueError(f"script_of takes one character, got {len(char)}: {char!r}")
    code = _TABLE.get(ord(char), char)
    if code is None:
        return COMMON
    if code in _NAME_OF_CODE:
        return _NAME_OF_CODE[code]
    return _outside_our_scripts(char)


def _outside_our_scripts(char: str) -> str:
    # Letters and marks of other scripts count as Other; digits, symbols, punctuation and
    # spaces beyond Latin-1 are shared by every script.
    return OTHER if unicodedata.category(char)[0] in "LM" else COMMON


def _counts_by_table(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for code, count in Counter(text.translate(_TABLE)).items():
        name = _NAME_OF_CODE.get(code) or _outside_our_scripts(code)
        if name != COMMON:
            counts[name] += count
    return counts


_ASCII_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))


def script_counts(text: str) -> Counter[str]:
    """How many characters of ``text`` belong to each script (Common characters not counted)."""
    if text.isascii():
        # Deleting the letters from the bytes beats the per-character table on ASCII lines.
        data = text.encode("ascii")
        letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
        return Counter({LATIN: letters}) if letters else Counter()
    return _counts_by_table(text)


_RANK = {name: rank for rank, name in enumerate((*_SCRIPT_NAMES, OTHER))}


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    # Ties go to the registry's order, so the answer never depends on character order.
    return sorted(counts.items(), key=lambda item: (-item[1], _RANK[item[0]]))


def detect_script(text: str) -> dict[str, float]:
    """Each script's share of the characters that have one, largest first; ``{}`` if none do.

    Why shares and not one label: corpus filters need "script purity" (the share of the
    expected script), and mixed lines (Hindi with English terms) are common.
    """
    counts = script_counts(text)
    total = sum(counts.values())
    return {name: count / total for name, count in _ranked(counts)}


def dominant_script(text: str) -> str | None:
    """The script with the largest share of ``text``, or ``None`` when no character has a script."""
    counts = script_counts(text)
    return _ranked(counts)[0][0] if counts else None


__all__ = ["COMMON", "LATIN", "OTHER", "detect_script", "dominant_script", "script_counts", "script_of"]
