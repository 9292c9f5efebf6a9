"""Approvals, cancellation, timeouts and a device that dies, over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.server.conftest import LiveServer, settings_for
from tests.server.fakes import dies_once, slow_oracle

ORDER = {"task_id": "FoodGoOrderDish", "seed": 1}
ASK = {"task_id": "FoodGoAskDishPrice", "seed": 2, "approval": "allow"}


def waiting(t: dict[str, Any]) -> bool:
    return t["status"] == "waiting_approval" or t["status"] in ("succeeded", "failed")


def test_a_payment_waits_for_approval_and_goes_on_when_approved(live: LiveServer) -> None:
    task_id = live.submit(**ORDER)  # approval: ask (the default)
    task = live.wait(task_id, waiting)
    assert task["status"] == "waiting_approval"
    pending = task["pending_approval"]
    assert pending["status"] == "pending"
    assert pending["category"] in ("order", "payment", "pin")
    assert pending["action"]["kind"] == "tap"
    listed = live.get(f"/v1/tasks/{task_id}/approvals").json()
    assert [a["id"] for a in listed] == [pending["id"]]
    needed = live.events(task_id, stop=lambda t, d: t == "approval_needed")
    assert needed[-1][2]["approval_id"] == pending["id"]

    resp = live.post(
        f"/v1/tasks/{task_id}/approvals/{pending['id']}",
        json={"decision": "approve", "reason": "looks right"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "approved"
    assert resp.json()["answer"] == "looks right"
    task = live.wait(task_id)
    assert task["status"] == "succeeded", task
    assert task["success"] is True
    again = live.post(f"/v1/tasks/{task_id}/approvals/{pending['id']}", json={"decision": "reject"})
    assert again.status_code == 409
    steps = live.get(f"/v1/tasks/{task_id}/steps").json()
    guarded = [s["guard"]["decision"] for s in steps if s["guard"] and s["guard"]["sensitive"]]
    assert guarded[0] == "approved"
    events = [t for _, t, _ in live.events(task_id)]
    assert events.count("approval_needed") == 1  # one payment, one question
    assert "approval_decided" in events
    bad = live.post(f"/v1/tasks/{task_id}/approvals/{pending['id']}", json={"decision": "maybe"})
    assert bad.status_code == 422


def test_a_rejected_payment_is_not_made(live: LiveServer) -> None:
    task_id = live.submit(**ORDER)
    answered = 0
    while True:
        task = live.wait(task_id, lambda t: t["status"] != "running" and t["status"] != "queued")
        if task["status"] != "waiting_approval":
            break
        approval = task["pending_approval"]
        resp = live.post(
            f"/v1/tasks/{task_id}/approvals/{approval['id']}",
            json={"decision": "reject", "reason": "not today"},
        )
        assert resp.status_code == 200
        answered += 1
        assert answered < 10
    assert task["status"] == "failed"
    assert task["success"] is False
    steps = live.get(f"/v1/tasks/{task_id}/steps").json()
    refused = [s for s in steps if s["guard"] and s["guard"]["decision"] == "rejected"]
    assert refused
    assert "not today" in refused[0]["guard"]["reason"]
    assert not any(
        s["executed"] and s["guard"]["category"] in ("payment", "pin", "order")
        for s in steps
        if s["guard"] and s["guard"]["sensitive"]
    )


def test_cancel_queued_and_running_tasks(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, sim_devices=1)
    with LiveServer(settings, decider_factory=slow_oracle(0.15)) as live:
        first = live.submit(**ASK)
        second = live.submit(**ASK)
        live.wait(first, lambda t: t["steps"] >= 1)
        resp = live.post(f"/v1/tasks/{second}/cancel")
        assert resp.status_code == 202
        assert resp.json()["status"] == "cancelled"  # queued: at once
        resp = live.post(f"/v1/tasks/{first}/cancel")
        assert resp.status_code == 202
        task = live.wait(first)
        assert task["status"] == "cancelled", task
        assert task["result"]["reason"] == "cancelled while running"
        assert task["success"] is not True
        assert live.events(first)[-1][1] == "finished"
        assert live.post(f"/v1/tasks/{first}/cancel").json()["status"] == "cancelled"
        assert live.task(second)["steps"] == 0
        # the device is free again and runs the next task
        third = live.submit(**ASK)
        assert live.wait(third)["status"] == "succeeded"
        assert live.post(f"/v1/tasks/{third}/cancel").status_code == 409


def test_cancel_while_waiting_for_approval(live: LiveServer) -> None:
    task_id = live.submit(**ORDER)
    task = live.wait(task_id, waiting)
    approval = task["pending_approval"]["id"]
    assert live.post(f"/v1/tasks/{task_id}/cancel").status_code == 202
    task = live.wait(task_id)
    assert task["status"] == "cancelled"
    [row] = live.get(f"/v1/tasks/{task_id}/approvals").json()
    assert row["id"] == approval
    assert row["status"] == "expired"
    late = live.post(f"/v1/tasks/{task_id}/approvals/{approval}", json={"decision": "approve"})
    assert late.status_code == 409


def test_time_limits(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, sim_devices=1, task_timeout_s=0.6, approval_timeout_s=0.3)
    with LiveServer(settings, decider_factory=slow_oracle(0.2)) as live:
        slow = live.wait(live.submit(**ORDER, approval="allow"))
        assert slow["status"] == "failed"
        assert "time" in slow["result"]["reason"]
    settings = settings_for(tmp_path / "b", sim_devices=1, approval_timeout_s=0.3)
    with LiveServer(settings) as live:
        task_id = live.submit(**ORDER)
        task = live.wait(task_id)
        assert task["status"] == "failed"
        approvals = live.get(f"/v1/tasks/{task_id}/approvals").json()
        assert approvals[0]["status"] == "expired"
        assert "no answer within" in approvals[0]["answer"]


def test_a_device_that_dies_fails_its_task_and_comes_back(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, sim_devices=1, device_retry_s=0.5)
    with LiveServer(settings, device_factory=dies_once(2)) as live:
        task = live.wait(live.submit(**ASK))
        assert task["status"] == "failed"
        assert "sim-0" in task["result"]["reason"]
        assert "USB cable was pulled" in task["result"]["reason"]
        [device] = live.get("/v1/devices").json()
        assert device["state"] == "dead"
        assert "USB cable" in device["reason"]
        assert 'droidpilot_devices{state="dead"} 1' in live.get("/metrics").text
        # queued work waits for the device, which is opened again
        task = live.wait(live.submit(**ASK))
        assert task["status"] == "succeeded"
        [device] = live.get("/v1/devices").json()
        assert device["state"] == "idle"
        assert device["tasks_run"] == 2


def test_a_device_request_must_name_a_pool_device(live: LiveServer) -> None:
    resp = live.post("/v1/tasks", json={**ASK, "device": "emulator-5554"})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "device"]
    task = live.wait(live.submit(**ASK, device="sim-1"))
    assert task["device"] == "sim-1"
