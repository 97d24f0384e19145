"""The whole voice as one module — tokens in, waveform out — which is what gets exported to ONNX.

One graph (acoustic model → vocoder) keeps the runtime to a single ``InferenceSession.run`` per
batch, as a Piper voice does. Inputs: ``tokens [B, T]`` (0 = padding), ``token_lengths [B]``,
``language [B]``, ``speaker [B]``, ``length_scale [B]`` (one pace per item); outputs ``audio [B, S]`` and
``audio_lengths [B]`` (samples of each item; the rest of a row is padding). ``durations [B, T]`` (frames
per token), when given, replace the predicted ones: the quality benchmark drives a voice with its
teacher's durations that way, so that its frames line up with the teacher's one to one.

Example::

    >>> import torch
    >>> from tts.model.config import VoiceConfig
    >>> cfg = VoiceConfig(n_tokens=10, d_model=32, ffn_dim=64, encoder_layers=1, decoder_layers=1,
    ...                   vocoder_dim=32, vocoder_intermediate=64, vocoder_layers=1)
    >>> audio, lengths = VoiceModel(cfg).eval()(torch.tensor([[1, 4, 2]]), torch.tensor([3]),
    ...     torch.tensor([0]), torch.tensor([0]), torch.tensor([1.0]))
    >>> audio.shape[0], lengths.shape
    (1, torch.Size([1]))
"""

from __future__ import annotations

import torch
from torch import nn

from tts.model.acoustic import AcousticModel
from tts.model.config import VoiceConfig
from tts.model.vocoder import VocosVocoder


class VoiceModel(nn.Module):
    """Acoustic model + vocoder; ``forward`` is the exported inference path."""

    def __init__(self, config: VoiceConfig) -> None:
        super().__init__()
        self.config = config
        self.acoustic = AcousticModel(config)
        self.vocoder = VocosVocoder(config)

    def forward(
        self,
        tokens: torch.Tensor,
        token_lengths: torch.Tensor,
        language: torch.Tensor,
        speaker: torch.Tensor,
        length_scale: torch.Tensor,
        durations: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        token_mask = torch.arange(tokens.shape[1], device=tokens.device)[None, :] < token_lengths[:, None]
        out = self.acoustic(
            tokens, language, speaker, token_mask, durations=durations, length_scale=length_scale
        )
        frame_mask = (
            torch.arange(out.mel.shape[1], device=tokens.device)[None, :] < out.frame_lengths[:, None]
        )
        audio = self.vocoder(out.mel.transpose(1, 2), frame_mask)
        return audio, out.frame_lengths * self.config.hop_length

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
