"""The task catalog's oracles: time to verify the whole catalog, and oracle steps per second.

    .venv/bin/python bench/tasks.py [--seeds K] [--via-xml]

Runs every template's oracle for seeds 0..K-1 on one in-process SimDevice (languages in turn),
as ``droidpilot tasks verify`` does, and prints per suite: runs, passes, device steps, seconds,
steps per second and milliseconds per step; then the whole catalog, the scoring overhead (the
same runs without per-step milestone checks), and the slowest templates. ``--via-xml`` makes
the device go through the u2 XML dump and the screen parser, as a real backend does.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.tasks import all_specs, run_oracle
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.verify import OracleRun


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--via-xml", action="store_true")
    args = ap.parse_args()
    specs = all_specs()
    dev = SimDevice(SimPhone(), via_xml=args.via_xml)
    runs: list[tuple[str, OracleRun]] = []
    t0 = time.perf_counter()
    for spec in specs:
        for seed in range(args.seeds):
            lang = ("en", "zh")[seed % 2]
            task = spec.instantiate(seed, lang=lang, phone=dev.phone)
            runs.append((spec.suites[0], run_oracle(task, dev)))
    total = time.perf_counter() - t0

    # the same oracles without scoring: what milestones and rewards cost per step
    bare = 0.0
    bare_steps = 0
    for spec in specs:
        for seed in range(args.seeds):
            task = spec.instantiate(seed, lang=("en", "zh")[seed % 2], phone=dev.phone)
            t1 = time.perf_counter()
            task.setup(dev)
            driver = Driver(dev, lang=task.lang)
            spec.oracle(driver, task.params)
            bare += time.perf_counter() - t1
            bare_steps += driver.steps

    by_suite: dict[str, list[OracleRun]] = defaultdict(list)
    for suite, run in runs:
        by_suite[suite].append(run)
    print(
        f"task catalog: {len(specs)} templates x {args.seeds} seeds "
        f"({'via u2 XML' if args.via_xml else 'direct screen'})"
    )
    print(f"{'suite':<12}{'runs':>6}{'pass':>6}{'steps':>8}{'s':>8}{'steps/s':>10}{'ms/step':>9}")
    for suite in sorted(by_suite):
        rs = by_suite[suite]
        steps = sum(r.steps for r in rs)
        secs = sum(r.seconds for r in rs)
        print(
            f"{suite:<12}{len(rs):>6}{sum(r.passed for r in rs):>6}{steps:>8}{secs:>8.2f}"
            f"{steps / secs:>10.0f}{1000 * secs / steps:>9.2f}"
        )
    all_runs = [r for _, r in runs]
    steps = sum(r.steps for r in all_runs)
    print(
        f"{'all':<12}{len(all_runs):>6}{sum(r.passed for r in all_runs):>6}{steps:>8}"
        f"{total:>8.2f}{steps / total:>10.0f}{1000 * total / steps:>9.2f}"
    )
    scored = sum(r.seconds for r in all_runs)
    print(
        f"verify whole catalog: {total:.1f} s (sampling {total - scored:.1f} s, "
        f"setup + oracle + scoring {scored:.1f} s)"
    )
    print(
        f"oracle steps/s: scored {steps / scored:.0f}, unscored {bare_steps / bare:.0f} "
        f"(setup + oracle only); scoring is {100 * (scored - bare) / scored:.0f}% of a run"
    )
    slow = sorted(all_runs, key=lambda r: r.seconds, reverse=True)[:5]
    print(
        "slowest runs: "
        + ", ".join(f"{r.task_id}#{r.seed} {r.seconds * 1000:.0f} ms" for r in slow)
    )


if __name__ == "__main__":
    main()
