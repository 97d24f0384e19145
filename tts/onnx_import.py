"""Rebuild a torch voice checkpoint from an exported ONNX voice, so a voice whose checkpoint is lost
can be trained further (``indic tts train-vocoder CHECKPOINT``, ``indic tts train --resume``).

An exported voice (:mod:`tts.export`) holds every weight of the model, only renamed and reshaped,
and its ``voice.json`` holds the :class:`VoiceConfig` (the grown vocoder's block count included) and
the phoneme inventory, so nothing is lost but the names. Each parameter is found through the graph
node that uses it, not through the initializer's name, because the exporter breaks names three ways:

- A ``Linear`` on a 3-D input becomes ``MatMul`` with its weight transposed under a generated name
  (``onnx::MatMul_1233``); on a 2-D input it becomes ``Gemm`` (``transB=1``) and keeps its name.
- Weights of 1024 values or more are stored as float16 (``X__fp16``) with a ``Cast`` back to ``X``;
  casting them back to float32 gives the exported values exactly.
- An eval-mode export merges initializers of equal value: fresh LayerNorms (all ones), the zero
  layer scales of freshly grown vocoder blocks. One initializer is kept and the others become
  ``Identity`` nodes of it, so a parameter's value may sit under another parameter's name.

The TorchScript exporter names every node after the module that ran it
(``/acoustic/encoder.0/attention/qkv/MatMul``), so a node's module is exact, and the module's type
says which input of which op is which parameter (:data:`INPUT_ROLES`). Every state-dict entry must be
found exactly once and every float initializer must be used, or :class:`OnnxImportError` names what
is missing, ambiguous or left over. The inverse STFT's kernels are non-persistent buffers rebuilt from
the config; the audio comparison covers them.

The checkpoint is written to a staging folder, loaded back with :func:`load_checkpoint` and run
against onnxruntime — on the exporter's own verification inputs and on real sentences through the
front end — before it replaces ``out_dir``. The largest audio difference goes into the card.

Example (from the repository root)::

    python -m tts.onnx_import indic/data/artifacts/indic-voice-multi runs/tts6/imported/checkpoint
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from indic.artifacts import sha256_file
from indic.atomic import atomic_write_text, replace_directory, staging_directory
from tts.checkpoint import load_checkpoint, save_checkpoint
from tts.export import ExportVerificationError, example_inputs, verify
from tts.frontend.inventory import Inventory
from tts.frontend.phonemize import phonemize
from tts.model.config import VoiceConfig
from tts.model.voice_model import VoiceModel

INPUT_ROLES: dict[tuple[type[nn.Module], str], tuple[tuple[str, int | None], ...]] = {
    (nn.Linear, "weight"): (("MatMul", 1), ("Gemm", 1)),
    (nn.Linear, "bias"): (("Add", None), ("Gemm", 2)),
    (nn.Conv1d, "weight"): (("Conv", 1),),
    (nn.Conv1d, "bias"): (("Conv", 2),),
    (nn.LayerNorm, "weight"): (("LayerNormalization", 1),),
    (nn.LayerNorm, "bias"): (("LayerNormalization", 2),),
    (nn.Embedding, "weight"): (("Gather", 0),),
}
"""``(module type, attribute)`` → the ``(op, input index)`` nodes in the module's scope that read it
(``None``: whichever input is a weight). A parameter of any other module (the vocoder blocks' layer
``scale``) is read by a ``Mul`` of its module: :data:`OWN_PARAMETER_ROLES`."""
OWN_PARAMETER_ROLES: tuple[tuple[str, int | None], ...] = (("Mul", None),)

EXPORT_KEYS = frozenset(
    "format version sample_rate hop_length inventory config inference export parameters weights".split()
)
"""Keys of ``voice.json`` that :func:`tts.export.export_voice` (and the FP8 variant) write about the
graph itself; the rest came from the checkpoint's card (``training``, ``vocoder_tuning``, …) and go
back into it, so a later tuning run keeps the voice's history."""

CHECK_SENTENCES: tuple[tuple[str, str], ...] = (
    ("नमस्ते दुनिया, आज मौसम बहुत अच्छा है।", "hi"),
    ("আমি প্রতিদিন সকালে বই পড়ি।", "bn"),
    ("நான் தமிழ் பேசுகிறேன்.", "ta"),
    ("The quick brown fox jumps over the lazy dog.", "en"),
)
"""Real sentences (four languages, one speaker each) the imported model must speak as the graph does."""


class OnnxImportError(ValueError):
    """Raised when the graph's weights do not fill the card's model exactly once each."""


