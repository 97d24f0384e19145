"""Export a trained voice to ONNX (dynamic batch and lengths), verify it against torch, write its card.

The runtime (:mod:`tts.voice`) needs only ``model.onnx`` and ``voice.json`` — the Piper layout: the
card carries the sample rate, the phoneme inventory, languages, speakers and the inference defaults.
``card.json`` (kind ``voice``) is the artifact registry's card: what the voice is, how good, and the
graph's tensor names for ``serving``; ``phoneme_inventory.json`` repeats the token table on its own.
Weights are stored as float16 with a ``Cast`` to float32 in front of each, which halves the file;
onnxruntime folds those casts once when the session starts, so inference still runs in float32.

Example::

    >>> export_voice(model, inventory, "runs/tts/voice")          # doctest: +SKIP
    ExportReport(max_abs_error=..., ...)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from indic.atomic import atomic_write_bytes, atomic_write_text
from tts.frontend.inventory import Inventory
from tts.model.voice_model import VoiceModel

INPUT_NAMES = ["tokens", "token_lengths", "language", "speaker", "length_scale"]
FORCED_INPUT_NAMES = ["tokens", "token_lengths", "language", "speaker", "durations"]
"""Inputs of the forced-duration graph (:func:`export_forced_duration_graph`): frames per token given."""
OUTPUT_NAMES = ["audio", "audio_lengths"]
OPSET = 18
TOLERANCE = 1e-3
"""Largest absolute difference (audio in [-1, 1]) allowed between onnxruntime and torch."""


class ExportVerificationError(RuntimeError):
    """Raised when the exported graph's audio differs from torch beyond :data:`TOLERANCE`."""


@dataclass(frozen=True)
class ExportReport:
    """Where the voice went and how closely onnxruntime matched torch."""

    path: Path
    max_abs_error: float
    exporter: str
    parameters: int


def example_inputs(batch: int = 2, length: int = 12) -> tuple[torch.Tensor, ...]:
    """Inputs for tracing and verification: ``batch`` rows of random tokens of unequal lengths."""
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(12, 40, (batch, length), generator=generator)
    lengths = torch.tensor([length - 3 * i for i in range(batch)])
    tokens = tokens * (torch.arange(length)[None, :] < lengths[:, None])
    return (
        tokens,
        lengths,
        torch.zeros(batch, dtype=torch.long),
        torch.zeros(batch, dtype=torch.long),
        torch.linspace(0.8, 1.2, batch),
    )


