"""The examples in the corpora modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import corpora

MODULES = ["corpora", *(f"corpora.{info.name}" for info in pkgutil.iter_modules(corpora.__path__))]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_of_corpora_modules_hold(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
