"""Where the optional reference data lives: evaluation sets and other tokenizers, never shipped.

The project is developed beside a read-only ``shared/`` folder (training corpora, FLORES-200 dev,
anchor tokenizers of other models). It is found through ``INDIC_SHARED_DIR`` or as ``../shared``
seen from the current directory (the repository root). Nothing in the package requires it: every
caller asks :func:`reference_dir` and degrades, or raises a clear error naming the variable.

    >>> reference_dir() is None or reference_dir().is_dir()
    True
"""

from __future__ import annotations

import os
from pathlib import Path

ANCHOR_TOKENIZERS: dict[str, str] = {
    "gpt-4o (o200k)": "anchors/tokenizers/o200k_base/o200k_base.tiktoken",
    "gpt-4 (cl100k)": "anchors/tokenizers/cl100k_base/cl100k_base.tiktoken",
    "llama-3": "anchors/tokenizers/llama3/tokenizer.model",
    "llama-4": "anchors/tokenizers/llama4/tokenizer.model",
    "qwen2": "anchors/tokenizers/qwen2",
    "llama-2": "anchors/tokenizers/llama2/tokenizer.model",
    "mistral-v3": "anchors/tokenizers/mistral_v3/tokenizer.model",
}
"""Other models' tokenizers kept in the reference data, by display name → path inside it."""


class ReferenceDataMissingError(FileNotFoundError):
    """Raised when a caller needs the reference data and it is not there."""


def reference_dir() -> Path | None:
    """The reference data folder (``$INDIC_SHARED_DIR`` or ``../shared``), or None when absent."""
    configured = os.environ.get("INDIC_SHARED_DIR")
    root = Path(configured) if configured else Path.cwd().parent / "shared"
    return root if (root / "corpora").is_dir() or (root / "anchors").is_dir() else None


def require_reference_path(relative: str, what: str) -> Path:
    """``reference_dir() / relative``, or a clear error saying how to provide it."""
    root = reference_dir()
    path = root / relative if root is not None else None
    if path is None or not path.exists():
        raise ReferenceDataMissingError(
            f"{what} not found ({relative}): run from the repository beside ../shared, "
            "or set INDIC_SHARED_DIR to the folder that holds corpora/ and anchors/"
        )
    return path


def anchor_tokenizers() -> dict[str, Path]:
    """Display name → file of every anchor tokenizer present in the reference data."""
    root = reference_dir()
    if root is None:
        return {}
    return {name: root / rel for name, rel in ANCHOR_TOKENIZERS.items() if (root / rel).exists()}
