"""Plain-text tables for quantization reports, shared by the CLI, the benches and the docs.

>>> print(markdown_table([{"format": "mxfp8", "sqnr_db": 31.25}], ["format", "sqnr_db"]))
| format | sqnr_db |
| --- | --- |
| mxfp8 | 31.25 |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def format_cell(value: Any) -> str:
    """Floats with 4 significant digits (errors span many decades), everything else as ``str``."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A GitHub-flavoured markdown table of ``rows`` restricted to ``columns``."""
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(format_cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def human_bytes(count: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    raise AssertionError("unreachable")
