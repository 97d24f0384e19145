"""The one small interface every tokenizer is measured through.

tiktoken, Hugging Face ``tokenizers`` and SentencePiece each spell encode/decode differently
(``encode_ordinary``, ``encode_batch(add_special_tokens=False)``, ``encode(list)``). The efficiency
code sees only this protocol, so adding a format means adding one adapter, nothing else::

    >>> from indic.efficiency import load_tokenizer            # doctest: +SKIP
    >>> tok = load_tokenizer("indic-superbpe-64k")              # doctest: +SKIP
    >>> tok.decode_batch(tok.encode_batch(["नमस्ते"]))           # doctest: +SKIP
    ['नमस्ते']
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Tokenizer(Protocol):
    """A loaded tokenizer, encoding without special tokens (BOS/EOS never counted).

    ``fingerprint`` identifies the exact files and settings (sha256), keying the result cache.
    """

    name: str
    vocab_size: int
    fingerprint: str

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, each encoded on its own, in one call."""
        ...

    def decode_batch(self, ids: list[list[int]]) -> list[str]:
        """Text of each id sequence."""
        ...

    def decode(self, ids: list[int]) -> str:
        """Text of one id sequence."""
        ...
