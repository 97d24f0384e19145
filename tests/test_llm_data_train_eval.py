"""Token files, the training loop and bits-per-byte evaluation, on a tiny corpus and model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from llm_fixtures import TINY_TEXT, train_tiny_tokenizer
from tokenizers import Tokenizer

from llm.config import LMConfig
from llm.data import MissingEndOfTextError, TokenWindows, end_of_text_id, load_token_stats, tokenize_corpus
from llm.evaluate import evaluate_flores
from llm.model import DecoderLM
from llm.train import TrainSettings, learning_rate, load_model, train


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("lm")
    tokenizer = train_tiny_tokenizer(folder / "tokenizer.json")
    text = folder / "mix.txt"
    text.write_text("\n".join(TINY_TEXT) + "\n", encoding="utf-8")
    tokenize_corpus(text, tokenizer, folder / "tokens", workers=1)
    return folder, tokenizer, text


def test_token_file_puts_end_of_text_before_every_document(corpus: tuple[Path, Path, Path]) -> None:
    folder, tokenizer, _ = corpus
    tokens = np.fromfile(folder / "tokens.bin", dtype="<u4")
    stats = load_token_stats(folder / "tokens")
    assert stats.documents == len(TINY_TEXT)
    assert int((tokens == stats.eot_id).sum()) == len(TINY_TEXT) + 1
    assert stats.tokens == len(tokens)
    first = Tokenizer.from_file(str(tokenizer)).encode(TINY_TEXT[0], add_special_tokens=False).ids
    assert tokens[1 : 1 + len(first)].tolist() == first


def test_token_file_counts_the_bytes_of_the_normalized_text(corpus: tuple[Path, Path, Path]) -> None:
    stats = load_token_stats(corpus[0] / "tokens")
    assert stats.text_bytes == sum(len(line.encode("utf-8")) for line in TINY_TEXT)


def test_windows_are_inputs_and_targets_shifted_by_one(corpus: tuple[Path, Path, Path]) -> None:
    windows = TokenWindows(corpus[0] / "tokens.bin", seq_len=16)
    inputs, targets = windows.batch(4, np.random.default_rng(0))
    assert inputs.shape == targets.shape == (4, 16)
    assert (inputs[:, 1:] == targets[:, :-1]).all()


def test_a_tokenizer_without_end_of_text_is_rejected(tmp_path: Path) -> None:
    from tokenizers import models

    bare = Tokenizer(models.BPE())
    bare.save(str(tmp_path / "bare.json"))
    with pytest.raises(MissingEndOfTextError):
        end_of_text_id(tmp_path / "bare.json")


def test_learning_rate_warms_up_then_decays_to_the_floor() -> None:
    settings = TrainSettings(tokens=Path(), out_dir=Path(), lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert learning_rate(0, 100, settings) == pytest.approx(0.1)
    assert learning_rate(9, 100, settings) == pytest.approx(1.0)
    assert learning_rate(100, 100, settings) == pytest.approx(0.1)


def test_training_lowers_the_loss_and_resumes_from_its_checkpoint(corpus: tuple[Path, Path, Path]) -> None:
    folder, _, _ = corpus
    stats = load_token_stats(folder / "tokens")
    cfg = LMConfig(
        vocab_size=448, d_model=32, n_layers=1, n_heads=2, n_kv_heads=1, max_seq_len=64, eot_id=stats.eot_id
    )
    settings = TrainSettings(
        tokens=folder / "tokens",
        out_dir=folder / "run",
        train_bytes=stats.text_bytes * 3,
        seq_len=32,
        batch_size=8,
        lr=3e-3,
        warmup_steps=2,
        log_every=1,
        precision="fp32",
        device="cpu",
    )
    halfway = train(cfg, TrainSettings(**{**settings.__dict__, "max_seconds": 0.0}))
    assert halfway["steps"] == 1 and not halfway["complete"]
    summary = train(cfg, settings)
    assert summary["complete"] and summary["steps"] == summary["total_steps"]
    assert summary["history"][0]["step"] == 2, "the second run continued after the checkpointed step"
    assert summary["final_loss"] < math.log(cfg.vocab_size) - 1.0
    saved = json.loads((folder / "run" / "train_summary.json").read_text())
    assert saved["bytes_trained"] >= stats.text_bytes * 3 * 0.9


def test_a_uniform_model_scores_log2_vocab_bits_per_token(
    corpus: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, tokenizer, _ = corpus
    flores = tmp_path / "flores"
    flores.mkdir()
    (flores / "hi.txt").write_text(TINY_TEXT[0] + "\n" + TINY_TEXT[0][:20] + "\n", encoding="utf-8")
    model = DecoderLM(
        LMConfig(vocab_size=448, d_model=32, n_layers=1, n_heads=2, n_kv_heads=1, max_seq_len=64)
    )
    torch.nn.init.zeros_(model.embed.weight)
    row = evaluate_flores(model, tokenizer, flores, ["hi"])["hi"]
    expected_bits = row["tokens"] * math.log2(448)
    assert row["bits_per_byte"] == pytest.approx(expected_bits / row["bytes"], rel=1e-5)
    assert row["bits_per_char"] == pytest.approx(expected_bits / row["chars"], rel=1e-5)


def test_checkpoint_reloads_the_trained_weights(corpus: tuple[Path, Path, Path]) -> None:
    model = load_model(corpus[0] / "run" / "checkpoint.pt")
    assert model.cfg.d_model == 32 and not model.training
