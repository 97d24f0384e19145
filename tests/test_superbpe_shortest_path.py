"""The shortest-path encoder: the fewest tokens of the same vocabulary, same ids, still lossless."""

from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from indic.text import normalize
from tests.test_tokenizer_corpus import sentences, write_corpus
from tokenizer_training import TrainConfig, load_trained, train
from tokenizer_training.shortest_path import (
    NotABpeTokenizerError,
    byte_level_decoder,
    shortest_path_tokenizer,
)

BYTE_DECODER = byte_level_decoder()

TEXTS = [line for lang in ("hi", "en", "ta", "ml") for line in sentences(lang, 30, seed=7)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("shortest")
    corpus = write_corpus(root / "corpus", lines_per_language=150)
    # 1,200 tokens: enough that the test sentences' characters are whole tokens, as at real sizes (a
    # smaller vocabulary leaves half of them to byte fallback, which merge replay spells more cheaply).
    config = TrainConfig("superbpe", vocab_size=1200, transition=0.6, stage2_sample=0.5)
    merges = train(config, [corpus], root / "merges", root / "work")
    fewest = train(
        TrainConfig("superbpe", vocab_size=1200, transition=0.6, stage2_sample=0.5, encoder="shortest-path"),
        [corpus],
        root / "fewest",
        root / "work",
    )
    return load_trained(merges), load_trained(fewest), fewest


def _fewest_tokens(pieces: list[str], vocab: dict[str, int]) -> int:
    """Tokens of the best spelling of each pre-tokenized piece, by plain dynamic programming: fewest
    characters left to byte fallback first (Viterbi scores each far below any token), then fewest
    vocabulary tokens; a character left over costs one token per UTF-8 byte."""
    total = 0
    for piece in pieces:
        worst = (len(piece) + 1, len(piece) + 1, 4 * len(piece) + 1)
        best = [(0, 0, 0)] + [worst] * len(piece)
        for end in range(1, len(piece) + 1):
            unknown, tokens, spelled = best[end - 1]
            best[end] = min(best[end], (unknown + 1, tokens, spelled + len(piece[end - 1].encode())))
            for start in range(end):
                if piece[start:end] in vocab:
                    unknown, tokens, spelled = best[start]
                    best[end] = min(best[end], (unknown, tokens + 1, spelled))
        total += best[-1][1] + best[-1][2]
    return total


def test_shortest_path_finds_exactly_the_fewest_tokens(trained):
    _, fewest, _ = trained
    vocab = fewest.get_vocab()
    for text in TEXTS:
        pieces = [
            piece for piece, _ in fewest.pre_tokenizer.pre_tokenize_str(fewest.normalizer.normalize_str(text))
        ]
        assert len(fewest.encode(text, add_special_tokens=False).ids) == _fewest_tokens(pieces, vocab), text


def test_shortest_path_never_needs_more_tokens_than_merge_replay_and_saves_some(trained):
    merges, fewest, _ = trained
    replayed = [len(e.ids) for e in merges.encode_batch(TEXTS, add_special_tokens=False)]
    shortest = [len(e.ids) for e in fewest.encode_batch(TEXTS, add_special_tokens=False)]
    assert all(s <= r for s, r in zip(shortest, replayed, strict=True))
    assert sum(shortest) < sum(replayed)


def test_shortest_path_holds_the_same_vocabulary_as_characters(trained):
    merges, fewest, folder = trained
    byte_level = merges.get_vocab()
    as_text = {}
    for token in byte_level:
        try:
            as_text[bytes(BYTE_DECODER[c] for c in token).decode("utf-8")] = token
        except (KeyError, UnicodeDecodeError):
            pass  # half a character: byte fallback stands in for it
    vocab = fewest.get_vocab()
    fallback = {f"<0x{b:02X}>" for b in range(0x80, 0x100)} | {"<unk>"}
    specials = {"<|endoftext|>", "<|pad|>"}
    assert set(vocab) - fallback == (set(as_text) - specials) | specials
    assert all(vocab[t] == byte_level[t] for t in specials)  # specials keep their ids
    # Tokens keep the order they were learned in.
    learned = sorted(set(as_text) - specials, key=lambda t: byte_level[as_text[t]])
    assert learned == sorted(learned, key=vocab.get)
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    assert spec["model"]["type"] == "Unigram" and spec["model"]["byte_fallback"] is True
    assert spec["pre_tokenizer"] == json.loads(merges.to_str())["pre_tokenizer"]["pretokenizers"][0]
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert card["encoder"] == "shortest-path" and card["stage2_sample"] == 0.5


def test_text_that_reads_like_a_byte_token_is_spelled_not_taken_for_a_byte(trained):
    _, fewest, _ = trained
    encoding = fewest.encode("<0xE0> ok", add_special_tokens=False)
    assert "<0xE0>" not in encoding.tokens and fewest.decode(encoding.ids) == "<0xE0> ok"


@pytest.mark.parametrize(
    ("learned_first", "expected"), [(("a", "b"), ["ab", "c"]), (("b", "c"), ["a", "bc"])]
)
def test_shortest_path_breaks_ties_toward_earlier_learned_tokens(learned_first, expected):
    # "abc" is two tokens either way, a|bc or ab|c; the tie goes to the smaller sum of ranks.
    first, second = learned_first, ("b", "c") if learned_first == ("a", "b") else ("a", "b")
    vocab = {"c": 0, "a": 1, "b": 2, "x": 3, "y": 4, "".join(first): 5, "z": 6, "".join(second): 7}
    model = {"type": "BPE", "vocab": vocab, "merges": [list(first), list(second)]}
    bpe = Tokenizer.from_str(json.dumps({"version": "1.0", "model": model}))
    assert shortest_path_tokenizer(bpe).encode("abc").tokens == expected


def test_shortest_path_refuses_a_tokenizer_that_is_not_bpe(trained):
    _, fewest, _ = trained
    with pytest.raises(NotABpeTokenizerError, match="BPE"):
        shortest_path_tokenizer(fewest)


def test_stock_tokenizers_and_transformers_give_identical_shortest_path_ids(trained):
    _, stock, folder = trained
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from transformers import PreTrainedTokenizerFast

        fast = PreTrainedTokenizerFast.from_pretrained(str(folder))
    for line in [*TEXTS, "Ünïcödé 😀 <|endoftext|> ।।"]:
        assert fast.encode(line) == stock.encode(line).ids


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_shortest_path_decode_of_encode_is_the_normalized_text(trained, text):
    _, fewest, _ = trained
    assert fewest.decode(fewest.encode(text).ids) == normalize(text)
