"""The two pre-tokenizer regexes of SuperBPE, written so that Indic words stay whole.

Stage 1 (subwords) splits text the way GPT-style byte-level BPE does: an optional leading space
or punctuation mark plus a word, digits in groups of up to three, punctuation runs, whitespace.
Stage 2 (superwords) keeps those cuts except at single spaces, so that one token may cover
"of the" or "के लिए", and it adds the boundaries a superword must never cross:

- a sentence end: ``. ? ! । ॥`` (and ``: ;``) are *attached* to the chunk before them and the
  chunk stops there, so ``" है।"`` can become one token but nothing continues past the danda;
- digits (groups of up to 3) and runs of two or more punctuation marks stay isolated from words,
  but each may take the one plain space before it (``" 202"``, ``" ("``), which would otherwise
  cost a token of its own: on FLORES dev that lone space was 1.3% of all tokens, mostly before
  numbers, and attaching it saved about one point of tokens at 128k (``bench/RESULTS.md``);
- newlines and other whitespace that is not one plain space.

Pitfall: a letter class built from ``\\p{L}`` alone splits every Indic word at its vowel signs
and viramas, which are ``\\p{M}``: ``नमस्ते`` would become ``नमस | ् | त | े``. Every letter class
here is ``[\\p{L}\\p{M}\\x{200C}\\x{200D}]`` (ZWNJ/ZWJ inside words are meaningful), and byte
mapping always uses ``ByteLevel(use_regex=False)`` because its built-in regex has the same trap.

Example::

    >>> from tokenizers import Regex, pre_tokenizers
    >>> split = pre_tokenizers.Split(Regex(STAGE2_REGEX), "isolated")
    >>> [piece for piece, _ in split.pre_tokenize_str("यह अच्छा है। ठीक 2024")]
    ['यह अच्छा है।', ' ठीक', ' 202', '4']
"""

from __future__ import annotations

from tokenizers import Regex, pre_tokenizers

_LETTER = r"\p{L}\p{M}\x{200C}\x{200D}"
_TERMINATORS = r".?!।॥:;"
_NOT_PUNCT = rf"\s{_LETTER}\p{{N}}"
# A punctuation mark that is not a sentence terminator.
_INNER_PUNCT = rf"[^{_NOT_PUNCT}{_TERMINATORS}]"

STAGE1_REGEX = (
    rf"[^\r\n{_LETTER}\p{{N}}]?[{_LETTER}]+"
    r"|\p{N}{1,3}"
    rf"| ?[^{_NOT_PUNCT}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# One word of a stage-2 chunk: an optional plain space, an optional single punctuation mark that
# does not follow another one, the letters, and an optional single trailing mark (e.g. a comma)
# that is not followed by another one (runs of two or more marks stay isolated).
_CHUNK_WORD = rf" ?(?:(?<![^{_NOT_PUNCT}]){_INNER_PUNCT})?[{_LETTER}]+(?:{_INNER_PUNCT}(?![^{_NOT_PUNCT}]))?"
STAGE2_REGEX = (
    rf"(?:{_CHUNK_WORD})+(?:[{_TERMINATORS}](?![^{_NOT_PUNCT}]))?"
    r"| ?\p{N}{1,3}"
    rf"| ?[^{_NOT_PUNCT}]+"
    r"|\s+"
)


def byte_level_pre_tokenizer(regex: str) -> pre_tokenizers.PreTokenizer:
    """``Sequence[Split(regex, "isolated"), ByteLevel(add_prefix_space=False, use_regex=False)]``.

    >>> byte_level_pre_tokenizer(STAGE1_REGEX).pre_tokenize_str("नमस्ते दुनिया")[1][0]
    'Ġà¤¦à¥ģà¤¨à¤¿à¤¯à¤¾'
    """
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(regex), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
