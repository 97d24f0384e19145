"""Language identification for the eleven languages: by script, then Hindi vs Marathi.

Ten of our languages have a script of their own, so the dominant script decides; only
Devanagari is shared (Hindi and Marathi), and there a small character n-gram model shipped in
``indic/data/langid/`` decides (see :mod:`indic.text.langid_model`)::

    >>> identify_language("ਮੈਂ ਘਰ ਜਾ ਰਿਹਾ ਹਾਂ।")
    'pa'
    >>> identify_language("मला मराठी भाषा आवडते.")
    'mr'
    >>> identify_language("मुझे हिंदी भाषा पसंद है।")
    'hi'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from indic.languages import languages_for_script
from indic.text.langid_model import MODEL_FILE, HindiMarathiModel
from indic.text.scripts import dominant_script

LANGID_DIR = Path(__file__).resolve().parents[1] / "data" / "langid"


@cache
def hindi_marathi_model() -> HindiMarathiModel:
    """The shipped Hindi/Marathi model, loaded once."""
    return HindiMarathiModel.load(LANGID_DIR / MODEL_FILE)


def identify_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or ``None`` when it has no letters of our scripts.

    Why by script first: it is exact for ten of the eleven languages and costs one pass; the
    n-gram model runs only on Devanagari text. Latin text is reported as English.
    """
    script = dominant_script(text)
    candidates = languages_for_script(script) if script else ()
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0].code
    return hindi_marathi_model().predict(text)


__all__ = ["LANGID_DIR", "hindi_marathi_model", "identify_language"]
