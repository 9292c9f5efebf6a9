"""Request and response schemas of the REST service (pydantic, at the edge only)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator

from droidpilot.policy.store import TERMINAL, ApprovalRow, Store, TaskRow

logger = logging.getLogger(__name__)

_ID = r"^[A-Za-z0-9_\-]{1,64}$"
_STATUS = Literal[
    "queued", "running", "waiting_approval", "succeeded", "failed", "cancelled", "interrupted"
]


# --------------------------------------------------------------------------- schemas


class Problem(BaseModel):
    """An error: ``detail`` says what is wrong (a list of field errors for a 422)."""

    detail: str | list[dict[str, Any]]


class TaskCreate(BaseModel):
    """A task to run: a free-form ``goal`` or a catalog ``task_id`` (one of them)."""

    model_config = ConfigDict(extra="forbid")

    goal: str | None = Field(None, min_length=1, max_length=2000, description="Free-form goal.")
    task_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_]{1,80}$", description="A catalog task id (GET /v1/catalog)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The catalog task's seed.")
    lang: Literal["en", "zh"] | None = None
    device: str | None = Field(None, max_length=200, description="A device name (GET /v1/devices).")
    backend: Literal["oracle", "transformers", "onnx", "openai"] | None = None
    model: str | None = Field(None, max_length=300)
    max_steps: int | None = Field(None, ge=1, le=1000)
    approval: Literal["ask", "allow", "deny"] = Field(
        "ask", description="Sensitive steps: ask a person, allow, or deny."
    )

    @model_validator(mode="after")
    def _one_of(self) -> TaskCreate:
        if (self.goal is None) == (self.task_id is None):
            raise ValueError("give a goal or a task_id (one of them)")
        if self.goal is not None and not self.goal.strip():
            raise ValueError("the goal is empty")
        return self


class TaskAccepted(BaseModel):
    id: str
    status: _STATUS


class ApprovalOut(BaseModel):
    id: str
    task_id: str
    step: int
    status: Literal["pending", "approved", "rejected", "expired"]
    category: str
    reason: str
    amount: float | None
    action: dict[str, Any]
    created_at: datetime
    decided_at: datetime | None
    answer: str


class TaskResult(BaseModel):
    reason: str
    answer: str | None
    error: str | None
    terminated: bool
    truncated: bool
    episode_id: str | None


class TaskOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    status: _STATUS
    goal: str
    task_id: str | None
    seed: int
    lang: str | None
    device: str | None
    backend: str
    model: str | None
    max_steps: int | None
    approval: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    success: bool | None
    progress: float | None = Field(description="Milestone progress (0..1) of a catalog task.")
    steps: int
    return_: float | None = Field(alias="return", description="The sum of the step rewards.")
    result: TaskResult | None
    pending_approval: ApprovalOut | None = None


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field("", max_length=500)


class StepOut(BaseModel):
    """A step record (DESIGN.md "Step record"); every key of steps.jsonl is there."""

    model_config = ConfigDict(extra="allow")

    schema_version: int
    run_id: str
    episode_id: str
    step: int
    ts: float
    task_id: str | None
    goal: str
    app: str
    screen_text: str
    screenshot_path: str | None
    reasoning: str
    action: dict[str, Any] | None
    executed: bool
    error: str | None
    guard: dict[str, Any] | None
    reward: float | None
    progress: float | None
    terminated: bool
    truncated: bool
    success: bool | None


class DeviceOut(BaseModel):
    name: str
    kind: str
    serial: str | None
    state: Literal["starting", "idle", "busy", "dead", "stopped"]
    task_id: str | None
    reason: str
    tasks_run: int


class CatalogEntry(BaseModel):
    id: str
    suites: list[str]
    apps: list[str]
    kind: str
    difficulty: str
    tags: list[str]
    budget: int
    goal_en: str
    goal_zh: str


class Catalog(BaseModel):
    backends: list[str]
    tasks: list[CatalogEntry]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    queue: int
    devices: dict[str, int]


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No or a wrong bearer token."},
    413: {"model": Problem, "description": "The request body is too large."},
    422: {"model": Problem, "description": "A bad request: field errors."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such task."}
}


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _approval_out(row: ApprovalRow) -> ApprovalOut:
    return ApprovalOut(
        id=row.id,
        task_id=row.task_id,
        step=row.step,
        status=row.status,
        category=row.category,
        reason=row.reason,
        amount=row.amount,
        action=json.loads(row.action),
        created_at=_ts(row.created_at) or datetime.now(UTC),
        decided_at=_ts(row.decided_at),
        answer=row.answer,
    )


def _task_out(row: TaskRow, store: Store) -> TaskOut:
    req = json.loads(row.request)
    pending = None
    if row.status == "waiting_approval":
        waiting = [a for a in store.approvals(row.id) if a.status == "pending"]
        pending = _approval_out(waiting[-1]) if waiting else None
    ended = row.status in TERMINAL
    return TaskOut(  # type: ignore[call-arg]  # return_ is populated by name
        id=row.id,
        status=row.status,
        goal=row.goal,
        task_id=req.get("task_id"),
        seed=req.get("seed", 0),
        lang=req.get("lang"),
        device=row.device,
        backend=req.get("backend", ""),
        model=req.get("model"),
        max_steps=req.get("max_steps"),
        approval=req.get("approval", "ask"),
        created_at=_ts(row.created_at) or datetime.now(UTC),
        started_at=_ts(row.started_at),
        finished_at=_ts(row.finished_at),
        success=row.success,
        progress=row.progress,
        steps=row.steps,
        return_=row.return_,
        result=TaskResult(
            reason=row.reason,
            answer=row.answer,
            error=row.error,
            terminated=row.terminated,
            truncated=row.truncated,
            episode_id=row.episode_id,
        )
        if ended
        else None,
        pending_approval=pending,
    )


def _field_error(loc: str, msg: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["body", loc], "msg": msg, "type": "value_error"}])
