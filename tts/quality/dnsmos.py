"""DNSMOS (Microsoft's non-intrusive speech quality predictor) as a noise alarm, via ``speechmos``.

DNSMOS was trained on human ratings of noisy and denoised speech: it predicts how clean a clip
sounds (SIG: the speech itself, BAK: the background, OVRL: overall, P.808: the older single score),
not whether the words are right. For a voice that imitates espeak-ng it is a relative alarm — a voice
scoring well below its teacher has added hiss, buzz or clicks — and never a MOS to quote as such.
The ``speechmos`` wheel carries the ONNX models and runs them on onnxruntime; it imports librosa
without declaring it, so the ``bench`` extra lists both. Audio is resampled to the 16 kHz DNSMOS
expects; clips shorter than its 9 s window are repeated by ``speechmos`` to fill it.

Example::

    >>> dnsmos_scores(audio, 22050).overall                           # doctest: +SKIP
    2.41
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from math import gcd

import numpy as np

from tts.quality.mcd import QualityDependencyError

DNSMOS_RATE = 16000


@dataclass(frozen=True)
class DnsmosScores:
    """The four DNSMOS predictions (1–5, higher is cleaner)."""

    overall: float
    signal: float
    background: float
    p808: float


def dnsmos_scores(audio: np.ndarray, sample_rate: int) -> DnsmosScores:
    """DNSMOS of float audio in [-1, 1] at any sample rate (clipped to the range first)."""
    from scipy.signal import resample_poly

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from speechmos import dnsmos
    except ImportError as error:
        raise QualityDependencyError(
            f"DNSMOS needs speechmos and librosa ({error}); "
            "install them with `pip install 'indic-speech[bench]'`"
        ) from error
    if len(audio) == 0:
        raise ValueError("cannot score empty audio")
    common = gcd(DNSMOS_RATE, sample_rate)
    resampled = resample_poly(np.asarray(audio, np.float64), DNSMOS_RATE // common, sample_rate // common)
    scores = dnsmos.run(np.clip(resampled, -1.0, 1.0).astype(np.float32), DNSMOS_RATE)
    return DnsmosScores(
        float(scores["ovrl_mos"]),
        float(scores["sig_mos"]),
        float(scores["bak_mos"]),
        float(scores["p808_mos"]),
    )
