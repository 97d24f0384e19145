"""The runtime — analysis, tokenizer training, generation, speech, serving and the app — imports no torch."""

from __future__ import annotations

import subprocess
import sys

RUNTIME_MODULES = [
    "indic.cli",
    "indic.text",
    "indic.efficiency",
    "corpora.stats",
    "corpora.mixing",
    "tokenizer_training",
    "llm.runtime",
    "tts.voice",
    "tts.batch",
    "serving.stack",
    "serving.server",
    "serving.app",
]


def test_runtime_modules_import_without_torch():
    code = (
        "import importlib, sys\n"
        f"for name in {RUNTIME_MODULES!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))\n"
        "print(loaded[:5])\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"torch imported by the runtime: {result.stdout} {result.stderr[-2000:]}"
