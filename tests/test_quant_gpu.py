"""The same torch quantizers on a CUDA GPU: bit-identical to the CPU, and usable by ``torch._scaled_mm``."""

from __future__ import annotations

import pytest
import torch

from serving.quant.fp8 import quantize_fp8
from serving.quant.ptq import quantize_linear_weights
from serving.quant.spec import QuantSpec, quantize

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

SPECS = [
    QuantSpec("fp8-e4m3", "tensor"),
    QuantSpec("fp8-e4m3", "channel"),
    QuantSpec("fp8-e5m2", "channel"),
    *(QuantSpec("mxfp8", scale_rule=r) for r in ("floor", "nearest", "ceil")),
    *(QuantSpec("mxfp4", scale_rule=r) for r in ("floor", "nearest", "ceil")),
    *(QuantSpec("nvfp4", scale_rule=r) for r in ("nearest", "ceil")),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.label)
def test_gpu_and_cpu_quantizers_agree_bit_for_bit(spec: QuantSpec) -> None:
    torch.manual_seed(0)
    x = torch.distributions.StudentT(3.0).sample((256, 1000)) * 0.02
    x[5, 17] = 40.0
    on_cpu = quantize(x, spec).dequantize()
    on_gpu = quantize(x.cuda(), spec).dequantize().cpu()
    assert torch.equal(on_cpu.view(torch.int32), on_gpu.view(torch.int32))


def test_scaled_mm_on_our_fp8_codes_matches_the_dequantized_product() -> None:
    torch.manual_seed(1)
    a, w = torch.randn(256, 512, device="cuda"), torch.randn(384, 512, device="cuda") * 0.05
    qa, qw = quantize_fp8(a), quantize_fp8(w)
    product = torch._scaled_mm(
        qa.as_torch_float8(),
        qw.as_torch_float8().t(),
        qa.scale.reshape(()).float(),
        qw.scale.reshape(()).float(),
        out_dtype=torch.float32,
    )
    reference = qa.dequantize() @ qw.dequantize().t()
    # Hopper's FP8 tensor cores accumulate with fewer bits than float32 (measured ~1.3e-4 here); a wrong
    # code or scale would be off by 1e-1 or more.
    assert float((product - reference).norm() / reference.norm()) < 1e-3


def test_ptq_runs_on_a_gpu_model() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 8)).cuda()
    errors = quantize_linear_weights(model, QuantSpec("nvfp4"))
    assert len(errors) == 2 and model(torch.randn(4, 64, device="cuda")).is_cuda
