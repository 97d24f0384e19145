"""IOBinding: the LM's KV cache crosses to the device once per join and then stays there.

The CUDA path cannot run on a CPU-only machine, so its binding decisions (which device, which id,
what is kept and what is fetched) are checked against a recording stand-in for onnxruntime's
``IOBinding``; the same code then runs for real on the CPU provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest

from serving.engine import DeviceTensors, EngineSession, load_session
from serving.lm_engine import LMEngine
from serving.providers import CPU, CUDA
from serving.synthetic_graphs import DecoderLMConfig, build_decoder_lm

LM_SHAPE = DecoderLMConfig(
    vocab_size=97, hidden=32, layers=2, kv_heads=2, head_dim=16, ffn=64, max_positions=64
)


class RecordingBinding:
    """Records what DeviceTensors asks of onnxruntime's IOBinding."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def bind_ortvalue_input(self, name: str, value: object) -> None:
        self.calls.append(("input", name, value))

    def bind_output(self, name: str, device_type: str = "cpu", device_id: int = 0) -> None:
        self.calls.append(("output", name, device_type, device_id))

    def synchronize_inputs(self) -> None:
        self.calls.append(("sync inputs",))

    def synchronize_outputs(self) -> None:
        self.calls.append(("sync outputs",))

    def get_outputs(self) -> list[str]:
        return [call[1] for call in self.calls if call[0] == "output"]


class GpuSessionStandIn:
    """Just enough of an InferenceSession placed on CUDA device 1."""

    def __init__(self) -> None:
        self.binding = RecordingBinding()
        self.ran_with: object = None

    def get_providers(self) -> list[str]:
        return [CUDA, CPU]

    def get_provider_options(self) -> dict[str, dict[str, str]]:
        return {CUDA: {"device_id": "1"}, CPU: {}}

    def get_inputs(self) -> list[object]:
        return []

    def get_outputs(self) -> list[object]:
        return []

    def io_binding(self) -> RecordingBinding:
        return self.binding

    def run_with_iobinding(self, binding: RecordingBinding) -> None:
        self.ran_with = binding


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> LMEngine:
    path = build_decoder_lm(tmp_path_factory.mktemp("lm") / "lm.onnx", LM_SHAPE)
    return LMEngine(load_session(path, "cpu"), max_positions=LM_SHAPE.max_positions)


def test_a_cuda_session_binds_kept_outputs_on_its_own_gpu_and_fetched_ones_on_the_host() -> None:
    session = GpuSessionStandIn()
    engine = EngineSession(session, Path("lm.onnx"), "cuda")
    assert engine.device == ("cuda", 1)
    step = DeviceTensors(engine)
    step.bind_device("past_key_values.0.key", "resident cache")
    step.keep("present.0.key")
    step.fetch("logits")
    outputs = step.run()
    assert session.binding.calls == [
        ("input", "past_key_values.0.key", "resident cache"),
        ("output", "present.0.key", "cuda", 1),
        ("output", "logits", "cpu", 0),
        ("sync inputs",),
        ("sync outputs",),
    ]
    assert session.ran_with is session.binding
    assert outputs == {"present.0.key": "present.0.key", "logits": "logits"}


def test_a_cpu_session_binds_everything_on_the_host(lm: LMEngine) -> None:
    assert lm.engine.device == ("cpu", 0)


def count_uploads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """Shapes of every host array copied to the device from now on."""
    shapes: list[tuple[int, ...]] = []
    upload = EngineSession.to_device

    def recording(self: EngineSession, array: np.ndarray) -> Any:
        shapes.append(array.shape)
        return upload(self, array)

    monkeypatch.setattr(EngineSession, "to_device", recording)
    return shapes


