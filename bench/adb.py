"""Observe (dump + parse) and tap latency: AdbDevice and U2Device over `droidpilot sim serve`
on loopback, beside the in-process SimDevice, in the same run.

    .venv/bin/python bench/adb.py [--n 40]

It starts its own adb server (a free port, a temporary HOME; killed at the end) and a
`droidpilot sim serve` subprocess. Targets: median observe <= 30 ms over adb and <= 60 ms
over uiautomator2. Real phones take 0.8 to 2 s per `uiautomator dump`; the simulated phone
over the real protocol lets the agent loop, the backends and RL collection be exercised at
the speed of the code rather than of the phone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from droidpilot.device.adb import AdbDevice
from droidpilot.device.sim import SimDevice
from droidpilot.device.u2 import U2Device
from droidpilot.types import KeyAction, TapAction

TARGETS = {"adb": 30.0, "u2": 60.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def median_ms(fn: Callable[[], object], n: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def measure(device: object, n: int) -> tuple[float, float]:
    observe = device.observe  # type: ignore[attr-defined]
    perform = device.perform  # type: ignore[attr-defined]
    perform(KeyAction(key="home"))
    obs_ms = median_ms(observe, n)
    w, h = observe().screen.width, observe().screen.height
    tap_ms = median_ms(
        lambda: perform(TapAction(x=w // 2, y=h // 40)), n
    )  # the status bar: no change
    return obs_ms, tap_ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=40)
    args = ap.parse_args()
    adb = shutil.which("adb")
    if adb is None:
        sys.exit("the Debian adb client is needed: apt-get install adb")
    home = tempfile.mkdtemp(prefix="dp-bench-")
    adb_port, sim_port = free_port(), free_port()
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_port), "HOME": home}
    os.environ.update({"ANDROID_ADB_SERVER_PORT": str(adb_port), "HOME": home})
    serve = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from droidpilot.cli import main; main()",
            "sim",
            "serve",
            "--port",
            str(sim_port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        assert serve.stdout is not None
        serve.stdout.readline()
        subprocess.run([adb, "start-server"], env=env, check=True, capture_output=True)
        serial = f"127.0.0.1:{sim_port}"
        sim = SimDevice()
        rows.append(("SimDevice (in-process)", *measure(sim, args.n), None))
        sim_xml = SimDevice(via_xml=True)
        rows.append(("SimDevice (via u2 XML + parser)", *measure(sim_xml, args.n), None))
        for name, cls in (("adb", AdbDevice), ("u2", U2Device)):
            dev = cls(serial, port=adb_port)
            rows.append((f"{cls.__name__} over sim serve", *measure(dev, args.n), TARGETS[name]))
            dev.close()
    finally:
        subprocess.run([adb, "kill-server"], env=env, capture_output=True)
        serve.terminate()
        serve.wait(10)
        shutil.rmtree(home, ignore_errors=True)
    base = rows[0][1]
    print(f"{'backend':<34} {'observe ms':>10} {'x SimDevice':>12} {'tap ms':>8}  target observe")
    for label, obs, tap, target in rows:
        verdict = (
            "" if target is None else f"<= {target:.0f} ms: {'ok' if obs <= target else 'MISSED'}"
        )
        print(f"{label:<34} {obs:>10.2f} {obs / base:>12.1f} {tap:>8.2f}  {verdict}")
    print("(tap = input + wait until two consecutive dumps agree; median of", args.n, "runs)")


if __name__ == "__main__":
    main()
