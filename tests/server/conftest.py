"""A live server over real HTTP on 127.0.0.1 (uvicorn in a thread, an ephemeral port)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from droidpilot.config import ServerSettings, env, server_settings
from droidpilot.policy.service import DeciderFactory, DeviceFactory
from droidpilot.server import create_app

TOKEN = "test-token-0123456789"
OTHER_TOKEN = "other-token-9876543210"
DONE = ("succeeded", "failed", "cancelled", "interrupted")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(data_dir: Path, **overrides: Any) -> ServerSettings:
    values: dict[str, Any] = {
        "api_tokens": (TOKEN, OTHER_TOKEN),
        "data_dir": data_dir,
        "sim_devices": 2,
        "screenshots": True,
    }
    values.update(overrides)
    return server_settings(env({}), **values)


class LiveServer:
    """The app of ``settings`` served by uvicorn in a thread; ``url`` and a token'd session."""

    def __init__(
        self,
        settings: ServerSettings,
        *,
        device_factory: DeviceFactory | None = None,
        decider_factory: DeciderFactory | None = None,
    ) -> None:
        self.settings = settings
        self.app = create_app(
            settings, device_factory=device_factory, decider_factory=decider_factory
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=2,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {TOKEN}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(20)

    # helpers ------------------------------------------------------------------------

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=30, **kw)

    def submit(self, **body: Any) -> str:
        resp = self.post("/v1/tasks", json=body)
        assert resp.status_code == 202, resp.text
        return str(resp.json()["id"])

    def task(self, task_id: str) -> dict[str, Any]:
        resp = self.get(f"/v1/tasks/{task_id}")
        assert resp.status_code == 200, resp.text
        doc: dict[str, Any] = resp.json()
        return doc

    def wait(
        self,
        task_id: str,
        until: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Poll until ``until(task)`` (default: it has ended)."""
        until = until or (lambda t: t["status"] in DONE)
        deadline = time.monotonic() + timeout
        while True:
            doc = self.task(task_id)
            if until(doc):
                return doc
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting on {task_id}: {doc}")
            time.sleep(0.05)

    def events(
        self,
        task_id: str,
        *,
        last_event_id: int | None = None,
        timeout: float = 60.0,
        stop: Callable[[str, dict[str, Any]], bool] | None = None,
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """Read the task's SSE stream to its end (or until ``stop(type, data)``)."""
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        out: list[tuple[int, str, dict[str, Any]]] = []
        with self.http.get(
            self.url + f"/v1/tasks/{task_id}/events", headers=headers, stream=True, timeout=timeout
        ) as resp:
            assert resp.status_code == 200, resp.text
            assert resp.headers["content-type"].startswith("text/event-stream")
            eid, etype, data = 0, "", ""
            for line in resp.iter_lines(decode_unicode=True):
                if line.startswith("id:"):
                    eid = int(line[3:].strip())
                elif line.startswith("event:"):
                    etype = line[6:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif line == "" and data:
                    doc = json.loads(data)
                    out.append((eid, etype, doc))
                    data = ""
                    if stop is not None and stop(etype, doc):
                        break
        return out


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(settings_for(tmp_path)) as server:
        yield server
