"""What the text-to-speech benchmarks share: test sentences, thread count, verdicts, CPU sessions,
and the FP8 variant of a voice graph.

``bench/tts_speed.py`` (real-time factor, GPU throughput) and ``bench/tts_quality.py`` (MCD, F0,
voicing, PER, DNSMOS) both import this module; ``bench/tts_bench.py`` dispatches the older command
forms to them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx
    import onnxruntime

    from tts.model.voice_model import VoiceModel

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SENTENCES = {
    "hi": "भारत एक विशाल देश है, जहाँ अनेक भाषाएँ बोली जाती हैं।",
    "bn": "আমি প্রতিদিন সকালে বাজারে যাই এবং তাজা সবজি কিনি।",
    "ta": "இன்று காலை மழை பெய்தது, அதனால் சாலைகள் ஈரமாக இருந்தன.",
    "te": "మా ఊరిలో ఒక పెద్ద చెరువు ఉంది, అక్కడ చాలా పక్షులు వస్తాయి.",
    "en": "The train to Mumbai leaves at seven in the morning, so please be on time.",
    "mr": "आज शाळेला सुट्टी आहे, म्हणून मुले मैदानात खेळत आहेत.",
    "gu": "અમદાવાદમાં આજે ખૂબ ગરમી છે, તેથી લોકો ઘરમાં રહે છે.",
    "kn": "ಬೆಂಗಳೂರಿನಲ್ಲಿ ಇಂದು ಹವಾಮಾನ ತುಂಬಾ ಚೆನ್ನಾಗಿದೆ.",
}
"""One everyday sentence per language for the speed benchmarks (quality uses held-out lists)."""
THREADS = 2
"""onnxruntime threads: the acceptance figures are for 2 CPU cores."""


def verdict(ok: bool) -> str:
    """PASS or MISSED, as every benchmark prints its targets."""
    return "PASS" if ok else "MISSED"


def cpu_session(model: str | Path | bytes, threads: int = THREADS) -> onnxruntime.InferenceSession:
    """An onnxruntime CPU session with ``threads`` intra-op threads (one inter-op thread)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    source = model if isinstance(model, bytes) else str(model)
    return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def run_voice_graph(
    session: onnxruntime.InferenceSession,
    ids: np.ndarray,
    language: int,
    speaker: int = 0,
    durations: np.ndarray | None = None,
) -> np.ndarray:
    """Audio of one utterance from a voice graph (inputs as ``tts.export`` names them): pace 1, or,
    for a forced-duration graph (``tts.export.export_forced_duration_graph``), the given durations."""
    feeds = {
        "tokens": np.asarray(ids, np.int64)[None],
        "token_lengths": np.array([len(ids)]),
        "language": np.array([language]),
        "speaker": np.array([speaker]),
    }
    if durations is None:
        feeds["length_scale"] = np.array([1.0], np.float32)
    else:
        feeds["durations"] = np.asarray(durations, np.int64)[None]
    audio, lengths = session.run(None, feeds)
    return audio[0, : int(lengths[0])]


def fp8_graph(fp32: onnx.ModelProto, keep: set[str]) -> onnx.ModelProto:
    """The FP8 variant of a voice graph with float32 weights, as ``indic tts export --fp8 --keep-float``
    builds it: MatMul weights FP8 E4M3 per output channel except the initializers named in ``keep``,
    which stay float16 like every other weight (:func:`kept_initializers` names them)."""
    from serving.quant.onnx_fp8 import quantize_onnx_model
    from serving.quant.spec import QuantSpec
    from tts.export import store_weights_as_float16

    # A weight stored as float16 reaches its MatMul through a Cast, so the quantizer leaves it alone.
    graph = store_weights_as_float16(onnx_copy(fp32), only=keep)
    graph, _ = quantize_onnx_model(graph, QuantSpec("fp8-e4m3", "channel"))
    return store_weights_as_float16(graph)


def kept_initializers(graph: onnx.ModelProto, model: VoiceModel, parameters: set[str]) -> set[str]:
    """The initializer names in ``graph`` of the MatMul weights named by parameter (``vocoder.head.weight``).

    Works on any graph of ``model`` (the runtime voice or the forced-duration one): the exporter's
    generated names differ between graphs, so parameters are matched by value."""
    from tts.export import matmul_weight_parameters

    names = matmul_weight_parameters(graph, model)
    unknown = parameters - names.keys()
    if unknown:
        raise ValueError(f"no MatMul weight of this voice is named {', '.join(sorted(unknown))}")
    return {names[name] for name in parameters}


def onnx_copy(graph: onnx.ModelProto) -> onnx.ModelProto:
    """A deep copy of an ONNX model (the rewriters edit their input in place)."""
    import onnx

    return onnx.ModelProto.FromString(graph.SerializeToString())
