"""``hf_normalizer()``: :func:`indic.text.normalize` as a ``tokenizers`` normalizer.

A tokenizer that embeds this normalizer in its ``tokenizer.json`` gives, with stock ``tokenizers``
or ``transformers``, ``decode(encode(x)) == normalize(x)`` — no Python hook needed at inference.
It is built from the same :data:`~indic.text.normalization_rules.RULES` as ``normalize``
(``NFC`` followed by one ``Replace`` per rule), and a property test checks that the two agree on
arbitrary Unicode.

Known gap: the two engines carry their own Unicode tables for NFC. They agree on every character
assigned up to the Unicode version of the running Python (14.0 for Python 3.11); the few
canonical compositions added later (Unicode 16 scripts such as Kirat Rai) may differ.

Example::

    >>> hf_normalizer().normalize_str("ੲਿਹ  ਕਿਤਾਬ ਹੈ|")
    'ਇਹ ਕਿਤਾਬ ਹੈ।'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indic.text.normalization_rules import RULES

if TYPE_CHECKING:
    from tokenizers.normalizers import Normalizer


def hf_normalizer() -> Normalizer:
    """A ``tokenizers.normalizers.Sequence`` that computes exactly :func:`indic.text.normalize`."""
    from tokenizers import Regex, normalizers

    steps: list[Normalizer] = [normalizers.NFC()]
    for rule in RULES:
        pattern = Regex(rule.pattern) if rule.is_regex else rule.pattern
        steps.append(normalizers.Replace(pattern, rule.replacement))
    return normalizers.Sequence(steps)


__all__ = ["hf_normalizer"]
