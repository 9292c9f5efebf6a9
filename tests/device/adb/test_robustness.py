"""Hostile bytes, a killed and restarted server, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import adbutils
import pytest

from droidpilot.device.adb import AdbDevice
from droidpilot.device.sim.adbd import A_CNXN, A_OPEN, make_header
from droidpilot.device.sim.serve import SimServer
from droidpilot.errors import DeviceError
from droidpilot.types import KeyAction
from tests.device.adb.conftest import AdbEnv, free_port


def test_garbage_flood_leaves_the_server_serving_others(
    adb_env: AdbEnv, sim_server: SimServer, serial: str
) -> None:
    host, port = serial.rsplit(":", 1)
    rnd = os.urandom(256 * 1024)
    bad_inputs = [
        rnd,  # random bytes
        make_header(A_CNXN, 0x01000001, 4096, b"")
        + b"\x00" * 10,  # CNXN without a banner is fine...
        make_header(A_OPEN, 0, 0, b"shell:id\x00") + b"shell:id\x00",  # OPEN before CNXN
        make_header(0x41414141, 0, 0, b"")[:20] + b"XXXX",  # bad magic
        make_header(A_CNXN, 0x01000001, 4096, b"x" * 10)[:12]
        + (1 << 30).to_bytes(4, "little"),  # huge
    ]
    for payload in bad_inputs:
        with socket.create_connection((host, int(port)), timeout=5) as s:
            try:
                s.sendall(payload)
                s.settimeout(2)
                while s.recv(65536):
                    pass
            except (ConnectionError, TimeoutError, OSError):
                pass
    d = adbutils.AdbClient(port=adb_env.port).device(serial)
    assert d.shell("echo still here") == "still here"
    other = adbutils.AdbClient(port=adb_env.port).device(sim_server.addresses[1])
    assert other.shell("getprop ro.product.model") == "DroidpilotSim"


def _serve(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from droidpilot.cli import main; main()",
            "sim",
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert b"serving a simulated phone" in line, line
    return proc


@pytest.mark.slow
def test_killed_and_restarted_server_is_reconnected(adb_env: AdbEnv) -> None:
    port = free_port()
    addr = f"127.0.0.1:{port}"
    proc = _serve(port)
    try:
        device = AdbDevice(addr, port=adb_env.port)
        assert device.observe().app == "com.android.launcher3"
        proc.kill()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()
        proc = _serve(port)
        obs = device.observe()  # reconnects once, transparently
        assert obs.app == "com.android.launcher3"
        device.perform(KeyAction(key="home"))
        device.close()
        with pytest.raises(DeviceError):
            device.observe()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
        assert code == 0  # SIGTERM: a clean shutdown
        adb_env.run("disconnect", addr)


def test_unknown_device_is_device_not_found(adb_env: AdbEnv, sim_server: SimServer) -> None:
    from droidpilot.errors import DeviceNotFound

    start = time.monotonic()
    with pytest.raises(DeviceNotFound, match="no-such-serial"):
        AdbDevice("no-such-serial", port=adb_env.port, connect_timeout_s=0.5)
    assert time.monotonic() - start < 10
