"""Script purity: the share of a text's script-bearing characters in its language's own script.

Hindi text is mostly Devanagari plus Latin names, brands and abbreviations; a "Hindi" file that
is 40% Latin is probably mislabelled or boilerplate. Which script a character belongs to is
decided by :mod:`indic.text.scripts` (the module behind :func:`indic.text.detect_script`), so
every part of the project agrees: letters, vowel signs and viramas, and a script's own digits
count; spaces, punctuation, ASCII digits and the dandas (shared by several scripts) do not.
Blocks of lines are counted at once, and the counter adds the blocks up by character counts,
so the purity of a corpus is exact, not an average of averages::

    >>> counter = ScriptLetterCounter("hi")
    >>> counter.add("दिल्ली में Metro।")
    >>> counter.letters, counter.script_letters
    (14, 9)
"""

from __future__ import annotations

from indic.languages import get_language
from indic.text.scripts import script_counts


class ScriptLetterCounter:
    """Adds up script-bearing characters, and those in ``language``'s script (``None``: all count)."""

    def __init__(self, language: str | None) -> None:
        self.script = get_language(language).script if language is not None else None
        self.letters = 0
        self.script_letters = 0

    def add(self, text: str) -> None:
        """Count the characters of ``text``."""
        counts = script_counts(text)
        self.letters += sum(counts.values())
        if self.script is not None:
            self.script_letters += counts.get(self.script, 0)
