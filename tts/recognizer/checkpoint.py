"""Save and load a phoneme recognizer: ``recognizer.pt`` (float16 weights) and ``recognizer.json``.

Two files, because the GPU job that trains it returns at most two, each far under 16 MB (the default
model has 3.6M parameters, 7 MB in float16). The JSON card holds the sizes, the token table the
recognizer emits (the voice's phoneme inventory) and how it was trained; the weights are written
first and the card last, each atomically, so a folder with a card is always complete — the trainer
saves every minute and a job stopped mid-training still returns the latest recognizer.

Example::

    >>> save_recognizer(model, inventory, "runs/ttsq/recognizer", {"steps": 900})    # doctest: +SKIP
    >>> model, inventory, card = load_recognizer("runs/ttsq/recognizer")             # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import torch

from indic.atomic import atomic_write_bytes, atomic_write_text
from tts.frontend.inventory import Inventory
from tts.recognizer.model import PhonemeRecognizer, RecognizerConfig

WEIGHTS_NAME, CARD_NAME = "recognizer.pt", "recognizer.json"


class RecognizerNotFoundError(FileNotFoundError):
    """Raised when a folder holds no complete recognizer (``recognizer.json`` or its weights missing)."""


def save_recognizer(
    model: PhonemeRecognizer, inventory: Inventory, folder: str | os.PathLike[str], card: dict
) -> Path:
    """Write the float16 weights, then the card, into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().to("cpu", torch.float16 if tensor.is_floating_point() else tensor.dtype)
        for name, tensor in model.state_dict().items()
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(out / WEIGHTS_NAME, buffer.getvalue())
    meta = {
        "format": "indic-phoneme-recognizer",
        "version": 1,
        "config": model.config.to_json(),
        "inventory": inventory.to_json(),
        **card,
    }
    atomic_write_text(out / CARD_NAME, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return out


def load_recognizer(folder: str | os.PathLike[str]) -> tuple[PhonemeRecognizer, Inventory, dict]:
    """The recognizer (float32, eval mode), the inventory it emits, and the rest of its card."""
    path = Path(folder)
    if not (path / CARD_NAME).is_file() or not (path / WEIGHTS_NAME).is_file():
        raise RecognizerNotFoundError(
            f"{path} is not a phoneme recognizer: it needs {WEIGHTS_NAME} and {CARD_NAME} "
            "(train one with `python -m tts.recognizer.train --out DIR`)"
        )
    meta = json.loads((path / CARD_NAME).read_text(encoding="utf-8"))
    model = PhonemeRecognizer(RecognizerConfig(**meta.pop("config")))
    state = torch.load(path / WEIGHTS_NAME, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return model.eval(), Inventory.from_json(meta.pop("inventory")), meta
