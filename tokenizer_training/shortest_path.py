"""Encode with a learned BPE vocabulary by the fewest tokens instead of replaying its merges.

BPE inference replays the merges by rank, which is greedy: an early merge can commit a chunk to a
segmentation that needs more tokens than the vocabulary allows. The *shortest path* through the
chunk (fewest vocabulary tokens; ties to earlier-learned tokens) is what a stock ``Unigram`` model
computes when every token scores ``-(1 + ε·rank)``: Viterbi maximizes the sum of scores, so it
takes the fewest tokens first and, among those, the smallest sum of ranks. ``ε`` keeps the
tie-break below one token for any chunk shorter than ``1 / (ε·vocab_size)`` tokens (≈ 78 million at
128k), far beyond a stage-2 chunk.

**Characters, not bytes.** A byte-level vocabulary (GPT-2's byte-to-character map, as our trainers
write) spells every Indic character as three mapped characters of two UTF-8 bytes each, and stock
``Unigram`` walks its token trie byte by byte from every position: over sentence-long stage-2 chunks
that encoded at under half the MB per CPU-second of merge replay. So the Unigram model gets the
vocabulary as Unicode text — each token's bytes decoded — and the ``ByteLevel`` steps leave the
pipeline. Tokens that are not whole UTF-8 sequences (a lone lead byte, half a character) cannot
match Unicode text and are dropped; in their place byte fallback (``<0x80>`` … ``<0xFF>``, decoded
by ``ByteFallback``) spells any character the vocabulary lacks, byte by byte, as the single-byte
tokens of the byte-level vocabulary did. Every ASCII byte is a token of its own in a byte-level
vocabulary, so the fallback needs only the 128 high bytes. Byte tokens score far below any spelling
with ordinary tokens, so text that literally reads ``<0x80>`` is spelled, not taken for a byte.
Ids are renumbered (the dropped tokens leave gaps that are closed; specials keep their ids, which
come first), so an encoder change is a new tokenizer for a model, as the segmentation already is.
A vocabulary that is not byte-level keeps its strings and ids as they are.

The result is still one stock ``tokenizer.json`` (same normalizer, the same split regex, special
tokens), so ``tokenizers`` and ``transformers.PreTrainedTokenizerFast`` load it as it is.
Costs, measured in ``bench/RESULTS.md``; and minimum-token segmentation is not what the vocabulary
was learned under — the PathPiece study (Schmidt et al., 2024) found that fewer tokens from such a
segmentation need not make a better language model. Merge replay stays the default encoder.

Example::

    >>> fewest = shortest_path_tokenizer(load_trained("superbpe-64k"))  # doctest: +SKIP
    >>> len(fewest.encode(text).ids) <= len(load_trained("superbpe-64k").encode(text).ids)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
from typing import Any

from tokenizers import Tokenizer

RANK_EPSILON = 1e-13
BYTE_SCORE = -1e4
"""Score of a byte-fallback token: any spelling with ordinary tokens (about -1 each) beats it."""
UNKNOWN = "<unk>"


class NotABpeTokenizerError(ValueError):
    """The tokenizer to convert does not hold a BPE model, so it has no merge-ranked vocabulary."""


def byte_level_decoder() -> dict[str, int]:
    """GPT-2's byte-level map reversed: the character that stands for each byte → the byte."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(char): byte for byte, char in zip(printable, chars, strict=True)}


def _is_byte_level(spec: dict[str, Any]) -> bool:
    steps = spec.get("pre_tokenizer") or {}
    steps = steps.get("pretokenizers", [steps]) if steps else []
    return any(step.get("type") == "ByteLevel" for step in steps)


def _without_byte_level(pre_tokenizer: dict[str, Any]) -> dict[str, Any] | None:
    """The pre-tokenizer with its ``ByteLevel`` step removed (it must not split: ``use_regex`` off)."""
    steps = pre_tokenizer.get("pretokenizers", [pre_tokenizer])
    if any(s.get("type") == "ByteLevel" and s.get("use_regex", True) for s in steps):
        raise NotABpeTokenizerError("a ByteLevel pre-tokenizer that splits text itself is not supported")
    kept = [s for s in steps if s.get("type") != "ByteLevel"]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else {"type": "Sequence", "pretokenizers": kept}


def _unicode_vocabulary(by_rank: list[str], specials: set[str]) -> list[list[Any]]:
    """``[piece, score]`` in id order: specials, whole-character tokens by rank, ``<unk>``, high bytes."""
    decode = byte_level_decoder()
    pieces, seen = [], set()
    for rank, token in enumerate(by_rank):
        if token in specials:
            pieces.append([token, 0.0])
            continue
        try:
            text = bytes(decode[c] for c in token).decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            continue  # half a character: byte fallback spells it
        if text not in seen:
            seen.add(text)
            pieces.append([text, -(1.0 + RANK_EPSILON * rank)])
    pieces.append([UNKNOWN, BYTE_SCORE])
    pieces += [[f"<0x{byte:02X}>", BYTE_SCORE] for byte in range(0x80, 0x100)]
    return pieces


def shortest_path_tokenizer(tokenizer: Tokenizer) -> Tokenizer:
    """The same pipeline with its BPE model replaced by a fewest-tokens ``Unigram`` (see the module doc)."""
    spec = json.loads(tokenizer.to_str())
    model = spec["model"]
    if model.get("type") != "BPE":
        raise NotABpeTokenizerError(f"expected a BPE model, got {model.get('type')!r}")
    by_id = sorted(model["vocab"].items(), key=lambda item: item[1])
    if [token_id for _, token_id in by_id] != list(range(len(by_id))):
        raise NotABpeTokenizerError("the BPE vocabulary's ids are not 0..n-1 without gaps")
    if not _is_byte_level(spec):
        spec["model"] = {
            "type": "Unigram",
            "unk_id": None,
            "byte_fallback": False,
            "vocab": [[token, -(1.0 + RANK_EPSILON * rank)] for token, rank in by_id],
        }
        return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
    added = spec.get("added_tokens", [])
    specials = {t["content"] for t in added}
    if [t["id"] for t in sorted(added, key=lambda t: t["id"])] != list(range(len(added))):
        raise NotABpeTokenizerError("special tokens must hold the first ids")
    vocab = _unicode_vocabulary([token for token, _ in by_id], specials)
    spec["model"] = {
        "type": "Unigram",
        "unk_id": next(i for i, (piece, _) in enumerate(vocab) if piece == UNKNOWN),
        "byte_fallback": True,
        "vocab": vocab,
    }
    spec["pre_tokenizer"] = _without_byte_level(spec["pre_tokenizer"])
    spec["post_processor"] = None
    spec["decoder"] = {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]}
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
