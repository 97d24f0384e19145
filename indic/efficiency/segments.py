"""Where a tokenizer cuts one sentence: the text of each token, for side-by-side display.

Byte-level tokenizers often split one Indic character across tokens (a token may hold half of a
UTF-8 sequence), so single tokens cannot always be shown as text. Decoding growing prefixes and
emitting a segment whenever the prefix is clean text (no trailing U+FFFD) groups such tokens
into the smallest displayable pieces, for every tokenizer format alike::

    >>> from indic.efficiency import load_tokenizer, token_segments    # doctest: +SKIP
    >>> o200k = load_tokenizer("o200k_base.tiktoken")                  # doctest: +SKIP
    >>> [piece.text for piece in token_segments(o200k, "hello world")]  # doctest: +SKIP
    ['hello', ' world']
"""

from __future__ import annotations

from dataclasses import dataclass

from indic.efficiency.protocol import Tokenizer

_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Segment:
    """A piece of the text and the ids of the tokens that spell it (more than one for byte pieces)."""

    text: str
    ids: tuple[int, ...]


def token_segments(tokenizer: Tokenizer, text: str) -> list[Segment]:
    """The displayable pieces of ``text`` as ``tokenizer`` encodes it, in order."""
    ids = tokenizer.encode_batch([text])[0]
    segments: list[Segment] = []
    shown = ""
    pending: list[int] = []
    for end, token in enumerate(ids, start=1):
        pending.append(token)
        prefix = tokenizer.decode(ids[:end])
        if prefix.startswith(shown) and not prefix.endswith(_REPLACEMENT):
            segments.append(Segment(prefix[len(shown) :], tuple(pending)))
            shown, pending = prefix, []
    if pending:
        segments.append(Segment(tokenizer.decode(ids)[len(shown) :], tuple(pending)))
    return segments
