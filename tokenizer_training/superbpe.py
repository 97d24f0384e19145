"""SuperBPE stage 2: learn superwords over whole stage-2 chunks, fast and exactly.

Stage 1 is ordinary byte-level BPE up to the transition point (:mod:`tokenizer_training.hf_bpe`).
Stage 2 then works on *chunks* of the coarser stage-2 pre-tokenizer (words joined by single
spaces, cut at sentence ends, digits and punctuation runs; see :mod:`tokenizer_training.pretokenize`):

1. **Count chunks, not documents.** The stage-2 chunk strings are counted first, and everything
   after works on unique strings.
2. **Initial segmentation = inference.** The first t merges are replayed by rank over each *whole*
   chunk, as the final tokenizer will do — stage-1 pretoken boundaries are never used — computed
   once per unique space segment (see :func:`replay_stage1_merges` for why that is exact).
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
5. **Learn from a sample.** Chunks are clauses that barely repeat, so steps 1–3 cost time in
   proportion to the text; :func:`evenly_spaced_lines` lets stage 2 learn from a share of the lines.
6. **Balance the languages.** :mod:`tokenizer_training.stage2_balance` thins the chunk counts of
   the scripts that bring more stage-1 tokens than their share, so that merges are chosen as a
   parallel text would reward them (between steps 2 and 3).

Example::

    >>> merges = learn_superword_merges({(0, 1, 0, 1): 3, (0, 1): 1}, n_symbols=2, n_merges=2)
    >>> merges
    [(0, 1), (2, 2)]
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

from tokenizer_training.artifact import tokenizer_normalizer
from tokenizer_training.config import MAX_SUPERWORD_PIECES, MAX_SUPERWORD_WORDS
from tokenizer_training.hf_bpe import batched
from tokenizer_training.pretokenize import STAGE2_REGEX

CODE_POINT_BASE = 0xF0000
MAX_STAGE1_TOKENS = 0x110000 - CODE_POINT_BASE
# Repeats of one chunk fed to the trainer in a single string (bounds memory for " the" x 1e6).
_REPEATS_PER_STRING = 4096
_BYTE_LEVEL = decoders.ByteLevel()

IdMerge = tuple[int, int]


def evenly_spaced_lines(lines: Iterable[str], share: float) -> Iterator[str]:
    """About ``share`` of ``lines``, evenly spaced (line i is kept when ⌊(i+1)·share⌋ > ⌊i·share⌋).

    Deterministic and order-preserving, so every language of a mix keeps its proportion wherever its
    lines sit in the file.

    >>> list(evenly_spaced_lines("abcdefgh", 0.25))
    ['d', 'h']
    """
    if share >= 1:
        yield from lines
        return
    for index, line in enumerate(lines):
        if is_evenly_spaced(index, share):
            yield line


def is_evenly_spaced(index: int, share: float) -> bool:
    """Whether :func:`evenly_spaced_lines` at ``share`` (< 1) keeps line ``index``."""
    return math.floor((index + 1) * share) > math.floor(index * share)


def count_stage2_chunks(
    lines: Iterable[str], regex: str = STAGE2_REGEX, normalized: bool = False, block_lines: int = 2000
) -> Counter[str]:
    """How often each stage-2 chunk (a string) occurs in ``lines``; whitespace chunks are left out.

    ``normalized=True`` when the lines are already :func:`indic.text.normalize`-d (the training mix
    is): the 70-rule normalizer is the most expensive part of a pass and must not run twice. Lines are
    split in blocks joined by newlines, which are chunks of their own, so no chunk crosses a line.
    """
    normalizer = None if normalized else tokenizer_normalizer()
    split = pre_tokenizers.Split(Regex(regex), behavior="isolated")
    counts: Counter[str] = Counter()
    for batch in batched(lines, block_lines):
        if normalizer is not None:
            batch = [normalizer.normalize_str(line) for line in batch]
        counts.update(piece for piece, _ in split.pre_tokenize_str("\n".join(batch)))
    for blank in [chunk for chunk in counts if chunk.isspace()]:
        del counts[blank]
    return counts


def _space_segments(chunk: str) -> list[str]:
    """``"a b c"`` → ``["a", " b", " c"]``: the chunk cut before each of its single spaces."""
    first, *rest = chunk.split(" ")
    return ([first] if first else []) + [" " + word for word in rest]


def replay_stage1_merges(
    chunks: Iterable[str], stage1_vocab: dict[str, int], stage1_merges: Sequence[tuple[str, str]]
) -> dict[str, tuple[int, ...]]:
    """Each (unique) stage-2 chunk segmented by replaying the stage-1 merges by rank over it whole.

    This is what inference does before any stage-2 merge exists, computed once per unique *space
    segment* (``" word,"``) with a stock tokenizer that has no normalizer and no split
    (``encode_batch`` on the unique list, in Rust), then joined per chunk.

    Segment-wise replay is exact, not an approximation: inside a chunk every space is a single space
    after a non-space, and no stage-1 token holds a space after its first byte unless it is all
    whitespace, so no merge can ever join across the position before a space; rank-ordered BPE over
    the chunk is then the concatenation of BPE over its segments. ``test_tokenizer_superbpe`` checks
    it against encoding whole lines with the final pipeline.
    """
    chunks = list(chunks)
    segments = list(dict.fromkeys(segment for chunk in chunks for segment in _space_segments(chunk)))
    replay = Tokenizer(models.BPE(vocab=stage1_vocab, merges=list(stage1_merges), ignore_merges=False))
    replay.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    segment_ids: dict[str, tuple[int, ...]] = {}
    for batch in batched(segments, 20000):
        encodings = replay.encode_batch_fast(batch, add_special_tokens=False)
        segment_ids.update(zip(batch, (tuple(encoding.ids) for encoding in encodings), strict=True))
    return {
        chunk: tuple(chain.from_iterable(map(segment_ids.__getitem__, _space_segments(chunk))))
        for chunk in chunks
    }


def chunk_id_counts(
    chunks: Mapping[str, int], chunk_ids: Mapping[str, tuple[int, ...]]
) -> dict[tuple[int, ...], int]:
    """Chunk counts keyed by segmentation: chunks that segment alike are one trainer word."""
    counts: dict[tuple[int, ...], int] = {}
    for chunk, count in chunks.items():
        ids = chunk_ids[chunk]
        counts[ids] = counts.get(ids, 0) + count
    return counts


def segment_stage2_chunks(
    lines: Iterable[str],
    stage1_vocab: dict[str, int],
    stage1_merges: Sequence[tuple[str, str]],
    regex: str = STAGE2_REGEX,
    normalized: bool = False,
) -> dict[tuple[int, ...], int]:
    """Frequencies of the stage-2 chunks of ``lines``, each segmented by replaying the stage-1 merges.

    Normalizer, stage-2 split and the stage-1 merges by rank over each whole chunk — inference up to
    stage 2 — on unique strings only: :func:`count_stage2_chunks`, then :func:`replay_stage1_merges`.
    """
    chunks = count_stage2_chunks(lines, regex, normalized)
    return chunk_id_counts(chunks, replay_stage1_merges(chunks, stage1_vocab, stage1_merges))


def _trainer_lines(chunk_ids: dict[tuple[int, ...], int], n_symbols: int) -> Iterator[str]:
    """Chunks as code-point strings, repeated by frequency, space separated (one trainer word each)."""
    symbols = [chr(CODE_POINT_BASE + i) for i in range(n_symbols)]
    for ids, count in chunk_ids.items():
        if len(ids) < 2:
            continue
        word = "".join(map(symbols.__getitem__, ids)) + " "
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
    tokenizer.train_from_iterator(batched(_trainer_lines(chunk_ids, n_symbols)), trainer=trainer)
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
