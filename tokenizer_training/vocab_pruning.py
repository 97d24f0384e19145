"""Learn more tokens than the vocabulary holds, then keep the ones the shortest-path encoder uses.

BPE builds every token from two earlier ones, so its vocabulary is full of *stepping stones*:
tokens that only exist to build longer ones. Merge replay needs them; the shortest-path encoder
(:mod:`tokenizer_training.shortest_path`) does not, and on real text it rarely picks them, because a
longer token covers the same characters in fewer pieces. So a vocabulary meant for the shortest-path
encoder is better learned a little larger (``(1 + overshoot)`` times the target) and then cut back
to the target by dropping the tokens that the encoder uses least.

**Usage is counted on held-out lines.** Stage 2 picks its superwords because they are frequent in
its own sample of lines; counted on that same sample they look better than they are, and the
stage-1 tokens they compete with (learned on every line) look worse. Counting on lines stage 2 never
saw removes that bias (``bench/RESULTS.md``: a 30% held-out sample beat the stage-2 sample itself).
The count is weighted by how often each stage-2 chunk occurs, and chunks are encoded once each.

**What is never dropped:** special tokens, ``<unk>``, the byte-fallback tokens and every token of a
single character, so any text the full vocabulary could spell stays spellable without bytes.

**Languages can be evened out** (``balance`` β, as in :mod:`tokenizer_training.stage2_balance`):
the held-out lines are mixed by bytes, and an English byte holds more content than a byte of an
Indic script, so English brings about twice the token mass of an Indic language and its tokens look
more used than a parallel text would make them. Each chunk's count is weighted by its script's
share ``(s / m)^β``; 0 counts the text as it is.

One round of counting, then the least-used tokens go (ties: the later-learned token first). More
rounds, re-counting after each cut, changed FLORES dev by under 0.001 tokens per word and cost a
full encoding pass each.

Example::

    >>> pruned, report = prune_least_used(fewest, chunk_counts, target_size=128000)  # doctest: +SKIP
    >>> pruned.get_vocab_size(), report.dropped                                       # doctest: +SKIP
    (128000, 18594)
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from tokenizer_training.shortest_path import UNKNOWN
from tokenizer_training.stage2_balance import script_shares
from tokenizer_training.superbpe import evenly_spaced_lines, is_evenly_spaced

_ENCODE_BATCH = 50000


class PruningError(ValueError):
    """The vocabulary cannot be cut to the requested size (too many protected tokens, wrong model)."""


@dataclass(frozen=True)
class PruneReport:
    """What pruning did, for ``card.json``."""

    vocab_size_before: int
    dropped: int
    usage_chunks: int
    usage_tokens: int
    largest_usage_dropped: float
    balance: float
    script_weights: dict[str, float]

    def to_card(self) -> dict[str, Any]:
        return asdict(self)


def held_out_lines(lines: Iterable[str], stage2_share: float, share: float) -> Iterator[str]:
    """About ``share`` of all ``lines``, evenly spaced among those stage 2's sample left out.

    Stage 2 keeps the lines :func:`~tokenizer_training.superbpe.evenly_spaced_lines` picks at
    ``stage2_share``; the rest are thinned to ``share`` of the whole. When stage 2 saw every line,
    there is nothing held out and the sample is drawn from all lines.

    >>> list(held_out_lines("abcdefghij", 0.5, 0.2))
    ['e', 'i']
    """
    if stage2_share >= 1:
        yield from evenly_spaced_lines(lines, share)
        return
    rest = (line for index, line in enumerate(lines) if not is_evenly_spaced(index, stage2_share))
    yield from evenly_spaced_lines(rest, min(1.0, share / (1 - stage2_share)))


def _model_only(model: dict[str, Any]) -> Tokenizer:
    """The Unigram model alone (no normalizer, no split): chunks arrive normalized and split."""
    spec = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": None,
        "model": model,
    }
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))


def encode_chunks(model: dict[str, Any], chunks: list[str]) -> list[list[int]]:
    """Each chunk's token ids under the Unigram ``model`` (stock ``encode_batch``, all cores)."""
    encoder = _model_only(model)
    ids: list[list[int]] = []
    for start in range(0, len(chunks), _ENCODE_BATCH):
        batch = chunks[start : start + _ENCODE_BATCH]
        ids += [encoding.ids for encoding in encoder.encode_batch_fast(batch, add_special_tokens=False)]
    return ids


