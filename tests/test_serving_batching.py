"""Batcher semantics: continuous dispatch, length grouping, max batch, age, cancellation, overload."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError

import numpy as np
import pytest

from serving.batching import (
    BatchPolicy,
    ContinuousBatcher,
    DynamicBatcher,
    GenerationRequest,
    OverloadedError,
)
from serving.engine import load_session
from serving.lm_engine import InvalidPromptError, LMEngine
from serving.metrics import ServingMetrics
from serving.synthetic_graphs import DecoderLMConfig, build_decoder_lm


class RecordingModel:
    """A stand-in model: doubles numbers, records each batch, can be held at a gate, fails on negatives."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __call__(self, items: list[int]) -> list[int]:
        self.entered.set()
        self.gate.wait(10)
        self.batches.append(list(items))
        if any(i < 0 for i in items):
            raise ValueError(f"negative input in {items}")
        return [2 * i for i in items]


@pytest.fixture
def model() -> RecordingModel:
    return RecordingModel()


def make_batcher(model: RecordingModel, **policy: object) -> DynamicBatcher[int, int]:
    return DynamicBatcher(model, length_of=abs, policy=BatchPolicy(**policy), metrics=ServingMetrics())


def hold(model: RecordingModel, batcher: DynamicBatcher[int, int]) -> None:
    """Keep the worker busy with one request, so the next ones queue up as they do under load."""
    model.gate.clear()
    batcher.submit(1)
    assert model.entered.wait(5)


def after_hold(model: RecordingModel) -> list[list[int]]:
    return model.batches[1:]


# ------------------------------------------------------------------------ planning (pure functions)


def padded(batch: list[int]) -> int:
    return len(batch) * max(batch)


def test_the_largest_group_within_the_padding_cap_goes_first() -> None:
    policy = BatchPolicy(max_batch=8, max_wait_s=1.0, max_padding_waste=0.3)
    lengths = [100, 10, 105, 11, 12, 98, 13]
    assert policy.plan(lengths, oldest_wait_s=0.0) == [1, 3, 4, 6]


def test_equal_groups_go_in_the_order_of_their_oldest_request() -> None:
    policy = BatchPolicy(max_batch=8, max_wait_s=1.0, max_padding_waste=0.3)
    assert policy.plan([100, 10, 105, 11, 12, 98], oldest_wait_s=0.0) == [0, 2, 5]
    assert policy.plan([10, 100, 105, 11, 12, 98], oldest_wait_s=0.0) == [0, 3, 4]


def test_an_overdue_request_anchors_the_next_batch_whatever_fits_better() -> None:
    policy = BatchPolicy(max_batch=8, max_wait_s=0.05, max_padding_waste=0.3)
    lengths = [300, 10, 10, 10, 290, 11]
    assert policy.plan(lengths, oldest_wait_s=0.01) == [1, 2, 3, 5]  # not yet: length wins
    assert policy.plan(lengths, oldest_wait_s=0.05) == [0, 4]  # overdue: the oldest and its fit


def test_with_one_row_per_batch_requests_are_served_first_come_first_served() -> None:
    policy = BatchPolicy(max_batch=1, max_wait_s=1.0)
    assert policy.drain([50, 10, 52, 11, 200]) == [[0], [1], [2], [3], [4]]


def test_a_request_over_the_token_cap_still_runs_alone() -> None:
    policy = BatchPolicy(max_batch=8, max_batch_tokens=256)
    assert policy.drain([400, 400, 10]) == [[0], [1], [2]]


def test_drained_batches_respect_every_cap_and_serve_every_request_once() -> None:
    rng = np.random.default_rng(7)
    for max_batch, waste, tokens in [(32, 0.3, None), (8, 0.1, 512), (16, 1.0, 2048), (4, 0.0, None)]:
        policy = BatchPolicy(max_batch=max_batch, max_padding_waste=waste, max_batch_tokens=tokens)
        lengths = rng.integers(1, 400, size=300).tolist()
        batches = policy.drain(lengths)
        assert sorted(i for b in batches for i in b) == list(range(300))
        for batch in batches:
            rows = [lengths[i] for i in batch]
            assert len(rows) <= max_batch
            if len(rows) > 1:
                assert padded(rows) <= (1 + waste) * sum(rows)
                assert tokens is None or padded(rows) <= tokens


def test_length_grouping_cuts_padding_far_below_fifo_batches() -> None:
    lengths = np.random.default_rng(3).integers(40, 400, size=256).tolist()
    grouped = BatchPolicy(max_batch=32, max_padding_waste=0.3).drain(lengths)
    fifo = [list(range(i, i + 32)) for i in range(0, 256, 32)]

    def waste(batches: list[list[int]]) -> float:
        return sum(padded([lengths[i] for i in b]) for b in batches) / sum(lengths) - 1

    assert waste(grouped) <= 0.3 < waste(fifo)
    assert np.mean([len(b) for b in grouped]) >= 8  # and batches stay large


