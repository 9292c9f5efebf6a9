"""The FastAPI app of the REST service: routes over the task service and the store."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from droidpilot import __version__
from droidpilot.config import DeviceConfig, ServerSettings
from droidpilot.device import Device, open_device
from droidpilot.errors import TaskError
from droidpilot.planner.backends import Backend, CompletionRequest, open_backend
from droidpilot.planner.default import planner_for
from droidpilot.policy.agent import Decider
from droidpilot.policy.service import (
    Conflict,
    DeciderFactory,
    DeviceFactory,
    PoolDevice,
    QueueFull,
    ServiceConfig,
    TaskRequest,
    TaskService,
)
from droidpilot.policy.store import TERMINAL, Store, TaskRow
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.server.http import (
    BodyLimit,
    HttpMetrics,
    HttpStats,
    Owner,
    TaskIdPath,
)
from droidpilot.server.schemas import (
    _ERRORS,
    _ID,
    _NOT_FOUND,
    _STATUS,
    ApprovalOut,
    Catalog,
    CatalogEntry,
    Decision,
    DeviceOut,
    Health,
    Problem,
    StepOut,
    TaskAccepted,
    TaskCreate,
    TaskOut,
    TaskPage,
    _approval_out,
    _field_error,
    _task_out,
)
from droidpilot.tasks.registry import all_specs
from droidpilot.tasks.spec import Task
from droidpilot.types import Completion

__all__ = ["create_app", "pool_devices", "serve"]

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
_ARTIFACT = re.compile(r"^(episode\.json|start\.json|steps\.jsonl|screens/\d{4}\.(png|xml))$")


# --------------------------------------------------------------------------- factories


class _Serialized:
    """A backend shared by the workers, one completion at a time."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.backend.name

    def complete(self, request: CompletionRequest) -> Completion:
        with self.lock:
            return self.backend.complete(request)

    def close(self) -> None:
        self.backend.close()


