"""Training data for the decoder: a text corpus tokenized once into a memory-mapped ``uint32`` token file.

Each line of the corpus is one document. Lines are normalized with :func:`indic.text.normalize` (the same
normalization the runtime applies to prompts), encoded without special tokens, and each is followed by the
tokenizer's end-of-text token, which therefore doubles as the beginning-of-document marker. Encoding runs in
a process pool (one tokenizer per worker) and the result is written as raw little-endian ``uint32``
(``<name>.bin``) plus a ``<name>.json`` card: tokens, documents and UTF-8 bytes of the normalized text,
so the A/B can hold the training *bytes* equal across tokenizers.

Example::

    >>> from llm.data import tokenize_corpus, TokenWindows
    >>> stats = tokenize_corpus(Path("mix.txt"), Path("tokenizer.json"), Path("tokens"))  # doctest: +SKIP
    >>> windows = TokenWindows(Path("tokens.bin"), seq_len=512)  # doctest: +SKIP
    >>> inputs, targets = windows.batch(8, np.random.default_rng(0))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

END_OF_TEXT_NAMES = ("<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>", "<|eot|>", "[EOS]")
_CHUNK_LINES = 5_000


class MissingEndOfTextError(ValueError):
    """Raised when a tokenizer declares none of the end-of-text tokens the LM can use as a separator."""


class TokenFileError(ValueError):
    """Raised when a token file is too short for one training window, or its card is missing."""


def end_of_text_id(tokenizer_path: Path) -> int:
    """Id of the tokenizer's end-of-text token (the first of :data:`END_OF_TEXT_NAMES` it knows)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    for name in END_OF_TEXT_NAMES:
        token_id = tokenizer.token_to_id(name)
        if token_id is not None:
            return int(token_id)
    raise MissingEndOfTextError(f"{tokenizer_path} has none of {', '.join(END_OF_TEXT_NAMES)}")


@dataclass(frozen=True)
class TokenFileStats:
    """What a token file holds; saved as the ``.json`` card beside the ``.bin``."""

    tokens: int
    documents: int
    text_bytes: int
    text_chars: int
    vocab_size: int
    eot_id: int
    tokenizer: str
    corpus: str

    @property
    def tokens_per_byte(self) -> float:
        return self.tokens / self.text_bytes if self.text_bytes else 0.0


# One tokenizer per worker process, loaded on its first chunk (a Tokenizer does not pickle cheaply).
_WORKER_TOKENIZERS: dict = {}


def _encode_chunk(args: tuple[str, int, list[str]]) -> tuple[np.ndarray, int, int]:
    """Worker: normalize and encode lines; returns (tokens with an EOT after each line, bytes, chars)."""
    from tokenizers import Tokenizer

    from indic.text import normalize

    tokenizer_path, eot, lines = args
    if tokenizer_path not in _WORKER_TOKENIZERS:
        _WORKER_TOKENIZERS[tokenizer_path] = Tokenizer.from_file(tokenizer_path)
    tokenizer = _WORKER_TOKENIZERS[tokenizer_path]
    texts = [normalize(line) for line in lines]
    encodings = tokenizer.encode_batch_fast(texts, add_special_tokens=False)
    pieces = [np.asarray([*encoding.ids, eot], dtype=np.uint32) for encoding in encodings]
    n_bytes = sum(len(text.encode("utf-8")) for text in texts)
    return np.concatenate(pieces), n_bytes, sum(len(text) for text in texts)


def _line_chunks(corpus: Path) -> list[list[str]]:
    with open(corpus, encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle if line.strip()]
    return [lines[i : i + _CHUNK_LINES] for i in range(0, len(lines), _CHUNK_LINES)]


def tokenize_corpus(corpus: Path, tokenizer_path: Path, out_stem: Path, workers: int = 0) -> TokenFileStats:
    """Tokenize ``corpus`` (one document per line) into ``out_stem.bin`` + ``out_stem.json``."""
    import os

    from tokenizers import Tokenizer

    from indic.atomic import atomic_open, atomic_write_text

    eot = end_of_text_id(tokenizer_path)
    vocab_size = Tokenizer.from_file(str(tokenizer_path)).get_vocab_size(with_added_tokens=True)
    jobs = [(str(tokenizer_path), eot, chunk) for chunk in _line_chunks(corpus)]
    n_tokens = n_bytes = n_chars = 0
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(out_stem.with_suffix(".bin"), "wb", encoding=None) as handle:
        # The leading EOT makes the first document look like every other one: preceded by a separator.
        handle.write(np.asarray([eot], dtype="<u4").tobytes())
        n_tokens += 1
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
            for tokens, chunk_bytes, chunk_chars in pool.map(_encode_chunk, jobs):
                handle.write(tokens.astype("<u4").tobytes())
                n_tokens += len(tokens)
                n_bytes += chunk_bytes
                n_chars += chunk_chars
    stats = TokenFileStats(
        tokens=n_tokens,
        documents=sum(len(job[2]) for job in jobs),
        text_bytes=n_bytes,
        text_chars=n_chars,
        vocab_size=vocab_size,
        eot_id=eot,
        tokenizer=str(tokenizer_path),
        corpus=str(corpus),
    )
    atomic_write_text(out_stem.with_suffix(".json"), json.dumps(asdict(stats), indent=2) + "\n")
    return stats


def load_token_stats(out_stem: Path) -> TokenFileStats:
    """The card written by :func:`tokenize_corpus`."""
    card = out_stem.with_suffix(".json")
    if not card.is_file():
        raise TokenFileError(f"{card} not found; run tokenize_corpus first")
    return TokenFileStats(**json.loads(card.read_text(encoding="utf-8")))


class TokenWindows:
    """Random ``seq_len + 1`` windows of a token file, read through a memory map (no copy in RAM)."""

    def __init__(self, path: Path, seq_len: int) -> None:
        self.tokens = np.memmap(path, dtype="<u4", mode="r")
        self.seq_len = seq_len
        if len(self.tokens) <= seq_len + 1:
            raise TokenFileError(
                f"{path} holds {len(self.tokens)} tokens, fewer than one window of {seq_len + 1}"
            )

    def __len__(self) -> int:
        return len(self.tokens)

    def batch(self, batch_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs, targets)``, each ``[batch_size, seq_len]`` int64, targets shifted by one."""
        starts = rng.integers(0, len(self.tokens) - self.seq_len - 1, size=batch_size)
        rows = np.stack([self.tokens[s : s + self.seq_len + 1] for s in starts]).astype(np.int64)
        return rows[:, :-1], rows[:, 1:]