def read_voice_card(voice_dir: str | Path) -> tuple[VoiceConfig, Inventory, dict]:
    """The config, the inventory and the checkpoint card (``voice.json`` less :data:`EXPORT_KEYS`)."""
    path = Path(voice_dir) / "voice.json"
    if not path.is_file() or not (Path(voice_dir) / "model.onnx").is_file():
        raise FileNotFoundError(f"{voice_dir} is not an exported voice: it needs model.onnx and voice.json")
    card = json.loads(path.read_text(encoding="utf-8"))
    if "config" not in card or "inventory" not in card:
        raise OnnxImportError(f"{path} has no model config or inventory (keys: {', '.join(card)})")
    config = VoiceConfig(**card["config"])
    inventory = Inventory.from_json(card["inventory"])
    if config.n_tokens != len(inventory.tokens):
        raise OnnxImportError(
            f"{path}: config has {config.n_tokens} tokens, inventory {len(inventory.tokens)}"
        )
    return config, inventory, {k: v for k, v in card.items() if k not in EXPORT_KEYS}


def onnx_state_dict(graph: onnx.ModelProto, model: VoiceModel) -> dict[str, torch.Tensor]:
    """``model``'s state dict (float32) read from ``graph``'s initializers; see the module docstring.

    Raises :class:`OnnxImportError` naming every entry that is missing, ambiguous or of the wrong
    shape, every graph module the model lacks, and every float initializer no entry used."""
    weights, sources = _graph_weights(graph)
    nodes_by_module: dict[str, list[onnx.NodeProto]] = defaultdict(list)
    for node in graph.graph.node:
        if "/" in node.name:
            nodes_by_module[node.name.rsplit("/", 1)[0].strip("/").replace("/", ".")].append(node)
    modules = dict(model.named_modules())
    problems = [
        f"the graph runs module {name}, which the card's config does not build "
        f"(vocoder_layers={model.config.vocoder_layers}, encoder_layers={model.config.encoder_layers}, "
        f"decoder_layers={model.config.decoder_layers})"
        for name in sorted(nodes_by_module.keys() - modules.keys())
    ]
    state: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    for key, target in model.state_dict().items():
        module_name, _, attribute = key.rpartition(".")
        module = modules[module_name]
        roles = INPUT_ROLES.get((type(module), attribute), OWN_PARAMETER_ROLES)
        candidates = _readers(nodes_by_module[module_name], roles, weights)
        if len(candidates) > 1 and any(name == key for name, _ in candidates):
            candidates = {(key, False)}
        if not candidates and key in weights:
            candidates = {(key, False)}  # a persistent buffer, or a weight no rule covers
        if len(candidates) != 1:
            found = ", ".join(sorted(name for name, _ in candidates)) or "no node reads it"
            problems.append(f"{key}: {'ambiguous' if candidates else 'missing'} ({found})")
            continue
        ((name, transposed),) = candidates
        value = weights[name].T if transposed else weights[name]
        if tuple(value.shape) != tuple(target.shape):
            problems.append(f"{key}: {name} has shape {tuple(value.shape)}, not {tuple(target.shape)}")
            continue
        state[key] = torch.tensor(value, dtype=target.dtype)  # a copy: initializer arrays are read-only
        used.add(sources[name])
    unused = sorted(
        t.name
        for t in graph.graph.initializer
        if t.name not in used and t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)
    )
    problems += [f"initializer {name} fills no parameter" for name in unused]
    if problems:
        raise OnnxImportError(f"{len(problems)} problem(s) importing the graph:\n  " + "\n  ".join(problems))
    return state


def _graph_weights(graph: onnx.ModelProto) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Float32 weights by every name nodes read them under, and the initializer each came from.

    A float16 weight is read under its ``Cast``'s output; a merged one under an ``Identity``'s output
    named after the parameter the exporter dropped. Nodes are in topological order, so one pass
    follows chains (``Cast`` → ``Identity``)."""
    initializers = {t.name: numpy_helper.to_array(t) for t in graph.graph.initializer}
    weights = {name: a for name, a in initializers.items() if a.dtype == np.float32}
    sources = {name: name for name in weights}
    for node in graph.graph.node:
        if node.op_type == "Cast" and node.input[0] in initializers:
            array = initializers[node.input[0]]
            if array.dtype == np.float16:
                weights[node.output[0]] = array.astype(np.float32)
                sources[node.output[0]] = node.input[0]
        elif node.op_type == "Identity" and node.input[0] in weights:
            weights[node.output[0]] = weights[node.input[0]]
            sources[node.output[0]] = sources[node.input[0]]
    return weights, sources


def _readers(
    nodes: list[onnx.NodeProto], roles: tuple[tuple[str, int | None], ...], weights: dict[str, np.ndarray]
) -> set[tuple[str, bool]]:
    """``{(weight name, stored transposed)}`` read by ``nodes`` in one of the ``roles``."""
    found = set()
    for node in nodes:
        for op, index in roles:
            if node.op_type != op:
                continue
            positions = range(len(node.input)) if index is None else [index]
            for position in positions:
                if position < len(node.input) and node.input[position] in weights:
                    found.add((node.input[position], _stored_transposed(node, position)))
    return found


def _stored_transposed(node: onnx.NodeProto, position: int) -> bool:
    """Whether a ``Linear`` weight read at ``position`` is stored ``[in, out]`` (torch: ``[out, in]``)."""
    if node.op_type == "MatMul":
        return position == 1
    if node.op_type == "Gemm" and position == 1:
        return not any(a.name == "transB" and a.i for a in node.attribute)
    return False


def model_from_onnx(voice_dir: str | Path) -> tuple[VoiceModel, Inventory, dict]:
    """The voice's torch model (float32, eval mode), its inventory and its checkpoint card."""
    config, inventory, card = read_voice_card(voice_dir)
    model = VoiceModel(config)
    graph = onnx.load(str(Path(voice_dir) / "model.onnx"))
    model.load_state_dict(onnx_state_dict(graph, model), strict=True)
    return model.eval(), inventory, card


