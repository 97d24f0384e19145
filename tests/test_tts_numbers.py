"""Numbers, dates, times, rupees and percentages are spelled out in every language, native digits too."""

from __future__ import annotations

import pytest

from indic.languages import LANGUAGES, get_language
from tts.frontend.numbers import cardinal, digits_to_int, expand_numbers


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("कीमत ₹250 है", "hi", "कीमत दो सौ पचास रुपये है"),
        ("৫০% ছাড়", "bn", "পঞ্চাশ শতাংশ ছাড়"),
        ("1,00,000", "hi", "एक लाख"),
        ("25,00,000", "mr", "पंचवीस लाख"),
        ("₹2.50", "ta", "இரண்டு ரூபாய் ஐம்பது பைசா"),
        ("15/08/1947", "hi", "पंद्रह अगस्त एक हज़ार नौ सौ सैंतालीस"),
        ("10:30", "hi", "दस बजकर तीस मिनट"),
        ("7:00", "en", "seven o'clock"),
        ("3.14", "hi", "तीन दशमलव एक चार"),
        ("100000", "kn", "ಒಂದು ಲಕ್ಷ"),
        ("2000", "ta", "இரண்டாயிரம்"),
        ("25%", "te", "ఇరవై ఐదు శాతం"),
        ("9:15", "gu", "નવ વાગીને પંદર મિનિટ"),
        ("₹5", "pa", "ਪੰਜ ਰੁਪਏ"),
        ("21", "ml", "ഇരുപത്തിയൊന്ന്"),
        ("1/1/2000", "or", "ଏକ ଜାନୁଆରୀ ଦୁଇ ହଜାର"),
        ("Rs. 12,500", "en", "twelve thousand five hundred rupees"),
    ],
)
def test_numbers_are_spelled_out_as_a_speaker_would_say_them(text: str, lang: str, expected: str) -> None:
    assert expand_numbers(text, lang) == expected


@pytest.mark.parametrize("lang", [lang.code for lang in LANGUAGES])
def test_native_digits_read_exactly_like_ascii_digits(lang: str) -> None:
    native = "".join(get_language(lang).digits[int(d)] for d in "1947")
    assert expand_numbers(native, lang) == expand_numbers("1947", lang)
    assert not any(c.isdigit() for c in expand_numbers(f"{native}%", lang))


def test_indian_and_western_grouping_give_the_same_number() -> None:
    assert digits_to_int("1,50,00,000") == digits_to_int("15,000,000") == 15_000_000
    assert expand_numbers("1,50,00,000", "hi") == "एक करोड़ पचास लाख"


def test_numbers_past_ninety_nine_crore_are_grouped_in_crores_not_read_digit_by_digit() -> None:
    assert cardinal(1_234_56_78_901, "hi").startswith("एक हज़ार दो सौ चौंतीस करोड़")


def test_a_number_that_is_no_date_is_still_spoken() -> None:
    spoken = expand_numbers("45/13/2020", "en")
    assert "forty five" in spoken and "thirteen" in spoken and not any(c.isdigit() for c in spoken)


def test_punctuation_after_a_number_keeps_its_place() -> None:
    assert (
        expand_numbers("on 26/01/1950, sure", "en")
        == "on twenty six January one thousand nine hundred and fifty, sure"
    )
