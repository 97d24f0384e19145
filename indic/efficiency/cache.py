"""A disk cache of token counts, keyed by tokenizer fingerprint and text hash.

Re-running a report over unchanged tokenizers and text should cost only the hashing. Keys are
sha256 digests of the tokenizer's files and settings and of the exact lines, so a changed file
can never be served a stale count. Entries are small JSON files written atomically (a killed run
leaves no half-written entry). The folder is ``$INDIC_CACHE_DIR``, else
``$XDG_CACHE_HOME/indic-speech``, else ``~/.cache/indic-speech``; ``efficiency/`` beneath it.

    >>> import tempfile
    >>> cache = CountCache(Path(tempfile.mkdtemp()))
    >>> cache.put("tok", "text", TokenCount(tokens=7, roundtrip_failures=0))
    >>> cache.get("tok", "text")
    TokenCount(tokens=7, roundtrip_failures=0)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from indic.atomic import atomic_write_text
from indic.cache_dir import project_cache_dir


@dataclass(frozen=True)
class TokenCount:
    """Tokens of one tokenizer over one language's lines, and lines that failed to round-trip."""

    tokens: int
    roundtrip_failures: int


# Part of every key: bump it whenever what a count means changes (e.g. the round-trip rule),
# so that entries written under the old meaning are never read again.
METHOD_VERSION = 2


def default_cache_dir() -> Path:
    """Where counts are cached (see the module docstring for the order of precedence)."""
    return project_cache_dir("efficiency")


class CountCache:
    """Token counts on disk; a missing or unreadable entry is a miss, never an error."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_cache_dir()

    def _path(self, tokenizer_fingerprint: str, text_hash: str) -> Path:
        key = hashlib.sha256(f"{METHOD_VERSION}:{tokenizer_fingerprint}:{text_hash}".encode()).hexdigest()
        return self.folder / key[:2] / f"{key}.json"

    def get(self, tokenizer_fingerprint: str, text_hash: str) -> TokenCount | None:
        path = self._path(tokenizer_fingerprint, text_hash)
        try:
            return TokenCount(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, tokenizer_fingerprint: str, text_hash: str, count: TokenCount) -> None:
        atomic_write_text(self._path(tokenizer_fingerprint, text_hash), json.dumps(asdict(count)))
