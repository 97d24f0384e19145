"""The app's layout and event wiring; the work itself lives in the ``*_tab`` modules.

Each handler turns :class:`~serving.app.limits.InputRejected` (and the services' own input errors)
into ``gr.Error`` so a person sees one friendly sentence, never a stack trace. Events carry
``api_name`` so ``gradio_client`` (and the tests) can call them, and a concurrency limit high
enough that concurrent users reach the batchers together instead of queueing one by one.
"""

from __future__ import annotations

import functools
import inspect
import tempfile

import gradio as gr

from indic.languages import LANGUAGES
from serving.app import generate_tab, speak_tab, tokenize_tab
from serving.app.clip_store import ClipStore
from serving.app.limits import DEFAULT_LIMITS, AppLimits, InputRejected
from serving.app.metrics_tab import MetricsHistory, status_markdown

CONCURRENCY = 64
HIGHLIGHT_COLOURS = {"even": "#fde68a", "odd": "#a5d8ff"}
LANGUAGE_CHOICES = [(f"{lang.name} ({lang.native_name})", lang.code) for lang in LANGUAGES]
EXAMPLES = {
    "hi": "भारत में कई भाषाएँ बोली जाती हैं और हर भाषा की अपनी लिपि है।",
    "ta": "தமிழ் உலகின் மிகப் பழமையான மொழிகளில் ஒன்று.",
    "bn": "আমি প্রতিদিন সকালে চা খাই।",
}


def _friendly(handler):
    """Show input errors as a gr.Error message; works for plain functions and generators."""
    from serving.batching import OverloadedError

    errors = (InputRejected, ValueError, LookupError, OverloadedError)
    if inspect.isgeneratorfunction(handler):

        @functools.wraps(handler)
        def stream(*args, **kwargs):
            try:
                yield from handler(*args, **kwargs)
            except errors as error:
                raise gr.Error(str(error), print_exception=False) from None

        return stream

    @functools.wraps(handler)
    def call(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except errors as error:
            raise gr.Error(str(error), print_exception=False) from None

    return call


def build_app(
    stack, limits: AppLimits = DEFAULT_LIMITS, tokenizer_choices: dict[str, str] | None = None
) -> gr.Blocks:
    """The four-tab app over ``stack`` (a :class:`serving.stack.ServingStack`)."""
    choices = tokenizer_choices if tokenizer_choices is not None else tokenize_tab.tokenizer_choices()
    history = MetricsHistory(stack.metrics)
    clips = ClipStore()
    default_tokenizers = list(choices)[:3]
    speakers = max(int(getattr(stack.speech, "speakers", 1) or 1), 1)

    with gr.Blocks(title="indic-speech") as demo:
        gr.Markdown("# indic-speech\nTokenize, speak and generate in eleven languages of India.")
        with gr.Tab("Tokenize"):
            _tokenize_tab(choices, default_tokenizers, limits)
        with gr.Tab("Speak"):
            _speak_tab(stack, speakers, limits, clips)
        with gr.Tab("Generate & speak"):
            _generate_tab(stack, limits, clips)
        with gr.Tab("Metrics"):
            _metrics_tab(history)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=4 * CONCURRENCY)
    return demo


def _tokenize_tab(choices: dict[str, str], defaults: list[str], limits: AppLimits) -> None:
    text = gr.Textbox(
        label="Text", value=EXAMPLES["hi"], lines=3, max_length=limits.max_text_chars, elem_id="tok-text"
    )
    picked = gr.CheckboxGroup(list(choices), value=defaults, label="Tokenizers", elem_id="tok-pick")
    button = gr.Button("Tokenize", variant="primary", elem_id="tok-run")
    detected = gr.Markdown(elem_id="tok-lang")
    views = [
        gr.HighlightedText(
            label=f"slot {i}",
            color_map=HIGHLIGHT_COLOURS,
            show_legend=False,
            show_inline_category=False,
            visible=False,
            elem_id=f"tok-view-{i}",
        )
        for i in range(limits.max_tokenizers)
    ]
    stats = gr.Dataframe(label="This text", interactive=False, elem_id="tok-stats")
    chart = gr.Image(label="Tokens per word on FLORES-200 dev", type="filepath", elem_id="tok-chart")
    charts = tempfile.mkdtemp(prefix="indic-app-charts-")

    @_friendly
    def run(value: str, names: list[str]):
        pieces, table, lang = tokenize_tab.split_view(value, names, choices, limits)
        updates = [
            gr.HighlightedText(
                value=pieces[i], label=f"{names[i]} — {sum(1 for _ in pieces[i])} pieces", visible=True
            )
            if i < len(names)
            else gr.HighlightedText(value=None, visible=False)
            for i in range(limits.max_tokenizers)
        ]
        chart = tokenize_tab.fertility_chart(tuple(names), tuple(sorted(choices.items())), charts)
        note = f"Detected language: **{lang}**" + (
            "" if chart else " · the FLORES chart needs the reference data"
        )
        return [note, *updates, table, chart]

    button.click(run, [text, picked], [detected, *views, stats, chart], api_name="tokenize")


