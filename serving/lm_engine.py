"""The LM adapter: prefill one prompt, then decode many streams together, KV cache on the device.

Any decoder exported in the onnxruntime-genai layout plugs in unchanged — inputs ``input_ids``,
``attention_mask``, ``position_ids``, ``past_key_values.N.key|value``; outputs ``logits``,
``present.N.key|value`` shaped ``[batch, kv_heads, seq, head_dim]`` — as long as its attention
honours ``attention_mask`` over past positions. Layers, heads and vocabulary are read from the graph.

Continuous batching needs streams of different lengths in one decode step. :class:`DecodeBatch`
left-pads their caches to a common length and masks the padding; each stream keeps its own
``position_ids``, so a padded row computes exactly what the stream would compute alone. Each step's
``present.*`` tensors stay on the device (IOBinding) and are rebound as the next step's past; when
streams join or leave, the caches are padded, joined and trimmed on the device too
(:mod:`serving.kv_cache`); a prompt's prefill leaves its cache there as well, so only token ids,
positions, masks and logits cross the bus.

Example::

    >>> lm = LMEngine(load_session("lm.onnx"))                       # doctest: +SKIP
    >>> logits, cache = lm.prefill([17, 42, 9])                      # doctest: +SKIP
    >>> batch = lm.new_batch()                                        # doctest: +SKIP
    >>> batch.add("a", cache, next_token=int(logits.argmax()))        # doctest: +SKIP
    >>> batch.step()["a"].shape                                       # doctest: +SKIP
    (vocab_size,)
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from serving.engine import DeviceTensors, EngineSession
from serving.kv_cache import CacheEditor

_PAST = re.compile(r"^past_key_values\.(\d+)\.key$")
_NUMPY_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64}


class InvalidPromptError(ValueError):
    """Raised at submission when a prompt cannot run (empty, ids outside the vocabulary, too long)."""


@dataclass(frozen=True)
class LMShape:
    """What the serving code needs to know about a decoder graph."""

    layers: int
    kv_heads: int
    head_dim: int
    vocab_size: int
    kv_dtype: type
    max_positions: int | None

    @classmethod
    def from_session(cls, engine: EngineSession, max_positions: int | None = None) -> LMShape:
        """Read layers, heads, head size, vocabulary and cache dtype from the graph's inputs/outputs."""
        required = {"input_ids", "attention_mask", "position_ids"}
        missing = required - engine.inputs.keys() | ({"logits"} - engine.outputs.keys())
        if missing:
            raise ValueError(f"{engine.model_path.name} is not a KV-cache decoder: missing {sorted(missing)}")
        layers = sorted(int(m.group(1)) for name in engine.inputs if (m := _PAST.match(name)))
        if not layers or layers != list(range(len(layers))):
            raise ValueError(f"{engine.model_path.name}: past_key_values.N.key inputs missing or not 0..N-1")
        key = engine.inputs["past_key_values.0.key"]
        heads, head_dim, vocab = key.shape[1], key.shape[3], engine.outputs["logits"].shape[2]
        if not (isinstance(heads, int) and isinstance(head_dim, int) and isinstance(vocab, int)):
            raise ValueError(f"{engine.model_path.name}: kv_heads, head_dim and vocab must be static dims")
        return cls(len(layers), heads, head_dim, vocab, _NUMPY_TYPES[key.type], max_positions)

    @property
    def cache_names(self) -> list[tuple[str, str]]:
        """(past input, present output) name pairs in a fixed order."""
        return [
            (f"past_key_values.{layer}.{part}", f"present.{layer}.{part}")
            for layer in range(self.layers)
            for part in ("key", "value")
        ]


