"""The REST service under a bounded load on loopback.

    .venv/bin/python bench/server.py [--clients 8] [--submissions 200] [--reads 2000]
                                     [--sims 2] [--streams 8]

Starts ``create_app`` under uvicorn in this process (127.0.0.1, an ephemeral port, a temporary
data directory, screenshots off, the oracle as the backend) and measures, each phase bounded
in count and in time:

1. submissions: ``--submissions`` POST /v1/tasks from ``--clients`` keep-alive clients
   (submissions per second, p50/p99 latency) while the workers start running them;
2. reads: ``--reads`` requests spread over the read routes (a task, a page of the list, the
   steps, the devices, /healthz) from ``--clients`` clients while tasks still run: p50/p99 per
   route and requests per second;
3. events: ``--streams`` clients read the event streams of finished tasks from the start
   (stored events replayed), then of new tasks as they run (live): events per second.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import uvicorn

from droidpilot.config import env, server_settings
from droidpilot.server import create_app

TOKEN = "bench-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
TASKS = ("FoodGoAskDishPrice", "WalletAskBalance", "TicketsAskRemaining", "FoodGoOrderDish")
PHASE_LIMIT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: object = None) -> tuple[int, bytes, float]:
        data = json.dumps(body).encode() if body is not None else None
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=HEADERS)
        resp = self.conn.getresponse()
        payload = resp.read()
        return resp.status, payload, time.perf_counter() - t0

    def close(self) -> None:
        self.conn.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000.0


def spread(
    port: int, clients: int, jobs: list[tuple[str, str, object]]
) -> tuple[list[tuple[str, int, float]], float]:
    """Run ``jobs`` (method, path, body) over ``clients`` connections; (route, status, s)."""
    out: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + PHASE_LIMIT_S
    shares = [jobs[i::clients] for i in range(clients)]

    def run(share: list[tuple[str, str, object]]) -> None:
        client = Client(port)
        try:
            for method, path, body in share:
                if time.monotonic() > deadline:
                    return
                status, _, secs = client.call(method, path, body)
                with lock:
                    out.append((path, status, secs))
        finally:
            client.close()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, shares))
    return out, time.perf_counter() - t0


def stream(port: int, task_id: str, count: Callable[[], None]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", f"/v1/tasks/{task_id}/events", headers=HEADERS)
        resp = conn.getresponse()
        for raw in resp:
            if raw.startswith(b"data:"):
                count()
    finally:
        conn.close()


def streams(port: int, task_ids: list[str], n: int) -> tuple[int, float]:
    """``n`` clients read the streams of ``task_ids`` (round robin); (events, seconds)."""
    total = 0
    lock = threading.Lock()

    def count() -> None:
        nonlocal total
        with lock:
            total += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(lambda k: [stream(port, t, count) for t in task_ids[k::n]], range(n)))
    return total, time.perf_counter() - t0


def wait_all(port: int, ids: list[str], limit: float = PHASE_LIMIT_S) -> None:
    client = Client(port)
    deadline = time.monotonic() + limit
    try:
        for task_id in ids:
            while time.monotonic() < deadline:
                _, body, _ = client.call("GET", f"/v1/tasks/{task_id}")
                if json.loads(body)["status"] not in ("queued", "running", "waiting_approval"):
                    break
                time.sleep(0.05)
    finally:
        client.close()


def read_phase(
    port: int, clients: int, reads: list[tuple[str, str, object]], names: list[str], label: str
) -> None:
    done, secs = spread(port, clients, reads)
    by_route: dict[str, list[float]] = {n: [] for n in names}
    ok = 0
    for path, status, s in done:
        ok += status == 200
        if path.endswith("/steps"):
            by_route[names[2]].append(s)
        elif path.startswith("/v1/tasks?"):
            by_route[names[1]].append(s)
        elif path.startswith("/v1/tasks/"):
            by_route[names[0]].append(s)
        elif path == "/v1/devices":
            by_route[names[3]].append(s)
        else:
            by_route[names[4]].append(s)
    print(f"reads, {label}:")
    for name in names:
        xs = by_route[name]
        print(
            f"{'  ' + name:<34}{len(xs):>7}{'':>7}{'':>9}{pct(xs, 0.5):>9.2f}{pct(xs, 0.99):>9.2f}"
        )
    every = [s for _, _, s in done]
    print(
        f"{'  all read routes':<34}{len(done):>7}{ok:>7}{len(done) / secs:>9.1f}"
        f"{pct(every, 0.5):>9.2f}{pct(every, 0.99):>9.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--submissions", type=int, default=200)
    ap.add_argument("--reads", type=int, default=2000)
    ap.add_argument("--sims", type=int, default=2)
    ap.add_argument("--streams", type=int, default=8)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        settings = server_settings(
            env({}),
            api_tokens=(TOKEN,),
            data_dir=Path(tmp),
            sim_devices=args.sims,
            screenshots=False,
            max_queue=max(1000, args.submissions * 2),
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_level="error",
                timeout_graceful_shutdown=2,
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            run_phases(port, args)
        finally:
            server.should_exit = True
            thread.join(30)


def run_phases(port: int, args: argparse.Namespace) -> None:
    print(
        f"droidpilot serve on 127.0.0.1:{port}: {args.sims} simulated phones, oracle backend, "
        f"screenshots off, {args.clients} clients"
    )
    # 1. submissions
    jobs: list[tuple[str, str, object]] = [
        ("POST", "/v1/tasks", {"task_id": TASKS[k % len(TASKS)], "seed": k, "approval": "allow"})
        for k in range(args.submissions)
    ]
    done, secs = spread(port, args.clients, jobs)
    lat = [s for _, status, s in done if status == 202]
    print(f"\n{'phase':<34}{'n':>7}{'ok':>7}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(
        f"{'submit POST /v1/tasks':<34}{len(done):>7}{len(lat):>7}{len(lat) / secs:>9.1f}"
        f"{pct(lat, 0.5):>9.2f}{pct(lat, 0.99):>9.2f}"
    )

    # 2. reads while the queue drains
    client = Client(port)
    _, body, _ = client.call("GET", "/v1/tasks?limit=200")
    ids = [t["id"] for t in json.loads(body)["items"]]
    client.close()
    some = ids[: max(1, len(ids) // 4)]
    routes = [
        lambda k: f"/v1/tasks/{some[k % len(some)]}",
        lambda k: "/v1/tasks?limit=50",
        lambda k: f"/v1/tasks/{some[k % len(some)]}/steps",
        lambda k: "/v1/devices",
        lambda k: "/healthz",
    ]
    reads: list[tuple[str, str, object]] = [
        ("GET", routes[k % len(routes)](k), None) for k in range(args.reads)
    ]
    names = [
        "GET /v1/tasks/{id}",
        "GET /v1/tasks?limit=50",
        "GET /v1/tasks/{id}/steps",
        "GET /v1/devices",
        "GET /healthz",
    ]
    read_phase(port, args.clients, reads, names, "while tasks run")
    wait_all(port, ids)
    read_phase(port, args.clients, reads, names, "workers idle")

    # 3. events: replayed from the store, then live
    replay_ids = ids[: args.streams * 4]
    n, secs = streams(port, replay_ids, args.streams)
    print(f"{'SSE replay (finished tasks)':<34}{n:>7}{'':>7}{n / secs:>9.1f}")
    client = Client(port)
    live_ids = []
    for k in range(args.streams):
        _, body, _ = client.call(
            "POST", "/v1/tasks", {"task_id": "FoodGoOrderDish", "seed": k, "approval": "allow"}
        )
        live_ids.append(json.loads(body)["id"])
    client.close()
    n, secs = streams(port, live_ids, args.streams)
    print(f"{'SSE live (tasks running)':<34}{n:>7}{'':>7}{n / secs:>9.1f}")


if __name__ == "__main__":
    main()
