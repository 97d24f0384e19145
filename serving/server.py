"""The HTTP service: speech and text generation over the batchers, with health and metrics.

Routes (JSON in; errors as ``{"error": "..."}``):

- ``POST /v1/speak`` ``{"text", "lang", "speaker", "length_scale"}`` → ``audio/wav``; headers
  ``X-Sample-Rate``, ``X-Audio-Seconds``, ``X-Latency-Seconds``, ``X-Real-Time-Factor``, ``X-Provider``.
- ``POST /v1/generate`` ``{"prompt", "max_new_tokens", "temperature", "seed", "stream"}`` → JSON, or
  with ``"stream": true`` newline-delimited JSON: ``{"text": piece}`` per released piece, then a
  final ``{"done": true, ...}`` line.
- ``GET /health`` (providers), ``GET /metrics`` (Prometheus text), ``GET /v1/stats`` (JSON).

Bad input → 400 (only that request fails), a full queue → 503 with ``Retry-After``. A client that
disconnects cancels its request. The Gradio app mounts its UI onto the same app
(``gradio.mount_gradio_app(create_app(stack), demo, path="/ui")``).

Example::

    >>> with ServerThread(build_stack()) as server:        # doctest: +SKIP
    ...     ServingClient(server.url).speak("नमस्ते", "hi")
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from types import TracebackType

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from indic.languages import UnsupportedLanguageError
from serving.batching import BatcherClosedError, OverloadedError, TokenEvent
from serving.lm_engine import InvalidPromptError
from serving.services import InvalidRequestError, TextResult
from serving.stack import ServingStack
from serving.text_codecs import IncrementalDecoder
from serving.wav_codec import encode_wav

log = logging.getLogger("serving.server")
CLIENT_ERRORS = (UnsupportedLanguageError, InvalidRequestError, InvalidPromptError)


class SpeakBody(BaseModel):
    text: str
    lang: str = "hi"
    speaker: int = 0
    length_scale: float = 1.0


class GenerateBody(BaseModel):
    prompt: str
    max_new_tokens: int = Field(64, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0.0)
    seed: int | None = None
    stream: bool = False


def create_app(stack: ServingStack) -> FastAPI:
    """A FastAPI app serving ``stack``'s speech and text services."""
    app = FastAPI(title="indic-speech serving", version="0.1.0")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=400)

    @app.exception_handler(OverloadedError)
    async def _overloaded(_: Request, error: OverloadedError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(BatcherClosedError)
    async def _closed(_: Request, error: BatcherClosedError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=503)

    for error_type in CLIENT_ERRORS:
        app.add_exception_handler(error_type, _bad_request)

    @app.get("/health")
    async def health() -> dict[str, object]:
        return {
            "status": "ok",
            "tts": stack.speech.engine.provider if stack.speech else None,
            "lm": stack.text.engine.provider if stack.text else None,
        }

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(stack.metrics.to_prometheus(), media_type="text/plain; version=0.0.4")

    @app.get("/v1/stats")
    async def stats() -> dict[str, dict[str, object]]:
        return stack.metrics.snapshot()

    @app.post("/v1/speak")
    async def speak(body: SpeakBody) -> Response:
        if stack.speech is None:
            return JSONResponse({"error": "this server runs no voice"}, status_code=404)
        result = await asyncio.wrap_future(
            stack.speech.submit(body.text, body.lang, body.speaker, body.length_scale)
        )
        headers = {
            "X-Sample-Rate": str(result.sample_rate),
            "X-Audio-Seconds": f"{result.audio_s:.6f}",
            "X-Latency-Seconds": f"{result.latency_s:.6f}",
            "X-Real-Time-Factor": f"{result.real_time_factor:.6f}",
            "X-Provider": result.provider,
        }
        return Response(encode_wav(result.audio, result.sample_rate), media_type="audio/wav", headers=headers)

    @app.post("/v1/generate")
    async def generate(body: GenerateBody) -> Response:
        service = stack.text
        if service is None:
            return JSONResponse({"error": "this server runs no language model"}, status_code=404)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[TokenEvent] = asyncio.Queue()

        def forward(event: TokenEvent) -> None:
            loop.call_soon_threadsafe(events.put_nowait, event)

        handle = service.submit(
            body.prompt,
            body.max_new_tokens,
            body.temperature,
            body.seed,
            on_event=forward if body.stream else None,
        )
        if not body.stream:
            try:
                await asyncio.wrap_future(handle.future)
            except asyncio.CancelledError:
                handle.cancel()
                raise
            return JSONResponse(_result_json(service.result(handle)))

        async def lines() -> AsyncIterator[bytes]:
            decoder = IncrementalDecoder(service.codec)
            try:
                while True:
                    event = await events.get()
                    if event.error is not None:
                        yield _line({"done": True, "error": str(event.error)})
                        return
                    if event.result is not None:
                        yield _line({"done": True, **_result_json(service.result(handle))})
                        return
                    if event.token_id is not None and event.token_id not in service.codec.stop_ids:
                        piece = decoder.push(event.token_id)
                        if piece:
                            yield _line({"text": piece})
            finally:
                handle.cancel()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return app


async def _bad_request(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=400)


def _result_json(result: TextResult) -> dict[str, object]:
    return {
        "text": result.text,
        "token_ids": list(result.token_ids),
        "finish_reason": result.finish_reason,
        "ttft_s": result.ttft_s,
        "latency_s": result.latency_s,
        "tokens_per_s": result.tokens_per_s,
        "provider": result.provider,
    }


def _line(payload: dict[str, object]) -> bytes:
    return (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")


class ServerThread:
    """Run the service on a background thread (tests, notebooks); port 0 picks a free port.

    >>> with ServerThread(stack, port=0) as server:      # doctest: +SKIP
    ...     print(server.url)
    http://127.0.0.1:54321
    """

    def __init__(self, stack: ServingStack, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        config = uvicorn.Config(
            create_app(stack), host=host, port=port, log_level="warning", access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.host = host
        self._thread = threading.Thread(target=self.server.run, name="indic-serve", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start on {self.host} within {timeout} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def free_local_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for tests, benchmarks and launchers)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    stack: ServingStack, host: str = "127.0.0.1", port: int = 8000, ui: bool = True, share: bool = False
) -> None:
    """Serve until interrupted (what `indic serve` runs), with the Gradio app at ``/`` unless ``ui=False``.

    ``share=True`` hands the app to Gradio's own launcher for a public link; only the app's own
    API is served then, not the routes above.
    """
    import uvicorn

    app = create_app(stack)
    if ui or share:
        import gradio as gr

        from serving.app import build_app

        demo = build_app(stack)
        if share:
            log.warning("--share: serving the app through Gradio's launcher; /v1 routes are not served")
            demo.launch(server_name=host, server_port=port, share=True)
            return
        app = gr.mount_gradio_app(app, demo, path="/")
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
