"""Bits per byte and bits per character on FLORES dev, per language — the only fair way to compare LMs
whose tokenizers differ (a per-token loss rewards a tokenizer for cutting text into *more* pieces).

Each FLORES line is normalized exactly as the training text was, encoded, preceded by the end-of-text token
(the document separator the model saw in training) and scored on its own; the model's summed negative
log-likelihood of the line's tokens, in bits, is divided by the line's UTF-8 bytes (and characters). The
end-of-text after the line is not scored, so the figure covers the text alone. Tokens per byte (the
inference cost of the tokenizer on that language) come out of the same pass.

Example::

    >>> from llm.evaluate import evaluate_flores
    >>> table = evaluate_flores(model, Path("tokenizer.json"), Path("flores/dev"))  # doctest: +SKIP
    >>> table["hi"]["bits_per_byte"]  # doctest: +SKIP
    1.12
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import torch
import torch.nn.functional as F

from indic.languages import LANGUAGE_CODES, get_language
from llm.model import DecoderLM


class MissingEvalDataError(FileNotFoundError):
    """Raised when a language's FLORES dev file is not in the folder given."""


class SequenceTooLongError(ValueError):
    """Raised when a line has more tokens than the model has positions (it would be scored only in part)."""


def encode_lines(lines: list[str], tokenizer_path: Path, eot_id: int) -> tuple[list[list[int]], int, int]:
    """Normalized lines as ``[eot, *tokens]`` id lists, plus their total UTF-8 bytes and characters."""
    from tokenizers import Tokenizer

    from indic.text import normalize

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    texts = [normalize(line) for line in lines]
    encodings = tokenizer.encode_batch_fast(texts, add_special_tokens=False)
    ids = [[eot_id, *encoding.ids] for encoding in encodings]
    return ids, sum(len(t.encode("utf-8")) for t in texts), sum(len(t) for t in texts)


@torch.no_grad()
def sequence_nll_bits(
    model: DecoderLM, sequences: list[list[int]], batch_size: int = 32, bf16: bool = True
) -> float:
    """Total negative log-likelihood, in bits, of every token after the first of each sequence.

    Sequences are right-padded into batches; padding sits after every scored position, so a causal model
    never sees it, and padded targets are excluded from the sum. ``bf16`` autocasts on a GPU (as trained);
    quantization studies turn it off so bf16 rounding does not blur the format under test.
    """
    device = next(model.parameters()).device
    autocast = torch.autocast(
        device_type=device.type, dtype=torch.bfloat16, enabled=bf16 and device.type == "cuda"
    )
    total_nats = 0.0
    longest = max(len(s) for s in sequences)
    if longest > model.cfg.max_seq_len + 1:
        raise SequenceTooLongError(
            f"a sequence of {longest} tokens exceeds max_seq_len={model.cfg.max_seq_len}"
        )
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    for start in range(0, len(order), batch_size):
        chunk = [sequences[i] for i in order[start : start + batch_size]]
        width = max(len(s) for s in chunk)
        ids = torch.zeros(len(chunk), width, dtype=torch.long)
        targets = torch.full((len(chunk), width - 1), -100, dtype=torch.long)
        for row, seq in enumerate(chunk):
            ids[row, : len(seq)] = torch.tensor(seq)
            targets[row, : len(seq) - 1] = torch.tensor(seq[1:])
        ids, targets = ids.to(device), targets.to(device)
        with autocast:
            logits = model(ids[:, :-1])
        nll = F.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum"
        )
        total_nats += float(nll)
    return total_nats / math.log(2)


def evaluate_flores(
    model: DecoderLM,
    tokenizer_path: Path,
    flores_dir: Path,
    languages: Iterable[str] = LANGUAGE_CODES,
    limit: int | None = None,
    bf16: bool = True,
) -> dict[str, dict[str, float]]:
    """Per language: bits per byte, bits per character, tokens per byte and the counts behind them.

    A ``"mean"`` row averages the languages (each language weighted equally, as FLORES lines are parallel).
    """
    table: dict[str, dict[str, float]] = {}
    for code in languages:
        lang = get_language(code)
        path = flores_dir / f"{lang.code}.txt"
        if not path.is_file():
            raise MissingEvalDataError(f"{path} not found (FLORES dev file for {lang.name})")
        lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sequences, n_bytes, n_chars = encode_lines(lines[:limit], tokenizer_path, model.cfg.eot_id)
        bits = sequence_nll_bits(model, sequences, bf16=bf16)
        n_tokens = sum(len(s) - 1 for s in sequences)
        table[lang.code] = {
            "bits_per_byte": bits / n_bytes,
            "bits_per_char": bits / n_chars,
            "tokens_per_byte": n_tokens / n_bytes,
            "tokens": n_tokens,
            "bytes": n_bytes,
            "chars": n_chars,
            "lines": len(sequences),
        }
    if table:
        keys = ("bits_per_byte", "bits_per_char", "tokens_per_byte")
        table["mean"] = {k: sum(row[k] for row in table.values()) / len(table) for k in keys}
    return table
