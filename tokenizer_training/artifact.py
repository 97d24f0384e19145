"""Assemble a byte-level BPE pipeline and save it as a self-describing tokenizer folder.

Every algorithm ends here, so every saved folder looks the same: ``tokenizer.json`` (stock
``tokenizers`` format), ``tokenizer_config.json`` (so ``transformers.PreTrainedTokenizerFast``
loads the folder) and ``card.json`` (how it was trained and how well it does). Writes are atomic,
so an interrupted run never leaves a half-written tokenizer behind.

Example::

    >>> tok = build_byte_bpe({"a": 0, "b": 1, "ab": 2}, [("a", "b")], STAGE1_REGEX, ())  # doctest: +SKIP
    >>> save_tokenizer_dir(tok, Path("out"), {"algorithm": "bpe"})                     # doctest: +SKIP
    >>> load_trained("out").encode("ab").tokens                                       # doctest: +SKIP
    ['ab']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, decoders, models, normalizers

from indic.atomic import atomic_write_text
from indic.text import hf_normalizer
from tokenizer_training.pretokenize import STAGE1_REGEX, byte_level_pre_tokenizer

__all__ = ["STAGE1_REGEX", "build_byte_bpe", "load_trained", "save_tokenizer_dir", "tokenizer_normalizer"]


class TokenizerFolderError(FileNotFoundError):
    """A folder given as a trained tokenizer does not hold a readable ``tokenizer.json``."""


def tokenizer_normalizer() -> normalizers.Normalizer:
    """The normalizer every tokenizer carries: :func:`indic.text.hf_normalizer`.

    Training and inference both run it, so ``decode(encode(x)) == normalize(x)``.
    """
    return hf_normalizer()


def build_byte_bpe(
    vocab: dict[str, int], merges: Sequence[tuple[str, str]], regex: str, special_tokens: Sequence[str]
) -> Tokenizer:
    """A stock byte-level BPE pipeline: normalizer, ``Split(regex)`` + ``ByteLevel``, BPE, ByteLevel decoder.

    ``merges`` are applied by rank (their order); ``ignore_merges`` stays off so that inference replays
    exactly the merges training learned.
    """
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=list(merges), ignore_merges=False))
    tokenizer.normalizer = tokenizer_normalizer()
    tokenizer.pre_tokenizer = byte_level_pre_tokenizer(regex)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(list(special_tokens))
    return tokenizer


def vocab_and_merges(tokenizer: Tokenizer) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """The BPE vocabulary and rank-ordered merges of a tokenizer, read from its JSON form."""
    model = json.loads(tokenizer.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]]
    return model["vocab"], merges  # type: ignore[return-value]


def transformers_config(special_tokens: Sequence[str], model_max_length: int = 1 << 20) -> dict[str, Any]:
    """``tokenizer_config.json`` for ``PreTrainedTokenizerFast``: specials are end of text, then pad."""
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
    }
    if special_tokens:
        config["eos_token"] = special_tokens[0]
        config["bos_token"] = special_tokens[0]
    if len(special_tokens) > 1:
        config["pad_token"] = special_tokens[1]
    return config


def save_tokenizer_dir(
    tokenizer: Tokenizer, out_dir: Path, card: dict[str, Any], special_tokens: Sequence[str] = ()
) -> Path:
    """Write ``tokenizer.json``, ``tokenizer_config.json`` and ``card.json`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "tokenizer.json", tokenizer.to_str(pretty=False))
    config = transformers_config(special_tokens)
    atomic_write_text(
        out_dir / "tokenizer_config.json", json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    )
    atomic_write_text(out_dir / "card.json", json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return out_dir


def load_trained(path: str | Path) -> Tokenizer:
    """Load a trained tokenizer from its folder (or its ``tokenizer.json``) with stock ``tokenizers``."""
    path = Path(path)
    file = path / "tokenizer.json" if path.is_dir() else path
    if not file.is_file():
        raise TokenizerFolderError(f"{path}: no tokenizer.json there")
    return Tokenizer.from_file(str(file))
