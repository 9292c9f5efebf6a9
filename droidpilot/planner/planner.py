"""The planner: a short plan first, then one thought + action per step.

``Planner.decide(goal, obs)`` builds the step prompt (goal, plan, memory, the last steps, the
screen), asks the backend, and parses the reply into an action or a :class:`ParseFailure`. It
keeps an episode's plan, memory and history itself (a new goal starts a new episode); the agent
loop may also pass its own memory and history. When the last action changed nothing on the
screen the next prompt says so; ``remember`` facts are kept for later apps; a reply may revise
the plan with ``<plan>...</plan>``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from droidpilot.planner.backends.base import DEFAULT_SAMPLING, Backend, CompletionRequest
from droidpilot.planner.ground import ground_cited, ground_named, ground_pin
from droidpilot.planner.parse import ParseFailure, parse_reply
from droidpilot.planner.prompt import (
    SYSTEM_PROMPT,
    HistoryEntry,
    Prompt,
    PromptBudget,
    PromptStyle,
    build_plan_prompt,
    build_step_prompt,
    render_action,
)
from droidpilot.types import (
    Action,
    AnswerAction,
    AskUserAction,
    Completion,
    FinishAction,
    Observation,
    RememberAction,
    Sampling,
    WaitAction,
)

__all__ = ["Decision", "Planner", "PlannerConfig", "parse_plan"]

logger = logging.getLogger(__name__)

_PLAN_BLOCK = re.compile(r"<plan>(.*?)(?:</plan>|\Z)", re.S | re.I)
_NO_SCREEN_EFFECT = (RememberAction, AnswerAction, AskUserAction, FinishAction, WaitAction)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannerConfig:
    sampling: Sampling = field(default_factory=lambda: DEFAULT_SAMPLING)
    plan_sampling: Sampling = field(
        default_factory=lambda: Sampling(temperature=0.0, top_p=1.0, max_tokens=160)
    )
    budget: PromptBudget = field(default_factory=PromptBudget)
    system: str = SYSTEM_PROMPT  # the step prompt's system text
    plan_first: bool = True
    constrain: bool = False  # constrain the answer to the action grammar (local backends)
    # move an action to the element whose words its thought quotes for it (planner/ground.py)
    ground_quotes: bool = False
    # move a tap to the element that shows the goal's words its thought names (planner/ground.py)
    ground_names: bool = False
    max_plan_steps: int = 8

    def styled(self, style: PromptStyle) -> PlannerConfig:
        """This config writing its step prompts in ``style`` (its system text and budget)."""
        return replace(self, system=style.system, budget=style.budget)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What the planner chose for one step, with everything needed to log it."""

    thought: str
    action: Action | ParseFailure
    completion: Completion
    prompt: Prompt
    plan: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not isinstance(self.action, ParseFailure)


def parse_plan(text: str, limit: int = 8) -> tuple[str, ...]:
    """Numbered or bulleted lines -> subgoals (thinking and blank lines left out)."""
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    steps: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^(?:\d+[.)]|[-*•])\s*(.+)$", line)
        if m:
            steps.append(m.group(1).strip())
    if not steps:
        steps = [s.strip() for s in text.splitlines() if s.strip()][:1]
    return tuple(s[:200] for s in steps[:limit])


