"""The bundled `indic-lm-small`: intact, within budget, and it continues a prompt in the prompt's script."""

from __future__ import annotations

import pytest

from indic.artifacts import find_artifact, verify_artifact
from indic.languages import get_language
from llm.runtime import OnnxLM
from llm.sampling import SamplingSettings

MAX_MODEL_BYTES = 30_000_000


@pytest.fixture(scope="module")
def lm() -> OnnxLM:
    return OnnxLM.from_artifact("indic-lm-small")


def test_bundled_model_matches_the_manifest_and_fits_30_mb() -> None:
    verify_artifact("indic-lm-small")
    artifact = find_artifact("indic-lm-small")
    assert (artifact.path / "model.onnx").stat().st_size <= MAX_MODEL_BYTES
    assert artifact.card["quality"]["flores_dev_bits_per_byte_fp32"]["mean"] > 0


@pytest.mark.parametrize(("prompt", "lang"), [("भारत एक", "hi"), ("ಬೆಂಗಳೂರು ನಗರ", "kn"), ("தமிழ்நாடு", "ta")])
def test_bundled_model_continues_a_prompt_in_its_script(lm: OnnxLM, prompt: str, lang: str) -> None:
    text = lm.generate([prompt], SamplingSettings(greedy=True), max_new_tokens=12).texts[0]
    letters = [ch for ch in text if ch.isalpha()]
    assert letters, "the model produced no letters"
    in_script = sum(get_language(lang).in_block(ch) for ch in letters) / len(letters)
    assert in_script > 0.8
