"""A short phrase per language, written for the speech tests (not taken from any corpus)."""

HELLO = {
    "bn": "আমি ভাত খাই",
    "gu": "ગુજરાતી ભાષા",
    "hi": "नमस्ते दुनिया",
    "kn": "ಕನ್ನಡ ಭಾಷೆ",
    "ml": "മലയാളം ഭാഷ",
    "mr": "मराठी भाषा",
    "or": "ଓଡ଼ିଆ ଭାଷା",
    "pa": "ਪੰਜਾਬੀ ਘੋੜਾ",
    "ta": "வணக்கம் உலகம்",
    "te": "తెలుగు భాష",
    "en": "hello world",
}
