"""The Ray path's parts that need no cluster: the batching model, shipping and committing an
episode folder (one writer, none twice), options, and which errors are the device's fault."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from droidpilot.errors import ConfigError, DeviceError, PlannerError
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.policy.distributed import (
    INCOMING,
    EpisodeFiles,
    RayOptions,
    _device_failure,
    commit_episode,
)
from droidpilot.policy.shared_model import BatchingModel, BatchStats
from droidpilot.policy.trajectory import EPISODE
from droidpilot.types import Completion, Message, Sampling


class Recording(ScriptedBackend):
    """Echoes each request's last message; records the size of every batch."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        super().__init__(lambda r: f"<think>x</think>\nanswer({r.messages[-1].content})")
        self.delay, self.fail = delay, fail
        self.batches: list[int] = []
        self.threads: set[int] = set()

    def complete_batch(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        self.batches.append(len(requests))
        self.threads.add(threading.get_ident())
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("out of GPU memory")
        return [self.complete(r) for r in requests]


def req(text: str, temperature: float = 0.0) -> CompletionRequest:
    return CompletionRequest(
        messages=(Message(role="user", content=text),),
        sampling=Sampling(temperature=temperature, top_p=1.0, max_tokens=8),
    )


def test_concurrent_requests_are_batched_and_answered_in_order() -> None:
    backend = Recording(delay=0.05)
    model = BatchingModel(backend, max_batch=4, max_wait_s=0.02)

    async def main() -> list[Completion]:
        first = asyncio.ensure_future(model.complete(req("a")))
        await asyncio.sleep(0.005)  # the first batch is being made: the rest pile up
        rest = [model.complete(req(c)) for c in "bcdefg"]
        return [await first, *await asyncio.gather(*rest)]

    out = asyncio.run(main())
    assert [c.text for c in out] == [f"answer({c})" for c in "abcdefg"]
    stats = model.stats()
    assert stats.sizes == tuple(backend.batches)
    assert stats.requests == 7
    assert stats.largest == 4  # capped at max_batch
    assert stats.batches < 7
    assert threading.get_ident() not in backend.threads  # generated off the event loop


def test_a_batch_shares_its_sampling() -> None:
    backend = Recording()
    model = BatchingModel(backend, max_batch=8, max_wait_s=0.05)

    async def main() -> None:
        await asyncio.gather(*(model.complete(req(str(i), temperature=i % 2)) for i in range(6)))

    asyncio.run(main())
    assert sorted(backend.batches) == [3, 3]


def test_a_failed_batch_fails_each_caller_with_a_planner_error() -> None:
    model = BatchingModel(Recording(fail=True), max_batch=4, max_wait_s=0.01)

    async def main() -> list[BaseException | Completion]:
        return await asyncio.gather(*(model.complete(req(c)) for c in "ab"), return_exceptions=True)

    out = asyncio.run(main())
    assert all(isinstance(e, PlannerError) for e in out)
    assert "out of GPU memory" in str(out[0])


def test_batch_stats() -> None:
    stats = BatchStats(sizes=(1, 3, 2))
    assert (stats.requests, stats.batches, stats.largest, stats.mean) == (6, 3, 3, 2.0)
    assert BatchStats().mean == 0.0
    with pytest.raises(ConfigError):
        BatchingModel(Recording(), max_batch=0)


def episode(tmp: Path, name: str, steps: int = 2, finished: bool = True) -> EpisodeFiles:
    src = tmp / "src" / name
    (src / "screens").mkdir(parents=True)
    (src / "steps.jsonl").write_text("{}\n" * steps, encoding="utf-8")
    (src / "screens" / "0000.png").write_bytes(b"\x89PNG")
    if finished:
        (src / EPISODE).write_text(json.dumps({"steps": steps}), encoding="utf-8")
    return EpisodeFiles.pack(src)


def test_commit_puts_an_episode_in_place_once(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    files = episode(tmp_path, "000000-T-s0")
    assert {rel for rel, _ in files.files} == {EPISODE, "steps.jsonl", "screens/0000.png"}
    assert files.size > 0
    assert commit_episode(run, "000000-T-s0", files)
    assert (run / "000000-T-s0" / "screens" / "0000.png").read_bytes() == b"\x89PNG"
    # a second copy (a retried worker that finished after all) is dropped, the first kept
    other = episode(tmp_path / "b", "000000-T-s0", steps=5)
    assert not commit_episode(run, "000000-T-s0", other)
    assert (run / "000000-T-s0" / EPISODE).read_text(encoding="utf-8") == json.dumps({"steps": 2})
    assert not any((run / INCOMING).iterdir())


def test_commit_replaces_a_cut_off_folder_and_refuses_an_unfinished_one(tmp_path: Path) -> None:
    run = tmp_path / "run"
    cut = run / "000001-T-s0"
    cut.mkdir(parents=True)
    (cut / "steps.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(DeviceError, match="without"):
        commit_episode(run, "000001-T-s0", episode(tmp_path, "x", finished=False))
    assert (cut / "steps.jsonl").exists()  # untouched
    assert commit_episode(run, "000001-T-s0", episode(tmp_path / "b", "000001-T-s0", steps=3))
    assert (cut / "steps.jsonl").read_text(encoding="utf-8") == "{}\n" * 3


def test_unpack_stays_inside_its_folder(tmp_path: Path) -> None:
    bad = EpisodeFiles(files=(("../evil.txt", b"x"),))
    with pytest.raises(DeviceError, match="outside"):
        bad.unpack(tmp_path / "ep")
    assert not (tmp_path / "evil.txt").exists()


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError):
        RayOptions(workers=0)
    with pytest.raises(ConfigError, match="device_for_serial"):
        RayOptions(devices="adb")
    with pytest.raises(ConfigError):
        RayOptions(max_attempts=0)
    with pytest.raises(ConfigError):
        RayOptions(episode_timeout_s=0)
    assert RayOptions(devices="adb", workers=0, device_for_serial=str).workers == 0  # type: ignore[arg-type]


def test_which_errors_are_the_devices_fault() -> None:
    assert _device_failure("DeviceTimeout: [emulator-5554] no answer")
    assert _device_failure("DeviceDisconnected: gone")
    assert _device_failure("NotSupportedError: no shell")
    assert not _device_failure("ModelTimeout: slow")
    assert not _device_failure(None)
