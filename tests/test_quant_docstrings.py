"""The examples in serving.quant's docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "serving.quant",
    "serving.quant.formats",
    "serving.quant.e8m0",
    "serving.quant.blocks",
    "serving.quant.packing",
    "serving.quant.fp8",
    "serving.quant.mx",
    "serving.quant.nvfp4",
    "serving.quant.spec",
    "serving.quant.error",
    "serving.quant.report",
    "serving.quant.ptq",
    "serving.quant.onnx_fp8",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
