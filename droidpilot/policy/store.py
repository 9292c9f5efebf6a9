"""SQLite persistence of the REST service: tasks, step records, approvals and events.

One database file (WAL mode), one connection shared by the service's threads behind a lock:
every call is a short transaction. Tables::

    tasks      one row per submitted task (its request as JSON, status, result, progress)
    steps      the step records of each task, as the JSON lines of steps.jsonl
    approvals  each sensitive step a person was asked about, and the answer
    events     what the event stream of a task sends (ids are global and only grow)

What was running when the process died is found at start-up by :meth:`Store.interrupt_running`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from droidpilot.errors import DroidpilotError

__all__ = [
    "ACTIVE",
    "STATUSES",
    "TERMINAL",
    "ApprovalRow",
    "EventRow",
    "Store",
    "StoreError",
    "TaskRow",
    "TaskStatus",
]

logger = logging.getLogger(__name__)

TaskStatus = Literal[
    "queued", "running", "waiting_approval", "succeeded", "failed", "cancelled", "interrupted"
]
STATUSES: tuple[TaskStatus, ...] = (
    "queued",
    "running",
    "waiting_approval",
    "succeeded",
    "failed",
    "cancelled",
    "interrupted",
)
ACTIVE: tuple[TaskStatus, ...] = ("running", "waiting_approval")
TERMINAL: tuple[TaskStatus, ...] = ("succeeded", "failed", "cancelled", "interrupted")
ApprovalStatus = Literal["pending", "approved", "rejected", "expired"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL DEFAULT '',
    idem_key TEXT,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    device TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    steps INTEGER NOT NULL DEFAULT 0,
    progress REAL,
    success INTEGER,
    return_ REAL,
    reason TEXT NOT NULL DEFAULT '',
    answer TEXT,
    error TEXT,
    terminated INTEGER NOT NULL DEFAULT 0,
    truncated INTEGER NOT NULL DEFAULT 0,
    episode_id TEXT,
    goal TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS tasks_idem ON tasks(owner, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status, seq);
CREATE TABLE IF NOT EXISTS steps (
    task_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (task_id, n)
);
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    amount REAL,
    action TEXT NOT NULL,
    created_at REAL NOT NULL,
    decided_at REAL,
    answer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS approvals_task ON approvals(task_id, created_at);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS events_task ON events(task_id, id);
"""


class StoreError(DroidpilotError):
    """The database cannot be opened or does not hold what it should."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRow:
    """One task as stored. ``request`` is the submitted request's JSON text."""

    seq: int
    id: str
    owner: str
    idem_key: str | None
    request: str
    status: TaskStatus
    device: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    steps: int
    progress: float | None
    success: bool | None
    return_: float | None
    reason: str
    answer: str | None
    error: str | None
    terminated: bool
    truncated: bool
    episode_id: str | None
    goal: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRow:
    id: str
    task_id: str
    step: int
    status: ApprovalStatus
    category: str
    reason: str
    amount: float | None
    action: str  # the action, JSON
    created_at: float
    decided_at: float | None
    answer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRow:
    id: int
    task_id: str
    type: str
    data: str  # JSON
    ts: float


