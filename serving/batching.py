"""Request batching: a dynamic batcher for TTS and continuous batching for LM decoding.

Why batch: one onnxruntime call on 32 rows costs far less than 32 calls on one row (weights are
read once, kernels run on matrices instead of vectors, per-call overhead is paid once).

:class:`DynamicBatcher` (TTS and any one-shot model) keeps one FIFO per *length bucket*, so short
and long utterances are not padded to each other. A bucket is dispatched as soon as it holds
``max_batch`` requests, or when its oldest request has waited ``max_wait_s``. A batch that fails is
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

import bisect
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

from serving.lm_engine import DecodeBatch, LMEngine, pick_token
from serving.metrics import ServingMetrics

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("serving.batching")


class OverloadedError(RuntimeError):
    """Raised by ``submit`` when the queue is full: retry later (HTTP 503)."""


class BatcherClosedError(RuntimeError):
    """Raised by ``submit`` after ``close()``."""


@dataclass(frozen=True)
class BatchPolicy:
    """How the dynamic batcher forms batches.

    ``bucket_edges``: a request of length n goes to the first bucket whose edge is >= n (longer
    ones share a last bucket), so a batch pads at most to its bucket's edge.
    ``max_batch_tokens``: a cap on rows x padded length. On a CPU a voice is compute- and
    memory-bound: a batch of 32 long utterances (tens of MB of activations) runs slower per
    request than one at a time, so long requests get small batches and short ones large batches.
    """

    max_batch: int = 16
    max_wait_s: float = 0.01
    max_queue: int = 256
    bucket_edges: tuple[int, ...] = (16, 32, 64, 128, 256)
    max_batch_tokens: int | None = None

    def __post_init__(self) -> None:
        if (
            self.max_batch < 1
            or self.max_queue < 1
            or self.max_wait_s < 0
            or (self.max_batch_tokens or 1) < 1
        ):
            raise ValueError(f"need max_batch >= 1, max_queue >= 1, max_wait_s >= 0; got {self}")
        if list(self.bucket_edges) != sorted(set(self.bucket_edges)):
            raise ValueError(f"bucket_edges must be strictly increasing, got {self.bucket_edges}")

    def bucket_of(self, length: int) -> int:
        """Index of the bucket for a request of ``length``.

        >>> BatchPolicy(bucket_edges=(16, 64)).bucket_of(17)
        1
        """
        return bisect.bisect_left(self.bucket_edges, length)

    def batch_size(self, lengths: Sequence[int]) -> int:
        """How many of ``lengths`` (queue order) the next batch takes: up to ``max_batch`` rows whose
        padded size (rows x longest) stays within ``max_batch_tokens``; always at least one.

        >>> BatchPolicy(max_batch=8, max_batch_tokens=100).batch_size([30, 20, 40, 10])
        2
        """
        taken, longest = 0, 0
        for length in lengths[: self.max_batch]:
            longest = max(longest, length)
            if taken and self.max_batch_tokens is not None and (taken + 1) * longest > self.max_batch_tokens:
                break
            taken += 1
        return taken


@dataclass(eq=False)
class _Pending(Generic[T, R]):
    item: T
    future: Future[R]
    length: int
    bucket: int
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
        self._buckets: dict[int, deque[_Pending[T, R]]] = {}
        self._size = 0
        self._closed = False
        self._cond = threading.Condition()
        self._worker = threading.Thread(target=self._serve, name=f"{name}-batcher", daemon=True)
        self._worker.start()

    @property
    def queue_depth(self) -> int:
        with self._cond:
            return self._size

    def submit(self, item: T) -> Future[R]:
        """Queue one request; its future resolves to the result or the request's own error."""
        length = self.length_of(item)
        future: Future[R] = Future()
        pending = _Pending(item, future, length, self.policy.bucket_of(length), self.clock())
        with self._cond:
            if self._closed:
                raise BatcherClosedError(f"{self.name} batcher is closed")
            if self._size >= self.policy.max_queue:
                raise OverloadedError(
                    f"{self.name} queue is full ({self.policy.max_queue} waiting); retry later"
                )
            self._buckets.setdefault(pending.bucket, deque()).append(pending)
            self._size += 1
            self._report_depth()
            self._cond.notify()
        future.add_done_callback(lambda f: self._forget(pending) if f.cancelled() else None)
        return future

    def close(self) -> None:
        """Stop the worker; requests still queued are cancelled."""
        with self._cond:
            self._closed = True
            leftovers = [p for bucket in self._buckets.values() for p in bucket]
            self._buckets.clear()
            self._size = 0
            self._cond.notify_all()
        for pending in leftovers:
            pending.future.cancel()
        self._worker.join(timeout=5)

    def _forget(self, pending: _Pending[T, R]) -> None:
        with self._cond:
            bucket = self._buckets.get(pending.bucket)
            if bucket is not None and pending in bucket:
                bucket.remove(pending)
                self._size -= 1
                self._report_depth()

    def _report_depth(self) -> None:
        if self.metrics is not None:
            self.metrics.set_queue_depth(self.name, self._size)

    def _next_batch(self) -> list[_Pending[T, R]] | None:
        """Block until a bucket is full or its oldest request's wait is over; take that batch."""
        with self._cond:
            while True:
                live = {b: q for b, q in self._buckets.items() if q}
                if not live:
                    if self._closed:
                        return None
                    self._cond.wait()
                    continue
                # Ready: full buckets and buckets whose oldest request has waited max_wait. The ready
                # bucket with the oldest request goes first, so a trickle of short requests that
                # keeps filling one bucket never starves a half-empty one.
                now = self.clock()
                deadline = {b: q[0].arrived + self.policy.max_wait_s for b, q in live.items()}
                ready = [
                    b
                    for b, q in live.items()
                    if deadline[b] <= now
                    or self._closed
                    or len(q) >= self.policy.max_batch
                    or self._takes(q) < len(q)
                ]
                if ready:
                    return self._take(live[min(ready, key=lambda b: live[b][0].arrived)])
                wait = min(deadline.values()) - now
                self._cond.wait(timeout=wait)

    def _takes(self, bucket: deque[_Pending[T, R]]) -> int:
        return self.policy.batch_size([p.length for p in itertools.islice(bucket, self.policy.max_batch)])

    def _take(self, bucket: deque[_Pending[T, R]]) -> list[_Pending[T, R]]:
        batch: list[_Pending[T, R]] = []
        size = self._takes(bucket)
        while bucket and len(batch) < size:
            pending = bucket.popleft()
            self._size -= 1
            if pending.future.set_running_or_notify_cancel():
                batch.append(pending)
        self._report_depth()
        return batch

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
            for handle in admitted:
                self._prefill(handle, batch)
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

    def _prefill(self, handle: StreamHandle, batch: DecodeBatch) -> None:
        """Run a new stream's prompt and let it join the batch; its errors end only this stream."""
        if handle.cancelled:
            handle._finish("cancelled")
            return
        try:
            logits, cache = self.lm.prefill(handle.request.prompt_ids)
            token = pick_token(logits, handle.request.temperature, handle.rng)
            key = next(self._ids)
            batch.add(key, cache, next_token=token)
        except Exception as error:
            handle._fail(error)
            return
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


def _finish_reason(handle: StreamHandle) -> str | None:
    if handle.cancelled:
        return "cancelled"
    if handle.tokens and handle.tokens[-1] in handle.request.stop_ids:
        return "stop"
    if len(handle.tokens) >= handle.request.max_new_tokens:
        return "length"
    return None
