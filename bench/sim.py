"""Benchmark of the simulated phone: observe+act steps/s, snapshot/restore, screenshots/s.

Run: ``.venv/bin/python bench/sim.py [--steps N] [--seed S]``. The walk is a seeded random
walk across all apps with text observations (Screen + the model's ScreenView), once built
straight from the view tree (SimDevice's fast path) and once through uiautomator2 XML and the
screen parser (what a real backend does), in the same run. Targets: >= 2,000 steps/s on one
core, snapshot/restore <= 10 ms, >= 50 screenshots/s.

Steps/s are by the wall clock (what the targets mean); beside them, by the process's own CPU
time, which does not count time the process waited for a core on a shared machine, and a
calibration loop that shows how fast this machine and this Python are at the moment (the
interpreter's build matters as much as the CPU: on our machines the pyenv 3.11.7 on PATH runs
the loop in ~34 ms, Debian's /usr/bin/python3.11, which scripts/setup.sh picks, in ~13-17 ms).
Screenshots/s are after one untimed screenshot, which loads the fonts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.walk import random_walk

#: What the calibration loop takes on a current desktop CPU (as in bench/screen.py).
REFERENCE_CALIBRATION_MS = 10.0


def _cpu_calibration() -> float:
    t0 = time.perf_counter()
    sum(range(10**6))
    return (time.perf_counter() - t0) * 1000


def _walk(via_xml: bool, steps: int, seed: int) -> tuple[float, float]:
    """Steps per second of the walk: by the wall clock, and by this process's CPU time."""
    dev = SimDevice(SimPhone(seed=seed), via_xml=via_xml)
    random_walk(dev, 50, seed=seed + 1)  # warm up
    t = time.perf_counter()
    c = time.process_time()
    random_walk(dev, steps, seed=seed)
    return steps / (time.perf_counter() - t), steps / max(1e-9, time.process_time() - c)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shots", type=int, default=40)
    args = ap.parse_args()

    calib = min(_cpu_calibration() for _ in range(5))
    print(f"python: {sys.version.split()[0]} at {sys.executable} (base {sys.base_prefix})")
    print(
        f"cpu calibration: sum(range(10**6)) takes {calib:.1f} ms here "
        f"(a current desktop CPU: ~{REFERENCE_CALIBRATION_MS:g} ms)"
    )
    fast, fast_cpu = _walk(False, args.steps, args.seed)
    slow, slow_cpu = _walk(True, args.steps, args.seed)
    print(
        f"observe+act, direct Screen      : {fast:8.0f} steps/s  (target >= 2000; "
        f"{fast_cpu:.0f} steps per CPU second)"
    )
    print(
        f"observe+act, u2 XML + parser    : {slow:8.0f} steps/s  ({fast / slow:.1f}x slower; "
        f"{slow_cpu:.0f} steps per CPU second)"
    )

    dev = SimDevice(SimPhone(seed=args.seed))
    random_walk(dev, 300, seed=args.seed)
    snaps, restores = [], []
    for _ in range(50):
        t = time.perf_counter()
        snap = dev.phone.snapshot()
        snaps.append(time.perf_counter() - t)
        t = time.perf_counter()
        dev.phone.restore(snap)
        restores.append(time.perf_counter() - t)
    print(
        f"snapshot                        : {statistics.median(snaps) * 1000:8.2f} ms median "
        "(target <= 10)"
    )
    print(
        f"restore                         : {statistics.median(restores) * 1000:8.2f} ms "
        "median (target <= 10)"
    )

    rng_dev = SimDevice(SimPhone(seed=args.seed))
    rng_dev.screenshot()  # loads the fonts (once per process)
    t = time.perf_counter()
    for i in range(args.shots):
        random_walk(rng_dev, 1, seed=i)
        rng_dev.screenshot()
    total = time.perf_counter() - t
    print(f"screenshots (PNG, 1080x2400)    : {args.shots / total:8.1f} /s  (target >= 50)")


if __name__ == "__main__":
    main()
