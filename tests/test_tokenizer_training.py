"""Training end to end on a tiny corpus: the saved folder, loaders, round trips and limits."""

from __future__ import annotations

import json
import warnings

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indic.text import normalize
from tests.test_tokenizer_corpus import write_corpus
from tokenizer_training import TrainConfig, load_trained, train
from tokenizer_training.superbpe import byte_level_word_count

CROSSES_SENTENCE_END = regex.compile(r"[.?!।॥][ \n]|: |\n.")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"), lines_per_language=200)


@pytest.fixture(scope="module")
def superbpe_dir(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "superbpe"
    return train(TrainConfig("superbpe", vocab_size=900, transition=0.6), [corpus], out)


def test_superbpe_folder_holds_tokenizer_config_and_card(superbpe_dir):
    assert {p.name for p in superbpe_dir.iterdir()} >= {
        "tokenizer.json",
        "tokenizer_config.json",
        "card.json",
    }
    card = json.loads((superbpe_dir / "card.json").read_text(encoding="utf-8"))
    assert card["algorithm"] == "superbpe" and card["transition"] == 0.6
    assert card["regexes"]["pre_tokenizer"] == card["regexes"]["stage2"]
    assert set(card["corpus"]["mix"]["languages"]) == {"hi", "en", "ta", "ml"}
    assert card["training"]["peak_rss_mb"] > 0 and card["vocab_size_actual"] == 900


def test_superbpe_tokenizer_json_is_a_stock_byte_level_bpe(superbpe_dir):
    spec = json.loads((superbpe_dir / "tokenizer.json").read_text(encoding="utf-8"))
    assert spec["model"]["type"] == "BPE" and spec["model"]["ignore_merges"] is False
    steps = spec["pre_tokenizer"]["pretokenizers"]
    assert [s["type"] for s in steps] == ["Split", "ByteLevel"]
    assert steps[0]["behavior"] == "Isolated" and steps[1]["use_regex"] is False
    assert spec["decoder"]["type"] == "ByteLevel"
    assert {t["content"] for t in spec["added_tokens"]} == {"<|endoftext|>", "<|pad|>"}


def test_superbpe_learns_superwords_within_four_words_and_one_sentence(superbpe_dir):
    vocab = load_trained(superbpe_dir).get_vocab()
    decoded = {token: load_trained(superbpe_dir).decode([i]) for token, i in vocab.items() if i >= 2}
    assert any(byte_level_word_count(token) >= 2 for token in decoded)
    for token, text in decoded.items():
        assert byte_level_word_count(token) <= 4, text
        assert not CROSSES_SENTENCE_END.search(text), text


def test_stock_tokenizers_and_transformers_give_identical_ids(superbpe_dir, corpus):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from transformers import PreTrainedTokenizerFast

        fast = PreTrainedTokenizerFast.from_pretrained(str(superbpe_dir))
    stock = load_trained(superbpe_dir)
    lines = (corpus / "hi.txt").read_text(encoding="utf-8").splitlines()[:40] + ["Ünïcödé 😀 <|endoftext|>"]
    for line in lines:
        assert fast.encode(line) == stock.encode(line).ids
    assert fast.eos_token == "<|endoftext|>" and fast.pad_token == "<|pad|>"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_decode_of_encode_is_the_normalized_text(superbpe_dir, text):
    tokenizer = load_trained(superbpe_dir)
    assert tokenizer.decode(tokenizer.encode(text).ids) == normalize(text)


@pytest.mark.parametrize("text", ["यह अच्छा है। वह घर आया", "ഇത് ഒരു നല്ല ദിവസം\u200d ആണ്", "a\u200cb  \t😀\x00 ।"])
def test_decode_of_encode_round_trips_indic_and_control_text(superbpe_dir, text):
    tokenizer = load_trained(superbpe_dir)
    assert tokenizer.decode(tokenizer.encode(text).ids) == normalize(text)


def test_stage2_resumes_from_a_finished_stage1(corpus, tmp_path):
    config = TrainConfig("superbpe", vocab_size=700, transition=0.7)
    messages: list[str] = []
    first = train(config, [corpus], tmp_path / "a", work_dir=tmp_path / "work")
    second = train(config, [corpus], tmp_path / "b", work_dir=tmp_path / "work", progress=messages.append)
    assert any("resuming" in message for message in messages)
    assert (first / "tokenizer.json").read_text() == (second / "tokenizer.json").read_text()


@pytest.mark.parametrize("algorithm", ["bpe", "spm-unigram", "spm-bpe"])
def test_baselines_save_the_same_folder_layout(algorithm, corpus, tmp_path):
    out = train(TrainConfig(algorithm, vocab_size=600), [corpus], tmp_path / algorithm)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["algorithm"] == algorithm
    tokenizer = load_trained(out)
    line = (corpus / "ta.txt").read_text(encoding="utf-8").splitlines()[0]
    assert tokenizer.decode(tokenizer.encode(line).ids) == normalize(line)
    if algorithm.startswith("spm"):
        import sentencepiece as spm

        processor = spm.SentencePieceProcessor(model_file=str(out / "spm.model"))
        assert processor.encode(normalize(line)) == tokenizer.encode(line).ids


def test_stage1_is_retrained_when_the_mix_changes(corpus, tmp_path):
    messages: list[str] = []
    train(
        TrainConfig("superbpe", vocab_size=700, mix_bytes=60_000), [corpus], tmp_path / "a", tmp_path / "work"
    )
    config = TrainConfig("superbpe", vocab_size=700, mix_bytes=50_000)
    train(config, [corpus], tmp_path / "b", tmp_path / "work", progress=messages.append)
    assert not any("resuming" in message for message in messages)


@pytest.mark.parametrize("language_named", [True, False])
def test_training_lines_come_out_normalized_once(language_named, tmp_path):
    # The trainers skip the normalizer on these lines, so they must already be normalize()-d,
    # whether they come from the temperature mix or from files of unknown language.
    from tokenizer_training.training_corpus import prepare_training_corpus

    untidy = ["ਇਹ ੲਿੱਕ  ਘਰ | ਹੈ", "अा\u00a0क़िताब\tहै।", "e\u0301t\u00e9 \u200c x"] * 20
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / ("pa.txt" if language_named else "notes.txt")).write_text("\n".join(untidy) + "\n")
    text = prepare_training_corpus([folder], TrainConfig("superbpe", vocab_size=700), tmp_path / "work")
    lines = list(text.lines())
    assert lines and all(line == normalize(line) for line in lines)
    assert set(lines) == {normalize(line) for line in untidy}
