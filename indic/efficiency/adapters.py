"""Adapters that put tiktoken, Hugging Face ``tokenizers`` and SentencePiece behind one protocol.

Each adapter encodes a whole batch per call in the library's fastest way and never adds special
tokens, because efficiency figures count only the tokens of the text itself. Build them through
:func:`indic.efficiency.load_tokenizer`, which picks the adapter from the file's content::

    >>> from indic.efficiency import load_tokenizer                             # doctest: +SKIP
    >>> load_tokenizer("o200k_base.tiktoken").encode_batch(["hello world"])    # doctest: +SKIP
    [[24912, 2375]]
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from indic.artifacts import sha256_file
from indic.efficiency.patterns import SplitPattern

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def _fingerprint(kind: str, files: list[Path], *settings: str) -> str:
    digest = hashlib.sha256(kind.encode())
    for path in files:
        digest.update(sha256_file(path).encode())
    for setting in settings:
        digest.update(b"\0" + setting.encode())
    return digest.hexdigest()


def _chunked_map(function: Callable[[_In], _Out], items: list[_In]) -> list[_Out]:
    """``[function(x) for x in items]`` on one thread per core, one contiguous chunk each.

    tiktoken's own ``encode_ordinary_batch`` submits one task per text, whose overhead exceeds
    the encoding of a short line; a few large chunks keep all cores busy (the Rust core releases
    the GIL) at no per-line cost.
    """
    workers = min(os.cpu_count() or 1, max(1, len(items) // 256))
    if workers == 1:
        return [function(item) for item in items]
    size = -(-len(items) // workers)
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(lambda chunk: [function(item) for item in chunk], chunks)
    return [result for part in parts for result in part]


class TiktokenTokenizer:
    """A ``.tiktoken`` rank file (OpenAI, Llama 3/4) with its split regex; no special tokens."""

    def __init__(self, path: Path, pattern: SplitPattern, name: str) -> None:
        import tiktoken
        import tiktoken.load

        ranks = tiktoken.load.load_tiktoken_bpe(str(path))
        self._encoding = tiktoken.Encoding(
            name, pat_str=pattern.regex, mergeable_ranks=ranks, special_tokens={}
        )
        self.name = name
        self.vocab_size = self._encoding.n_vocab
        self.fingerprint = _fingerprint("tiktoken", [path], pattern.regex)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return _chunked_map(self._encoding.encode_ordinary, texts)

    def decode_batch(self, ids: list[list[int]]) -> list[str]:
        return _chunked_map(self._encoding.decode, ids)

    def decode(self, ids: list[int]) -> str:
        return self._encoding.decode(ids)


class HuggingFaceTokenizer:
    """A Hugging Face ``tokenizers`` pipeline: a ``tokenizer.json``, or vocab + merges with a split regex."""

    def __init__(self, tokenizer: Any, name: str, fingerprint: str) -> None:
        self._tokenizer = tokenizer
        self.name = name
        self.vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
        self.fingerprint = fingerprint

    @classmethod
    def from_json(cls, path: Path, name: str) -> HuggingFaceTokenizer:
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(path)), name, _fingerprint("tokenizer.json", [path]))

    @classmethod
    def from_vocab_merges(
        cls, vocab: Path, merges: Path, pattern: SplitPattern, name: str
    ) -> HuggingFaceTokenizer:
        """Byte-level BPE as GPT-2/Qwen2 publish it: ``Split(regex)`` then ``ByteLevel(use_regex=False)``."""
        from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

        tokenizer = Tokenizer(models.BPE.from_file(str(vocab), str(merges)))
        if pattern.nfc:
            tokenizer.normalizer = normalizers.NFC()
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(pattern.regex), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
        tokenizer.decoder = decoders.ByteLevel()
        fingerprint = _fingerprint("vocab+merges", [vocab, merges], pattern.regex, str(pattern.nfc))
        return cls(tokenizer, name, fingerprint)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        tokenizer = self._tokenizer
        # encode_batch_fast skips offset tracking, which counting does not need.
        encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
        return [encoding.ids for encoding in encode(texts, add_special_tokens=False)]

    def decode_batch(self, ids: list[list[int]]) -> list[str]:
        return self._tokenizer.decode_batch(ids, skip_special_tokens=False)

    def decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=False)


class SentencePieceTokenizer:
    """A SentencePiece ``.model`` (its own normalizer and dummy-prefix rule apply; no BOS/EOS)."""

    def __init__(self, path: Path, name: str) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        self._threads = os.cpu_count() or 1
        self.name = name
        self.vocab_size = self._processor.get_piece_size()
        self.fingerprint = _fingerprint("sentencepiece", [path])

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return self._processor.encode(texts, num_threads=self._threads)

    def decode_batch(self, ids: list[list[int]]) -> list[str]:
        return self._processor.decode(ids, num_threads=self._threads)

    def decode(self, ids: list[int]) -> str:
        return self._processor.decode(ids)
