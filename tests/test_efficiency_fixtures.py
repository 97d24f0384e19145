"""Tiny tokenizers and corpora built in tmp folders, shared by the efficiency tests.

No test here: the other ``test_efficiency_*`` modules load this one as a plugin
(``pytest_plugins``) and mark every test with ``private_cache_and_offline_hub`` (not autouse, so
tests of other packages are untouched). None of them needs ../shared or a download. Each
tokenizer format the loader supports is built for real: a
``tokenizers`` BPE trained on a few sentences, a SentencePiece model trained on a few lines,
and a ``.tiktoken`` rank file written by hand.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

SENTENCES = {
    "en": ["India is a large country.", "The river flows to the sea.", "We read books every day."],
    "hi": ["भारत एक विशाल देश है।", "नदी समुद्र की ओर बहती है।", "हम हर दिन किताबें पढ़ते हैं।"],
    "ta": ["இந்தியா ஒரு பெரிய நாடு.", "ஆறு கடலை நோக்கி ஓடுகிறது.", "நாங்கள் தினமும் புத்தகங்கள் படிக்கிறோம்."],
}
TRAINING_LINES = [line for lines in SENTENCES.values() for line in lines] * 20


def write_corpus(folder: Path, texts: dict[str, list[str]]) -> Path:
    """One ``<lang>.txt`` per language, newline-terminated."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang, lines in texts.items():
        (folder / f"{lang}.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return folder


# "hello" and " w", then "स्" (sa + virama, 3 + 3 UTF-8 bytes): that last merge crosses a
# letter/vowel-sign boundary, so only a split regex that keeps \p{M} in words can use it.
TIKTOKEN_MERGES = (
    b"he",
    b"ll",
    b"hell",
    b"hello",
    b" w",
    b"\xe0\xa4",
    b"\xe0\xa4\xb8",
    b"\xe0\xa5",
    b"\xe0\xa5\x8d",
    "स्".encode(),
)


def write_tiktoken(path: Path) -> Path:
    """A rank file: the 256 single bytes, then :data:`TIKTOKEN_MERGES` (each built from earlier ranks)."""
    tokens = [bytes([value]) for value in range(256)] + list(TIKTOKEN_MERGES)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(f"{base64.b64encode(token).decode()} {rank}\n" for rank, token in enumerate(tokens)),
        encoding="ascii",
    )
    return path


@pytest.fixture(scope="session")
def tiny_corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-language parallel corpus (en, hi, ta; three lines each)."""
    return write_corpus(tmp_path_factory.mktemp("corpus"), SENTENCES)


@pytest.fixture(scope="session")
def tiny_bpe_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a byte-level BPE ``tokenizer.json`` trained on the tiny corpus."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<s>"]
    )
    tokenizer.train_from_iterator(TRAINING_LINES, trainer)
    folder = tmp_path_factory.mktemp("tiny_bpe")
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


@pytest.fixture(scope="session")
def tiny_sentencepiece(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SentencePiece BPE model (byte fallback) trained on the tiny corpus."""
    import sentencepiece

    folder = tmp_path_factory.mktemp("tiny_spm")
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAINING_LINES),
        model_prefix=str(folder / "tiny"),
        vocab_size=400,
        model_type="bpe",
        byte_fallback=True,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return folder / "tiny.model"


@pytest.fixture(scope="session")
def tiny_tiktoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``.tiktoken`` rank file whose name says it uses the o200k split regex."""
    return write_tiktoken(tmp_path_factory.mktemp("tiny_tiktoken") / "tiny_o200k.tiktoken")


@pytest.fixture
def private_cache_and_offline_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty count cache and never reaches the network."""
    monkeypatch.setenv("INDIC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
