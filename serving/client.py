"""A Python client for the `indic serve` HTTP service (used by the tests, benchmarks and the UI).

One ``httpx.Client`` per :class:`ServingClient` (connection pooling; thread-safe). Server answers map
to specific errors: 400 → :class:`BadRequestError`, 503 → :class:`ServerOverloadedError`, anything
else non-2xx → :class:`ServingError`.

Example::

    >>> client = ServingClient("http://127.0.0.1:8000")                 # doctest: +SKIP
    >>> clip = client.speak("नमस्ते दुनिया", "hi")                         # doctest: +SKIP
    >>> clip.audio.shape, clip.sample_rate                               # doctest: +SKIP
    >>> "".join(client.stream("भारत की राजधानी", max_new_tokens=32))      # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from serving.wav_codec import decode_wav


class ServingError(RuntimeError):
    """The server answered with an error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class BadRequestError(ServingError):
    """HTTP 400: this request's input was refused."""


class ServerOverloadedError(ServingError):
    """HTTP 503: the server's queue is full; retry later."""


@dataclass(frozen=True)
class Clip:
    """Audio returned by ``/v1/speak`` and the server's timings."""

    audio: np.ndarray
    sample_rate: int
    latency_s: float
    real_time_factor: float
    provider: str


class ServingClient:
    """Speak, generate, stream and read metrics from a running service."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ServingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def health(self) -> dict[str, Any]:
        return self._json(self.http.get("/health"))

    def stats(self) -> dict[str, Any]:
        return self._json(self.http.get("/v1/stats"))

    def metrics_text(self) -> str:
        response = self.http.get("/metrics")
        _raise_for(response)
        return response.text

    def speak(self, text: str, lang: str = "hi", speaker: int = 0, length_scale: float = 1.0) -> Clip:
        body = {"text": text, "lang": lang, "speaker": speaker, "length_scale": length_scale}
        response = self.http.post("/v1/speak", json=body)
        _raise_for(response)
        audio, rate = decode_wav(response.content)
        headers = response.headers
        return Clip(
            audio,
            rate,
            float(headers["X-Latency-Seconds"]),
            float(headers["X-Real-Time-Factor"]),
            headers["X-Provider"],
        )

    def generate(
        self, prompt: str, max_new_tokens: int = 64, temperature: float = 0.0, seed: int | None = None
    ) -> dict[str, Any]:
        body = {"prompt": prompt, "max_new_tokens": max_new_tokens, "temperature": temperature, "seed": seed}
        return self._json(self.http.post("/v1/generate", json=body))

    def stream(
        self, prompt: str, max_new_tokens: int = 64, temperature: float = 0.0, seed: int | None = None
    ) -> Iterator[str]:
        """Text pieces as the server releases them; raises :class:`ServingError` if the stream fails."""
        body = {
            "prompt": prompt,
            "max_new_tokens": max_new_tokens,
            "temperature": temperature,
            "seed": seed,
            "stream": True,
        }
        with self.http.stream("POST", "/v1/generate", json=body) as response:
            if response.status_code != 200:
                response.read()
                _raise_for(response)
            for line in response.iter_lines():
                if not line:
                    continue
                event = json.loads(line)
                if "error" in event:
                    raise ServingError(500, event["error"])
                if event.get("done"):
                    return
                yield event["text"]

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        _raise_for(response)
        return response.json()


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        message = response.json().get("error", response.text)
    except ValueError:
        message = response.text
    error_type = {400: BadRequestError, 503: ServerOverloadedError}.get(response.status_code, ServingError)
    raise error_type(response.status_code, message)
