"""The recognizer's training augmentation: speed, noise, mel-axis warp, SpecAugment masks."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tts.recognizer.augment import add_noise, speed_perturb, warp_frequency  # noqa: E402


def test_speed_perturbation_shortens_or_lengthens_audio_and_lengths_together() -> None:
    audio = torch.sin(torch.arange(2, 22050) * 0.05).reshape(1, -1).repeat(2, 1)
    lengths = torch.tensor([audio.shape[1], audio.shape[1] // 2])
    faster, faster_lengths = speed_perturb(audio, lengths, 1.1)
    slower, slower_lengths = speed_perturb(audio, lengths, 0.9)
    assert faster.shape[1] == int(audio.shape[1] / 1.1) and slower.shape[1] == int(audio.shape[1] / 0.9)
    assert faster_lengths.tolist() == [int(n / 1.1) for n in lengths.tolist()]
    assert slower_lengths[1] > lengths[1] > faster_lengths[1]
    unchanged, same_lengths = speed_perturb(audio, lengths, 1.0)
    assert unchanged is audio and same_lengths is lengths


def test_noise_stays_inside_each_utterance_and_near_the_chosen_snr() -> None:
    torch.manual_seed(0)
    audio = torch.zeros(2, 4000)
    audio[:, :3000] = torch.sin(torch.arange(3000) * 0.1) * 0.5
    noisy = add_noise(audio, torch.tensor([3000, 1000]))
    assert torch.equal(noisy[0, 3000:], audio[0, 3000:]) and torch.equal(noisy[1, 1000:], audio[1, 1000:])
    noise = noisy[0, :3000] - audio[0, :3000]
    snr = 10 * torch.log10((audio[0, :3000] ** 2).mean() / (noise**2).mean())
    assert 14.0 < float(snr) < 41.0


def test_the_frequency_warp_moves_energy_along_the_mel_axis_and_keeps_the_shape() -> None:
    torch.manual_seed(0)
    features = torch.zeros(64, 80, 5)
    features[:, 40] = 1.0  # one bright mel bin
    warped = warp_frequency(features)
    assert warped.shape == features.shape
    peaks = warped[:, :, 0].argmax(1).float()
    assert 36 <= peaks.min() and peaks.max() <= 44 and peaks.std() > 0.5
    assert float(warped.max()) <= 1.0 and float(warped.min()) >= 0.0
