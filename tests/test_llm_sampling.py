"""Choosing the next token: greedy, temperature, top-k and top-p behave as their definitions say."""

from __future__ import annotations

import numpy as np
import pytest

from llm.sampling import InvalidSamplingError, SamplingSettings, choose_next, filtered_probabilities

LOGITS = np.log(np.array([[0.1, 0.4, 0.2, 0.3]]))


def test_greedy_takes_the_most_likely_token() -> None:
    assert choose_next(LOGITS, SamplingSettings(greedy=True), np.random.default_rng(0)).tolist() == [1]


def test_top_k_keeps_only_the_k_most_likely_tokens() -> None:
    probs = filtered_probabilities(LOGITS, SamplingSettings(temperature=1.0, top_k=2, top_p=1.0))
    assert np.flatnonzero(probs[0]).tolist() == [1, 3]
    assert probs.sum() == pytest.approx(1.0)


def test_top_p_keeps_the_smallest_set_reaching_p() -> None:
    probs = filtered_probabilities(LOGITS, SamplingSettings(temperature=1.0, top_k=0, top_p=0.65))
    assert np.flatnonzero(probs[0]).tolist() == [1, 3]
    assert probs[0, 1] == pytest.approx(0.4 / 0.7)


def test_low_temperature_sharpens_the_distribution() -> None:
    cold = filtered_probabilities(LOGITS, SamplingSettings(temperature=0.1, top_k=0, top_p=1.0))
    assert cold[0, 1] > 0.9


def test_sampling_follows_the_probabilities_and_never_picks_a_removed_token() -> None:
    rng = np.random.default_rng(0)
    settings = SamplingSettings(temperature=1.0, top_k=3, top_p=1.0)
    draws = np.array([choose_next(np.repeat(LOGITS, 64, axis=0), settings, rng) for _ in range(50)]).ravel()
    counts = np.bincount(draws, minlength=4) / draws.size
    assert counts[0] == 0
    assert counts[1] == pytest.approx(0.4 / 0.9, abs=0.03)


@pytest.mark.parametrize("settings", [{"temperature": 0.0}, {"top_p": 0.0}, {"top_p": 1.5}, {"top_k": -1}])
def test_settings_that_select_nothing_are_rejected(settings: dict) -> None:
    with pytest.raises(InvalidSamplingError):
        SamplingSettings(**settings)
