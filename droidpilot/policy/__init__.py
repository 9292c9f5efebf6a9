"""policy: acting and learning. The episode loop, the guard, run directories, collection,
export to training data, evaluation and reports."""

from __future__ import annotations

from droidpilot.policy.agent import Agent, AgentConfig, Decider, EpisodeResult, read_start
from droidpilot.policy.episode import EpisodeStart
from droidpilot.policy.evaluate import EvalSummary, markdown, summarize, wilson
from droidpilot.policy.export import EXPORT_FORMATS, ExportReport, export_run
from droidpilot.policy.guard import ApprovalRequest, Approver, Guard, GuardMode
from droidpilot.policy.report import render_episode, write_reports
from droidpilot.policy.rollout import (
    CollectReport,
    EpisodeJob,
    JobResult,
    WorkerSpec,
    collect,
    plan_jobs,
    run_job,
)
from droidpilot.policy.teacher import OraclePolicy, OracleScript, OracleTeacher, WatchedDevice
from droidpilot.policy.trajectory import (
    EpisodeWriter,
    TrajectoryError,
    episode_dirs,
    read_episode,
    read_steps,
)

__all__ = [
    "EXPORT_FORMATS",
    "Agent",
    "AgentConfig",
    "ApprovalRequest",
    "Approver",
    "CollectReport",
    "Decider",
    "EpisodeJob",
    "EpisodeResult",
    "EpisodeStart",
    "EpisodeWriter",
    "EvalSummary",
    "ExportReport",
    "Guard",
    "GuardMode",
    "JobResult",
    "OraclePolicy",
    "OracleScript",
    "OracleTeacher",
    "TrajectoryError",
    "WatchedDevice",
    "WorkerSpec",
    "collect",
    "episode_dirs",
    "export_run",
    "markdown",
    "plan_jobs",
    "read_episode",
    "read_start",
    "read_steps",
    "render_episode",
    "run_job",
    "summarize",
    "wilson",
    "write_reports",
]
