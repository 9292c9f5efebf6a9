"""collect on a local Ray cluster (2 CPUs) that this module starts and stops: exactly N episodes
across W actors, a killed actor's episode run again, a stuck device restarted, a broken one
quarantined, a cut-off episode resumed, and one shared model batching several actors' requests.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.errors import DeviceNotFound
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.policy.agent import AgentConfig
from droidpilot.policy.distributed import INCOMING, RayCollectReport, RayOptions, ray_collect
from droidpilot.policy.rollout import WorkerSpec, collect
from droidpilot.policy.trajectory import EPISODE, STEPS
from droidpilot.tasks.registry import get
from droidpilot.types import Completion, Observation

from .conftest import ORDER

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
SPECS = (get(ORDER), get("FoodGoAskDishPrice"), get("WalletAskBalance"))
CONFIG = AgentConfig(guard="allow", screenshots=False)


@pytest.fixture(scope="module", autouse=True)
def cluster() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level="WARNING",
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    try:
        yield
    finally:
        ray.shutdown()


# ---------------------------------------------------------------- factories the actors run


def oracle(task: object) -> object:
    from droidpilot.policy.teacher import OraclePolicy

    return OraclePolicy(task)  # type: ignore[arg-type]


class DyingSim(SimDevice):
    """A simulated phone whose process dies (once in the whole test) at its n-th observe."""

    def __init__(self, marker: str, at: int, how: str) -> None:
        super().__init__(SimPhone(seed=0))
        self.marker, self.at, self.how, self.seen = marker, at, how, 0

    def observe(self) -> Observation:
        self.seen += 1
        if self.seen == self.at and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()), encoding="utf-8")
            if self.how == "die":
                os._exit(1)
            time.sleep(3600)  # "hang": the device stops answering
        return super().observe()


def dying_sim(marker: str, at: int, how: str) -> SimDevice:
    return DyingSim(marker, at, how)


def two_serials() -> Sequence[str]:
    return ("emulator-5554", "emulator-5556")


class GatedSim(SimDevice):
    """A simulated phone that shows its first screen only once ``gate`` exists."""

    def __init__(self, serial: str, gate: str) -> None:
        super().__init__(SimPhone(seed=0), serial=serial)
        self.gate = gate

    def observe(self) -> Observation:
        for _ in range(600):
            if os.path.exists(self.gate):
                break
            time.sleep(0.1)
        return super().observe()


def sim_or_missing(serial: str, gate: str = "") -> SimDevice:
    """emulator-5556 is missing (and says so through ``gate``); the rest are simulated phones
    (that wait for that, so the broken one is always tried before the work is done)."""
    if serial == "emulator-5556":
        if gate:
            Path(gate).touch()
        raise DeviceNotFound("no such device", serial=serial)
    return GatedSim(serial, gate) if gate else SimDevice(SimPhone(seed=0), serial=serial)


class SlowScripted(ScriptedBackend):
    """Plays a model that always goes back, taking ``delay`` seconds per generate call."""

    def __init__(self, delay: float) -> None:
        super().__init__(lambda _: "<think>go back</think>\nkey(back)", name="slow-scripted")
        self.delay = delay

    def complete_batch(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        time.sleep(self.delay)
        return [self.complete(r) for r in requests]


def slow_scripted(delay: float) -> SlowScripted:
    return SlowScripted(delay)


def sim0() -> SimDevice:
    return SimDevice(SimPhone(seed=0))


WORKER = WorkerSpec(make_device=sim0, make_decider=oracle, agent=CONFIG)  # type: ignore[arg-type]


# ---------------------------------------------------------------- checks


def check_run_dir(run_dir: Path, n: int) -> list[dict[str, object]]:
    """Exactly ``n`` finished episodes, each once, whole, of this run; no staging left."""
    eps = sorted(run_dir.glob(f"*/{EPISODE}"))
    assert len(eps) == n
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in eps]
    manifest = json.loads((run_dir / "collect.json").read_text(encoding="utf-8"))
    assert [d["episode_id"] for d in docs] == [p.parent.name for p in eps]
    assert [p.parent.name[:6] for p in eps] == [f"{i:06d}" for i in range(n)]
    for p, d in zip(eps, docs, strict=True):
        assert d["run_id"] == manifest["run_id"]
        lines = (p.parent / STEPS).read_text(encoding="utf-8").splitlines()
        assert len(lines) == d["steps"]
        assert [json.loads(x)["step"] for x in lines] == list(range(len(lines)))
    incoming = run_dir / INCOMING
    assert not incoming.exists() or not any(incoming.iterdir())
    return docs


def run(tmp_path: Path, n: int, worker: WorkerSpec = WORKER, **opts: object) -> RayCollectReport:
    options = RayOptions(**{"workers": 2, "actor_cpus": 0.5, **opts})  # type: ignore[arg-type]
    return ray_collect(tmp_path, specs=SPECS, episodes=n, worker=worker, options=options)


# ---------------------------------------------------------------- tests


def test_n_episodes_across_w_actors_give_exactly_n(tmp_path: Path) -> None:
    seen = []
    rep = ray_collect(
        tmp_path,
        specs=SPECS,
        episodes=7,
        worker=WORKER,
        options=RayOptions(workers=2, actor_cpus=0.5),
        on_result=seen.append,
    )
    assert rep.report.finished == rep.report.planned == 7
    assert len(seen) == 7
    assert all(r.success for r in rep.report.results)
    assert not rep.report.crashed
    assert rep.retries == 0
    assert rep.duplicates == 0
    assert len(rep.devices) == 2
    assert sum(d.episodes for d in rep.devices) == 7
    check_run_dir(tmp_path, 7)
    # a second call finds them all done: nothing runs again
    again = run(tmp_path, 7)
    assert again.report.already_done == 7
    assert not again.report.results


def test_a_killed_actor_mid_episode_still_gives_exactly_n(tmp_path: Path) -> None:
    marker = tmp_path.parent / f"{tmp_path.name}.died"
    worker = WorkerSpec(
        make_device=functools.partial(dying_sim, str(marker), 20, "die"),
        make_decider=oracle,  # type: ignore[arg-type]
        agent=CONFIG,
    )
    rep = run(tmp_path, 6, worker)
    assert marker.exists()  # an actor's process did die, mid-episode
    assert rep.report.finished == 6
    assert not rep.report.crashed
    assert rep.retries >= 1
    assert sum(d.restarts for d in rep.devices) >= 1
    assert not rep.quarantined
    docs = check_run_dir(tmp_path, 6)
    assert all(d["success"] for d in docs)


def test_a_device_that_stops_answering_is_restarted(tmp_path: Path) -> None:
    marker = tmp_path.parent / f"{tmp_path.name}.hung"
    worker = WorkerSpec(
        make_device=functools.partial(dying_sim, str(marker), 5, "hang"),
        make_decider=oracle,  # type: ignore[arg-type]
        agent=CONFIG,
    )
    events: list[tuple[str, str]] = []
    rep = ray_collect(
        tmp_path,
        specs=SPECS,
        episodes=4,
        worker=worker,
        # long enough for a healthy episode on a loaded 2-core CI machine (at 6 s, the healthy
        # actor's first episode, which imports the simulator, once timed out beside the hung one)
        options=RayOptions(workers=2, actor_cpus=0.5, episode_timeout_s=20.0),
        on_event=lambda what, dev: events.append((what, dev.name)),
    )
    assert marker.exists()
    assert rep.report.finished == 4
    assert not rep.report.crashed
    assert [w for w, _ in events] == ["restarted"]
    (hung,) = (d for d in rep.devices if d.restarts)
    assert "timed out" in (hung.last_error or "")
    check_run_dir(tmp_path, 4)


def test_each_nodes_adb_devices_and_a_broken_one_is_quarantined(tmp_path: Path) -> None:
    rep = run(
        tmp_path,
        5,
        devices="adb",
        workers=0,
        list_serials=two_serials,
        device_for_serial=functools.partial(sim_or_missing, gate=f"{tmp_path}.gate"),
        quarantine_after=1,
    )
    assert rep.report.finished == 5
    assert not rep.report.crashed
    by_serial = {d.serial: d for d in rep.devices}
    assert set(by_serial) == {"emulator-5554", "emulator-5556"}
    bad = by_serial["emulator-5556"]
    assert bad.quarantined
    assert bad.state == "quarantined"
    assert bad.episodes == 0
    assert bad.failures == 1
    assert "DeviceNotFound" in (bad.last_error or "")
    assert rep.quarantined == (bad,)
    assert by_serial["emulator-5554"].episodes == 5
    check_run_dir(tmp_path, 5)


def test_all_devices_broken_leaves_the_episodes_for_next_time(tmp_path: Path) -> None:
    rep = run(
        tmp_path,
        3,
        devices="adb",
        workers=0,
        list_serials=lambda: ("emulator-5556",),
        device_for_serial=sim_or_missing,
        quarantine_after=2,
    )
    (bad,) = rep.devices
    assert bad.quarantined
    assert (bad.failures, bad.restarts) == (2, 1)  # restarted once, failed again: quarantined
    assert rep.report.finished == 0
    assert len(rep.report.crashed) == 3
    assert all("quarantined" in (r.crashed or "") for r in rep.report.crashed)
    assert not list(tmp_path.glob(f"*/{EPISODE}"))


def test_a_cut_off_episode_is_resumed_on_the_cluster(tmp_path: Path) -> None:
    local = collect(tmp_path, specs=SPECS, episodes=2, worker=WORKER)
    assert local.finished == 2
    victim = tmp_path / local.results[0].job.episode_id
    (victim / EPISODE).unlink()
    lines = (victim / STEPS).read_bytes().splitlines(keepends=True)
    (victim / STEPS).write_bytes(b"".join(lines[:4]))
    untouched = tmp_path / local.results[1].job.episode_id / EPISODE
    stamp = untouched.stat().st_mtime_ns
    rep = run(tmp_path, 4)
    assert rep.report.already_done == 1
    assert sorted(r.job.index for r in rep.report.results) == [0, 2, 3]
    assert [r.resumed for r in rep.report.results] == [True, False, False]
    assert all(r.success for r in rep.report.results)
    assert untouched.stat().st_mtime_ns == stamp
    check_run_dir(tmp_path, 4)


def test_the_shared_model_actor_batches_requests_of_several_actors(tmp_path: Path) -> None:
    worker = WorkerSpec(
        make_device=sim0,
        make_decider=oracle,  # type: ignore[arg-type]  # the shared model's planner replaces it
        agent=AgentConfig(guard="allow", screenshots=False, max_steps=4),
    )
    rep = run(
        tmp_path,
        4,
        worker,
        model=functools.partial(slow_scripted, 0.15),
        model_cpus=0.5,
        actor_cpus=0.5,
        # a lone request waits for the other actor's (a 0.05 s wait gave only batches of one
        # on a loaded machine, where a step of the simulated phone takes seconds)
        max_batch=2,
        batch_wait_s=5.0,
    )
    assert rep.report.finished == 4
    docs = check_run_dir(tmp_path, 4)
    assert {d["model"] for d in docs} == {"slow-scripted"}
    # one request per step plus the plan of each episode, all through the model actor
    steps = sum(int(str(d["steps"])) for d in docs)
    assert sum(rep.batch_sizes) >= steps
    assert max(rep.batch_sizes) >= 2, rep.batch_sizes  # two actors' requests in one generate


def test_the_shared_model_can_be_the_tiny_qwen2(tmp_path: Path, tiny_model: Path) -> None:
    from droidpilot.planner.backends import open_backend

    worker = WorkerSpec(
        make_device=sim0,
        make_decider=oracle,  # type: ignore[arg-type]
        agent=AgentConfig(guard="allow", screenshots=False, max_steps=2),
    )
    rep = run(
        tmp_path,
        2,
        worker,
        model=functools.partial(open_backend, "transformers", model=str(tiny_model), device="cpu"),
        model_cpus=1,
        actor_cpus=0.5,
        # the model actor holds a lone request until the other actor's arrives, so the two
        # episodes go through generate together however unevenly a loaded machine starts them
        # (with a 0.1 s wait, CI once saw only batches of one); a tail left alone waits 5 s
        max_batch=2,
        batch_wait_s=5.0,
    )
    assert rep.report.finished == 2
    docs = check_run_dir(tmp_path, 2)
    assert all(d["model"] for d in docs)
    assert sum(rep.batch_sizes) >= 4, rep.batch_sizes
    assert max(rep.batch_sizes) >= 2, rep.batch_sizes


def test_collect_ray_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from droidpilot.cli import cli

    out = tmp_path / "run"
    res = CliRunner().invoke(
        cli,
        ["collect", "--ray", "--tasks", "WalletAskBalance,FoodGoAskDishPrice", "--episodes", "3",
         "--workers", "2", "--backend", "oracle", "--no-screenshots", "--out", str(out), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["finished"] == doc["planned"] == 3
    assert doc["ray"]["retries"] == 0
    assert len(doc["ray"]["devices"]) == 2
    assert doc["ray"]["quarantined"] == []
    check_run_dir(out, 3)
    bad = CliRunner().invoke(
        cli, ["collect", "--shared-model", "--tasks", "WalletAskBalance", "--episodes", "1",
              "--backend", "oracle", "--out", str(out), "--json"],
    )  # fmt: skip
    assert bad.exit_code == 2
