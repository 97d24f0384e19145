"""Corpora to measure: lines of text per language, optionally parallel across languages.

A corpus comes from a folder with one ``<lang>.txt`` per language (FLORES dev, the training
text), from single files named by language, or from a mapping ``{lang: path or list of lines}``.
File names may use any code the language registry knows (``hi``, ``hin``, ``hin_Deva``); other
names are kept as given, so languages beyond the eleven can be measured too. Each line is one
unit of text — it is encoded on its own, as in the anchor measurements.

``parallel=True`` (the default) promises that line *i* of every language translates the same
sentence; it is what makes parity with English meaningful, so line counts must match.

    >>> from indic.efficiency.corpus import Corpus
    >>> corpus = Corpus.from_mapping({"en": ["Hello there."], "hi": ["नमस्ते।"]})
    >>> corpus.languages
    ('en', 'hi')
    >>> corpus.stats("en").words
    2
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from indic.efficiency.errors import CorpusError, CorpusNotFoundError, ParallelLineCountError
from indic.languages import LANGUAGE_CODES, UnsupportedLanguageError, get_language
from indic.reference_data import ReferenceDataMissingError, require_reference_path

FLORES_DEV = "flores-dev"
_FLORES_DEV_RELATIVE = Path("corpora") / "flores" / "dev"


@dataclass(frozen=True)
class TextStats:
    """Size of one language's text: lines, whitespace words, code points and UTF-8 bytes."""

    lines: int
    words: int
    chars: int
    bytes: int


@dataclass(frozen=True)
class Corpus:
    """Lines per language code; ``name`` labels reports, ``parallel`` enables parity."""

    name: str
    lines: Mapping[str, list[str]]
    parallel: bool = True
    _hashes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.lines:
            raise CorpusError(f"corpus {self.name!r} has no languages")
        empty = [lang for lang, lines in self.lines.items() if not lines]
        if empty:
            raise CorpusError(f"corpus {self.name!r}: no lines for {', '.join(empty)}")
        if self.parallel:
            counts = {lang: len(lines) for lang, lines in self.lines.items()}
            if len(set(counts.values())) > 1:
                listing = ", ".join(f"{lang} {count}" for lang, count in counts.items())
                raise ParallelLineCountError(
                    f"parallel corpus {self.name!r} has different line counts ({listing}); "
                    "fix the files or measure it as non-parallel (parallel=False, --no-parallel)"
                )

    @classmethod
    def from_mapping(
        cls,
        texts: Mapping[str, str | os.PathLike[str] | Iterable[str]],
        *,
        name: str = "corpus",
        parallel: bool = True,
    ) -> Corpus:
        """A corpus from ``{lang: file path or lines}``; language keys go through the registry."""
        lines: dict[str, list[str]] = {}
        for key, source in texts.items():
            if isinstance(source, str | os.PathLike):
                lines[_language_code(key)] = read_lines(Path(source))
            else:
                lines[_language_code(key)] = list(source)
        return cls(name, _ordered(lines), parallel)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.lines)

    def stats(self, lang: str) -> TextStats:
        """Lines, words (``str.split``), chars (code points) and bytes (UTF-8, newlines excluded)."""
        return self._stats[lang]

    def text_hash(self, lang: str) -> str:
        """sha256 of one language's lines, keying cached token counts."""
        if lang not in self._hashes:
            digest = hashlib.sha256()
            for line in self.lines[lang]:
                digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
            self._hashes[lang] = digest.hexdigest()
        return self._hashes[lang]

    @cached_property
    def _stats(self) -> dict[str, TextStats]:
        return {
            lang: TextStats(
                lines=len(lines),
                words=sum(len(line.split()) for line in lines),
                chars=sum(map(len, lines)),
                bytes=sum(len(line.encode("utf-8", "surrogatepass")) for line in lines),
            )
            for lang, lines in self.lines.items()
        }


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, without line ends; a final newline adds no empty line."""
    if not path.is_file():
        raise CorpusNotFoundError(f"{path}: no such corpus file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not UTF-8 text ({error})") from error
    # Split on "\n" only: str.splitlines would also break at U+2028, U+0085 and form feeds,
    # which would shift the alignment of a parallel corpus.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def load_corpus(source: str | os.PathLike[str] | Corpus | Mapping, *, parallel: bool = True) -> Corpus:
    """A :class:`Corpus` from ``flores-dev``, a folder of ``<lang>.txt``, one such file, or a mapping.

    >>> load_corpus("flores-dev").languages        # doctest: +SKIP
    ('en', 'bn', 'gu', 'hi', 'kn', 'ml', 'mr', 'or', 'pa', 'ta', 'te')
    """
    if isinstance(source, Corpus):
        return source
    if isinstance(source, Mapping):
        return Corpus.from_mapping(source, parallel=parallel)
    if str(source) == FLORES_DEV:
        return replace(load_corpus(flores_dev_dir(), parallel=parallel), name=FLORES_DEV)
    path = Path(source).expanduser()
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise CorpusError(f"{path}: no <lang>.txt files in this folder")
        mapping = {file.stem: file for file in files}
        return Corpus.from_mapping(mapping, name=path.name, parallel=parallel)
    if path.is_file():
        return Corpus.from_mapping({path.stem: path}, name=path.stem, parallel=parallel)
    raise CorpusNotFoundError(f"{path}: no such corpus file or folder")


def flores_dev_dir() -> Path:
    """FLORES-200 dev in the reference data (``$INDIC_SHARED_DIR`` or ``../shared``)."""
    try:
        return require_reference_path(str(_FLORES_DEV_RELATIVE), f"{FLORES_DEV} (FLORES-200 dev)")
    except ReferenceDataMissingError as error:
        raise CorpusNotFoundError(f"{error}; or give a corpus path") from error


def _language_code(key: str) -> str:
    try:
        return get_language(key).code
    except UnsupportedLanguageError:
        return key


def _ordered(lines: dict[str, list[str]]) -> dict[str, list[str]]:
    """English first, then the registry's order, then other languages alphabetically."""
    order = ("en", *(code for code in LANGUAGE_CODES if code != "en"))
    rank = {code: index for index, code in enumerate(order)}
    return {lang: lines[lang] for lang in sorted(lines, key=lambda lang: (rank.get(lang, len(rank)), lang))}
