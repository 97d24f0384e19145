"""`indic lm train|eval|export|generate` — the compact language model from text to streamed generation.

Training and export need torch (the ``train`` extra) and import it inside the command; ``generate`` runs on
onnxruntime alone. Every command turns bad input (missing files, unknown languages, impossible settings)
into one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from indic.cli.errors import user_errors
from indic.cli.groups import lm_app

_out = Console()
_err = Console(stderr=True)


def _require_file(path: Path, what: str) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")


@lm_app.command("train")
def train(
    corpus: Annotated[Path, typer.Option(help="Training text, one document per line (e.g. a `corpus mix`).")],
    tokenizer: Annotated[Path, typer.Option(help="tokenizer.json to train with.")],
    out: Annotated[Path, typer.Option(help="Run folder: tokens, checkpoint.pt, config.json, summary.")],
    d_model: int = 320,
    n_layers: int = 6,
    n_heads: int = 5,
    n_kv_heads: int = 1,
    max_seq_len: int = 1024,
    vocab_size: Annotated[
        int, typer.Option(help="Pad the vocabulary to at least this size (0: tokenizer's).")
    ] = 0,
    train_bytes: Annotated[
        int, typer.Option(help="UTF-8 bytes of text to train on (sets the steps).")
    ] = 200_000_000,
    seq_len: int = 512,
    batch_size: int = 64,
    lr: float = 2e-3,
    warmup_steps: int = 100,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the model (GPU).")] = False,
    max_seconds: Annotated[
        float, typer.Option(help="Stop cleanly (checkpoint first) after this long.")
    ] = float("inf"),
    workers: Annotated[int, typer.Option(help="Tokenizer processes (0: one per core).")] = 0,
) -> None:
    """Tokenize the corpus (once) and train or resume a decoder; rerun to continue from the checkpoint.

    Example: indic lm train --corpus runs/mix.txt --tokenizer runs/tok/tokenizer.json --out runs/lm/small
    """
    with user_errors():
        _require_file(corpus, "corpus")
        _require_file(tokenizer, "tokenizer")
        from llm.config import LMConfig
        from llm.data import load_token_stats, tokenize_corpus
        from llm.tokenizer_ab import shared_vocab_size
        from llm.train import TrainSettings
        from llm.train import train as run_training

        stem = out / "tokens"
        if not stem.with_suffix(".json").is_file():
            _err.print(f"tokenizing {corpus} …", highlight=False)
            tokenize_corpus(corpus, tokenizer, stem, workers)
        stats = load_token_stats(stem)
        cfg = LMConfig(
            vocab_size=shared_vocab_size([stats.vocab_size, vocab_size]),
            d_model=d_model,
            n_layers=n_layers,
            n_heads=n_heads,
            n_kv_heads=n_kv_heads,
            max_seq_len=max_seq_len,
            eot_id=stats.eot_id,
        )
        settings = TrainSettings(
            tokens=stem,
            out_dir=out,
            train_bytes=train_bytes,
            seq_len=seq_len,
            batch_size=batch_size,
            lr=lr,
            warmup_steps=warmup_steps,
            compile=compile,
            max_seconds=max_seconds,
        )
        summary = run_training(
            cfg,
            settings,
            progress=lambda r: _err.print(
                f"step {r['step']:>6}  loss {r['loss']:.4f}  lr {r['lr']:.2e}  {r['seconds']:.0f}s",
                highlight=False,
            ),
        )
    _out.print(
        f"trained {summary['steps']}/{summary['total_steps']} steps, {summary['bytes_trained']:,} bytes; "
        f"final loss {summary['final_loss']:.4f} → {out / 'checkpoint.pt'}"
    )


@lm_app.command("eval")
def evaluate(
    checkpoint: Annotated[Path, typer.Option(help="checkpoint.pt from `indic lm train`.")],
    tokenizer: Annotated[Path, typer.Option(help="The tokenizer.json the model was trained with.")],
    flores: Annotated[Path, typer.Option(help="FLORES dev folder of <lang>.txt files.")] = Path(
        "../shared/corpora/flores/dev"
    ),
    langs: Annotated[str, typer.Option(help="Comma-separated language codes (default: all eleven).")] = "",
    limit: Annotated[int, typer.Option(help="Lines per language (0: all).")] = 0,
    out: Annotated[Path | None, typer.Option(help="Also write the table as JSON here.")] = None,
) -> None:
    """Bits per byte, bits per character and tokens per byte on FLORES dev, per language.

    Example: indic lm eval --checkpoint runs/lm/small/checkpoint.pt --tokenizer tok.json --langs hi,ta,en
    """
    import json

    with user_errors():
        _require_file(checkpoint, "checkpoint")
        _require_file(tokenizer, "tokenizer")
        from indic.atomic import atomic_write_text
        from indic.languages import LANGUAGE_CODES, get_language
        from llm.evaluate import evaluate_flores
        from llm.train import load_model

        codes = [get_language(c.strip()).code for c in langs.split(",") if c.strip()] or list(LANGUAGE_CODES)
        table = evaluate_flores(load_model(checkpoint), tokenizer, flores, codes, limit=limit or None)
    if out:
        atomic_write_text(out, json.dumps(table, indent=2) + "\n")
    view = Table(title=f"FLORES dev — {checkpoint}")
    for column in ("language", "bits/byte", "bits/char", "tokens/byte"):
        view.add_column(column, justify="left" if column == "language" else "right")
    for lang, row in table.items():
        view.add_row(
            lang,
            f"{row['bits_per_byte']:.4f}",
            f"{row['bits_per_char']:.4f}",
            f"{row['tokens_per_byte']:.4f}",
        )
    _out.print(view)


@lm_app.command("export")
def export(
    checkpoint: Annotated[Path, typer.Option(help="checkpoint.pt from `indic lm train`.")],
    tokenizer: Annotated[Path, typer.Option(help="The tokenizer.json the model was trained with.")],
    out: Annotated[
        Path, typer.Option(help="Model folder to write (model.onnx, config.json, tokenizer.json).")
    ],
    fp8: Annotated[
        bool, typer.Option("--fp8", help="Store every weight, the tied embedding included, in FP8.")
    ] = False,
    fp8_out: Annotated[
        Path | None,
        typer.Option(help="Keep OUT in fp32 and write the FP8 variant to this folder as well."),
    ] = None,
    verify_steps: Annotated[int, typer.Option(help="Cached decoding steps compared with torch.")] = 64,
    tolerance: Annotated[
        float, typer.Option(help="Largest allowed |logit difference| against torch.")
    ] = 1e-3,
    report: Annotated[
        Path | None, typer.Option(help="Also write the logit differences and file sizes as JSON here.")
    ] = None,
) -> None:
    """Export to ONNX with a KV cache (onnxruntime-genai layout) and check the logits against torch.

    Example: indic lm export --checkpoint runs/lm/small/checkpoint.pt --tokenizer tok.json --out lm-onnx --fp8
    """
    import json
    import shutil

    with user_errors():
        _require_file(checkpoint, "checkpoint")
        _require_file(tokenizer, "tokenizer")
        from indic.atomic import atomic_write_text
        from llm.export_onnx import export_model_folder

        diffs = {"fp32": export_model_folder(checkpoint, tokenizer, out, verify_steps)["max_abs_logit_diff"]}
        _out.print(f"fp32 ONNX vs torch over {verify_steps} cached steps: max |Δlogit| = {diffs['fp32']:.2e}")
        folders = {"fp32": out}
        if fp8 or fp8_out:
            target = fp8_out or out
            if fp8_out:
                shutil.copytree(out, fp8_out, dirs_exist_ok=True)
                folders["fp8"] = fp8_out
            else:
                folders = {"fp8": out}
            diffs["fp8"] = _rewrite_fp8(checkpoint, target / "model.onnx", verify_steps)
            _out.print(f"FP8 ONNX vs torch (same FP8 weights): max |Δlogit| = {diffs['fp8']:.2e}")
    sizes = {kind: (folder / "model.onnx").stat().st_size for kind, folder in folders.items()}
    for kind, folder in folders.items():
        _out.print(f"wrote {folder / 'model.onnx'} ({sizes[kind] / 1e6:.1f} MB, {kind})")
    if report:
        payload = {"max_abs_logit_diff": diffs, "model_bytes": sizes, "verify_steps": verify_steps}
        atomic_write_text(report, json.dumps(payload, indent=2) + "\n")
    if max(diffs.values()) > tolerance:
        _err.print(f"[bold red]error:[/bold red] logits differ by more than {tolerance}")
        raise typer.Exit(code=1)


def _rewrite_fp8(checkpoint: Path, onnx_path: Path, verify_steps: int) -> float:
    """FP8 E4M3 weights per output channel via ``serving.quant``, the tied matrix stored once; returns the
    largest logit difference against the torch model carrying the same fake-quantized weights."""
    import onnx
    import torch

    from llm.export_onnx import tie_embedding_to_head, untie_lm_head, verify_export
    from llm.train import load_model
    from serving.quant.onnx_fp8 import quantize_onnx_model
    from serving.quant.spec import QuantSpec, fake_quantize

    spec = QuantSpec("fp8-e4m3", "channel")
    quantized, _ = quantize_onnx_model(untie_lm_head(onnx.load(str(onnx_path))), spec)
    onnx.save(tie_embedding_to_head(quantized), str(onnx_path))
    model = load_model(checkpoint)
    for module in [*model.blocks.modules(), model.embed]:
        if isinstance(module, torch.nn.Linear | torch.nn.Embedding):
            module.weight.data = fake_quantize(module.weight.data, spec, channel_axis=0, reduction_axis=1)
    return verify_export(model, onnx_path, steps=verify_steps)


@lm_app.command("generate")
def generate(
    prompt: Annotated[str, typer.Option(help="Text to continue.")] = "",
    lang: Annotated[str, typer.Option(help="Language of the prompt (any code or English name).")] = "hi",
    model: Annotated[
        Path | None, typer.Option(help="Model folder (default: the bundled indic-lm-small).")
    ] = None,
    greedy: Annotated[bool, typer.Option("--greedy", help="Always take the most likely token.")] = False,
    temperature: float = 0.8,
    top_k: int = 50,
    top_p: float = 0.95,
    max_new_tokens: int = 128,
    seed: int = 0,
) -> None:
    """Continue a prompt on onnxruntime, streaming text to the terminal; stops at end-of-text.

    Example: indic lm generate --prompt "भारत एक" --lang hi --top-k 40 --temperature 0.7
    """
    with user_errors():
        from indic.languages import get_language
        from llm.runtime import OnnxLM
        from llm.sampling import SamplingSettings

        language = get_language(lang)
        if prompt and not any(language.in_block(ch) for ch in prompt if not ch.isspace()):
            _err.print(
                f"[yellow]note:[/yellow] the prompt has no {language.script} characters", highlight=False
            )
        settings = SamplingSettings(greedy=greedy, temperature=temperature, top_k=top_k, top_p=top_p)
        lm = OnnxLM(model) if model else OnnxLM.from_artifact()
        typer.echo(prompt, nl=False)
        result = lm.generate(
            [prompt], settings, max_new_tokens, seed, on_text=lambda _, piece: typer.echo(piece, nl=False)
        )
    typer.echo()
    _err.print(
        f"[dim]{result.new_tokens[0]} tokens, {result.tokens_per_second:.1f} tokens/s, "
        f"{result.chars_per_second:.1f} chars/s on {result.provider}[/dim]",
        highlight=False,
    )
