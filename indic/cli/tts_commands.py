"""`indic tts say|batch|train|export` — speak text, generate speech in batch, train and export voices.

Runtime commands (say, batch) import onnxruntime and the front end only; train and export import
torch inside their bodies. Bad input (empty text, unknown language, unsupported script, a missing
voice) is one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from indic.cli.groups import tts_app

_out = Console()
_err = Console(stderr=True)

VoiceOption = Annotated[
    str | None, typer.Option("--voice", help="Voice folder (model.onnx + voice.json) or artifact name.")
]
SpeakerOption = Annotated[str, typer.Option("--speaker", help="Speaker name from the voice card.")]
LengthScaleOption = Annotated[float, typer.Option("--length-scale", help=">1 speaks slower, <1 faster.")]


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Bad input at the boundary becomes one clear message and exit status 1."""
    try:
        yield
    except (ValueError, FileNotFoundError, LookupError) as error:
        _err.print(f"[bold red]error:[/bold red] {error}", highlight=False)
        raise typer.Exit(code=1) from None


@tts_app.command("say")
def say(
    text: Annotated[str, typer.Argument(help="Text to speak (long text is split into sentences).")],
    lang: Annotated[str, typer.Option("--lang", help="Language code: bn gu hi kn ml mr or pa ta te en.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="WAV or FLAC file to write.")] = Path(
        "out.wav"
    ),
    voice: VoiceOption = None,
    speaker: SpeakerOption = "default",
    length_scale: LengthScaleOption = 1.0,
) -> None:
    """Speak TEXT into an audio file.

    Example: indic tts say "नमस्ते दुनिया" --lang hi -o out.wav
    """
    import time

    with _clear_errors():
        from tts.voice import Voice

        loaded = Voice.load(voice)
        started = time.perf_counter()
        seconds = loaded.write_wav(text, lang, output, speaker=speaker, length_scale=length_scale)
        wall = time.perf_counter() - started
    rtf = wall / seconds if seconds else 0.0
    _out.print(f"wrote {output} ({seconds:.2f} s of audio, real-time factor {rtf:.3f}, {loaded.provider})")


@tts_app.command("batch")
def batch(
    input_path: Annotated[Path, typer.Argument(help="TSV (id, text, lang[, speaker]) or JSONL input.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder: audio/, manifest.jsonl, errors.jsonl.")],
    voice: VoiceOption = None,
    audio_format: Annotated[str, typer.Option("--format", help="wav or flac.")] = "wav",
    batch_size: Annotated[int, typer.Option("--batch-size", help="Sentences per model call.")] = 8,
    length_scale: LengthScaleOption = 1.0,
    threads: Annotated[int, typer.Option("--threads", help="onnxruntime threads (0: all cores).")] = 0,
) -> None:
    """Speak every line of INPUT_PATH into OUT; rerun the same command to resume after a stop.

    Example: indic tts batch sentences.tsv --out speech/ --format flac
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if audio_format not in ("wav", "flac"):
        _err.print(f"[bold red]error:[/bold red] --format must be wav or flac, not {audio_format!r}")
        raise typer.Exit(code=1)
    if not input_path.is_file():
        _err.print(f"[bold red]error:[/bold red] no input file {input_path}")
        raise typer.Exit(code=1)
    with _clear_errors():
        from tts.batch import BatchSummary, run_batch
        from tts.voice import Voice

        loaded = Voice.load(voice, threads=threads)
        total = sum(1 for line in input_path.open(encoding="utf-8") if line.strip())
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[speed]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=_err) as progress:
            task = progress.add_task("speaking", total=total, speed="")

            def show(summary: BatchSummary) -> None:
                progress.update(
                    task,
                    completed=summary.done + summary.skipped + summary.failed,
                    speed=f"{summary.realtime_factor:.1f} audio-s/s",
                )

            summary = run_batch(
                input_path, out, loaded, audio_format, batch_size, length_scale, on_progress=show
            )
    _out.print(
        f"done {summary.done}, skipped {summary.skipped} (already finished), failed {summary.failed} "
        f"(see {out / 'errors.jsonl'}); {summary.audio_seconds:.1f} s of audio at "
        f"{summary.realtime_factor:.1f} audio-seconds per second on {loaded.provider}"
    )


@tts_app.command("train")
def train(
    out: Annotated[
        Path, typer.Option("--out", help="Run folder for teacher data, checkpoints and the voice.")
    ] = Path("runs/tts/voice"),
    corpus: Annotated[Path, typer.Option("--corpus", help="Folder of <lang>.txt training text.")] = Path(
        "../shared/corpora/train"
    ),
    sentences_per_language: Annotated[
        int, typer.Option(help="Teacher sentences per language and speaker.")
    ] = 400,
    minutes: Annotated[float, typer.Option(help="Wall-clock budget for the training loop.")] = 5.0,
    steps: Annotated[
        int, typer.Option(help="Stop after this many steps even if time is left (0: no limit).")
    ] = 0,
    batch_size: Annotated[int, typer.Option(help="Utterances per step.")] = 32,
    workers: Annotated[int, typer.Option(help="Processes synthesizing teacher data (0: one per core).")] = 0,
    device: Annotated[str, typer.Option(help="torch device: cuda or cpu.")] = "cuda",
    tiny: Annotated[bool, typer.Option(help="Toy model sizes, to prove the loop on a CPU.")] = False,
) -> None:
    """Synthesize espeak-ng teacher data from CORPUS and train a multilingual voice on it.

    Example: indic tts train --out runs/tts/voice --minutes 5 --device cuda
    """
    with _clear_errors():
        from tts.train import TrainConfig, train_voice

        config = TrainConfig(
            out=str(out),
            corpus=str(corpus),
            sentences_per_language=sentences_per_language,
            minutes=minutes,
            steps=steps,
            batch_size=batch_size,
            workers=workers,
            device=device,
            tiny=tiny,
        )
        result = train_voice(config, log=lambda message: _err.print(message, highlight=False))
    _out.print(f"checkpoint {result.checkpoint} after {result.steps} steps (final loss {result.loss:.3f})")


@tts_app.command("export")
def export(
    checkpoint: Annotated[Path, typer.Argument(help="Checkpoint folder written by `indic tts train`.")],
    out: Annotated[Path, typer.Option("--out", help="Voice folder to write (model.onnx + voice.json).")],
) -> None:
    """Export a trained checkpoint to an ONNX voice and verify it against torch.

    Example: indic tts export runs/tts/voice/checkpoint --out runs/tts/voice/onnx
    """
    with _clear_errors():
        from tts.checkpoint import load_checkpoint
        from tts.export import export_voice

        model, inventory, card = load_checkpoint(checkpoint)
        report = export_voice(model, inventory, out, card)
    _out.print(
        f"wrote {report.path} ({report.parameters / 1e6:.1f}M parameters); "
        f"max |onnx - torch| = {report.max_abs_error:.2e}"
    )
