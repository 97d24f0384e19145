"""Export the decoder to ONNX with a KV cache in the onnxruntime-genai layout, and prove it matches torch.

Graph inputs: ``input_ids [batch, seq]``, ``attention_mask [batch, past+seq]``, ``position_ids [batch, seq]``
and ``past_key_values.N.key|value [batch, kv_heads, past, head_dim]``; outputs ``logits [batch, seq, vocab]``
and ``present.N.key|value [batch, kv_heads, past+seq, head_dim]``. Batch, sequence and past lengths are
dynamic, so one graph serves the prompt (prefill, past = 0) and every decoding step.

The export goes through ``torch.onnx.export(dynamo=True)``; :func:`verify_export` then decodes the same
tokens in torch and in onnxruntime (prefill plus one token at a time through the cache) and reports the
largest logit difference — the acceptance bound is 1e-3 in fp32.

Example::

    >>> from llm.export_onnx import export_onnx, verify_export       # doctest: +SKIP
    >>> export_onnx(model, Path("model.onnx"))                        # doctest: +SKIP
    >>> verify_export(model, Path("model.onnx"), steps=64)            # doctest: +SKIP
    1.9e-06
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

from llm.model import DecoderLM, KVCache
from llm.onnx_io import TOKEN_INPUTS, cache_input_names, cache_output_names

ONNX_OPSET = 21


class _CacheSignature(nn.Module):
    """Flattens the per-layer cache into the positional inputs and outputs the ONNX graph declares."""

    def __init__(self, model: DecoderLM) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        past_key_values: list[torch.Tensor],
    ) -> tuple[torch.Tensor, ...]:
        past: KVCache = [
            (past_key_values[2 * i], past_key_values[2 * i + 1]) for i in range(len(past_key_values) // 2)
        ]
        logits, presents = self.model.forward_with_cache(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for pair in presents for t in pair])


def export_onnx(model: DecoderLM, path: Path) -> Path:
    """Write ``model`` (fp32, eval mode) to ``path`` as one self-contained ONNX file."""
    model = model.float().eval().cpu()
    cfg = model.cfg
    batch, seq, past_len = 2, 3, 4
    past = [torch.zeros(batch, cfg.n_kv_heads, past_len, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
    args = (
        torch.zeros(batch, seq, dtype=torch.long),
        torch.ones(batch, past_len + seq, dtype=torch.long),
        torch.arange(past_len, past_len + seq).expand(batch, seq).contiguous(),
        past,
    )
    b, s, p = torch.export.Dim("batch"), torch.export.Dim("seq"), torch.export.Dim("past")
    dynamic_shapes = (
        {0: b, 1: s},
        {0: b, 1: torch.export.Dim.DYNAMIC},
        {0: b, 1: s},
        [{0: b, 2: p} for _ in past],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            _CacheSignature(model),
            args,
            dynamo=True,
            dynamic_shapes=dynamic_shapes,
            input_names=[*TOKEN_INPUTS, *cache_input_names(cfg.n_layers)],
            output_names=["logits", *cache_output_names(cfg.n_layers)],
            opset_version=ONNX_OPSET,
            optimize=True,
            verbose=False,
        )
    if program is None:
        raise RuntimeError("torch.onnx.export(dynamo=True) returned no program")
    program.save(str(path), external_data=False)
    return path


@torch.no_grad()
def verify_export(
    model: DecoderLM, path: Path, steps: int = 64, batch: int = 2, prompt_len: int = 8
) -> float:
    """Largest |logit difference| between torch and onnxruntime over a prefill and ``steps`` cached steps.

    Both sides are fed the same greedy tokens (chosen by torch), so a divergence shows up as a number,
    not as a different continuation.
    """
    import onnxruntime as ort

    model = model.float().eval().cpu()
    cfg = model.cfg
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (batch, prompt_len), generator=generator)
    mask = torch.ones(batch, prompt_len, dtype=torch.long)
    positions = torch.arange(prompt_len).expand(batch, prompt_len)
    torch_cache = model.empty_cache(batch)
    ort_cache = [t.numpy() for pair in torch_cache for t in pair]
    worst = 0.0
    for _ in range(steps + 1):
        logits, torch_cache = model.forward_with_cache(ids, mask, positions, torch_cache)
        feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": positions.numpy()}
        feed.update(zip(cache_input_names(cfg.n_layers), ort_cache, strict=True))
        ort_logits, *ort_cache = session.run(None, feed)
        worst = max(worst, float(np.abs(ort_logits - logits.numpy()).max()))
        ids = logits[:, -1].argmax(-1, keepdim=True)
        mask = torch.cat((mask, torch.ones(batch, 1, dtype=torch.long)), dim=1)
        positions = positions[:, -1:] + 1
    return worst


def export_model_folder(checkpoint: Path, tokenizer: Path, out_dir: Path, verify_steps: int = 64) -> dict:
    """A runtime folder: ``model.onnx`` + ``config.json`` + ``tokenizer.json``, checked against torch.

    Returns ``{"max_abs_logit_diff": …, "verify_steps": …}``; the caller decides what bound to hold it to.
    """
    import shutil

    from llm.train import load_model

    model = load_model(checkpoint)
    out_dir.mkdir(parents=True, exist_ok=True)
    export_onnx(model, out_dir / "model.onnx")
    model.cfg.save(out_dir / "config.json")
    if tokenizer.resolve() != (out_dir / "tokenizer.json").resolve():
        shutil.copyfile(tokenizer, out_dir / "tokenizer.json")
    diff = verify_export(model, out_dir / "model.onnx", steps=verify_steps)
    return {"max_abs_logit_diff": diff, "verify_steps": verify_steps}


LM_HEAD_WEIGHT = "lm_head.weight"
EMBED_WEIGHT = "model.embed.weight"


def untie_lm_head(model: onnx.ModelProto) -> onnx.ModelProto:
    """Store the tied output matrix once more, transposed, as the MatMul initializer ``lm_head.weight``.

    The exporter computes the tied head as ``MatMul(x, Transpose(embed.weight))``; a weight rewriter only
    sees MatMul weights that are initializers, so the head would stay float32. After this step the head's
    weight is a plain ``[d_model, vocab]`` initializer (quantizable per vocabulary entry); run
    :func:`tie_embedding_to_head` after quantizing to make the embedding gather read the same matrix again.
    """
    graph = model.graph
    embed = next((init for init in graph.initializer if init.name == EMBED_WEIGHT), None)
    transposes = [n for n in graph.node if n.op_type == "Transpose" and list(n.input) == [EMBED_WEIGHT]]
    if embed is None or len(transposes) != 1:
        raise ValueError(f"expected one Transpose of {EMBED_WEIGHT} (the tied head) in the exported graph")
    head = numpy_helper.from_array(numpy_helper.to_array(embed).T.copy(), LM_HEAD_WEIGHT)
    graph.initializer.append(head)
    transposed = transposes[0].output[0]
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == transposed:
                node.input[i] = LM_HEAD_WEIGHT
    graph.node.remove(transposes[0])
    return model


def tie_embedding_to_head(model: onnx.ModelProto) -> onnx.ModelProto:
    """Make the embedding gather read the (dequantized) head matrix, transposed, and drop its own copy.

    After a weight rewriter has replaced ``lm_head.weight`` by ``DequantizeLinear`` output of the same
    name, this leaves one low-precision copy of the tied matrix in the file — what makes an FP8 model
    with a 64k vocabulary fit in 30 MB.
    """
    graph = model.graph
    if any(init.name == LM_HEAD_WEIGHT for init in graph.initializer):
        raise ValueError(f"{LM_HEAD_WEIGHT} is still a float initializer; quantize the graph first")
    embed_from_head = "embed_from_lm_head"
    transpose = helper.make_node("Transpose", [LM_HEAD_WEIGHT], [embed_from_head], perm=[1, 0])
    producer = next(i for i, n in enumerate(graph.node) if LM_HEAD_WEIGHT in n.output)
    graph.node.insert(producer + 1, transpose)
    for node in graph.node:
        if node.op_type == "Gather" and node.input[0] == EMBED_WEIGHT:
            node.input[0] = embed_from_head
    kept = [init for init in graph.initializer if init.name != EMBED_WEIGHT]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    return model