def test_batch_policy_refuses_negative_padding_waste() -> None:
    with pytest.raises(ValueError, match="max_padding_waste >= 0"):
        BatchPolicy(max_padding_waste=-0.1)


# ------------------------------------------------------------------------------- the dynamic batcher


def test_a_lone_request_on_an_idle_batcher_runs_at_once_not_after_max_wait(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=64, max_wait_s=600.0)
    assert batcher.submit(3).result(timeout=30) == 6  # max_wait is ten minutes
    assert model.batches == [[3]]
    batcher.close()


def test_requests_queued_while_a_batch_runs_go_together_in_batches_of_at_most_max_batch(
    model: RecordingModel,
) -> None:
    batcher = make_batcher(model, max_batch=4, max_wait_s=600.0)
    hold(model, batcher)
    futures = [batcher.submit(5) for _ in range(10)]
    model.gate.set()
    assert [f.result(timeout=5) for f in futures] == [10] * 10
    assert [len(b) for b in after_hold(model)] == [4, 4, 2]
    batcher.close()


def test_queued_requests_are_grouped_by_length(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=8, max_wait_s=600.0, max_padding_waste=0.3)
    hold(model, batcher)
    futures = [batcher.submit(n) for n in (20, 50, 22, 55, 21, 200)]
    model.gate.set()
    for future in futures:
        future.result(timeout=5)
    assert after_hold(model) == [[20, 22, 21], [50, 55], [200]]
    batcher.close()


def test_an_old_request_is_not_passed_over_once_it_waited_max_wait(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=4, max_wait_s=0.02)
    hold(model, batcher)
    lonely = batcher.submit(50)
    time.sleep(0.1)  # its wait is over before the better-fitting crowd arrives
    crowd = [batcher.submit(2) for _ in range(8)]
    model.gate.set()
    for future in [lonely, *crowd]:
        future.result(timeout=5)
    assert after_hold(model)[0] == [50]
    batcher.close()


def test_before_max_wait_a_fuller_group_may_go_ahead_of_an_older_request(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=4, max_wait_s=600.0)
    hold(model, batcher)
    lonely = batcher.submit(50)
    crowd = [batcher.submit(2) for _ in range(8)]
    model.gate.set()
    for future in [lonely, *crowd]:
        future.result(timeout=5)
    assert after_hold(model) == [[2] * 4, [2] * 4, [50]]
    batcher.close()


def test_a_padded_token_budget_keeps_long_requests_in_small_batches(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=8, max_wait_s=0.05, max_padding_waste=10.0, max_batch_tokens=200)
    hold(model, batcher)
    long = [batcher.submit(90) for _ in range(3)]
    short = [batcher.submit(10) for _ in range(8)]
    model.gate.set()
    for future in long + short:
        future.result(timeout=5)
    batches = after_hold(model)
    assert all(padded(b) <= 200 for b in batches)
    assert max(len(b) for b in batches) >= 7  # short requests still share large batches
    assert sorted(i for b in batches for i in b) == sorted([90] * 3 + [10] * 8)
    batcher.close()


def test_a_cancelled_request_never_reaches_the_model_and_frees_its_queue_slot(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=8, max_wait_s=0.01)
    hold(model, batcher)
    keep, drop = batcher.submit(5), batcher.submit(7)
    assert batcher.queue_depth == 2
    assert drop.cancel()
    assert batcher.queue_depth == 1
    model.gate.set()
    assert keep.result(timeout=5) == 10
    with pytest.raises(CancelledError):
        drop.result()
    assert all(7 not in b for b in model.batches)
    batcher.close()


def test_a_full_queue_refuses_new_requests_with_overloaded_error(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=2, max_wait_s=0.01, max_queue=3)
    hold(model, batcher)
    waiting = [batcher.submit(i) for i in (2, 3, 4)]
    with pytest.raises(OverloadedError, match="queue is full"):
        batcher.submit(5)
    waiting[0].cancel()
    later = batcher.submit(6)  # the cancelled request's slot is free again
    model.gate.set()
    assert later.result(timeout=5) == 12
    batcher.close()


def test_a_bad_request_fails_alone_and_its_batch_mates_succeed(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=8, max_wait_s=0.05)
    hold(model, batcher)
    good_a, bad, good_b = batcher.submit(3), batcher.submit(-3), batcher.submit(3)
    model.gate.set()
    assert good_a.result(timeout=5) == 6 and good_b.result(timeout=5) == 6
    with pytest.raises(ValueError, match="negative"):
        bad.result(timeout=5)
    assert after_hold(model)[0] == [3, -3, 3]  # it was batched with them, then retried alone
    batcher.close()


