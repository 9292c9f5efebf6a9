"""The whole life of a task over real HTTP: submit, watch, steps, screenshots, events."""

from __future__ import annotations

import json
from pathlib import Path

from tests.server.conftest import LiveServer

ORDER = {"task_id": "FoodGoOrderDish", "seed": 1}
ASK = {"task_id": "FoodGoAskDishPrice", "seed": 2, "approval": "allow"}


def test_a_task_runs_from_submit_to_success(live: LiveServer) -> None:
    resp = live.post("/v1/tasks", json={**ORDER, "approval": "allow"})
    assert resp.status_code == 202
    doc = resp.json()
    assert set(doc) == {"id", "status"}
    assert doc["status"] == "queued"
    assert resp.headers["location"] == f"/v1/tasks/{doc['id']}"
    task = live.wait(doc["id"])
    assert task["status"] == "succeeded", task
    assert task["success"] is True
    assert task["return"] == 2.0
    assert task["progress"] == 1.0
    assert task["steps"] >= 10
    assert task["device"] in ("sim-0", "sim-1")
    assert "Latte" in task["goal"]  # the instantiated goal, not the template
    assert task["result"]["terminated"] is True
    assert task["started_at"]
    assert task["finished_at"]

    steps = live.get(f"/v1/tasks/{doc['id']}/steps").json()
    assert [s["step"] for s in steps] == list(range(task["steps"]))
    assert steps[-1]["success"] is True
    assert steps[-1]["action"]["kind"] == "finish"
    for key in (
        "schema_version",
        "run_id",
        "episode_id",
        "goal",
        "screen_text",
        "reward",
        "reward_components",
        "guard",
        "timings_ms",
        "prompt",
        "completion",
    ):
        assert key in steps[0]
    page = live.get(f"/v1/tasks/{doc['id']}/steps", params={"offset": 3, "limit": 2}).json()
    assert [s["step"] for s in page] == [3, 4]

    png = live.get(f"/v1/tasks/{doc['id']}/steps/0/screenshot.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert live.get(f"/v1/tasks/{doc['id']}/steps/999/screenshot.png").status_code == 404

    # the CLI's run-directory format, reachable as artifacts too
    episode = live.settings.runs / doc["id"]
    assert (episode / "steps.jsonl").is_file()
    assert (episode / "screens" / "0000.png").is_file()
    on_disk = json.loads((episode / "episode.json").read_text())
    assert on_disk["success"] is True
    art = live.get(f"/v1/tasks/{doc['id']}/artifacts/episode.json")
    assert art.status_code == 200
    assert art.json()["episode_id"] == doc["id"]
    lines = live.get(f"/v1/tasks/{doc['id']}/artifacts/steps.jsonl").text.splitlines()
    assert len(lines) == task["steps"]


def test_events_stream_and_resume(live: LiveServer) -> None:
    task_id = live.submit(**ASK)
    events = live.events(task_id)
    types = [t for _, t, _ in events]
    assert types[0] == "status"
    assert types[-1] == "finished"
    assert "step" in types
    statuses = [d["status"] for _, t, d in events if t == "status"]
    assert statuses[:2] == ["queued", "running"]
    ids = [i for i, _, _ in events]
    assert ids == sorted(ids)
    steps = [d for _, t, d in events if t == "step"]
    assert [s["step"] for s in steps] == list(range(len(steps)))
    assert steps[-1]["action_kind"] == "answer"
    assert all({"thought", "action", "reward", "progress"} <= set(s) for s in steps)
    # resume in the middle: only what came after
    middle = ids[len(ids) // 2]
    rest = live.events(task_id, last_event_id=middle)
    assert [i for i, _, _ in rest] == [i for i in ids if i > middle]
    # resume after the end: the stream closes at once, empty
    assert live.events(task_id, last_event_id=ids[-1]) == []
    bad = live.get(f"/v1/tasks/{task_id}/events", headers={"Last-Event-ID": "abc"})
    assert bad.status_code == 422


def test_idempotency_key(live: LiveServer) -> None:
    headers = {"Idempotency-Key": "order-42"}
    first = live.post("/v1/tasks", json=ASK, headers=headers)
    again = live.post("/v1/tasks", json=ASK, headers=headers)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = live.post("/v1/tasks", json={**ASK, "seed": 3}, headers=headers)
    assert other.status_code == 409
    # keys are per caller: another token gets its own task
    theirs = live.http.post(
        live.url + "/v1/tasks",
        json=ASK,
        timeout=30,
        headers={**headers, "Authorization": "Bearer other-token-9876543210"},
    )
    assert theirs.status_code == 202
    assert theirs.json()["id"] != first.json()["id"]
    live.wait(first.json()["id"])
    live.wait(theirs.json()["id"])


def test_list_pages_with_a_cursor_and_filters(live: LiveServer) -> None:
    ids = [live.submit(**{**ASK, "seed": s}) for s in range(5)]
    for task_id in ids:
        live.wait(task_id)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = live.get("/v1/tasks", params=params).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))  # newest first, each once
    done = live.get("/v1/tasks", params={"status": "succeeded"}).json()["items"]
    assert {t["id"] for t in done} == set(ids)
    assert live.get("/v1/tasks", params={"status": "queued"}).json()["items"] == []
    assert live.get("/v1/tasks", params={"status": "nope"}).status_code == 422
    assert live.get("/v1/tasks", params={"cursor": "!!"}).status_code == 422
    assert live.get("/v1/tasks", params={"limit": 0}).status_code == 422


