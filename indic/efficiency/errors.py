"""The errors the token-efficiency API raises where bad input enters.

Each names what was wrong and what would fix it, so the CLI can print the message and exit
non-zero without a traceback. All derive from :class:`EfficiencyError`::

    >>> from indic.efficiency.errors import EfficiencyError, TokenizerFileNotFoundError
    >>> issubclass(TokenizerFileNotFoundError, EfficiencyError)
    True
"""

from __future__ import annotations


class EfficiencyError(ValueError):
    """Base class: a tokenizer or corpus given to the efficiency API cannot be used."""


class TokenizerFileNotFoundError(EfficiencyError, FileNotFoundError):
    """A tokenizer spec looks like a path, but nothing is there."""


class UnknownTokenizerFormatError(EfficiencyError):
    """A file exists but is none of tokenizer.json, SentencePiece, tiktoken or vocab.json + merges.txt."""


class SplitPatternError(EfficiencyError):
    """A tiktoken or vocab/merges tokenizer needs a split regex that was neither given nor inferable."""


class TokenizerUnavailableError(EfficiencyError):
    """A name is neither a file, a bundled artifact, nor reachable on the hub (offline or not found)."""


class CorpusError(EfficiencyError):
    """A corpus cannot be read or is empty."""


class CorpusNotFoundError(CorpusError, FileNotFoundError):
    """A corpus path (or the shared FLORES folder) does not exist."""


class MissingEnglishError(CorpusError):
    """Parity with English was asked for, but the parallel corpus has no English side."""


class ParallelLineCountError(CorpusError):
    """The sides of a parallel corpus have different numbers of lines, so they cannot be aligned."""


class UnknownBaselineError(EfficiencyError):
    """The baseline named for normalized sequence length is not one of the measured tokenizers."""
