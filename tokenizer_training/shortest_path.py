"""Encode with a learned BPE vocabulary by the fewest tokens instead of replaying its merges.

BPE inference replays the merges by rank, which is greedy: an early merge can commit a chunk to a
segmentation that needs more tokens than the vocabulary allows. The *shortest path* through the
chunk (fewest vocabulary tokens; ties to earlier-learned tokens) is what a stock ``Unigram`` model
computes when every token scores ``-(1 + ε·rank)``: Viterbi maximizes the sum of scores, so it
takes the fewest tokens first and, among those, the smallest sum of ranks. ``ε`` keeps the
tie-break below one token for any chunk shorter than ``1 / (ε·vocab_size)`` tokens (≈ 78 million at
128k), far beyond a stage-2 chunk.

The result is still one stock ``tokenizer.json`` (same normalizer, pre-tokenizer, decoder, special
tokens and ids), so ``tokenizers`` and ``transformers.PreTrainedTokenizerFast`` load it as it is.
Costs, measured in ``bench/RESULTS.md``: Viterbi over sentence-long chunks encodes at under half
the MB per CPU-second of merge replay, and minimum-token segmentation is not what the vocabulary
was learned under — the PathPiece study (Schmidt et al., 2024) found that fewer tokens from such a
segmentation need not make a better language model. Merge replay stays the default encoder.

Example::

    >>> fewest = shortest_path_tokenizer(load_trained("superbpe-64k"))  # doctest: +SKIP
    >>> len(fewest.encode(text).ids) <= len(load_trained("superbpe-64k").encode(text).ids)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import json

from tokenizers import Tokenizer

RANK_EPSILON = 1e-13


class NotABpeTokenizerError(ValueError):
    """The tokenizer to convert does not hold a BPE model, so it has no merge-ranked vocabulary."""


def shortest_path_tokenizer(tokenizer: Tokenizer) -> Tokenizer:
    """The same pipeline with its BPE model replaced by a fewest-tokens ``Unigram`` over the same ids."""
    spec = json.loads(tokenizer.to_str())
    model = spec["model"]
    if model.get("type") != "BPE":
        raise NotABpeTokenizerError(f"expected a BPE model, got {model.get('type')!r}")
    by_id = sorted(model["vocab"].items(), key=lambda item: item[1])
    if [token_id for _, token_id in by_id] != list(range(len(by_id))):
        raise NotABpeTokenizerError("the BPE vocabulary's ids are not 0..n-1 without gaps")
    spec["model"] = {
        "type": "Unigram",
        "unk_id": None,
        "byte_fallback": False,
        "vocab": [[token, -(1.0 + RANK_EPSILON * rank)] for token, rank in by_id],
    }
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
