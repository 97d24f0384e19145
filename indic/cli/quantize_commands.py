"""`indic quantize` — store an ONNX model's MatMul/Gemm weights in FP8, MXFP8, MXFP4 or NVFP4.

The work lives in :mod:`serving.quant.onnx_fp8` (imported inside the command: it needs torch).
Bad input — a missing or unreadable model, an unknown format or scale rule, a graph with nothing to
quantize — ends in one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from indic.cli.errors import fail
from indic.cli.groups import app

_out = Console()
_err = Console(stderr=True)


@app.command("quantize")
def quantize(
    model: Annotated[Path, typer.Argument(help="The ONNX model to quantize (float32 weights).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the quantized ONNX model.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="fp8-e4m3, fp8-e5m2, mxfp8, mxfp4 or nvfp4 (4-bit: GPU runtimes only)."
        ),
    ] = "fp8-e4m3",
    granularity: Annotated[
        str, typer.Option(help="FP8 scales: one per output 'channel' or one per 'tensor'.")
    ] = "channel",
    scale_rule: Annotated[
        str | None,
        typer.Option(
            help="MX: floor (OCP), ceil (round up, default) or nearest; NVFP4: nearest (default) or ceil."
        ),
    ] = None,
    min_elements: Annotated[int, typer.Option(help="Leave weights with fewer elements in float32.")] = 1024,
    report: Annotated[
        Path | None, typer.Option(help="Also write the per-tensor report as JSON here.")
    ] = None,
) -> None:
    """Quantize the weights of MatMul/Gemm nodes and print each tensor's error and size.

    FP8/MXFP8 graphs run on onnxruntime CPU and CUDA, which dequantize: this saves memory, not time.

    MXFP4/NVFP4 graphs (FLOAT4E2M1) need a GPU runtime that implements them (TensorRT).

    Example: indic quantize lm.onnx --format mxfp8 --out lm.mxfp8.onnx
    """
    import dataclasses
    import json

    import onnx

    from indic.atomic import atomic_write_bytes, atomic_write_text
    from serving.quant.onnx_fp8 import (
        CPU_RUNNABLE_FORMATS,
        SHIPPED_GRAPH_OPTIMIZATION_LEVEL,
        OnnxRewriteError,
        load_on_cpu,
        quantize_onnx_model,
    )
    from serving.quant.report import human_bytes
    from serving.quant.spec import QuantSpec, UnknownFormatError

    try:
        spec = QuantSpec(fmt, granularity, scale_rule)  # type: ignore[arg-type]
    except UnknownFormatError as error:
        raise fail(str(error)) from None
    if not model.is_file():
        raise fail(f"model not found: {model}")
    try:
        source = onnx.load(str(model))
        onnx.checker.check_model(source)
    except Exception as error:  # onnx raises DecodeError, ValidationError, OSError…: all mean "not a model"
        raise fail(f"{model} is not a valid ONNX model ({type(error).__name__}: {error})") from None
    try:
        quantized, tensors = quantize_onnx_model(source, spec, min_elements=min_elements)
    except (OnnxRewriteError, ValueError) as error:
        raise fail(str(error)) from None

    data = quantized.SerializeToString()
    if spec.format in CPU_RUNNABLE_FORMATS:
        try:
            load_on_cpu(data)
        except Exception as error:  # onnxruntime raises its own exception types
            raise fail(f"the quantized graph does not load in onnxruntime CPU: {error}") from None
        runtime = f"loads on onnxruntime CPU ({SHIPPED_GRAPH_OPTIMIZATION_LEVEL})"
    else:
        runtime = "no onnxruntime CPU kernel for FLOAT4E2M1: needs a GPU runtime"
    atomic_write_bytes(out, data)
    table = Table(title=f"{model.name} → {out.name} ({spec.label})")
    for column in ("weight", "shape", "rel. L2 error", "SQNR dB", "before", "after"):
        table.add_column(column, justify="left" if column in ("weight", "shape") else "right")
    for t in tensors:
        shape = "×".join(map(str, t.shape))
        sizes = (human_bytes(t.bytes_before), human_bytes(t.bytes_after))
        table.add_row(t.name, shape, f"{t.rel_l2:.3e}", f"{t.sqnr_db:.1f}", *sizes)
    _out.print(table)
    before, after = sum(t.bytes_before for t in tensors), sum(t.bytes_after for t in tensors)
    file_sizes = f"{human_bytes(model.stat().st_size)} → {human_bytes(len(data))}"
    _out.print(
        f"{len(tensors)} weights: {human_bytes(before)} → {human_bytes(after)} "
        f"({before / after:.2f}× smaller); file {file_sizes}"
    )
    _out.print(runtime)
    if report is not None:
        rows = [dataclasses.asdict(t) for t in tensors]
        atomic_write_text(report, json.dumps({"format": spec.label, "tensors": rows}, indent=2) + "\n")
