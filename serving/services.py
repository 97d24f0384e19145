"""Text-level services over the batchers: what the HTTP server, the benchmarks and the UI call.

:class:`SpeechService` turns (text, language, speaker) into phoneme ids, validates them at the
boundary, queues them on a :class:`~serving.batching.DynamicBatcher` and returns a waveform with
its timings. :class:`TextService` turns a prompt into token ids, runs it on a
:class:`~serving.batching.ContinuousBatcher` and streams text back. Both record every finished
request in one :class:`~serving.metrics.ServingMetrics`.

Example::

    >>> speech = SpeechService(tts_engine, CodepointPhonemizer(256))   # doctest: +SKIP
    >>> speech.speak("नमस्ते", "hi").audio.shape                        # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from serving.batching import (
    BatchPolicy,
    ContinuousBatcher,
    DynamicBatcher,
    GenerationRequest,
    StreamHandle,
    TokenEvent,
)
from serving.lm_engine import LMEngine
from serving.metrics import ServingMetrics, StreamStats
from serving.text_codecs import TokenCodec
from serving.tts_engine import SpeechRequest, TTSEngine


class InvalidRequestError(ValueError):
    """Raised at submission for input no model should see (empty text, too long, unknown language)."""


@dataclass(frozen=True)
class SpeechResult:
    """A synthesized clip and what it cost."""

    audio: np.ndarray
    sample_rate: int
    latency_s: float
    provider: str

    @property
    def audio_s(self) -> float:
        return self.audio.size / self.sample_rate

    @property
    def real_time_factor(self) -> float:
        return self.latency_s / self.audio_s if self.audio_s else float("inf")


@dataclass(frozen=True)
class _SpeechJob:
    request: SpeechRequest
    chars: int
    submitted: float


class SpeechService:
    """Batched text-to-speech with validation at the door and metrics on the way out."""

    def __init__(
        self,
        engine: TTSEngine,
        phonemize: Callable[[str, str], Sequence[int]],
        language_id: Callable[[str], int] | None = None,
        speakers: int | None = None,
        policy: BatchPolicy | None = None,
        metrics: ServingMetrics | None = None,
        max_chars: int = 2000,
    ) -> None:
        self.engine = engine
        self.phonemize = phonemize
        self.language_id = language_id or _registry_language_id
        self.speakers = speakers
        self.max_chars = max_chars
        self.metrics = metrics or ServingMetrics()
        self.metrics.set_provider("tts", engine.provider)
        self.batcher: DynamicBatcher[_SpeechJob, SpeechResult] = DynamicBatcher(
            self._run,
            length_of=lambda job: len(job.request.phoneme_ids),
            policy=policy or BatchPolicy(),
            metrics=self.metrics,
        )

    def prepare(self, text: str, lang: str, speaker: int = 0, length_scale: float = 1.0) -> SpeechRequest:
        """Validate and phonemize; raises :class:`InvalidRequestError` (or ``UnsupportedLanguageError``)."""
        from indic.languages import get_language

        code = get_language(lang).code
        if not text or not text.strip():
            raise InvalidRequestError("text is empty")
        if len(text) > self.max_chars:
            raise InvalidRequestError(f"text has {len(text)} characters; the limit is {self.max_chars}")
        if speaker < 0 or (self.speakers is not None and speaker >= self.speakers):
            raise InvalidRequestError(f"speaker must be in [0, {self.speakers}), got {speaker}")
        if not 0.25 <= length_scale <= 4.0:
            raise InvalidRequestError(f"length_scale must be in [0.25, 4], got {length_scale}")
        if length_scale != 1.0 and not self.engine.has_speed_control:
            raise InvalidRequestError("this voice has no speed control (its graph takes no length scales)")
        ids = tuple(self.phonemize(text, code))
        if not ids:
            raise InvalidRequestError(f"no phonemes in {text[:40]!r}")
        return SpeechRequest(ids, speaker=speaker, language=self.language_id(code), length_scale=length_scale)

    def submit(
        self, text: str, lang: str, speaker: int = 0, length_scale: float = 1.0
    ) -> Future[SpeechResult]:
        """Queue one utterance; bad input raises here, ``OverloadedError`` when the queue is full."""
        try:
            request = self.prepare(text, lang, speaker, length_scale)
            future = self.batcher.submit(_SpeechJob(request, len(text), time.perf_counter()))
        except Exception:
            self.metrics.record_failure("tts")
            raise
        future.add_done_callback(self._count_failure)
        return future

    def speak(
        self, text: str, lang: str, speaker: int = 0, length_scale: float = 1.0, timeout: float | None = None
    ) -> SpeechResult:
        """Synthesize one utterance and wait for it."""
        return self.submit(text, lang, speaker, length_scale).result(timeout)

    def close(self) -> None:
        self.batcher.close()

    def _run(self, jobs: list[_SpeechJob]) -> list[SpeechResult]:
        clips = self.engine.synthesize([job.request for job in jobs])
        done = time.perf_counter()
        results = []
        for job, clip in zip(jobs, clips, strict=True):
            result = SpeechResult(clip, self.engine.sample_rate, done - job.submitted, self.engine.provider)
            self.metrics.record_speech(result.latency_s, job.chars, result.audio_s)
            results.append(result)
        return results

    def _count_failure(self, future: Future[SpeechResult]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self.metrics.record_failure("tts")


@dataclass(frozen=True)
class TextResult:
    """A finished generation."""

    text: str
    token_ids: tuple[int, ...]
    finish_reason: str
    ttft_s: float
    latency_s: float
    provider: str

    @property
    def tokens_per_s(self) -> float:
        return len(self.token_ids) / self.latency_s if self.latency_s else 0.0


class TextService:
    """Continuous-batching text generation with metrics per stream."""

    def __init__(
        self,
        engine: LMEngine,
        codec: TokenCodec,
        max_streams: int = 32,
        max_queue: int = 256,
        metrics: ServingMetrics | None = None,
        max_prompt_chars: int = 8000,
    ) -> None:
        self.engine = engine
        self.codec = codec
        self.max_prompt_chars = max_prompt_chars
        self.metrics = metrics or ServingMetrics()
        self.metrics.set_provider("lm", engine.provider)
        self.batcher = ContinuousBatcher(engine, max_streams, max_queue, metrics=self.metrics)

    def submit(
        self,
        prompt: str,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        seed: int | None = None,
        on_event: Callable[[TokenEvent], None] | None = None,
    ) -> StreamHandle:
        """Start a stream; bad prompts raise here, ``OverloadedError`` when the queue is full."""
        try:
            if len(prompt) > self.max_prompt_chars:
                raise InvalidRequestError(
                    f"prompt has {len(prompt)} characters; the limit is {self.max_prompt_chars}"
                )
            if temperature < 0:
                raise InvalidRequestError(f"temperature must be >= 0, got {temperature}")
            request = GenerationRequest(
                tuple(self.codec.encode(prompt)), max_new_tokens, temperature, seed, self.codec.stop_ids
            )

            def observe(event: TokenEvent) -> None:
                self._observe(event)
                if on_event is not None:
                    on_event(event)

            return self.batcher.submit(request, on_event=observe)
        except Exception:
            self.metrics.record_failure("lm")
            raise

    def result(self, handle: StreamHandle, timeout: float | None = None) -> TextResult:
        """Wait for a stream and decode it."""
        done = handle.result(timeout)
        tokens = tuple(t for t in done.token_ids if t not in self.codec.stop_ids)
        return TextResult(
            self.codec.decode(tokens),
            done.token_ids,
            done.finish_reason,
            done.ttft_s,
            done.latency_s,
            self.engine.provider,
        )

    def generate(
        self,
        prompt: str,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        seed: int | None = None,
        timeout: float | None = None,
    ) -> TextResult:
        """Generate and wait."""
        return self.result(self.submit(prompt, max_new_tokens, temperature, seed), timeout)

    def close(self) -> None:
        self.batcher.close()

    def _observe(self, event: TokenEvent) -> None:
        if event.error is not None:
            self.metrics.record_failure("lm")
        elif event.result is not None:
            done = event.result
            chars = len(self.codec.decode([t for t in done.token_ids if t not in self.codec.stop_ids]))
            self.metrics.record_stream(StreamStats(len(done.token_ids), chars, done.ttft_s, done.latency_s))


def _registry_language_id(code: str) -> int:
    from indic.languages import LANGUAGE_CODES

    return LANGUAGE_CODES.index(code)
