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

# Options the two trainers (train, train-vocoder) share, spelled once.
CorpusOption = Annotated[Path, typer.Option("--corpus", help="Folder of <lang>.txt training text.")]
TeacherDataOption = Annotated[
    Path | None, typer.Option(help="Folder to load teacher data from, or to save it to once synthesized.")
]
MinutesOption = Annotated[float, typer.Option(help="Wall-clock budget for the training loop.")]
FinishByOption = Annotated[
    float, typer.Option(help="Unix time by which the loop ends, whatever --minutes says (0: none).")
]
StepsOption = Annotated[
    int, typer.Option(help="Stop after this many steps even if time is left (0: no limit).")
]
WorkersOption = Annotated[int, typer.Option(help="Processes synthesizing teacher data (0: one per core).")]
DeviceOption = Annotated[str, typer.Option(help="torch device: cuda or cpu.")]
DEFAULT_CORPUS = Path("../shared/corpora/train")


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
    corpus: CorpusOption = DEFAULT_CORPUS,
    sentences_per_language: Annotated[
        int, typer.Option(help="Teacher sentences per language and speaker.")
    ] = 400,
    minutes: MinutesOption = 5.0,
    steps: StepsOption = 0,
    batch_size: Annotated[int, typer.Option(help="Utterances per step.")] = 32,
    workers: WorkersOption = 0,
    device: DeviceOption = "cuda",
    tiny: Annotated[bool, typer.Option(help="Toy model sizes, to prove the loop on a CPU.")] = False,
    learning_rate: Annotated[float, typer.Option(help="Peak AdamW learning rate.")] = 1e-3,
    warmup_steps: Annotated[int, typer.Option(help="Linear warm-up steps before the cosine decay.")] = 300,
    segment_frames: Annotated[int, typer.Option(help="Mel frames per vocoder training segment.")] = 32,
    vocoder_predicted_share: Annotated[
        float, typer.Option(help="Share of vocoder segments cut from the acoustic model's own mel.")
    ] = 0.5,
    teacher_data: TeacherDataOption = None,
    resume: Annotated[
        Path | None, typer.Option(help="Checkpoint to continue from (its architecture is kept).")
    ] = None,
    finish_by: FinishByOption = 0.0,
    recordings: Annotated[
        Path | None,
        typer.Option(help="Train on real recordings in this folder instead of teacher speech."),
    ] = None,
    recordings_format: Annotated[
        str | None, typer.Option(help="Layout of --recordings: ljspeech or indictts (default: detect).")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of --recordings.")] = None,
    guide_recognizer: Annotated[
        Path | None,
        typer.Option(
            help="Phoneme recognizer whose CTC loss on whole rendered utterances joins the losses "
            "(tts.intelligibility); judge the voice with another one."
        ),
    ] = None,
    guide_weight: Annotated[float, typer.Option(help="Weight of the guide's CTC loss.")] = 1.0,
    guide_items: Annotated[int, typer.Option(help="Utterances per step rendered whole for the guide.")] = 16,
) -> None:
    """Synthesize espeak-ng teacher data from CORPUS (or align real --recordings) and train a voice on it.

    Example: indic tts train --out runs/tts/voice --minutes 5 --device cuda

    Example: indic tts train --recordings LJSpeech-1.1 --recordings-format ljspeech --lang en

    Example: indic tts train --resume runs/tts/voice/checkpoint --guide-recognizer runs/intel/guide
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
            learning_rate=learning_rate,
            warmup_steps=warmup_steps,
            segment_frames=segment_frames,
            vocoder_predicted_share=vocoder_predicted_share,
            workers=workers,
            device=device,
            tiny=tiny,
            teacher_data=str(teacher_data or ""),
            resume=str(resume or ""),
            finish_by=finish_by,
            recordings=str(recordings or ""),
            guide_recognizer=str(guide_recognizer or ""),
            guide_weight=guide_weight,
            guide_items=guide_items,
            recordings_format=recordings_format or "",
            lang=lang or "",
        )
        result = train_voice(config, log=lambda message: _err.print(message, highlight=False))
    _out.print(f"checkpoint {result.checkpoint} after {result.steps} steps (final loss {result.loss:.3f})")


@tts_app.command("train-vocoder")
def train_vocoder(
    checkpoint: Annotated[Path, typer.Argument(help="Voice checkpoint whose vocoder is fine-tuned.")],
    out: Annotated[
        Path, typer.Option("--out", help="Run folder: checkpoint/ (the voice) and discriminators/.")
    ] = Path("runs/tts/vocoder_gan"),
    corpus: CorpusOption = DEFAULT_CORPUS,
    sentences_per_language: Annotated[
        int, typer.Option(help="Teacher sentences per language (as the voice was trained).")
    ] = 400,
    teacher_data: TeacherDataOption = None,
    minutes: MinutesOption = 5.0,
    finish_by: FinishByOption = 0.0,
    steps: StepsOption = 0,
    batch_size: Annotated[int, typer.Option(help="Segments per step.")] = 32,
    segment_frames: Annotated[int, typer.Option(help="Mel frames per training segment.")] = 48,
    predicted_share: Annotated[
        float, typer.Option(help="Share of segments cut from the acoustic model's own mel.")
    ] = 0.5,
    generator_learning_rate: Annotated[float, typer.Option(help="Peak AdamW rate of the vocoder.")] = 1e-4,
    discriminator_learning_rate: Annotated[
        float, typer.Option(help="Peak AdamW rate of the discriminators.")
    ] = 2e-4,
    discriminator_warmup_steps: Annotated[
        int, typer.Option(help="Steps the discriminators learn alone first (skipped when resuming them).")
    ] = 200,
    discriminators: Annotated[
        Path | None, typer.Option(help="An earlier run's discriminators/ folder to resume.")
    ] = None,
    adversarial: Annotated[
        bool, typer.Option(help="Train against discriminators instead of the spectral losses.")
    ] = False,
    extra_layers: Annotated[
        int, typer.Option(help="Vocoder blocks to add first (they start as the identity).")
    ] = 0,
    workers: WorkersOption = 0,
    device: DeviceOption = "cuda",
    tiny: Annotated[bool, typer.Option(help="Toy discriminators, to prove the loop on a CPU.")] = False,
) -> None:
    """Train a voice's vocoder alone, the acoustic model frozen: with the spectral losses after growing it
    by --extra-layers blocks (the bundled voice's recipe), or --adversarial against multi-period and
    multi-resolution discriminators. The result is a voice checkpoint to export as usual.

    Example: indic tts train-vocoder runs/tts/voice/checkpoint --out runs/tts/voc --extra-layers 4 --minutes 5

    Example: indic tts train-vocoder runs/tts/voice/checkpoint --out runs/tts/gan --adversarial --minutes 6
    """
    with _clear_errors():
        from tts.vocoder_tuning import VocoderTuningConfig, tune_vocoder

        config = VocoderTuningConfig(
            checkpoint=str(checkpoint),
            out=str(out),
            corpus=str(corpus),
            sentences_per_language=sentences_per_language,
            teacher_data=str(teacher_data or ""),
            minutes=minutes,
            finish_by=finish_by,
            steps=steps,
            batch_size=batch_size,
            segment_frames=segment_frames,
            predicted_share=predicted_share,
            generator_learning_rate=generator_learning_rate,
            discriminator_learning_rate=discriminator_learning_rate,
            discriminator_warmup_steps=discriminator_warmup_steps,
            discriminators=str(discriminators or ""),
            adversarial=adversarial,
            extra_layers=extra_layers,
            workers=workers,
            device=device,
            tiny=tiny,
        )
        result = tune_vocoder(config, log=lambda message: _err.print(message, highlight=False))
    _out.print(f"checkpoint {result.checkpoint} after {result.steps} vocoder steps ({result.losses})")


@tts_app.command("export")
def export(
    checkpoint: Annotated[Path, typer.Argument(help="Checkpoint folder written by `indic tts train`.")],
    out: Annotated[Path, typer.Option("--out", help="Voice folder to write (model.onnx + voice.json).")],
    fp8: Annotated[
        bool,
        typer.Option(
            "--fp8", help="Store MatMul weights as FP8 E4M3 (per output channel), the rest as float16."
        ),
    ] = False,
    keep_float: Annotated[
        list[str] | None,
        typer.Option(
            "--keep-float",
            help="With --fp8: a Linear weight to keep in float16, by parameter name (repeatable), "
            "e.g. vocoder.head.weight.",
        ),
    ] = None,
) -> None:
    """Export a trained checkpoint to an ONNX voice and verify it against torch.

    Example: indic tts export runs/tts/voice/checkpoint --out runs/tts/voice/onnx
    """
    with _clear_errors():
        from tts.checkpoint import load_checkpoint
        from tts.export import export_voice, quantize_voice_folder_fp8

        model, inventory, card = load_checkpoint(checkpoint)
        report = export_voice(model, inventory, out, card, weights_float16=not fp8)
        if fp8:
            quantize_voice_folder_fp8(out, model, set(keep_float or ()))
    weights = "FP8 E4M3 MatMul weights" if fp8 else "float16 weights"
    _out.print(
        f"wrote {report.path} ({report.parameters / 1e6:.1f}M parameters, {weights}); "
        f"max |onnx - torch| before quantization = {report.max_abs_error:.2e}"
    )