class _Deciders:
    """Builds each task's decider: the oracle, or a planner over a shared, lazily built backend."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.backends: dict[tuple[str, str | None], _Serialized] = {}

    def __call__(self, request: TaskRequest, task: Task | None) -> Decider:
        if request.backend == "oracle":
            if task is None:
                raise TaskError("the oracle replays a catalog task's solution: give a task_id")
            return OraclePolicy(task)
        model = request.model or self.settings.model
        key = (request.backend, model)
        with self.lock:
            if key not in self.backends:
                self.backends[key] = _Serialized(
                    open_backend(request.backend, model=model, base_url=self.settings.base_url)
                )
            backend = self.backends[key]
        return planner_for(backend)

    def close(self) -> None:
        with self.lock:
            for backend in self.backends.values():
                with contextlib.suppress(Exception):  # closing at shutdown, best effort
                    backend.close()
            self.backends.clear()


def pool_devices(settings: ServerSettings) -> tuple[PoolDevice, ...]:
    """The device pool a settings object describes: ``sim-0..`` then the adb serials."""
    sims = tuple(PoolDevice(name=f"sim-{i}") for i in range(settings.sim_devices))
    real = tuple(
        PoolDevice(name=s, kind=settings.device_backend, serial=s) for s in settings.devices
    )
    return sims + real


def _open_pool_device(spec: PoolDevice) -> Device:
    if spec.kind == "sim":
        return open_device(DeviceConfig(kind="sim", serial=spec.name))
    return open_device(DeviceConfig(kind=spec.kind, serial=spec.serial))


# --------------------------------------------------------------------------- the app


def create_app(
    settings: ServerSettings,
    *,
    device_factory: DeviceFactory | None = None,
    decider_factory: DeciderFactory | None = None,
    pool: Sequence[PoolDevice] | None = None,
) -> FastAPI:
    """The FastAPI app of ``settings``. ``device_factory`` / ``decider_factory`` replace how
    pool devices and deciders are built (tests inject fakes here); ``pool`` replaces the
    device pool the settings describe (``serve --ray``: the cluster's devices)."""
    store = Store(settings.database)
    settings.runs.mkdir(parents=True, exist_ok=True)
    deciders = _Deciders(settings)
    service = TaskService(
        store,
        ServiceConfig(
            runs_dir=settings.runs,
            devices=tuple(pool) if pool is not None else pool_devices(settings),
            max_queue=settings.max_queue,
            task_timeout_s=settings.task_timeout_s,
            approval_timeout_s=settings.approval_timeout_s,
            device_retry_s=settings.device_retry_s,
            screenshots=settings.screenshots,
            spend_cap=settings.spend_cap,
        ),
        open_device=device_factory or _open_pool_device,
        make_decider=decider_factory or deciders,
    )
    owners = {hashlib.sha256(t.encode()).hexdigest()[:16]: t for t in settings.api_tokens}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        logger.info(
            "droidpilot serve: %d devices, database %s", len(service.devices()), settings.database
        )
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)
            deciders.close()
            store.close()

    app = FastAPI(
        title="droidpilot",
        version=__version__,
        description="Submit Android tasks, watch them step by step, approve sensitive steps.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    http_stats = HttpStats()
    app.state.owners = owners
    app.state.service = service
    app.state.store = store
    app.state.settings = settings

    def load(task_id: str) -> TaskRow:
        row = store.task(task_id)
        if row is None:
            raise HTTPException(404, f"no task {task_id}")
        return row

    # ------------------------------------------------------------------ errors

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    # ------------------------------------------------------------------ tasks

    @app.post(
        "/v1/tasks",
        status_code=202,
        response_model=TaskAccepted,
        tags=["tasks"],
        responses={
            **_ERRORS,
            200: {"model": TaskAccepted, "description": "Replayed: the key was used before."},
            409: {
                "model": Problem,
                "description": "The Idempotency-Key was used for another body.",
            },
            503: {"model": Problem, "description": "The queue is full."},
        },
    )
    def submit(
        body: TaskCreate,
        owner: Owner,
        response: Response,
        idempotency_key: Annotated[
            str | None,
            Header(
                min_length=1,
                max_length=200,
                pattern=r"^[\x21-\x7e]+$",
                description="Submitting again with the same key returns the same task.",
            ),
        ] = None,
    ) -> TaskAccepted:
        """Queue a task; 202 with its id."""
        backend = body.backend or settings.backend or ("oracle" if body.task_id else None)
        if backend is None:
            raise _field_error(
                "backend",
                "this server has no model backend configured: "
                "give a catalog task_id (it runs the oracle)",
            )
        if backend not in settings.backends:
            raise _field_error(
                "backend", f"not enabled here; enabled: {', '.join(settings.backends)}"
            )
        if backend == "oracle" and body.task_id is None:
            raise _field_error("backend", "the oracle replays a catalog task: give a task_id")
        allowed = {m for m in (settings.model, *settings.models) if m}
        if body.model is not None and body.model not in allowed:
            raise _field_error("model", "not a model this server offers")
        if body.max_steps is not None and body.max_steps > settings.max_steps:
            raise _field_error("max_steps", f"at most {settings.max_steps} on this server")
        request = TaskRequest(
            goal=body.goal,
            task_id=body.task_id,
            seed=body.seed,
            lang=body.lang,
            device=body.device,
            backend=backend,
            model=body.model,
            max_steps=body.max_steps,
            approval=body.approval,
        )
        try:
            row, created = service.submit(request, owner=owner, idem_key=idempotency_key)
        except TaskError as exc:
            loc = "task_id" if body.task_id and "task" in str(exc) else "device"
            raise _field_error(loc, str(exc)) from None
        except QueueFull as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
        if not created:
            if row.request != request.to_json():
                raise HTTPException(409, "this Idempotency-Key was used with another request")
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"/v1/tasks/{row.id}"
        return TaskAccepted(id=row.id, status=row.status)

    @app.get("/v1/tasks", response_model=TaskPage, tags=["tasks"], responses=_ERRORS)
    def list_tasks(
        owner: Owner,
        status: _STATUS | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> TaskPage:
        """Tasks, newest first; ``next_cursor`` gets the next page."""
        before = None
        if cursor is not None:
            try:
                before = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
            except (ValueError, binascii.Error, UnicodeDecodeError):
                raise HTTPException(
                    422,
                    [{"loc": ["query", "cursor"], "msg": "not a cursor", "type": "value_error"}],
                ) from None
        rows = store.tasks(status=status, limit=limit + 1, before=before)
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = None
        if more and rows:
            nxt = base64.urlsafe_b64encode(str(rows[-1].seq).encode()).decode().rstrip("=")
        return TaskPage(items=[_task_out(r, store) for r in rows], next_cursor=nxt)

    @app.get(
        "/v1/tasks/{task_id}",
        response_model=TaskOut,
        tags=["tasks"],
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_task(task_id: TaskIdPath, owner: Owner) -> TaskOut:
        """A task: status, success, progress, result and return."""
        return _task_out(load(task_id), store)

    @app.get(
        "/v1/tasks/{task_id}/steps",
        tags=["tasks"],
        responses={
            **_ERRORS,
            **_NOT_FOUND,
            200: {"model": list[StepOut], "description": "The step records."},
        },
    )
    def get_steps(
        task_id: TaskIdPath,
        owner: Owner,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    ) -> Response:
        """The task's step records, in order (a JSON list)."""
        load(task_id)
        texts = store.steps(task_id, offset=offset, limit=limit)
        return Response("[" + ",".join(texts) + "]", media_type="application/json")

    def episode_file(row: TaskRow, rel: str) -> Path:
        if not _ARTIFACT.match(rel) or row.episode_id is None:
            raise HTTPException(404, "no such artifact")
        base = (settings.runs / row.episode_id).resolve()
        path = (base / rel).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            raise HTTPException(404, "no such artifact")
        return path

    @app.get(
        "/v1/tasks/{task_id}/steps/{n}/screenshot.png",
        tags=["tasks"],
        response_class=FileResponse,
        responses={
            **_ERRORS,
            404: {"model": Problem, "description": "No such screenshot."},
            200: {"content": {"image/png": {}}, "description": "A PNG."},
        },
    )
    def screenshot(
        task_id: TaskIdPath, n: Annotated[int, PathParam(ge=0, le=100_000)], owner: Owner
    ) -> FileResponse:
        """The screenshot step ``n`` saw."""
        row = load(task_id)
        text = store.step(task_id, n)
        rel = json.loads(text).get("screenshot_path") if text else None
        if not isinstance(rel, str):
            raise HTTPException(404, f"step {n} of {task_id} has no screenshot")
        return FileResponse(episode_file(row, rel), media_type="image/png")

    @app.get(
        "/v1/tasks/{task_id}/artifacts/{path:path}",
        tags=["tasks"],
        response_class=FileResponse,
        responses={
            **_ERRORS,
            404: {"model": Problem, "description": "No such artifact."},
            200: {
                "description": "The file.",
                "content": {
                    "application/json": {},
                    "application/x-ndjson": {},
                    "image/png": {},
                    "application/xml": {},
                },
            },
        },
    )
    def artifact(
        task_id: TaskIdPath,
        path: Annotated[
            str,
            PathParam(max_length=100, description="episode.json, steps.jsonl, screens/NNNN.png"),
        ],
        owner: Owner,
    ) -> FileResponse:
        """A file of the task's episode folder (the run-directory format of the CLI)."""
        row = load(task_id)
        file = episode_file(row, path)
        kind = {".png": "image/png", ".xml": "application/xml", ".jsonl": "application/x-ndjson"}
        return FileResponse(file, media_type=kind.get(file.suffix, "application/json"))

    @app.get(
        "/v1/tasks/{task_id}/events",
        tags=["tasks"],
        response_class=StreamingResponse,
        responses={
            **_ERRORS,
            **_NOT_FOUND,
            200: {
                "content": {"text/event-stream": {}},
                "description": "Events: status, step, approval_needed, approval_decided, finished.",
            },
        },
    )
    async def events(
        task_id: TaskIdPath,
        owner: Owner,
        last_event_id: Annotated[
            str | None, Header(max_length=20, description="Resume after this event id.")
        ] = None,
    ) -> StreamingResponse:
        """Server-Sent Events of a task until it ends; resumable with ``Last-Event-ID``."""
        await run_in_threadpool(load, task_id)
        after = 0
        if last_event_id is not None:
            try:
                after = max(0, int(last_event_id))
            except ValueError:
                raise HTTPException(
                    422,
                    [
                        {
                            "loc": ["header", "last-event-id"],
                            "msg": "not an event id",
                            "type": "value_error",
                        }
                    ],
                ) from None
        return StreamingResponse(
            _stream(service, store, task_id, after, settings.sse_heartbeat_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post(
        "/v1/tasks/{task_id}/cancel",
        response_model=TaskAccepted,
        tags=["tasks"],
        status_code=202,
        responses={
            **_ERRORS,
            **_NOT_FOUND,
            409: {"model": Problem, "description": "The task has ended."},
        },
    )
    def cancel(task_id: TaskIdPath, owner: Owner) -> TaskAccepted:
        """Cancel a task: at once when queued, at its next step when running."""
        try:
            row = service.cancel(task_id)
        except KeyError:
            raise HTTPException(404, f"no task {task_id}") from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None
        return TaskAccepted(id=row.id, status=row.status)

    @app.get(
        "/v1/tasks/{task_id}/approvals",
        response_model=list[ApprovalOut],
        tags=["approvals"],
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def approvals(task_id: TaskIdPath, owner: Owner) -> list[ApprovalOut]:
        """The task's approvals, oldest first."""
        load(task_id)
        return [_approval_out(a) for a in store.approvals(task_id)]

    @app.post(
        "/v1/tasks/{task_id}/approvals/{approval_id}",
        response_model=ApprovalOut,
        tags=["approvals"],
        responses={
            **_ERRORS,
            404: {"model": Problem, "description": "No such approval."},
            409: {"model": Problem, "description": "It was answered already."},
        },
    )
    def decide(
        task_id: TaskIdPath,
        approval_id: Annotated[str, PathParam(pattern=_ID)],
        body: Decision,
        owner: Owner,
    ) -> ApprovalOut:
        """Approve or reject a sensitive step, with a reason."""
        load(task_id)
        try:
            row = service.decide(
                task_id, approval_id, approve=body.decision == "approve", reason=body.reason
            )
        except KeyError:
            raise HTTPException(404, f"no approval {approval_id} for task {task_id}") from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None
        return _approval_out(row)

    # ------------------------------------------------------------------ the rest

    @app.get("/v1/devices", response_model=list[DeviceOut], tags=["service"], responses=_ERRORS)
    def devices(owner: Owner) -> list[DeviceOut]:
        """The device pool: each device's state and task."""
        return [
            DeviceOut(
                name=d.name,
                kind=d.kind,
                serial=d.serial,
                state=d.state,
                task_id=d.task_id,
                reason=d.reason,
                tasks_run=d.tasks_run,
            )
            for d in service.devices()
        ]

    catalog_doc = Catalog(
        backends=list(settings.backends),
        tasks=[
            CatalogEntry(
                id=s.id,
                suites=list(s.suites),
                apps=list(s.apps),
                kind=s.kind,
                difficulty=s.difficulty,
                tags=list(s.tags),
                budget=s.budget,
                goal_en=s.goal_en,
                goal_zh=s.goal_zh,
            )
            for s in all_specs()
        ],
    )

    @app.get("/v1/catalog", response_model=Catalog, tags=["service"], responses=_ERRORS)
    def catalog(owner: Owner) -> Catalog:
        """The catalog tasks a request may name, and the backends it may ask for."""
        return catalog_doc

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> Health:
        """Liveness (no token needed)."""
        states: dict[str, int] = {}
        for d in service.devices():
            states[d.state] = states.get(d.state, 0) + 1
        return Health(status="ok", version=__version__, queue=service.queue_depth, devices=states)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        tags=["service"],
        responses={
            **_ERRORS,
            200: {"content": {"text/plain": {}}, "description": "Prometheus text format."},
        },
    )
    def metrics(owner: Owner) -> PlainTextResponse:
        """Prometheus metrics: tasks, queue, devices, steps, approvals, HTTP."""
        lines = _service_metrics(service, store) + http_stats.render()
        return PlainTextResponse(
            "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(HttpMetrics, stats=http_stats)
    return app


def _service_metrics(service: TaskService, store: Store) -> list[str]:
    lines = [
        "# HELP droidpilot_tasks Tasks by status.",
        "# TYPE droidpilot_tasks gauge",
    ]
    for status, n in store.counts().items():
        lines.append(f'droidpilot_tasks{{status="{status}"}} {n}')
    lines += [
        "# HELP droidpilot_tasks_submitted_total Tasks submitted since start.",
        "# TYPE droidpilot_tasks_submitted_total counter",
        f"droidpilot_tasks_submitted_total {service.submitted_total}",
        "# HELP droidpilot_tasks_finished_total Tasks ended since start, by status.",
        "# TYPE droidpilot_tasks_finished_total counter",
    ]
    for status, n in sorted(service.finished_total.items()):
        lines.append(f'droidpilot_tasks_finished_total{{status="{status}"}} {n}')
    lines += [
        "# HELP droidpilot_steps_total Agent steps recorded since start.",
        "# TYPE droidpilot_steps_total counter",
        f"droidpilot_steps_total {service.steps_total}",
        "# HELP droidpilot_queue_depth Tasks waiting for a device.",
        "# TYPE droidpilot_queue_depth gauge",
        f"droidpilot_queue_depth {service.queue_depth}",
        "# HELP droidpilot_approvals_pending Approvals waiting for a person.",
        "# TYPE droidpilot_approvals_pending gauge",
        f"droidpilot_approvals_pending {store.pending_approvals()}",
        "# HELP droidpilot_event_streams Open event streams.",
        "# TYPE droidpilot_event_streams gauge",
        f"droidpilot_event_streams {service.bus.listeners}",
        "# HELP droidpilot_devices Devices of the pool by state.",
        "# TYPE droidpilot_devices gauge",
    ]
    states: dict[str, int] = dict.fromkeys(("starting", "idle", "busy", "dead", "stopped"), 0)
    for d in service.devices():
        states[d.state] += 1
    for state, n in states.items():
        lines.append(f'droidpilot_devices{{state="{state}"}} {n}')
    return lines


async def _stream(
    service: TaskService, store: Store, task_id: str, after: int, heartbeat: float
) -> AsyncIterator[str]:
    """The SSE body: stored events after ``after``, then live ones, until ``finished``."""
    wake = service.bus.listen(task_id)
    try:
        yield "retry: 2000\n\n"
        while True:
            wake.clear()
            rows = await run_in_threadpool(store.events, task_id, after=after)
            for ev in rows:
                after = ev.id
                yield f"id: {ev.id}\nevent: {ev.type}\ndata: {ev.data}\n\n"
                if ev.type == "finished":
                    return
            if rows:
                continue
            row = await run_in_threadpool(store.task, task_id)
            if row is None or row.status in TERMINAL:
                # the task may have ended between the two reads: its finished event (written
                # with the status, in one transaction) is then there now
                for ev in await run_in_threadpool(store.events, task_id, after=after):
                    yield f"id: {ev.id}\nevent: {ev.type}\ndata: {ev.data}\n\n"
                return  # else its finished event was sent before Last-Event-ID
            try:
                await asyncio.wait_for(wake.wait(), heartbeat)
            except TimeoutError:
                yield ": keep-alive\n\n"
    finally:
        service.bus.unlisten(task_id, wake)


def serve(
    settings: ServerSettings,
    *,
    device_factory: DeviceFactory | None = None,
    pool: Sequence[PoolDevice] | None = None,
) -> None:
    """Run the app with uvicorn on ``settings.host:port`` until interrupted (``pool`` and
    ``device_factory``: another device pool, as :func:`create_app` takes them)."""
    import uvicorn

    app = create_app(settings, device_factory=device_factory, pool=pool)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=5,
        proxy_headers=False,
    )
