"""load_tokenizer: every supported format loads, round-trips, and bad specs fail specifically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_efficiency_fixtures import SENTENCES, TIKTOKEN_MERGES, write_tiktoken

from indic.efficiency import (
    SplitPatternError,
    Tokenizer,
    TokenizerFileNotFoundError,
    TokenizerUnavailableError,
    UnknownTokenizerFormatError,
    load_tokenizer,
)

# Tiny tokenizers and corpora built in tmp folders, plus an empty cache and an offline hub per test.
pytest_plugins = ["test_efficiency_fixtures"]
pytestmark = pytest.mark.usefixtures("private_cache_and_offline_hub")

LINES = [line for lines in SENTENCES.values() for line in lines] + ["mixed हिंदी and தமிழ் 123 😀"]


def assert_round_trips(tokenizer: Tokenizer) -> None:
    ids = tokenizer.encode_batch(LINES)
    assert all(ids), "every non-empty line gives tokens"
    assert tokenizer.decode_batch(ids) == LINES
    assert tokenizer.decode(ids[0]) == LINES[0]


def test_tokenizer_json_file_and_its_folder_load_as_the_same_tokenizer(tiny_bpe_dir: Path) -> None:
    from_file = load_tokenizer(tiny_bpe_dir / "tokenizer.json")
    from_folder = load_tokenizer(tiny_bpe_dir)
    assert isinstance(from_file, Tokenizer)
    assert from_file.encode_batch(LINES) == from_folder.encode_batch(LINES)
    assert from_file.fingerprint == from_folder.fingerprint
    assert from_folder.name == tiny_bpe_dir.name
    assert_round_trips(from_file)


def test_tokenizer_json_encoding_adds_no_special_tokens(tiny_bpe_dir: Path, tmp_path: Path) -> None:
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers.processors import TemplateProcessing

    tokenizer = HFTokenizer.from_file(str(tiny_bpe_dir / "tokenizer.json"))
    bos = tokenizer.token_to_id("<s>")
    tokenizer.post_processor = TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    ids = load_tokenizer(tmp_path / "tokenizer.json").encode_batch(["India"])[0]
    assert bos not in ids


def test_sentencepiece_model_loads_and_round_trips(tiny_sentencepiece: Path) -> None:
    tokenizer = load_tokenizer(tiny_sentencepiece)
    assert tokenizer.name == "tiny"
    assert tokenizer.vocab_size > 100
    assert_round_trips(tokenizer)


def test_tiktoken_file_uses_the_split_pattern_its_name_implies(tiny_tiktoken: Path) -> None:
    tokenizer = load_tokenizer(tiny_tiktoken)
    assert tokenizer.vocab_size == 256 + len(TIKTOKEN_MERGES)
    assert tokenizer.encode_batch(["hello world"]) == [[259, 260, 111, 114, 108, 100]]
    assert tokenizer.encode_batch(["नमस्ते"]) == load_tokenizer(tiny_tiktoken, pattern="o200k").encode_batch(
        ["नमस्ते"]
    )
    assert_round_trips(tokenizer)


def test_o200k_pattern_keeps_vowel_signs_in_words_and_cl100k_does_not(tiny_tiktoken: Path) -> None:
    sa_virama = 256 + len(TIKTOKEN_MERGES) - 1
    assert sa_virama in load_tokenizer(tiny_tiktoken, pattern="o200k").encode_batch(["नमस्ते"])[0]
    assert sa_virama not in load_tokenizer(tiny_tiktoken, pattern="cl100k").encode_batch(["नमस्ते"])[0]


def test_tiktoken_content_named_tokenizer_model_is_sniffed_as_tiktoken(tmp_path: Path) -> None:
    path = write_tiktoken(tmp_path / "llama3" / "tokenizer.model")
    tokenizer = load_tokenizer(path)
    assert tokenizer.name == "llama3"
    assert tokenizer.encode_batch(["hello"]) == [[259]]


def test_tiktoken_without_an_inferable_pattern_asks_for_one(tmp_path: Path) -> None:
    path = write_tiktoken(tmp_path / "ranks.tiktoken")
    with pytest.raises(SplitPatternError, match="pattern="):
        load_tokenizer(path)
    assert load_tokenizer(path, pattern="cl100k").encode_batch(["hello"]) == [[259]]


def test_an_invalid_pattern_regex_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SplitPatternError, match="valid regex"):
        load_tokenizer(write_tiktoken(tmp_path / "ranks.tiktoken"), pattern="([unclosed")


def test_vocab_and_merges_folder_loads_as_byte_level_bpe(tiny_bpe_dir: Path, tmp_path: Path) -> None:
    model = json.loads((tiny_bpe_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]
    folder = tmp_path / "qwen-like"
    folder.mkdir()
    (folder / "vocab.json").write_text(json.dumps(model["vocab"]), encoding="utf-8")
    merges = [" ".join(pair) if isinstance(pair, list) else pair for pair in model["merges"]]
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    tokenizer = load_tokenizer(folder)
    assert tokenizer.name == "qwen-like"
    assert_round_trips(tokenizer)


def test_bundled_artifact_names_resolve_through_the_registry(
    tiny_bpe_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifact = tmp_path / "artifacts" / "tiny-bpe"
    artifact.mkdir(parents=True)
    (artifact / "card.json").write_text(json.dumps({"kind": "tokenizer"}), encoding="utf-8")
    (artifact / "tokenizer.json").write_bytes((tiny_bpe_dir / "tokenizer.json").read_bytes())
    monkeypatch.setenv("INDIC_ARTIFACTS", str(tmp_path / "artifacts"))
    tokenizer = load_tokenizer("tiny-bpe")
    assert tokenizer.name == "tiny-bpe"
    assert_round_trips(tokenizer)


def test_a_missing_file_is_reported_as_missing() -> None:
    with pytest.raises(TokenizerFileNotFoundError, match="no such tokenizer file"):
        load_tokenizer("does/not/exist/tokenizer.json")


def test_an_unknown_file_format_is_reported_as_unknown(tmp_path: Path) -> None:
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"\x00\x01 definitely not a tokenizer \xff")
    with pytest.raises(UnknownTokenizerFormatError, match="unknown tokenizer format"):
        load_tokenizer(junk)


def test_json_that_is_not_a_tokenizer_is_reported_as_unknown(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"hidden_size": 8}', encoding="utf-8")
    with pytest.raises(UnknownTokenizerFormatError, match="not a tokenizer.json"):
        load_tokenizer(tmp_path / "config.json")


def test_a_folder_without_a_tokenizer_is_reported_as_unknown(tmp_path: Path) -> None:
    with pytest.raises(UnknownTokenizerFormatError, match="no tokenizer found"):
        load_tokenizer(tmp_path)


def test_hub_names_fail_clearly_when_the_hub_is_offline() -> None:
    with pytest.raises(TokenizerUnavailableError, match="HF_HUB_OFFLINE"):
        load_tokenizer("some-org/some-tokenizer")


def test_hub_names_download_tokenizer_json_when_online(
    tiny_bpe_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huggingface_hub = pytest.importorskip("huggingface_hub")
    asked = []

    def fake_download(repo_id: str, filename: str) -> str:
        asked.append((repo_id, filename))
        return str(tiny_bpe_dir / filename)

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    tokenizer = load_tokenizer("some-org/some-tokenizer")
    assert asked == [("some-org/some-tokenizer", "tokenizer.json")]
    assert tokenizer.name == "some-org/some-tokenizer"
    assert_round_trips(tokenizer)


def test_hub_failures_are_reported_with_the_hubs_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    huggingface_hub = pytest.importorskip("huggingface_hub")

    def unreachable(repo_id: str, filename: str) -> str:
        raise OSError("network is unreachable")

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", unreachable)
    with pytest.raises(TokenizerUnavailableError, match="network is unreachable"):
        load_tokenizer("some-org/some-tokenizer")
