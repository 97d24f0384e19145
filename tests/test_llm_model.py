"""The decoder: cached decoding reproduces the full forward pass, padding never leaks, shapes follow GQA."""

from __future__ import annotations

import pytest
import torch

from llm.config import InvalidConfigError, LMConfig
from llm.model import DecoderLM

TINY = LMConfig(vocab_size=97, d_model=48, n_layers=2, n_heads=6, n_kv_heads=2, max_seq_len=64)


@pytest.fixture(scope="module")
def model() -> DecoderLM:
    torch.manual_seed(0)
    return DecoderLM(TINY).eval()


def test_parameter_count_from_config_matches_the_module(model: DecoderLM) -> None:
    assert TINY.parameter_count()["total"] == sum(p.numel() for p in model.parameters())


def test_output_projection_is_the_embedding_tied(model: DecoderLM) -> None:
    ids = torch.tensor([[3, 5]])
    hidden = model.final_norm(model.embed(ids))
    assert torch.allclose(model._logits(model.embed(ids)), hidden @ model.embed.weight.T)


@torch.no_grad()
def test_decoding_token_by_token_through_the_cache_equals_the_full_forward(model: DecoderLM) -> None:
    ids = torch.randint(0, TINY.vocab_size, (2, 12))
    full = model(ids)
    cache = model.empty_cache(2)
    mask = torch.ones(2, 0, dtype=torch.long)
    steps = []
    for t in range(12):
        mask = torch.cat((mask, torch.ones(2, 1, dtype=torch.long)), dim=1)
        logits, cache = model.forward_with_cache(ids[:, t : t + 1], mask, torch.full((2, 1), t), cache)
        steps.append(logits)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


@torch.no_grad()
def test_left_padding_does_not_change_a_prompts_logits(model: DecoderLM) -> None:
    prompt = torch.tensor([[7, 8, 9, 10]])
    alone, _ = model.forward_with_cache(
        prompt, torch.ones(1, 4, dtype=torch.long), torch.arange(4)[None], model.empty_cache(1)
    )
    padded_ids = torch.tensor([[0, 0, 7, 8, 9, 10]])
    mask = torch.tensor([[0, 0, 1, 1, 1, 1]])
    positions = torch.tensor([[0, 0, 0, 1, 2, 3]])
    padded, cache = model.forward_with_cache(padded_ids, mask, positions, model.empty_cache(1))
    assert torch.isfinite(padded).all()
    assert torch.allclose(padded[:, 2:], alone, atol=1e-5)


@torch.no_grad()
def test_cache_is_laid_out_batch_kv_heads_seq_head_dim(model: DecoderLM) -> None:
    ids = torch.zeros(3, 5, dtype=torch.long)
    _, cache = model.forward_with_cache(
        ids, torch.ones(3, 5, dtype=torch.long), torch.arange(5).expand(3, 5), model.empty_cache(3)
    )
    assert len(cache) == TINY.n_layers
    assert cache[0][0].shape == (3, TINY.n_kv_heads, 5, TINY.head_dim)


def test_heads_that_do_not_divide_are_rejected() -> None:
    with pytest.raises(InvalidConfigError, match="n_kv_heads"):
        LMConfig(d_model=48, n_heads=6, n_kv_heads=4)