class Planner:
    """Turns (goal, screen, memory, history) into a thought and one action, via a backend."""

    def __init__(self, backend: Backend, config: PlannerConfig | None = None) -> None:
        self.backend = backend
        self.config = config or PlannerConfig()
        self.goal: str | None = None
        self.plan_steps: tuple[str, ...] = ()
        self.memory: list[str] = []
        self.history: list[HistoryEntry] = []
        self._last_action: Action | ParseFailure | None = None

    def reset(self, goal: str | None = None) -> None:
        """Start a new episode (forget plan, memory and history)."""
        self.goal = goal
        self.plan_steps = ()
        self.memory = []
        self.history = []
        self._last_action = None

    def remember(self, fact: str) -> None:
        fact = fact.strip()
        if fact and fact not in self.memory:
            self.memory.append(fact)

    def plan(self, goal: str, obs: Observation) -> tuple[str, ...]:
        """Ask the model for a short plan of subgoals (the first call of an episode)."""
        prompt = build_plan_prompt(goal, obs.view, memory=self.memory)
        completion = self.backend.complete(
            CompletionRequest(
                messages=prompt.messages,
                sampling=self.config.plan_sampling,
                stop_after_action=False,
            )
        )
        self.plan_steps = parse_plan(
            completion.text or completion.reasoning, self.config.max_plan_steps
        )
        logger.info("plan: %s", "; ".join(self.plan_steps))
        return self.plan_steps

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Sequence[HistoryEntry] | None = None,
    ) -> Decision:
        """One step: build the prompt, ask the model, parse its reply. Never raises on bad
        model output (that is a ``ParseFailure`` in ``Decision.action``); backend errors
        (:class:`~droidpilot.errors.PlannerError`) propagate."""
        if goal != self.goal:
            self.reset(goal)
            if self.config.plan_first:
                self.plan(goal, obs)
        note = self._note(obs)
        prompt = build_step_prompt(
            goal=goal,
            view=obs.view,
            plan=self.plan_steps,
            memory=list(memory) if memory is not None else self.memory,
            history=list(history) if history is not None else self.history,
            note=note,
            budget=self.config.budget,
            system=self.config.system,
        )
        completion = self.backend.complete(
            CompletionRequest(
                messages=prompt.messages,
                sampling=self.config.sampling,
                constrain=self.config.constrain,
                element_ids=tuple(item.id for item in obs.view.items),
            )
        )
        raw = completion.text
        if completion.reasoning:
            raw = f"<think>{completion.reasoning}</think>\n{completion.text}"
        reply = parse_reply(raw, obs.view)
        revised = _PLAN_BLOCK.search(completion.reasoning + "\n" + completion.text)
        if revised:
            steps = parse_plan(revised.group(1), self.config.max_plan_steps)
            if steps:
                self.plan_steps = steps
        action = reply.action
        repairs = reply.repairs
        moved: str | None = None
        if self.config.ground_names and not isinstance(action, ParseFailure):
            # the goal's words first: the quote usually copies the wrongly chosen element's words
            action, moved = ground_named(reply.thought, action, obs.view, goal)
            if moved is None:
                action, moved = ground_pin(reply.thought, action, obs.view, goal)
            if moved is not None:
                repairs = (*repairs, moved)
        if self.config.ground_quotes and moved is None and not isinstance(action, ParseFailure):
            action, moved = ground_cited(reply.thought, action, obs.view)
            if moved is not None:
                repairs = (*repairs, moved)
        if isinstance(action, RememberAction):
            self.remember(action.fact)
        thought = _PLAN_BLOCK.sub("", reply.thought).strip()
        self._record(len(self.history), action, thought, raw)
        return Decision(
            thought=thought,
            action=action,
            completion=completion,
            prompt=prompt,
            plan=self.plan_steps,
            repairs=repairs,
        )

    # ---------------------------------------------------------------- internals

    def _note(self, obs: Observation) -> str:
        last = self._last_action
        diff = obs.view.diff
        if last is None or isinstance(last, _NO_SCREEN_EFFECT):
            return ""
        if isinstance(last, ParseFailure):
            return f"Your last reply had no valid action ({last.reason}). Write one action."
        if diff is not None and diff.same_screen:
            if self.history:
                prev = self.history[-1]
                self.history[-1] = HistoryEntry(
                    step=prev.step,
                    action=prev.action,
                    outcome="nothing changed",
                    thought=prev.thought,
                )
            return (
                f"Your last action {render_action(last)} changed nothing on the screen. "
                "Try a different element or action."
            )
        if self.history and not self.history[-1].outcome:
            prev = self.history[-1]
            self.history[-1] = HistoryEntry(
                step=prev.step, action=prev.action, outcome="screen changed", thought=prev.thought
            )
        return ""

    def _record(self, step: int, action: Action | ParseFailure, thought: str, raw: str) -> None:
        self._last_action = action
        if isinstance(action, ParseFailure):
            bad = " ".join(raw.split())[-80:]
            entry = HistoryEntry(
                step=step,
                action=f"(invalid reply: {bad!r})",
                outcome=f"invalid: {action.reason}",
                thought="",
            )
        else:
            outcome = ""
            if isinstance(action, RememberAction):
                outcome = "remembered"
            entry = HistoryEntry(
                step=step, action=render_action(action), outcome=outcome, thought=thought
            )
        self.history.append(entry)
