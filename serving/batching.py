"""Request batching: a dynamic batcher for TTS and continuous batching for LM decoding.

Why batch: one onnxruntime call on 32 rows costs far less than 32 calls on one row (weights are
read once, kernels run on matrices instead of vectors, per-call overhead is paid once).

:class:`DynamicBatcher` (TTS and any one-shot model) batches continuously: its worker runs one
batch at a time and never sleeps while requests wait, so a lone request on an idle engine runs at
once, and requests that arrive while a batch runs (that is when they pile up) form the next one.
Which of the waiting requests go together is :meth:`BatchPolicy.plan`'s job: it sorts the oldest
part of the queue by length and cuts the largest group whose padding stays within
``max_padding_waste`` — unless the oldest request has waited ``max_wait_s``, which then anchors the
next batch, so no request starves behind a stream of better-fitting ones. A batch that fails is
retried one request at a time, so a bad request fails alone.

:class:`ContinuousBatcher` (LM) runs decode steps in a loop; between two steps it prefills newly
arrived streams and lets them join, and drops finished or cancelled ones — no stream waits for
another to finish.

Both bound their queues: past ``max_queue`` waiting requests, ``submit`` raises
:class:`OverloadedError` at once instead of letting memory grow; callers turn it into HTTP 503.
Cancelling a future (or a :class:`StreamHandle`) removes the request.

Example::

    >>> batcher = DynamicBatcher(lambda xs: [x * 2 for x in xs], length_of=lambda x: 1)
    >>> batcher.submit(21).result()
    42
    >>> batcher.close()
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from serving.lm_engine import DecodeBatch, LMEngine, pick_token
from serving.metrics import ServingMetrics

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("serving.batching")

# Planning a batch weighs every slice of the sorted window: O(window²) numpy work per dispatch,
# about a millisecond at 256 requests. The oldest requests are the ones that must go soon anyway.
_MAX_PLAN_WINDOW = 256


class OverloadedError(RuntimeError):
    """Raised by ``submit`` when the queue is full: retry later (HTTP 503)."""


class BatcherClosedError(RuntimeError):
    """Raised by ``submit`` after ``close()``."""


@dataclass(frozen=True)
class BatchPolicy:
    """How the dynamic batcher forms batches.

    ``max_padding_waste``: a batch is right-padded to its longest request, so it runs rows x longest
    positions where its requests hold only the sum of their lengths; the excess may be at most this
    fraction of that sum (0.3: at most 30% more positions than the requests alone). Padding all 32
    rows of a length-sorted batch of FLORES sentences to the longest cost 2.3x the arithmetic of
    running them one by one (bench/RESULTS.md).
    ``max_wait_s``: how long grouping by length may pass a request over; after that the oldest
    request anchors the next batch. Nothing ever waits for a fuller batch while the engine is idle.
    ``max_batch_tokens``: a cap on rows x padded length. On a CPU a voice is compute- and
    memory-bound: a batch of 32 long utterances (tens of MB of activations) runs slower per
    request than one at a time, so long requests get small batches and short ones large batches.
    """

    max_batch: int = 16
    max_wait_s: float = 0.01
    max_queue: int = 256
    max_padding_waste: float = 0.3
    max_batch_tokens: int | None = None

    def __post_init__(self) -> None:
        if (
            self.max_batch < 1
            or self.max_queue < 1
            or self.max_wait_s < 0
            or self.max_padding_waste < 0
            or (self.max_batch_tokens or 1) < 1
        ):
            raise ValueError(
                "need max_batch >= 1, max_queue >= 1, max_wait_s >= 0, max_padding_waste >= 0 "
                f"and max_batch_tokens >= 1; got {self}"
            )

    @property
    def plan_window(self) -> int:
        """How many of the oldest waiting requests :meth:`plan` chooses from."""
        return max(self.max_batch, min(4 * self.max_batch, _MAX_PLAN_WINDOW))

    def plan(self, lengths: Sequence[int], oldest_wait_s: float) -> list[int]:
        """Queue positions (0 = oldest) of the next batch, chosen among the first :attr:`plan_window`.

        The candidates are the slices of the window sorted by length whose padding stays within
        ``max_padding_waste`` and ``max_batch_tokens``, with at most ``max_batch`` rows; a single
        request always qualifies. The slice with the most rows wins, and among equals the one
        holding the oldest request. Once the oldest request has waited ``max_wait_s`` only slices
        that hold it qualify: age beats length, so every request is served within ``max_wait_s``
        plus the batches of the requests older than it.

        >>> policy = BatchPolicy(max_batch=8, max_wait_s=0.05, max_padding_waste=0.3)
        >>> policy.plan([100, 10, 105, 11, 12, 98, 13], oldest_wait_s=0.0)  # most rows
        [1, 3, 4, 6]
        >>> policy.plan([300, 10, 10, 10], oldest_wait_s=0.06)  # overdue: the oldest goes
        [0]
        """
        window = np.asarray(lengths[: self.plan_window], dtype=np.int64)
        if window.size == 0:
            return []
        # Every slice [first..last] of the length-sorted window at once, as a window x window grid.
        order = np.argsort(window, kind="stable")
        ordered = window[order]
        prefix = np.concatenate(([0], np.cumsum(ordered)))
        first = np.arange(len(ordered))[:, None]
        last = np.arange(len(ordered))[None, :]
        rows = last - first + 1
        padded = rows * ordered[None, :]  # sorted: a slice's last request is its longest
        needed = prefix[1:][None, :] - prefix[:-1][:, None]
        fits = padded <= (1 + self.max_padding_waste) * needed
        if self.max_batch_tokens is not None:
            fits &= padded <= self.max_batch_tokens
        allowed = (rows >= 1) & (rows <= self.max_batch) & (fits | (rows == 1))
        if oldest_wait_s >= self.max_wait_s:
            anchor = int(np.flatnonzero(order == 0)[0])
            allowed &= (first <= anchor) & (anchor <= last)
        size = int(rows[allowed].max())
        starts = np.flatnonzero(np.diagonal(allowed, offset=size - 1))
        oldest = sliding_window_view(order, size).min(axis=1)[starts]
        start = int(starts[np.argmin(oldest)])
        return sorted(order[start : start + size].tolist())

    def drain(self, lengths: Sequence[int]) -> list[list[int]]:
        """Positions of the batches a queue of ``lengths`` is served in, all of it just arrived.

        What the batcher does with requests that arrive together (the benchmark's stage profile
        times these batches); ties go to the slice holding the oldest request.

        >>> BatchPolicy(max_batch=2).drain([50, 10, 52, 11, 200])
        [[0, 2], [1, 3], [4]]
        """
        waiting = list(range(len(lengths)))
        batches = []
        while waiting:
            picked = set(self.plan([lengths[i] for i in waiting], oldest_wait_s=0.0))
            batches.append([p for i, p in enumerate(waiting) if i in picked])
            waiting = [p for i, p in enumerate(waiting) if i not in picked]
        return batches


@dataclass(eq=False)
class _Pending(Generic[T, R]):
    item: T
    future: Future[R]
    length: int
    arrived: float


class DynamicBatcher(Generic[T, R]):
    """Group single requests into batches for ``run_batch`` (a list in, a list of results out)."""

    def __init__(
        self,
        run_batch: Callable[[list[T]], Sequence[R]],
        length_of: Callable[[T], int],
        policy: BatchPolicy = BatchPolicy(),
        metrics: ServingMetrics | None = None,
        name: str = "tts",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run_batch = run_batch
        self.length_of = length_of
        self.policy = policy
        self.metrics = metrics
        self.name = name
        self.clock = clock
        self._waiting: list[_Pending[T, R]] = []  # arrival order
        self._closed = False
        self._cond = threading.Condition()
        self._worker = threading.Thread(target=self._serve, name=f"{name}-batcher", daemon=True)
        self._worker.start()

    @property
    def queue_depth(self) -> int:
        with self._cond:
            return len(self._waiting)

    def submit(self, item: T) -> Future[R]:
        """Queue one request; its future resolves to the result or the request's own error."""
        future: Future[R] = Future()
        pending = _Pending(item, future, self.length_of(item), self.clock())
        with self._cond:
            if self._closed:
                raise BatcherClosedError(f"{self.name} batcher is closed")
            if len(self._waiting) >= self.policy.max_queue:
                raise OverloadedError(
                    f"{self.name} queue is full ({self.policy.max_queue} waiting); retry later"
                )
            self._waiting.append(pending)
            self._report_depth()
            self._cond.notify()
        future.add_done_callback(lambda f: self._forget(pending) if f.cancelled() else None)
        return future

    def close(self) -> None:
        """Stop the worker; requests still queued are cancelled."""
        with self._cond:
            self._closed = True
            leftovers, self._waiting = self._waiting, []
            self._cond.notify_all()
        for pending in leftovers:
            pending.future.cancel()
        self._worker.join(timeout=5)

    def _forget(self, pending: _Pending[T, R]) -> None:
        with self._cond:
            if pending in self._waiting:
                self._waiting.remove(pending)
                self._report_depth()

    def _report_depth(self) -> None:
        if self.metrics is not None:
            self.metrics.set_queue_depth(self.name, len(self._waiting))

    def _next_batch(self) -> list[_Pending[T, R]] | None:
        """Block until a request waits, then take the batch the policy plans; None once closed.

        The worker is idle whenever it is here, so it never waits for a fuller batch: requests that
        arrived while the previous batch ran are all waiting already.
        """
        with self._cond:
            while not self._waiting:
                if self._closed:
                    return None
                self._cond.wait()
            waited = self.clock() - self._waiting[0].arrived
            window = self._waiting[: self.policy.plan_window]
            picked = set(self.policy.plan([p.length for p in window], waited))
            taken = [p for i, p in enumerate(self._waiting) if i in picked]
            self._waiting = [p for i, p in enumerate(self._waiting) if i not in picked]
            self._report_depth()
        return [p for p in taken if p.future.set_running_or_notify_cancel()]

    def _serve(self) -> None:
        while (batch := self._next_batch()) is not None:
            if batch:
                self._run(batch)

    def _run(self, batch: list[_Pending[T, R]]) -> None:
        if self.metrics is not None:
            self.metrics.record_batch(self.name, len(batch), self.policy.max_batch)
        try:
            results = self.run_batch([p.item for p in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].future.set_exception(error)
                return
            log.info("%s batch of %d failed (%s); retrying one by one", self.name, len(batch), error)
            for pending in batch:
                self._run_alone(pending)
            return
        for pending, result in zip(batch, results, strict=True):
            pending.future.set_result(result)

    def _run_alone(self, pending: _Pending[T, R]) -> None:
        try:
            [result] = self.run_batch([pending.item])
        except Exception as error:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(result)


# --------------------------------------------------------------------------------------- LM streams


@dataclass(frozen=True)
class GenerationRequest:
    """A prompt (token ids) and how to continue it."""

    prompt_ids: tuple[int, ...]
    max_new_tokens: int = 64
    temperature: float = 0.0
    seed: int | None = None
    stop_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class GenerationResult:
    """What a stream produced and how long it took (seconds from submission)."""

    token_ids: tuple[int, ...]
    finish_reason: str
    ttft_s: float
    latency_s: float


@dataclass(frozen=True)
class TokenEvent:
    """One event of a stream: a new token, or the end (with the result or the error)."""

    token_id: int | None = None
    result: GenerationResult | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.token_id is None


class StreamHandle:
    """A submitted generation: iterate its tokens, wait for its result, or cancel it."""

    def __init__(self, request: GenerationRequest, on_event: Callable[[TokenEvent], None] | None) -> None:
        self.request = request
        self.future: Future[GenerationResult] = Future()
        self.submitted = time.perf_counter()
        self.first_token_at: float | None = None
        self.tokens: list[int] = []
        self.rng = np.random.default_rng(request.seed)
        self._events: queue.Queue[TokenEvent] = queue.Queue()
        self._on_event = on_event
        self._cancelled = threading.Event()
        # Cancelling the future (e.g. an awaiting HTTP handler going away) stops the stream too.
        self.future.add_done_callback(lambda f: self.cancel() if f.cancelled() else None)

    def cancel(self) -> None:
        """Stop generating; the stream ends with ``finish_reason == "cancelled"``."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def events(self, timeout: float | None = None) -> Iterator[TokenEvent]:
        """Events as they come, ending with the final one (``done``)."""
        while True:
            event = self._events.get(timeout=timeout)
            yield event
            if event.done:
                return

    def result(self, timeout: float | None = None) -> GenerationResult:
        return self.future.result(timeout)

    def _emit(self, event: TokenEvent) -> None:
        self._events.put(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception as error:  # a listener gone wrong (closed event loop) must not stop decoding
                log.warning("stream listener failed, cancelling the stream: %s", error)
                self.cancel()

    def _push_token(self, token: int) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        self.tokens.append(token)
        self._emit(TokenEvent(token_id=token))

    def _finish(self, reason: str) -> None:
        now = time.perf_counter()
        first = self.first_token_at if self.first_token_at is not None else now
        result = GenerationResult(tuple(self.tokens), reason, first - self.submitted, now - self.submitted)
        if not self.future.done():
            self.future.set_result(result)
        self._emit(TokenEvent(result=result))

    def _fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)
        self._emit(TokenEvent(error=error))


class ContinuousBatcher:
    """Decode up to ``max_streams`` LM streams together; new streams join between steps."""

    def __init__(
        self,
        lm: LMEngine,
        max_streams: int = 32,
        max_queue: int = 256,
        metrics: ServingMetrics | None = None,
        name: str = "lm",
    ) -> None:
        if max_streams < 1 or max_queue < 1:
            raise ValueError(f"need max_streams >= 1 and max_queue >= 1, got {max_streams}, {max_queue}")
        self.lm = lm
        self.max_streams = max_streams
        self.max_queue = max_queue
        self.metrics = metrics
        self.name = name
        self._waiting: deque[StreamHandle] = deque()
        self._active: dict[Hashable, StreamHandle] = {}
        self._ids = itertools.count()
        self._closed = False
        self._cond = threading.Condition()
        self._worker = threading.Thread(target=self._serve, name=f"{name}-decoder", daemon=True)
        self._worker.start()

    @property
    def queue_depth(self) -> int:
        with self._cond:
            return len(self._waiting)

    def submit(
        self, request: GenerationRequest, on_event: Callable[[TokenEvent], None] | None = None
    ) -> StreamHandle:
        """Queue a stream. Bad prompts raise :class:`InvalidPromptError` here, before queuing."""
        self.lm.check_prompt(request.prompt_ids, request.max_new_tokens)
        handle = StreamHandle(request, on_event)
        with self._cond:
            if self._closed:
                raise BatcherClosedError(f"{self.name} batcher is closed")
            if len(self._waiting) >= self.max_queue:
                raise OverloadedError(f"{self.name} queue is full ({self.max_queue} waiting); retry later")
            self._waiting.append(handle)
            self._report_depth()
            self._cond.notify()
        return handle

    def close(self) -> None:
        """Stop decoding; waiting and active streams end as cancelled."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._worker.join(timeout=10)

    def _report_depth(self) -> None:
        if self.metrics is not None:
            self.metrics.set_queue_depth(self.name, len(self._waiting))

    def _admit(self, active: int) -> list[StreamHandle] | None:
        """Streams to prefill before the next step; None when closed."""
        with self._cond:
            while not self._closed and not self._waiting and not active:
                self._cond.wait()
            if self._closed:
                return None
            # Cancelled streams leave the queue at once, whatever the free capacity.
            admitted = [h for h in self._waiting if h.cancelled]
            waiting = deque(h for h in self._waiting if not h.cancelled)
            free = self.max_streams - active
            while waiting and free > 0:
                admitted.append(waiting.popleft())
                free -= 1
            self._waiting = waiting
            self._report_depth()
            return admitted

    def _serve(self) -> None:
        batch = self.lm.new_batch()
        while True:
            self._retire(batch)
            admitted = self._admit(len(batch))
            if admitted is None:
                break
            for group in prefill_groups([h for h in admitted if not self._cancel_waiting(h)]):
                self._prefill(group, batch)
            self._retire(batch)
            if not len(batch):
                continue
            if self.metrics is not None:
                self.metrics.record_batch(self.name, len(batch), self.max_streams)
            try:
                logits = batch.step()
                batch.set_next_tokens(
                    {key: self._advance(self._active[key], row) for key, row in logits.items()}
                )
            except Exception as error:  # the batch's streams fail together; the decoder lives on
                log.warning("%s decode step failed for %d streams: %s", self.name, len(batch), error)
                for key in batch.keys:
                    self._active.pop(key)._fail(error)
                batch = self.lm.new_batch()
        self._shutdown()

    def _cancel_waiting(self, handle: StreamHandle) -> bool:
        """End a stream cancelled while it waited; True if it was."""
        if handle.cancelled:
            handle._finish("cancelled")
        return handle.cancelled

    def _prefill(self, group: list[StreamHandle], batch: DecodeBatch) -> None:
        """Run new streams' prompts together and let them join the batch. If that fails, each
        prompt runs alone, so an error ends only the stream that caused it."""
        try:
            logits, cache, mask = self.lm.prefill_many([h.request.prompt_ids for h in group])
            tokens = [
                pick_token(row, h.request.temperature, h.rng) for row, h in zip(logits, group, strict=True)
            ]
            keys = [next(self._ids) for _ in group]
            batch.add_rows(keys, cache, mask, tokens)
        except Exception as error:
            if len(group) == 1:
                group[0]._fail(error)
                return
            for handle in group:
                self._prefill([handle], batch)
            return
        for key, handle, token in zip(keys, group, tokens, strict=True):
            self._active[key] = handle
            handle._push_token(token)

    def _advance(self, handle: StreamHandle, logits: np.ndarray) -> int:
        """Sample the next token, hand it to the stream, return it (the next step's input)."""
        token = pick_token(logits, handle.request.temperature, handle.rng)
        handle._push_token(token)
        return token

    def _retire(self, batch: DecodeBatch) -> None:
        """End streams that hit a stop token, their length limit, or were cancelled."""
        done: set[Hashable] = set()
        for key in batch.keys:
            handle = self._active[key]
            reason = _finish_reason(handle)
            if reason is not None:
                done.add(key)
                self._active.pop(key)._finish(reason)
        batch.remove(done)

    def _shutdown(self) -> None:
        with self._cond:
            leftovers = list(self._waiting) + list(self._active.values())
            self._waiting.clear()
            self._active.clear()
        for handle in leftovers:
            handle._fail(CancelledError(f"{self.name} batcher closed"))


def prefill_groups(
    handles: list[StreamHandle], max_rows: int = 8, max_padding: float = 0.5
) -> list[list[StreamHandle]]:
    """Split streams to prefill into calls: by prompt length, at most ``max_rows`` per call, and no
    more than ``max_padding`` of a call's positions padding (a long prompt runs apart from short ones).

    >>> from types import SimpleNamespace as NS
    >>> h = [NS(request=NS(prompt_ids=[1] * n)) for n in (9, 2, 10, 40)]
    >>> [[len(x.request.prompt_ids) for x in g] for g in prefill_groups(h)]
    [[2, 9, 10], [40]]
    """
    groups: list[list[StreamHandle]] = []
    for handle in sorted(handles, key=lambda h: len(h.request.prompt_ids)):
        group = groups[-1] if groups else []
        rows = [*group, handle]
        longest = len(handle.request.prompt_ids)
        real = sum(len(h.request.prompt_ids) for h in rows)
        if group and len(rows) <= max_rows and real >= (1 - max_padding) * len(rows) * longest:
            group.append(handle)
        else:
            groups.append([handle])
    return groups


def _finish_reason(handle: StreamHandle) -> str | None:
    if handle.cancelled:
        return "cancelled"
    if handle.tokens and handle.tokens[-1] in handle.request.stop_ids:
        return "stop"
    if len(handle.tokens) >= handle.request.max_new_tokens:
        return "length"
    return None