class LMEngine:
    """Prefill and batched decode on an onnxruntime-genai style decoder."""

    def __init__(self, engine: EngineSession, max_positions: int | None = None) -> None:
        self.engine = engine
        self.shape = LMShape.from_session(engine, max_positions)
        self.editor = CacheEditor(engine, len(self.shape.cache_names), self.shape.kv_dtype)

    @property
    def provider(self) -> str:
        return self.engine.active_provider

    def check_prompt(self, prompt_ids: Sequence[int], max_new_tokens: int) -> None:
        """Raise :class:`InvalidPromptError` for a prompt this model cannot run."""
        if not prompt_ids:
            raise InvalidPromptError("prompt is empty")
        if max_new_tokens < 1:
            raise InvalidPromptError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        low, high = min(prompt_ids), max(prompt_ids)
        if low < 0 or high >= self.shape.vocab_size:
            raise InvalidPromptError(f"token ids must be in [0, {self.shape.vocab_size}), got {low}..{high}")
        limit = self.shape.max_positions
        if limit is not None and len(prompt_ids) + max_new_tokens > limit:
            raise InvalidPromptError(
                f"prompt ({len(prompt_ids)}) + max_new_tokens ({max_new_tokens}) exceeds {limit} positions"
            )

    def prefill(self, prompt_ids: Sequence[int]) -> tuple[np.ndarray, list[Any]]:
        """Run the prompt from an empty cache: the logits of its last position (on the host) and the
        per-layer cache, left on the model's device as ``OrtValue`` objects for :meth:`DecodeBatch.add`."""
        logits, cache, _ = self.prefill_many([prompt_ids])
        return logits[0], cache

    def prefill_many(self, prompts: Sequence[Sequence[int]]) -> tuple[np.ndarray, list[Any], np.ndarray]:
        """Several prompts in one call, left-padded to the longest: last-position logits ``[n, vocab]``,
        the per-layer cache of all ``n`` rows (on the device) and their attention mask ``[n, longest]``
        for :meth:`DecodeBatch.add_rows`.

        Why: a small LM's prefill of a short prompt costs about one decode step — both read every
        weight once — so prompts that join together share that read instead of stalling the decode
        batch once each. Padding sits on the left under mask 0 and each row's positions start at 0
        at its first token, exactly as :class:`DecodeBatch` pads streams, so each row computes what
        its prompt computes alone.
        """
        lengths = [len(prompt) for prompt in prompts]
        longest = max(lengths)
        ids = np.zeros((len(prompts), longest), dtype=np.int64)
        mask = np.zeros((len(prompts), longest), dtype=np.int64)
        positions = np.zeros((len(prompts), longest), dtype=np.int64)
        for row, (prompt, length) in enumerate(zip(prompts, lengths, strict=True)):
            ids[row, longest - length :] = prompt
            mask[row, longest - length :] = 1
            positions[row, longest - length :] = np.arange(length)
        run = DeviceTensors(self.engine)
        run.bind_host("input_ids", ids)
        run.bind_host("attention_mask", mask)
        run.bind_host("position_ids", positions)
        empty: np.ndarray = np.zeros(
            (len(prompts), self.shape.kv_heads, 0, self.shape.head_dim), dtype=self.shape.kv_dtype
        )
        run.fetch("logits")
        for past, present in self.shape.cache_names:
            run.bind_small(past, empty)  # zero-size: nothing to copy
            run.keep(present)
        outputs = run.run()
        logits = outputs["logits"].numpy()[:, -1]
        return logits, [outputs[present] for _, present in self.shape.cache_names], mask

    def new_batch(self) -> DecodeBatch:
        return DecodeBatch(self)


@dataclass
class _Row:
    key: Hashable
    position: int
    next_token: int


