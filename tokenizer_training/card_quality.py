"""The ``quality`` section of a tokenizer card: its FLORES dev efficiency, measured by ``indic.efficiency``.

Same definitions as every other figure in the project (fertility = tokens per whitespace word,
parity = tokens / English tokens on the same parallel lines), so a card can be compared with the
anchors and with ``indic tokenizer compare``. Example::

    >>> flores_quality(Path("superbpe-64k"), Path("../shared/corpora/flores/dev"))  # doctest: +SKIP
    {'flores_dev': {'bn': {'tokens': 32278, 'fertility': 1.9, ...}, ...}, 'mean_indic_fertility': 1.93, ...}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def flores_quality(folder: Path, flores_dir: Path) -> dict[str, Any]:
    """Per-language tokens, fertility, bytes/token and parity, plus the Indic means, as card JSON."""
    from indic.efficiency import measure

    spec = folder / "spm.model" if (folder / "spm.model").exists() else folder
    table = measure({"tokenizer": spec}, flores_dir, cache=False).set_index("lang")
    columns = ["tokens", "fertility", "bytes_per_token", "parity_vs_en"]
    per_language = {
        lang: {column: round(float(row[column]), 4) for column in columns} | {"tokens": int(row["tokens"])}
        for lang, row in table.iterrows()
    }
    indic = table.drop(index="en")
    return {
        "flores_dev": per_language,
        "total_tokens": int(table["tokens"].sum()),
        "mean_indic_fertility": round(float(indic["fertility"].mean()), 4),
        "max_indic_parity": round(float(indic["parity_vs_en"].max()), 4),
    }
