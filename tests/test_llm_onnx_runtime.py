"""ONNX export with a KV cache matches torch; the torch-free runtime streams, batches and stops correctly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from llm_fixtures import train_tiny_tokenizer

from llm.config import LMConfig
from llm.export_onnx import export_onnx, tie_embedding_to_head, untie_lm_head, verify_export
from llm.model import DecoderLM
from llm.onnx_io import cache_input_names, cache_output_names
from llm.runtime import ModelFolderError, OnnxLM
from llm.sampling import SamplingSettings

TINY = LMConfig(vocab_size=448, d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, max_seq_len=128, eot_id=0)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[DecoderLM, Path]:
    folder = tmp_path_factory.mktemp("onnx")
    torch.manual_seed(0)
    model = DecoderLM(TINY).eval()
    export_onnx(model, folder / "model.onnx")
    TINY.save(folder / "config.json")
    train_tiny_tokenizer(folder / "tokenizer.json", vocab_size=448)
    return model, folder


def test_graph_uses_the_onnxruntime_genai_names_and_dynamic_axes(exported: tuple[DecoderLM, Path]) -> None:
    graph = onnx.load(str(exported[1] / "model.onnx")).graph
    inputs = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in graph.input}
    outputs = [o.name for o in graph.output]
    assert list(inputs)[:3] == ["input_ids", "attention_mask", "position_ids"]
    assert list(inputs)[3:] == cache_input_names(2)
    assert outputs == ["logits", *cache_output_names(2)]
    batch, kv_heads, past, head_dim = inputs["past_key_values.0.key"]
    assert isinstance(batch, str) and isinstance(past, str)
    assert (kv_heads, head_dim) == (TINY.n_kv_heads, TINY.head_dim)


def test_onnx_logits_match_torch_within_1e_3_over_a_64_token_cached_decode(
    exported: tuple[DecoderLM, Path],
) -> None:
    model, folder = exported
    assert verify_export(model, folder / "model.onnx", steps=64) < 1e-3


def test_fp8_graph_stores_the_tied_matrix_once_and_matches_fake_quantized_torch(
    exported: tuple[DecoderLM, Path], tmp_path: Path
) -> None:
    from serving.quant.onnx_fp8 import quantize_onnx_model
    from serving.quant.spec import QuantSpec, fake_quantize

    model, folder = exported
    spec = QuantSpec("fp8-e4m3", "channel")
    quantized, _ = quantize_onnx_model(
        untie_lm_head(onnx.load(str(folder / "model.onnx"))), spec, min_elements=256
    )
    graph = tie_embedding_to_head(quantized).graph
    float_matrices = [
        list(i.dims) for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT and len(i.dims) == 2
    ]
    rotary_tables = [[TINY.max_seq_len, TINY.head_dim // 2]] * 2
    assert float_matrices == rotary_tables, (
        "every weight matrix, the tied embedding included, is stored in FP8"
    )
    onnx.save(quantized, str(tmp_path / "fp8.onnx"))
    fq = DecoderLM(TINY).eval()
    fq.load_state_dict(model.state_dict())
    for module in [*fq.blocks.modules(), fq.embed]:
        if isinstance(module, torch.nn.Linear | torch.nn.Embedding):
            module.weight.data = fake_quantize(module.weight.data, spec, channel_axis=0, reduction_axis=1)
    assert verify_export(fq, tmp_path / "fp8.onnx", steps=8) < 1e-3


def test_streamed_pieces_add_up_to_the_generated_text(exported: tuple[DecoderLM, Path]) -> None:
    lm = OnnxLM(exported[1])
    settings = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0)
    pieces = list(lm.stream("भारत", settings, max_new_tokens=20, seed=3))
    result = lm.generate(["भारत"], settings, max_new_tokens=20, seed=3)
    assert len(pieces) > 1
    assert "".join(pieces) == result.texts[0]


def test_batched_streams_decode_exactly_as_each_stream_alone(exported: tuple[DecoderLM, Path]) -> None:
    lm = OnnxLM(exported[1])
    prompts = ["भारत एक विशाल", "The", "ಕನ್ನಡ ಒಂದು"]
    greedy = SamplingSettings(greedy=True)
    together = lm.generate(prompts, greedy, max_new_tokens=12, stop_at_eot=False)
    alone = [lm.generate([p], greedy, max_new_tokens=12, stop_at_eot=False).texts[0] for p in prompts]
    assert together.texts == alone


def test_public_decode_steps_from_an_empty_cache_decode_what_generate_decodes(
    exported: tuple[DecoderLM, Path],
) -> None:
    lm = OnnxLM(exported[1])
    ids = np.array([lm.encode_prompt("भारत एक")])
    prompt_length = ids.shape[1]
    mask = np.ones_like(ids)
    positions = mask.cumsum(axis=1) - 1
    cache = lm.empty_cache(1)
    tokens = []
    for _ in range(6):
        logits, cache = lm.step(ids, mask, positions, cache)
        ids = logits.argmax(axis=-1).reshape(1, 1)
        tokens.append(int(ids[0, 0]))
        mask = np.concatenate((mask, np.ones((1, 1), np.int64)), axis=1)
        positions = positions[:, -1:] + 1
    assert cache[0].shape() == [1, TINY.n_kv_heads, prompt_length + 5, TINY.head_dim]
    greedy = lm.generate(["भारत एक"], SamplingSettings(greedy=True), max_new_tokens=6, stop_at_eot=False)
    visible = [t for t in tokens if t != TINY.eot_id]
    assert lm.tokenizer.decode(visible, skip_special_tokens=True) == greedy.texts[0]


def test_each_stream_stops_at_its_own_end_of_text(
    exported: tuple[DecoderLM, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 0 draws end-of-text at its second step, row 1 never does: only row 0 stops."""
    import llm.runtime

    steps = iter([[5, 6], [TINY.eot_id, 7], [8, 9], [10, 11]])
    monkeypatch.setattr(llm.runtime, "choose_next", lambda logits, settings, rng: np.array(next(steps)))
    result = OnnxLM(exported[1]).generate(["a", "b"], SamplingSettings(greedy=True), max_new_tokens=4)
    assert result.new_tokens == [1, 4]


def test_runtime_imports_no_torch(exported: tuple[DecoderLM, Path]) -> None:
    code = (
        "import sys; from llm.runtime import OnnxLM; from llm.sampling import SamplingSettings; "
        f"lm = OnnxLM(__import__('pathlib').Path({str(exported[1])!r})); "
        "lm.generate(['hi'], SamplingSettings(greedy=True), max_new_tokens=2); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env={"PYTHONPATH": str(root)})


def test_a_folder_without_a_model_is_reported_by_name(tmp_path: Path) -> None:
    with pytest.raises(ModelFolderError, match="model.onnx"):
        OnnxLM(tmp_path)


def test_left_padded_prompts_give_finite_logits(exported: tuple[DecoderLM, Path]) -> None:
    lm = OnnxLM(exported[1])
    result = lm.generate(["a", "भारत एक विशाल देश है"], SamplingSettings(greedy=True), max_new_tokens=3)
    assert all(np.isfinite(n) for n in result.new_tokens)
