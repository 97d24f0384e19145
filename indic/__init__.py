"""indic-speech core: languages, text normalization, token efficiency.

The public helpers are imported lazily so that ``import indic`` stays cheap::

    >>> import indic
    >>> tok = indic.load_tokenizer("indic-superbpe-64k")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_tokenizer": ("indic.efficiency", "load_tokenizer"),
    "measure": ("indic.efficiency", "measure"),
    "normalize": ("indic.text", "normalize"),
    "get_language": ("indic.languages", "get_language"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module 'indic' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
