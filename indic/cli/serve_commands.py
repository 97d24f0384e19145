"""`indic serve` — the HTTP service for speech and text generation (see docs/serving.md).

The heavy imports (onnxruntime, FastAPI, uvicorn) happen inside the command. Bad flags or a model
that cannot load end in one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from indic.cli.groups import app

_err = Console(stderr=True)


@app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (127.0.0.1 = this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8000,
    lm: Annotated[
        str, typer.Option(help="LM: auto, synthetic, none, an artifact name or a model folder.")
    ] = "auto",
    tts: Annotated[
        str, typer.Option(help="Voice: auto, synthetic, none, an artifact name or a folder.")
    ] = "auto",
    providers: Annotated[
        str, typer.Option(help="auto (TensorRT → CUDA → CPU), tensorrt, cuda or cpu.")
    ] = "auto",
    max_batch: Annotated[int, typer.Option(help="Most TTS requests per batch.", min=1)] = 16,
    max_wait_ms: Annotated[
        float, typer.Option(help="Longest grouping by length may pass a TTS request over.", min=0)
    ] = 10.0,
    max_padding_waste: Annotated[
        float, typer.Option(help="Most padding a TTS batch may add, as a fraction of its phonemes.", min=0)
    ] = 0.3,
    max_batch_tokens: Annotated[
        int, typer.Option(help="Most rows x padded phonemes per TTS batch (0 = no cap).", min=0)
    ] = 256,
    max_queue: Annotated[int, typer.Option(help="Waiting requests before answering 503.", min=1)] = 256,
    max_streams: Annotated[int, typer.Option(help="LM streams decoded together.", min=1)] = 32,
    ui: Annotated[
        bool, typer.Option("--ui/--no-ui", help="Mount the Gradio app at / (needs the ui extra).")
    ] = True,
    share: Annotated[bool, typer.Option(help="Ask Gradio for a public share link (off by default).")] = False,
) -> None:
    """Serve the app at /, and /v1/speak, /v1/generate, /metrics (Prometheus) and /health over HTTP.

    Example: indic serve --port 8000 --providers cuda --max-batch 32
    """
    import importlib.util

    if (ui or share) and importlib.util.find_spec("gradio") is None:
        _err.print(
            "[bold red]error:[/bold red] the app needs gradio: pip install 'indic-speech[ui]' "
            "(or run with --no-ui for the HTTP API alone)",
            highlight=False,
        )
        raise typer.Exit(code=1)
    from indic.artifacts import ArtifactNotFoundError
    from serving.engine import ModelLoadError
    from serving.providers import UnknownProviderError
    from serving.server import serve
    from serving.stack import ServeConfig, build_stack

    config = ServeConfig(
        lm=lm,
        tts=tts,
        providers=providers,
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
        max_padding_waste=max_padding_waste,
        max_batch_tokens=max_batch_tokens or None,
        max_queue=max_queue,
        max_streams=max_streams,
    )
    try:
        stack = build_stack(config)
    except (
        ArtifactNotFoundError,
        ModelLoadError,
        UnknownProviderError,
        FileNotFoundError,
        ValueError,
    ) as error:
        _err.print(f"[bold red]error:[/bold red] {error}", highlight=False)
        raise typer.Exit(code=1) from None
    for kind, name in stack.models.items():
        note = " (random weights: for testing the service only)" if name == "synthetic" else ""
        _err.print(f"{kind}: {name}{note}", highlight=False)
    try:
        _err.print(f"open http://{host}:{port}/ (app) · /docs (HTTP API) · /metrics", highlight=False)
        serve(stack, host=host, port=port, ui=ui, share=share)
    finally:
        stack.close()
