"""Mel-cepstral distortion, F0 RMSE and voicing error the way the TTS literature measures them.

Standard MCD (ESPnet's ``evaluate_mcd``, the ``pymcd`` package): a WORLD analysis (``pyworld``:
Harvest F0, CheapTrick spectral envelope) every 5 ms, the envelope turned into an SPTK mel-cepstrum
(``pysptk.sp2mc``, all-pass constant α from ``pysptk.util.mcepalpha``: 0.455 at 22.05 kHz, 0.41 at
16 kHz, 0.466 at 24 kHz), and per frame pair ::

    MCD = 10 / ln 10 · sqrt(2 · Σ_{d=1..24} (c_d − ĉ_d)²)   [dB]

over c1..c24 (c0, the frame's energy, is excluded), averaged over every frame, voiced or not. With
teacher durations forced the frames correspond one to one (:func:`aligned_mcd`); free-running output
is aligned by dynamic time warping first (:func:`dtw_mcd`). The same WORLD F0 gives F0 RMSE (Hz, over
frames voiced in both) and the voicing error (share of frames whose voiced/unvoiced decision differs).

``pyworld`` 0.3.5 and ``pysptk`` 1.0.1 import ``pkg_resources`` at start-up, which setuptools 81 and
later no longer ship; the ``bench`` extra pins ``setuptools<81`` for them.

Example::

    >>> reference = world_features(teacher_audio, 22050)              # doctest: +SKIP
    >>> aligned_mcd(reference, world_features(voice_audio, 22050))    # doctest: +SKIP
    4.83
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from tts.quality.dtw import dtw_path

MCD_SCALE = 10.0 / np.log(10.0) * np.sqrt(2.0)


class QualityDependencyError(ImportError):
    """Raised when the standard metrics' packages (pyworld, pysptk) cannot be imported."""


@dataclass(frozen=True)
class MCDConfig:
    """WORLD and SPTK settings; the defaults are ESPnet's, with order 24 and a 5 ms frame period."""

    order: int = 24
    frame_period_ms: float = 5.0
    f0_floor: float = 40.0
    f0_ceil: float = 800.0
    fft_size: int = 1024


@dataclass(frozen=True)
class WorldFeatures:
    """Per frame: F0 in Hz (0 where unvoiced) and the mel-cepstrum c0..c_order."""

    f0: np.ndarray
    mcep: np.ndarray


def world_and_sptk() -> tuple[ModuleType, ModuleType]:
    """``(pyworld, pysptk)``, or :class:`QualityDependencyError` saying how to install them."""
    try:
        with warnings.catch_warnings():
            # Their ``import pkg_resources`` warns about its own deprecation on every import.
            warnings.simplefilter("ignore", UserWarning)
            import pysptk
            import pyworld
    except ImportError as error:
        raise QualityDependencyError(
            f"standard MCD needs pyworld and pysptk ({error}); install them with "
            "`pip install 'indic-speech[bench]'` (they build from source and need a C compiler; "
            "their `import pkg_resources` needs setuptools<81)"
        ) from error
    return pyworld, pysptk


def world_features(audio: np.ndarray, sample_rate: int, config: MCDConfig = MCDConfig()) -> WorldFeatures:
    """Harvest F0 and CheapTrick envelope → mel-cepstrum, for float audio in [-1, 1] (or int16)."""
    pyworld, pysptk = world_and_sptk()
    signal = np.asarray(audio, np.float64)
    if np.issubdtype(np.asarray(audio).dtype, np.integer):
        signal = signal / 32768.0
    if len(signal) == 0:
        raise ValueError("cannot analyse empty audio")
    f0, times = pyworld.harvest(
        signal,
        sample_rate,
        f0_floor=config.f0_floor,
        f0_ceil=config.f0_ceil,
        frame_period=config.frame_period_ms,
    )
    envelope = pyworld.cheaptrick(signal, f0, times, sample_rate, fft_size=config.fft_size)
    mcep = pysptk.sp2mc(envelope, config.order, pysptk.util.mcepalpha(sample_rate))
    return WorldFeatures(f0.astype(np.float64), mcep)


def frame_distances(reference: np.ndarray, synthesized: np.ndarray) -> np.ndarray:
    """MCD in dB of each frame pair (broadcasting), over c1..c_order."""
    difference = reference[..., 1:] - synthesized[..., 1:]
    return MCD_SCALE * np.sqrt((difference**2).sum(axis=-1))


def aligned_mcd(reference: WorldFeatures, synthesized: WorldFeatures) -> float:
    """Frame-by-frame MCD for output whose timing is the reference's (teacher durations forced).

    The two lengths may differ by the last partial frame or two; the longer one is cut.
    """
    frames = min(len(reference.mcep), len(synthesized.mcep))
    return float(frame_distances(reference.mcep[:frames], synthesized.mcep[:frames]).mean())


def dtw_mcd(reference: WorldFeatures, synthesized: WorldFeatures) -> float:
    """MCD averaged over the frame pairs of the DTW path (free-running output)."""
    return cepstra_dtw_mcd(reference.mcep, synthesized.mcep)


def cepstra_dtw_mcd(reference: np.ndarray, synthesized: np.ndarray) -> float:
    """:func:`dtw_mcd` for any two ``[frames, 1 + order]`` cepstrum sequences (c0 first, left out).

    The one place the DTW-MCD is computed: other cepstra (``bench/tts_fp8_scan.py`` uses DCT cepstra
    of the voice's log-mel, free of WORLD) get the same formula and path, though not figures
    comparable with published MCD."""
    cost = frame_distances(reference[:, None, :], synthesized[None, :, :])
    rows, cols = dtw_path(cost)
    return float(cost[rows, cols].mean())


def f0_errors(reference: WorldFeatures, synthesized: WorldFeatures) -> tuple[float, float]:
    """``(F0 RMSE in Hz over frames voiced in both, voicing error)`` on aligned frames.

    The RMSE is NaN when no frame is voiced in both.
    """
    frames = min(len(reference.f0), len(synthesized.f0))
    ref, syn = reference.f0[:frames], synthesized.f0[:frames]
    both = (ref > 0) & (syn > 0)
    rmse = float(np.sqrt(np.mean((ref[both] - syn[both]) ** 2))) if both.any() else float("nan")
    return rmse, float(np.mean((ref > 0) != (syn > 0)))


def audio_dtw_mcd(reference: np.ndarray, synthesized: np.ndarray, sample_rate: int = 22050) -> float:
    """DTW-MCD between two waveforms at ``sample_rate`` (a one-call form of :func:`dtw_mcd`)."""
    return dtw_mcd(world_features(reference, sample_rate), world_features(synthesized, sample_rate))
