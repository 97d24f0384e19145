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
from tokenizer_training.shortest_path import NotABpeTokenizerError, shortest_path_tokenizer

TEXTS = [line for lang in ("hi", "en", "ta", "ml") for line in sentences(lang, 30, seed=7)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("shortest")
    corpus = write_corpus(root / "corpus", lines_per_language=150)
    config = TrainConfig("superbpe", vocab_size=800, transition=0.6, stage2_sample=0.5)
    merges = train(config, [corpus], root / "merges", root / "work")
    fewest = train(
        TrainConfig("superbpe", vocab_size=800, transition=0.6, stage2_sample=0.5, encoder="shortest-path"),
        [corpus],
        root / "fewest",
        root / "work",
    )
    return load_trained(merges), load_trained(fewest), fewest


def _fewest_tokens(pieces: list[str], vocab: dict[str, int]) -> int:
    """Fewest vocabulary tokens that spell each pre-tokenized piece, by plain dynamic programming."""
    total = 0
    for piece in pieces:
        best = [0] + [len(piece) + 1] * len(piece)
        for end in range(1, len(piece) + 1):
            for start in range(end):
                if piece[start:end] in vocab:
                    best[end] = min(best[end], best[start] + 1)
        total += best[-1]
    return total


def test_shortest_path_finds_exactly_the_fewest_tokens(trained):
    merges, fewest, _ = trained
    vocab = merges.get_vocab()
    for text in TEXTS:
        pieces = [
            piece for piece, _ in merges.pre_tokenizer.pre_tokenize_str(merges.normalizer.normalize_str(text))
        ]
        assert len(fewest.encode(text, add_special_tokens=False).ids) == _fewest_tokens(pieces, vocab), text


def test_shortest_path_never_needs_more_tokens_than_merge_replay_and_saves_some(trained):
    merges, fewest, _ = trained
    replayed = [len(e.ids) for e in merges.encode_batch(TEXTS, add_special_tokens=False)]
    shortest = [len(e.ids) for e in fewest.encode_batch(TEXTS, add_special_tokens=False)]
    assert all(s <= r for s, r in zip(shortest, replayed, strict=True))
    assert sum(shortest) < sum(replayed)


def test_shortest_path_keeps_the_vocabulary_ids_and_the_pipeline(trained):
    merges, fewest, folder = trained
    assert fewest.get_vocab() == merges.get_vocab()
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    assert spec["model"]["type"] == "Unigram"
    assert spec["pre_tokenizer"] == json.loads(merges.to_str())["pre_tokenizer"]
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert card["encoder"] == "shortest-path" and card["stage2_sample"] == 0.5


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
