"""Save and load training checkpoints: config, inventory and weights, the weights in float16 shards.

Shards stay under :data:`SHARD_BYTES` each so that a checkpoint can be copied back from a machine
that limits single files (and so no file in the repository grows huge). Loading rebuilds the exact
:class:`VoiceModel` the trainer had.

Example::

    >>> save_checkpoint(model, inventory, "runs/tts/voice/checkpoint", {"steps": 1000})   # doctest: +SKIP
    >>> model, inventory, card = load_checkpoint("runs/tts/voice/checkpoint")             # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import torch

from indic.atomic import atomic_write_bytes, atomic_write_text
from tts.frontend.inventory import Inventory
from tts.model.config import VoiceConfig
from tts.model.voice_model import VoiceModel

SHARD_BYTES = 12 * 1024 * 1024


class CheckpointError(FileNotFoundError):
    """Raised when a folder is not a complete checkpoint."""


def save_state_shards(
    state: dict[str, torch.Tensor], folder: str | os.PathLike[str], prefix: str = "weights"
) -> list[str]:
    """Write ``state`` as float16 ``{prefix}-N.pt`` shards of at most :data:`SHARD_BYTES` into
    ``folder`` (atomically, one by one) and return their file names."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, tensor in state.items():
        half = tensor.detach().to("cpu", torch.float16 if tensor.is_floating_point() else tensor.dtype)
        nbytes = half.numel() * half.element_size()
        if size + nbytes > SHARD_BYTES and shards[-1]:
            shards.append({})
            size = 0
        shards[-1][name] = half
        size += nbytes
    names = []
    for index, shard in enumerate(shards):
        buffer = io.BytesIO()
        torch.save(shard, buffer)
        names.append(f"{prefix}-{index}.pt")
        atomic_write_bytes(out / names[-1], buffer.getvalue())
    return names


def load_state_shards(folder: str | os.PathLike[str], names: list[str]) -> dict[str, torch.Tensor]:
    """The float32 state written by :func:`save_state_shards` (integer tensors keep their type)."""
    state: dict[str, torch.Tensor] = {}
    for name in names:
        state.update(torch.load(Path(folder) / name, map_location="cpu", weights_only=True))
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def save_checkpoint(
    model: VoiceModel, inventory: Inventory, folder: str | os.PathLike[str], card: dict
) -> Path:
    """Write ``checkpoint.json`` and ``weights-N.pt`` shards (float16) into ``folder``."""
    out = Path(folder)
    names = save_state_shards(model.state_dict(), out)
    meta = {"config": model.config.to_json(), "inventory": inventory.to_json(), "shards": names, **card}
    atomic_write_text(out / "checkpoint.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return out


def load_checkpoint(folder: str | os.PathLike[str]) -> tuple[VoiceModel, Inventory, dict]:
    """The model (float32, eval mode), its inventory and the rest of the checkpoint card."""
    path = Path(folder)
    if not (path / "checkpoint.json").is_file():
        raise CheckpointError(f"{path} is not a checkpoint: checkpoint.json is missing")
    meta = json.loads((path / "checkpoint.json").read_text(encoding="utf-8"))
    model = VoiceModel(VoiceConfig(**meta.pop("config")))
    model.load_state_dict(load_state_shards(path, meta.pop("shards")))
    inventory = Inventory.from_json(meta.pop("inventory"))
    return model.eval(), inventory, meta
