"""Waveform discriminators for adversarial vocoder training: multi-period and multi-resolution.

Spectral losses alone teach a vocoder the magnitude envelope but leave phase and short transients
(stop bursts, frication onsets) smeared: the loss is indifferent to how a frame's energy is laid out
inside the frame. Two discriminator families see exactly that, and together they are what HiFi-GAN,
Vocos and BigVGAN train against:

- :class:`MultiPeriodDiscriminator` (HiFi-GAN) folds the waveform by a prime period p into a 2-D
  ``[T/p, p]`` grid and convolves along time only, so each sub-discriminator judges the periodic
  structure at one scale of the glottal cycle.
- :class:`MultiResolutionDiscriminator` (UnivNet, used by Vocos) judges STFT magnitudes at several
  window lengths, short windows for bursts and long ones for harmonics.

Each forward returns, per sub-discriminator, a score map and the list of its intermediate feature
maps (for the feature-matching loss). Discriminators only exist at training time: they are never
exported, and the runtime never imports this module.

Example::

    >>> import torch
    >>> scores, features = MultiPeriodDiscriminator(channels=(4, 8))(torch.zeros(2, 4096))
    >>> len(scores), scores[0].shape[0], len(features[0])
    (5, 2, 4)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

PERIODS = (2, 3, 5, 7, 11)
RESOLUTIONS = ((2048, 512), (1024, 256), (512, 128))
LEAK = 0.1

Judgement = tuple[list[torch.Tensor], list[list[torch.Tensor]]]
"""Per sub-discriminator: the score map, and the feature maps it computed on the way."""


def _judge(convs: nn.ModuleList, post: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Leaky-ReLU convolution stack then the score layer: the scores ``[B, cells]`` and every
    layer's output (the feature maps that feature matching compares)."""
    features = []
    for conv in convs:
        x = nn.functional.leaky_relu(conv(x), LEAK)
        features.append(x)
    x = post(x)
    features.append(x)
    return x.flatten(1), features


class PeriodDiscriminator(nn.Module):
    """Waveform folded by ``period`` → strided (5, 1) convolutions along time → a score per cell."""

    def __init__(self, period: int, channels: tuple[int, ...]) -> None:
        super().__init__()
        self.period = period
        widths = (1, *channels)
        pairs = zip(widths[:-1], widths[1:], strict=True)
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(a, b, (5, 1), (3, 1), padding=(2, 0))) for a, b in pairs
        )
        self.convs.append(weight_norm(nn.Conv2d(widths[-1], widths[-1], (5, 1), padding=(2, 0))))
        self.post = weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, audio: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = audio[:, None, :]
        remainder = x.shape[-1] % self.period
        if remainder:
            x = nn.functional.pad(x, (0, self.period - remainder), mode="reflect")
        return _judge(self.convs, self.post, x.view(x.shape[0], 1, -1, self.period))


class ResolutionDiscriminator(nn.Module):
    """STFT magnitude at one (n_fft, hop) → 2-D convolutions striding along frequency → scores."""

    window: torch.Tensor

    def __init__(self, n_fft: int, hop: int, channels: int) -> None:
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.convs = nn.ModuleList(
            [
                weight_norm(nn.Conv2d(1, channels, (3, 9), padding=(1, 4))),
                *(
                    weight_norm(nn.Conv2d(channels, channels, (3, 9), (1, 2), padding=(1, 4)))
                    for _ in range(3)
                ),
                weight_norm(nn.Conv2d(channels, channels, (3, 3), padding=(1, 1))),
            ]
        )
        self.post = weight_norm(nn.Conv2d(channels, 1, (3, 3), padding=(1, 1)))

    def forward(self, audio: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        with torch.autocast(audio.device.type, enabled=False):
            spectrum = torch.stft(
                audio.float(), self.n_fft, self.hop, window=self.window, center=True, return_complex=True
            )
        return _judge(self.convs, self.post, spectrum.abs().transpose(1, 2)[:, None])  # [B, 1, frames, bins]


class MultiPeriodDiscriminator(nn.Module):
    """One :class:`PeriodDiscriminator` per period in :data:`PERIODS`."""

    def __init__(self, periods: tuple[int, ...] = PERIODS, channels: tuple[int, ...] = (32, 128, 256, 512)):
        super().__init__()
        self.discriminators = nn.ModuleList(PeriodDiscriminator(p, channels) for p in periods)

    def forward(self, audio: torch.Tensor) -> Judgement:
        judged = [d(audio) for d in self.discriminators]
        return [score for score, _ in judged], [features for _, features in judged]


class MultiResolutionDiscriminator(nn.Module):
    """One :class:`ResolutionDiscriminator` per (n_fft, hop) in :data:`RESOLUTIONS`."""

    def __init__(self, resolutions: tuple[tuple[int, int], ...] = RESOLUTIONS, channels: int = 32) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(ResolutionDiscriminator(n, h, channels) for n, h in resolutions)

    def forward(self, audio: torch.Tensor) -> Judgement:
        judged = [d(audio) for d in self.discriminators]
        return [score for score, _ in judged], [features for _, features in judged]
