"""Training-time augmentation of the phoneme recognizer: standard ASR perturbations, on the device.

The recognizer exists to judge *which phonemes are heard*, and the voice it judges never sounds
exactly like the teacher it learned from. A recognizer that only ever heard the teacher's exact
timbre, tempo and pitch counts every vocoder artefact as a mispronunciation, so the voice-vs-teacher
PER ratio would measure timbre. Four perturbations, as in common ASR recipes, widen what it accepts:

- :func:`speed_perturb` — Kaldi-style speed perturbation (Ko et al., 2015): the waveform resampled
  by one factor in 0.9–1.1 per batch, which moves tempo and pitch together;
- :func:`add_noise` — white noise at a random 15–40 dB SNR per utterance;
- :func:`warp_frequency` — a vocal-tract-length-style warp of the mel axis by 0.9–1.1 per utterance
  (Jaitly & Hinton, 2013), which moves formants and harmonics without touching tempo;
- :func:`spec_augment` — SpecAugment frequency and time masks (Park et al., 2019).

Every function leaves frames beyond an item's length as they were (padding stays padding). Never
train the recognizer on any voice's output: it would then learn that voice's mistakes as correct.

Example::

    >>> import torch
    >>> audio, lengths = speed_perturb(torch.zeros(2, 22050), torch.tensor([22050, 11025]), 1.1)
    >>> audio.shape[1], lengths.tolist()
    (20045, [20045, 10022])
"""

from __future__ import annotations

import random

import torch
from torch.nn import functional

SNR_DB = (15.0, 40.0)
SPEED_FACTORS = (0.9, 1.0, 1.1)
WARP_RANGE = (0.9, 1.1)


def random_speed() -> float:
    """One of :data:`SPEED_FACTORS`, as Kaldi's recipes pick them (a third of batches unchanged)."""
    return random.choice(SPEED_FACTORS)


def speed_perturb(
    audio: torch.Tensor, lengths: torch.Tensor, factor: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """``audio [B, S]`` played ``factor`` times faster (linear resampling), and the new lengths.

    One factor for the whole batch keeps the padding at the end of each row."""
    if factor == 1.0:
        return audio, lengths
    samples = int(audio.shape[1] / factor)
    resampled = functional.interpolate(audio[:, None], size=samples, mode="linear", align_corners=False)
    return resampled[:, 0], torch.div(lengths, factor, rounding_mode="floor").long().clamp(min=1)


def add_noise(audio: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """White noise at a random SNR per utterance (measured over its own samples)."""
    mask = torch.arange(audio.shape[1], device=audio.device)[None] < lengths[:, None]
    power = (audio**2).sum(1) / lengths.clamp(min=1)
    snr = torch.empty(len(audio), device=audio.device).uniform_(*SNR_DB)
    scale = torch.sqrt(power / 10 ** (snr / 10))
    return audio + torch.randn_like(audio) * scale[:, None] * mask


def warp_frequency(features: torch.Tensor) -> torch.Tensor:
    """Stretch or squeeze each utterance's mel axis ``[B, bins, T]`` by a random factor in
    :data:`WARP_RANGE` (bin ``i`` takes the value at ``i / factor``, the top bin clamped)."""
    batch, bins, _ = features.shape
    factor = torch.empty(batch, device=features.device).uniform_(*WARP_RANGE)
    source = (torch.arange(bins, device=features.device)[None] / factor[:, None]).clamp(max=bins - 1)
    low = source.floor().long()
    high = (low + 1).clamp(max=bins - 1)
    weight = (source - low)[:, :, None]

    def pick(index: torch.Tensor) -> torch.Tensor:
        return features.gather(1, index[:, :, None].expand_as(features))

    return pick(low) * (1 - weight) + pick(high) * weight


def spec_augment(features: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """Two frequency masks (≤ 10 bins) and time masks (≤ 12 frames, one per 100 frames), set to zero."""
    batch, bins, length = features.shape
    device = features.device

    def masked(size: int, limit: torch.Tensor, count: int, widest: int) -> torch.Tensor:
        # At most a quarter of a short utterance's frames (or bins) is masked in all.
        width = torch.randint(0, widest + 1, (batch, count), device=device)
        width = torch.minimum(width, (limit // (4 * count))[:, None])
        start = (torch.rand(batch, count, device=device) * (limit[:, None] - width + 1)).long()
        index = torch.arange(size, device=device)[None, None]
        return ((index >= start[..., None]) & (index < (start + width)[..., None])).any(1)

    full = torch.full((batch,), bins, device=device)
    in_frequency = masked(bins, full, 2, 10)
    in_time = masked(length, frames.to(device), max(1, length // 100), 12)
    return features.masked_fill(in_frequency[:, :, None] | in_time[:, None, :], 0.0)
