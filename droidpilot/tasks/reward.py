"""Rule-based rewards: pure functions over milestone states. Never a learned model.

- ``progress(s)`` is the sum of the weights of the milestones reached in state ``s``;
- the step reward is ``progress(s_t+1) - progress(s_t)`` (one component per milestone that
  was reached or undone, with its evidence), plus :data:`SUCCESS_BONUS` on success at the end,
  plus penalties (an invalid action, a repeated no-op, an irreversible wrong action);
- a milestone may be undone (an item taken out of the cart): progress goes down, so the step
  rewards of an episode always add up to its final progress plus the terminal bonus plus its
  penalties (:func:`episode_return` checks exactly that).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from droidpilot.errors import ValidationError
from droidpilot.types import RewardComponent

__all__ = [
    "PENALTY_INVALID",
    "PENALTY_IRREVERSIBLE",
    "PENALTY_NOOP",
    "SUCCESS_BONUS",
    "CheckResult",
    "MilestoneState",
    "discounted_returns",
    "invalid_action_penalty",
    "irreversible_penalty",
    "noop_penalty",
    "progress",
    "step_reward",
]

SUCCESS_BONUS = 1.0
PENALTY_INVALID = -0.1
PENALTY_NOOP = -0.05
PENALTY_IRREVERSIBLE = -1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneState:
    """One milestone of a task in one state: reached or not, and why."""

    name: str
    weight: float
    reached: bool
    evidence: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValidationError(f"milestone {self.name!r}: weight must be >= 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The verdict of a task's success check."""

    success: bool
    reward: float
    reason: str


def progress(states: Iterable[MilestoneState]) -> float:
    """The sum of the weights of the milestones reached."""
    return sum(m.weight for m in states if m.reached)


def step_reward(
    before: Sequence[MilestoneState],
    after: Sequence[MilestoneState],
    *,
    success: bool | None = None,
    penalties: Sequence[RewardComponent] = (),
) -> tuple[float, tuple[RewardComponent, ...]]:
    """The reward of one step and its components.

    ``success`` is given on the last step only (``True``/``False``); ``None`` elsewhere.
    """
    if [m.name for m in before] != [m.name for m in after]:
        raise ValidationError("milestones before and after a step must be the same list")
    components: list[RewardComponent] = []
    for b, a in zip(before, after, strict=True):
        if a.reached and not b.reached:
            components.append(
                RewardComponent(name=f"milestone:{a.name}", value=a.weight, evidence=a.evidence)
            )
        elif b.reached and not a.reached:
            components.append(
                RewardComponent(
                    name=f"undone:{a.name}",
                    value=-a.weight,
                    evidence=a.evidence or f"{a.name} no longer holds",
                )
            )
    if success:
        components.append(
            RewardComponent(name="success", value=SUCCESS_BONUS, evidence="success check passed")
        )
    components.extend(penalties)
    return sum(c.value for c in components), tuple(components)


def invalid_action_penalty(reason: str) -> RewardComponent:
    return RewardComponent(name="penalty:invalid_action", value=PENALTY_INVALID, evidence=reason)


def noop_penalty(times: int) -> RewardComponent:
    return RewardComponent(
        name="penalty:repeated_noop",
        value=PENALTY_NOOP,
        evidence=f"the same action changed nothing {times} times in a row",
    )


def irreversible_penalty(evidence: str) -> RewardComponent:
    return RewardComponent(
        name="penalty:irreversible", value=PENALTY_IRREVERSIBLE, evidence=evidence
    )


def discounted_returns(rewards: Sequence[float | None], gamma: float = 1.0) -> list[float | None]:
    """Return-to-go of each step (``None`` stays ``None`` where a step had no reward)."""
    if not 0 <= gamma <= 1:
        raise ValidationError(f"gamma must be in [0, 1], got {gamma}")
    if any(r is None for r in rewards):
        return [None] * len(rewards)
    out: list[float | None] = [0.0] * len(rewards)
    acc = 0.0
    for k in range(len(rewards) - 1, -1, -1):
        r = rewards[k]
        assert r is not None
        acc = r + gamma * acc
        out[k] = acc
    return out
