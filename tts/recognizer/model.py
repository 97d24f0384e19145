"""The phoneme recognizer: log-mel → convolutions → bidirectional GRU → CTC over the phoneme inventory.

Its output alphabet is the voice's own token table (``tts/frontend/phoneme_inventory.json``), so a
recognized sequence compares directly with the front end's phonemes. Only tokens that take time in
speech are targets (:func:`tts.frontend.phonemize.is_phoneme`): stress marks, word boundaries and
pauses have no sound of their own. The padding id 0 is the CTC blank.

Frames are those of the voice (22.05 kHz, hop 256, 11.6 ms) with no subsampling: espeak's shortest
phonemes last one or two frames, and CTC needs a blank between two equal neighbours (geminates), so
halving the frame rate would make some label sequences impossible to emit. Each utterance's log-mel
is mean- and variance-normalized over its own frames, so a voice that is quieter or brighter than the
teacher is not scored as mispronouncing. The language id is added to the features: Hindi and Marathi
share a script and most phonemes, and the recognizer may use the prior of each language's phonotactics
just as the voice does.

Example::

    >>> model = PhonemeRecognizer(RecognizerConfig(n_tokens=166, n_languages=11, hidden=32, layers=1))
    >>> import torch
    >>> logits, frames = model(torch.zeros(1, 22050), torch.tensor([22050]), torch.tensor([2]))
    >>> logits.shape, int(frames[0])
    (torch.Size([1, 86, 166]), 86)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from tts.data.prosody import HOP
from tts.frontend.inventory import PAD, Inventory
from tts.frontend.phonemize import is_phoneme
from tts.model.mel import LogMel

BLANK = 0


@dataclass(frozen=True)
class RecognizerConfig:
    """Sizes of the recognizer; the training card and the checkpoint store the same fields."""

    n_tokens: int
    n_languages: int
    n_mels: int = 80
    channels: int = 256
    hidden: int = 256
    layers: int = 3
    dropout: float = 0.1

    def to_json(self) -> dict[str, int | float]:
        return asdict(self)


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence of ``x`` ``[B, T, C]`` over its first ``lengths[b]`` steps; padding stays put."""
    steps = torch.arange(x.shape[1], device=x.device)[None]
    lengths = lengths.to(x.device)[:, None]
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    return x.gather(1, index[..., None].expand_as(x))


class BidirectionalGRU(nn.Module):
    """Stacked bidirectional GRU over padded batches, exact per item without packed sequences.

    The forward direction never sees the padding after an item; the backward direction runs on each
    item reversed within its own length, so it starts at the item's last frame, not in the padding.
    ``nn.GRU`` with packed sequences gives the same, but on the CPU its backward pass is quadratic in
    the length (every time step's slice of the packed data gets a full-size zero gradient), which
    made a CPU training step take minutes.
    """

    def __init__(self, size: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        sizes = [size, *[2 * hidden] * (layers - 1)]
        self.forward_layers = nn.ModuleList(nn.GRU(s, hidden, batch_first=True) for s in sizes)
        self.backward_layers = nn.ModuleList(nn.GRU(s, hidden, batch_first=True) for s in sizes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for index, (ahead, behind) in enumerate(zip(self.forward_layers, self.backward_layers, strict=True)):
            if index:
                x = self.dropout(x)
            backward, _ = behind(reverse_within_lengths(x, lengths))
            x = torch.cat([ahead(x)[0], reverse_within_lengths(backward, lengths)], dim=-1)
        return x


def frame_counts(audio_lengths: torch.Tensor) -> torch.Tensor:
    """Frames per utterance (one per hop of the voice, at least one) for ``audio_lengths`` samples."""
    return torch.div(audio_lengths, HOP, rounding_mode="floor").clamp(min=1)


class PhonemeRecognizer(nn.Module):
    """audio ``[B, S]`` (22.05 kHz, [-1, 1]) + lengths + language → CTC logits ``[B, S // 256, n_tokens]``."""

    def __init__(self, config: RecognizerConfig) -> None:
        super().__init__()
        self.config = config
        self.log_mel = LogMel(n_mels=config.n_mels)
        self.convolutions = nn.ModuleList(
            nn.Conv1d(size, config.channels, 5, padding=2) for size in (config.n_mels, config.channels)
        )
        self.language = nn.Embedding(config.n_languages, config.channels)
        self.rnn = BidirectionalGRU(config.channels, config.hidden, config.layers, config.dropout)
        self.head = nn.Linear(2 * config.hidden, config.n_tokens)

    def features(self, audio: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
        """Log-mel ``[B, n_mels, T]`` normalized per utterance over its valid frames (padding zeroed).

        The audio gets half a window of zeros at its end, so an item's last frames see zeros after it
        whether it is alone (the STFT would reflect its own end) or padded in a batch."""
        mel = self.log_mel(nn.functional.pad(audio, (0, self.log_mel.n_fft // 2)))[
            ..., : audio.shape[-1] // HOP
        ]
        mask = (torch.arange(mel.shape[-1], device=mel.device)[None] < frames[:, None])[:, None]
        count = frames.clamp(min=1)[:, None, None].to(mel.dtype)
        mean = (mel * mask).sum(-1, keepdim=True) / count
        centered = (mel - mean) * mask
        std = torch.sqrt((centered**2).sum((1, 2), keepdim=True) / (count * mel.shape[1]) + 1e-5)
        return centered / std

    def forward(
        self, audio: torch.Tensor, audio_lengths: torch.Tensor, language: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        frames = frame_counts(audio_lengths)
        return self.encode(self.features(audio, frames), frames, language), frames

    def encode(self, features: torch.Tensor, frames: torch.Tensor, language: torch.Tensor) -> torch.Tensor:
        """Normalized log-mel ``[B, n_mels, T]`` → logits ``[B, T, n_tokens]`` (training masks it first)."""
        # Zeroing the padding after each convolution keeps an item's last frames independent of it.
        mask = (torch.arange(features.shape[-1], device=features.device)[None] < frames[:, None])[:, None]
        x = features
        for convolution in self.convolutions:
            x = nn.functional.gelu(convolution(x)) * mask
        x = x.transpose(1, 2) + self.language(language)[:, None]
        out = self.rnn(x, frames)
        return self.head(out)


def phoneme_target_mask(inventory: Inventory) -> np.ndarray:
    """Boolean over token ids: True for the ids the recognizer must emit (phonemes, not marks)."""
    return np.array([token != PAD and is_phoneme(token) for token in inventory.tokens])


def greedy_decode(logits: torch.Tensor, frames: torch.Tensor) -> list[list[int]]:
    """Best path per item: the argmax ids with repeats collapsed and blanks removed."""
    best = logits.argmax(-1).cpu().numpy()
    decoded = []
    for row, count in zip(best, frames.cpu().numpy(), strict=True):
        path = row[: int(count)]
        keep = np.ones(len(path), bool)
        keep[1:] = path[1:] != path[:-1]
        decoded.append([int(i) for i in path[keep] if i != BLANK])
    return decoded


@torch.no_grad()
def transcribe(model: PhonemeRecognizer, audio: np.ndarray, language: int) -> list[int]:
    """Recognized phoneme ids of one utterance (float audio in [-1, 1] at 22.05 kHz, or int16)."""
    signal = np.asarray(audio, np.float32)
    if np.issubdtype(np.asarray(audio).dtype, np.integer):
        signal = signal / 32768.0
    logits, frames = model(
        torch.from_numpy(signal)[None], torch.tensor([len(signal)]), torch.tensor([language])
    )
    return greedy_decode(logits, frames)[0]
