"""Benchmark of the agent's loop: per-step overhead (everything but the model), and collect.

Run: ``.venv/bin/python bench/agent.py [--tasks PATTERN] [--episodes N]``.

1. Per-step overhead: episodes of catalog tasks on the simulated phone, played by a scripted
   backend that replays the oracle through the real prompt and parse path; the overhead of a
   step is its wall time minus the backend's own latency (observe, prompt building, parsing,
   guard, act, settle, rewards, the fsynced record). Measured with and without the per-step
   PNG screenshot. Target: <= 10 ms per step.
2. ``collect`` throughput: the same N oracle episodes with 1 and with 2 worker processes, in
   the same run (screenshots off). Target: >= 1.7x from 1 to 2 workers.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from droidpilot.cli import agent_decider, agent_device
from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner import Planner
from droidpilot.planner.backends import ScriptedBackend
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.rollout import WorkerSpec, collect
from droidpilot.policy.teacher import OracleScript, WatchedDevice
from droidpilot.tasks.registry import by_pattern


def overhead(pattern: str, seeds: int, screenshots: bool, out: Path) -> tuple[float, float, int]:
    """(mean ms, median ms of episode means, steps) of the loop's overhead per step."""
    per_episode: list[float] = []
    total_ms = 0.0
    steps = 0
    for spec in by_pattern(pattern):
        for seed in range(seeds):
            task = spec.instantiate(seed)
            watched = WatchedDevice(SimDevice(SimPhone(seed=seed)))
            script = OracleScript(task, watched)
            backend = ScriptedBackend(script, name="scripted-oracle")
            agent = Agent(
                watched,
                Planner(backend),
                config=AgentConfig(guard="allow", screenshots=screenshots),
            )
            t0 = time.perf_counter()
            res = agent.run(out, task=task)
            wall = (time.perf_counter() - t0) * 1000.0
            script.close()
            ms = (wall - res.model_ms) / max(1, res.steps)
            per_episode.append(ms)
            total_ms += wall - res.model_ms
            steps += res.steps
    return total_ms / max(1, steps), statistics.median(per_episode), steps


def throughput(pattern: str, episodes: int, workers: int, out: Path) -> float:
    """Episodes per minute of collect with ``workers`` processes (startup included)."""
    worker = WorkerSpec(
        make_device=functools.partial(agent_device, "sim", "en"),
        make_decider=functools.partial(agent_decider, "oracle", None, None),
        agent=AgentConfig(guard="allow", screenshots=False, hierarchy=False),
    )
    t0 = time.perf_counter()
    rep = collect(out, specs=by_pattern(pattern), episodes=episodes, worker=worker, workers=workers)
    seconds = time.perf_counter() - t0
    assert rep.finished == episodes, rep.crashed
    return 60.0 * episodes / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", default="FoodGoOrder*,TravelBook*,WalletAsk*")
    ap.add_argument("--seeds", type=int, default=2, help="Seeds per task (overhead).")
    ap.add_argument(
        "--episodes",
        type=int,
        default=240,
        help="Episodes per collect run (each worker process pays a start-up of about a second "
        "or two: with few episodes that fixed cost, not the throughput, decides the ratio).",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"bench/agent.py on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        overhead(args.tasks, 1, False, root / "warm")  # imports, tokenizer, caches
        mean_off, med_off, n_off = overhead(args.tasks, args.seeds, False, root / "off")
        mean_on, med_on, n_on = overhead(args.tasks, args.seeds, True, root / "on")
        print(
            f"per-step overhead, no screenshot:  {mean_off:6.2f} ms mean, {med_off:6.2f} ms "
            f"median of episodes ({n_off} steps)   target <= 10 ms   "
            f"{'OK' if mean_off <= 10 else 'MISSED'}"
        )
        print(
            f"per-step overhead, PNG screenshot: {mean_on:6.2f} ms mean, {med_on:6.2f} ms "
            f"median of episodes ({n_on} steps)   (ratio {mean_on / mean_off:.2f}x)"
        )
        one = throughput(args.tasks, args.episodes, 1, root / "w1")
        two = throughput(args.tasks, args.episodes, 2, root / "w2")
        ratio = two / one
        print(f"collect, 1 worker:  {one:7.1f} episodes/min ({args.episodes} episodes)")
        print(
            f"collect, 2 workers: {two:7.1f} episodes/min   ratio {ratio:.2f}x   "
            f"target >= 1.7x   {'OK' if ratio >= 1.7 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
