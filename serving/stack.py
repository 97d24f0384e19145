"""Build the services `indic serve` runs: which LM and voice, on which provider, batched how.

A model is named by a :class:`ServeConfig` field: ``"auto"`` (the shipped artifact when it exists,
else the synthetic graph), ``"synthetic"`` (the random-weight graphs of
:mod:`serving.synthetic_graphs`, for tests and benchmarks), an artifact name found through
:func:`indic.artifacts.find_artifact`, a folder, or ``None`` to leave that service off.

Folder layouts (the same the exporters write):

- LM: ``model.onnx`` + ``config.json`` (``llm.config.LMConfig``: ``max_seq_len``, ``eot_id``) +
  ``tokenizer.json``.
- Voice: ``model.onnx`` + ``card.json`` whose ``"serving"`` section is a
  :class:`~serving.tts_engine.VoiceSpec`; text goes through ``tts.frontend`` (espeak-ng phonemes, the
  shared inventory, or ``phoneme_inventory.json`` in the folder when the voice brings its own).

Example::

    >>> stack = build_stack(ServeConfig(lm="synthetic", tts="synthetic"))   # doctest: +SKIP
    >>> stack.speech.speak("नमस्ते", "hi").audio_s                          # doctest: +SKIP
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from serving.batching import BatchPolicy
from serving.engine import load_session
from serving.lm_engine import LMEngine
from serving.metrics import ServingMetrics
from serving.providers import ThreadSettings
from serving.services import SpeechService, TextService
from serving.synthetic_graphs import DecoderLMConfig, TTSVoiceConfig, build_decoder_lm, build_tts_voice
from serving.text_codecs import ByteCodec, TokenizerCodec
from serving.tts_engine import CodepointPhonemizer, TTSEngine, VoiceSpec

log = logging.getLogger(__name__)

SYNTHETIC = "synthetic"
# Intra-op threads for the LM's session. Its decode step is a few hundred small kernels; on a 16-core
# host 16 threads made the 32-stream step take 19.4 ms against 10.4 ms on 4 cores, and batched serving
# 611 tokens/s against 1,879 (8 cores) and 1,994 (4 cores) — bench/RESULTS.md, "serving_bench on a
# 16-core host". Waking more threads than the kernels can use costs more than it gives.
LM_MAX_THREADS = 8
AUTO = "auto"


def resolve_model(choice: str | None, kind: str) -> str | None:
    """``"auto"`` → the default artifact of ``kind`` (``"lm"`` or ``"tts"``) if shipped, else ``"synthetic"``.

    >>> resolve_model("synthetic", "lm")
    'synthetic'
    """
    if choice is None or choice.lower() == "none":
        return None
    if choice != AUTO:
        return choice
    from indic.artifacts import ArtifactNotFoundError, find_artifact
    from llm.runtime import DEFAULT_ARTIFACT
    from tts.voice import DEFAULT_VOICE

    name = DEFAULT_ARTIFACT if kind == "lm" else DEFAULT_VOICE
    try:
        find_artifact(name)
    except ArtifactNotFoundError:
        return SYNTHETIC
    return name


@dataclass(frozen=True)
class ServeConfig:
    """Everything `indic serve` can be told; CLI flags use the same names."""

    lm: str | None = AUTO
    tts: str | None = AUTO
    providers: str = "auto"
    max_batch: int = 16
    max_wait_ms: float = 10.0
    max_queue: int = 256
    max_streams: int = 32
    max_padding_waste: float = 0.3
    max_batch_tokens: int | None = 256
    synthetic_dir: Path | None = None

    @property
    def policy(self) -> BatchPolicy:
        return BatchPolicy(
            self.max_batch,
            self.max_wait_ms / 1000,
            self.max_queue,
            self.max_padding_waste,
            self.max_batch_tokens,
        )


@dataclass
class ServingStack:
    """The running services and the metrics they share."""

    metrics: ServingMetrics
    models: dict[str, str] = field(default_factory=dict)
    speech: SpeechService | None = None
    text: TextService | None = None
    _scratch: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def close(self) -> None:
        for service in (self.speech, self.text):
            if service is not None:
                service.close()
        if self._scratch is not None:
            self._scratch.cleanup()


def build_stack(config: ServeConfig = ServeConfig(), metrics: ServingMetrics | None = None) -> ServingStack:
    """Load the configured models and start their batchers."""
    config = replace(config, lm=resolve_model(config.lm, "lm"), tts=resolve_model(config.tts, "tts"))
    stack = ServingStack(metrics or ServingMetrics())
    synthetic_dir = config.synthetic_dir
    if SYNTHETIC in (config.lm, config.tts) and synthetic_dir is None:
        stack._scratch = tempfile.TemporaryDirectory(prefix="indic-serve-")
        synthetic_dir = Path(stack._scratch.name)
    stack.models = {kind: name for kind, name in (("lm", config.lm), ("tts", config.tts)) if name is not None}
    if config.tts is not None:
        stack.speech = _speech_service(config, stack.metrics, synthetic_dir)
    if config.lm is not None:
        stack.text = _text_service(config, stack.metrics, synthetic_dir)
    return stack


def _speech_service(
    config: ServeConfig, metrics: ServingMetrics, synthetic_dir: Path | None
) -> SpeechService:
    if config.tts == SYNTHETIC:
        voice = TTSVoiceConfig()
        path = build_tts_voice(Path(str(synthetic_dir)) / "tts.onnx", voice)
        engine = TTSEngine(load_session(path, config.providers), VoiceSpec(sample_rate=voice.sample_rate))
        return SpeechService(
            engine,
            CodepointPhonemizer(voice.phoneme_vocab),
            speakers=voice.speakers,
            policy=config.policy,
            metrics=metrics,
        )
    import json

    from tts.frontend.inventory import INVENTORY_PATH, load_inventory
    from tts.frontend.phonemize import phonemize

    folder = model_folder(str(config.tts))
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    own = folder / "phoneme_inventory.json"
    inventory = load_inventory(own if own.is_file() else INVENTORY_PATH)
    engine = TTSEngine(load_session(folder / "model.onnx", config.providers), VoiceSpec.from_card(card))
    return SpeechService(
        engine,
        lambda text, lang: inventory.ids(phonemize(text, lang)),
        language_id=inventory.language_id,
        speakers=len(inventory.speakers),
        policy=config.policy,
        metrics=metrics,
    )


def _text_service(config: ServeConfig, metrics: ServingMetrics, synthetic_dir: Path | None) -> TextService:
    if config.lm == SYNTHETIC:
        shape = DecoderLMConfig()
        path = build_decoder_lm(Path(str(synthetic_dir)) / "lm.onnx", shape)
        served = serving_graph(path, cache_dir=path.parent)
        engine = LMEngine(load_session(served, config.providers, threads=lm_threads()), shape.max_positions)
        return TextService(engine, ByteCodec(), config.max_streams, config.max_queue, metrics)
    from llm.config import LMConfig

    folder = model_folder(str(config.lm))
    lm_config = LMConfig.load(folder / "config.json")
    served = serving_graph(folder / "model.onnx")
    engine = LMEngine(load_session(served, config.providers, threads=lm_threads()), lm_config.max_seq_len)
    codec = TokenizerCodec(folder / "tokenizer.json", lm_config.eot_id)
    return TextService(engine, codec, config.max_streams, config.max_queue, metrics)


def lm_threads() -> ThreadSettings:
    """Thread settings of the LM's session: this machine's cores, at most :data:`LM_MAX_THREADS`."""
    return ThreadSettings.for_this_machine(max_threads=LM_MAX_THREADS)


def serving_graph(model_path: Path, cache_dir: Path | None = None) -> Path:
    """The LM graph to serve: its copy with the head on the last position (:mod:`serving.lm_graph`),
    or the graph itself, with one log line, when it has no head that rewrite understands."""
    from serving.lm_graph import GraphRewriteError, last_position_model

    try:
        return last_position_model(model_path, cache_dir)
    except (GraphRewriteError, OSError) as error:
        log.warning("serving %s with logits on every position: %s", model_path.name, error)
        return model_path


def model_folder(name: str) -> Path:
    """A folder given directly, else an artifact by name (raises ``ArtifactNotFoundError``)."""
    from indic.artifacts import find_artifact

    path = Path(name)
    return path if path.is_dir() else find_artifact(name).path
