"""Byte-level BPE with the stock ``tokenizers`` trainer: the ``bpe`` baseline and SuperBPE's stage 1.

Both use the Indic-safe stage-1 regex (``\\p{M}`` in every letter class) and the full 256-byte
alphabet, so any text encodes without an unknown token. Example::

    >>> tok = train_byte_bpe(["नमस्ते दुनिया"] * 50, vocab_size=300, regex=STAGE1_REGEX)  # doctest: +SKIP
    >>> tok.get_vocab_size()                                                         # doctest: +SKIP
    300
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from tokenizer_training.artifact import tokenizer_normalizer
from tokenizer_training.pretokenize import STAGE1_REGEX, byte_level_pre_tokenizer

__all__ = ["STAGE1_REGEX", "batched", "train_byte_bpe"]


def batched(lines: Iterable[str], size: int = 2000) -> Iterator[list[str]]:
    """Lines in lists of ``size``: the trainer's parallel feeding works best on batches."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def train_byte_bpe(
    lines: Iterable[str],
    vocab_size: int,
    regex: str = STAGE1_REGEX,
    special_tokens: Sequence[str] = (),
    show_progress: bool = False,
    normalized: bool = False,
) -> Tokenizer:
    """Train stock byte-level BPE to ``vocab_size`` tokens (special tokens and the 256 bytes included).

    ``normalized=True`` says the lines are already normalized (the training mix is): the trainer then
    skips the normalizer, which the saved tokenizer still carries for inference.
    """
    tokenizer = Tokenizer(models.BPE(ignore_merges=False))
    tokenizer.normalizer = None if normalized else tokenizer_normalizer()
    tokenizer.pre_tokenizer = byte_level_pre_tokenizer(regex)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    tokenizer.train_from_iterator(batched(lines), trainer=trainer)
    tokenizer.normalizer = tokenizer_normalizer()
    return tokenizer
