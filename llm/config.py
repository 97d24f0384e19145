"""Configuration of the compact decoder: one dataclass shared by training, export and the artifact card.

The same field names appear as CLI flags (`indic lm train --d-model 384`), as keyword arguments and in
``config.json`` beside every checkpoint and ONNX file, so a model can always be rebuilt from its card.

Example::

    >>> from llm.config import LMConfig
    >>> cfg = LMConfig(vocab_size=64_000, d_model=384, n_layers=6, n_heads=6, n_kv_heads=2)
    >>> cfg.head_dim
    64
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any


class InvalidConfigError(ValueError):
    """Raised when a configuration cannot describe a working model (e.g. heads that do not divide)."""


@dataclass(frozen=True)
class LMConfig:
    """Shape of a decoder-only LM with RoPE, RMSNorm, SwiGLU, grouped-query attention and tied embeddings.

    ``n_kv_heads`` < ``n_heads`` shares each key/value head between ``n_heads // n_kv_heads`` query heads,
    which shrinks the KV cache (what decoding many streams is bound by) without shrinking the model.
    ``ffn_dim`` defaults to the SwiGLU width that matches a 4x GELU MLP in parameters, rounded to 64.
    """

    vocab_size: int = 64_000
    d_model: int = 384
    n_layers: int = 6
    n_heads: int = 6
    n_kv_heads: int = 2
    ffn_dim: int = 0
    max_seq_len: int = 1024
    rope_theta: float = 10_000.0
    norm_eps: float = 1e-5
    eot_id: int = 0

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads:
            raise InvalidConfigError(f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        if self.n_heads % self.n_kv_heads:
            raise InvalidConfigError(
                f"n_heads={self.n_heads} is not divisible by n_kv_heads={self.n_kv_heads}"
            )
        if self.head_dim % 2:
            raise InvalidConfigError(f"head_dim={self.head_dim} must be even for rotary embeddings")
        if not 0 <= self.eot_id < self.vocab_size:
            raise InvalidConfigError(f"eot_id={self.eot_id} is outside the vocabulary of {self.vocab_size}")
        if self.ffn_dim == 0:
            object.__setattr__(self, "ffn_dim", _swiglu_width(self.d_model))

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def parameter_count(self) -> dict[str, int]:
        """Embedding and non-embedding parameters, counted from the shape (the A/B holds both equal)."""
        attention = self.d_model * self.head_dim * (2 * self.n_heads + 2 * self.n_kv_heads)
        mlp = 3 * self.d_model * self.ffn_dim
        norms = 2 * self.d_model
        non_embedding = self.n_layers * (attention + mlp + norms) + self.d_model
        embedding = self.vocab_size * self.d_model
        return {"embedding": embedding, "non_embedding": non_embedding, "total": embedding + non_embedding}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LMConfig:
        """Build from a card or checkpoint dict, ignoring keys that are not config fields."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def save(self, path: Path) -> None:
        from indic.atomic import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> LMConfig:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _swiglu_width(d_model: int) -> int:
    return max(64, round(8 * d_model / 3 / 64) * 64)
