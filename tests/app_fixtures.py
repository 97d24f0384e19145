"""A live app on loopback for the API, browser and load tests (random-weight models: fast, no artifacts)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(
    tokenizer_choices: dict[str, str] | None = None, models: str = "synthetic"
) -> Iterator[tuple[str, object]]:
    """Launch the app over a serving stack (random-weight models unless ``models="auto"``); yields (url, stack)."""
    from serving.app import build_app
    from serving.stack import ServeConfig, build_stack

    stack = build_stack(ServeConfig(lm=models, tts=models))
    demo = build_app(stack, tokenizer_choices=tokenizer_choices)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, share=False)
    try:
        yield f"http://127.0.0.1:{port}/", stack
    finally:
        demo.close()
        stack.close()
