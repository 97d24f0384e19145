"""Text ↔ token ids for the LM service, and the incremental decoder that streams complete characters.

Two codecs share one small interface (``encode``, ``decode``, ``stop_ids``): :class:`TokenizerCodec`
wraps a ``tokenizer.json`` (what the real LM ships), :class:`ByteCodec` maps UTF-8 bytes to ids
0–255 (for the synthetic decoder). Byte-level tokens can end inside a multi-byte character, so
:class:`IncrementalDecoder` releases text only up to the last complete character.

Example::

    >>> codec = ByteCodec()
    >>> codec.decode(codec.encode("नमस्ते"))
    'नमस्ते'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class TokenCodec(Protocol):
    """What the LM service needs from a tokenizer."""

    stop_ids: frozenset[int]

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


class ByteCodec:
    """UTF-8 bytes as token ids 0–255; no stop token."""

    stop_ids: frozenset[int] = frozenset()

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, ids: Sequence[int]) -> str:
        return bytes(i for i in ids if 0 <= i < 256).decode("utf-8", errors="replace")


class TokenizerCodec:
    """A ``tokenizer.json`` plus the LM's conventions: prompts normalized and prefixed with end-of-text.

    The end-of-text id both opens every prompt (the document separator the model was trained on)
    and stops generation.
    """

    def __init__(self, tokenizer_path: Path, eot_id: int) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.eot_id = eot_id
        self.stop_ids = frozenset({eot_id})

    def encode(self, text: str) -> list[int]:
        from indic.text import normalize

        return [self.eot_id, *self.tokenizer.encode(normalize(text), add_special_tokens=False).ids]

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)


class IncrementalDecoder:
    """Feed tokens one by one; get back only newly completed text.

    >>> stream = IncrementalDecoder(ByteCodec())
    >>> [stream.push(b) for b in "é".encode()]
    ['', 'é']
    """

    def __init__(self, codec: TokenCodec) -> None:
        self.codec = codec
        self.ids: list[int] = []
        self.released = ""

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        text = self.codec.decode(self.ids).rstrip("\ufffd")
        if len(text) <= len(self.released):
            return ""
        piece = text[len(self.released) :]
        self.released = text
        return piece
