"""Fixtures: an isolated adb server (own port and HOME, killed afterwards) and simulated
phones served over the ADB protocol in this process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from droidpilot.device.sim.phone import SimPhone
from droidpilot.device.sim.serve import SimServer

ADB = shutil.which("adb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AdbEnv:
    port: int
    home: Path
    env: dict[str, str]

    def run(
        self, *args: str, timeout: float = 30, binary: bool = False
    ) -> subprocess.CompletedProcess[bytes]:
        assert ADB is not None
        return subprocess.run(
            [ADB, *args],
            env=self.env,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def out(self, *args: str, timeout: float = 30) -> str:
        res = self.run(*args, timeout=timeout)
        assert res.returncode == 0, (args, res.stdout, res.stderr)
        return res.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="session")
def adb_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdbEnv]:
    if ADB is None:
        pytest.skip("the Debian adb client is not installed (apt-get install adb)")
    home = tmp_path_factory.mktemp("adbhome")
    port = free_port()
    saved = {k: os.environ.get(k) for k in ("ANDROID_ADB_SERVER_PORT", "HOME")}
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(port), "HOME": str(home)}
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    os.environ["HOME"] = str(home)
    adb = AdbEnv(port=port, home=home, env=env)
    adb.run("start-server", timeout=30)
    try:
        yield adb
    finally:
        adb.run("kill-server", timeout=30)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def sim_server(adb_env: AdbEnv) -> Iterator[SimServer]:
    server = SimServer(port=0, count=2, seed=7).start()
    try:
        for addr in server.addresses:
            assert "connected" in adb_env.out("connect", addr)
        yield server
    finally:
        for addr in server.addresses:
            adb_env.run("disconnect", addr)
        server.stop()


@pytest.fixture
def phone(sim_server: SimServer) -> SimPhone:
    """The first simulated phone, fresh (reset) for each test."""
    sim = sim_server.sims[0]
    assert sim is not None
    sim_server.call(lambda: sim.reset())
    return sim


@pytest.fixture
def serial(sim_server: SimServer, phone: SimPhone) -> str:
    return sim_server.addresses[0]
