"""The Gradio app: tokenize and compare, speak, generate then speak, and watch live metrics.

It is a thin face over the serving stack: every tab calls the same batched services the HTTP API
uses (:mod:`serving.services`), and the *Metrics* tab reads the same :class:`~serving.metrics.ServingMetrics`.
`indic serve` mounts it at ``/`` beside the HTTP routes.

Example::

    >>> from serving.stack import ServeConfig, build_stack
    >>> demo = build_app(build_stack(ServeConfig(lm="synthetic", tts="synthetic")))   # doctest: +SKIP
    >>> demo.launch()                                                                  # doctest: +SKIP
"""

from __future__ import annotations

from serving.app.layout import build_app

__all__ = ["build_app"]
