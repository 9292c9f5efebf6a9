"""A restart mid-run: ``droidpilot serve`` killed with SIGKILL, then started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.server.conftest import DONE, TOKEN, free_port

ORDER = {"task_id": "FoodGoOrderDish", "seed": 1}
ASK = {"task_id": "FoodGoAskDishPrice", "seed": 2, "approval": "allow"}


class Proc:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {
            **os.environ,
            "DROIDPILOT_API_TOKENS": TOKEN,
            "DROIDPILOT_DATA_DIR": str(data_dir),
            "DROIDPILOT_SIM_DEVICES": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "droidpilot.cli", "serve", "--port", str(self.port)],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {TOKEN}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.kill()
                pytest.fail(f"serve did not start: {err[-2000:]}")
            time.sleep(0.1)

    def task(self, task_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = self.http.get(f"{self.url}/v1/tasks/{task_id}", timeout=10).json()
        return doc

    def wait(self, task_id: str, statuses: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            doc = self.task(task_id)
            if doc["status"] in statuses:
                return doc
            assert time.monotonic() < deadline, doc
            time.sleep(0.05)

    def kill(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()


@pytest.mark.slow
def test_a_restart_mid_run_marks_the_task_interrupted(tmp_path: Path) -> None:
    first = Proc(tmp_path)
    try:
        running = first.http.post(first.url + "/v1/tasks", json=ORDER, timeout=10).json()["id"]
        task = first.wait(running, ("waiting_approval",))
        approval = task["pending_approval"]["id"]
        queued = first.http.post(first.url + "/v1/tasks", json=ASK, timeout=10).json()["id"]
        assert first.task(queued)["status"] == "queued"  # the one phone is busy
        steps_before = task["steps"]
        assert steps_before > 0
    finally:
        first.kill()  # SIGKILL: no chance to clean up

    second = Proc(tmp_path)
    try:
        task = second.task(running)
        assert task["status"] == "interrupted"
        assert "server stopped" in task["result"]["reason"]
        assert task["steps"] == steps_before  # the steps survived
        steps = second.http.get(f"{second.url}/v1/tasks/{running}/steps", timeout=10).json()
        assert len(steps) == steps_before
        [row] = second.http.get(f"{second.url}/v1/tasks/{running}/approvals", timeout=10).json()
        assert (row["id"], row["status"]) == (approval, "expired")
        # its event stream ends with the interruption, even resumed from the start
        with second.http.get(
            f"{second.url}/v1/tasks/{running}/events",
            stream=True,
            headers={"Last-Event-ID": "0"},
            timeout=10,
        ) as resp:
            body = resp.text
        assert "event: approval_needed" in body
        assert body.rstrip().splitlines()[-1].startswith("data:")
        assert '"status":"interrupted"' in body.split("event: finished")[-1]
        # the queued task survived the restart and runs now
        done = second.wait(queued, DONE)
        assert done["status"] == "succeeded"
        # the interrupted episode stays as it was on disk: steps, no episode.json
        episode = tmp_path / "runs" / running
        assert (episode / "steps.jsonl").is_file()
        assert not (episode / "episode.json").exists()
    finally:
        second.kill()