def sentence_inputs(
    inventory: Inventory, sentences: Sequence[tuple[str, str]] = CHECK_SENTENCES
) -> tuple[torch.Tensor, ...]:
    """One padded batch of ``(text, language)`` through the front end, the graph's five inputs; row
    ``i`` speaks as speaker ``i`` (mod the speaker count) at pace 1."""
    rows = [inventory.ids(phonemize(text, lang)) for text, lang in sentences]
    tokens = torch.zeros(len(rows), max(len(r) for r in rows), dtype=torch.long)
    for i, ids in enumerate(rows):
        tokens[i, : len(ids)] = torch.tensor(ids)
    return (
        tokens,
        torch.tensor([len(r) for r in rows]),
        torch.tensor([inventory.language_id(lang) for _, lang in sentences]),
        torch.arange(len(rows)) % len(inventory.speakers),
        torch.ones(len(rows)),
    )


def import_voice(
    voice_dir: str | Path,
    out_dir: str | Path,
    sentences: Sequence[tuple[str, str]] = CHECK_SENTENCES,
    log: Callable[[str], None] = print,
) -> Path:
    """Write the voice in ``voice_dir`` as a checkpoint folder ``out_dir`` and return it.

    The checkpoint is loaded back and must give onnxruntime's audio (within
    :data:`tts.export.TOLERANCE`) on the exporter's inputs and on ``sentences``; its card records
    where it came from and the largest difference under ``imported_from``. A voice exported by
    ``indic tts export`` came from a checkpoint, so every weight is a float16 value and the round
    trip is exact; a graph whose float32 weights float16 cannot hold may fail the check, and the
    error says so."""
    voice = Path(voice_dir)
    model, inventory, card = model_from_onnx(voice)
    onnx_path = voice / "model.onnx"
    checks = {"exporter inputs": example_inputs(), "sentences": sentence_inputs(inventory, sentences)}
    staging = staging_directory(out_dir)
    try:
        save_checkpoint(model, inventory, staging, card)
        loaded, _, _ = load_checkpoint(staging)
        errors = {
            name: verify(loaded, onnx_path, inputs, weights_float16=False) for name, inputs in checks.items()
        }
    except ExportVerificationError as error:
        shutil.rmtree(staging, ignore_errors=True)
        inexact = [k for k, v in model.state_dict().items() if not torch.equal(v, v.half().float())]
        if inexact:
            raise OnnxImportError(
                f"the checkpoint does not speak as {onnx_path} ({error}): {len(inexact)} weights hold "
                f"float32 values float16 cannot, and checkpoints store float16 ({', '.join(inexact[:5])}, …)"
            ) from error
        raise
    meta = json.loads((staging / "checkpoint.json").read_text(encoding="utf-8"))
    meta["imported_from"] = {
        "voice": str(voice),
        "onnx_sha256": sha256_file(onnx_path),
        "max_abs_diff_vs_onnx": max(errors.values()),
        "checked_on": {name: len(inputs[0]) for name, inputs in checks.items()},
        "note": "weights read from the ONNX initializers (python -m tts.onnx_import)",
    }
    atomic_write_text(staging / "checkpoint.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    replace_directory(staging, out_dir)
    log(
        f"wrote {out_dir} ({loaded.parameter_count():,} parameters, vocoder "
        f"{loaded.config.vocoder_layers} blocks); max |torch - onnx| audio: "
        + ", ".join(f"{name} {error:.2e}" for name, error in errors.items())
    )
    return Path(out_dir)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tts.onnx_import",
        description="Rebuild a torch checkpoint folder from an exported voice (model.onnx + voice.json).",
        epilog="example: python -m tts.onnx_import indic/data/artifacts/indic-voice-multi "
        "runs/tts6/imported/checkpoint && indic tts train-vocoder runs/tts6/imported/checkpoint ...",
    )
    parser.add_argument("voice_dir", help="folder with model.onnx and voice.json")
    parser.add_argument("out_dir", help="checkpoint folder to write (replaced if it exists)")
    args = parser.parse_args(argv)
    import_voice(args.voice_dir, args.out_dir)


if __name__ == "__main__":
    main()