def token_usage(
    model: dict[str, Any],
    chunk_counts: Mapping[str, int],
    balance: float = 0.0,
    languages: Collection[str] | None = None,
) -> tuple[np.ndarray, dict[str, float]]:
    """How much the Unigram ``model`` uses each of its tokens over ``chunk_counts`` (chunk → count).

    With ``balance`` > 0 each chunk counts ``count · share`` of its script (see the module doc);
    returns the usage per token id and the share per script.
    """
    chunks = list(chunk_counts)
    ids = encode_chunks(model, chunks)
    weights = np.fromiter((chunk_counts[chunk] for chunk in chunks), dtype=np.float64, count=len(chunks))
    shares: dict[str, float] = {}
    if balance > 0:
        lengths = {chunk: len(row) for chunk, row in zip(chunks, ids, strict=True)}
        scripts, groups = script_shares(chunk_counts, lengths, balance, languages)
        shares = {script: group.kept for script, group in groups.items()}
        weights *= np.fromiter(
            (shares.get(scripts[chunk] or "", 1.0) for chunk in chunks), dtype=np.float64, count=len(chunks)
        )
    lengths_array = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter((i for row in ids for i in row), dtype=np.int64, count=int(lengths_array.sum()))
    usage = np.bincount(flat, weights=np.repeat(weights, lengths_array), minlength=len(model["vocab"]))
    return usage, shares


def _protected(piece: str, specials: set[str]) -> bool:
    return (
        piece in specials
        or piece == UNKNOWN
        or len(piece) == 1
        or (len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"))
    )


def prune_least_used(
    tokenizer: Tokenizer,
    chunk_counts: Mapping[str, int],
    target_size: int,
    balance: float = 0.0,
    languages: Collection[str] | None = None,
) -> tuple[Tokenizer, PruneReport]:
    """``tokenizer`` (a shortest-path ``Unigram``) cut to ``target_size`` tokens by usage on ``chunk_counts``.

    Ids are renumbered in the original order, so specials keep the first ids and the rank tie-break
    of the shortest-path scores still holds.
    """
    spec = json.loads(tokenizer.to_str())
    model = spec["model"]
    if model.get("type") != "Unigram":
        raise PruningError(f"pruning needs a shortest-path Unigram model, got {model.get('type')!r}")
    vocab: list[list[Any]] = model["vocab"]
    excess = len(vocab) - target_size
    if excess <= 0:
        return tokenizer, PruneReport(len(vocab), 0, 0, 0, 0.0, balance, {})
    specials = {token["content"] for token in spec.get("added_tokens", [])}
    usage, shares = token_usage(model, chunk_counts, balance, languages)
    candidates = [i for i, (piece, _) in enumerate(vocab) if not _protected(piece, specials)]
    if len(candidates) < excess:
        raise PruningError(
            f"{len(vocab)} tokens hold only {len(candidates)} that may be dropped; cannot reach {target_size}"
        )
    candidates.sort(key=lambda i: (usage[i], -i))
    dropped = set(candidates[:excess])
    model["vocab"] = [entry for i, entry in enumerate(vocab) if i not in dropped]
    if model.get("unk_id") is not None:
        model["unk_id"] = next(i for i, (piece, _) in enumerate(model["vocab"]) if piece == UNKNOWN)
    report = PruneReport(
        vocab_size_before=len(vocab),
        dropped=excess,
        usage_chunks=len(chunk_counts),
        usage_tokens=round(float(usage.sum())),
        largest_usage_dropped=round(float(usage[candidates[excess - 1]]), 3),
        balance=balance,
        script_weights={script: round(share, 4) for script, share in shares.items()},
    )
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False)), report
