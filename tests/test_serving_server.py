"""The HTTP service on 127.0.0.1: routes, errors that stay with their request, load, the CLI."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest

from serving.batching import BatchPolicy
from serving.client import BadRequestError, ServerOverloadedError, ServingClient
from serving.engine import load_session
from serving.lm_engine import LMEngine
from serving.metrics import ServingMetrics
from serving.server import ServerThread
from serving.services import SpeechService, TextService
from serving.stack import ServingStack
from serving.synthetic_graphs import DecoderLMConfig, TTSVoiceConfig, build_decoder_lm, build_tts_voice
from serving.text_codecs import ByteCodec
from serving.tts_engine import CodepointPhonemizer, TTSEngine, VoiceSpec

REPO = Path(__file__).resolve().parents[1]
LM_SHAPE = DecoderLMConfig(
    vocab_size=256, hidden=64, layers=2, kv_heads=2, head_dim=32, ffn=128, max_positions=512
)
VOICE = TTSVoiceConfig(hidden=32, layers=1, frame_hidden=32, hop=64)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    build_decoder_lm(folder / "lm.onnx", LM_SHAPE)
    build_tts_voice(folder / "voice.onnx", VOICE)
    return folder


def small_stack(model_dir: Path, max_queue: int = 256, max_streams: int = 32) -> ServingStack:
    metrics = ServingMetrics()
    voice = TTSEngine(load_session(model_dir / "voice.onnx", "cpu"), VoiceSpec(sample_rate=VOICE.sample_rate))
    speech = SpeechService(
        voice,
        CodepointPhonemizer(VOICE.phoneme_vocab),
        speakers=VOICE.speakers,
        policy=BatchPolicy(max_batch=16, max_wait_s=0.005, max_queue=max_queue),
        metrics=metrics,
    )
    lm = LMEngine(load_session(model_dir / "lm.onnx", "cpu"), max_positions=LM_SHAPE.max_positions)
    text = TextService(lm, ByteCodec(), max_streams=max_streams, max_queue=max_queue, metrics=metrics)
    return ServingStack(metrics, speech=speech, text=text)


@pytest.fixture(scope="module")
def server(model_dir: Path) -> Iterator[ServerThread]:
    stack = small_stack(model_dir)
    with ServerThread(stack) as running:
        yield running
    stack.close()


@pytest.fixture
def client(server: ServerThread) -> Iterator[ServingClient]:
    with ServingClient(server.url, timeout=60) as http:
        yield http


def test_the_server_listens_on_loopback_only(server: ServerThread) -> None:
    assert server.url.startswith("http://127.0.0.1:")


def test_health_names_the_provider_of_each_model(client: ServingClient) -> None:
    assert client.health() == {"status": "ok", "tts": "CPUExecutionProvider", "lm": "CPUExecutionProvider"}


def test_speak_returns_a_wav_clip_with_its_timings(client: ServingClient) -> None:
    clip = client.speak("नमस्ते दुनिया", "hi", speaker=1)
    phonemes = len(CodepointPhonemizer(VOICE.phoneme_vocab)("नमस्ते दुनिया"))
    assert clip.sample_rate == VOICE.sample_rate
    assert clip.audio.shape == (phonemes * VOICE.frames_per_phoneme * VOICE.hop,)
    assert np.abs(clip.audio).max() <= 1.0 and clip.real_time_factor > 0
    assert clip.provider == "CPUExecutionProvider"


def test_generate_and_stream_agree(client: ServingClient) -> None:
    whole = client.generate("abc", max_new_tokens=12)
    assert len(whole["token_ids"]) == 12 and whole["finish_reason"] == "length"
    assert 0 < whole["ttft_s"] <= whole["latency_s"]
    assert "".join(client.stream("abc", max_new_tokens=12)) == whole["text"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "", "lang": "hi"}, "text is empty"),
        ({"text": "नमस्ते", "lang": "xx"}, "not a supported language"),
        ({"text": "नमस्ते", "lang": "hi", "speaker": 99}, "speaker must be in"),
        ({"text": "नमस्ते", "lang": "hi", "length_scale": 1.5}, "no speed control"),
        ({"text": "नमस्ते", "lang": "hi", "length_scale": 9.0}, "length_scale must be in"),
    ],
)
def test_bad_speech_input_is_a_400_naming_the_problem(
    client: ServingClient, body: dict, message: str
) -> None:
    with pytest.raises(BadRequestError, match=message):
        client.speak(**body)


def test_bad_generation_input_is_a_400(client: ServingClient) -> None:
    with pytest.raises(BadRequestError, match="max_new_tokens"):
        client.generate("abc", max_new_tokens=0)
    with pytest.raises(BadRequestError, match="exceeds 512 positions"):
        client.generate("a" * 500, max_new_tokens=100)


def test_a_bad_request_fails_alone_among_concurrent_good_ones(server: ServerThread) -> None:
    def call(i: int) -> str:
        with ServingClient(server.url) as own:
            if i % 8 == 3:
                try:
                    own.speak("नमस्ते", "klingon")
                except BadRequestError:
                    return "refused"
                return "accepted?!"
            if i % 2:
                own.speak(f"वाक्य {i}", "hi")
            else:
                own.generate(f"prompt {i}", max_new_tokens=8)
            return "ok"

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(call, range(32)))
    assert outcomes.count("refused") == 4 and outcomes.count("ok") == 28


def test_metrics_endpoint_is_prometheus_text_with_latency_and_provider(client: ServingClient) -> None:
    client.speak("नमस्ते", "hi")
    text = client.metrics_text()
    assert 'indic_request_latency_seconds{model="tts",quantile="0.99"}' in text
    assert 'indic_active_provider{model="lm",provider="CPUExecutionProvider"} 1' in text
    assert client.stats()["tts"]["requests"] >= 1


def test_a_full_queue_answers_503_to_the_newcomer(model_dir: Path) -> None:
    stack = small_stack(model_dir, max_queue=1, max_streams=1)
    assert stack.text is not None
    entered, gate = threading.Event(), threading.Event()

    def hold_decoder(_: object) -> None:
        entered.set()
        gate.wait(30)

    busy = stack.text.submit("x", max_new_tokens=50, on_event=hold_decoder)
    assert entered.wait(10)  # the only stream slot is taken and the decoder is held
    queued = stack.text.submit("y", max_new_tokens=2)  # the only queue slot is taken
    with ServerThread(stack) as running, ServingClient(running.url) as http:
        with pytest.raises(ServerOverloadedError, match="503.*queue is full"):
            http.generate("z", max_new_tokens=2)
        busy.cancel()
        gate.set()
        assert len(queued.result(timeout=20).token_ids) == 2
        assert len(http.generate("z", max_new_tokens=2)["token_ids"]) == 2  # served once there is room
    stack.close()


def run_load(url: str, clients: int, seconds: float) -> tuple[int, list[str]]:
    """``clients`` threads calling speak/generate in a loop; returns (requests done, failures)."""
    stop = time.monotonic() + seconds
    done = [0] * clients
    failures: list[str] = []

    def worker(index: int) -> None:
        with ServingClient(url, timeout=120) as own:
            while True:  # every client sends at least one request, however late its thread starts
                try:
                    if (index + done[index]) % 2:
                        own.speak("भारत एक विशाल देश है", "hi", speaker=index % 4)
                    else:
                        own.generate(f"client {index}", max_new_tokens=8)
                    done[index] += 1
                except Exception as error:  # every failure is counted, none may happen
                    failures.append(repr(error))
                if time.monotonic() >= stop:
                    return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), failures


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def test_64_concurrent_clients_for_5_seconds_all_succeed(server: ServerThread) -> None:
    done, failures = run_load(server.url, clients=64, seconds=5)
    assert failures == [] and done >= 64


@pytest.mark.slow
def test_64_concurrent_clients_for_60_seconds_all_succeed_in_bounded_memory(model_dir: Path) -> None:
    stack = small_stack(model_dir)
    with ServerThread(stack) as running:
        run_load(running.url, clients=64, seconds=5)  # warm-up: arenas, pools, windows fill
        before = rss_mb()
        done, failures = run_load(running.url, clients=64, seconds=60)
        growth = rss_mb() - before
    stack.close()
    assert failures == [] and done > 64 * 10
    assert growth < 150, f"resident memory grew by {growth:.0f} MB during the run"


def test_indic_serve_refuses_an_unknown_provider_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "indic", "serve", "--providers", "gpu"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "'gpu' is not one of auto" in result.stderr and "Traceback" not in result.stderr


def test_indic_serve_help_shows_an_example() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "indic", "serve", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Example: indic serve" in result.stdout
