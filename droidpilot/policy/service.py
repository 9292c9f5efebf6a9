"""The task service behind ``droidpilot serve``: a queue, a device pool, one worker per device.

::

    submit(request) -> queued (in SQLite; the queue is rebuilt from it at start-up)
    worker of each device: claim the oldest queued task it can run -> running
        run the agent's loop (one adapter: run_episode) on its device, into the run directory
        each step -> steps table + a ``step`` event; a sensitive step in ``ask`` mode ->
        an approval + ``approval_needed``, the task waits (``waiting_approval``) for a person
        -> succeeded | failed | cancelled (+ ``finished``)

One task per device at a time; a task is claimed under one lock and moved from ``queued`` to
``running`` in the database in the same step, so no task runs twice. A device that fails is
marked ``dead`` (with the reason), its task fails with that reason, and the worker tries to
open it again every ``device_retry_s``. Backends and devices are built by factories that
``server.py`` hands in (only it picks backends from configuration).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from droidpilot.device.base import ActionResult, Device
from droidpilot.errors import DeviceError, DroidpilotError, PlannerError, TaskError
from droidpilot.planner.planner import Decision, Planner
from droidpilot.planner.prompt import HistoryEntry, render_action
from droidpilot.policy.agent import Agent, AgentConfig, Decider, EpisodeResult
from droidpilot.policy.guard import ApprovalRequest, GuardMode
from droidpilot.policy.store import ACTIVE, ApprovalRow, Store, TaskRow, TaskStatus
from droidpilot.tasks.registry import get as get_spec
from droidpilot.tasks.spec import Task
from droidpilot.types import Action, Observation, StepRecord, to_json

__all__ = [
    "Conflict",
    "DeciderFactory",
    "DeviceFactory",
    "DeviceInfo",
    "EventBus",
    "PoolDevice",
    "QueueFull",
    "ServiceConfig",
    "TaskRequest",
    "TaskService",
    "run_episode",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
DeviceState = Literal["starting", "idle", "busy", "dead", "stopped"]


class QueueFull(DroidpilotError):
    """The queue holds as many tasks as it may."""


class Conflict(DroidpilotError):
    """The request does not fit the task's state (cancel a finished task, answer twice)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRequest:
    """What a client asked for (validated at the edge; ``backend`` filled in by the server)."""

    goal: str | None = None
    task_id: str | None = None
    seed: int = 0
    lang: Literal["en", "zh"] | None = None
    device: str | None = None
    backend: str = "oracle"
    model: str | None = None
    max_steps: int | None = None
    approval: GuardMode = "ask"

    def __post_init__(self) -> None:
        if (self.goal is None) == (self.task_id is None):
            raise TaskError("give a goal or a task_id (one of them)")

    def to_json(self) -> str:
        return json.dumps(
            {
                "goal": self.goal,
                "task_id": self.task_id,
                "seed": self.seed,
                "lang": self.lang,
                "device": self.device,
                "backend": self.backend,
                "model": self.model,
                "max_steps": self.max_steps,
                "approval": self.approval,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_text(cls, text: str) -> TaskRequest:
        doc = json.loads(text)
        return cls(**{k: doc.get(k) for k in cls.__dataclass_fields__ if k in doc})


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolDevice:
    """A member of the device pool: a simulated phone or an adb serial / host:port."""

    name: str
    kind: Literal["sim", "adb", "u2"] = "sim"
    serial: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    runs_dir: Path
    devices: tuple[PoolDevice, ...]
    max_queue: int = 1000
    task_timeout_s: float = 900.0
    approval_timeout_s: float = 600.0
    device_retry_s: float = 30.0
    screenshots: bool = True
    spend_cap: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    name: str
    kind: str
    serial: str | None
    state: DeviceState
    task_id: str | None
    reason: str
    tasks_run: int


DeviceFactory = Callable[[PoolDevice], Device]
DeciderFactory = Callable[[TaskRequest, Task | None], Decider]


class EventBus:
    """Wakes the event streams of a task (asyncio waiters) when the workers add events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def publish(self, task_id: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(task_id, ()))
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                loop.call_soon_threadsafe(event.set)

    def listen(self, task_id: str) -> asyncio.Event:
        """An event set whenever the task gets a new event; :meth:`unlisten` when done."""
        event = asyncio.Event()
        with self._lock:
            self._waiters.setdefault(task_id, set()).add((asyncio.get_running_loop(), event))
        return event

    def unlisten(self, task_id: str, event: asyncio.Event) -> None:
        with self._lock:
            waiters = self._waiters.get(task_id, set())
            for item in [w for w in waiters if w[1] is event]:
                waiters.discard(item)
            if not waiters:
                self._waiters.pop(task_id, None)

    @property
    def listeners(self) -> int:
        with self._lock:
            return sum(len(w) for w in self._waiters.values())


class _Stop(PlannerError):
    """Ends a running episode from outside: cancelled, timed out, or the server stopping."""

    def __init__(self, status: TaskStatus, reason: str) -> None:
        super().__init__(reason)
        self.status: TaskStatus = status
        self.reason = reason


@dataclass(slots=True)
class _Control:
    """What the outside world can do to a running task."""

    task_id: str
    deadline: float
    stop: _Stop | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    answers: dict[str, tuple[bool, str]] = field(default_factory=dict)
    steps: int = 0

    def halt(self, status: TaskStatus, reason: str) -> None:
        if self.stop is None:
            self.stop = _Stop(status, reason)
        self.wake.set()

    def stopped(self) -> _Stop | None:
        return self.stop

    def check(self) -> None:
        if self.stop is None and time.monotonic() > self.deadline:
            self.stop = _Stop("failed", "timed out: the task ran past its time limit")
        if self.stop is not None:
            raise self.stop


class _Controlled:
    """The decider of a running task: stops the loop when the task is stopped."""

    def __init__(self, inner: Decider, control: _Control) -> None:
        self.inner = inner
        self.control = control

    def reset(self, goal: str | None = None) -> None:
        self.inner.reset(goal)

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Sequence[HistoryEntry] | None = None,
    ) -> Decision:
        self.control.check()
        decision = self.inner.decide(goal, obs, memory, history)
        self.control.check()
        return decision

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close) and not isinstance(self.inner, Planner):
            close()


class _Probe:
    """The pool's device as the loop sees it: remembers the device error that ended a task."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.serial = device.serial
        self.failure: DeviceError | None = None

    @property
    def phone(self) -> object:
        return getattr(self.device, "phone", None)

    def _call(self, fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except DeviceError as exc:
            self.failure = exc
            raise

    def failed(self) -> DeviceError | None:
        """The device error of this task: one a call here raised, or one the device reports
        (``died``: a remote device whose task-side calls do not pass through here)."""
        died = getattr(self.device, "died", None)
        return died if isinstance(died, DeviceError) else self.failure

    def observe(self) -> Observation:
        return self._call(self.device.observe)

    def perform(self, action: Action) -> ActionResult:
        return self._call(lambda: self.device.perform(action))

    def current_app(self) -> str:
        return self._call(self.device.current_app)

    def shell(self, cmd: str) -> str:
        return self._call(lambda: self.device.shell(cmd))

    def screenshot(self) -> bytes:
        return self._call(self.device.screenshot)

    def reset(self) -> None:
        self._call(self.device.reset)

    def close(self) -> None:
        self.device.close()

    def settle(self) -> None:
        settle = getattr(self.device, "settle", None)
        if callable(settle):
            self._call(settle)


def run_episode(
    device: Device,
    decider: Decider,
    *,
    runs_dir: Path,
    episode_id: str,
    task: Task | None,
    goal: str | None,
    config: AgentConfig,
    approver: Callable[[ApprovalRequest], tuple[bool, str]],
    on_step: Callable[[StepRecord], None],
) -> EpisodeResult:
    """The one place the service drives the agent's loop (keep its API use here)."""
    agent = Agent(device, decider, config=config, approver=approver, on_step=on_step)
    return agent.run(
        runs_dir,
        task=task,
        goal=None if task is not None else goal,
        episode_id=episode_id,
        run_id="serve",
    )


class _Slot:
    """A device of the pool and its worker (state guarded by the service's lock)."""

    def __init__(self, spec: PoolDevice) -> None:
        self.spec = spec
        self.state: DeviceState = "starting"
        self.task_id: str | None = None
        self.reason = ""
        self.device: Device | None = None
        self.tasks_run = 0
        self.retry_at = 0.0  # monotonic time of the next attempt to open a dead device
        self.thread: threading.Thread | None = None


def step_event(record: StepRecord, task_id: str) -> str:
    """The ``step`` event of a record: what a live view shows (not the prompt)."""
    action = record.action
    doc = {
        "task_id": task_id,
        "step": record.step,
        "app": record.app,
        "thought": record.reasoning or record.completion,
        "action": render_action(action) if action is not None else None,
        "action_kind": action.kind if action is not None else None,
        "action_valid": record.action_valid,
        "executed": record.executed,
        "error": record.error,
        "guard": to_json(record.guard) if record.guard is not None else None,
        "reward": record.reward,
        "progress": record.progress,
        "terminated": record.terminated,
        "truncated": record.truncated,
        "success": record.success,
        "screenshot": record.screenshot_path is not None,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class TaskService:
    """The queue, the device pool and its workers, over a :class:`Store`."""

    def __init__(
        self,
        store: Store,
        config: ServiceConfig,
        *,
        open_device: DeviceFactory,
        make_decider: DeciderFactory,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not config.devices:
            raise TaskError("the device pool is empty")
        names = [d.name for d in config.devices]
        if len(set(names)) != len(names):
            raise TaskError(f"device names repeat: {names}")
        self.store = store
        self.config = config
        self.open_device = open_device
        self.make_decider = make_decider
        self.clock = clock
        self.bus = EventBus()
        self._cond = threading.Condition()
        self._queue: deque[tuple[str, TaskRequest]] = deque()
        self._slots = [_Slot(d) for d in config.devices]
        self._controls: dict[str, _Control] = {}
        self._stopping = False
        self.submitted_total = 0
        self.steps_total = 0
        self.finished_total: dict[str, int] = {}

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        """Mark what was running before as interrupted, reload the queue, start the workers."""
        now = self.clock()
        for task_id in self.store.interrupt_running(
            now=now, reason="interrupted: the server stopped while the task was running"
        ):
            logger.warning("task %s was running when the server stopped: interrupted", task_id)
        with self._cond:
            for row in self.store.queued():
                self._queue.append((row.id, TaskRequest.from_text(row.request)))
        for slot in self._slots:
            slot.thread = threading.Thread(
                target=self._worker, args=(slot,), name=f"worker-{slot.spec.name}", daemon=True
            )
            slot.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the workers; running tasks end as interrupted."""
        with self._cond:
            self._stopping = True
            for control in self._controls.values():
                control.halt("interrupted", "interrupted: the server is shutting down")
            self._cond.notify_all()
        for slot in self._slots:
            if slot.thread is not None:
                slot.thread.join(timeout)
        for slot in self._slots:
            if slot.device is not None:
                with contextlib.suppress(DeviceError):
                    slot.device.close()
            slot.state = "stopped"

    # ------------------------------------------------------------------ requests

    def submit(
        self, request: TaskRequest, *, owner: str = "", idem_key: str | None = None
    ) -> tuple[TaskRow, bool]:
        """Queue a task (``created`` False: the idempotency key was used before)."""
        if request.task_id is not None:
            spec = get_spec(request.task_id)  # TaskError if unknown
            goal = spec.goal_zh if request.lang == "zh" else spec.goal_en
        else:
            goal = str(request.goal)
        if request.device is not None:
            slot = self._slot(request.device)
            if slot is None:
                raise TaskError(f"no device named {request.device!r} in the pool")
            if not self._fits(slot, request):
                raise TaskError(f"catalog tasks run on simulated phones; {slot.spec.name} is not")
        elif request.task_id is not None and not any(s.spec.kind == "sim" for s in self._slots):
            raise TaskError("catalog tasks run on simulated phones, and the pool has none")
        with self._cond:
            if len(self._queue) >= self.config.max_queue:
                raise QueueFull(f"the queue is full ({self.config.max_queue} tasks)")
            row, created = self.store.create_task(
                request=request.to_json(),
                goal=goal,
                owner=owner,
                idem_key=idem_key,
                now=self.clock(),
            )
            if created:
                self._queue.append((row.id, request))
                self.submitted_total += 1
                self._cond.notify_all()
        if created:
            self.bus.publish(row.id)
        return row, created

    def cancel(self, task_id: str) -> TaskRow:
        """Cancel a queued task at once, a running one at its next step."""
        with self._cond:
            row = self.store.task(task_id)
            if row is None:
                raise KeyError(task_id)
            if row.status == "queued":
                self._queue = deque((i, r) for i, r in self._queue if i != task_id)
                self._finish(task_id, "cancelled", reason="cancelled before it started")
            elif row.status in ACTIVE:
                control = self._controls.get(task_id)
                if control is not None:
                    control.halt("cancelled", "cancelled while running")
            elif row.status != "cancelled":
                raise Conflict(f"task {task_id} has already ended ({row.status})")
        out = self.store.task(task_id)
        assert out is not None
        return out

    def decide(self, task_id: str, approval_id: str, *, approve: bool, reason: str) -> ApprovalRow:
        """A person's answer to an approval; the waiting task goes on."""
        row = self.store.approval(approval_id)
        if row is None or row.task_id != task_id:
            raise KeyError(approval_id)
        if row.status != "pending":
            raise Conflict(f"approval {approval_id} was already answered ({row.status})")
        with self._cond:
            control = self._controls.get(task_id)
            decided = self.store.decide_approval(
                approval_id,
                "approved" if approve else "rejected",
                answer=reason,
                now=self.clock(),
            )
            if decided is None:
                raise Conflict(f"approval {approval_id} was already answered")
            if control is not None:
                control.answers[approval_id] = (approve, reason)
                control.wake.set()
        self.bus.publish(task_id)
        return decided

    def devices(self) -> list[DeviceInfo]:
        with self._cond:
            return [
                DeviceInfo(
                    name=s.spec.name,
                    kind=s.spec.kind,
                    serial=s.spec.serial,
                    state=s.state,
                    task_id=s.task_id,
                    reason=s.reason,
                    tasks_run=s.tasks_run,
                )
                for s in self._slots
            ]

    @property
    def queue_depth(self) -> int:
        with self._cond:
            return len(self._queue)

    # ------------------------------------------------------------------ workers

    def _halted(self) -> bool:
        return self._stopping

    def _slot(self, name: str) -> _Slot | None:
        return next((s for s in self._slots if s.spec.name == name), None)

    @staticmethod
    def _fits(slot: _Slot, request: TaskRequest) -> bool:
        if request.device is not None and request.device != slot.spec.name:
            return False
        return request.task_id is None or slot.spec.kind == "sim"

    def _claim(self, slot: _Slot) -> tuple[str, TaskRequest, _Control] | None:
        """The oldest queued task this device can run, moved to running (lock held)."""
        for item in list(self._queue):
            task_id, request = item
            if not self._fits(slot, request):
                continue
            self._queue.remove(item)
            if not self.store.set_status(
                task_id,
                "running",
                expect=("queued",),
                now=self.clock(),
                device=slot.spec.name,
                episode_id=task_id,
            ):
                continue  # cancelled meanwhile
            control = _Control(
                task_id=task_id, deadline=time.monotonic() + self.config.task_timeout_s
            )
            self._controls[task_id] = control
            slot.state, slot.task_id = "busy", task_id
            return task_id, request, control
        return None

    def _open(self, slot: _Slot) -> bool:
        try:
            slot.device = self.open_device(slot.spec)
        except DroidpilotError as exc:
            logger.error("device %s cannot be opened: %s", slot.spec.name, exc)
            with self._cond:
                slot.state, slot.reason, slot.device = "dead", f"cannot open: {exc}", None
            return False
        with self._cond:
            slot.state, slot.reason = "idle", ""
        return True

    def _worker(self, slot: _Slot) -> None:
        while not self._stopping:
            if slot.device is None:
                wait = slot.retry_at - time.monotonic()
                if wait > 0:
                    with self._cond:
                        self._cond.wait_for(lambda: self._stopping, wait)
                    continue
                if not self._open(slot):
                    slot.retry_at = time.monotonic() + self.config.device_retry_s
                    continue
            with self._cond:
                claimed = self._claim(slot)
                while claimed is None and not self._halted():
                    self._cond.wait(timeout=1.0)
                    claimed = self._claim(slot)
            if claimed is None:
                return
            task_id, request, control = claimed
            self.bus.publish(task_id)
            try:
                self._run(slot, task_id, request, control)
            except Exception:  # the server's boundary: a bug never kills the worker
                logger.exception("task %s failed inside the service", task_id)
                self._finish(task_id, "failed", reason="internal error in the task service")
            finally:
                with self._cond:
                    self._controls.pop(task_id, None)
                    slot.tasks_run += 1
                    slot.task_id = None
                    if slot.state == "busy":
                        slot.state = "idle"
                    self._cond.notify_all()

    def _run(self, slot: _Slot, task_id: str, request: TaskRequest, control: _Control) -> None:
        assert slot.device is not None
        probe = _Probe(slot.device)
        try:
            task = None
            if request.task_id is not None:
                task = get_spec(request.task_id).instantiate(request.seed, lang=request.lang)
                bind = getattr(slot.device, "bind_task", None)
                if callable(bind):  # a device whose phone lives elsewhere (serve --ray)
                    task = bind(task)
                self.store.set_goal(task_id, task.goal)
            elif slot.spec.kind == "sim":
                probe.reset()  # a free-form goal starts on the simulated phone's home screen
            decider = _Controlled(self.make_decider(request, task), control)
            max_steps = request.max_steps
            cfg = AgentConfig(
                max_steps=max_steps,
                guard=request.approval,
                spend_cap=self.config.spend_cap,
                max_seconds=self.config.task_timeout_s,
                screenshots=self.config.screenshots,
                hierarchy=False,
            )
            result = run_episode(
                probe,
                decider,
                runs_dir=self.config.runs_dir,
                episode_id=task_id,
                task=task,
                goal=request.goal,
                config=cfg,
                approver=lambda req: self._approve(task_id, req, control),
                on_step=lambda rec: self._stepped(task_id, rec, control),
            )
        except (DroidpilotError, OSError) as exc:
            failure = probe.failed()
            if failure is not None:
                self._device_died(slot, failure)
            self._finish(
                task_id,
                "failed",
                reason=f"{type(exc).__name__}: {exc}",
                error=f"{type(exc).__name__}: {exc}",
            )
            return
        failure = probe.failed()
        if failure is not None and result.error is not None:
            self._device_died(slot, failure)
            self._finish(
                task_id,
                "failed",
                reason=f"device {slot.spec.name} failed: {failure}",
                error=result.error,
                return_=result.return_,
                truncated=True,
            )
            return
        ep = result.episode
        status: TaskStatus
        if control.stop is not None:
            status, reason = control.stop.status, control.stop.reason
        elif result.error is not None:
            status, reason = "failed", ep.reason
        elif ep.success is None:  # a free-form goal: the agent's own report
            ok = ep.terminated and not result.infeasible
            status, reason = ("succeeded" if ok else "failed"), ep.reason
        else:
            status, reason = ("succeeded" if ep.success else "failed"), ep.reason
        self._finish(
            task_id,
            status,
            reason=reason,
            success=ep.success,
            return_=ep.return_,
            answer=ep.answer,
            error=None if control.stop else result.error,
            terminated=ep.terminated,
            truncated=ep.truncated,
        )

    def _device_died(self, slot: _Slot, exc: DeviceError) -> None:
        logger.error("device %s failed: %s", slot.spec.name, exc)
        device, slot.device = slot.device, None
        if device is not None:
            with contextlib.suppress(DeviceError):
                device.close()
        with self._cond:
            slot.state, slot.reason = "dead", f"{type(exc).__name__}: {exc}"
            slot.retry_at = time.monotonic() + self.config.device_retry_s

    def _finish(self, task_id: str, status: TaskStatus, *, reason: str, **result: object) -> None:
        done = self.store.finish(task_id, status, now=self.clock(), reason=reason, **result)  # type: ignore[arg-type]
        if done:
            with self._cond:
                self.finished_total[status] = self.finished_total.get(status, 0) + 1
        self.bus.publish(task_id)

    def _stepped(self, task_id: str, record: StepRecord, control: _Control) -> None:
        control.steps = record.step + 1
        self.store.add_step(
            task_id,
            record.step,
            json.dumps(to_json(record), ensure_ascii=False),
            progress=record.progress,
            event=step_event(record, task_id),
            now=self.clock(),
        )
        with self._cond:
            self.steps_total += 1
        self.bus.publish(task_id)

    def _approve(self, task_id: str, req: ApprovalRequest, control: _Control) -> tuple[bool, str]:
        """The guard's ``ask``: an approval row, then wait for a person (or the end)."""
        if control.stop is not None:
            return False, control.stop.reason
        event: dict[str, object] = {
            "step": control.steps,
            "category": req.category,
            "reason": req.reason,
            "amount": req.amount,
            "action": render_action(req.action),
            "goal": req.goal,
        }
        row = self.store.add_approval(
            task_id,
            step=control.steps,
            category=req.category,
            reason=req.reason,
            amount=req.amount,
            action=json.dumps(to_json(req.action)),
            event=event,
            now=self.clock(),
        )
        if row is None:
            return False, "the task is not running"
        self.bus.publish(task_id)
        deadline = time.monotonic() + self.config.approval_timeout_s
        while True:
            answer = control.answers.pop(row.id, None)
            if answer is not None:
                return answer
            stop = control.stopped()
            if stop is not None:
                return False, stop.reason
            left = deadline - time.monotonic()
            if left <= 0:
                break
            control.wake.wait(min(left, 1.0))
            control.wake.clear()
        why = f"no answer within {self.config.approval_timeout_s:g}s"
        if self.store.decide_approval(row.id, "expired", answer=why, now=self.clock()) is None:
            answer = control.answers.pop(row.id, None)  # answered at the last moment
            if answer is not None:
                return answer
        self.bus.publish(task_id)
        return False, why
