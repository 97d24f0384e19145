"""Errors raised where corpus input enters the project.

Every reader, manifest and mixing function raises one of these (never a bare ``OSError`` or
``UnicodeDecodeError``), so the command line can print one clear sentence and exit non-zero::

    >>> from corpora.errors import CorpusReadError
    >>> str(CorpusReadError("missing.txt: no such file"))
    'missing.txt: no such file'
"""

from __future__ import annotations


class CorpusError(Exception):
    """Base class of every corpus error; the message names the file and what is wrong."""


class CorpusReadError(CorpusError):
    """A path is missing, unreadable, not UTF-8, or not the compression its name claims."""


class CorpusFormatError(CorpusError):
    """A file is readable but its content is not the format it claims (bad JSON, no text field)."""


class MissingDependencyError(CorpusError):
    """An optional package (e.g. ``datasets``) is needed for this reader but is not installed."""


class CorpusLanguageError(CorpusError):
    """A file's language cannot be told from its name where a language is required."""