class DecodeBatch:
    """Streams decoding together: left-padded caches, one mask, a position per stream.

    The caches never leave the device: a joining stream's prefill cache is already there, and
    joins, departures and padding trims run as tiny graphs next to the model
    (:class:`serving.kv_cache.CacheEditor`).
    """

    def __init__(self, lm: LMEngine) -> None:
        self.lm = lm
        self.rows: list[_Row] = []
        self.mask = np.zeros((0, 0), dtype=np.int64)
        self._cache: list = []

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def keys(self) -> list[Hashable]:
        return [row.key for row in self.rows]

    @property
    def cache(self) -> list:
        """Per-layer past tensors (``OrtValue`` objects on the model's device), in cache-name order."""
        return self._cache

    def add(self, key: Hashable, cache: Sequence[Any], next_token: int) -> None:
        """Join a prefilled stream (its cache as :meth:`LMEngine.prefill` left it on the device, or host
        arrays, uploaded here); ``next_token`` is the token the next step feeds it."""
        self.add_rows([key], cache, np.ones((1, _positions(cache[0])), np.int64), [next_token])

    def add_rows(
        self, keys: Sequence[Hashable], cache: Sequence[Any], mask: np.ndarray, next_tokens: Sequence[int]
    ) -> None:
        """Join several streams prefilled together (:meth:`LMEngine.prefill_many`): their cache rows,
        left-padded under ``mask`` ``[rows, length]``, and the token each feeds the next step."""
        length = mask.shape[1]
        if _positions(cache[0]) != length or len(keys) != mask.shape[0] or len(next_tokens) != len(keys):
            raise ValueError(f"{len(keys)} keys, a mask of {mask.shape} and a cache of {length} positions")
        old_width = self.mask.shape[1]
        width = max(old_width, length)
        joined_mask = np.concatenate([_left_pad(self.mask, width), _left_pad(mask.astype(np.int64), width)])
        upload = self.lm.engine.to_device
        joining = [upload(layer) if isinstance(layer, np.ndarray) else layer for layer in cache]
        if self.rows:
            joined = self.lm.editor.join(self._cache, width - old_width, joining, width - length)
        else:
            joined = joining
        self.mask, self._cache = joined_mask, joined  # both or neither: a failed join leaves the batch intact
        used = mask.sum(axis=1)
        self.rows += [
            _Row(key, position=int(positions), next_token=int(token))
            for key, positions, token in zip(keys, used, next_tokens, strict=True)
        ]

    def set_next_tokens(self, tokens: dict[Hashable, int]) -> None:
        """The tokens sampled from the last step's logits, fed by the next step."""
        for row in self.rows:
            row.next_token = tokens[row.key]

    def remove(self, keys: set[Hashable]) -> None:
        """Drop finished or cancelled streams, then trim padding no remaining row needs."""
        keep = [i for i, row in enumerate(self.rows) if row.key not in keys]
        if len(keep) == len(self.rows):
            return
        mask = self.mask[keep]
        used = np.flatnonzero(mask.any(axis=0))
        start = int(used[0]) if used.size else mask.shape[1]
        cache = self.lm.editor.select(self._cache, keep, start) if keep else []
        self.rows = [self.rows[i] for i in keep]
        self.mask, self._cache = mask[:, start:], cache

    def step(self) -> dict[Hashable, np.ndarray]:
        """One decode step for every stream: logits by stream key."""
        if not self.rows:
            return {}
        names = self.lm.shape.cache_names
        step = DeviceTensors(self.lm.engine)
        step.bind_host("input_ids", np.asarray([[row.next_token] for row in self.rows], dtype=np.int64))
        step.bind_host("position_ids", np.asarray([[row.position] for row in self.rows], dtype=np.int64))
        mask = np.concatenate([self.mask, np.ones((len(self.rows), 1), np.int64)], axis=1)
        step.bind_host("attention_mask", mask)
        for (past, _), value in zip(names, self._cache, strict=True):
            step.bind_device(past, value)
        step.fetch("logits")
        for _, present in names:
            step.keep(present)
        outputs = step.run()
        self._cache = [outputs[present] for _, present in names]
        self.mask = mask
        for row in self.rows:
            row.position += 1
        logits = outputs["logits"].numpy()[:, -1]
        return {row.key: logits[i] for i, row in enumerate(self.rows)}


def _positions(layer: Any) -> int:
    """Sequence length of one cache tensor ``[batch, heads, positions, head_dim]``, host or device."""
    shape = layer.shape if isinstance(layer, np.ndarray) else layer.shape()
    return int(shape[2])


def _left_pad(mask: np.ndarray, width: int) -> np.ndarray:
    """Zero columns on the left of an attention mask, up to ``width``."""
    return np.pad(mask, [(0, 0), (width - mask.shape[1], 0)])


def pick_token(logits: np.ndarray, temperature: float, rng: np.random.Generator | None) -> int:
    """Greedy at temperature 0, else a sample from softmax(logits / temperature).

    >>> pick_token(np.array([0.1, 2.0, -1.0]), 0.0, None)
    1
    """
    if temperature <= 0:
        return int(np.argmax(logits))
    scaled = (logits.astype(np.float64) - logits.max()) / temperature
    probs = np.exp(scaled)
    probs /= probs.sum()
    return int((rng or np.random.default_rng()).choice(probs.size, p=probs))
