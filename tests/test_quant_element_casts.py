"""The element casts of serving.quant agree exactly with ml_dtypes (after clamping) on every input."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from quant_reference import DTYPES, cast

from serving.quant.formats import (
    ELEMENT_FORMATS,
    FP4_E2M1,
    FP8_E4M3,
    FP8_E5M2,
    NonFiniteValueError,
    decode_element,
    encode_element,
    round_to_element,
)

FORMAT_NAMES = list(ELEMENT_FORMATS)


def all_codes(fmt_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Every bit code of a format and the value ml_dtypes gives it."""
    bits = ELEMENT_FORMATS[fmt_name].bits
    codes = np.arange(2**bits, dtype=np.uint8)
    if bits == 8:
        return codes, codes.view(DTYPES[fmt_name]).astype(np.float32)
    values = np.array([ml_dtypes.float4_e2m1fn(v) for v in FP4_E2M1.positive_grid.tolist()], dtype=np.float32)
    return codes, np.concatenate([values, -values]).astype(np.float32)


@pytest.mark.parametrize("fmt_name", FORMAT_NAMES)
def test_every_code_decodes_to_the_ml_dtypes_value(fmt_name: str) -> None:
    codes, expected = all_codes(fmt_name)
    decoded = decode_element(torch.from_numpy(codes), ELEMENT_FORMATS[fmt_name]).numpy()
    np.testing.assert_array_equal(decoded, expected)


@pytest.mark.parametrize("fmt_name", FORMAT_NAMES)
def test_every_finite_value_encodes_back_to_its_own_code(fmt_name: str) -> None:
    codes, values = all_codes(fmt_name)
    finite = np.isfinite(values)
    encoded = encode_element(torch.from_numpy(values[finite]), ELEMENT_FORMATS[fmt_name]).numpy()
    np.testing.assert_array_equal(encoded, codes[finite])


@pytest.mark.parametrize("fmt_name", FORMAT_NAMES)
def test_midpoints_between_codes_round_to_even_like_ml_dtypes(fmt_name: str) -> None:
    grid = ELEMENT_FORMATS[fmt_name].positive_grid.numpy()
    midpoints = (grid[:-1] + grid[1:]) / 2
    nudged = np.concatenate([midpoints, np.nextafter(midpoints, 0), np.nextafter(midpoints, np.inf)])
    inputs = np.concatenate([nudged, -nudged]).astype(np.float32)
    ours = round_to_element(torch.from_numpy(inputs), ELEMENT_FORMATS[fmt_name]).numpy()
    np.testing.assert_array_equal(ours, cast(inputs, fmt_name))


@pytest.mark.parametrize("fmt_name", FORMAT_NAMES)
def test_all_float16_values_round_like_ml_dtypes_after_clamping(fmt_name: str) -> None:
    halves = np.arange(2**16, dtype=np.uint16).view(np.float16).astype(np.float32)
    halves = halves[np.isfinite(halves)]
    ours = round_to_element(torch.from_numpy(halves), ELEMENT_FORMATS[fmt_name]).numpy()
    np.testing.assert_array_equal(ours.view(np.uint32), cast(halves, fmt_name).view(np.uint32))


@pytest.mark.parametrize("fmt_name", FORMAT_NAMES)
@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1, max_size=64))
def test_any_finite_float32_rounds_like_ml_dtypes_after_clamping(fmt_name: str, values: list[float]) -> None:
    inputs = np.array(values, dtype=np.float32)
    ours = round_to_element(torch.from_numpy(inputs), ELEMENT_FORMATS[fmt_name]).numpy()
    # compare bit patterns so that -0.0 and +0.0 count as different
    np.testing.assert_array_equal(ours.view(np.uint32), cast(inputs, fmt_name).view(np.uint32))


def test_out_of_range_values_saturate_instead_of_becoming_nan() -> None:
    inputs = torch.tensor([500.0, -1e30, float("inf"), 1e6])
    assert round_to_element(inputs, FP8_E4M3).tolist() == [448.0, -448.0, 448.0, 448.0]
    assert round_to_element(inputs, FP8_E5M2).tolist() == [512.0, -57344.0, 57344.0, 57344.0]


def test_nan_encodes_to_the_nan_code_in_fp8_and_is_refused_by_fp4() -> None:
    assert encode_element(torch.tensor([float("nan")]), FP8_E4M3).item() == 0x7F
    with pytest.raises(NonFiniteValueError):
        encode_element(torch.tensor([float("nan")]), FP4_E2M1)


def test_e2m1_has_exactly_the_eight_documented_magnitudes() -> None:
    assert FP4_E2M1.positive_grid.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