def count_downloads(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Shapes of every device tensor read back to the host from now on."""
    shapes: list[list[int]] = []
    download = ort.OrtValue.numpy

    def recording(self: ort.OrtValue) -> np.ndarray:
        shapes.append(self.shape())
        return download(self)

    monkeypatch.setattr(ort.OrtValue, "numpy", recording)
    return shapes


def greedy(lm: LMEngine, prompt: list[int], steps: int) -> list[int]:
    logits, cache = lm.prefill(prompt)
    batch = lm.new_batch()
    tokens = [int(np.argmax(logits))]
    batch.add("only", cache, next_token=tokens[0])
    for _ in range(steps - 1):
        tokens.append(int(np.argmax(batch.step()["only"])))
        batch.set_next_tokens({"only": tokens[-1]})
    return tokens


def test_prefills_joins_departures_and_steps_never_move_a_cache_across_the_bus(
    lm: LMEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads, downloads = count_uploads(monkeypatch), count_downloads(monkeypatch)
    batch = lm.new_batch()
    for key, prompt in (("a", [1, 2, 3]), ("b", [4, 5]), ("c", list(range(9)))):
        _, cache = lm.prefill(prompt)
        batch.add(key, cache, next_token=7)
        batch.step()
    batch.remove({"c"})
    batch.set_next_tokens({"a": 3, "b": 9})
    batch.step()
    assert all(shape[-1] == LM_SHAPE.vocab_size for shape in downloads)  # only logits came back
    assert [shape for shape in uploads if len(shape) == 4] == []  # prefill leaves its cache on the device
    assert all(isinstance(value, ort.OrtValue) for value in batch.cache)


def test_a_step_uploads_only_its_token_position_and_mask(
    lm: LMEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = lm.new_batch()
    for key, prompt in (("a", [1, 2, 3]), ("b", [4, 5])):
        _, cache = lm.prefill(prompt)
        batch.add(key, cache, next_token=7)
    uploads = count_uploads(monkeypatch)
    for _ in range(3):
        uploads.clear()
        batch.step()
        batch.set_next_tokens({"a": 3, "b": 9})
        assert uploads == [(2, 1), (2, 1), (2, batch.mask.shape[1])]


def test_device_side_joins_and_trims_keep_every_stream_exact(lm: LMEngine) -> None:
    prompts = {"a": [7, 8, 9], "b": [42] * 12, "c": [5]}
    expected = {key: greedy(lm, prompt, 7) for key, prompt in prompts.items()}
    batch = lm.new_batch()
    got: dict[str, list[int]] = {key: [] for key in prompts}
    joins = {0: "a", 1: "b", 3: "c"}
    for step in range(9):
        if step in joins:
            key = joins[step]
            logits, cache = lm.prefill(prompts[key])
            got[key].append(int(np.argmax(logits)))
            batch.add(key, cache, next_token=got[key][0])
        finished = {key for key in batch.keys if len(got[key]) == 7}
        batch.remove(finished)
        for key, row in batch.step().items():
            got[key].append(int(np.argmax(row)))
        batch.set_next_tokens({key: got[key][-1] for key in batch.keys})
    assert {key: tokens[:7] for key, tokens in got.items()} == expected
    assert batch.cache[0].shape()[2] == batch.mask.shape[1]


def test_the_cache_editor_pads_joins_and_selects_exactly_like_numpy(lm: LMEngine) -> None:
    rng = np.random.default_rng(0)
    tensors = 2 * LM_SHAPE.layers
    old = [rng.standard_normal((2, 2, 5, 16), dtype=np.float32) for _ in range(tensors)]
    new = [rng.standard_normal((1, 2, 3, 16), dtype=np.float32) for _ in range(tensors)]
    editor, engine = lm.editor, lm.engine
    joined = editor.join([engine.to_device(x) for x in old], 1, [engine.to_device(x) for x in new], 3)
    for value, before, joining in zip(joined, old, new, strict=True):
        expected = np.concatenate(
            [
                np.pad(before, [(0, 0), (0, 0), (1, 0), (0, 0)]),
                np.pad(joining, [(0, 0), (0, 0), (3, 0), (0, 0)]),
            ]
        )
        np.testing.assert_array_equal(value.numpy(), expected)
    selected = editor.select(joined, rows=[2, 0], start=2)
    for value, source in zip(selected, joined, strict=True):
        np.testing.assert_array_equal(value.numpy(), source.numpy()[[2, 0], :, 2:])


class _FakeSession:
    def __init__(self, options: dict[str, dict[str, str]]) -> None:
        self._options = options

    def get_provider_options(self) -> dict[str, dict[str, str]]:
        return self._options


class _FakeLM:
    def __init__(self, device: tuple[str, int], options: dict[str, dict[str, str]]) -> None:
        self.device = device
        self.session = _FakeSession(options)


def test_the_cache_editor_copies_on_the_lms_gpu_with_the_lms_cuda_settings() -> None:
    from serving.kv_cache import editor_providers
    from serving.providers import CPU, CUDA

    reported = {
        CUDA: {
            "device_id": "1",
            "arena_extend_strategy": "kNextPowerOfTwo",
            "gpu_mem_limit": "4294967296",
            "cudnn_conv_algo_search": "EXHAUSTIVE",
            "do_copy_in_default_stream": "1",
            "tunable_op_enable": "0",
        }
    }
    (cuda, cuda_options), cpu = editor_providers(_FakeLM(("cuda", 1), reported))
    assert (cuda, cpu) == (CUDA, (CPU, {}))
    assert cuda_options["device_id"] == "1"
    assert cuda_options["arena_extend_strategy"] == "kNextPowerOfTwo"
    assert cuda_options["gpu_mem_limit"] == "4294967296"
    assert "tunable_op_enable" not in cuda_options  # only the settings the package manages travel
    assert editor_providers(_FakeLM(("cpu", 0), {})) == [(CPU, {})]
