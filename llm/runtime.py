"""Text generation with the exported decoder on onnxruntime — no torch.

A model folder holds ``model.onnx`` (see :mod:`llm.export_onnx`), ``config.json``
(:class:`llm.config.LMConfig`) and ``tokenizer.json``. Prompts are normalized with
:func:`indic.text.normalize` exactly as the training text was, prefixed with the end-of-text token (the
document separator the model was trained on), left-padded into one batch, and decoded step by step
through the KV cache. The cache stays where the provider keeps it (IOBinding), so on a GPU only the
last position's logits cross to the host each step.

Streaming: byte-level tokens can end in the middle of a UTF-8 character, so text is released only up to
the last complete character.

Example::

    >>> from llm.runtime import OnnxLM
    >>> from llm.sampling import SamplingSettings
    >>> lm = OnnxLM.from_artifact("indic-lm-small")                               # doctest: +SKIP
    >>> for piece in lm.stream("भारत की राजधानी", SamplingSettings(greedy=True)):   # doctest: +SKIP
    ...     print(piece, end="", flush=True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indic.gpu_libraries import preload_cuda_libraries
from llm.config import LMConfig
from llm.onnx_io import cache_input_names, cache_output_names
from llm.sampling import SamplingSettings, choose_next

DEFAULT_ARTIFACT = "indic-lm-small"


class ModelFolderError(FileNotFoundError):
    """Raised when a model folder lacks ``model.onnx``, ``config.json`` or ``tokenizer.json``."""


@dataclass
class GenerationResult:
    """Texts generated for a batch of prompts and what it cost."""

    texts: list[str]
    new_tokens: list[int]
    seconds: float
    first_token_seconds: float
    provider: str
    chars: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.chars = [len(text) for text in self.texts]

    @property
    def tokens_per_second(self) -> float:
        return sum(self.new_tokens) / self.seconds if self.seconds else 0.0

    @property
    def chars_per_second(self) -> float:
        return sum(self.chars) / self.seconds if self.seconds else 0.0


class OnnxLM:
    """An exported decoder plus its tokenizer, ready to generate."""

    def __init__(self, folder: Path, providers: list[str] | None = None, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        missing = [n for n in ("model.onnx", "config.json", "tokenizer.json") if not (folder / n).is_file()]
        if missing:
            raise ModelFolderError(f"{folder} lacks {', '.join(missing)}")
        self.folder = folder
        self.cfg = LMConfig.load(folder / "config.json")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # FP8 weights sit behind DequantizeLinear. Left as Q/DQ groups, onnxruntime's CPU provider
        # dequantizes every weight on every step (20x slower on the bundled model); with the QDQ passes
        # off, constant folding dequantizes them once at load: FP8 on disk, float32 speed in memory.
        options.add_session_config_entry("session.disable_quant_qdq", "1")
        available = ort.get_available_providers()
        chosen = [
            p for p in (providers or ["CUDAExecutionProvider", "CPUExecutionProvider"]) if p in available
        ] or ["CPUExecutionProvider"]
        if "CUDAExecutionProvider" in chosen:
            preload_cuda_libraries()
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=chosen)
        self.provider = self.session.get_providers()[0]
        self.device = "cuda" if self.provider == "CUDAExecutionProvider" else "cpu"
        self._past_names = cache_input_names(self.cfg.n_layers)
        self._present_names = cache_output_names(self.cfg.n_layers)

    @classmethod
    def from_artifact(cls, name: str = DEFAULT_ARTIFACT, **kwargs: object) -> OnnxLM:
        """Load a shipped (or ``INDIC_ARTIFACTS``) model by name."""
        from indic.artifacts import find_artifact

        return cls(find_artifact(name).path, **kwargs)  # type: ignore[arg-type]

    def encode_prompt(self, prompt: str) -> list[int]:
        """End-of-text (the document separator seen in training), then the normalized prompt's tokens."""
        from indic.text import normalize

        text = normalize(prompt) if prompt else ""
        return [self.cfg.eot_id, *self.tokenizer.encode(text, add_special_tokens=False).ids]

    def stream(
        self, prompt: str, settings: SamplingSettings, max_new_tokens: int = 128, seed: int = 0
    ) -> Iterator[str]:
        """Yield the continuation of one prompt piece by piece as it is decoded, stopping at end-of-text."""
        for _, piece in self._decode([prompt], settings, max_new_tokens, seed):
            yield piece

    def generate(
        self,
        prompts: list[str],
        settings: SamplingSettings,
        max_new_tokens: int = 128,
        seed: int = 0,
        on_text: Callable[[int, str], None] | None = None,
        stop_at_eot: bool = True,
    ) -> GenerationResult:
        """Continue every prompt at once (one batch = concurrent streams); ``on_text(row, piece)`` streams.

        ``stop_at_eot=False`` decodes exactly ``max_new_tokens`` per stream (end-of-text tokens are dropped
        from the text): what a throughput benchmark needs to compare equal amounts of work.
        """
        events = self._decode(prompts, settings, max_new_tokens, seed, stop_at_eot)
        while True:
            try:
                row, piece = next(events)
            except StopIteration as done:
                return done.value
            if on_text:
                on_text(row, piece)

    def _decode(
        self,
        prompts: list[str],
        settings: SamplingSettings,
        max_new_tokens: int,
        seed: int,
        stop_at_eot: bool = True,
    ) -> Generator[tuple[int, str], None, GenerationResult]:
        """Yield ``(row, new text)`` as tokens arrive; return the whole batch's result."""
        if not prompts:
            raise ValueError("no prompts to continue")
        rng = np.random.default_rng(seed)
        encoded = [self.encode_prompt(p) for p in prompts]
        batch, width = len(encoded), max(len(ids) for ids in encoded)
        ids = np.full((batch, width), self.cfg.eot_id, dtype=np.int64)
        mask = np.zeros((batch, width), dtype=np.int64)
        for row, prompt_ids in enumerate(encoded):
            ids[row, width - len(prompt_ids) :] = prompt_ids
            mask[row, width - len(prompt_ids) :] = 1
        positions = np.maximum(mask.cumsum(axis=1) - 1, 0)
        past = self.empty_cache(batch)
        generated: list[list[int]] = [[] for _ in range(batch)]
        released = [""] * batch
        finished = np.zeros(batch, dtype=bool)
        start = time.perf_counter()
        first_token = 0.0
        for step in range(max_new_tokens):
            logits, past = self.step(ids, mask, positions, past)
            next_ids = choose_next(logits, settings, rng)
            if step == 0:
                first_token = time.perf_counter() - start
            for row in map(int, np.flatnonzero(~finished)):
                token = int(next_ids[row])
                if token == self.cfg.eot_id:
                    finished[row] = stop_at_eot
                    continue
                generated[row].append(token)
                complete = self.tokenizer.decode(generated[row], skip_special_tokens=True).rstrip("\ufffd")
                if len(complete) > len(released[row]):
                    yield int(row), complete[len(released[row]) :]
                    released[row] = complete
            if finished.all():
                break
            ids = next_ids.reshape(batch, 1).astype(np.int64)
            mask = np.concatenate((mask, np.ones((batch, 1), dtype=np.int64)), axis=1)
            positions = positions[:, -1:] + 1
        seconds = time.perf_counter() - start
        texts = [self.tokenizer.decode(tokens, skip_special_tokens=True) for tokens in generated]
        for row, text in enumerate(texts):
            if len(text) > len(released[row]):
                yield row, text[len(released[row]) :]
        return GenerationResult(texts, [len(t) for t in generated], seconds, first_token, self.provider)

    def empty_cache(self, batch: int) -> list:
        """The KV cache before the first :meth:`step`: one empty ``[batch, kv_heads, 0, head_dim]``
        tensor per ``past_key_values`` input.

        It is bound from the host (onnxruntime copies it across); later steps rebind the
        device-resident ``present`` tensors, so the cache never returns to the host."""
        import onnxruntime as ort

        empty = np.zeros((batch, self.cfg.n_kv_heads, 0, self.cfg.head_dim), dtype=np.float32)
        return [ort.OrtValue.ortvalue_from_numpy(empty) for _ in self._past_names]

    def step(
        self, ids: np.ndarray, mask: np.ndarray, positions: np.ndarray, past: list
    ) -> tuple[np.ndarray, list]:
        """One decode step, the graph's share of generation: a forward pass over ``ids``
        (``[batch, new positions]``) with ``mask`` covering the cache and them; returns the last
        position's logits (on the host, where sampling runs) and the grown cache (left on the device).

        :meth:`generate` runs one step per token; a benchmark times this method to separate the
        provider's speed from host-side sampling and detokenization.

        Example::

            >>> ids = np.array([lm.encode_prompt("भारत")])                          # doctest: +SKIP
            >>> mask = np.ones_like(ids)                                            # doctest: +SKIP
            >>> logits, cache = lm.step(ids, mask, mask.cumsum(1) - 1, lm.empty_cache(1))  # doctest: +SKIP
        """
        binding = self.session.io_binding()
        binding.bind_cpu_input("input_ids", ids)
        binding.bind_cpu_input("attention_mask", mask)
        binding.bind_cpu_input("position_ids", positions)
        for name, value in zip(self._past_names, past, strict=True):
            binding.bind_ortvalue_input(name, value)
        binding.bind_output("logits", "cpu")
        for name in self._present_names:
            binding.bind_output(name, self.device)
        self.session.run_with_iobinding(binding)
        logits, *present = binding.get_outputs()
        return logits.numpy()[:, -1, :], present
