"""SIGKILL an episode mid-way, resume it: the phone is rebuilt from the seed, the recorded
actions are replayed, and the episode ends as an uninterrupted one does."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from droidpilot.planner.prompt import render_action
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.trajectory import read_episode, read_steps

from .conftest import ORDER, sim, task_of

SCRIPT = textwrap.dedent(f"""
    import sys, time
    from pathlib import Path
    from droidpilot.device.sim import SimDevice, SimPhone
    from droidpilot.policy.agent import Agent, AgentConfig
    from droidpilot.policy.teacher import OraclePolicy
    from droidpilot.tasks.registry import get
    task = get("{ORDER}").instantiate(1)
    agent = Agent(SimDevice(SimPhone(seed=1)), OraclePolicy(task),
                  config=AgentConfig(guard="allow"), on_step=lambda r: time.sleep(0.25))
    agent.run(Path(sys.argv[1]), task=task, episode_id="ep", run_id="run")
""")


def _actions(ep_dir: Path) -> list[str]:
    return [render_action(s.action) if s.action else "-" for s in read_steps(ep_dir)]


def test_sigkill_then_resume(tmp_path: Path) -> None:
    task = task_of()
    ref = Agent(sim(), OraclePolicy(task), config=AgentConfig(guard="allow")).run(
        tmp_path / "ref", task=task, episode_id="ep"
    )
    assert ref.success is True

    run = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(run)], env=os.environ.copy())
    steps_file = run / "ep" / "steps.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if steps_file.exists() and steps_file.read_bytes().count(b"\n") >= 6:
            break
        assert proc.poll() is None, "the episode ended before it was killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    kept = read_steps(run / "ep")
    assert 6 <= len(kept) < ref.steps
    assert read_episode(run / "ep") is None

    res = Agent(sim(), OraclePolicy(task), config=AgentConfig(guard="allow")).resume(
        run / "ep", task=task
    )
    assert res.success is True
    steps = read_steps(run / "ep")
    assert [s.step for s in steps] == list(range(len(steps)))
    assert _actions(run / "ep") == _actions(ref.episode_dir)
    assert [s.reward for s in steps] == [s.reward for s in read_steps(ref.episode_dir)]
    assert {s.run_id for s in steps} == {"run"}
    ep = read_episode(run / "ep")
    assert ep is not None
    assert ep.steps == ref.steps
    assert ep.return_ == ref.return_


def test_resume_after_an_action_the_phone_refused_half_way(tmp_path: Path) -> None:
    """A type whose tap focused the field before an ANR dialog took the focus failed, and
    yet it changed the phone: resuming does it again (and it fails again), so the rebuilt
    phone shows the recorded screens, and the oracle is told of the failure as it was."""
    task = task_of("TravelBookTrainAppNotResponding", seed=9, lang="en")
    ref = Agent(sim(), OraclePolicy(task), config=AgentConfig(guard="allow")).run(
        tmp_path / "ref", task=task, episode_id="ep"
    )
    assert ref.success is True
    recorded = read_steps(ref.episode_dir)
    failed = next(s.step for s in recorded if s.error and s.error.startswith("action failed"))
    for keep in (failed + 1, failed + 2):  # killed right after the failure, and a step later
        ep_dir = tmp_path / f"kept{keep}" / "ep"
        shutil.copytree(ref.episode_dir, ep_dir)
        lines = (ep_dir / "steps.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        (ep_dir / "steps.jsonl").write_text("".join(lines[:keep]), encoding="utf-8")
        (ep_dir / "episode.json").unlink()
        res = Agent(sim(), OraclePolicy(task), config=AgentConfig(guard="allow")).resume(
            ep_dir, task=task
        )
        assert res.success is True, res.episode.reason
        assert _actions(ep_dir) == _actions(ref.episode_dir)
        assert [s.error for s in read_steps(ep_dir)] == [s.error for s in recorded]
