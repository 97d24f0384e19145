"""Tiny models and tokenizers for the LM tests: built in seconds, no reference data needed."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

TINY_TEXT = [
    "भारत एक विशाल देश है। यहाँ अनेक भाषाएँ बोली जाती हैं।",
    "ಕನ್ನಡ ಒಂದು ಸುಂದರ ಭಾಷೆ. ಬೆಂಗಳೂರು ಕರ್ನಾಟಕದ ರಾಜಧಾನಿ.",
    "தமிழ் ஒரு பழமையான மொழி. சென்னை ஒரு பெரிய நகரம்.",
    "The quick brown fox jumps over the lazy dog. India has many languages.",
] * 20

_LETTERS = r"\s?[\p{L}\p{M}\u200c\u200d]+|\s?\p{N}{1,3}|\s?[^\s\p{L}\p{M}\p{N}]+|\s+"


def train_tiny_tokenizer(path: Path, vocab_size: int = 400) -> Path:
    """A byte-level BPE with ``<|endoftext|>`` as token 0, saved to ``path``."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_LETTERS), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(TINY_TEXT, trainer)
    tokenizer.save(str(path))
    return path
