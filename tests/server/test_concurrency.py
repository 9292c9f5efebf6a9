"""50 concurrent submissions on 4 simulated phones: none lost, none run twice."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.server.conftest import DONE, TOKEN, LiveServer, settings_for

N = 50


def test_fifty_concurrent_submissions_on_four_phones(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, sim_devices=4, screenshots=False)
    with LiveServer(settings) as live:
        local = threading.local()
        opened: list[requests.Session] = []

        def submit(k: int) -> str:
            session = getattr(local, "s", None)
            if session is None:
                session = local.s = requests.Session()
                opened.append(session)
                session.headers["Authorization"] = f"Bearer {TOKEN}"
            body = {
                "task_id": "FoodGoAskDishPrice" if k % 2 else "WalletAskBalance",
                "seed": k,
                "approval": "allow",
            }
            # every submission is sent twice with its key: a retried request is not a new task
            key = {"Idempotency-Key": f"job-{k}"}
            first = session.post(live.url + "/v1/tasks", json=body, headers=key, timeout=30)
            again = session.post(live.url + "/v1/tasks", json=body, headers=key, timeout=30)
            assert first.status_code == 202, first.text
            assert again.status_code == 200
            assert again.json()["id"] == first.json()["id"]
            return str(first.json()["id"])

        with ThreadPoolExecutor(max_workers=16) as pool:
            ids = list(pool.map(submit, range(N)))
        for session in opened:
            session.close()
        assert len(set(ids)) == N

        deadline = time.monotonic() + 120
        while True:
            page = live.get("/v1/tasks", params={"limit": 200}).json()["items"]
            if sum(t["status"] in DONE for t in page) == N or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        tasks = {t["id"]: t for t in page}
        assert set(tasks) == set(ids)  # none lost, none extra
        # every task ran to its end (the oracle's answer) with no error, and succeeded
        for t in tasks.values():
            assert t["status"] == "succeeded", t
            assert t["result"]["error"] is None, t
            assert t["result"]["terminated"] is True, t

        for task_id in ids:
            events = live.events(task_id)
            statuses = [d["status"] for _, t, d in events if t == "status"]
            assert statuses.count("running") == 1, (task_id, statuses)  # claimed once
            assert [t for _, t, _ in events].count("finished") == 1
            steps = [d["step"] for _, t, d in events if t == "step"]
            assert steps == list(range(tasks[task_id]["steps"]))  # each step once
            assert (settings.runs / task_id / "episode.json").is_file()

        # one task per device at a time
        by_device: dict[str, list[tuple[str, str]]] = {}
        for t in tasks.values():
            by_device.setdefault(t["device"], []).append((t["started_at"], t["finished_at"]))
        assert set(by_device) == {"sim-0", "sim-1", "sim-2", "sim-3"}
        for spans in by_device.values():
            spans.sort()
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert end <= start
        devices = live.get("/v1/devices").json()
        assert sum(d["tasks_run"] for d in devices) == N
        assert len(list(settings.runs.iterdir())) == N
