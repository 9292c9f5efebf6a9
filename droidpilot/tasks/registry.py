"""The one sorted registry of every task spec: by id, by suite, by glob pattern."""

from __future__ import annotations

import difflib
import fnmatch
import functools

from droidpilot.errors import TaskError
from droidpilot.tasks.spec import TaskSpec

__all__ = ["SUITES", "all_specs", "by_pattern", "by_suite", "get", "suites"]

#: The modules that define specs (each has ``SPECS``), in no particular order.
_MODULES = ("food", "travel", "tickets", "crossapp", "trip", "infeasible", "adversarial", "qa")
SUITES = ("food", "travel", "tickets", "crossapp", "infeasible", "adversarial", "qa")


@functools.cache
def all_specs() -> tuple[TaskSpec, ...]:
    """Every spec, sorted by id (ids are unique)."""
    import importlib

    specs: dict[str, TaskSpec] = {}
    for name in _MODULES:
        module = importlib.import_module(f"droidpilot.tasks.{name}")
        for spec in module.SPECS:
            if spec.id in specs:
                raise TaskError(f"two task specs share the id {spec.id!r}")
            specs[spec.id] = spec
    return tuple(specs[k] for k in sorted(specs))


def get(task_id: str) -> TaskSpec:
    for spec in all_specs():
        if spec.id == task_id:
            return spec
    near = difflib.get_close_matches(task_id, [s.id for s in all_specs()], n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise TaskError(f"unknown task {task_id!r}{hint}")


def suites() -> tuple[str, ...]:
    return tuple(sorted({s for spec in all_specs() for s in spec.suites}))


def by_suite(suite: str) -> tuple[TaskSpec, ...]:
    if suite not in suites():
        raise TaskError(f"unknown suite {suite!r}; known: {', '.join(suites())}")
    return tuple(s for s in all_specs() if suite in s.suites)


def by_pattern(pattern: str) -> tuple[TaskSpec, ...]:
    """Specs whose id matches a glob (``FoodGo*``), or a suite name, or comma-separated ones."""
    out: dict[str, TaskSpec] = {}
    for part in (x.strip() for x in pattern.split(",") if x.strip()):
        if part in suites():
            out.update((s.id, s) for s in by_suite(part))
        else:
            out.update((s.id, s) for s in all_specs() if fnmatch.fnmatchcase(s.id, part))
    if not out:
        raise TaskError(f"no task matches {pattern!r}")
    return tuple(out[k] for k in sorted(out))
