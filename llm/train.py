"""Training loop for the decoder: bf16 autocast, optional ``torch.compile``, cosine schedule, atomic resumable
checkpoints, and a training budget measured in *bytes of text* so tokenizers can be compared fairly.

The A/B of two tokenizers holds the model shape and the number of UTF-8 bytes of training text equal; a
tokenizer that packs more bytes into each token then simply takes fewer steps. ``train_bytes`` is turned
into steps with the token file's own tokens-per-byte (from :mod:`llm.data`). A checkpoint (``checkpoint.pt``:
weights, optimizer, step, data RNG) is written atomically every ``checkpoint_every`` steps and at the end,
and a run restarted with the same ``out_dir`` continues from it — so a run can be split across time-limited
jobs (``max_seconds`` stops cleanly, checkpoint first).

Example::

    >>> from llm.train import TrainSettings, train
    >>> settings = TrainSettings(tokens=Path("runs/lm/tokens"), out_dir=Path("runs/lm/small"),
    ...                          train_bytes=50_000_000)                                  # doctest: +SKIP
    >>> summary = train(LMConfig(vocab_size=64_000, eot_id=0), settings)                  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from llm.config import LMConfig
from llm.data import TokenWindows, load_token_stats
from llm.model import DecoderLM

CHECKPOINT_NAME = "checkpoint.pt"


class TrainingSetupError(ValueError):
    """Raised when settings and data disagree (vocabulary too small, budget under one step, …)."""


@dataclass(frozen=True)
class TrainSettings:
    """Everything about a run except the model's shape (:class:`llm.config.LMConfig`)."""

    tokens: Path
    out_dir: Path
    train_bytes: int = 50_000_000
    seq_len: int = 512
    batch_size: int = 64
    lr: float = 2e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    precision: str = "bf16"
    compile: bool = False
    checkpoint_every: int = 500
    log_every: int = 50
    max_seconds: float = math.inf
    seed: int = 0
    device: str = field(default_factory=lambda: "cuda" if torch.cuda.is_available() else "cpu")

    def steps_for(self, tokens_per_byte: float) -> int:
        """Optimizer steps that consume ``train_bytes`` of text at this tokenizer's tokens per byte."""
        return max(1, round(self.train_bytes * tokens_per_byte / (self.seq_len * self.batch_size)))


def learning_rate(step: int, total_steps: int, settings: TrainSettings) -> float:
    """Linear warm-up, then cosine decay to ``min_lr_ratio * lr`` at the last step."""
    if step < settings.warmup_steps:
        return settings.lr * (step + 1) / settings.warmup_steps
    progress = (step - settings.warmup_steps) / max(1, total_steps - settings.warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return settings.lr * (settings.min_lr_ratio + (1 - settings.min_lr_ratio) * cosine)


def _optimizer(model: DecoderLM, settings: TrainSettings) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on norms' gains)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    keep = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": keep, "weight_decay": 0.0}]
    fused = settings.device.startswith("cuda")
    return torch.optim.AdamW(groups, lr=settings.lr, betas=(0.9, 0.95), fused=fused)


def save_checkpoint(
    path: Path, model: DecoderLM, optimizer: torch.optim.Optimizer, step: int, rng_state: Mapping[str, Any]
) -> None:
    """Weights, optimizer state, step and data RNG, written atomically (a kill never leaves half a file)."""
    from indic.atomic import atomic_open

    state = {
        "config": model.cfg.to_dict(),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": step,
        "rng": rng_state,
    }
    with atomic_open(path, "wb", encoding=None) as handle:
        torch.save(state, handle)


def load_model(path: Path, device: str = "cpu") -> DecoderLM:
    """The model of a checkpoint (weights only), in eval mode."""
    state = torch.load(path, map_location=device, weights_only=False)
    model = DecoderLM(LMConfig.from_dict(state["config"])).to(device)
    model.load_state_dict(state["model"])
    return model.eval()


def train(cfg: LMConfig, settings: TrainSettings, progress: Callable[[dict], None] | None = None) -> dict:
    """Train (or resume) and return the run's summary, also written to ``out_dir/train_summary.json``."""
    from indic.atomic import atomic_write_text

    stats = load_token_stats(settings.tokens)
    if stats.vocab_size > cfg.vocab_size:
        raise TrainingSetupError(f"tokenizer has {stats.vocab_size} tokens, model only {cfg.vocab_size}")
    if stats.eot_id != cfg.eot_id:
        raise TrainingSetupError(f"config eot_id={cfg.eot_id} but the token file uses {stats.eot_id}")
    windows = TokenWindows(settings.tokens.with_suffix(".bin"), settings.seq_len)
    total_steps = settings.steps_for(stats.tokens_per_byte)
    torch.manual_seed(settings.seed)
    model = DecoderLM(cfg).to(settings.device)
    optimizer = _optimizer(model, settings)
    rng = np.random.default_rng(settings.seed)
    step = 0
    checkpoint = settings.out_dir / CHECKPOINT_NAME
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location=settings.device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = int(state["step"])
        rng.bit_generator.state = state["rng"]
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    cfg.save(settings.out_dir / "config.json")
    device_type, use_bf16 = settings.device.split(":")[0], settings.precision == "bf16"

    def compute_loss(inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=use_bf16):
            logits = model(inputs)
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))

    # Compiling the loss with the model lets the compiler fuse the cross-entropy over a 64k vocabulary
    # instead of materializing float32 logits.
    loss_fn = torch.compile(compute_loss) if settings.compile else compute_loss
    start = time.perf_counter()
    first_step, loss_value, history = step, float("nan"), []
    while step < total_steps:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, total_steps, settings)
        inputs, targets = (
            torch.from_numpy(a).to(settings.device, non_blocking=True)
            for a in windows.batch(settings.batch_size, rng)
        )
        loss = loss_fn(inputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
        optimizer.step()
        step += 1
        if step % settings.log_every == 0 or step == total_steps:
            loss_value = loss.item()
            record = {
                "step": step,
                "loss": loss_value,
                "lr": optimizer.param_groups[0]["lr"],
                "seconds": time.perf_counter() - start,
            }
            history.append(record)
            if progress:
                progress(record)
        out_of_time = time.perf_counter() - start > settings.max_seconds
        if step % settings.checkpoint_every == 0 or step == total_steps or out_of_time:
            save_checkpoint(checkpoint, model, optimizer, step, rng.bit_generator.state)
        if out_of_time:
            break
    seconds = time.perf_counter() - start
    tokens_seen = (step - first_step) * settings.batch_size * settings.seq_len
    summary = {
        "config": cfg.to_dict(),
        "parameters": cfg.parameter_count(),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()},
        "token_file": asdict(stats),
        "steps": step,
        "total_steps": total_steps,
        "complete": step >= total_steps,
        "tokens_trained": step * settings.batch_size * settings.seq_len,
        "bytes_trained": round(step * settings.batch_size * settings.seq_len / stats.tokens_per_byte),
        "final_loss": float(loss_value),
        "seconds": seconds,
        "tokens_per_second": tokens_seen / seconds if seconds else 0.0,
        "history": history,
    }
    atomic_write_text(settings.out_dir / "train_summary.json", json.dumps(summary, indent=2) + "\n")
    return summary