def _speak_tab(stack, speakers: int, limits: AppLimits, clips: ClipStore) -> None:
    text = gr.Textbox(
        label="Text",
        value="नमस्ते दुनिया। आज मौसम बहुत अच्छा है।",
        lines=3,
        max_length=limits.max_text_chars,
        elem_id="speak-text",
    )
    with gr.Row():
        lang = gr.Dropdown(
            LANGUAGE_CHOICES, value="hi", label="Language", allow_custom_value=True, elem_id="speak-lang"
        )
        speaker = gr.Slider(0, speakers - 1, value=0, step=1, label="Speaker", elem_id="speak-speaker")
        speed = gr.Slider(*speak_tab.SPEED_RANGE, value=1.0, step=0.05, label="Speed", elem_id="speak-speed")
    button = gr.Button("Speak", variant="primary", elem_id="speak-run")
    live = gr.Audio(
        label="Live (long texts, sentence by sentence)", streaming=True, autoplay=True, elem_id="speak-live"
    )
    audio = gr.Audio(label="Speech", type="filepath", elem_id="speak-audio")
    info = gr.Markdown(elem_id="speak-info")

    @_friendly
    def run(value: str, code: str, who: float, how_fast: float):
        for kind, clip, note in speak_tab.speak(stack.speech, value, code, int(who), float(how_fast), limits):
            if kind == "chunk":
                yield clip, gr.skip(), note
            else:
                yield gr.skip(), clips.save(clip[1], clip[0]), note

    button.click(run, [text, lang, speaker, speed], [live, audio, info], api_name="speak")


def _generate_tab(stack, limits: AppLimits, clips: ClipStore) -> None:
    prompt = gr.Textbox(
        label="Prompt",
        value="भारत की राजधानी",
        lines=2,
        max_length=limits.max_prompt_chars,
        elem_id="gen-prompt",
    )
    with gr.Row():
        lang = gr.Dropdown(
            LANGUAGE_CHOICES,
            value="hi",
            label="Language of the prompt",
            allow_custom_value=True,
            elem_id="gen-lang",
        )
        tokens = gr.Slider(1, limits.max_new_tokens, value=48, step=1, label="Tokens to generate")
        temperature = gr.Slider(0.0, 1.5, value=0.7, step=0.05, label="Temperature")
    button = gr.Button("Generate & speak", variant="primary", elem_id="gen-run")
    output = gr.Textbox(label="Generated text", lines=4, interactive=False, elem_id="gen-text")
    audio = gr.Audio(label="Spoken", type="filepath", elem_id="gen-audio")
    info = gr.Markdown(elem_id="gen-info")

    @_friendly
    def run(value: str, code: str, count: float, temp: float):
        text = ""
        for text in generate_tab.generate(stack.text, value, int(count), float(temp), limits):
            yield text, gr.skip(), "generating…"
        spoken, code = generate_tab.speakable(value + text, code)
        for kind, clip, note in speak_tab.speak(stack.speech, spoken, code, 0, 1.0, limits):
            if kind == "full":
                yield text, clips.save(clip[1], clip[0]), note

    button.click(run, [prompt, lang, tokens, temperature], [output, audio, info], api_name="generate")


def _time_plot(title: str, y_title: str, elem_id: str) -> gr.LinePlot:
    """A live line plot of one :class:`MetricsHistory` group (columns t, series, value)."""
    return gr.LinePlot(
        x="t", y="value", color="series", title=title, x_title="seconds", y_title=y_title, elem_id=elem_id
    )


def _metrics_tab(history: MetricsHistory) -> None:
    status = gr.Markdown(elem_id="metrics-status")
    throughput = _time_plot("Throughput", "per second", "metrics-throughput")
    latency = _time_plot("Latency percentiles", "seconds", "metrics-latency")
    speech = _time_plot("Real-time factor and queue depth", "value", "metrics-speech")
    timer = gr.Timer(1.0)

    def tick():
        snap = history.sample()
        return (
            status_markdown(snap),
            history.frame("throughput"),
            history.frame("latency"),
            history.frame("speech"),
        )

    timer.tick(
        tick,
        None,
        [status, throughput, latency, speech],
        api_name="metrics",
        concurrency_limit=1,
        show_progress="hidden",
    )