def test_devices_catalog_health_and_metrics(live: LiveServer) -> None:
    devices = live.get("/v1/devices").json()
    assert [d["name"] for d in devices] == ["sim-0", "sim-1"]
    assert {d["state"] for d in devices} <= {"idle", "starting"}
    catalog = live.get("/v1/catalog").json()
    assert "oracle" in catalog["backends"]
    assert len(catalog["tasks"]) >= 60
    assert {"FoodGoOrderDish", "TravelBookTrain"} <= {t["id"] for t in catalog["tasks"]}
    health = live.http.get(live.url + "/healthz", headers={"Authorization": ""}, timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    live.wait(live.submit(**ASK))
    text = live.get("/metrics").text
    assert 'droidpilot_tasks{status="succeeded"} 1' in text
    assert "droidpilot_tasks_submitted_total 1" in text
    assert 'droidpilot_devices{state="idle"} 2' in text
    assert 'droidpilot_http_requests_total{method="POST",route="/v1/tasks",status="202"} 1' in text
    assert 'droidpilot_http_request_duration_seconds_count{route="/v1/tasks/{task_id}"}' in text
    assert live.get("/metrics").headers["content-type"].startswith("text/plain")


def test_unknown_things_are_404(live: LiveServer) -> None:
    assert live.get("/v1/tasks/t_nope").status_code == 404
    assert live.get("/v1/tasks/t_nope/steps").status_code == 404
    assert live.get("/v1/tasks/t_nope/events").status_code == 404
    assert live.post("/v1/tasks/t_nope/cancel").status_code == 404
    resp = live.post("/v1/tasks/t_nope/approvals/a_x", json={"decision": "approve"})
    assert resp.status_code == 404


def test_the_dashboard_is_served(live: LiveServer) -> None:
    page = live.http.get(live.url + "/", timeout=10)
    assert page.status_code == 200
    assert "<title>droidpilot</title>" in page.text
    script = live.http.get(live.url + "/static/app.js", timeout=10)
    assert script.status_code == 200
    assert "Last-Event-ID" in script.text
    assert live.http.get(live.url + "/static/../server.py", timeout=10).status_code == 404


def test_runs_dir_is_the_cli_format(live: LiveServer, tmp_path: Path) -> None:
    from droidpilot.policy.trajectory import read_episode, read_steps

    task_id = live.submit(**ASK)
    live.wait(task_id)
    episode = live.settings.runs / task_id
    record = read_episode(episode)
    assert record is not None
    assert record.success is True
    assert len(read_steps(episode)) == record.steps
