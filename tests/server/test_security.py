"""Auth on every route, bad and oversized bodies, path traversal, CORS, settings."""

from __future__ import annotations

import http.client
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from droidpilot.config import env, is_loopback, server_settings
from droidpilot.errors import ConfigError
from tests.server.conftest import LiveServer, settings_for

ASK = {"task_id": "FoodGoAskDishPrice", "seed": 2, "approval": "allow"}
OPEN = {"/healthz"}


def _routes(live: LiveServer) -> list[tuple[str, str]]:
    out = []
    for route in live.app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                out.append((method, route.path))
    return out


def test_every_route_but_healthz_needs_a_token(live: LiveServer) -> None:
    task_id = live.submit(**ASK)
    live.wait(task_id)
    routes = _routes(live)
    assert len(routes) >= 13
    schema = live.http.get(live.url + "/openapi.json", headers={"Authorization": ""}, timeout=10)
    assert schema.status_code == 200  # the OpenAPI document is open
    for method, path in routes:
        url = live.url + re.sub(
            r"\{(\w+)(:path)?\}",
            lambda m: {
                "task_id": task_id,
                "n": "0",
                "approval_id": "a_x",
                "path": "episode.json",
            }[m.group(1)],
            path,
        )
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-123"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer"},
        ):
            sent = {"Authorization": headers.get("Authorization", "")}
            resp = live.http.request(method, url, headers=sent, timeout=10, json={})
            if path in OPEN:
                assert resp.status_code == 200, (method, path)
            else:
                assert resp.status_code == 401, (method, path, headers, resp.status_code)
                assert resp.headers.get("www-authenticate") == "Bearer"
    # and the right token works everywhere (not 401)
    for method, path in routes:
        if method == "GET" and "{" not in path:
            assert live.get(path).status_code == 200, path


def test_turning_auth_off_is_refused_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        server_settings(env({}), auth=False, host="0.0.0.0", data_dir=tmp_path)
    with pytest.raises(ConfigError, match="API_TOKENS"):
        server_settings(env({}), data_dir=tmp_path)
    with pytest.raises(ConfigError, match="loopback"):
        server_settings(env({"DROIDPILOT_AUTH": "off", "DROIDPILOT_HOST": "192.168.1.5"}))
    assert server_settings(env({}), auth=False, data_dir=tmp_path).auth is False
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "example.com", "10.0.0.1", ""))


def test_auth_off_on_loopback_lets_requests_in(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, auth=False, api_tokens=())
    with LiveServer(settings) as live:
        resp = live.http.get(live.url + "/v1/devices", headers={"Authorization": ""}, timeout=10)
        assert resp.status_code == 200


def test_settings_from_the_environment(tmp_path: Path) -> None:
    s = server_settings(
        env(
            {
                "DROIDPILOT_API_TOKENS": "abcdefgh1, ijklmnop2 ,",
                "DROIDPILOT_DATA_DIR": str(tmp_path),
                "DROIDPILOT_SIM_DEVICES": "3",
                "DROIDPILOT_DEVICES": "emulator-5554,127.0.0.1:5555",
                "DROIDPILOT_MAX_BODY_BYTES": "1000",
                "DROIDPILOT_SCREENSHOTS": "off",
                "DROIDPILOT_CORS_ORIGINS": "http://localhost:3000",
            }
        ),
        port=9000,
    )
    assert s.api_tokens == ("abcdefgh1", "ijklmnop2")
    assert s.database == tmp_path / "server.sqlite3"
    assert s.runs == tmp_path / "runs"
    assert (s.sim_devices, s.devices, s.port) == (3, ("emulator-5554", "127.0.0.1:5555"), 9000)
    assert (s.max_body_bytes, s.screenshots, s.cors_origins) == (
        1000,
        False,
        ("http://localhost:3000",),
    )
    for bad in (
        {"DROIDPILOT_PORT": "x"},
        {"DROIDPILOT_SCREENSHOTS": "maybe"},
        {"DROIDPILOT_DEVICES": "a b"},
        {"DROIDPILOT_API_TOKENS": "short"},
    ):
        with pytest.raises(ConfigError):
            server_settings(env({"DROIDPILOT_API_TOKENS": "abcdefgh1", **bad}))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"goal": "x", "task_id": "FoodGoOrderDish"}, "body"),
        ({"task_id": "NoSuchTask"}, "task_id"),
        ({"task_id": "../etc"}, "task_id"),
        ({"task_id": "FoodGoOrderDish", "seed": -1}, "seed"),
        ({"task_id": "FoodGoOrderDish", "seed": "one"}, "seed"),
        ({"task_id": "FoodGoOrderDish", "approval": "sometimes"}, "approval"),
        ({"task_id": "FoodGoOrderDish", "max_steps": 0}, "max_steps"),
        ({"task_id": "FoodGoOrderDish", "lang": "fr"}, "lang"),
        ({"task_id": "FoodGoOrderDish", "backend": "gpt"}, "backend"),
        ({"task_id": "FoodGoOrderDish", "backend": "openai"}, "backend"),
        ({"task_id": "FoodGoOrderDish", "model": "/etc/passwd"}, "model"),
        ({"task_id": "FoodGoOrderDish", "extra": 1}, "extra"),
        ({"goal": "order a coffee"}, "backend"),
        ({"goal": "   "}, "body"),
        ({"goal": "x" * 2001}, "goal"),
    ],
)
def test_bad_bodies_get_422_with_field_messages(
    live: LiveServer, body: dict[str, object], field: str
) -> None:
    resp = live.post("/v1/tasks", json=body)
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    assert all(d["msg"] for d in detail)
    locs = [
        d["loc"][-1] if d["loc"][-1] != "body" or len(d["loc"]) == 1 else "body" for d in detail
    ]
    assert field in locs, detail