def test_closing_cancels_what_is_still_queued(model: RecordingModel) -> None:
    batcher = make_batcher(model, max_batch=8, max_wait_s=30.0)
    hold(model, batcher)
    queued = batcher.submit(9)
    model.gate.set()
    batcher.close()
    assert queued.cancelled() or queued.result(timeout=5) == 18


# ------------------------------------------------------------------------------ continuous batching


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> LMEngine:
    shape = DecoderLMConfig(
        vocab_size=300, hidden=64, layers=2, kv_heads=2, head_dim=32, ffn=128, max_positions=256
    )
    return LMEngine(
        load_session(build_decoder_lm(tmp_path_factory.mktemp("lm") / "lm.onnx", shape), "cpu"), 256
    )


@pytest.fixture
def decoder(lm: LMEngine) -> Iterator[ContinuousBatcher]:
    batcher = ContinuousBatcher(lm, max_streams=4, max_queue=4, metrics=ServingMetrics())
    yield batcher
    batcher.close()


def test_streams_submitted_while_others_decode_join_between_steps(decoder: ContinuousBatcher) -> None:
    long = decoder.submit(GenerationRequest((1, 2, 3), max_new_tokens=60))
    events = long.events(timeout=5)
    next(events)  # the long stream is decoding now
    short = [decoder.submit(GenerationRequest((i, i + 1), max_new_tokens=5)) for i in range(3)]
    results = [s.result(timeout=10) for s in short]
    assert all(r.finish_reason == "length" and len(r.token_ids) == 5 for r in results)
    assert not long.future.done()  # the short ones finished without waiting for the long one
    assert len(long.result(timeout=20).token_ids) == 60
    assert decoder.metrics is not None
    assert decoder.metrics.snapshot()["lm"]["batch_occupancy"]["p99"] >= 0.75  # four streams shared steps


def test_continuous_batching_gives_each_stream_what_it_would_get_alone(lm: LMEngine) -> None:
    prompts = [(5,), (1, 2, 3, 4, 5, 6, 7), (200, 100)]
    alone = []
    for prompt in prompts:
        solo = ContinuousBatcher(lm, max_streams=1)
        alone.append(solo.submit(GenerationRequest(prompt, max_new_tokens=12)).result(timeout=10).token_ids)
        solo.close()
    together = ContinuousBatcher(lm, max_streams=8)
    handles = [together.submit(GenerationRequest(p, max_new_tokens=12)) for p in prompts]
    assert [h.result(timeout=10).token_ids for h in handles] == alone
    together.close()


class DecoderHold:
    """An ``on_event`` listener that holds the decoder thread at a stream's first token until released."""

    def __init__(self) -> None:
        self.entered, self.gate = threading.Event(), threading.Event()

    def __call__(self, _: object) -> None:
        self.entered.set()
        self.gate.wait(30)


def test_a_cancelled_stream_stops_and_reports_cancelled(decoder: ContinuousBatcher) -> None:
    hold_it = DecoderHold()
    handle = decoder.submit(GenerationRequest((1, 2), max_new_tokens=200), on_event=hold_it)
    assert hold_it.entered.wait(5)
    handle.cancel()
    hold_it.gate.set()
    result = handle.result(timeout=10)
    assert result.finish_reason == "cancelled" and len(result.token_ids) == 1


def test_a_stop_token_ends_the_stream(lm: LMEngine, decoder: ContinuousBatcher) -> None:
    first = decoder.submit(GenerationRequest((9, 9), max_new_tokens=3)).result(timeout=10).token_ids[0]
    result = decoder.submit(GenerationRequest((9, 9), max_new_tokens=30, stop_ids=frozenset({first}))).result(
        10
    )
    assert result.finish_reason == "stop" and result.token_ids == (first,)


def test_bad_prompts_fail_at_submission_and_do_not_disturb_running_streams(
    decoder: ContinuousBatcher,
) -> None:
    running = decoder.submit(GenerationRequest((3, 4), max_new_tokens=20))
    with pytest.raises(InvalidPromptError):
        decoder.submit(GenerationRequest((3, 999), max_new_tokens=4))
    assert len(running.result(timeout=10).token_ids) == 20


def test_the_lm_queue_is_bounded(lm: LMEngine) -> None:
    batcher = ContinuousBatcher(lm, max_streams=1, max_queue=2)
    hold_it = DecoderHold()
    busy = batcher.submit(GenerationRequest((1,), max_new_tokens=250), on_event=hold_it)
    assert hold_it.entered.wait(5)
    queued = [batcher.submit(GenerationRequest((2,), max_new_tokens=2)) for _ in range(2)]
    with pytest.raises(OverloadedError, match="queue is full"):
        batcher.submit(GenerationRequest((3,), max_new_tokens=2))
    busy.cancel()
    hold_it.gate.set()
    assert all(len(q.result(timeout=10).token_ids) == 2 for q in queued)
    batcher.close()


