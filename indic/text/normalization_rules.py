"""The one ordered table of text-normalization rules, read by both normalization engines.

:func:`indic.text.normalize` (Python) and :func:`indic.text.hf_normalizer` (a ``tokenizers``
normalizer embedded in ``tokenizer.json``) are both built from :data:`RULES`, so the text a
tokenizer is trained on and the text it sees at inference cannot drift apart. Every pattern is
written in the regex dialect that Python's ``re`` and Oniguruma (the engine inside ``tokenizers``)
read identically: literal characters, single-character classes, ``\\A``/``\\Z`` and fixed-width
lookarounds only — never ``\\s``, ``\\w`` or ``\\p{..}``, whose meaning depends on each engine's
Unicode tables.

The rules run after Unicode NFC, in this order (each step's reason is in its ``why``):

1. Malayalam chillu: consonant + virama + ZWJ → the atomic chillu (U+0D7A–U+0D7F).
2. Independent vowels typed as a carrier + vowel sign (ੲ+ਿ → ਇ, अ+ा → आ, …), and the vowel-sign
   pairs that spell one sign (Gujarati ૅ+ા → ૉ, Telugu ి+ౕ → ీ), from the sequences the Unicode
   core specification and Microsoft's shaping spec list as "do not use".
3. Odia YA with nukta → the atomic YYA ୟ.
4. Stray ZWJ/ZWNJ (at a word's edge) removed; inside a word they are kept.
5. No whitespace at either end, and every inner run of Unicode whitespace → one space.
6. ASCII ``|``/``||`` written after Indic text → danda ``।`` / double danda ``॥`` (a pipe
   followed by another pipe, as in tables, is left alone).

Nukta letters need no rule of their own: NFC already decomposes the composition exclusions
(क़ U+0958–U+095F, ড় ঢ় য় U+09DC/09DD/09DF, ਲ਼ ਸ਼ ਖ਼ ਗ਼ ਜ਼ ਫ਼, ଡ଼ ଢ଼ U+0B5C/0B5D) into base + nukta
and keeps ऩ ऱ ऴ composed. We keep exactly NFC's choice: it is the only one under which our output
is itself NFC, so any later NFC (by a library, an editor, a tokenizer) leaves it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ZWNJ = "\u200c"
ZWJ = "\u200d"
VIRAMA_MALAYALAM = "\u0d4d"

WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
"""Exactly the characters Python's ``str.split()`` splits on (``str.isspace``), listed
explicitly so both engines agree; word counts (``len(text.split())``) are unchanged by
normalization."""

INDIC_RANGE = "\u0900-\u0d7f"
"""Devanagari through Malayalam: the blocks of our ten Indic languages (and the dandas)."""

WORD_EDGE_PUNCTUATION = "!\"#$%&'()*+,-./:;?@[\\]^_`{|}~\u0964\u0965" + "".join(
    chr(c) for c in range(0x2010, 0x2028)
)
"""Characters that end a word for the ZWJ/ZWNJ rule. ``<``, ``=`` and ``>`` are left out on
purpose: NFC composes them with U+0338 (``<`` + ◌̸ → ≮), so deleting a joiner between them could
leave a non-NFC string behind and break idempotence."""


def _char_class(chars: str, *, negate: bool = False) -> str:
    """A regex character class for ``chars`` that Python ``re`` and Oniguruma read the same way.

    ASCII punctuation is backslash-escaped (both engines treat ``\\<punct>`` as the literal);
    everything else, control characters included, is written literally.
    """
    body = "".join("\\" + c if c.isascii() and not c.isalnum() and not c.isspace() else c for c in chars)
    return "[" + ("^" if negate else "") + body + "]"


@dataclass(frozen=True)
class Rule:
    """One rewrite: ``pattern`` (a literal string, or a regex when ``is_regex``) → ``replacement``.

    Two optional fields only make the Python engine faster and never change its result:
    ``trigger`` lists characters without which the pattern cannot match (the rule is skipped
    when none is present), and ``python`` is an exact equivalent built from ``str`` methods,
    which tests check against the pattern.
    """

    name: str
    pattern: str
    replacement: str
    is_regex: bool
    why: str
    trigger: str = ""
    python: Callable[[str], str] | None = None


def _literal(name: str, sequence: str, replacement: str, why: str) -> Rule:
    return Rule(name, sequence, replacement, is_regex=False, why=why)


_CHILLU_BASES = {
    "\u0d23": "\u0d7a",  # ണ → ൺ
    "\u0d28": "\u0d7b",  # ന → ൻ
    "\u0d30": "\u0d7c",  # ര → ർ
    "\u0d32": "\u0d7d",  # ല → ൽ
    "\u0d33": "\u0d7e",  # ള → ൾ
    "\u0d15": "\u0d7f",  # ക → ൿ
}

# (sequence, the single character it spells). Order matters where one rule's output is another's
# input: अ+ा → आ must run before आ+ॅ → ऑ, and Gujarati ૅ+ા → ૉ before અ+ૉ → ઑ, so that one pass
# reaches the fixed point (idempotence).
_VOWEL_SPELLINGS: tuple[tuple[str, str], ...] = (
    # Devanagari
    ("\u0905\u093e", "\u0906"),  # अ+ा → आ
    ("\u0905\u093a", "\u0973"),  # अ+ऺ → ॳ
    ("\u0905\u093b", "\u0974"),  # अ+ऻ → ॴ
    ("\u0906\u093a", "\u0974"),  # आ+ऺ → ॴ
    ("\u0905\u0945", "\u0972"),  # अ+ॅ → ॲ
    ("\u0905\u0946", "\u0904"),  # अ+ॆ → ऄ
    ("\u0905\u0949", "\u0911"),  # अ+ॉ → ऑ
    ("\u0906\u0945", "\u0911"),  # आ+ॅ → ऑ
    ("\u0905\u094a", "\u0912"),  # अ+ॊ → ऒ
    ("\u0906\u0946", "\u0912"),  # आ+ॆ → ऒ
    ("\u0905\u094b", "\u0913"),  # अ+ो → ओ
    ("\u0906\u0947", "\u0913"),  # आ+े → ओ
    ("\u0905\u094c", "\u0914"),  # अ+ौ → औ
    ("\u0906\u0948", "\u0914"),  # आ+ै → औ
    ("\u0905\u094f", "\u0975"),  # अ+ॏ → ॵ
    ("\u0905\u0956", "\u0976"),  # अ+ॖ → ॶ
    ("\u0905\u0957", "\u0977"),  # अ+ॗ → ॷ
    ("\u0909\u0941", "\u090a"),  # उ+ु → ऊ
    ("\u090f\u0945", "\u090d"),  # ए+ॅ → ऍ
    ("\u090f\u0946", "\u090e"),  # ए+ॆ → ऎ
    ("\u090f\u0947", "\u0910"),  # ए+े → ऐ
    # Bengali
    ("\u0985\u09be", "\u0986"),  # অ+া → আ
    ("\u098b\u09c3", "\u09e0"),  # ঋ+ৃ → ৠ
    ("\u098c\u09e2", "\u09e1"),  # ঌ+ৢ → ৡ
    # Gurmukhi
    ("\u0a05\u0a3e", "\u0a06"),  # ਅ+ਾ → ਆ
    ("\u0a05\u0a48", "\u0a10"),  # ਅ+ੈ → ਐ
    ("\u0a05\u0a4c", "\u0a14"),  # ਅ+ੌ → ਔ
    ("\u0a72\u0a3f", "\u0a07"),  # ੲ+ਿ → ਇ
    ("\u0a72\u0a40", "\u0a08"),  # ੲ+ੀ → ਈ
    ("\u0a72\u0a47", "\u0a0f"),  # ੲ+ੇ → ਏ
    ("\u0a73\u0a41", "\u0a09"),  # ੳ+ੁ → ਉ
    ("\u0a73\u0a42", "\u0a0a"),  # ੳ+ੂ → ਊ
    ("\u0a73\u0a4b", "\u0a13"),  # ੳ+ੋ → ਓ
    # Gujarati
    ("\u0ac5\u0abe", "\u0ac9"),  # ૅ+ા → ૉ
    ("\u0a85\u0abe", "\u0a86"),  # અ+ા → આ
    ("\u0a85\u0ac5", "\u0a8d"),  # અ+ૅ → ઍ
    ("\u0a85\u0ac7", "\u0a8f"),  # અ+ે → એ
    ("\u0a85\u0ac8", "\u0a90"),  # અ+ૈ → ઐ
    ("\u0a85\u0ac9", "\u0a91"),  # અ+ૉ → ઑ
    ("\u0a85\u0acb", "\u0a93"),  # અ+ો → ઓ
    ("\u0a85\u0acc", "\u0a94"),  # અ+ૌ → ઔ
    # Odia
    ("\u0b05\u0b3e", "\u0b06"),  # ଅ+ା → ଆ
    ("\u0b0f\u0b57", "\u0b10"),  # ଏ+ୗ → ଐ
    ("\u0b13\u0b57", "\u0b14"),  # ଓ+ୗ → ଔ
    # Tamil
    ("\u0b85\u0bc2", "\u0b86"),  # அ+ூ → ஆ
    # Telugu
    ("\u0c12\u0c4c", "\u0c14"),  # ఒ+ౌ → ఔ
    ("\u0c12\u0c55", "\u0c13"),  # ఒ+ౕ → ఓ
    ("\u0c3f\u0c55", "\u0c40"),  # ి+ౕ → ీ
    ("\u0c46\u0c55", "\u0c47"),  # ె+ౕ → ే
    ("\u0c4a\u0c55", "\u0c4b"),  # ొ+ౕ → ో
    # Kannada
    ("\u0c89\u0cbe", "\u0c8a"),  # ಉ+ಾ → ಊ
    ("\u0c8b\u0cbe", "\u0ce0"),  # ಋ+ಾ → ೠ
    ("\u0c92\u0ccc", "\u0c94"),  # ಒ+ೌ → ಔ
    # Malayalam
    ("\u0d07\u0d57", "\u0d08"),  # ഇ+ൗ → ഈ
    ("\u0d09\u0d57", "\u0d0a"),  # ഉ+ൗ → ഊ
    ("\u0d0e\u0d46", "\u0d10"),  # എ+െ → ഐ
    ("\u0d12\u0d3e", "\u0d13"),  # ഒ+ാ → ഓ
    ("\u0d12\u0d57", "\u0d14"),  # ഒ+ൗ → ഔ
)

_ANY_WHITESPACE = _char_class(WHITESPACE)
_INDIC_CHAR = "[" + INDIC_RANGE + "]"
_JOINERS = "[" + ZWNJ + ZWJ + "]+"
_WORD_END = _char_class(WHITESPACE + WORD_EDGE_PUNCTUATION)
_NOT_WORD_END = _char_class(WHITESPACE + WORD_EDGE_PUNCTUATION, negate=True)
# Preceded by an Indic character, directly or across the one space left after whitespace folding
# (two fixed-width lookbehinds: neither engine accepts ``(?<=X ?)``), and not followed by another
# pipe. A regex pass sees the original text, so without that lookahead "क | |" would turn into
# "क । |" and only a second pass would convert the second pipe. Longer pipe runs are table
# rules or separators, not dandas.
_AFTER_INDIC = "(?:(?<=" + _INDIC_CHAR + ")|(?<=" + _INDIC_CHAR + " ))"
_NO_PIPE_NEXT = "(?! ?\\|)"

RULES: tuple[Rule, ...] = (
    *(
        _literal(
            f"malayalam-chillu-{ord(atomic):04X}",
            base + VIRAMA_MALAYALAM + ZWJ,
            atomic,
            "Malayalam chillus have two encodings (atomic since Unicode 5.1, and the older "
            "consonant + virama + ZWJ); we keep the atomic one.",
        )
        for base, atomic in _CHILLU_BASES.items()
    ),
    *(
        _literal(
            f"vowel-spelling-{ord(vowel):04X}",
            sequence,
            vowel,
            "A carrier or sign followed by a vowel sign that draws the same glyph as one "
            "vowel is listed by Unicode as 'do not use'; the shared corpus contains them.",
        )
        for sequence, vowel in _VOWEL_SPELLINGS
    ),
    _literal(
        "odia-yya",
        "\u0b2f\u0b3c",
        "\u0b5f",
        "Odia ୟ (U+0B5F) has no canonical decomposition, so NFC leaves YA + nukta alone; "
        "the atomic letter is what Odia keyboards type and what our corpus uses.",
    ),
    Rule(
        "stray-joiners",
        "(?<!" + _NOT_WORD_END + ")" + _JOINERS + "|" + _JOINERS + "(?!" + _NOT_WORD_END + ")",
        "",
        is_regex=True,
        why="ZWJ/ZWNJ select conjunct and half forms inside a word; at a word's edge "
        "(string ends, whitespace, punctuation) they do nothing visible and only split tokens.",
        trigger=ZWNJ + ZWJ,
    ),
    Rule(
        "whitespace-ends",
        "\\A" + _ANY_WHITESPACE + "+|" + _ANY_WHITESPACE + "+\\Z",
        "",
        is_regex=True,
        why="Leading and trailing whitespace would become tokens of their own.",
        python=lambda text: text.strip(WHITESPACE),
    ),
    Rule(
        "whitespace-runs",
        _ANY_WHITESPACE + "+",
        " ",
        is_regex=True,
        why="Tabs, newlines, no-break and ideographic spaces carry no meaning for our models.",
        # Exact once the ends are stripped: str.split() splits on exactly WHITESPACE.
        python=lambda text: " ".join(text.split()),
    ),
    Rule(
        "double-danda-from-pipes",
        _AFTER_INDIC + "\\|\\|" + _NO_PIPE_NEXT,
        "\u0965",
        is_regex=True,
        why="Typists without an Indic keyboard write the double danda ॥ as '||'.",
        trigger="|",
    ),
    Rule(
        "danda-from-pipe",
        _AFTER_INDIC + "\\|" + _NO_PIPE_NEXT,
        "\u0964",
        is_regex=True,
        why="… and the danda । as '|'; only after Indic text, so code and tables keep their pipes.",
        trigger="|",
    ),
)
"""The rules, applied in this order after NFC."""

__all__ = ["RULES", "Rule", "WHITESPACE", "WORD_EDGE_PUNCTUATION", "ZWJ", "ZWNJ"]
