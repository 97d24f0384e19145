"""Tiny real tokenizers (trained in a second on a few sentences) for tests that must not need artifacts."""

from __future__ import annotations

from pathlib import Path

SENTENCES = [
    "नमस्ते दुनिया, यह एक परीक्षा है।",
    "आज मौसम बहुत अच्छा है और हम बाहर जाएंगे।",
    "வணக்கம், இன்று நல்ல நாள்.",
    "The quick brown fox jumps over the lazy dog.",
    "আমি প্রতিদিন সকালে চা খাই।",
] * 20


def train_tiny_bpe(path: Path, vocab_size: int) -> Path:
    """A byte-level BPE ``tokenizer.json`` at ``path`` (its folder is created)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r" ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+"), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(SENTENCES, trainer)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(path))
    return path


def tiny_tokenizer_choices(folder: Path) -> dict[str, str]:
    """Two tiny tokenizers of different sizes, as the app's display name → file."""
    return {
        "tiny-bpe": str(train_tiny_bpe(folder / "big" / "tokenizer.json", 600)),
        "tiny-bpe-small": str(train_tiny_bpe(folder / "small" / "tokenizer.json", 300)),
    }