def export_voice(
    model: VoiceModel,
    inventory: Inventory,
    out_dir: str | Path,
    card: dict | None = None,
    weights_float16: bool = True,
) -> ExportReport:
    """Write ``model.onnx`` + ``voice.json`` into ``out_dir`` and check the graph against torch.

    ``weights_float16=False`` keeps float32 initializers (what weight quantizers expect as input)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval().float()
    inputs = example_inputs()
    graph, exporter = _export(model, inputs)
    if weights_float16:
        graph = store_weights_as_float16(graph)
    atomic_write_bytes(out / "model.onnx", graph.SerializeToString())
    error = verify(model, out / "model.onnx", inputs, weights_float16)
    voice_card = {
        "format": "indic-voice-onnx",
        "version": 1,
        "sample_rate": model.config.sample_rate,
        "hop_length": model.config.hop_length,
        "inventory": inventory.to_json(),
        "config": model.config.to_json(),
        "inference": {"length_scale": 1.0},
        "export": {
            "exporter": exporter,
            "opset": OPSET,
            "max_abs_error_vs_torch": error,
            "tolerance": TOLERANCE,
        },
        "parameters": sum(p.numel() for p in model.parameters()),
        **(card or {}),
    }
    atomic_write_text(out / "voice.json", json.dumps(voice_card, ensure_ascii=False, indent=1) + "\n")
    artifact_card = {
        "kind": "voice",
        "languages": list(inventory.languages),
        "speakers": list(inventory.speakers),
        "serving": {
            "ids_input": "tokens",
            "lengths_input": "token_lengths",
            "speaker_input": "speaker",
            "language_input": "language",
            "length_scale_input": "length_scale",
            "audio_output": "audio",
            "audio_lengths_output": "audio_lengths",
            "sample_rate": model.config.sample_rate,
            "pad_id": 0,
        },
        **{k: v for k, v in voice_card.items() if k not in ("inventory", "config")},
    }
    atomic_write_text(out / "card.json", json.dumps(artifact_card, ensure_ascii=False, indent=1) + "\n")
    inventory_json = json.dumps(inventory.to_json(), ensure_ascii=False, indent=1) + "\n"
    atomic_write_text(out / "phoneme_inventory.json", inventory_json)
    return ExportReport(out / "model.onnx", error, exporter, voice_card["parameters"])


def _export(
    model: torch.nn.Module, inputs: tuple[torch.Tensor, ...], input_names: list[str] = INPUT_NAMES
) -> tuple[onnx.ModelProto, str]:
    """The legacy (TorchScript) exporter: the length regulator's data-dependent frame count is one
    dynamic ``Range`` there, while the dynamo exporter refuses the unbacked size."""
    import io
    import warnings

    buffer = io.BytesIO()
    axes = {
        "tokens": {0: "batch", 1: "tokens"},
        "token_lengths": {0: "batch"},
        "language": {0: "batch"},
        "speaker": {0: "batch"},
        "length_scale": {0: "batch"},
        "durations": {0: "batch", 1: "tokens"},
        "audio": {0: "batch", 1: "samples"},
        "audio_lengths": {0: "batch"},
    }
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # A file object is accepted at run time; the type stub only lists paths.
        torch.onnx.export(  # type: ignore[arg-type]
            model,
            inputs,
            buffer,
            input_names=input_names,
            output_names=OUTPUT_NAMES,
            dynamic_axes={name: axes[name] for name in [*input_names, *OUTPUT_NAMES]},
            opset_version=OPSET,
            dynamo=False,
        )
    return onnx.load_from_string(buffer.getvalue()), "torchscript"


def store_weights_as_float16(
    graph: onnx.ModelProto, min_elements: int = 1024, only: set[str] | None = None
) -> onnx.ModelProto:
    """Replace large float32 initializers (or just those named in ``only``) by float16 ones plus a
    ``Cast`` back to float32. Quantization scales (inputs of Quantize/DequantizeLinear) keep float32:
    rounding them would move every quantized weight."""
    quant_inputs = {
        name for node in graph.graph.node if node.op_type.endswith("QuantizeLinear") for name in node.input
    }
    kept, casts = [], []
    for tensor in graph.graph.initializer:
        wanted = tensor.name in only if only is not None else tensor.name not in quant_inputs
        array = numpy_helper.to_array(tensor) if wanted else None
        if array is not None and array.dtype == np.float32 and array.size >= min_elements:
            half_name = f"{tensor.name}__fp16"
            kept.append(numpy_helper.from_array(array.astype(np.float16), half_name))
            casts.append(helper.make_node("Cast", [half_name], [tensor.name], to=onnx.TensorProto.FLOAT))
        else:
            kept.append(tensor)
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(kept)
    nodes = list(graph.graph.node)
    del graph.graph.node[:]
    graph.graph.node.extend(casts + nodes)
    return graph


def matmul_weight_parameters(graph: onnx.ModelProto, model: VoiceModel) -> dict[str, str]:
    """``{parameter name: initializer name}`` for every float32 MatMul/Gemm weight of ``graph``.

    The TorchScript exporter stores a Linear weight transposed under a generated name
    (``onnx::MatMul_1172``) that changes whenever the graph does; the parameter name
    (``vocoder.head.weight``) does not, so that is what users and cards name. Matched by value."""
    initializers = {t.name: t for t in graph.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    used = {n.input[1] for n in graph.graph.node if n.op_type in ("MatMul", "Gemm") and len(n.input) > 1}
    arrays = {name: numpy_helper.to_array(initializers[name]) for name in used if name in initializers}
    names = {}
    for parameter_name, parameter in model.state_dict().items():
        if parameter.dim() != 2:
            continue
        weight = parameter.detach().float().numpy()
        for name, array in arrays.items():
            if array.shape == weight.T.shape and np.array_equal(array, weight.T):
                names[parameter_name] = name
            elif array.shape == weight.shape and np.array_equal(array, weight):
                names[parameter_name] = name
    return names


def kept_initializers(graph: onnx.ModelProto, model: VoiceModel, parameters: set[str]) -> set[str]:
    """The initializer names in ``graph`` of the MatMul weights named by parameter (``vocoder.head.weight``).

    Works on any graph of ``model`` (the runtime voice or the forced-duration one): the exporter's
    generated names differ between graphs, so parameters are matched by value."""
    names = matmul_weight_parameters(graph, model)
    unknown = parameters - names.keys()
    if unknown:
        raise ValueError(
            f"{', '.join(sorted(unknown))}: names no MatMul weight of this voice "
            f"(known: {', '.join(sorted(names))})"
        )
    return {names[name] for name in parameters}


def fp8_weight_graph(graph: onnx.ModelProto, keep: set[str]) -> onnx.ModelProto:
    """The FP8 variant of a voice graph with float32 weights (a new graph; the input is left as it is):
    MatMul weights FP8 E4M3 per output channel except the initializers named in ``keep``, which stay
    float16 like every other weight (:func:`kept_initializers` finds them by parameter name)."""
    from serving.quant.onnx_fp8 import quantize_onnx_model
    from serving.quant.spec import QuantSpec

    copy = onnx.ModelProto.FromString(graph.SerializeToString())
    # A weight stored as float16 reaches its MatMul through a Cast, so the quantizer leaves it alone.
    copy = store_weights_as_float16(copy, only=keep)
    copy, _ = quantize_onnx_model(copy, QuantSpec("fp8-e4m3", "channel"))
    return store_weights_as_float16(copy)


def quantize_voice_folder_fp8(folder: Path, model: VoiceModel, keep_float: set[str]) -> None:
    """Rewrite ``folder/model.onnx`` (float32 weights) as the FP8 variant and record the kept weights
    under ``"weights"`` in ``voice.json`` and ``card.json`` (the quality bench reads them back)."""
    from serving.quant.onnx_fp8 import load_on_cpu

    graph = onnx.load(str(folder / "model.onnx"))
    data = fp8_weight_graph(graph, kept_initializers(graph, model, keep_float)).SerializeToString()
    load_on_cpu(data)
    atomic_write_bytes(folder / "model.onnx", data)
    for name in ("voice.json", "card.json"):
        path = folder / name
        card = json.loads(path.read_text(encoding="utf-8"))
        card["weights"] = {
            "format": "fp8-e4m3 per output channel on MatMul weights; float16 elsewhere",
            "kept_float16": sorted(keep_float),
        }
        atomic_write_text(path, json.dumps(card, ensure_ascii=False, indent=1) + "\n")


def verify(
    model: torch.nn.Module,
    onnx_path: Path | bytes,
    inputs: tuple[torch.Tensor, ...],
    weights_float16: bool = True,
    input_names: list[str] = INPUT_NAMES,
) -> float:
    """Max |audio_onnx − audio_torch| over the valid samples; raises past :data:`TOLERANCE`."""
    import onnxruntime

    reference = _round_weights_to_float16(model) if weights_float16 else model
    with torch.no_grad():
        audio, lengths = reference(*inputs)
    source = onnx_path if isinstance(onnx_path, bytes) else str(onnx_path)
    session = onnxruntime.InferenceSession(source, providers=["CPUExecutionProvider"])
    feeds = {name: tensor.numpy() for name, tensor in zip(input_names, inputs, strict=True)}
    onnx_audio, onnx_lengths = session.run(OUTPUT_NAMES, feeds)
    if not np.array_equal(onnx_lengths, lengths.numpy()):
        raise ExportVerificationError(f"audio lengths differ: onnx {onnx_lengths} vs torch {lengths.numpy()}")
    error = max(
        float(np.abs(onnx_audio[i, :n] - audio.numpy()[i, :n]).max(initial=0.0))
        for i, n in enumerate(lengths.tolist())
    )
    if error > TOLERANCE:
        raise ExportVerificationError(f"onnx audio differs from torch by {error:.2e} > {TOLERANCE:.0e}")
    return error


class ForcedDurationVoice(torch.nn.Module):
    """The voice with its duration predictor bypassed: ``durations [B, T]`` (frames per token) is an
    input in place of ``length_scale``. Pitch and energy are still predicted."""

    def __init__(self, model: VoiceModel) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        tokens: torch.Tensor,
        token_lengths: torch.Tensor,
        language: torch.Tensor,
        speaker: torch.Tensor,
        durations: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        pace = torch.ones(tokens.shape[0], device=tokens.device)
        return self.model(tokens, token_lengths, language, speaker, pace, durations)


def export_forced_duration_graph(model: VoiceModel) -> onnx.ModelProto:
    """The voice as an ONNX graph that takes the teacher's durations (float32 weights), verified
    against torch.

    A quantized variant's effect on the sound is then measured frame by frame against the teacher:
    free-running, a small change in a predicted duration shifts every later frame, and DTW can only
    partly undo that (see ``bench/tts_quality.py``). Not a runtime voice: users never know durations.
    """
    wrapper = ForcedDurationVoice(model.float()).eval()
    tokens, lengths, language, speaker, _ = example_inputs()
    durations = torch.randint(0, 6, tokens.shape, generator=torch.Generator().manual_seed(1))
    inputs = (tokens, lengths, language, speaker, durations * (tokens > 0))
    graph, _ = _export(wrapper, inputs, FORCED_INPUT_NAMES)
    verify(wrapper, graph.SerializeToString(), inputs, False, FORCED_INPUT_NAMES)
    return graph


def _round_weights_to_float16(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` whose weights went through float16, as the exported graph's did."""
    import copy

    rounded = copy.deepcopy(model)
    with torch.no_grad():
        for parameter in rounded.parameters():
            if parameter.numel() >= 1024:
                parameter.copy_(parameter.half().float())
    return rounded