def test_not_json_and_wrong_shapes(live: LiveServer) -> None:
    for data, ctype in (
        (b"{not json", "application/json"),
        (b"[1,2]", "application/json"),
        (b"task_id=x", "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/json"),
    ):
        resp = live.post("/v1/tasks", data=data, headers={"Content-Type": ctype})
        assert resp.status_code == 422, (data, resp.status_code)
    resp = live.post("/v1/tasks", json=ASK, headers={"Idempotency-Key": "x" * 201})
    assert resp.status_code == 422


def test_oversized_bodies_get_413(live: LiveServer) -> None:
    limit = live.settings.max_body_bytes
    big = {"goal": "x" * (limit + 10)}
    resp = live.post("/v1/tasks", json=big)
    assert resp.status_code == 413
    # a chunked body with no Content-Length is counted as it comes
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/tasks")
        conn.putheader("Authorization", "Bearer test-token-0123456789")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        chunk = b'{"goal": "' + b"y" * 8000
        for _ in range(limit // 8000 + 2):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            chunk = b"y" * 8000
        conn.send(b"0\r\n\r\n")
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    small = live.post(
        "/v1/tasks/x/approvals/y",
        data=b"x" * (limit + 1),
        headers={"Content-Type": "application/json"},
    )
    assert small.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "../../server.sqlite3",
        "..%2F..%2Fserver.sqlite3",
        "screens/../../../etc/passwd",
        "/etc/passwd",
        "screens/0000.png/../../episode.json",
        "%2e%2e/%2e%2e/server.sqlite3",
        "screens/..%2f..%2fserver.sqlite3",
        "start.json%00.png",
        "screens/0000.PNG",
    ],
)
def test_no_path_traversal_through_artifacts(live: LiveServer, path: str) -> None:
    task_id = live.submit(**ASK)
    live.wait(task_id)
    (live.settings.data_dir / "secret.txt").write_text("secret")
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:  # raw, so nothing normalises the path on the way
        conn.request(
            "GET",
            f"/v1/tasks/{task_id}/artifacts/{path}",
            headers={"Authorization": "Bearer test-token-0123456789"},
        )
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    assert resp.status in (404, 422), (path, resp.status)
    assert b"secret" not in body
    assert b"SQLite" not in body


def test_no_path_traversal_through_task_ids(live: LiveServer) -> None:
    for raw in (
        "/v1/tasks/..%2F..%2Fetc/steps/0/screenshot.png",
        "/v1/tasks/../healthz/steps",
        "/v1/tasks/%2e%2e/steps/0/screenshot.png",
        "/v1/tasks/t_x/steps/-1/screenshot.png",
        "/v1/tasks/t_x/steps/..%2F1/screenshot.png",
    ):
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
        try:
            conn.request("GET", raw, headers={"Authorization": "Bearer test-token-0123456789"})
            resp = conn.getresponse()
            resp.read()
        finally:
            conn.close()
        assert resp.status in (404, 422), (raw, resp.status)


def test_cors_is_off_by_default(live: LiveServer, tmp_path: Path) -> None:
    resp = live.http.options(
        live.url + "/v1/tasks",
        timeout=10,
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in resp.headers
    resp = live.get("/v1/devices", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in resp.headers
    settings = settings_for(tmp_path / "cors", cors_origins=("http://localhost:3000",))
    with LiveServer(settings) as other:
        resp = other.get("/v1/devices", headers={"Origin": "http://localhost:3000"})
        assert resp.headers["access-control-allow-origin"] == "http://localhost:3000"
        resp = other.get("/v1/devices", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in resp.headers
