"""Teacher data: espeak-ng audio with exact per-token durations, identical tokens to inference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tts_samples import HELLO

from indic.languages import LANGUAGES
from tts.data.prosody import HOP, frame_f0, samples_to_frames
from tts.data.sentences import is_test_sentence, sentence_split
from tts.data.teacher import espeak_voice_name, synthesize_teacher
from tts.frontend.espeak import SAMPLE_RATE
from tts.frontend.phonemize import phonemize


@pytest.mark.parametrize("lang", [lang.code for lang in LANGUAGES])
def test_teacher_durations_cover_the_audio_exactly_and_tokens_match_inference(lang: str) -> None:
    text = f"{HELLO[lang]}, {HELLO[lang]}."
    utterance = synthesize_teacher(text, lang)
    assert utterance.tokens == phonemize(text, lang)
    assert sum(utterance.durations) == len(utterance.audio) > SAMPLE_RATE // 4
    assert all(d >= 0 for d in utterance.durations)
    sounding = [d for t, d in zip(utterance.tokens, utterance.durations, strict=True) if t not in "^$ ˈˌ˦"]
    assert min(sounding) >= 0 and np.median(sounding) > SAMPLE_RATE * 0.02


def test_voice_variants_are_different_speakers() -> None:
    default = synthesize_teacher("नमस्ते दुनिया", "hi", "default")
    female = synthesize_teacher("नमस्ते दुनिया", "hi", "f3")
    assert espeak_voice_name("hi", "f3") == "hi+f3"
    f0_default, f0_female = frame_f0(default.audio), frame_f0(female.audio)
    assert np.median(f0_female[f0_female > 0]) > np.median(f0_default[f0_default > 0]) * 1.2


def test_mixed_script_sentence_is_aligned_across_voices() -> None:
    utterance = synthesize_teacher("मैंने email भेजा।", "hi")
    assert "eɪ" in utterance.tokens and sum(utterance.durations) == len(utterance.audio)


def test_frame_durations_sum_to_the_mel_frame_count() -> None:
    durations = [700, 0, 1300, 256, 5000, 17]
    frames = samples_to_frames(durations)
    assert frames.sum() == sum(durations) // HOP and (frames >= 0).all()


def test_pitch_tracker_finds_a_pure_tone() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    f0 = frame_f0((0.5 * np.sin(2 * np.pi * 180 * t)).astype(np.float32))
    assert abs(np.median(f0[f0 > 0]) - 180) < 4
    assert (frame_f0(np.zeros(SAMPLE_RATE, np.float32)) == 0).all()


def test_held_out_sentences_never_enter_training(train_corpus_dir: Path) -> None:
    train, test = sentence_split(train_corpus_dir, "ta", 200, 5)
    assert len(train) == 200 and len(test) == 5
    assert not set(train) & set(test)
    assert all(is_test_sentence(s) for s in test) and not any(is_test_sentence(s) for s in train)
