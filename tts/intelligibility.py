"""An intelligibility loss for voice training: a frozen phoneme recognizer must hear the right phonemes.

The spectral losses (mel L1, multi-resolution STFT) average over every frame and frequency, and the
phonemes a voice loses are exactly the short events they average out: a stop burst's place, a
fricative's noise, a vowel's colour (bench/RESULTS.md, "Diagnosis of gu, mr, en"). This loss renders
whole teacher-forced utterances through the vocoder, lets a frozen CTC recognizer (the *guide*,
:mod:`tts.recognizer`, trained on teacher speech) listen, and adds its CTC loss against the utterance's
phonemes, so the gradient lands on the frames and frequencies a listener needs. It is a training
signal like a perceptual loss; the spectral losses stay on and keep the voice near its teacher.

A voice must never be scored by the recognizer it was trained against: it can learn that one
network's blind spots. So the voice's card records the guide's weights hash
(:func:`recognizer_fingerprint`), and ``bench/tts_quality.py`` refuses to judge a voice with its own
guide unless asked to (a diagnostic: how far the guide's view and an independent judge's diverge).
The job that uses it trains the judge from another seed and with another size.

The guide stays in training mode with dropout off: cuDNN computes a GRU's backward pass only in
training mode, and with dropout off the two modes compute the same function.

Example::

    >>> guide = load_guide("runs/intel/guide", torch.device("cuda"))              # doctest: +SKIP
    >>> loss = intelligibility_loss(guide, model.vocoder, out.mel, batch, items=16)   # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional

from indic.artifacts import sha256_file
from tts.data.prosody import HOP
from tts.recognizer.augment import add_noise, warp_frequency
from tts.recognizer.checkpoint import WEIGHTS_NAME, load_recognizer
from tts.recognizer.model import BLANK, PhonemeRecognizer, frame_counts, phoneme_target_mask


@dataclass
class Guide:
    """A frozen recognizer, which token ids it must emit, and the fingerprint of its weights."""

    recognizer: PhonemeRecognizer
    targets: torch.Tensor
    fingerprint: str
    folder: str


def recognizer_fingerprint(folder: str | Path) -> str:
    """sha256 of a recognizer folder's weights file: what ties a voice to the guide it trained against."""
    return sha256_file(Path(folder) / WEIGHTS_NAME)


def load_guide(folder: str | Path, device: torch.device) -> Guide:
    """The recognizer of ``folder`` on ``device``, frozen, in training mode with dropout off."""
    recognizer, inventory, _card = load_recognizer(folder)
    recognizer = recognizer.to(device).train()
    for module in recognizer.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    for parameter in recognizer.parameters():
        parameter.requires_grad_(False)
    targets = torch.from_numpy(phoneme_target_mask(inventory)).to(device)
    return Guide(recognizer, targets, recognizer_fingerprint(folder), str(folder))


def check_inventory(guide: Guide, n_tokens: int) -> None:
    """A guide must emit the voice's own token table: ids are compared one to one."""
    if len(guide.targets) != n_tokens:
        raise ValueError(
            f"the guide recognizer {guide.folder} emits {len(guide.targets)} tokens, the voice has "
            f"{n_tokens}: both must use the same phoneme inventory"
        )


def intelligibility_loss(
    guide: Guide,
    vocoder: nn.Module,
    mel: torch.Tensor,
    batch: dict[str, torch.Tensor],
    items: int,
    augment: bool = True,
) -> torch.Tensor:
    """CTC loss (mean per target phoneme) of ``guide`` on the vocoder's audio of ``items`` utterances.

    ``mel [B, F, n_mels]`` is the acoustic model's teacher-forced output (not detached: the acoustic
    model learns from this loss too); the first ``items`` rows of the batch are rendered whole, their
    padding frames masked as at inference. Runs in float32 whatever the surrounding autocast says.

    With ``augment`` the guide hears the audio through the perturbations it was trained with (white
    noise at 15–40 dB SNR, a random warp of the mel axis): the loss is then an expectation over
    listening conditions, which a change below the noise floor or tied to exact mel bins cannot
    lower — the voice has to get better at what stays audible."""
    rows = min(items, mel.shape[0])
    frame_lengths = batch["frame_lengths"][:rows]
    frames = min(int(frame_lengths.max()), mel.shape[1])
    frame_mask = torch.arange(frames, device=mel.device)[None] < frame_lengths[:, None]
    with torch.autocast(mel.device.type, enabled=False):
        audio = vocoder(mel[:rows, :frames].float().transpose(1, 2), frame_mask)
        audio_lengths = frame_lengths.clamp(max=frames) * HOP
        recognized_frames = frame_counts(audio_lengths)
        if augment:
            audio = add_noise(audio, audio_lengths)
        features = guide.recognizer.features(audio, recognized_frames)
        if augment:
            features = warp_frequency(features)
        logits = guide.recognizer.encode(features, recognized_frames, batch["language"][:rows])
        log_probs = functional.log_softmax(logits.float(), dim=-1).transpose(0, 1)
        labels, lengths = phoneme_targets(batch["ids"][:rows], batch["token_lengths"][:rows], guide.targets)
        return functional.ctc_loss(
            log_probs, labels, recognized_frames, lengths, blank=BLANK, zero_infinity=True
        )


def phoneme_targets(
    ids: torch.Tensor, token_lengths: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenated CTC labels (the phoneme ids of each row, marks and padding dropped) and their counts."""
    positions = torch.arange(ids.shape[1], device=ids.device)[None]
    keep = (positions < token_lengths[:, None]) & targets[ids]
    return ids[keep], keep.sum(1)


class GuideAsJudgeError(ValueError):
    """Raised when a voice would be scored by a recognizer it was trained against."""


def check_judge(checkpoint: str | Path, recognizer: str | Path, allow_guide: bool = False) -> bool:
    """Whether ``recognizer`` is one of the guides recorded in ``checkpoint``'s card; raises
    :class:`GuideAsJudgeError` when it is and ``allow_guide`` is off (its verdict would not be one)."""
    card = json.loads((Path(checkpoint) / "checkpoint.json").read_text(encoding="utf-8"))
    is_guide = recognizer_fingerprint(recognizer) in card.get("guide_recognizers", [])
    if is_guide and not allow_guide:
        raise GuideAsJudgeError(
            f"{checkpoint} was trained against the recognizer {recognizer} (tts.intelligibility): its "
            "phoneme error rate there is no verdict. Judge it with an independently trained recognizer, "
            "or pass --judge-with-guide for a diagnostic."
        )
    return is_guide
