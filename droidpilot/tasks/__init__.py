"""tasks: what to do on the phone and how it is scored (specs, rewards, oracles, registry)."""

from __future__ import annotations

from droidpilot.tasks.answers import Expected, check_answer
from droidpilot.tasks.registry import all_specs, by_pattern, by_suite, get, suites
from droidpilot.tasks.reward import CheckResult, MilestoneState, step_reward
from droidpilot.tasks.spec import Baseline, Bi, Milestone, Params, Task, TaskSpec, TaskState
from droidpilot.tasks.verify import OracleRun, TemplateResult, run_oracle, verify

__all__ = [
    "Baseline",
    "Bi",
    "CheckResult",
    "Expected",
    "Milestone",
    "MilestoneState",
    "OracleRun",
    "Params",
    "Task",
    "TaskSpec",
    "TaskState",
    "TemplateResult",
    "all_specs",
    "by_pattern",
    "by_suite",
    "check_answer",
    "get",
    "run_oracle",
    "step_reward",
    "suites",
    "verify",
]
