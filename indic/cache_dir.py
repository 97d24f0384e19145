"""The one folder the project caches derived files in (token counts, serving copies of graphs).

``INDIC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/indic-speech``, else ``~/.cache/indic-speech``; each
user of the cache gets its own subfolder.

>>> project_cache_dir("serving").name
'serving'
"""

from __future__ import annotations

import os
from pathlib import Path


def project_cache_dir(name: str) -> Path:
    """The cache subfolder ``name`` (not created here)."""
    if root := os.environ.get("INDIC_CACHE_DIR"):
        return Path(root) / name
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "indic-speech" / name
