"""Training losses: masked acoustic losses, the vocoder's multi-resolution STFT loss, and the
least-squares adversarial and feature-matching losses of its adversarial fine-tuning.

The joint voice training has no discriminator: the vocoder learns from spectral convergence +
log-magnitude distance at three resolutions plus a mel L1, the recipe of Parallel WaveGAN's
auxiliary loss. That leaves phase and transients smeared, so a second stage
(:mod:`tts.vocoder_adversarial`) fine-tunes the vocoder against discriminators with HiFi-GAN's
objective: least-squares GAN losses summed over sub-discriminators, feature matching (L1 between
the discriminators' feature maps of real and generated audio), and the mel L1 weighted 45.

Example::

    >>> import torch
    >>> float(multi_resolution_stft_loss(torch.zeros(1, 4096), torch.zeros(1, 4096))) < 1e-3
    True
"""

from __future__ import annotations

import torch

RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))


def masked_l1(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over positions where ``mask`` is True (mask broadcasts over trailing dims)."""
    while mask.dim() < prediction.dim():
        mask = mask[..., None]
    weight = mask.to(prediction.dtype).expand_as(prediction)
    return ((prediction - target).abs() * weight).sum() / weight.sum().clamp(min=1.0)


def masked_mse(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over positions where ``mask`` is True."""
    weight = mask.to(prediction.dtype)
    return (((prediction - target) ** 2) * weight).sum() / weight.sum().clamp(min=1.0)


def multi_resolution_stft_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1, averaged over :data:`RESOLUTIONS`."""
    total = prediction.new_zeros(())
    for n_fft, hop in RESOLUTIONS:
        window = torch.hann_window(n_fft, device=prediction.device)
        pred = torch.stft(prediction.float(), n_fft, hop, window=window, return_complex=True).abs() + 1e-7
        true = torch.stft(target.float(), n_fft, hop, window=window, return_complex=True).abs() + 1e-7
        convergence = torch.linalg.norm(true - pred) / torch.linalg.norm(true).clamp(min=1e-7)
        total = total + convergence + (pred.log() - true.log()).abs().mean()
    return total / len(RESOLUTIONS)


def discriminator_loss(real_scores: list[torch.Tensor], fake_scores: list[torch.Tensor]) -> torch.Tensor:
    """Least-squares GAN loss of the discriminators: real → 1, generated → 0, summed over them."""
    pairs = zip(real_scores, fake_scores, strict=True)
    terms = (((1 - real) ** 2).mean() + (fake**2).mean() for real, fake in pairs)
    return sum(terms, real_scores[0].new_zeros(()))


def generator_adversarial_loss(fake_scores: list[torch.Tensor]) -> torch.Tensor:
    """Least-squares GAN loss of the generator: its audio should be scored 1 by every discriminator."""
    return sum((((1 - fake) ** 2).mean() for fake in fake_scores), fake_scores[0].new_zeros(()))


def feature_matching_loss(
    real_features: list[list[torch.Tensor]], fake_features: list[list[torch.Tensor]]
) -> torch.Tensor:
    """L1 between real and generated feature maps, layer by layer, summed (real ones detached)."""
    total = real_features[0][0].new_zeros(())
    for real_maps, fake_maps in zip(real_features, fake_features, strict=True):
        for real, fake in zip(real_maps, fake_maps, strict=True):
            total = total + (real.detach() - fake).abs().mean()
    return total
