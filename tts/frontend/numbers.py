"""Numbers, dates, times, rupee amounts and percentages spelled out in words, for speech.

A voice cannot read ``₹1,50,000`` or ``15/08/1947``: the front end turns them into the words a
speaker would say, in the sentence's language, before phonemization. Digits may be ASCII or any
native set (०-९, ০-৯, ૦-૯, ೦-೯, ൦-൯, ୦-୯, ੦-੯, ௦-௯, ౦-౯); Indian grouping (``1,00,000``) and
Western grouping (``100,000``) are both read as one number. Cardinals follow the Indian system
(lakh, crore) in every language, English included, as Indian English does.

Example::

    >>> expand_numbers("कीमत ₹250 है", "hi")
    'कीमत दो सौ पचास रुपये है'
    >>> expand_numbers("৫০% ছাড়", "bn")
    'পঞ্চাশ শতাংশ ছাড়'
"""

from __future__ import annotations

import unicodedata

import regex

from indic.languages import get_language
from tts.frontend.number_words import UNIT_WORDS

_CRORE = 10**7
_LIBRARY_LIMIT = 10**9
"""indic-numtowords reads numbers of ten or more digits digit by digit; past it we group crores ourselves."""

_NUM = r"\d+(?:,\d+)*"
_NUMBER_PATTERN = regex.compile(
    rf"(?P<currency>(?:₹|\bRs\.?|\bINR)\s?(?P<amount>{_NUM})(?:\.(?P<paise>\d{{1,2}}))?(?!\d))"
    rf"|(?P<percent>(?P<pvalue>{_NUM}(?:\.\d+)?)\s?%)"
    r"|(?P<date>(?<!\d)(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})(?!\d))"
    r"|(?P<time>(?<![\d:])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?![\d:]))"
    rf"|(?P<number>{_NUM}(?:\.\d+)?)",
    regex.VERSION1,
)


_SPACE_BEFORE_PUNCTUATION = regex.compile(r"\s+([,.;:!?।॥])")


class NumberExpansionError(ValueError):
    """Raised when a number-like string cannot be read (for example a 13th month)."""


def digits_to_int(digits: str) -> int:
    """Value of a digit string in any script, grouping commas ignored: ``"१,००,०००"`` → 100000."""
    return int("".join(str(unicodedata.digit(c)) for c in digits if c != ","))


def cardinal(number: int, lang: str) -> str:
    """``number`` in words, Indian grouping: ``cardinal(2500000, "hi")`` → ``'पच्चीस लाख'``."""
    from indic_numtowords import num2words

    code = get_language(lang).code
    if number < 0:
        raise NumberExpansionError(f"negative numbers are not expanded: {number}")
    if number >= _LIBRARY_LIMIT:
        crores, rest = divmod(number, _CRORE)
        head = f"{cardinal(crores, code)} {UNIT_WORDS[code].crore}"
        return head if rest == 0 else f"{head} {cardinal(rest, code)}"
    words = num2words(str(number), lang=code)
    return _tidy(words, code)


def _tidy(words: str, code: str) -> str:
    # The tables store some vowel signs decomposed (Malayalam ൊ as െ+ാ, Telugu ై as ె+ౖ): compose them.
    words = unicodedata.normalize("NFC", regex.sub(r"[\u200b\u200c\u200d]", "", words))
    words = " ".join(words.split())
    if code == "kn":
        # indic-numtowords leaves Kannada's linking genitive on a final lakh/thousand: "ಒಂದು ಲಕ್ಷದ".
        words = regex.sub(r"(ಲಕ್ಷ|ಸಾವಿರ)ದ$", r"\1", words)
    return words


def digit_by_digit(digits: str, lang: str) -> str:
    """Each digit as a word, as a decimal fraction is read: ``"05"`` → ``'शून्य पाँच'``."""
    return " ".join(cardinal(int(unicodedata.digit(c)), lang) for c in digits)


def decimal(text: str, lang: str) -> str:
    """``"12.05"`` → twelve point zero five, in ``lang``."""
    whole, _, fraction = text.partition(".")
    spoken = cardinal(digits_to_int(whole), lang)
    if fraction:
        spoken += f" {UNIT_WORDS[get_language(lang).code].point} {digit_by_digit(fraction, lang)}"
    return spoken


def expand_numbers(text: str, lang: str) -> str:
    """Replace every number, date, time, rupee amount and percentage in ``text`` by words in ``lang``."""
    code = get_language(lang).code
    words = UNIT_WORDS[code]

    def spell(match: regex.Match[str]) -> str:
        if match["currency"]:
            spoken = f"{cardinal(digits_to_int(match['amount']), code)} {words.rupees}"
            paise = digits_to_int(match["paise"].ljust(2, "0")) if match["paise"] else 0
            if paise:
                spoken += f" {cardinal(paise, code)} {words.paise}"
        elif match["percent"]:
            spoken = f"{decimal(match['pvalue'], code)} {words.percent}"
        elif match["date"]:
            spoken = _date(match, code)
        elif match["time"]:
            spoken = _time(match, code) or _spell_each_number(match[0], code)
        else:
            spoken = decimal(match["number"], code)
        return f" {spoken} "

    spoken = " ".join(_NUMBER_PATTERN.sub(spell, text).split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", spoken)


def _date(match: regex.Match[str], code: str) -> str:
    day, month, year = (digits_to_int(match[k]) for k in ("day", "month", "year"))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return _spell_each_number(match[0], code)
    return f"{cardinal(day, code)} {UNIT_WORDS[code].months[month - 1]} {cardinal(year, code)}"


def _time(match: regex.Match[str], code: str) -> str | None:
    hour, minute = digits_to_int(match["hour"]), digits_to_int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    if minute == 0:
        return UNIT_WORDS[code].time_on_the_hour.format(h=cardinal(hour, code))
    return UNIT_WORDS[code].time.format(h=cardinal(hour, code), m=cardinal(minute, code))


def _spell_each_number(text: str, code: str) -> str:
    """Fallback for number-like strings that are no valid date or time: read each digit run."""
    return regex.sub(r"\d+", lambda m: f" {cardinal(digits_to_int(m[0]), code)} ", text).replace(":", " ")
