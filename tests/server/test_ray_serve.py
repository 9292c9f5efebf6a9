"""``serve --ray``: the REST service over real HTTP with its device pool on a local Ray cluster
(2 CPUs) that this module starts and stops: catalog tasks run on the cluster's simulated phones
(several tasks, two device actors, none lost or run twice), and a device actor killed mid-task
fails its task with a clear reason, after which the device comes back."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from droidpilot.config import ServerSettings
from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.errors import ActionFailed
from droidpilot.policy.ray_devices import RayDevice, RayDevicePool, RayPoolOptions
from droidpilot.policy.service import DeciderFactory
from droidpilot.server import create_app
from droidpilot.types import TapAction
from tests.server.conftest import TOKEN, LiveServer, free_port, settings_for
from tests.server.fakes import slow_oracle

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
ASK = {"task_id": "FoodGoAskDishPrice", "approval": "allow"}
ORDER = {"task_id": "FoodGoOrderDish", "approval": "allow"}


@pytest.fixture(scope="module")
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


@pytest.fixture
def pool(cluster: None) -> Iterator[RayDevicePool]:
    with RayDevicePool(RayPoolOptions(sims=2, start_timeout_s=60)) as p:
        yield p


class RayLiveServer(LiveServer):
    """:class:`LiveServer` over the Ray device pool (what ``serve --ray`` builds)."""

    def __init__(
        self,
        settings: ServerSettings,
        pool: RayDevicePool,
        decider_factory: DeciderFactory | None = None,
    ) -> None:
        self.settings = settings
        self.app = create_app(
            settings, device_factory=pool.open, decider_factory=decider_factory, pool=pool.devices
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning",
            timeout_graceful_shutdown=2, lifespan="on",
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {TOKEN}"


def devices(live: LiveServer) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in live.get("/v1/devices").json()}


def test_serve_ray_runs_submitted_tasks_on_the_cluster_devices(
    tmp_path: Path, pool: RayDevicePool
) -> None:
    assert [d.name for d in pool.devices] == ["ray-sim-0", "ray-sim-1"]
    settings = settings_for(tmp_path, sim_devices=1)
    with RayLiveServer(settings, pool, decider_factory=slow_oracle(0.02)) as live:
        assert sorted(devices(live)) == ["ray-sim-0", "ray-sim-1"]
        ids = [live.submit(**(ASK if i % 2 else ORDER), seed=i) for i in range(6)]
        done = [live.wait(i, timeout=90) for i in ids]
        assert [t["status"] for t in done] == ["succeeded"] * 6, done
        assert all(t["success"] is True for t in done)
        assert {t["device"] for t in done} == {"ray-sim-0", "ray-sim-1"}
        # none run twice: one start and one end each, steps numbered once, one episode each
        for t in done:
            events = [e[1] for e in live.events(t["id"])]
            assert events.count("finished") == 1, events
            steps = live.get(f"/v1/tasks/{t['id']}/steps").json()
            assert [s["step"] for s in steps] == list(range(len(steps))) == list(range(t["steps"]))
            assert steps[-1]["success"] is True
            assert (settings.runs / t["id"] / "episode.json").is_file()
        pool_state = devices(live)
        assert sum(d["tasks_run"] for d in pool_state.values()) == 6
        assert all(d["state"] == "idle" for d in pool_state.values())
        # a step's screenshot was rendered in the actor and served here
        first = live.get(f"/v1/tasks/{ids[0]}/steps").json()[0]
        assert first["screenshot_path"]
        shot = live.get(f"/v1/tasks/{ids[0]}/steps/0/screenshot.png")
        assert shot.status_code == 200
        assert shot.content.startswith(b"\x89PNG")
    # the phones were in the actors, not here
    proxy = pool.open(pool.devices[0])
    assert isinstance(proxy, RayDevice)
    assert ray.get(proxy.actor.ready.remote())[1] != os.getpid()


def test_a_killed_device_actor_fails_its_task_and_the_device_comes_back(
    tmp_path: Path, pool: RayDevicePool
) -> None:
    settings = settings_for(tmp_path, sim_devices=1, device_retry_s=0.5)
    with RayLiveServer(settings, pool, decider_factory=slow_oracle(0.25)) as live:
        victim = live.submit(**ORDER, seed=3, device="ray-sim-0")
        live.wait(victim, lambda t: t["steps"] >= 2, timeout=60)
        ray.kill(pool.actor("ray-sim-0"), no_restart=False)  # Ray restarts it
        task = live.wait(victim, timeout=60)
        assert task["status"] == "failed", task
        reason = task["result"]["reason"]
        assert "ray-sim-0" in reason
        assert "device actor ray-sim-0 died" in reason, reason
        # the other device is not affected, and the killed one comes back (a fresh actor)
        other = live.wait(live.submit(**ASK, seed=4, device="ray-sim-1"), timeout=60)
        assert other["status"] == "succeeded", other
        again = live.wait(live.submit(**ASK, seed=5, device="ray-sim-0"), timeout=90)
        assert again["status"] == "succeeded", again
        state = devices(live)["ray-sim-0"]
        assert state["state"] == "idle"
        assert state["tasks_run"] == 2
        # an actor killed for good while its device is idle: the next task there fails (the
        # device is gone, as an unplugged phone would be); a fresh actor then takes the one after
        ray.kill(pool.actor("ray-sim-1"), no_restart=True)
        task = live.wait(live.submit(**ASK, seed=6, device="ray-sim-1"), timeout=60)
        assert task["status"] == "failed", task
        assert "device actor ray-sim-1 died" in task["result"]["reason"], task
        task = live.wait(live.submit(**ASK, seed=6, device="ray-sim-1"), timeout=90)
        assert task["status"] == "succeeded", task


def two_serials() -> Sequence[str]:
    return ("emulator-5554", "emulator-5556")


def sim_for_serial(serial: str) -> SimDevice:
    return SimDevice(SimPhone(seed=0), serial=serial)


def test_adb_devices_of_each_node_join_the_pool(cluster: None) -> None:
    options = RayPoolOptions(
        sims=0, adb=True, list_serials=two_serials, device_for_serial=sim_for_serial
    )
    with RayDevicePool(options) as adb_pool:
        names = [d.name for d in adb_pool.devices]
        assert [n.split("@")[0] for n in names] == ["emulator-5554", "emulator-5556"]
        assert {d.kind for d in adb_pool.devices} == {"adb"}
        device = adb_pool.open(adb_pool.devices[1])
        assert device.serial == "emulator-5556"
        assert getattr(device, "phone", None) is None  # free-form goals only
        obs = device.observe()
        assert obs.app
        png = obs.png()
        assert png is not None
        assert png.startswith(b"\x89PNG")
        with pytest.raises(ActionFailed):  # the device's own error, as raised in the actor
            device.perform(TapAction(element=9999))
        assert device.current_app() == obs.app


def test_serve_ray_takes_only_adb_as_a_device() -> None:
    from click.testing import CliRunner

    from droidpilot.cli import cli

    out = CliRunner().invoke(cli, ["serve", "--ray", "--device", "emulator-5554", "--no-auth"])
    assert out.exit_code == 2, out.output
    assert "--device takes only `adb`" in out.output
