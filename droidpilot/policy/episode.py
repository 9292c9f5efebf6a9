"""What the loop keeps while an episode runs: memory, history, loop counters, the task state.

:class:`EpisodeState` is the mutable bookkeeping of one episode (the loop in
:mod:`droidpilot.policy.agent` owns one); :class:`StepOutcome` is what carrying out one
decision came to. :meth:`EpisodeState.replayed` rebuilds the bookkeeping from a recorded step,
so a resumed episode tells the model the same story as the one that was killed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from droidpilot.device.base import scroll_vector
from droidpilot.planner.prompt import HistoryEntry, render_action
from droidpilot.policy.guard import Guard
from droidpilot.policy.trajectory import EpisodeWriter
from droidpilot.tasks.spec import Baseline, Task, TaskState
from droidpilot.types import (
    Action,
    AnswerAction,
    FinishAction,
    GuardDecision,
    LongPressAction,
    Observation,
    RememberAction,
    RewardComponent,
    ScreenView,
    ScrollAction,
    StepRecord,
    SwipeAction,
    TapAction,
    TypeAction,
)

__all__ = [
    "DEFAULT_MAX_STEPS",
    "EpisodeStart",
    "EpisodeState",
    "StepOutcome",
    "failure_of",
    "pin_to_points",
    "screen_key",
]

#: The step budget of a free-form goal (a task brings its own).
DEFAULT_MAX_STEPS = 30

PENDING = ""  # an executed step's outcome until the next screen shows what it did
# How a step's outcome starts when its action was not carried out: the phone refused it, the
# safety guard did, the loop stopped it (a decider reads them back with failure_of).
FAILED = "failed: "
REFUSED = "refused by the safety guard: "
NOT_CARRIED_OUT = "not carried out: "


def failure_of(history: Sequence[HistoryEntry] | None) -> str | None:
    """Why the last step of ``history`` was not carried out (its outcome), or ``None``."""
    if not history:
        return None
    outcome = history[-1].outcome
    return outcome if outcome.startswith((FAILED, REFUSED, NOT_CARRIED_OUT)) else None


def screen_key(obs: Observation) -> str:
    """A hash of the screen as the model sees it (its compact text)."""
    return hashlib.sha256(obs.view.text.encode("utf-8")).hexdigest()


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeStart:
    """``start.json``: what an episode needs to be resumed (written before its first step)."""

    run_id: str
    episode_id: str
    goal: str
    task_id: str | None = None
    seed: int | None = None
    lang: str = "en"
    max_steps: int = DEFAULT_MAX_STEPS


@dataclass(frozen=True, slots=True, kw_only=True)
class StepOutcome:
    """What carrying out one decision came to."""

    valid: bool = True
    executed: bool = False
    terminated: bool = False
    truncated: bool = False
    error: str | None = None
    guard: GuardDecision | None = None
    point: tuple[int, int] | None = None
    penalties: tuple[RewardComponent, ...] = ()
    end: str = ""  # why the episode ends here, when it does
    guard_s: float = 0.0
    act_s: float = 0.0
    settle_s: float = 0.0


@dataclass(kw_only=True)
class EpisodeState:
    """The bookkeeping of one running episode."""

    start: EpisodeStart
    task: Task | None
    writer: EpisodeWriter
    guard: Guard
    base: Baseline | None = None
    state: TaskState | None = None
    started: float = 0.0
    memory: list[str] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    records: list[StepRecord] = field(default_factory=list)
    final: Action | None = None
    refusals: int = 0
    end_reason: str = ""
    verdict: str = ""
    model_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _screen: str = ""
    _pair: tuple[str, str] | None = None
    _repeats: int = 0
    _pending: int | None = None  # history index of the last executed step, outcome unknown

    # ------------------------------------------------------------------ screens & loops

    def observed(self, key: str, step: int) -> None:
        """A new screen: the last executed step's outcome is now known."""
        if self._pending is not None and self._pending < len(self.history):
            entry = self.history[self._pending]
            if entry.outcome == PENDING:
                outcome = "nothing changed" if key == self._screen else "screen changed"
                self.history[self._pending] = HistoryEntry(
                    step=entry.step, action=entry.action, outcome=outcome, thought=entry.thought
                )
        self._pending = None
        self._screen = key

    def repeat_count(self, key: str, action: Action) -> int:
        """How many times in a row this action has now been chosen on this screen."""
        pair = (key, render_action(action))
        self._repeats = self._repeats + 1 if pair == self._pair else 1
        self._pair = pair
        return self._repeats

    # ------------------------------------------------------------------ memory & history

    def remember(self, fact: str) -> None:
        fact = fact.strip()
        if fact and fact not in self.memory:
            self.memory.append(fact)

    def history_add(self, step: int, action: Action | str, outcome: str, thought: str) -> None:
        text = action if isinstance(action, str) else render_action(action)
        self.history.append(HistoryEntry(step=step, action=text, outcome=outcome, thought=thought))
        self._pending = len(self.history) - 1 if outcome == PENDING else None

    def recorded(self, record: StepRecord, out: StepOutcome) -> None:
        self.records.append(record)

    def replayed(self, rec: StepRecord) -> None:
        """Rebuild the bookkeeping of a recorded step (resume)."""
        action = rec.action
        thought = " ".join(rec.reasoning.split())
        self.records.append(rec)
        if action is None:
            self.history_add(rec.step, "(invalid reply)", f"invalid: {rec.error or ''}", "")
            return
        match action:
            case RememberAction():
                self.remember(action.fact)
                self.history_add(rec.step, action, "remembered", thought)
                return
            case AnswerAction() | FinishAction():
                self.final = action
                self.history_add(rec.step, action, "finished", thought)
                return
            case _:
                pass
        if action.kind == "ask_user":
            self.history_add(rec.step, action, "no one answered: go on alone", thought)
            return
        self.repeat_count(_text_key(rec.screen_text), action)
        guard = rec.guard
        if guard is not None and not guard.proceed:
            self.refusals += 1
            self.history_add(rec.step, action, f"{REFUSED}{guard.reason}", thought)
        elif not rec.executed:
            self.history_add(rec.step, action, f"{FAILED}{rec.error or ''}", thought)
        else:
            self.history_add(rec.step, action, PENDING, thought)
        if rec.truncated or rec.terminated:
            self.end_reason = rec.error or "ended"


def pin_to_points(action: Action, view: ScreenView) -> tuple[Action, ...]:
    """The same action aimed at screen points instead of element ids (for a fresh view)."""
    match action:
        case TapAction() | LongPressAction() if action.element is not None:
            item = view.item(action.element)
            if item is None:
                return (action,)
            x, y = item.tap
            if isinstance(action, TapAction):
                return (TapAction(x=x, y=y),)
            return (LongPressAction(x=x, y=y, ms=action.ms),)
        case TypeAction() if action.element is not None:
            item = view.item(action.element)
            if item is None:
                return (action,)
            x, y = item.tap
            return (
                TapAction(x=x, y=y),
                TypeAction(text=action.text, clear=action.clear, submit=action.submit),
            )
        case ScrollAction() if action.element is not None:
            item = view.item(action.element)
            if item is None:
                return (action,)
            b = item.bounds
            x1, y1, x2, y2 = scroll_vector(action.direction, (b.x1, b.y1, b.x2, b.y2))
            return (SwipeAction(x1=x1, y1=y1, x2=x2, y2=y2),)
        case _:
            return (action,)
