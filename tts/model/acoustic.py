"""FastSpeech 2-style acoustic model: phoneme tokens (+ language, speaker) → mel spectrogram.

Encoder (FFT blocks over token embeddings plus language and speaker embeddings) → duration, pitch
and energy predictors → length regulator → decoder (FFT blocks over frames) → 80-bin log-mel.
During training the teacher's durations, pitch and energy are fed in (teacher forcing); at inference
the predicted ones are used, durations scaled by ``length_scale`` (>1 speaks slower).

Example::

    >>> import torch
    >>> from tts.model.config import VoiceConfig
    >>> config = VoiceConfig(n_tokens=10, d_model=32, ffn_dim=64, decoder_dim=16, decoder_ffn_dim=32)
    >>> model = AcousticModel(config)
    >>> ids = torch.tensor([[1, 4, 2]])
    >>> out = model(ids, torch.tensor([0]), torch.tensor([0]), torch.ones(1, 3, dtype=torch.bool))
    >>> out.mel.shape[-1]
    80
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tts.model.config import VoiceConfig
from tts.model.length_regulator import regulate_length
from tts.model.transformer import FFTBlock, sinusoid_positions
from tts.model.variance import VariancePredictor


@dataclass
class AcousticOutput:
    """Mel ``[B, F, n_mels]`` with its frame lengths, and the per-token predictions (for the losses)."""

    mel: torch.Tensor
    frame_lengths: torch.Tensor
    log_durations: torch.Tensor
    pitch: torch.Tensor
    energy: torch.Tensor


class AcousticModel(nn.Module):
    """Token ids → log-mel frames, conditioned on a language id and a speaker id."""

    def __init__(self, config: VoiceConfig) -> None:
        super().__init__()
        dim = config.d_model
        self.dim = dim
        self.token_embedding = nn.Embedding(config.n_tokens, dim, padding_idx=0)
        self.language_embedding = nn.Embedding(config.n_languages, dim)
        self.speaker_embedding = nn.Embedding(config.n_speakers, dim)
        self.decoder_dim = config.decoder_dim
        self.encoder = nn.ModuleList(
            FFTBlock(dim, config.n_heads, config.ffn_dim, config.ffn_kernel, config.dropout)
            for _ in range(config.encoder_layers)
        )
        self.to_decoder = nn.Linear(dim, config.decoder_dim)
        self.decoder = nn.ModuleList(
            FFTBlock(
                config.decoder_dim, config.n_heads, config.decoder_ffn_dim, config.ffn_kernel, config.dropout
            )
            for _ in range(config.decoder_layers)
        )
        self.duration_predictor = VariancePredictor(dim, dropout=config.dropout)
        self.pitch_predictor = VariancePredictor(dim, dropout=config.dropout)
        self.energy_predictor = VariancePredictor(dim, dropout=config.dropout)
        self.pitch_embedding = nn.Conv1d(1, dim, 3, padding=1)
        self.energy_embedding = nn.Conv1d(1, dim, 3, padding=1)
        self.decoder_condition = nn.Linear(dim, config.decoder_dim)
        self.mel_norm = nn.LayerNorm(config.decoder_dim)
        self.to_mel = nn.Linear(config.decoder_dim, config.n_mels)

    def forward(
        self,
        tokens: torch.Tensor,
        language: torch.Tensor,
        speaker: torch.Tensor,
        token_mask: torch.Tensor,
        durations: torch.Tensor | None = None,
        pitch: torch.Tensor | None = None,
        energy: torch.Tensor | None = None,
        length_scale: torch.Tensor | float = 1.0,
    ) -> AcousticOutput:
        condition = self.language_embedding(language) + self.speaker_embedding(speaker)
        x = self.token_embedding(tokens) * self.dim**0.5
        x = x + sinusoid_positions(tokens.shape[1], self.dim, tokens.device)[None] + condition[:, None, :]
        for block in self.encoder:
            x = block(x, token_mask)
        log_durations = self.duration_predictor(x, token_mask)
        pitch_prediction = self.pitch_predictor(x, token_mask)
        energy_prediction = self.energy_predictor(x, token_mask)
        if durations is None:
            if isinstance(length_scale, torch.Tensor):
                length_scale = length_scale.reshape(-1, 1)  # one pace per item, [B] → [B, 1]
            frames = (torch.exp(log_durations) - 1.0) * length_scale
            durations = torch.round(frames).clamp(min=0) * token_mask.to(frames.dtype)
        pitch_values = pitch_prediction if pitch is None else pitch
        energy_values = energy_prediction if energy is None else energy
        x = x + self.pitch_embedding(pitch_values[:, None, :]).transpose(1, 2)
        x = x + self.energy_embedding(energy_values[:, None, :]).transpose(1, 2)
        frames_states, frame_lengths = regulate_length(self.to_decoder(x), durations)
        frame_count = frames_states.shape[1]
        frame_mask = torch.arange(frame_count, device=tokens.device)[None, :] < frame_lengths[:, None]
        y = frames_states + sinusoid_positions(frame_count, self.decoder_dim, tokens.device)[None]
        y = y + self.decoder_condition(condition)[:, None, :]
        for block in self.decoder:
            y = block(y, frame_mask)
        mel = self.to_mel(self.mel_norm(y)) * frame_mask[..., None].to(y.dtype)
        return AcousticOutput(mel, frame_lengths, log_durations, pitch_prediction, energy_prediction)
