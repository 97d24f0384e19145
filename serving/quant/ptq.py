"""Post-training quantization of ``nn.Linear`` layers: weight-only or weight + activation.

Three calls, generic over any torch model (the LM in ``llm/``, a TTS model, a test MLP)::

    amax = calibrate_activations(model, held_out_batches)            # per-layer input |max|
    report = quantize_linear_weights(model, QuantSpec("fp8-e4m3"), activation_amax=amax)
    table = sensitivity_report(model_copy, QuantSpec("nvfp4"), batches)  # which layers lose most

Quantized layers hold their weight quantized-then-dequantized ("fake quantization"): the model
computes exactly what a kernel with those low-precision weights would compute with float32
accumulation, which is what an error study needs. With ``activation_amax`` each layer also rounds
its input to FP8 with a static per-tensor scale ``amax / max`` (saturating), as deployed FP8
inference does. Embedding gathers and norms are not ``nn.Linear`` and stay untouched; a tied output
projection gets its own quantized copy, so the embedding table keeps full precision.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import torch
from torch import nn

from serving.quant.error import relative_l2_error, sqnr_db
from serving.quant.formats import ELEMENT_FORMATS, FP8_E4M3, ElementFormat, round_to_element
from serving.quant.spec import QuantSpec, fake_quantize

RunFn = Callable[[nn.Module, Any], Any]


@dataclass(frozen=True)
class LayerError:
    """Weight error of one quantized layer."""

    name: str
    parameters: int
    rel_l2: float
    sqnr_db: float


class QuantizedLinear(nn.Module):
    """A linear layer with fake-quantized weights and, optionally, a statically quantized input."""

    input_scale: torch.Tensor | None

    def __init__(
        self,
        linear: nn.Linear,
        spec: QuantSpec,
        input_amax: float | None = None,
        activation_format: ElementFormat = FP8_E4M3,
    ) -> None:
        super().__init__()
        original = linear.weight.detach()
        # nn.Linear weights are [out, in]: channels on axis 0, the reduction (blocks) on axis 1.
        quantized = fake_quantize(original, spec, channel_axis=0, reduction_axis=1).to(original.dtype)
        self.weight = nn.Parameter(quantized, requires_grad=False)
        self.bias = (
            None if linear.bias is None else nn.Parameter(linear.bias.detach().clone(), requires_grad=False)
        )
        self.spec = spec
        self.activation_format = activation_format
        self.error = LayerError(
            "", original.numel(), relative_l2_error(original, quantized), sqnr_db(original, quantized)
        )
        scale = None
        if input_amax is not None:
            scale = torch.tensor(input_amax / activation_format.max_value if input_amax > 0 else 1.0)
        self.register_buffer("input_scale", scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_scale is not None:
            scale = self.input_scale.to(x.device)
            x = (round_to_element(x / scale, self.activation_format) * scale).to(x.dtype)
        return nn.functional.linear(x, self.weight, self.bias)


def linear_layers(model: nn.Module, skip: Sequence[str] = ()) -> list[str]:
    """Names of the ``nn.Linear`` modules of ``model``, minus those matching a ``skip`` glob pattern."""
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and not any(fnmatch.fnmatchcase(name, pattern) for pattern in skip)
    ]


def _replace(model: nn.Module, name: str, module: nn.Module) -> nn.Module:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    previous = getattr(parent, child)
    setattr(parent, child, module)
    return previous


def quantize_linear_weights(
    model: nn.Module,
    spec: QuantSpec,
    *,
    skip: Sequence[str] = (),
    activation_amax: dict[str, float] | None = None,
    activation_format: str = "e4m3",
) -> list[LayerError]:
    """Replace every ``nn.Linear`` of ``model`` (in place) by a :class:`QuantizedLinear`.

    ``skip`` holds glob patterns of module names to keep (e.g. ``["lm_head"]``). With
    ``activation_amax`` (from :func:`calibrate_activations`) inputs are quantized too, to
    ``activation_format`` (``e4m3`` or ``e5m2``). Returns each layer's weight error.

    >>> model = nn.Sequential(nn.Linear(64, 8))
    >>> [e.name for e in quantize_linear_weights(model, QuantSpec("mxfp8"))]
    ['0']
    """
    act_fmt = ELEMENT_FORMATS[activation_format]
    errors = []
    for name in linear_layers(model, skip):
        linear = cast(nn.Linear, model.get_submodule(name))
        amax = None if activation_amax is None else activation_amax[name]
        quantized = QuantizedLinear(linear, spec, amax, act_fmt)
        _replace(model, name, quantized)
        errors.append(
            LayerError(name, quantized.error.parameters, quantized.error.rel_l2, quantized.error.sqnr_db)
        )
    return errors


def _default_run(model: nn.Module, batch: Any) -> Any:
    return model(batch)


def calibrate_activations(
    model: nn.Module, batches: Iterable[Any], run: RunFn = _default_run
) -> dict[str, float]:
    """The largest input magnitude each ``nn.Linear`` sees over ``batches`` (held-out data).

    ``run(model, batch)`` drives one forward pass (default ``model(batch)``).
    """
    amax: dict[str, float] = {}
    handles = []
    for name in linear_layers(model):

        def record(_module: nn.Module, inputs: tuple[torch.Tensor, ...], name: str = name) -> None:
            amax[name] = max(amax.get(name, 0.0), float(inputs[0].detach().abs().max()))

        handles.append(model.get_submodule(name).register_forward_pre_hook(record))
    try:
        with torch.no_grad():
            for batch in batches:
                run(model, batch)
    finally:
        for handle in handles:
            handle.remove()
    return amax


def _output_tensor(output: Any) -> torch.Tensor:
    """The main tensor of a model's output: itself, ``logits`` of a mapping, or a tuple's first item."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, dict):
        return output["logits"]
    return output[0]


def sensitivity_report(
    model: nn.Module,
    spec: QuantSpec,
    batches: Sequence[Any],
    *,
    run: RunFn = _default_run,
    metric: Callable[[nn.Module], float] | None = None,
    skip: Sequence[str] = (),
) -> pd.DataFrame:
    """Quantize one ``nn.Linear`` at a time and measure what the model loses; worst layers first.

    Without ``metric`` the loss is the relative L2 error of the model's outputs on ``batches``
    against the unquantized model. With ``metric(model) -> float`` (e.g. bits per byte on FLORES dev,
    lower is better) the table also reports its change. The model is restored afterwards.
    """
    with torch.no_grad():
        reference = [_output_tensor(run(model, batch)).float() for batch in batches]
        baseline = metric(model) if metric is not None else None
        rows = []
        for name in linear_layers(model, skip):
            original = cast(nn.Linear, model.get_submodule(name))
            quantized = QuantizedLinear(original, spec)
            _replace(model, name, quantized)
            try:
                outputs = [_output_tensor(run(model, batch)).float() for batch in batches]
                row = {
                    "layer": name,
                    "parameters": quantized.error.parameters,
                    "weight_rel_l2": quantized.error.rel_l2,
                    "weight_sqnr_db": quantized.error.sqnr_db,
                    "output_rel_l2": relative_l2_error(
                        torch.cat([r.flatten() for r in reference]), torch.cat([o.flatten() for o in outputs])
                    ),
                }
                if metric is not None and baseline is not None:
                    value = metric(model)
                    row.update(metric=value, metric_delta=value - baseline)
                rows.append(row)
            finally:
                _replace(model, name, original)
    sort_by = "metric_delta" if metric is not None else "output_rel_l2"
    table = pd.DataFrame(rows)
    return table.sort_values(sort_by, ascending=False, ignore_index=True) if rows else table
