"""Scale computation of FP8, MX and NVFP4: hand-worked examples and bit-exact agreement with the
NumPy reference in tests/quant_reference.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from quant_reference import fp8_qdq, mx_qdq, nvfp4_qdq

from serving.quant.e8m0 import decode_e8m0, encode_e8m0
from serving.quant.formats import FP4_E2M1, FP8_E4M3, FP8_E5M2, NonFiniteValueError, decode_element
from serving.quant.fp8 import quantize_fp8
from serving.quant.mx import MX_SCALE_RULES, quantize_mx
from serving.quant.nvfp4 import NVFP4_SCALE_RULES, quantize_nvfp4
from serving.quant.packing import pack_nibbles, unpack_nibbles


def heavy_tailed(rows: int, cols: int, seed: int) -> torch.Tensor:
    """Student-t (3 degrees of freedom) values with a few large outliers, like trained weights."""
    generator = np.random.default_rng(seed)
    values = generator.standard_t(3, size=(rows, cols)).astype(np.float32)
    values.flat[generator.choice(values.size, 4, replace=False)] *= 50
    return torch.from_numpy(values)


def mx_block(values: list[float], fmt=FP8_E4M3, rule: str = "ceil") -> tuple[float, list[float]]:
    """Quantize one block of 32 (the values repeated) and return (scale, distinct dequantized values)."""
    block = torch.tensor((values * 32)[:32])
    q = quantize_mx(block, fmt, rule=rule)
    return decode_e8m0(q.scale_codes).item(), q.dequantize().unique(sorted=True).tolist()


def test_e8m0_codes_round_trip_and_0xff_is_nan() -> None:
    exponents = torch.arange(-127, 128)
    codes = encode_e8m0(exponents)
    assert codes.tolist() == list(range(255))
    assert torch.equal(decode_e8m0(codes), torch.exp2(exponents.float()))
    assert torch.isnan(decode_e8m0(torch.tensor([255], dtype=torch.uint8))).all()
    assert encode_e8m0(torch.tensor([-300, 300])).tolist() == [0, 254]


def test_ocp_floor_rule_saturates_the_block_maximum_and_round_up_does_not() -> None:
    # amax = 500: floor(log2 500) - 8 = 0, so 500 saturates to 448; round-up picks 2**1 (500/2 = 250 -> 256).
    assert mx_block([500.0, 1.0], rule="floor") == (1.0, [1.0, 448.0])
    assert mx_block([500.0, 1.0], rule="ceil") == (2.0, [1.0, 512.0])


def test_round_up_rule_keeps_an_exact_fit_at_the_element_maximum() -> None:
    for rule in MX_SCALE_RULES:
        assert mx_block([448.0 / 8, 1.0], rule=rule) == (1 / 8, [1.0, 56.0])


def test_nearest_rule_picks_the_closer_power_of_two_and_saturates() -> None:
    # amax / 448 = 2**-8.8: 2**-9 is nearer than 2**-8, so 1.0 / 2**-9 = 512 saturates to 448.
    assert mx_block([1.0], rule="nearest") == (2.0**-9, [0.875])
    assert mx_block([1.0], rule="ceil")[0] == 2.0**-8


def test_all_equal_mxfp4_blocks_follow_the_worked_examples() -> None:
    # 3.0: every rule gives 2**-1 and 3 / 0.5 = 6 is exact.
    assert all(mx_block([3.0], FP4_E2M1, rule) == (0.5, [3.0]) for rule in MX_SCALE_RULES)
    # 7.0: floor gives 2**0 (7 saturates to 6); round-up gives 2**1 (3.5 ties to even 4, so 8).
    assert mx_block([7.0], FP4_E2M1, "floor") == (1.0, [6.0])
    assert mx_block([7.0], FP4_E2M1, "ceil") == (2.0, [8.0])


def test_a_zero_block_stores_scale_one_and_zero_elements() -> None:
    for rule in MX_SCALE_RULES:
        q = quantize_mx(torch.zeros(2, 32), FP8_E4M3, rule=rule)
        assert q.scale_codes.tolist() == [[127], [127]]
        assert not q.dequantize().any()


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_blocks_with_inf_or_nan_are_refused_with_a_clear_error(bad: float) -> None:
    tensor = torch.ones(64)
    tensor[40] = bad
    with pytest.raises(NonFiniteValueError, match="Inf or NaN"):
        quantize_mx(tensor, FP8_E4M3)
    with pytest.raises(NonFiniteValueError):
        quantize_nvfp4(tensor)
    with pytest.raises(NonFiniteValueError):
        quantize_fp8(tensor)


def nvfp4_example() -> torch.Tensor:
    """Four blocks of 16; the tensor amax 2688 = 448 * 6 makes the global scale exactly 1."""
    blocks = [[2688.0, 1344.0] + [0.0] * 14, [0.0] * 16, [100.0] * 16, [1e-4] * 16]
    return torch.tensor(blocks).reshape(-1)


def test_nvfp4_worked_example_with_nearest_block_scales() -> None:
    q = quantize_nvfp4(nvfp4_example(), rule="nearest")
    assert q.global_scale.item() == 1.0
    # block scales: 2688/6 = 448; zero; 100/6 = 16.67 -> 16; 1e-4/6 underflows E4M3 -> 0
    assert decode_element(q.block_scale_codes, FP8_E4M3).tolist() == [448.0, 0.0, 16.0, 0.0]
    values = q.dequantize().reshape(4, 16)
    assert values[0, :2].tolist() == [2688.0, 1344.0]
    assert not values[1].any() and not values[3].any()
    assert values[2].unique().tolist() == [96.0]  # 100 / 16 = 6.25 saturates to 6


def test_nvfp4_round_up_block_scale_never_saturates_but_can_be_coarser() -> None:
    q = quantize_nvfp4(nvfp4_example(), rule="ceil")
    assert decode_element(q.block_scale_codes, FP8_E4M3).tolist() == [448.0, 0.0, 18.0, 2.0**-9]
    assert q.dequantize().reshape(4, 16)[2].unique().tolist() == [108.0]  # 100 / 18 = 5.56 -> 6


def test_nvfp4_of_an_all_zero_tensor_is_zero() -> None:
    q = quantize_nvfp4(torch.zeros(3, 32))
    assert q.global_scale.item() == 1.0 and not q.dequantize().any()


def test_fp8_scale_is_amax_over_max_per_tensor_and_per_channel() -> None:
    x = torch.tensor([[1.0, -896.0], [0.0, 0.0], [3.0, 56.0]])
    assert quantize_fp8(x).scale.item() == 2.0
    assert quantize_fp8(x, axis=0).scale.flatten().tolist() == [2.0, 1.0, 0.125]
    assert torch.equal(quantize_fp8(x, axis=0).dequantize(), x)


@pytest.mark.parametrize("fmt", [FP8_E4M3, FP8_E5M2], ids=lambda f: f.name)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_fp8_matches_the_numpy_reference_bit_for_bit(fmt, axis) -> None:
    x = heavy_tailed(24, 80, seed=1)
    expected = fp8_qdq(x.numpy(), fmt.name, axis)
    np.testing.assert_array_equal(quantize_fp8(x, fmt, axis=axis).dequantize().numpy(), expected)


@pytest.mark.parametrize("fmt", [FP8_E4M3, FP4_E2M1], ids=lambda f: f.name)
@pytest.mark.parametrize("rule", MX_SCALE_RULES)
def test_mx_matches_the_numpy_reference_bit_for_bit(fmt, rule: str) -> None:
    x = heavy_tailed(24, 100, seed=2) * 1e-3  # 100 columns: the last block of each row is partial
    expected = mx_qdq(x.numpy(), fmt.name, rule)
    np.testing.assert_array_equal(quantize_mx(x, fmt, axis=1, rule=rule).dequantize().numpy(), expected)


@pytest.mark.parametrize("rule", NVFP4_SCALE_RULES)
def test_nvfp4_matches_the_numpy_reference_bit_for_bit(rule: str) -> None:
    x = heavy_tailed(24, 72, seed=3)
    np.testing.assert_array_equal(
        quantize_nvfp4(x, rule=rule).dequantize().numpy(), nvfp4_qdq(x.numpy(), rule)
    )


def test_blocks_run_along_the_requested_axis() -> None:
    x = heavy_tailed(64, 8, seed=4)
    along_rows = quantize_mx(x, FP8_E4M3, axis=0).dequantize()
    transposed = quantize_mx(x.T.contiguous(), FP8_E4M3, axis=1).dequantize().T
    assert torch.equal(along_rows, transposed)
    assert quantize_mx(x, FP8_E4M3, axis=0).scale_codes.shape == (8, 2)


def test_four_bit_codes_pack_two_per_byte_low_nibble_first_and_unpack() -> None:
    codes = torch.randint(0, 16, (1001,), dtype=torch.uint8)
    packed = pack_nibbles(codes)
    assert packed.numel() == 501 and packed[0].item() == codes[0].item() | (codes[1].item() << 4)
    assert torch.equal(unpack_nibbles(packed, 1001), codes)
    with pytest.raises(ValueError):
        pack_nibbles(torch.tensor([16], dtype=torch.uint8))
