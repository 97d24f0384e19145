"""Model-level post-training quantization on a small transformer block defined here."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from serving.quant.formats import FP8_E4M3, round_to_element
from serving.quant.ptq import (
    QuantizedLinear,
    calibrate_activations,
    linear_layers,
    quantize_linear_weights,
    sensitivity_report,
)
from serving.quant.spec import QUANT_FORMATS, QuantSpec, UnknownFormatError, fake_quantize


class TinyBlock(nn.Module):
    """Pre-norm attention + SwiGLU feed-forward, the shape of the LM's decoder layer."""

    def __init__(self, d_model: int = 64, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.out = nn.Linear(d_model, d_model, bias=False)
        self.norm2 = nn.LayerNorm(d_model)
        self.gate = nn.Linear(d_model, 4 * d_model, bias=False)
        self.up = nn.Linear(d_model, 4 * d_model, bias=False)
        self.down = nn.Linear(4 * d_model, d_model, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, width = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(batch, seq, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attended = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, seq, width))
        h = self.norm2(x)
        return x + self.down(nn.functional.silu(self.gate(h)) * self.up(h))


@pytest.fixture()
def block() -> TinyBlock:
    torch.manual_seed(0)
    return TinyBlock().eval()


@pytest.fixture()
def batches() -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(2, 16, 64, generator=generator) for _ in range(3)]


def output_error(model: nn.Module, batches: list[torch.Tensor], reference: list[torch.Tensor]) -> float:
    with torch.no_grad():
        return max(float((model(b) - r).norm() / r.norm()) for b, r in zip(batches, reference, strict=True))


@pytest.mark.parametrize("fmt", QUANT_FORMATS)
def test_weight_only_ptq_swaps_every_linear_and_keeps_outputs_close(block, batches, fmt) -> None:
    with torch.no_grad():
        reference = [block(b) for b in batches]
    errors = quantize_linear_weights(block, QuantSpec(fmt))
    assert {e.name for e in errors} == {"qkv", "out", "gate", "up", "down"}
    assert all(isinstance(block.get_submodule(e.name), QuantizedLinear) for e in errors)
    assert 0 < output_error(block, batches, reference) < (0.1 if fmt.endswith("4") else 0.05)


def test_quantized_weights_are_exactly_the_fake_quantized_originals(block) -> None:
    original = block.gate.weight.detach().clone()
    quantize_linear_weights(block, QuantSpec("nvfp4"))
    expected = fake_quantize(original, QuantSpec("nvfp4"), channel_axis=0, reduction_axis=1)
    assert torch.equal(block.gate.weight, expected)


def test_skip_patterns_leave_matching_layers_in_full_precision(block) -> None:
    quantize_linear_weights(block, QuantSpec("mxfp4"), skip=["qkv", "do*"])
    assert type(block.qkv) is nn.Linear and type(block.down) is nn.Linear
    assert isinstance(block.up, QuantizedLinear)


def test_calibration_records_each_layers_largest_input(block, batches) -> None:
    amax = calibrate_activations(block, batches)
    assert set(amax) == set(linear_layers(block))
    with torch.no_grad():
        expected_qkv = max(float(block.norm1(b).abs().max()) for b in batches)
    assert amax["qkv"] == pytest.approx(expected_qkv)
    assert not block.qkv._forward_pre_hooks  # hooks removed afterwards


def test_a_calibrated_layer_rounds_its_input_to_the_scaled_e4m3_grid() -> None:
    torch.manual_seed(2)
    linear = nn.Linear(32, 8)
    x = torch.randn(5, 32) * 3
    layer = QuantizedLinear(linear, QuantSpec("fp8-e4m3"), input_amax=4.0)
    scale = torch.tensor(4.0 / 448)
    expected_input = round_to_element(x / scale, FP8_E4M3) * scale  # saturates beyond |x| = 4
    assert torch.equal(layer(x), nn.functional.linear(expected_input, layer.weight, layer.bias))


def test_weight_and_activation_ptq_costs_more_than_weight_only(block, batches) -> None:
    with torch.no_grad():
        reference = [block(b) for b in batches]
    weight_only, both = copy.deepcopy(block), copy.deepcopy(block)
    quantize_linear_weights(weight_only, QuantSpec("fp8-e4m3"))
    quantize_linear_weights(
        both, QuantSpec("fp8-e4m3"), activation_amax=calibrate_activations(block, batches)
    )
    assert 0 < output_error(weight_only, batches, reference) < output_error(both, batches, reference) < 0.1


def test_sensitivity_report_ranks_layers_and_restores_the_model(block, batches) -> None:
    with torch.no_grad():
        # an outlier that squeezes every other weight of `up` into E4M3's subnormals under one
        # per-tensor scale; its own unit is muted so that the outlier does not dominate the output
        block.up.weight[0, 0] = 1e4
        block.down.weight[:, 0] = 0.0
    before = {k: v.clone() for k, v in block.state_dict().items()}
    table = sensitivity_report(block, QuantSpec("fp8-e4m3", granularity="tensor"), batches)
    assert list(table.columns) == ["layer", "parameters", "weight_rel_l2", "weight_sqnr_db", "output_rel_l2"]
    assert set(table.layer) == {"qkv", "out", "gate", "up", "down"}
    assert table.output_rel_l2.is_monotonic_decreasing
    assert table.layer.iloc[0] == "up"
    assert all(type(block.get_submodule(n)) is nn.Linear for n in table.layer)
    assert all(torch.equal(before[k], v) for k, v in block.state_dict().items())


def test_sensitivity_report_accepts_a_model_metric(block, batches) -> None:
    table = sensitivity_report(
        block, QuantSpec("mxfp4"), batches, metric=lambda m: float(m(batches[0]).abs().mean())
    )
    assert {"metric", "metric_delta"} <= set(table.columns)


def test_unknown_formats_and_rules_are_refused_by_name() -> None:
    with pytest.raises(UnknownFormatError, match="fp8-e4m3"):
        QuantSpec("int3")
    with pytest.raises(UnknownFormatError, match="floor"):
        QuantSpec("nvfp4", scale_rule="floor")
