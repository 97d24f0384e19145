"""The words that number expansion puts around digits, per language (cardinals come from indic-numtowords).

Cardinal numbers (with Indian grouping: lakh, crore) come from AI4Bharat's ``indic-numtowords``
tables; this module holds only what it lacks: the words for percent, rupees and paise, the decimal
point, clock times, months and the crore used for numbers past 99 crore. Each entry was written for
speech, in the everyday written form of the language (Bengali and Odia call the rupee *taka*).

Example::

    >>> UNIT_WORDS["hi"].percent
    'प्रतिशत'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitWords:
    """Words placed around numbers in one language; ``{h}`` and ``{m}`` are spelled-out hours and minutes."""

    percent: str
    rupees: str
    paise: str
    point: str
    crore: str
    time: str
    time_on_the_hour: str
    months: tuple[str, ...]


UNIT_WORDS: dict[str, UnitWords] = {
    "hi": UnitWords(
        "प्रतिशत",
        "रुपये",
        "पैसे",
        "दशमलव",
        "करोड़",
        "{h} बजकर {m} मिनट",
        "{h} बजे",
        ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"),
    ),
    "mr": UnitWords(
        "टक्के",
        "रुपये",
        "पैसे",
        "दशांश",
        "कोटी",
        "{h} वाजून {m} मिनिटे",
        "{h} वाजता",
        (
            "जानेवारी",
            "फेब्रुवारी",
            "मार्च",
            "एप्रिल",
            "मे",
            "जून",
            "जुलै",
            "ऑगस्ट",
            "सप्टेंबर",
            "ऑक्टोबर",
            "नोव्हेंबर",
            "डिसेंबर",
        ),
    ),
    "bn": UnitWords(
        "শতাংশ",
        "টাকা",
        "পয়সা",
        "দশমিক",
        "কোটি",
        "{h}টা বেজে {m} মিনিট",
        "{h}টা",
        (
            "জানুয়ারি",
            "ফেব্রুয়ারি",
            "মার্চ",
            "এপ্রিল",
            "মে",
            "জুন",
            "জুলাই",
            "আগস্ট",
            "সেপ্টেম্বর",
            "অক্টোবর",
            "নভেম্বর",
            "ডিসেম্বর",
        ),
    ),
    "gu": UnitWords(
        "ટકા",
        "રૂપિયા",
        "પૈસા",
        "દશાંશ",
        "કરોડ",
        "{h} વાગીને {m} મિનિટ",
        "{h} વાગ્યે",
        (
            "જાન્યુઆરી",
            "ફેબ્રુઆરી",
            "માર્ચ",
            "એપ્રિલ",
            "મે",
            "જૂન",
            "જુલાઈ",
            "ઑગસ્ટ",
            "સપ્ટેમ્બર",
            "ઑક્ટોબર",
            "નવેમ્બર",
            "ડિસેમ્બર",
        ),
    ),
    "pa": UnitWords(
        "ਪ੍ਰਤੀਸ਼ਤ",
        "ਰੁਪਏ",
        "ਪੈਸੇ",
        "ਦਸ਼ਮਲਵ",
        "ਕਰੋੜ",
        "{h} ਵੱਜ ਕੇ {m} ਮਿੰਟ",
        "{h} ਵਜੇ",
        ("ਜਨਵਰੀ", "ਫ਼ਰਵਰੀ", "ਮਾਰਚ", "ਅਪ੍ਰੈਲ", "ਮਈ", "ਜੂਨ", "ਜੁਲਾਈ", "ਅਗਸਤ", "ਸਤੰਬਰ", "ਅਕਤੂਬਰ", "ਨਵੰਬਰ", "ਦਸੰਬਰ"),
    ),
    "or": UnitWords(
        "ପ୍ରତିଶତ",
        "ଟଙ୍କା",
        "ପଇସା",
        "ଦଶମିକ",
        "କୋଟି",
        "{h}ଟା {m} ମିନିଟ",
        "{h}ଟା",
        (
            "ଜାନୁଆରୀ",
            "ଫେବୃଆରୀ",
            "ମାର୍ଚ୍ଚ",
            "ଅପ୍ରେଲ",
            "ମଇ",
            "ଜୁନ",
            "ଜୁଲାଇ",
            "ଅଗଷ୍ଟ",
            "ସେପ୍ଟେମ୍ବର",
            "ଅକ୍ଟୋବର",
            "ନଭେମ୍ବର",
            "ଡିସେମ୍ବର",
        ),
    ),
    "ta": UnitWords(
        "சதவீதம்",
        "ரூபாய்",
        "பைசா",
        "புள்ளி",
        "கோடி",
        "{h} மணி {m} நிமிடம்",
        "{h} மணி",
        (
            "ஜனவரி",
            "பிப்ரவரி",
            "மார்ச்",
            "ஏப்ரல்",
            "மே",
            "ஜூன்",
            "ஜூலை",
            "ஆகஸ்ட்",
            "செப்டம்பர்",
            "அக்டோபர்",
            "நவம்பர்",
            "டிசம்பர்",
        ),
    ),
    "te": UnitWords(
        "శాతం",
        "రూపాయలు",
        "పైసలు",
        "పాయింట్",
        "కోట్లు",
        "{h} గంటల {m} నిమిషాలు",
        "{h} గంటలు",
        ("జనవరి", "ఫిబ్రవరి", "మార్చి", "ఏప్రిల్", "మే", "జూన్", "జూలై", "ఆగస్టు", "సెప్టెంబర్", "అక్టోబర్", "నవంబర్", "డిసెంబర్"),
    ),
    "kn": UnitWords(
        "ಪ್ರತಿಶತ",
        "ರೂಪಾಯಿ",
        "ಪೈಸೆ",
        "ಪಾಯಿಂಟ್",
        "ಕೋಟಿ",
        "{h} ಗಂಟೆ {m} ನಿಮಿಷ",
        "{h} ಗಂಟೆ",
        ("ಜನವರಿ", "ಫೆಬ್ರವರಿ", "ಮಾರ್ಚ್", "ಏಪ್ರಿಲ್", "ಮೇ", "ಜೂನ್", "ಜುಲೈ", "ಆಗಸ್ಟ್", "ಸೆಪ್ಟೆಂಬರ್", "ಅಕ್ಟೋಬರ್", "ನವೆಂಬರ್", "ಡಿಸೆಂಬರ್"),
    ),
    "ml": UnitWords(
        "ശതമാനം",
        "രൂപ",
        "പൈസ",
        "പോയിന്റ്",
        "കോടി",
        "{h} മണി {m} മിനിറ്റ്",
        "{h} മണി",
        (
            "ജനുവരി",
            "ഫെബ്രുവരി",
            "മാർച്ച്",
            "ഏപ്രിൽ",
            "മേയ്",
            "ജൂൺ",
            "ജൂലൈ",
            "ഓഗസ്റ്റ്",
            "സെപ്റ്റംബർ",
            "ഒക്ടോബർ",
            "നവംബർ",
            "ഡിസംബർ",
        ),
    ),
    "en": UnitWords(
        "percent",
        "rupees",
        "paise",
        "point",
        "crore",
        "{h} {m}",
        "{h} o'clock",
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    ),
}
