"""Stream lines from a Hugging Face ``datasets`` dataset, when that package is installed.

``datasets`` is optional (the ``hf`` extra): it is imported inside the function, and a clear
:class:`MissingDependencyError` says how to install it. Streaming mode is the default so a
multi-gigabyte dataset is never downloaded whole before the first line arrives::

    >>> from corpora.hf_reader import iter_hf_lines
    >>> lines = iter_hf_lines("ai4bharat/IndicCorpV2", split="hi", text_field="text")  # doctest: +SKIP
    >>> next(lines)                                                                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator

from corpora.errors import CorpusFormatError, CorpusReadError, MissingDependencyError
from corpora.readers import DEFAULT_TEXT_FIELD


def iter_hf_lines(
    name: str,
    split: str = "train",
    text_field: str = DEFAULT_TEXT_FIELD,
    config: str | None = None,
    streaming: bool = True,
) -> Iterator[str]:
    """Lines of ``text_field`` in each record of dataset ``name`` (split ``split``)."""
    try:
        import datasets
    except ImportError as error:
        raise MissingDependencyError(
            "reading Hugging Face datasets needs the 'datasets' package: pip install 'indic-speech[hf]'"
        ) from error
    try:
        dataset = datasets.load_dataset(name, config, split=split, streaming=streaming)
    except Exception as error:  # datasets raises many unrelated types; name the dataset instead
        raise CorpusReadError(f"dataset {name!r} (split {split!r}): cannot load ({error})") from error
    for number, record in enumerate(dataset):
        if text_field not in record:
            raise CorpusFormatError(f"dataset {name!r}, record {number}: no {text_field!r} field")
        text = record[text_field]
        if isinstance(text, str):
            for line in text.splitlines():
                if line and not line.isspace():
                    yield line