def _task(row: sqlite3.Row) -> TaskRow:
    success = row["success"]
    return TaskRow(
        seq=row["seq"],
        id=row["id"],
        owner=row["owner"],
        idem_key=row["idem_key"],
        request=row["request"],
        status=cast(TaskStatus, row["status"]),
        device=row["device"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        steps=row["steps"],
        progress=row["progress"],
        success=None if success is None else bool(success),
        return_=row["return_"],
        reason=row["reason"],
        answer=row["answer"],
        error=row["error"],
        terminated=bool(row["terminated"]),
        truncated=bool(row["truncated"]),
        episode_id=row["episode_id"],
        goal=row["goal"],
    )


def _approval(row: sqlite3.Row) -> ApprovalRow:
    return ApprovalRow(
        id=row["id"],
        task_id=row["task_id"],
        step=row["step"],
        status=cast(ApprovalStatus, row["status"]),
        category=row["category"],
        reason=row["reason"],
        amount=row["amount"],
        action=row["action"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        answer=row["answer"],
    )


def _event(row: sqlite3.Row) -> EventRow:
    return EventRow(
        id=row["id"], task_id=row["task_id"], type=row["type"], data=row["data"], ts=row["ts"]
    )


class Store:
    """The service's database. Thread-safe: one connection behind one lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the task database: {exc}") from exc

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ tasks

    def create_task(
        self, *, request: str, goal: str, owner: str, idem_key: str | None, now: float
    ) -> tuple[TaskRow, bool]:
        """Insert a queued task; with an ``idem_key`` already used by ``owner``, return that
        task instead (``created`` False)."""
        with self._tx() as db:
            if idem_key is not None:
                row = db.execute(
                    "SELECT * FROM tasks WHERE owner=? AND idem_key=?", (owner, idem_key)
                ).fetchone()
                if row is not None:
                    return _task(row), False
            task_id = "t_" + uuid.uuid4().hex[:20]
            db.execute(
                "INSERT INTO tasks (id, owner, idem_key, request, status, created_at, goal) "
                "VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (task_id, owner, idem_key, request, now, goal),
            )
            row = db.execute("SELECT * FROM tasks WHERE id=?", (task_id,)).fetchone()
            self._add_event(db, task_id, "status", {"status": "queued"}, now)
            return _task(row), True

    def task(self, task_id: str) -> TaskRow | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM tasks WHERE id=?", (task_id,)).fetchone()
        return _task(row) if row is not None else None

    def tasks(
        self, *, status: str | None = None, limit: int = 50, before: int | None = None
    ) -> list[TaskRow]:
        """Tasks newest first; ``before`` a ``seq`` (the cursor) to page on."""
        sql = "SELECT * FROM tasks WHERE 1=1"
        args: list[object] = []
        if status is not None:
            sql += " AND status=?"
            args.append(status)
        if before is not None:
            sql += " AND seq<?"
            args.append(before)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_task(r) for r in rows]

    def queued(self) -> list[TaskRow]:
        """The queued tasks, oldest first (the queue to rebuild at start-up)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM tasks WHERE status='queued' ORDER BY seq"
            ).fetchall()
        return [_task(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status").fetchall()
        out: dict[str, int] = dict.fromkeys(STATUSES, 0)
        out.update({r[0]: r[1] for r in rows})
        return out

    def set_status(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        expect: Sequence[TaskStatus],
        now: float,
        device: str | None = None,
        episode_id: str | None = None,
    ) -> bool:
        """Move a task to ``status`` if it is in one of ``expect``; an event says so."""
        marks = ",".join("?" * len(expect))
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE tasks SET status=?, device=COALESCE(?, device), "
                f"episode_id=COALESCE(?, episode_id), "
                f"started_at=CASE WHEN ?='running' AND started_at IS NULL THEN ? "
                f"ELSE started_at END WHERE id=? AND status IN ({marks})",
                (status, device, episode_id, status, now, task_id, *expect),
            )
            if cur.rowcount != 1:
                return False
            data: dict[str, object] = {"status": status}
            if device is not None:
                data["device"] = device
            self._add_event(db, task_id, "status", data, now)
            return True

    def set_goal(self, task_id: str, goal: str) -> None:
        """The goal of a catalog task once it is instantiated (its template until then)."""
        with self._lock:
            self._db.execute("UPDATE tasks SET goal=? WHERE id=?", (goal, task_id))

    def finish(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        now: float,
        reason: str,
        success: bool | None = None,
        return_: float | None = None,
        answer: str | None = None,
        error: str | None = None,
        terminated: bool = False,
        truncated: bool = False,
        expect: Sequence[TaskStatus] = ("queued", "running", "waiting_approval"),
    ) -> bool:
        """End a task (once): its result, an event ``finished``; pending approvals expire."""
        marks = ",".join("?" * len(expect))
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE tasks SET status=?, finished_at=?, reason=?, success=?, return_=?, "
                f"answer=?, error=?, terminated=?, truncated=? WHERE id=? AND status IN ({marks})",
                (
                    status,
                    now,
                    reason,
                    None if success is None else int(success),
                    return_,
                    answer,
                    error,
                    int(terminated),
                    int(truncated),
                    task_id,
                    *expect,
                ),
            )
            if cur.rowcount != 1:
                return False
            db.execute(
                "UPDATE approvals SET status='expired', decided_at=?, answer=? "
                "WHERE task_id=? AND status='pending'",
                (now, f"the task ended ({status})", task_id),
            )
            self._add_event(
                db,
                task_id,
                "finished",
                {
                    "status": status,
                    "success": success,
                    "reason": reason,
                    "return": return_,
                    "answer": answer,
                    "error": error,
                },
                now,
            )
            return True

    def interrupt_running(self, *, now: float, reason: str) -> list[str]:
        """Mark the tasks that were running (or waiting for approval) as interrupted."""
        with self._lock:
            ids = [
                r[0]
                for r in self._db.execute(
                    "SELECT id FROM tasks WHERE status IN ('running','waiting_approval')"
                ).fetchall()
            ]
        for task_id in ids:
            self.finish(
                task_id, "interrupted", now=now, reason=reason, truncated=True, expect=ACTIVE
            )
        return ids

    # ------------------------------------------------------------------ steps

    def add_step(
        self, task_id: str, n: int, record: str, *, progress: float | None, event: str, now: float
    ) -> int:
        """Store a step record, move the task's progress on and add a ``step`` event."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO steps (task_id, n, record) VALUES (?, ?, ?)",
                (task_id, n, record),
            )
            db.execute(
                "UPDATE tasks SET steps=MAX(steps, ?), progress=COALESCE(?, progress) WHERE id=?",
                (n + 1, progress, task_id),
            )
            return self._add_event_raw(db, task_id, "step", event, now)

    def steps(self, task_id: str, *, offset: int = 0, limit: int = 1000) -> list[str]:
        """The step records of a task (JSON texts), in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM steps WHERE task_id=? AND n>=? ORDER BY n LIMIT ?",
                (task_id, offset, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def step(self, task_id: str, n: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM steps WHERE task_id=? AND n=?", (task_id, n)
            ).fetchone()
        return row[0] if row is not None else None

    # ------------------------------------------------------------------ approvals

    def add_approval(
        self,
        task_id: str,
        *,
        step: int,
        category: str,
        reason: str,
        amount: float | None,
        action: str,
        event: dict[str, object],
        now: float,
    ) -> ApprovalRow | None:
        """A pending approval; the task waits for it. ``None`` if the task is not running."""
        approval_id = "a_" + uuid.uuid4().hex[:16]
        with self._tx() as db:
            cur = db.execute(
                "UPDATE tasks SET status='waiting_approval' WHERE id=? AND status='running'",
                (task_id,),
            )
            if cur.rowcount != 1:
                return None
            db.execute(
                "INSERT INTO approvals (id, task_id, step, status, category, reason, amount, "
                "action, created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                (approval_id, task_id, step, category, reason, amount, action, now),
            )
            self._add_event(db, task_id, "status", {"status": "waiting_approval"}, now)
            self._add_event(
                db, task_id, "approval_needed", {"approval_id": approval_id, **event}, now
            )
            row = db.execute("SELECT * FROM approvals WHERE id=?", (approval_id,)).fetchone()
            return _approval(row)

    def decide_approval(
        self, approval_id: str, status: ApprovalStatus, *, answer: str, now: float
    ) -> ApprovalRow | None:
        """Answer a pending approval (once); the task runs again. ``None`` if not pending."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE approvals SET status=?, answer=?, decided_at=? "
                "WHERE id=? AND status='pending'",
                (status, answer, now, approval_id),
            )
            if cur.rowcount != 1:
                return None
            row = _approval(
                db.execute("SELECT * FROM approvals WHERE id=?", (approval_id,)).fetchone()
            )
            db.execute(
                "UPDATE tasks SET status='running' WHERE id=? AND status='waiting_approval'",
                (row.task_id,),
            )
            self._add_event(
                db,
                row.task_id,
                "approval_decided",
                {"approval_id": approval_id, "status": status, "answer": answer},
                now,
            )
            self._add_event(db, row.task_id, "status", {"status": "running"}, now)
            return row

    def approval(self, approval_id: str) -> ApprovalRow | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM approvals WHERE id=?", (approval_id,)).fetchone()
        return _approval(row) if row is not None else None

    def approvals(self, task_id: str) -> list[ApprovalRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM approvals WHERE task_id=? ORDER BY created_at", (task_id,)
            ).fetchall()
        return [_approval(r) for r in rows]

    def pending_approvals(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM approvals WHERE status='pending'"
            ).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ events

    def add_event(self, task_id: str, type_: str, data: dict[str, object], now: float) -> int:
        with self._tx() as db:
            return self._add_event(db, task_id, type_, data, now)

    def events(self, task_id: str, *, after: int = 0, limit: int = 500) -> list[EventRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM events WHERE task_id=? AND id>? ORDER BY id LIMIT ?",
                (task_id, after, limit),
            ).fetchall()
        return [_event(r) for r in rows]

    def _add_event(
        self, db: sqlite3.Connection, task_id: str, type_: str, data: dict[str, object], now: float
    ) -> int:
        text = json.dumps({"task_id": task_id, **data}, ensure_ascii=False, separators=(",", ":"))
        return self._add_event_raw(db, task_id, type_, text, now)

    @staticmethod
    def _add_event_raw(
        db: sqlite3.Connection, task_id: str, type_: str, data: str, now: float
    ) -> int:
        cur = db.execute(
            "INSERT INTO events (task_id, type, data, ts) VALUES (?, ?, ?, ?)",
            (task_id, type_, data, now),
        )
        return int(cur.lastrowid or 0)
