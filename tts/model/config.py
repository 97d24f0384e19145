"""Hyper-parameters of a voice, one dataclass shared by training, export and the voice card.

The defaults give 10.8M parameters (acoustic model + vocoder), inside the 10–25M the design
asks for. Most of them sit in the encoder, which runs once per token; the decoder and vocoder run
once per 11.6 ms frame, so they are kept narrow: that is what the real-time factor on two CPU cores
pays for. The vocoder's STFT is 512 points (23 ms at 22.05 kHz, hop 256): half the cost of a
1024-point inverse transform per frame, and enough resolution for speech; the mel features keep
their own 1024-point analysis.

Example::

    >>> VoiceConfig(n_tokens=166).hop_length
    256
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class VoiceConfig:
    """Sizes of the acoustic model and vocoder; the same names appear in the card and the CLI."""

    n_tokens: int
    n_languages: int = 11
    n_speakers: int = 4
    d_model: int = 256
    n_heads: int = 2
    encoder_layers: int = 4
    decoder_layers: int = 4
    decoder_dim: int = 128
    decoder_ffn_dim: int = 512
    ffn_dim: int = 1280
    ffn_kernel: int = 3
    dropout: float = 0.1
    n_mels: int = 80
    sample_rate: int = 22050
    vocoder_n_fft: int = 512
    hop_length: int = 256
    vocoder_dim: int = 256
    vocoder_intermediate: int = 768
    vocoder_layers: int = 4

    def to_json(self) -> dict:
        return asdict(self)