def test_ttft_comes_before_the_end_and_tokens_stream_in_order(decoder: ContinuousBatcher) -> None:
    handle = decoder.submit(GenerationRequest((7,), max_new_tokens=6))
    streamed = [e.token_id for e in handle.events(timeout=5) if not e.done]
    result = handle.result(timeout=5)
    assert tuple(streamed) == result.token_ids
    assert 0 < result.ttft_s <= result.latency_s


def test_cancelling_a_streams_future_stops_the_stream(decoder: ContinuousBatcher) -> None:
    hold_it = DecoderHold()
    handle = decoder.submit(GenerationRequest((1, 2), max_new_tokens=200), on_event=hold_it)
    assert hold_it.entered.wait(5)
    assert handle.future.cancel()
    hold_it.gate.set()
    events = list(handle.events(timeout=10))
    assert events[-1].done and events[-1].result is not None
    assert events[-1].result.finish_reason == "cancelled"


def test_a_listener_that_raises_cancels_only_its_own_stream(decoder: ContinuousBatcher) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("event loop is closed")

    doomed = decoder.submit(GenerationRequest((1, 2), max_new_tokens=100), on_event=broken)
    healthy = decoder.submit(GenerationRequest((3, 4), max_new_tokens=10))
    assert doomed.result(timeout=10).finish_reason == "cancelled"
    assert len(healthy.result(timeout=10).token_ids) == 10


def test_prompts_prefilled_together_decode_as_they_would_alone(lm: LMEngine) -> None:
    prompts = [(5,), (1, 2, 3, 4, 5, 6, 7), (200, 100)]
    logits, cache, mask = lm.prefill_many(prompts)
    assert mask.tolist()[0] == [0] * 6 + [1] and mask.shape == (3, 7)
    together, apart = lm.new_batch(), lm.new_batch()
    together.add_rows([0, 1, 2], cache, mask, [int(row.argmax()) for row in logits])
    for key, prompt in enumerate(prompts):
        alone_logits, alone_cache = lm.prefill(prompt)
        np.testing.assert_allclose(logits[key], alone_logits, rtol=0, atol=1e-5)
        apart.add(key, alone_cache, int(alone_logits.argmax()))
    for _ in range(4):
        got, want = together.step(), apart.step()
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=1e-5)
        together.set_next_tokens({k: int(v.argmax()) for k, v in got.items()})
        apart.set_next_tokens({k: int(v.argmax()) for k, v in want.items()})


def test_streams_queued_together_share_one_prefill_call(lm: LMEngine) -> None:
    calls: list[int] = []

    class CountingLM:
        def __getattr__(self, name: str) -> object:
            return getattr(lm, name)

        def prefill_many(self, prompts: list[tuple[int, ...]]) -> object:
            calls.append(len(prompts))
            return lm.prefill_many(prompts)

    batcher = ContinuousBatcher(CountingLM(), max_streams=8)  # type: ignore[arg-type]
    hold_it = DecoderHold()
    first = batcher.submit(GenerationRequest((1,), max_new_tokens=2), on_event=hold_it)
    assert hold_it.entered.wait(5)  # the decoder is busy: the next three queue up
    queued = [batcher.submit(GenerationRequest((i, i + 1, i + 2), max_new_tokens=3)) for i in range(3)]
    hold_it.gate.set()
    assert all(len(h.result(timeout=10).token_ids) == 3 for h in queued)
    assert len(first.result(timeout=10).token_ids) == 2
    batcher.close()
    assert calls == [1, 3]


def test_a_prompt_that_breaks_a_shared_prefill_fails_alone(lm: LMEngine) -> None:
    class PoisonLM:
        def __getattr__(self, name: str) -> object:
            return getattr(lm, name)

        def prefill_many(self, prompts: list[tuple[int, ...]]) -> object:
            if (13, 13, 13) in prompts:
                raise RuntimeError("poisoned prompt")
            return lm.prefill_many(prompts)

    batcher = ContinuousBatcher(PoisonLM(), max_streams=8)  # type: ignore[arg-type]
    hold_it = DecoderHold()
    batcher.submit(GenerationRequest((1,), max_new_tokens=2), on_event=hold_it)
    assert hold_it.entered.wait(5)
    good = [batcher.submit(GenerationRequest((i, i, i), max_new_tokens=3)) for i in (11, 12)]
    bad = batcher.submit(GenerationRequest((13, 13, 13), max_new_tokens=3))
    hold_it.gate.set()
    assert all(len(h.result(timeout=10).token_ids) == 3 for h in good)
    with pytest.raises(RuntimeError, match="poisoned"):
        bad.result(timeout=10)
    batcher.close()
