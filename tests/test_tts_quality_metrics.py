"""Quality metrics: standard MCD (WORLD + SPTK), DTW, F0/voicing errors, PER and DNSMOS."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tts.quality.dtw import dtw_path
from tts.quality.mcd import (
    MCD_SCALE,
    QualityDependencyError,
    WorldFeatures,
    aligned_mcd,
    cepstra_dtw_mcd,
    dtw_mcd,
    f0_errors,
    frame_distances,
    world_and_sptk,
    world_features,
)
from tts.quality.per import edit_distance, edit_operations, phoneme_error_rate

RATE = 22050


@pytest.fixture(scope="module")
def sptk() -> object:
    """pysptk (with pyworld importable), or skip: both come with the ``bench`` extra."""
    try:
        return world_and_sptk()[1]
    except QualityDependencyError as error:
        pytest.skip(str(error))


def _vowel_like(
    seconds: float = 0.6, f0: float = 140.0, formants: tuple[float, ...] = (700, 1200)
) -> np.ndarray:
    """A pulse train through two resonators: a crude voiced vowel with a known spectral envelope."""
    from scipy.signal import lfilter

    n = int(seconds * RATE)
    source = np.zeros(n)
    source[:: int(RATE / f0)] = 1.0
    signal = source
    for formant in formants:
        r, theta = 0.97, 2 * np.pi * formant / RATE
        signal = lfilter([1.0], [1.0, -2 * r * np.cos(theta), r * r], signal)
    return 0.3 * signal / np.abs(signal).max()


def test_sp2mc_of_a_one_pole_envelope_is_the_closed_form_warped_cepstrum(sptk: object) -> None:
    # H(z) = 1 / (1 − a z⁻¹) under z̃⁻¹ = (z⁻¹ − α) / (1 − α z⁻¹) is (1 + α z̃⁻¹) / ((1 − aα)(1 − b z̃⁻¹)),
    # b = (a − α) / (1 − aα), so its mel-cepstrum is c̃0 = −ln(1 − aα), c̃n = (bⁿ − (−α)ⁿ) / n.
    a, alpha = 0.6, sptk.util.mcepalpha(RATE)  # type: ignore[attr-defined]
    assert alpha == pytest.approx(0.455)
    omega = np.linspace(0, np.pi, 513)
    power = np.abs(1 / (1 - a * np.exp(-1j * omega))) ** 2
    b, n = (a - alpha) / (1 - a * alpha), np.arange(1, 25)
    expected = np.concatenate([[-np.log(1 - a * alpha)], (b**n - (-alpha) ** n) / n])
    np.testing.assert_allclose(sptk.sp2mc(power[None], 24, alpha)[0], expected, atol=1e-12)  # type: ignore[attr-defined]


def test_mcd_formula_is_ten_over_ln10_times_root_two_sum_of_squares_without_c0() -> None:
    a, b = np.zeros(25), np.zeros(25)
    b[0], b[3] = 5.0, 0.1
    assert frame_distances(a, b) == pytest.approx(10 / np.log(10) * np.sqrt(2 * 0.1**2))
    assert MCD_SCALE == pytest.approx(6.1418, abs=1e-4)


@pytest.mark.usefixtures("sptk")
def test_world_mel_cepstra_have_order_24_at_a_5_ms_frame_period() -> None:
    features = world_features(_vowel_like(0.5), RATE)
    assert features.mcep.shape == (len(features.f0), 25)
    assert abs(len(features.f0) - 0.5 / 0.005) <= 2
    assert np.median(features.f0[features.f0 > 0]) == pytest.approx(140, rel=0.05)


@pytest.mark.usefixtures("sptk")
def test_mcd_is_zero_for_the_same_audio_and_ignores_loudness() -> None:
    vowel = _vowel_like()
    reference = world_features(vowel, RATE)
    assert aligned_mcd(reference, world_features(vowel, RATE)) == 0.0
    # A gain moves only c0 (the frame energy), which MCD leaves out.
    assert aligned_mcd(reference, world_features(0.25 * vowel, RATE)) < 0.05


@pytest.mark.usefixtures("sptk")
def test_mcd_grows_when_the_envelope_changes() -> None:
    reference = world_features(_vowel_like(formants=(700, 1200)), RATE)
    near = aligned_mcd(reference, world_features(_vowel_like(formants=(730, 1250)), RATE))
    far = aligned_mcd(reference, world_features(_vowel_like(formants=(300, 2300)), RATE))
    assert 0.3 < near < far and far > 5.0


@pytest.mark.usefixtures("sptk")
def test_dtw_mcd_forgives_timing_that_aligned_mcd_punishes() -> None:
    a = world_features(
        np.concatenate([_vowel_like(0.3, formants=(700, 1200)), _vowel_like(0.3, formants=(300, 2300))]), RATE
    )
    stretched = world_features(
        np.concatenate([_vowel_like(0.45, formants=(700, 1200)), _vowel_like(0.3, formants=(300, 2300))]),
        RATE,
    )
    assert dtw_mcd(a, stretched) < 0.5 * aligned_mcd(a, stretched)


def test_cepstra_dtw_mcd_is_dtw_mcd_for_any_cepstra_and_the_mcd_formula_along_the_path() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 25)), rng.normal(size=(41, 25))
    assert cepstra_dtw_mcd(a, b) == dtw_mcd(WorldFeatures(np.zeros(30), a), WorldFeatures(np.zeros(41), b))
    # 10 / ln 10 · sqrt(2 Σ Δc²) over c1..c24, written out, averaged along the DTW path of that cost.
    cost = 10 / np.log(10) * np.sqrt(2 * ((a[:, None, 1:] - b[None, :, 1:]) ** 2).sum(-1))
    rows, cols = dtw_path(cost)
    assert cepstra_dtw_mcd(a, b) == pytest.approx(cost[rows, cols].mean(), rel=1e-12)
    assert cepstra_dtw_mcd(a, a) == 0.0


def _reference_dtw_cost(cost: np.ndarray) -> float:
    """The textbook O(n·m) recursion, one cell at a time."""
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i, j in itertools.product(range(1, n + 1), range(1, m + 1)):
        total[i, j] = cost[i - 1, j - 1] + min(total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])
    return float(total[n, m])


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (6, 1), (5, 9), (12, 8), (20, 20)])
def test_vectorized_dtw_finds_the_reference_optimum_along_a_monotonic_path(shape: tuple[int, int]) -> None:
    cost = np.random.default_rng(sum(shape)).random(shape)
    rows, cols = dtw_path(cost)
    assert (rows[0], cols[0], rows[-1], cols[-1]) == (0, 0, shape[0] - 1, shape[1] - 1)
    steps = np.stack([np.diff(rows), np.diff(cols)], axis=1)
    assert all(tuple(step) in {(1, 1), (1, 0), (0, 1)} for step in steps)
    assert cost[rows, cols].sum() == pytest.approx(_reference_dtw_cost(cost))


def test_dtw_refuses_an_empty_sequence() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        dtw_path(np.zeros((0, 3)))


def test_f0_rmse_counts_frames_voiced_in_both_and_voicing_error_counts_disagreements() -> None:
    mcep = np.zeros((4, 25))
    reference = WorldFeatures(np.array([100.0, 100.0, 0.0, 0.0]), mcep)
    synthesized = WorldFeatures(np.array([110.0, 0.0, 0.0, 120.0]), mcep)
    assert f0_errors(reference, synthesized) == (pytest.approx(10.0), pytest.approx(0.5))
    rmse, voicing = f0_errors(reference, WorldFeatures(np.zeros(4), mcep))
    assert np.isnan(rmse) and voicing == 0.5


def test_edit_distance_counts_substitutions_insertions_and_deletions() -> None:
    assert edit_distance("kat", "kat") == 0
    assert edit_distance(["k", "a", "t"], ["g", "a", "t"]) == 1
    assert edit_distance(["k", "a", "t"], ["k", "t"]) == 1
    assert edit_distance(["k", "a", "t"], ["k", "a", "a", "t", "s"]) == 2
    assert edit_distance([], ["a", "b"]) == 2


def test_edit_operations_name_each_substitution_deletion_and_insertion() -> None:
    assert edit_operations(["k", "a", "t"], ["k", "a", "t"]) == []
    assert edit_operations(["k", "a", "t"], ["g", "a"]) == [("k", "g"), ("t", None)]
    assert edit_operations(["k", "a"], ["k", "a", "s"]) == [(None, "s")]
    assert edit_operations([], ["a"]) == [(None, "a")]


def test_edit_operations_are_as_many_as_the_edit_distance() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        reference = list(rng.choice(list("abcd"), rng.integers(0, 10)))
        hypothesis = list(rng.choice(list("abcd"), rng.integers(0, 10)))
        operations = edit_operations(reference, hypothesis)
        assert len(operations) == edit_distance(reference, hypothesis)
        # In order: the phonemes named come from the reference and the hypothesis as subsequences.
        named_reference = iter(reference)
        named_hypothesis = iter(hypothesis)
        assert all(r in named_reference for r, _ in operations if r is not None)
        assert all(h in named_hypothesis for _, h in operations if h is not None)


def test_phoneme_error_rate_pools_edits_over_reference_phonemes() -> None:
    assert phoneme_error_rate([["a", "b", "c", "d"], ["e"]], [["a", "b", "c", "d"], []]) == pytest.approx(0.2)
    assert phoneme_error_rate([["a"]], [["b", "c", "d"]]) == 3.0
    with pytest.raises(ValueError, match="2 references but 1"):
        phoneme_error_rate([["a"], ["b"]], [["a"]])
    with pytest.raises(ValueError, match="at least one"):
        phoneme_error_rate([[]], [[]])


@pytest.mark.slow
def test_dnsmos_scores_a_vowel_above_the_same_vowel_drowned_in_noise() -> None:
    pytest.importorskip("speechmos", reason="DNSMOS needs the bench extra")
    pytest.importorskip("librosa", reason="speechmos imports librosa")
    from tts.quality.dnsmos import dnsmos_scores

    vowel = _vowel_like(2.0)
    noisy = vowel + np.random.default_rng(0).normal(0, 0.1, len(vowel))
    clean_score, noisy_score = dnsmos_scores(vowel, RATE), dnsmos_scores(noisy, RATE)
    assert 1.0 <= noisy_score.background < clean_score.background <= 5.0
    with pytest.raises(ValueError, match="empty"):
        dnsmos_scores(np.zeros(0), RATE)
