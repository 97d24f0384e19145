"""What the text-to-speech benchmarks share: test sentences, thread count, verdicts, CPU sessions.

``bench/tts_speed.py`` (real-time factor, GPU throughput), ``bench/tts_quality.py`` (MCD, F0,
voicing, PER, DNSMOS), ``bench/tts_provider_speed.py`` and ``bench/tts_fp8_scan.py`` import this
module; ``bench/tts_bench.py`` dispatches the older command forms to the first two.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime

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
"""One everyday sentence per language for the speed benchmarks (quality uses :func:`held_out_lists`)."""
THREADS = 2
"""onnxruntime threads: the acceptance figures are for 2 CPU cores."""


def held_out_lists(
    folder: str | Path, per_language: int, languages: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """The first ``per_language`` non-empty lines of each held-out ``<lang>.txt`` in ``folder``, by
    language: the lists ``indic tts train`` writes to ``<run>/test_sentences/``, sentences it never
    trained on. Every list in the folder (none there: :class:`FileNotFoundError`), or only those of
    ``languages`` that exist (the caller picks a fallback for the others).

    One reader, so every benchmark that speaks the held-out sentences speaks the same ones."""
    root = Path(folder)
    if languages is None:
        paths = sorted(root.glob("*.txt"))
        if not paths:
            raise FileNotFoundError(f"no held-out <lang>.txt lists in {root}")
    else:
        paths = [root / f"{lang}.txt" for lang in languages]
    lists = {}
    for path in paths:
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            lists[path.stem] = [line for line in lines if line.strip()][:per_language]
    return lists


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
