"""Running oracles: one scored episode per (task, seed), and whole-catalog verification.

:func:`run_oracle` sets a task up on a simulated device, lets its oracle act through the
Device API, scores every step with the task's reward (milestone deltas, penalties, the
terminal bonus) and checks the end. :func:`verify` does that for many specs and seeds
(``droidpilot tasks verify``, the catalog test, ``bench/tasks.py``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from droidpilot.device.base import Device
from droidpilot.errors import DroidpilotError
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import Task, TaskSpec, TaskState, sim_phone
from droidpilot.types import Action, RewardComponent

__all__ = ["OracleRun", "TemplateResult", "run_oracle", "verify"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class OracleRun:
    """One oracle episode, scored."""

    task_id: str
    seed: int
    lang: str
    steps: int  # device actions plus the final answer/finish
    budget: int
    success: bool
    success_at_start: bool
    reason: str
    rewards: tuple[float, ...]
    components: tuple[tuple[RewardComponent, ...], ...]
    final_progress: float
    total_weight: float
    first_reached: tuple[tuple[str, int | None], ...]  # milestone -> first step it held
    final: Action | None
    error: str | None = None
    seconds: float = 0.0

    @property
    def returned(self) -> float:
        return sum(self.rewards)

    @property
    def in_order(self) -> bool:
        """Milestones first held in the order they are declared."""
        steps = [s for _, s in self.first_reached]
        if any(s is None for s in steps):
            return False
        seen = [s for s in steps if s is not None]
        return seen == sorted(seen)

    @property
    def adds_up(self) -> bool:
        """Step rewards sum to the final progress plus the terminal bonus plus penalties."""
        expected = self.final_progress + sum(
            c.value
            for comps in self.components
            for c in comps
            if c.name == "success" or c.name.startswith("penalty:")
        )
        return math.isclose(self.returned, expected, abs_tol=1e-9)

    @property
    def passed(self) -> bool:
        """What verification demands of an oracle run."""
        return (
            self.error is None
            and self.success
            and not self.success_at_start
            and self.steps <= self.budget
            and self.in_order
            and self.adds_up
            and math.isclose(self.final_progress, self.total_weight, abs_tol=1e-9)
        )

    def problems(self) -> list[str]:
        out = []
        if self.error is not None:
            out.append(f"error: {self.error}")
        if not self.success:
            out.append(f"not successful: {self.reason}")
        if self.success_at_start:
            out.append("successful right after setup")
        if self.steps > self.budget:
            out.append(f"{self.steps} steps > budget {self.budget}")
        if not self.in_order:
            out.append(f"milestones out of order: {self.first_reached}")
        if not self.adds_up:
            out.append("rewards do not add up")
        if not math.isclose(self.final_progress, self.total_weight, abs_tol=1e-9):
            out.append(f"final progress {self.final_progress} < {self.total_weight}")
        return out


def run_oracle(
    task: Task, device: Device, on_step: Callable[[Action], None] | None = None
) -> OracleRun:
    """Set ``task`` up on the simulated ``device``, run its oracle, score every step."""
    t0 = time.perf_counter()
    base = task.setup(device)
    phone = sim_phone(device)
    start = task.state(phone, base)
    at_start = task.check(phone, base, None).success
    prev: list[TaskState] = [start]
    rewards: list[float] = []
    comps: list[tuple[RewardComponent, ...]] = []
    first: dict[str, int | None] = {m.name: (0 if m.reached else None) for m in start.milestones}

    def score(action: Action) -> None:
        now = task.state(phone, base)
        r, c = task.reward(prev[-1], now)
        rewards.append(r)
        comps.append(c)
        for m in now.milestones:
            if m.reached and first[m.name] is None:
                first[m.name] = len(rewards)
        prev.append(now)
        if on_step is not None:
            on_step(action)

    driver = Driver(device, lang=task.lang, on_step=score, max_steps=task.budget * 3)
    final: Action | None = None
    error: str | None = None
    try:
        final = task.spec.oracle(driver, task.params)
    except (DroidpilotError, AssertionError, LookupError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.debug("oracle of %s (seed %d) failed: %s", task.id, task.seed, error)
    verdict = task.check(phone, base, final)
    end = task.state(phone, base)
    r, c = task.reward(prev[-1], end, success=verdict.success)
    rewards.append(r)
    comps.append(c)
    return OracleRun(
        task_id=task.id,
        seed=task.seed,
        lang=task.lang,
        steps=driver.steps + 1,
        budget=task.budget,
        success=verdict.success,
        success_at_start=at_start,
        reason=verdict.reason,
        rewards=tuple(rewards),
        components=tuple(comps),
        final_progress=end.progress,
        total_weight=task.spec.total_weight,
        first_reached=tuple(first.items()),
        final=final,
        error=error,
        seconds=time.perf_counter() - t0,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateResult:
    """A template's oracle runs over several seeds."""

    task_id: str
    runs: tuple[OracleRun, ...]

    @property
    def passes(self) -> int:
        return sum(r.passed for r in self.runs)

    @property
    def ok(self) -> bool:
        return self.passes == len(self.runs)

    @property
    def steps(self) -> int:
        return sum(r.steps for r in self.runs)


def verify(
    specs: Iterable[TaskSpec],
    seeds: Iterable[int],
    *,
    device: Device | None = None,
    langs: tuple[str, ...] = ("en", "zh"),
) -> list[TemplateResult]:
    """Run every spec's oracle for every seed (languages taken in turn, seed by seed)."""
    from droidpilot.device.sim import SimDevice, SimPhone

    dev = device if device is not None else SimDevice(SimPhone())
    phone = sim_phone(dev)
    out = []
    seed_list = list(seeds)
    for spec in specs:
        runs = []
        for n, seed in enumerate(seed_list):
            lang = langs[n % len(langs)]
            try:
                task = spec.instantiate(seed, lang=lang, phone=phone)
            except DroidpilotError as exc:
                runs.append(_failed(spec, seed, lang, exc))
                continue
            try:
                runs.append(run_oracle(task, dev))
            except DroidpilotError as exc:
                runs.append(_failed(spec, seed, lang, exc))
        out.append(TemplateResult(task_id=spec.id, runs=tuple(runs)))
    return out


def _failed(spec: TaskSpec, seed: int, lang: str, exc: Exception) -> OracleRun:
    return OracleRun(
        task_id=spec.id,
        seed=seed,
        lang=lang,
        steps=0,
        budget=spec.budget,
        success=False,
        success_at_start=False,
        reason="could not instantiate",
        rewards=(),
        components=(),
        final_progress=0.0,
        total_weight=spec.total_weight,
        first_reached=(),
        final=None,
        error=f"{type(exc).__name__}: {exc}",
    )
