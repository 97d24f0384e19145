"""The *Speak* tab: text → speech with a language, a speaker and a speed.

Short texts come back as one clip. Long texts are split into sentences and streamed: each sentence
plays as soon as it is synthesized, and the whole clip is offered at the end. Everything goes
through the batched :class:`serving.services.SpeechService`, so the app's requests share batches
with every other client and show up in the metrics.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from serving.app.limits import (
    DEFAULT_LIMITS,
    AppLimits,
    InputRejected,
    check_language,
    check_script,
    check_text,
)

SPEED_RANGE = (0.5, 2.0)


def speech_chunks(text: str, lang: str, limits: AppLimits) -> list[str]:
    """Sentences of ``text`` when it is long enough to stream, else ``[text]``."""
    if len(text) <= limits.stream_after_chars:
        return [text]
    from indic.text import split_sentences

    return [s for s in split_sentences(text, lang) if s.strip()] or [text]


def speak(
    service, text: str, lang: str, speaker: int = 0, speed: float = 1.0, limits: AppLimits = DEFAULT_LIMITS
) -> Iterator[tuple[str, tuple[int, np.ndarray] | None, str]]:
    """Yield ``("chunk", (rate, audio), info)`` per streamed sentence, then ``("full", ...)`` once."""
    if service is None:
        raise InputRejected("No voice is loaded in this server (started with --tts none).")
    text = check_text(text, "Text", limits.max_text_chars)
    code = check_language(lang)
    check_script(text, code)
    if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
        raise InputRejected(f"Speed must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}.")
    chunks = speech_chunks(text, code, limits)
    futures = [service.submit(chunk, code, int(speaker), length_scale=1.0 / speed) for chunk in chunks]
    clips: list[np.ndarray] = []
    rate = 0
    latency = 0.0
    for index, future in enumerate(futures):
        try:
            result = future.result()
        except ValueError as error:
            raise InputRejected(str(error)) from error
        rate, latency = result.sample_rate, max(latency, result.latency_s)
        clips.append(result.audio)
        if len(chunks) > 1:
            yield "chunk", (rate, result.audio), f"sentence {index + 1} of {len(chunks)}"
    audio = np.concatenate(clips) if clips else np.zeros(0, np.float32)
    seconds = audio.size / rate if rate else 0.0
    info = (
        f"{seconds:.2f} s of audio in {latency:.2f} s (real-time factor {latency / max(seconds, 1e-9):.3f}) "
        f"on {result.provider}; {len(chunks)} sentence(s)"
    )
    yield "full", (rate, audio), info
