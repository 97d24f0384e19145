"""A live app on loopback for the API, browser and load tests (random-weight models: fast, no artifacts)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@contextmanager
def running_app(
    tokenizer_choices: dict[str, str] | None = None, models: str = "synthetic"
) -> Iterator[tuple[str, object]]:
    """Launch the app (random-weight models unless ``models="auto"``); yields (url, stack)."""
    from serving.app import build_app
    from serving.server import free_local_port
    from serving.stack import ServeConfig, build_stack

    stack = build_stack(ServeConfig(lm=models, tts=models))
    demo = build_app(stack, tokenizer_choices=tokenizer_choices)
    port = free_local_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, share=False)
    try:
        yield f"http://127.0.0.1:{port}/", stack
    finally:
        demo.close()
        stack.close()
