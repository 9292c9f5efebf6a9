"""Bearer-token auth, request size limits and HTTP metrics of the REST service."""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from droidpilot.config import ServerSettings
from droidpilot.server.schemas import (
    _ID,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- auth

_bearer = HTTPBearer(auto_error=False, description="A token of DROIDPILOT_API_TOKENS.")


def _auth(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's identity (a hash of its token); 401 without a good token."""
    settings: ServerSettings = request.app.state.settings
    if not settings.auth:
        return ""
    owners: dict[str, str] = request.app.state.owners
    given = credentials.credentials.encode() if credentials is not None else b""
    found = ""
    for owner, token in owners.items():
        if hmac.compare_digest(given, token.encode()):
            found = owner
    if not found:
        raise HTTPException(
            401, "a valid bearer token is needed", headers={"WWW-Authenticate": "Bearer"}
        )
    return found


Owner = Annotated[str, Depends(_auth)]
TaskIdPath = Annotated[str, PathParam(pattern=_ID, description="The task's id.")]

# --------------------------------------------------------------------------- middleware

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _send_problem(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _send_problem(send, 400, "bad Content-Length")
                return
            if size > self.limit:
                await _send_problem(send, 413, f"the body is over {self.limit} bytes")
                return
        if declared is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        # read the whole (small) body first, counting, then hand it on
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                await _send_problem(send, 413, f"the body is over {self.limit} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HttpMetrics:
    """Counts each request by method, route and status, and times it (ASGI middleware)."""

    def __init__(self, app: ASGIApp, stats: HttpStats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "(unmatched)"
            self.stats.observe(scope.get("method", ""), path, status, time.perf_counter() - started)


class HttpStats:
    """Requests by method, route and status; latency histograms by route."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = {}
        self.latency: dict[str, list[float]] = {}  # bucket counts, then sum, then count

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self.lock:
            key = (method, route, status)
            self.requests[key] = self.requests.get(key, 0) + 1
            hist = self.latency.setdefault(route, [0.0] * (len(_BUCKETS) + 2))
            for i, bound in enumerate(_BUCKETS):
                if seconds <= bound:
                    hist[i] += 1
            hist[-2] += seconds
            hist[-1] += 1

    def render(self) -> list[str]:
        lines = [
            "# HELP droidpilot_http_requests_total HTTP requests by method, route and status.",
            "# TYPE droidpilot_http_requests_total counter",
        ]
        with self.lock:
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(
                    f'droidpilot_http_requests_total{{method="{method}",'
                    f'route="{_esc(route)}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP droidpilot_http_request_duration_seconds HTTP request latency by route.",
                "# TYPE droidpilot_http_request_duration_seconds histogram",
            ]
            for route, hist in sorted(self.latency.items()):
                r = _esc(route)
                for bound, hits in zip(_BUCKETS, hist, strict=False):
                    lines.append(
                        f'droidpilot_http_request_duration_seconds_bucket{{route="{r}",'
                        f'le="{bound}"}} {int(hits)}'
                    )
                name = "droidpilot_http_request_duration_seconds"
                lines.append(f'{name}_bucket{{route="{r}",le="+Inf"}} {int(hist[-1])}')
                lines.append(f'{name}_sum{{route="{r}"}} {hist[-2]:.6f}')
                lines.append(f'{name}_count{{route="{r}"}} {int(hist[-1])}')
        return lines


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
