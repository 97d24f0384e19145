"""The API reproduces the reference anchor measurements on FLORES dev (needs ../shared).

The acceptance bar names o200k, cl100k, Llama-3 and Qwen2; Llama-4, Llama-2 and Mistral v3 run
with ``-m slow``. Together they cover every loader path on real files: tiktoken files by name and
sniffed from ``tokenizer.model``, vocab + merges with the Qwen2 regex, and SentencePiece models.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from indic.efficiency import load_corpus, measure

# Tiny tokenizers and corpora built in tmp folders, plus an empty cache and an offline hub per test.
pytest_plugins = ["test_efficiency_fixtures"]
pytestmark = pytest.mark.usefixtures("private_cache_and_offline_hub")

COMPARED = [
    "lines",
    "words",
    "chars",
    "bytes",
    "tokens",
    "fertility",
    "chars_per_token",
    "bytes_per_token",
    "parity_vs_en",
]


@pytest.mark.parametrize(
    ("folder", "reference_name"),
    [
        ("o200k_base", "gpt4o_o200k_base"),
        ("cl100k_base", "gpt4_cl100k_base"),
        ("llama3", "llama3"),
        ("qwen2", "qwen2_2.5"),
        pytest.param("llama4", "llama4", marks=pytest.mark.slow),
        pytest.param("llama2", "llama2", marks=pytest.mark.slow),
        pytest.param("mistral_v3", "mistral_v3", marks=pytest.mark.slow),
    ],
)
def test_anchor_tokenizer_reproduces_the_reference_table_within_half_a_percent(
    shared_dir: Path, flores_dev_dir: Path, folder: str, reference_name: str
) -> None:
    table = measure(
        {reference_name: shared_dir / "anchors" / "tokenizers" / folder}, load_corpus(flores_dev_dir)
    )
    reference = pd.read_csv(shared_dir / "anchors" / "tokenizer_efficiency_dev.csv")
    expected = reference[reference["tokenizer"] == reference_name].set_index("lang")
    measured = table.set_index("lang").loc[expected.index]
    relative = (measured[COMPARED] - expected[COMPARED]).abs() / expected[COMPARED]
    assert len(measured) == 11
    assert relative.max().max() < 0.005, relative.max()
    assert (measured["roundtrip_failure_rate"] == 0.0).all()
    assert table.attrs["vocab_size"][reference_name] == expected["vocab_size"].iloc[0]
