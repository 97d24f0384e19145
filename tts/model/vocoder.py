"""Vocos-style vocoder: log-mel → ConvNeXt blocks → STFT magnitude and phase → inverse STFT.

Vocos predicts the spectrum at the mel frame rate and lets a fixed inverse STFT make the waveform,
so there is no stack of upsampling convolutions: it is several times cheaper than HiFi-GAN at equal
quality, which is what a 2-core CPU needs. The inverse STFT is :class:`ConvTransposeISTFT`.

Example::

    >>> import torch
    >>> from tts.model.config import VoiceConfig
    >>> voc = VocosVocoder(VoiceConfig(n_tokens=1, vocoder_dim=32, vocoder_intermediate=64, vocoder_layers=1))
    >>> voc(torch.zeros(1, 80, 10)).shape
    torch.Size([1, 2560])
"""

from __future__ import annotations

import torch
from torch import nn

from tts.model.config import VoiceConfig
from tts.model.istft import ConvTransposeISTFT


class ConvNeXtBlock(nn.Module):
    """Depthwise conv (k=7) → LayerNorm → pointwise MLP with GELU → layer scale, residual."""

    def __init__(self, dim: int, intermediate: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv1d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, intermediate)
        self.down = nn.Linear(intermediate, dim)
        self.scale = nn.Parameter(torch.full((dim,), 1.0 / 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.depthwise(x).transpose(1, 2))
        h = self.down(nn.functional.gelu(self.up(h))) * self.scale
        return x + h.transpose(1, 2)


class VocosVocoder(nn.Module):
    """``mel [B, n_mels, F]`` → audio ``[B, F·hop]`` in [-1, 1]."""

    def __init__(self, config: VoiceConfig) -> None:
        super().__init__()
        dim = config.vocoder_dim
        self.bins = config.vocoder_n_fft // 2 + 1
        self.embed = nn.Conv1d(config.n_mels, dim, 7, padding=3)
        self.embed_norm = nn.LayerNorm(dim)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock(dim, config.vocoder_intermediate) for _ in range(config.vocoder_layers)
        )
        self.final_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 2 * self.bins)
        self.istft = ConvTransposeISTFT(config.vocoder_n_fft, config.hop_length)

    def forward(self, mel: torch.Tensor, frame_mask: torch.Tensor | None = None) -> torch.Tensor:
        """``frame_mask [B, F]`` zeroes padded frames after every layer: convolutions then see the same
        zeros a lone item sees past its end, so batching never changes an item's audio."""
        keep = 1.0 if frame_mask is None else frame_mask[:, None, :].to(mel.dtype)
        x = self.embed_norm(self.embed(mel).transpose(1, 2)).transpose(1, 2) * keep
        for block in self.blocks:
            x = block(x) * keep
        spectrum = self.head(self.final_norm(x.transpose(1, 2))).transpose(1, 2)
        log_magnitude, phase = spectrum[:, : self.bins], spectrum[:, self.bins :]
        magnitude = torch.exp(log_magnitude.clamp(max=7.0))
        audio = self.istft(magnitude * torch.cos(phase), magnitude * torch.sin(phase), frame_mask)
        return audio.clamp(-1.0, 1.0)
