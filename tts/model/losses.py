"""Training losses: masked acoustic losses and the vocoder's multi-resolution STFT loss.

Without a discriminator (no time for GAN training in one short GPU run) the vocoder learns from
spectral convergence + log-magnitude distance at three resolutions plus a mel L1, the recipe of
Parallel WaveGAN's auxiliary loss; it is enough for intelligible speech from clean teacher audio.

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