TINY_SIZES = {
    "d_model": 32,
    "ffn_dim": 64,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "decoder_dim": 32,
    "decoder_ffn_dim": 64,
    "vocoder_dim": 32,
    "vocoder_intermediate": 64,
    "vocoder_layers": 1,
}
"""Sizes of a toy voice that exports in about a second: for tests and for the batch machinery."""


def export_random_voice(
    out_dir: str | Path, frames_per_token: float = 4.0, seed: int = 0, **sizes: int
) -> ExportReport:
    """Export a randomly initialised voice (``TINY_SIZES`` unless sizes are given) that still speaks:
    its duration head is biased to ``frames_per_token`` so the audio has a realistic length."""
    from tts.frontend.inventory import load_inventory
    from tts.model.config import VoiceConfig

    inventory = load_inventory()
    torch.manual_seed(seed)
    config = VoiceConfig(
        n_tokens=len(inventory.tokens), n_speakers=len(inventory.speakers), **(sizes or TINY_SIZES)
    )
    model = VoiceModel(config)
    with torch.no_grad():
        model.acoustic.duration_predictor.head.weight.zero_()
        model.acoustic.duration_predictor.head.bias.fill_(float(np.log1p(frames_per_token)))
    return export_voice(
        model, inventory, out_dir, {"quality": {"note": "random weights: for tests and timing only"}}
    )
