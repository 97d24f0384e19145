"""SuperBPE stage 2: learn superwords over whole stage-2 chunks, fast and exactly.

Stage 1 is ordinary byte-level BPE up to the transition point (:mod:`tokenizer_training.hf_bpe`).
Stage 2 then works on *chunks* of the coarser stage-2 pre-tokenizer (words joined by single
spaces, cut at sentence ends, digits and punctuation runs; see :mod:`tokenizer_training.pretokenize`):

1. **Initial segmentation = inference.** Every line is encoded by the stock pipeline the final
   tokenizer will run — normalizer, stage-2 pre-tokenizer, the first t merges replayed by rank over
   each *whole* chunk — so stage-1 pretoken boundaries are never used.
2. **Count chunks, not documents.** Each unique segmented chunk is stored once with its frequency.
3. **Reuse the fast Rust trainer.** Stage-1 token ``i`` becomes the private-use code point
   ``U+F0000 + i``; each chunk becomes a string of those code points, and a stock ``BpeTrainer``
   whose initial alphabet is all of them continues BPE. Its token ids then equal ours (the alphabet
   is sorted by code point), and its merges map back to byte-level strings by concatenation.
4. **At most 4 words per token.** The stock trainer's ``max_token_length`` caps a token at
   ``max_pieces`` stage-1 tokens (it only counts a new pair whose length is strictly below the
   limit, so the limit is ``max_pieces + 1``); :mod:`tokenizer_training.reference` implements the
   same rule in plain Python and a test checks that both learn the same merges. A stage-1 token never
   holds a space after its first character, so k pieces span at most k words; with ``max_pieces`` > 4
   the rarer merges that would span 5+ words are then dropped with every merge built on them
   (:func:`superword_vocab`), which keeps the limit exact without forbidding long single words.

Example::

    >>> merges = learn_superword_merges({(0, 1, 0, 1): 3, (0, 1): 1}, n_symbols=2, n_merges=2)
    >>> merges
    [(0, 1), (2, 2)]
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from tokenizer_training.artifact import tokenizer_normalizer
from tokenizer_training.config import MAX_SUPERWORD_PIECES, MAX_SUPERWORD_WORDS
from tokenizer_training.hf_bpe import batched
from tokenizer_training.pretokenize import STAGE2_REGEX, byte_level_pre_tokenizer

CODE_POINT_BASE = 0xF0000
MAX_STAGE1_TOKENS = 0x110000 - CODE_POINT_BASE
# Repeats of one chunk fed to the trainer in a single string (bounds memory for " the" x 1e6).
_REPEATS_PER_STRING = 4096
_BYTE_LEVEL = decoders.ByteLevel()

IdMerge = tuple[int, int]


def segment_stage2_chunks(
    lines: Iterable[str],
    stage1_vocab: dict[str, int],
    stage1_merges: Sequence[tuple[str, str]],
    regex: str = STAGE2_REGEX,
    batch_size: int = 2000,
) -> dict[tuple[int, ...], int]:
    """Frequencies of the stage-2 chunks of ``lines``, each segmented by replaying the stage-1 merges.

    The text goes through the very pipeline inference will use before any stage-2 merge exists:
    the normalizer, the stage-2 pre-tokenizer, then the stage-1 merges by rank over each whole chunk.
    ``encode_batch`` does it in parallel in Rust; ``word_ids`` tell where one chunk ends.
    """
    tokenizer = Tokenizer(models.BPE(vocab=stage1_vocab, merges=list(stage1_merges), ignore_merges=False))
    tokenizer.normalizer = tokenizer_normalizer()
    tokenizer.pre_tokenizer = byte_level_pre_tokenizer(regex)
    counts: Counter[tuple[int, ...]] = Counter()
    for batch in batched(lines, batch_size):
        for encoding in tokenizer.encode_batch(batch, add_special_tokens=False):
            ids, words = encoding.ids, encoding.word_ids
            start = 0
            for end in range(1, len(ids)):
                if words[end] != words[end - 1]:
                    counts[tuple(ids[start:end])] += 1
                    start = end
            if ids:
                counts[tuple(ids[start:])] += 1
    return dict(counts)


def _trainer_lines(chunk_ids: dict[tuple[int, ...], int]) -> Iterator[str]:
    """Chunks as code-point strings, repeated by frequency, space separated (one trainer word each)."""
    for ids, count in chunk_ids.items():
        if len(ids) < 2:
            continue
        word = "".join(chr(CODE_POINT_BASE + i) for i in ids) + " "
        while count > 0:
            repeats = min(count, _REPEATS_PER_STRING)
            yield word * repeats
            count -= repeats


def learn_superword_merges(
    chunk_ids: dict[tuple[int, ...], int],
    n_symbols: int,
    n_merges: int,
    max_pieces: int = MAX_SUPERWORD_PIECES,
    show_progress: bool = False,
) -> list[IdMerge]:
    """Continue BPE over stage-1-segmented chunks; merge k creates id ``n_symbols + k``.

    Ties are broken as the stock trainer does: the highest count, then the smallest id pair.
    """
    if n_symbols > MAX_STAGE1_TOKENS:
        raise ValueError(
            f"stage 1 has {n_symbols} tokens; at most {MAX_STAGE1_TOKENS} fit in the code-point map"
        )
    alphabet = [chr(CODE_POINT_BASE + i) for i in range(n_symbols)]
    trainer = trainers.BpeTrainer(
        vocab_size=n_symbols + n_merges,
        initial_alphabet=alphabet,
        max_token_length=max_pieces + 1,
        show_progress=show_progress,
    )
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.train_from_iterator(_trainer_lines(chunk_ids), trainer=trainer)
    model = json.loads(tokenizer.to_str())["model"]
    vocab: dict[str, int] = model["vocab"]
    merges: list[IdMerge] = []
    for left, right in model["merges"]:
        merged = vocab[left + right]
        if merged != n_symbols + len(merges):
            raise AssertionError(
                f"stock trainer gave id {merged} to merge {len(merges)}; the id map is broken"
            )
        merges.append((vocab[left], vocab[right]))
    return merges


def byte_level_word_count(token: str) -> int:
    """Whitespace-separated words a byte-level token spells (``ĠofĠthe`` → 2)."""
    return len(_BYTE_LEVEL.decode([token]).split())


def superword_vocab(
    stage1_vocab: dict[str, int],
    stage1_merges: Sequence[tuple[str, str]],
    id_merges: Sequence[IdMerge],
    vocab_size: int,
    max_words: int = MAX_SUPERWORD_WORDS,
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Byte-level vocab and merges: stage 1 then the stage-2 merges, up to ``vocab_size`` distinct tokens.

    A merge whose token would span more than ``max_words`` words is dropped, and with it every later
    merge that builds on it (those span at least as many words). Two different merges can spell the
    same byte string (``a + bc`` vs ``ab + c``); the later one becomes a merge onto the existing
    token, so the vocabulary never holds duplicates.
    """
    strings = [token for token, _ in sorted(stage1_vocab.items(), key=lambda item: item[1])]
    vocab = dict(stage1_vocab)
    merges = list(stage1_merges)
    seen_merges = set(merges)
    dropped: set[int] = set()
    for left, right in id_merges:
        if len(vocab) >= vocab_size:
            break
        pair = (strings[left], strings[right])
        strings.append(pair[0] + pair[1])
        if left in dropped or right in dropped or byte_level_word_count(strings[-1]) > max_words:
            dropped.add(len(strings) - 1)
            continue
        if pair in seen_merges:
            continue
        seen_merges.add(pair)
        merges.append(pair)
        vocab.setdefault(strings[-1], len(vocab))
    return vocab, merges


def stage2_merge_budget(vocab_size: int, stage1_size: int) -> int:
    """Stage-2 merges to ask for: the missing tokens plus 5% for merges that are dropped or duplicates."""
    missing = vocab_size - stage1_size
    return missing + math.ceil(0.05 * missing) + 16
