"""The compact decoder, whole and readable: RoPE, RMSNorm, SwiGLU, grouped-query attention, tied embeddings.

Two entry points share every layer:

- :meth:`DecoderLM.forward` — training: token ids in, logits out, causal attention through PyTorch's
  fused kernel (``is_causal=True``, no mask tensor).
- :meth:`DecoderLM.forward_with_cache` — decoding and ONNX export: takes ``attention_mask``,
  ``position_ids`` and the past keys/values of every layer and returns the logits plus the grown cache
  (``present``), each ``[batch, kv_heads, seq, head_dim]`` as onnxruntime-genai expects.

Masked positions get ``finfo.min`` rather than ``-inf``: a left-padded row attends to nothing, and
``-inf`` there would make NaNs that later layers carry into real positions through the values.

Example::

    >>> import torch
    >>> from llm.config import LMConfig
    >>> from llm.model import DecoderLM
    >>> model = DecoderLM(LMConfig(vocab_size=256, d_model=64, n_layers=2, n_heads=4, n_kv_heads=2))
    >>> model(torch.zeros(1, 5, dtype=torch.long)).shape
    torch.Size([1, 5, 256])
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from llm.config import LMConfig

KVCache = list[tuple[torch.Tensor, torch.Tensor]]


class RMSNorm(nn.Module):
    """Root-mean-square norm, computed in float32 so bf16 activations do not lose the small ones."""

    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return (normed * self.weight.float()).to(x.dtype)


def rotary_tables(cfg: LMConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of every position × frequency, ``[max_seq_len, head_dim // 2]``."""
    inv_freq = 1.0 / (
        cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim)
    )
    angles = torch.outer(torch.arange(cfg.max_seq_len, dtype=torch.float32), inv_freq)
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate the two halves of each head (GPT-NeoX layout); cos/sin are ``[batch, seq, head_dim/2]``."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    cos, sin = cos.unsqueeze(1).to(x.dtype), sin.unsqueeze(1).to(x.dtype)
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class Attention(nn.Module):
    """Grouped-query self-attention; each key/value head serves ``n_heads // n_kv_heads`` query heads."""

    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        self.wq = nn.Linear(cfg.d_model, cfg.n_heads * cfg.head_dim, bias=False)
        self.wk = nn.Linear(cfg.d_model, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.wv = nn.Linear(cfg.d_model, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.wo = nn.Linear(cfg.n_heads * cfg.head_dim, cfg.d_model, bias=False)
        # What the cache stores: None keeps keys/values exact; a cache-quantization study sets it to a
        # quantize-dequantize function so every attention reads what an FP8 cache would hold.
        self.kv_transform: Callable[[torch.Tensor], torch.Tensor] | None = None

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        batch, seq, _ = x.shape
        q = self.wq(x).view(batch, seq, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.wk(x).view(batch, seq, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.wv(x).view(batch, seq, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        if self.kv_transform is not None:
            k, v = self.kv_transform(k), self.kv_transform(v)
        if past is not None:
            k = torch.cat((past[0].to(k.dtype), k), dim=2)
            v = torch.cat((past[1].to(v.dtype), v), dim=2)
        group = self.n_heads // self.n_kv_heads
        k_all = k.repeat_interleave(group, dim=1) if group > 1 else k
        v_all = v.repeat_interleave(group, dim=1) if group > 1 else v
        out = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=mask, is_causal=mask is None)
        return self.wo(out.transpose(1, 2).reshape(batch, seq, -1)), (k, v)


class SwiGLU(nn.Module):
    """The gated MLP of LLaMA: ``down(silu(gate(x)) * up(x))``."""

    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.gate = nn.Linear(cfg.d_model, cfg.ffn_dim, bias=False)
        self.up = nn.Linear(cfg.d_model, cfg.ffn_dim, bias=False)
        self.down = nn.Linear(cfg.ffn_dim, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm(x))``, then ``x + mlp(norm(x))``."""

    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.attn_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.mlp_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.mlp = SwiGLU(cfg)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        attended, present = self.attn(self.attn_norm(x), cos, sin, mask, past)
        x = x + attended
        return x + self.mlp(self.mlp_norm(x)), present


class DecoderLM(nn.Module):
    """Decoder-only LM; the output projection is the token embedding transposed (tied)."""

    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.final_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        cos, sin = rotary_tables(cfg)
        self.rope_cos: torch.Tensor
        self.rope_sin: torch.Tensor
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        # Residual branches are summed n_layers times; shrinking their outputs keeps the stream's scale flat.
        for name, param in self.named_parameters():
            if name.endswith(("attn.wo.weight", "mlp.down.weight")):
                nn.init.normal_(param, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(self.final_norm(x), self.embed.weight)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Training forward: logits ``[batch, seq, vocab]`` under a causal mask, positions from 0."""
        seq = input_ids.shape[1]
        cos = self.rope_cos[:seq].unsqueeze(0)
        sin = self.rope_sin[:seq].unsqueeze(0)
        x = self.embed(input_ids)
        for block in self.blocks:
            x, _ = block(x, cos, sin, None, None)
        return self._logits(x)

    def forward_with_cache(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        past_key_values: KVCache,
    ) -> tuple[torch.Tensor, KVCache]:
        """Decoding forward: ``attention_mask`` is ``[batch, past + seq]`` (1 = real token, 0 = padding)."""
        seq = input_ids.shape[1]
        past_len = past_key_values[0][0].shape[2]
        key_pos = torch.arange(past_len + seq, device=input_ids.device)
        query_pos = torch.arange(seq, device=input_ids.device) + past_len
        causal = key_pos.unsqueeze(0) <= query_pos.unsqueeze(1)
        allowed = causal.unsqueeze(0).unsqueeze(0) & attention_mask.bool().unsqueeze(1).unsqueeze(2)
        x = self.embed(input_ids)
        mask = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device)
        mask = mask.masked_fill(~allowed, torch.finfo(x.dtype).min)
        cos, sin = self.rope_cos[position_ids], self.rope_sin[position_ids]
        presents: KVCache = []
        for block, past in zip(self.blocks, past_key_values, strict=True):
            x, present = block(x, cos, sin, mask, past)
            presents.append(present)
        return self._logits(x), presents

    def empty_cache(self, batch: int, device: torch.device | None = None) -> KVCache:
        """A zero-length cache for the first decoding step."""
        shape = (batch, self.cfg.n_kv_heads, 0, self.cfg.head_dim)
        dtype = self.embed.weight.dtype
        return [
            (torch.zeros(shape, dtype=dtype, device=device), torch.zeros(shape, dtype=dtype, device=device))
            for _ in self.blocks
        ]
