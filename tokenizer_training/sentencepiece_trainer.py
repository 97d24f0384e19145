"""The SentencePiece baselines, ``spm-unigram`` and ``spm-bpe``, trained on the same mix as SuperBPE.

SentencePiece sees the same normalized lines as our trainers (``normalization_rule_name=identity``
after :func:`indic.text.normalize` via the tokenizer normalizer), with byte fallback so any text
encodes. The folder keeps the original ``spm.model`` — the reference for its efficiency — and a
``tokenizer.json`` converted from it for stock ``tokenizers``: a Unigram model with the same pieces
and scores, or a BPE model whose merges are read off the piece ranks (the usual conversion; it
matches ``spm.model`` on almost every line, and the card records the measured agreement).

Example::

    >>> train(TrainConfig("spm-unigram", vocab_size=64000), [Path("corpus/")], Path("out"))  # doctest: +SKIP
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sentencepiece as spm
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

from indic.atomic import atomic_write_bytes
from tokenizer_training.artifact import tokenizer_normalizer
from tokenizer_training.config import TrainConfig
from tokenizer_training.training_corpus import TrainingCorpus

SPACE = "▁"


def _model_type(algorithm: str) -> str:
    return algorithm.removeprefix("spm-")


def spm_to_tokenizer(model_path: Path, algorithm: str) -> Tokenizer:
    """A stock ``tokenizers`` pipeline equivalent to a SentencePiece model with byte fallback."""
    processor = spm.SentencePieceProcessor(model_file=str(model_path))
    pieces = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    if _model_type(algorithm) == "unigram":
        model: models.Model = models.Unigram(pieces, unk_id=processor.unk_id(), byte_fallback=True)
    else:
        vocab = {piece: i for i, (piece, _) in enumerate(pieces)}
        ranked = []
        for piece, rank in vocab.items():
            for cut in range(1, len(piece)):
                left, right = piece[:cut], piece[cut:]
                if left in vocab and right in vocab:
                    ranked.append((rank, vocab[left], vocab[right], left, right))
        merges = [(left, right) for *_, left, right in sorted(ranked)]
        model = models.BPE(
            vocab, merges, unk_token=processor.id_to_piece(processor.unk_id()), byte_fallback=True
        )
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.Sequence([tokenizer_normalizer(), normalizers.Strip()])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Sequence(
        [
            decoders.Replace(Regex(SPACE), " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(" ", 1, 0),
        ]
    )
    specials = [
        processor.id_to_piece(i) for i in range(processor.get_piece_size()) if processor.is_control(i)
    ]
    tokenizer.add_special_tokens(specials)
    return tokenizer


def train_sentencepiece(
    config: TrainConfig, text: TrainingCorpus, out_dir: Path, clock: Any, say: Callable[[str], None]
) -> tuple[Tokenizer, dict[str, Any]]:
    """Train ``spm.model`` into ``out_dir`` and return its converted tokenizer and card fields."""
    model_type = _model_type(config.algorithm)
    since = time.perf_counter()
    say(f"training SentencePiece {model_type} to {config.vocab_size} pieces")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
        prefix = Path(scratch) / "spm"
        spm.SentencePieceTrainer.train(
            sentence_iterator=(line for line in text.lines() if line.strip()),  # already normalized
            model_prefix=str(prefix),
            model_type=model_type,
            vocab_size=config.vocab_size,
            normalization_rule_name="identity",
            character_coverage=0.9999,
            byte_fallback=True,
            split_digits=True,
            bos_id=-1,
            eos_id=-1,
            pad_id=-1,
            control_symbols=list(config.special_tokens),
            input_sentence_size=0,
            num_threads=2,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        atomic_write_bytes(out_dir / "spm.model", prefix.with_suffix(".model").read_bytes())
    clock.lap(config.algorithm, since)
    return spm_to_tokenizer(out_dir / "spm.model", config.algorithm), {"sentencepiece_model": "spm.model"}
