"""collect: worker processes, one run directory, resumable, exactly N episodes, none twice."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from droidpilot.errors import ConfigError
from droidpilot.policy.agent import AgentConfig
from droidpilot.policy.rollout import WorkerSpec, collect, plan_jobs
from droidpilot.policy.trajectory import EPISODE
from droidpilot.tasks.registry import by_pattern, get

from .conftest import ORDER


def oracle_decider(task: object) -> object:
    from droidpilot.policy.teacher import OraclePolicy

    return OraclePolicy(task)  # type: ignore[arg-type]


def sim_device(seed: int = 0) -> object:
    from droidpilot.device.sim import SimDevice, SimPhone

    return SimDevice(SimPhone(seed=seed))


WORKER = WorkerSpec(
    make_device=functools.partial(sim_device, 0),
    make_decider=oracle_decider,  # type: ignore[arg-type]
    agent=AgentConfig(guard="allow", screenshots=False),
)


def test_plan_is_a_stable_prefix() -> None:
    specs = by_pattern("FoodGoOrder*")
    short, long = plan_jobs(specs, 3), plan_jobs(specs, 2 * len(specs) + 1)
    assert long[:3] == short
    assert len({j.episode_id for j in long}) == len(long)
    assert long[len(specs)].seed == 1
    assert long[len(specs)].task_id == specs[0].id


def test_collect_in_two_processes_then_resume(tmp_path: Path) -> None:
    specs = (get(ORDER), get("FoodGoAskDishPrice"), get("WalletAskBalance"))
    seen = []
    rep = collect(
        tmp_path, specs=specs, episodes=3, worker=WORKER, workers=2, on_result=seen.append
    )
    assert rep.finished == 3
    assert not rep.crashed
    assert len(seen) == 3
    assert all(r.success for r in rep.results)
    done = sorted(p.parent.name for p in tmp_path.glob(f"*/{EPISODE}"))
    assert len(done) == 3
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob(f"*/{EPISODE}")}

    # cut one episode off mid-way: its episode.json is gone and its last steps too
    victim = tmp_path / done[0]
    (victim / EPISODE).unlink()
    lines = (victim / "steps.jsonl").read_bytes().splitlines(keepends=True)
    (victim / "steps.jsonl").write_bytes(b"".join(lines[:4]) + lines[4][:20])

    rep = collect(tmp_path, specs=specs, episodes=5, worker=WORKER, workers=1)
    assert rep.planned == 5
    assert rep.already_done == 2
    assert rep.finished == 5
    assert sorted(r.job.index for r in rep.results) == [0, 3, 4]
    assert [r.resumed for r in rep.results] == [True, False, False]
    assert all(r.success for r in rep.results)
    assert len(list(tmp_path.glob(f"*/{EPISODE}"))) == 5
    for p, t in stamps.items():  # none twice
        if p.parent != victim:
            assert p.stat().st_mtime_ns == t

    with pytest.raises(ConfigError, match="collected with"):
        collect(tmp_path, specs=specs[:2], episodes=5, worker=WORKER)
