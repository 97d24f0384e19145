"""Vocabulary pruning for the shortest-path encoder: learn more tokens, keep the ones it uses."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indic.text import normalize
from tests.test_tokenizer_corpus import sentences, write_corpus
from tokenizer_training import TrainConfig, TrainConfigError, load_trained, train
from tokenizer_training.shortest_path import shortest_path_tokenizer
from tokenizer_training.stage2_balance import script_shares
from tokenizer_training.superbpe import count_stage2_chunks, evenly_spaced_lines
from tokenizer_training.vocab_pruning import (
    PruningError,
    encode_chunks,
    held_out_lines,
    prune_least_used,
    token_usage,
)

CROSSES_SENTENCE_END = regex.compile(r"[.?!।॥][ \n]|: |\n.")
SIZE = 1000
TEXTS = [line for lang in ("hi", "en", "ta", "ml") for line in sentences(lang, 30, seed=11)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("prune-corpus"), lines_per_language=150)


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """The same recipe three ways: merges at the size, fewest tokens at the size, and pruned from 30% more."""
    root = tmp_path_factory.mktemp("prune")
    recipe = {"vocab_size": SIZE, "transition": 0.7, "stage2_sample": 0.5}
    config = TrainConfig("superbpe", encoder="shortest-path", **recipe)
    unpruned = train(config, [corpus], root / "sp", root / "w")
    pruned = train(
        TrainConfig("superbpe", encoder="shortest-path", vocab_overshoot=0.3, prune_sample=0.5, **recipe),
        [corpus],
        root / "pruned",
        root / "w",
    )
    return unpruned, pruned


def test_held_out_lines_never_repeat_a_stage2_line():
    lines = [f"line {i}" for i in range(1000)]
    stage2 = set(evenly_spaced_lines(lines, 0.3))
    held_out = list(held_out_lines(lines, 0.3, 0.3))
    assert not stage2 & set(held_out)
    assert len(held_out) == 300
    assert held_out == sorted(held_out, key=lambda line: int(line.split()[1]))  # order kept


def test_held_out_lines_come_from_every_line_when_stage2_saw_them_all():
    lines = [str(i) for i in range(100)]
    assert list(held_out_lines(lines, 1.0, 0.25)) == list(evenly_spaced_lines(lines, 0.25))


def test_pruned_tokenizer_has_exactly_the_vocab_size_and_says_how_it_was_cut(trained):
    _, pruned = trained
    card = json.loads((pruned / "card.json").read_text(encoding="utf-8"))
    assert load_trained(pruned).get_vocab_size() == SIZE == card["vocab_size_actual"]
    report = card["pruning"]
    assert report["vocab_size_before"] - report["dropped"] == SIZE
    assert report["held_out_from_stage2"] is True
    assert report["usage_chunks"] > 0 and report["usage_tokens"] > 0
    assert card["vocab_overshoot"] == 0.3


def test_pruning_keeps_specials_bytes_and_single_characters(trained, tmp_path):
    unpruned, pruned = trained
    before = load_trained(unpruned).get_vocab()
    after = load_trained(pruned).get_vocab()
    kept = [t for t in before if t.startswith("<|") or t.startswith("<0x") or t == "<unk>" or len(t) == 1]
    assert kept and all(token in after for token in kept)
    assert after["<|endoftext|>"] == 0 and after["<|pad|>"] == 1


@pytest.mark.slow
def test_pruned_vocabulary_spends_fewer_tokens_than_the_unpruned_one_of_the_same_size(trained):
    unpruned, pruned = trained
    count = lambda folder: sum(len(e.ids) for e in load_trained(folder).encode_batch(TEXTS))  # noqa: E731
    assert count(pruned) < count(unpruned)


def test_pruned_tokens_obey_the_superword_limits(trained):
    _, pruned = trained
    tokenizer = load_trained(pruned)
    for token in tokenizer.get_vocab():
        if token.startswith("<") and token.endswith(">"):
            continue
        assert len(token.split()) <= 4, token
        assert not CROSSES_SENTENCE_END.search(token), token


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_pruned_tokenizer_round_trips_to_the_normalized_text(trained, text):
    tokenizer = load_trained(trained[1])
    assert tokenizer.decode(tokenizer.encode(text).ids) == normalize(text)


def test_pruned_tokenizer_gives_identical_ids_in_transformers(trained):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from transformers import PreTrainedTokenizerFast

        fast = PreTrainedTokenizerFast.from_pretrained(str(trained[1]))
    stock = load_trained(trained[1])
    for line in TEXTS:
        assert fast.encode(line) == stock.encode(line, add_special_tokens=False).ids


def _tiny_fewest(tmp_path):
    from tokenizers import Tokenizer

    from tests.tokenizer_fixtures import train_tiny_bpe

    return shortest_path_tokenizer(Tokenizer.from_file(str(train_tiny_bpe(tmp_path / "t.json", 400))))


def test_the_least_used_tokens_are_dropped_first(tmp_path):
    fewest = _tiny_fewest(tmp_path)
    chunks = count_stage2_chunks(TEXTS)
    model = json.loads(fewest.to_str())["model"]
    usage, _ = token_usage(model, chunks)
    target = fewest.get_vocab_size() - 40
    pruned, report = prune_least_used(fewest, chunks, target)
    assert pruned.get_vocab_size() == target and report.dropped == 40
    kept = set(pruned.get_vocab())
    dropped = [i for i, (piece, _) in enumerate(model["vocab"]) if piece not in kept]
    survivors = [i for i, (piece, _) in enumerate(model["vocab"]) if piece in kept and len(piece) > 1]
    survivors = [i for i in survivors if not piece_is_special(model["vocab"][i][0])]
    assert max(usage[dropped]) <= min(usage[survivors])
    assert report.largest_usage_dropped == max(usage[dropped])


def piece_is_special(piece: str) -> bool:
    return piece.startswith("<") and piece.endswith(">")


def test_usage_counts_every_token_of_every_chunk_occurrence(tmp_path):
    fewest = _tiny_fewest(tmp_path)
    model = json.loads(fewest.to_str())["model"]
    chunks = {"नमस्ते दुनिया": 3, " the lazy dog": 2}
    usage, shares = token_usage(model, chunks)
    expected = np.zeros(len(model["vocab"]))
    for chunk, count in chunks.items():
        (ids,) = encode_chunks(model, [chunk])
        assert len(ids) >= 2
        np.add.at(expected, ids, count)
    assert usage.tolist() == expected.tolist()
    assert shares == {}


def test_balance_weighs_each_script_by_its_share():
    chunks = {"the cat": 6, "और यह": 2}
    scripts, groups = script_shares(chunks, {"the cat": 2, "और यह": 2}, 1.0, ["en", "hi"])
    assert scripts == {"the cat": "Latin", "और यह": "Devanagari"}
    assert groups["Latin"].kept == pytest.approx(1 / 3) and groups["Devanagari"].kept == 1.0


def test_balanced_usage_counts_an_overrepresented_script_less(tmp_path):
    fewest = _tiny_fewest(tmp_path)
    model = json.loads(fewest.to_str())["model"]
    chunks = {"the quick brown fox": 9, "नमस्ते दुनिया": 1}
    plain, _ = token_usage(model, chunks, 0.0, ["en", "hi"])
    balanced, shares = token_usage(model, chunks, 1.0, ["en", "hi"])
    assert shares["Latin"] < 1.0 == shares["Devanagari"]
    assert balanced.sum() < plain.sum()


def test_pruning_refuses_a_merge_model_and_an_impossible_size(tmp_path):
    from tokenizers import Tokenizer

    from tests.tokenizer_fixtures import train_tiny_bpe

    merges = Tokenizer.from_file(str(train_tiny_bpe(tmp_path / "m.json", 400)))
    with pytest.raises(PruningError, match="Unigram"):
        prune_least_used(merges, {"a": 1}, 300)
    with pytest.raises(PruningError, match="cannot reach"):
        prune_least_used(shortest_path_tokenizer(merges), {"a": 1}, 10)


def test_overshoot_needs_the_shortest_path_encoder_and_ranges_are_checked():
    with pytest.raises(TrainConfigError, match="shortest-path"):
        TrainConfig("superbpe", vocab_overshoot=0.1)
    with pytest.raises(TrainConfigError, match="vocab_overshoot"):
        TrainConfig("superbpe", encoder="shortest-path", vocab_overshoot=-0.1)
    with pytest.raises(TrainConfigError, match="prune_sample"):
        TrainConfig("superbpe", encoder="shortest-path", vocab_overshoot=0.1, prune_sample=0)
    with pytest.raises(TrainConfigError, match="prune_balance"):
        TrainConfig("superbpe", encoder="shortest-path", vocab_overshoot=0.1, prune_balance=1.5)
    config = TrainConfig(
        "superbpe", vocab_size=64000, transition=0.9, encoder="shortest-path", vocab_overshoot=0.15
    )
    assert config.trained_vocab_size == 73600 and config.stage1_vocab_size == 57600


def test_bpe_can_be_pruned_too(corpus, tmp_path):
    folder = train(
        TrainConfig("bpe", vocab_size=700, encoder="shortest-path", vocab_overshoot=0.2, prune_sample=0.5),
        [corpus],
        tmp_path / "bpe",
    )
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert load_trained(folder).get_vocab_size() == 700
    assert card["pruning"]["held_out_from_stage2"] is False


def test_background_chunk_counts_equal_the_in_process_ones(corpus, tmp_path):
    from tokenizer_training.chunk_samples import ChunkSamples, count_samples
    from tokenizer_training.pretokenize import STAGE2_REGEX
    from tokenizer_training.training_corpus import prepare_training_corpus

    text = prepare_training_corpus([corpus], TrainConfig(), tmp_path / "work")
    samples = ChunkSamples.start(text, STAGE2_REGEX, 0.3, 0.2)
    stage2, held_out = samples.result()
    assert samples.pool is None  # the background process is gone once its counts are in
    assert (stage2, held_out) == count_samples(text, STAGE2_REGEX, 0.3, 0.2)
    assert samples.result() is samples.result()  # counted once
    assert stage2 and held_out and count_samples(text, STAGE2_REGEX, None, None) == (None, None)
