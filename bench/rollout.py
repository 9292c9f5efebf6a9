"""Benchmark of collect on Ray: episodes per minute with 1 and 2 Ray actors beside the local
single-process collect, in the same run, and the scaling efficiency.

Run: ``.venv/bin/python bench/rollout.py [--tasks PATTERN] [--episodes N] [--screenshots]
[--address ADDRESS]`` (needs ``pip install 'droidpilot[ray]'``).

The same N oracle episodes (catalog tasks on the simulated phone, the oracle as the decider, so
the numbers are the loop's and the plumbing's, not a model's) are collected three times into
fresh run directories: by the local collect in this process (``workers=1``), then on Ray with 1
and with 2 episode actors (a local Ray instance with 2 CPUs unless ``--address`` names a
cluster). Two rates are printed for each: ``wall`` (the whole call, with the actors' start-up)
and ``steady`` (between the first and the last finished episode: what a long collect gets).
Scaling efficiency = steady rate with 2 actors / (2 x steady rate with 1 actor).
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from droidpilot.cli import agent_decider, agent_device
from droidpilot.policy.agent import AgentConfig
from droidpilot.policy.rollout import CollectReport, JobResult, WorkerSpec, collect
from droidpilot.tasks.registry import by_pattern


def rates(report: CollectReport, arrivals: list[float], t0: float) -> tuple[float, float]:
    """(wall, steady) episodes per minute."""
    n = len(arrivals)
    wall = 60.0 * n / (arrivals[-1] - t0) if n else 0.0
    steady = 60.0 * (n - 1) / (arrivals[-1] - arrivals[0]) if n > 1 else wall
    assert report.finished == report.planned, "some episodes did not finish"
    return wall, steady


def timed(run: Callable[[Callable[[JobResult], None]], CollectReport]) -> tuple[float, float]:
    arrivals: list[float] = []
    t0 = time.perf_counter()
    report = run(lambda _: arrivals.append(time.perf_counter()))
    return rates(report, arrivals, t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default="FoodGo*,WalletAskBalance")
    ap.add_argument("--episodes", type=int, default=40)
    ap.add_argument("--screenshots", action="store_true", help="Save a PNG per step.")
    ap.add_argument("--address", default="local", help="A Ray cluster (default: a local one).")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")

    import ray

    from droidpilot.policy.distributed import RayOptions, connect, ray_collect

    specs = by_pattern(args.tasks)
    worker = WorkerSpec(
        make_device=functools.partial(agent_device, "sim", "en"),
        make_decider=functools.partial(agent_decider, "oracle", None, None),
        agent=AgentConfig(guard="allow", screenshots=args.screenshots, hierarchy=False),
    )
    n = args.episodes
    shots = "on" if args.screenshots else "off"
    print(f"collect of {n} oracle episodes of {len(specs)} tasks ({args.tasks}),", end=" ")
    print(f"screenshots {shots}, on {os.cpu_count()} CPUs")
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def local(cb: Callable[[JobResult], None]) -> CollectReport:
            return collect(
                out / "local", specs=specs, episodes=n, worker=worker, workers=1, on_result=cb
            )

        rows.append(("local, 1 process", *timed(local)))
        init = {"num_cpus": 2} if args.address == "local" else {}
        started = connect(args.address, **init)
        try:
            for actors in (1, 2):

                def on_ray(cb: Callable[[JobResult], None], a: int = actors) -> CollectReport:
                    options = RayOptions(workers=a, actor_cpus=1.0)
                    rep = ray_collect(
                        out / f"ray{a}", specs=specs, episodes=n, worker=worker,
                        options=options, on_result=cb,
                    )  # fmt: skip
                    return rep.report

                rows.append((f"Ray, {actors} actor{'s' * (actors > 1)}", *timed(on_ray)))
        finally:
            if started:
                ray.shutdown()
    print(f"{'':<18}{'wall ep/min':>12}{'steady ep/min':>15}{'vs local':>10}")
    local = rows[0][2]
    for name, wall, steady in rows:
        print(f"{name:<18}{wall:>12.1f}{steady:>15.1f}{steady / local:>9.2f}x")
    one, two = rows[1][2], rows[2][2]
    print(f"scaling efficiency 1 -> 2 Ray actors: {two / (2 * one):.2f}", end=" ")
    print(f"(speed-up {two / one:.2f}x on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
