"""The split (pre-tokenization) regexes of the tokenizers that ship without one.

A ``.tiktoken`` file or a bare ``vocab.json`` + ``merges.txt`` holds only merges: the regex that
cuts text into pieces before BPE lives in the library that published it, and using the wrong one
changes every count. These are the documented patterns, verbatim. Note for Indic text: cl100k,
Llama-3 and Qwen2 build letters from ``\\p{L}`` without ``\\p{M}``, so every vowel sign and virama
is cut off its consonant before BPE runs; o200k (also used by Llama 4) includes ``\\p{M}``.

    >>> infer_pattern_name("anchors/o200k_base/o200k_base.tiktoken")
    'o200k'
    >>> infer_pattern_name("models/llama4/tokenizer.model")
    'o200k'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import regex

from indic.efficiency.errors import SplitPatternError

_CONTRACTIONS = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)"


@dataclass(frozen=True)
class SplitPattern:
    """A named split regex; ``nfc`` when the published tokenizer normalizes to NFC before splitting."""

    name: str
    regex: str
    nfc: bool = False


SPLIT_PATTERNS: dict[str, SplitPattern] = {
    "o200k": SplitPattern(
        "o200k",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+" + _CONTRACTIONS + "?"
        r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*" + _CONTRACTIONS + "?"
        r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ),
    "cl100k": SplitPattern(
        "cl100k",
        r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"
        r"|\s++$|\s*[\r\n]|\s+(?!\S)|\s",
    ),
    "llama3": SplitPattern(
        "llama3",
        _CONTRACTIONS
        + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ),
    # Qwen2's published tokenizer.json: single digits, and an NFC normalizer in front.
    "qwen2": SplitPattern(
        "qwen2",
        _CONTRACTIONS + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        nfc=True,
    ),
}

# Checked in order against the file name, then its folder's name: the first hit wins.
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    (r"o200k", "o200k"),
    (r"llama[-_ ]?4", "o200k"),
    (r"cl100k", "cl100k"),
    (r"llama[-_ ]?3", "llama3"),
    (r"qwen", "qwen2"),
)


def infer_pattern_name(path: str | Path) -> str | None:
    """The pattern a file's name (or its folder's name) implies, or None when it says nothing."""
    path = Path(path)
    for part in (path.name, path.parent.name):
        for hint, name in _NAME_HINTS:
            if re.search(hint, part, flags=re.IGNORECASE):
                return name
    return None


def resolve_pattern(pattern: str | None, path: str | Path) -> SplitPattern:
    """The split pattern for ``path``: the one given (a known name or a regex), else the inferred one.

    >>> resolve_pattern("cl100k", "x.tiktoken").name
    'cl100k'
    >>> resolve_pattern(r"\\S+|\\s+", "x.tiktoken").name
    'custom'
    """
    if pattern is None:
        inferred = infer_pattern_name(path)
        if inferred is None:
            known = ", ".join(SPLIT_PATTERNS)
            raise SplitPatternError(
                f"{path}: cannot tell which split regex this tokenizer uses from its name; "
                f"pass pattern= one of {known} (or a regex)"
            )
        return SPLIT_PATTERNS[inferred]
    if pattern in SPLIT_PATTERNS:
        return SPLIT_PATTERNS[pattern]
    try:
        regex.compile(pattern)
    except regex.error as error:
        known = ", ".join(SPLIT_PATTERNS)
        raise SplitPatternError(
            f"pattern {pattern!r} is neither one of {known} nor a valid regex: {error}"
        ) from error
    return SplitPattern("custom", pattern)
