"""Building the served models: synthetic graphs, an LM model folder as the exporter writes it, names."""

from __future__ import annotations

from pathlib import Path

import pytest

from indic.artifacts import ArtifactNotFoundError
from serving.stack import ServeConfig, build_stack, resolve_model
from serving.synthetic_graphs import DecoderLMConfig, build_decoder_lm


@pytest.fixture(scope="module")
def lm_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``model.onnx`` + ``config.json`` + ``tokenizer.json``: the layout of ``llm`` exports."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    from llm.config import LMConfig

    folder = tmp_path_factory.mktemp("lm-folder")
    shape = DecoderLMConfig(
        vocab_size=64, hidden=64, layers=2, kv_heads=2, head_dim=32, ffn=128, max_positions=96
    )
    build_decoder_lm(folder / "model.onnx", shape)
    LMConfig(vocab_size=64, d_model=64, n_layers=2, n_heads=2, n_kv_heads=2, max_seq_len=96, eot_id=0).save(
        folder / "config.json"
    )
    words = ["<|endoftext|>", "[UNK]", "नमस्ते", "दुनिया", "hello", "world"]
    vocab = {word: index for index, word in enumerate(words)} | {f"w{i}": i for i in range(len(words), 64)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.add_special_tokens(["<|endoftext|>"])
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def test_an_lm_model_folder_is_served_with_its_tokenizer_and_limits(lm_folder: Path) -> None:
    stack = build_stack(ServeConfig(lm=str(lm_folder), tts=None, providers="cpu"))
    try:
        assert stack.speech is None and stack.models == {"lm": str(lm_folder)}
        assert stack.text is not None
        assert stack.text.codec.encode("नमस्ते दुनिया") == [0, 2, 3]  # end-of-text opens every prompt
        result = stack.text.generate("hello world", max_new_tokens=5)
        assert result.finish_reason in ("length", "stop") and 1 <= len(result.token_ids) <= 5
        with pytest.raises(ValueError, match="exceeds 96 positions"):
            stack.text.submit("hello " * 50, max_new_tokens=60)
    finally:
        stack.close()


def test_the_synthetic_stack_speaks_and_generates() -> None:
    stack = build_stack(ServeConfig(lm="synthetic", tts="synthetic", providers="cpu"))
    try:
        assert stack.speech is not None and stack.text is not None
        assert stack.speech.speak("नमस्ते", "hi").audio.size > 0
        assert len(stack.text.generate("abc", max_new_tokens=3).token_ids) == 3
    finally:
        stack.close()


def test_model_names_resolve_none_explicit_and_unknown() -> None:
    assert resolve_model("none", "lm") is None and resolve_model(None, "tts") is None
    assert resolve_model("synthetic", "tts") == "synthetic"
    assert resolve_model("auto", "lm") in ("synthetic", "indic-lm-small")
    with pytest.raises(ArtifactNotFoundError):
        build_stack(ServeConfig(lm="no-such-model", tts=None))
