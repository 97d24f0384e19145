"""The LM and TTS adapters on graphs with the real interfaces: batching must not change results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from serving.engine import load_session
from serving.lm_engine import InvalidPromptError, LMEngine, pick_token
from serving.synthetic_graphs import DecoderLMConfig, TTSVoiceConfig, build_decoder_lm, build_tts_voice
from serving.tts_engine import CodepointPhonemizer, SpeechRequest, TTSEngine, VoiceSpec

LM_SHAPE = DecoderLMConfig(
    vocab_size=300, hidden=64, layers=2, kv_heads=2, head_dim=32, ffn=128, max_positions=128
)
VOICE = TTSVoiceConfig(hidden=32, layers=1, frame_hidden=32, hop=64)


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> LMEngine:
    path = build_decoder_lm(tmp_path_factory.mktemp("lm") / "lm.onnx", LM_SHAPE)
    return LMEngine(load_session(path, "cpu"), max_positions=LM_SHAPE.max_positions)


@pytest.fixture(scope="module")
def tts(tmp_path_factory: pytest.TempPathFactory) -> TTSEngine:
    path = build_tts_voice(tmp_path_factory.mktemp("tts") / "voice.onnx", VOICE)
    return TTSEngine(load_session(path, "cpu"), VoiceSpec(sample_rate=VOICE.sample_rate))


def greedy_alone(lm: LMEngine, prompt: list[int], steps: int) -> list[int]:
    logits, cache = lm.prefill(prompt)
    batch = lm.new_batch()
    token = int(np.argmax(logits))
    out = [token]
    batch.add("only", cache, next_token=token)
    for _ in range(steps - 1):
        token = int(np.argmax(batch.step()["only"]))
        batch.set_next_tokens({"only": token})
        out.append(token)
    return out


def test_lm_shape_is_read_from_the_graph(lm: LMEngine) -> None:
    shape = lm.shape
    assert (shape.layers, shape.kv_heads, shape.head_dim, shape.vocab_size) == (2, 2, 32, 300)
    assert shape.cache_names[1] == ("past_key_values.0.value", "present.0.value")


def test_streams_of_different_lengths_decode_together_exactly_as_alone(lm: LMEngine) -> None:
    prompts = {"short": [5], "mid": [1, 2, 3, 4, 5, 6], "long": list(range(10, 30))}
    expected = {key: greedy_alone(lm, prompt, 6) for key, prompt in prompts.items()}
    batch = lm.new_batch()
    got: dict[str, list[int]] = {}
    for key, prompt in prompts.items():
        logits, cache = lm.prefill(prompt)
        got[key] = [int(np.argmax(logits))]
        batch.add(key, cache, next_token=got[key][0])
    for _ in range(5):
        tokens = {key: int(np.argmax(row)) for key, row in batch.step().items()}
        batch.set_next_tokens(tokens)
        for key, token in tokens.items():
            got[key].append(token)
    assert got == expected


def test_a_stream_joining_mid_decode_and_one_leaving_do_not_change_the_others(lm: LMEngine) -> None:
    expected_a = greedy_alone(lm, [7, 8, 9], 8)
    expected_b = greedy_alone(lm, [42] * 12, 4)
    batch = lm.new_batch()
    logits, cache = lm.prefill([7, 8, 9])
    got_a = [int(np.argmax(logits))]
    batch.add("a", cache, next_token=got_a[0])
    got_b: list[int] = []
    for step in range(7):
        if step == 2:
            logits, cache = lm.prefill([42] * 12)
            got_b.append(int(np.argmax(logits)))
            batch.add("b", cache, next_token=got_b[0])
        if len(got_b) == 4:
            batch.remove({"b"})
        tokens = {key: int(np.argmax(row)) for key, row in batch.step().items()}
        batch.set_next_tokens(tokens)
        got_a.append(tokens["a"])
        if "b" in tokens:
            got_b.append(tokens["b"])
    assert got_a == expected_a and got_b == expected_b
    assert batch.mask.shape[1] == 3 + 7  # the longer stream's padding was trimmed when it left


def test_the_kv_cache_stays_in_ortvalues_between_steps(lm: LMEngine) -> None:
    batch = lm.new_batch()
    _, cache = lm.prefill([1, 2, 3])
    batch.add("x", cache, next_token=4)
    batch.step()
    assert all(isinstance(value, ort.OrtValue) for value in batch.cache)
    assert batch.cache[0].shape() == [1, 2, 4, 32]


def test_bad_prompts_are_refused_before_they_reach_the_model(lm: LMEngine) -> None:
    with pytest.raises(InvalidPromptError, match="empty"):
        lm.check_prompt([], 4)
    with pytest.raises(InvalidPromptError, match=r"\[0, 300\)"):
        lm.check_prompt([1, 300], 4)
    with pytest.raises(InvalidPromptError, match="exceeds 128 positions"):
        lm.check_prompt([1] * 100, 29)


def test_sampling_is_greedy_at_zero_temperature_and_seeded_otherwise() -> None:
    logits = np.array([0.0, 1.0, 0.5])
    assert pick_token(logits, 0.0, None) == 1
    first = [pick_token(logits, 1.0, np.random.default_rng(3)) for _ in range(5)]
    again = [pick_token(logits, 1.0, np.random.default_rng(3)) for _ in range(5)]
    assert first == again


def test_a_clip_does_not_depend_on_what_it_was_batched_with(tts: TTSEngine) -> None:
    short = SpeechRequest((3, 4, 5), speaker=1, language=2)
    long = SpeechRequest(tuple(range(1, 40)), speaker=0, language=5)
    [alone] = tts.synthesize([short])
    batched_short, batched_long = tts.synthesize([short, long])
    assert alone.shape == (3 * VOICE.frames_per_phoneme * VOICE.hop,)
    np.testing.assert_allclose(batched_short, alone, rtol=1e-5, atol=1e-6)
    assert batched_long.shape == (39 * VOICE.frames_per_phoneme * VOICE.hop,)


def test_speaker_and_language_ids_change_the_audio(tts: TTSEngine) -> None:
    a, b = tts.synthesize([SpeechRequest((3, 4, 5), speaker=0), SpeechRequest((3, 4, 5), speaker=1)])
    assert not np.allclose(a, b)


def test_a_voice_whose_graph_does_not_match_its_spec_is_refused(tts: TTSEngine) -> None:
    with pytest.raises(ValueError, match="missing"):
        TTSEngine(tts.engine, VoiceSpec(ids_input="input"))


def test_voice_spec_comes_from_the_cards_serving_section() -> None:
    spec = VoiceSpec.from_card({"serving": {"sample_rate": 16000, "speaker_input": None}})
    assert spec.sample_rate == 16000 and spec.speaker_input is None and spec.ids_input == "phoneme_ids"
    with pytest.raises(ValueError, match="unknown voice serving fields"):
        VoiceSpec.from_card({"serving": {"sampling_rate": 16000}})


def test_the_synthetic_phonemizer_gives_ids_inside_the_vocabulary() -> None:
    ids = CodepointPhonemizer(vocab=64)("नमस्ते दुनिया")
    assert ids and all(1 <= i < 64 for i in ids)


def test_decoder_graph_files_are_written_atomically(tmp_path: Path) -> None:
    path = build_decoder_lm(tmp_path / "lm.onnx", LM_SHAPE)
    assert path.is_file() and not list(tmp_path.glob(".*.tmp"))
