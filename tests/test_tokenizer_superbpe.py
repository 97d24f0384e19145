"""SuperBPE stage 2: the fast path equals the slow reference, and superwords respect their limits."""

from __future__ import annotations

import pytest
import regex
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

from tests.test_tokenizer_corpus import sentences
from tokenizer_training.artifact import tokenizer_normalizer, vocab_and_merges
from tokenizer_training.hf_bpe import train_byte_bpe
from tokenizer_training.pretokenize import STAGE1_REGEX, STAGE2_REGEX, byte_level_pre_tokenizer
from tokenizer_training.reference import reference_superword_merges
from tokenizer_training.superbpe import (
    byte_level_word_count,
    learn_superword_merges,
    segment_stage2_chunks,
    superword_vocab,
)

SENTENCE_END = regex.compile(r"[.?!।॥][ \n]|: ")


@pytest.fixture(scope="module")
def small_stage2():
    lines = [line for lang in ("hi", "en", "ta") for line in sentences(lang, 120)]
    stage1 = train_byte_bpe(lines, vocab_size=420, regex=STAGE1_REGEX, special_tokens=("<|endoftext|>",))
    vocab, merges = vocab_and_merges(stage1)
    return vocab, merges, segment_stage2_chunks(lines, vocab, merges)


@pytest.mark.parametrize("max_pieces", [4, 8])
def test_fast_stage2_learns_exactly_the_reference_merges(small_stage2, max_pieces):
    vocab, _, chunk_ids = small_stage2
    fast = learn_superword_merges(chunk_ids, len(vocab), 150, max_pieces)
    slow = reference_superword_merges(chunk_ids, len(vocab), 150, max_pieces)
    assert fast == slow
    assert len(fast) == 150


def test_stage2_tokens_never_join_more_pieces_than_allowed(small_stage2):
    vocab, _, chunk_ids = small_stage2
    pieces = [1] * len(vocab)
    for left, right in learn_superword_merges(chunk_ids, len(vocab), 300, max_pieces=3):
        pieces.append(pieces[left] + pieces[right])
    assert max(pieces) == 3


UNTIDY_LINES = [
    "यह  अच्छा\tहै।\u00a0ठीक 2024, «वह» घर—आया...",
    "Hello,world ,again (yes) x.y.z 3.14 e-mail: a@b.co\r",
    "ਇਹ ੲਿੱਕ ਘਰ | ਹੈ  !! नमस्ते\u200dजी ‌ ok",
    "ஒரு நாள்;\u2003புதிய 😀 emoji… ‘quoted’ end",
]


def _chunks_of_whole_lines(lines, vocab, merges):
    """Stage-2 chunks the obvious way: the final pipeline over every line, cut at word ids."""
    pipeline = Tokenizer(models.BPE(vocab=vocab, merges=list(merges), ignore_merges=False))
    pipeline.normalizer = tokenizer_normalizer()
    pipeline.pre_tokenizer = byte_level_pre_tokenizer(STAGE2_REGEX)
    pipeline.decoder = decoders.ByteLevel()
    counts: dict[tuple[int, ...], int] = {}
    for encoding in pipeline.encode_batch(lines, add_special_tokens=False):
        for word in range(max(encoding.word_ids, default=-1) + 1):
            start, end = encoding.word_to_tokens(word)
            ids = tuple(encoding.ids[start:end])
            if not pipeline.decode(list(ids)).isspace():
                counts[ids] = counts.get(ids, 0) + 1
    return counts


def test_unique_segment_replay_equals_encoding_whole_lines_with_the_final_pipeline(small_stage2):
    vocab, merges, chunk_ids = small_stage2
    lines = [line for lang in ("hi", "en", "ta") for line in sentences(lang, 120)] + UNTIDY_LINES * 3
    assert segment_stage2_chunks(lines, vocab, merges) == _chunks_of_whole_lines(lines, vocab, merges)


def test_segmenting_normalized_lines_skips_nothing_but_the_normalizer(small_stage2):
    vocab, merges, _ = small_stage2
    normalized = [tokenizer_normalizer().normalize_str(line) for line in UNTIDY_LINES]
    assert segment_stage2_chunks(normalized, vocab, merges, normalized=True) == segment_stage2_chunks(
        UNTIDY_LINES, vocab, merges
    )


def test_replay_segments_whole_chunks_by_merge_rank(small_stage2):
    vocab, merges, chunk_ids = small_stage2
    ids_to_token = {i: t for t, i in vocab.items()}
    rank = {pair: r for r, pair in enumerate(merges)}
    for ids in list(chunk_ids)[:50]:
        tokens = [ids_to_token[i] for i in ids]
        assert not any((a, b) in rank for a, b in zip(tokens, tokens[1:], strict=False))


def test_superword_vocab_drops_tokens_of_more_than_four_words(small_stage2):
    vocab1, merges1, chunk_ids = small_stage2
    id_merges = learn_superword_merges(chunk_ids, len(vocab1), 400, max_pieces=8)
    vocab, merges = superword_vocab(vocab1, merges1, id_merges, vocab_size=len(vocab1) + 400)
    assert any(byte_level_word_count(token) > 1 for token in vocab)
    assert max(byte_level_word_count(token) for token in vocab) <= 4
    assert all(a + b in vocab for a, b in merges)
    assert len(set(merges)) == len(merges)


@pytest.mark.parametrize(
    "text",
    ["यह अच्छा है। वह घर आया", "Stop. Go on! Why? Yes: no", "ஒரு நாள்.\nபுதிய", "a, b; c ॥ d"],
)
def test_stage2_chunks_never_continue_past_a_sentence_end(text):
    split = pre_tokenizers.Split(Regex(STAGE2_REGEX), "isolated")
    for piece, _ in split.pre_tokenize_str(text):
        assert not SENTENCE_END.search(piece), piece


def test_stage2_regex_keeps_indic_words_whole():
    split = pre_tokenizers.Split(Regex(STAGE2_REGEX), "isolated")
    assert [p for p, _ in split.pre_tokenize_str("नमस्ते दुनिया")] == ["नमस्ते दुनिया"]
    stage1 = pre_tokenizers.Split(Regex(STAGE1_REGEX), "isolated")
    assert [p for p, _ in stage1.pre_tokenize_str("नमस्ते ಕನ್ನಡ")] == ["नमस्ते", " ಕನ್ನಡ"]


def test_stage2_isolates_digit_groups_and_punctuation_runs():
    split = pre_tokenizers.Split(Regex(STAGE2_REGEX), "isolated")
    pieces = [p for p, _ in split.pre_tokenize_str("वह 12345 बार!! आया")]
    assert pieces == ["वह", " 123", "45", " बार", "!!", " आया"]
