"""Small ONNX graphs with the exact interfaces of the real LM and voice, built with ``onnx.helper``.

Why: the engines, batchers, server and benchmarks must be testable before (and without) trained
models, and on graphs whose interface matches the real ones exactly, so a real model drops in
unchanged. The weights are random; the shapes and the arithmetic per token or per phoneme are
those of a small decoder and a small non-autoregressive voice.

- :func:`build_decoder_lm` — a decoder in the onnxruntime-genai layout: inputs ``input_ids``,
  ``attention_mask``, ``position_ids``, ``past_key_values.N.key|value``; outputs ``logits``,
  ``present.N.key|value`` shaped ``[batch, kv_heads, seq, head_dim]``. Attention honours
  ``attention_mask`` over past positions and is causal within a chunk, so left-padded batches of
  streams at different lengths give the same logits as each stream alone.
- :func:`build_tts_voice` — phoneme ids ``[batch, phonemes]`` + lengths (+ speaker and language ids)
  → ``audio [batch, samples]`` and ``audio_lengths``; each phoneme becomes ``frames_per_phoneme``
  frames of ``hop`` samples, and padding produces silence.

Example::

    >>> path = build_decoder_lm(Path("lm.onnx"), DecoderLMConfig(layers=2))   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from serving.onnx_model import make_model

OPSET = 17


@dataclass(frozen=True)
class DecoderLMConfig:
    """Shape of the synthetic decoder (defaults: about 3.6M parameters)."""

    vocab_size: int = 512
    hidden: int = 256
    layers: int = 4
    kv_heads: int = 4
    head_dim: int = 64
    ffn: int = 1024
    max_positions: int = 2048
    seed: int = 0


@dataclass(frozen=True)
class TTSVoiceConfig:
    """Shape of the synthetic voice (defaults: about 1.5M parameters, 22.05 kHz)."""

    phoneme_vocab: int = 256
    speakers: int = 4
    languages: int = 11
    hidden: int = 192
    layers: int = 3
    frame_hidden: int = 128
    frames_per_phoneme: int = 4
    hop: int = 256
    sample_rate: int = 22050
    seed: int = 0


class _GraphBuilder:
    """Accumulates nodes and initializers with unique names."""

    def __init__(self, seed: int) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.rng = np.random.default_rng(seed)
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, value: np.ndarray, stem: str = "c") -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, *shape: int, stem: str = "w") -> str:
        scale = 1.0 / np.sqrt(shape[0])
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32), stem)

    def op(self, op_type: str, *inputs: str, outputs: list[str] | None = None, **attrs) -> str:
        from onnx import helper

        outs = outputs or [self.name(op_type.lower())]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, **attrs))
        return outs[0]

    def save(self, path: Path, name: str, inputs: list, outputs: list) -> Path:
        import onnx
        from onnx import helper

        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = make_model(graph, opset=OPSET)
        onnx.checker.check_model(model)
        path.parent.mkdir(parents=True, exist_ok=True)
        from indic.atomic import atomic_write_bytes

        atomic_write_bytes(path, model.SerializeToString())
        return path


def build_decoder_lm(path: Path, config: DecoderLMConfig = DecoderLMConfig()) -> Path:
    """Write a random-weight decoder with the onnxruntime-genai KV-cache interface to ``path``."""
    from onnx import TensorProto, helper

    g = _GraphBuilder(config.seed)
    c = config
    heads_width = c.kv_heads * c.head_dim
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence_length"]),
        helper.make_tensor_value_info(
            "attention_mask", TensorProto.INT64, ["batch", "total_sequence_length"]
        ),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "sequence_length"]),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence_length", c.vocab_size])
    ]
    kv_shape: list[str | int | None] = ["batch", c.kv_heads, "past_sequence_length", c.head_dim]
    present_shape: list[str | int | None] = ["batch", c.kv_heads, "total_sequence_length", c.head_dim]
    for layer in range(c.layers):
        for part in ("key", "value"):
            inputs.append(
                helper.make_tensor_value_info(f"past_key_values.{layer}.{part}", TensorProto.FLOAT, kv_shape)
            )
            outputs.append(
                helper.make_tensor_value_info(f"present.{layer}.{part}", TensorProto.FLOAT, present_shape)
            )

    # Additive attention bias [batch, 1, seq, total]: key j is visible to query i when the mask
    # allows j and j <= past + i (causal inside the chunk, whatever the padding).
    one = g.const(np.array(1, dtype=np.int64))
    zero = g.const(np.array(0, dtype=np.int64))
    seq = g.op("Gather", g.op("Shape", "input_ids"), one, axis=0)
    total = g.op("Gather", g.op("Shape", "attention_mask"), one, axis=0)
    query_pos = g.op("Range", g.op("Sub", total, seq), total, one)
    key_pos = g.op("Range", zero, total, one)
    causal = g.op(
        "LessOrEqual",
        g.op("Unsqueeze", key_pos, g.const(np.array([0], dtype=np.int64))),
        g.op("Unsqueeze", query_pos, g.const(np.array([1], dtype=np.int64))),
    )
    padding = g.op(
        "Unsqueeze",
        g.op("Cast", "attention_mask", to=TensorProto.BOOL),
        g.const(np.array([1, 2], dtype=np.int64)),
    )
    bias = g.op(
        "Where",
        g.op("And", causal, padding),
        g.const(np.array(0.0, dtype=np.float32)),
        g.const(np.array(-1e9, dtype=np.float32)),
    )

    token_table = g.weight(c.vocab_size, c.hidden, stem="token_embedding")
    position_table = g.weight(c.max_positions, c.hidden, stem="position_embedding")
    x = g.op("Add", g.op("Gather", token_table, "input_ids"), g.op("Gather", position_table, "position_ids"))
    split_heads = g.const(np.array([0, 0, c.kv_heads, c.head_dim], dtype=np.int64))
    merge_heads = g.const(np.array([0, 0, heads_width], dtype=np.int64))
    scale = g.const(np.array(1.0 / np.sqrt(c.head_dim), dtype=np.float32))

    def heads(h: str, width_in: int) -> str:
        projected = g.op("MatMul", h, g.weight(width_in, heads_width))
        return g.op("Transpose", g.op("Reshape", projected, split_heads), perm=[0, 2, 1, 3])

    for layer in range(c.layers):
        h = _rms_norm(g, x)
        q = heads(h, c.hidden)
        key = g.op(
            "Concat",
            f"past_key_values.{layer}.key",
            heads(h, c.hidden),
            axis=2,
            outputs=[f"present.{layer}.key"],
        )
        value = g.op(
            "Concat",
            f"past_key_values.{layer}.value",
            heads(h, c.hidden),
            axis=2,
            outputs=[f"present.{layer}.value"],
        )
        scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", key, perm=[0, 1, 3, 2])), scale)
        attention = g.op("Softmax", g.op("Add", scores, bias), axis=-1)
        mixed = g.op(
            "Reshape", g.op("Transpose", g.op("MatMul", attention, value), perm=[0, 2, 1, 3]), merge_heads
        )
        x = g.op("Add", x, g.op("MatMul", mixed, g.weight(heads_width, c.hidden)))
        ffn = g.op("Relu", g.op("MatMul", _rms_norm(g, x), g.weight(c.hidden, c.ffn)))
        x = g.op("Add", x, g.op("MatMul", ffn, g.weight(c.ffn, c.hidden)))
    g.op("MatMul", _rms_norm(g, x), g.weight(c.hidden, c.vocab_size), outputs=["logits"])
    return g.save(path, "synthetic_decoder_lm", inputs, outputs)


def build_tts_voice(path: Path, config: TTSVoiceConfig = TTSVoiceConfig()) -> Path:
    """Write a random-weight voice: phoneme ids + lengths + speaker/language ids → audio."""
    from onnx import TensorProto, helper

    g = _GraphBuilder(config.seed)
    c = config
    inputs = [
        helper.make_tensor_value_info("phoneme_ids", TensorProto.INT64, ["batch", "phonemes"]),
        helper.make_tensor_value_info("phoneme_lengths", TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info("speaker_ids", TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info("language_ids", TensorProto.INT64, ["batch"]),
    ]
    outputs = [
        helper.make_tensor_value_info("audio", TensorProto.FLOAT, ["batch", "samples"]),
        helper.make_tensor_value_info("audio_lengths", TensorProto.INT64, ["batch"]),
    ]
    zero = g.const(np.array(0, dtype=np.int64))
    one = g.const(np.array(1, dtype=np.int64))
    phonemes = g.op("Gather", g.op("Shape", "phoneme_ids"), one, axis=0)
    positions = g.op("Unsqueeze", g.op("Range", zero, phonemes, one), g.const(np.array([0], dtype=np.int64)))
    lengths = g.op("Unsqueeze", "phoneme_lengths", g.const(np.array([1], dtype=np.int64)))
    valid = g.op("Cast", g.op("Less", positions, lengths), to=TensorProto.FLOAT)  # [batch, phonemes]

    speaker = g.op(
        "Unsqueeze",
        g.op("Gather", g.weight(c.speakers, c.hidden), "speaker_ids"),
        g.const(np.array([1], dtype=np.int64)),
    )
    language = g.op(
        "Unsqueeze",
        g.op("Gather", g.weight(c.languages, c.hidden), "language_ids"),
        g.const(np.array([1], dtype=np.int64)),
    )
    x = g.op(
        "Add",
        g.op("Add", g.op("Gather", g.weight(c.phoneme_vocab, c.hidden), "phoneme_ids"), speaker),
        language,
    )
    for _ in range(c.layers):
        x = g.op(
            "Add",
            x,
            g.op(
                "MatMul",
                g.op("Relu", g.op("MatMul", x, g.weight(c.hidden, 2 * c.hidden))),
                g.weight(2 * c.hidden, c.hidden),
            ),
        )
    # Length regulation with a fixed duration: each phoneme expands to frames_per_phoneme frames.
    frames = g.op("MatMul", x, g.weight(c.hidden, c.frames_per_phoneme * c.frame_hidden))
    frames = g.op("Reshape", frames, g.const(np.array([0, -1, c.frame_hidden], dtype=np.int64)))
    for _ in range(c.layers):
        frames = g.op(
            "Add",
            frames,
            g.op(
                "MatMul",
                g.op("Relu", g.op("MatMul", frames, g.weight(c.frame_hidden, 2 * c.frame_hidden))),
                g.weight(2 * c.frame_hidden, c.frame_hidden),
            ),
        )
    samples = g.op("Tanh", g.op("MatMul", frames, g.weight(c.frame_hidden, c.hop)))
    samples = g.op(
        "Reshape", samples, g.const(np.array([0, -1, c.frames_per_phoneme * c.hop], dtype=np.int64))
    )
    silenced = g.op("Mul", samples, g.op("Unsqueeze", valid, g.const(np.array([2], dtype=np.int64))))
    g.op("Reshape", silenced, g.const(np.array([0, -1], dtype=np.int64)), outputs=["audio"])
    g.op(
        "Mul",
        "phoneme_lengths",
        g.const(np.array(c.frames_per_phoneme * c.hop, dtype=np.int64)),
        outputs=["audio_lengths"],
    )
    return g.save(path, "synthetic_tts_voice", inputs, outputs)


def _rms_norm(g: _GraphBuilder, x: str) -> str:
    """RMSNorm without a gain (the gain would be folded into the next MatMul anyway)."""
    mean_square = g.op("ReduceMean", g.op("Mul", x, x), axes=[-1], keepdims=1)
    return g.op("Div", x, g.op("Sqrt", g.op("Add", mean_square, g.const(np.array(1e-6, dtype=np.float32)))))
