"""Indic text core: normalization, script detection, sentence splitting, language identification.

>>> from indic.text import normalize, detect_script, split_sentences, identify_language
>>> normalize("नमस्ते   दुनिया |")
'नमस्ते दुनिया ।'
>>> split_sentences("यह किताब है। वह कलम है।")
['यह किताब है।', 'वह कलम है।']
>>> identify_language("આજે વરસાદ છે.")
'gu'
"""

from __future__ import annotations

from indic.text.hf_normalizer import hf_normalizer
from indic.text.langid import identify_language
from indic.text.normalization import normalize
from indic.text.sample import sample_dir, sample_path
from indic.text.scripts import detect_script, dominant_script, script_of
from indic.text.sentences import split_sentences

__all__ = [
    "detect_script",
    "dominant_script",
    "hf_normalizer",
    "identify_language",
    "normalize",
    "sample_dir",
    "sample_path",
    "script_of",
    "split_sentences",
]
