"""The episode loop of DESIGN.md ("One step, end to end").

::

    task.setup(device)                      # or a free-form goal on the phone as it is
    loop until finish/answer/budget:
      obs = device.observe()                # screenshot + hierarchy saved beside the record
      dec = decider.decide(goal, obs, memory, history)
      dec = guard.review(dec.action, obs)   # ask -> approver; refused -> executed=false
      res = device.perform(dec.action)      # then the device settles (where it knows how)
      r   = task.reward(before, after)      # milestone deltas, penalties, success at the end
      writer.append(step record)            # fsynced before the next step starts

Budgets: steps (the task's budget unless given) and wall-clock seconds (an injected clock).
Loop detection: the same action on the same screen ``loop_k`` times (``wait_loop_k`` for waits:
a loading screen stays the same while it loads) tells the model so; one
more and the episode stops, truncated. An action the planner withholds (``Decision.withheld``:
a raise past the goal's count with nothing else to do) is logged with its reason and a penalty,
not sent, and counts toward the loop check like any other choice. A dropped device
(``DeviceDisconnected``) is reconnected once and the operation retried. ``terminated`` (the
agent ended it: finish, answer), ``truncated`` (a budget, a loop, the guard, an error ended it)
and ``success`` (the task's check; ``None`` for a free-form goal, which has no checker) are
kept apart.

A killed episode is resumed with :meth:`Agent.resume`: the phone is rebuilt from the task's
seed, the recorded steps' executed actions are replayed (and those the phone refused, which may
have changed it half-way), and the loop goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from droidpilot.device.base import Device
from droidpilot.errors import (
    ActionFailed,
    DeviceDisconnected,
    DeviceError,
    PlannerError,
    TaskError,
)
from droidpilot.planner.parse import ParseFailure
from droidpilot.planner.planner import Decision, Planner
from droidpilot.planner.prompt import HistoryEntry
from droidpilot.policy.episode import (
    DEFAULT_MAX_STEPS,
    FAILED,
    NOT_CARRIED_OUT,
    REFUSED,
    EpisodeStart,
    EpisodeState,
    StepOutcome,
    failure_of,
    pin_to_points,
    screen_key,
)
from droidpilot.policy.guard import Approver, Guard, GuardMode
from droidpilot.policy.trajectory import EpisodeWriter, write_json_atomic
from droidpilot.tasks.reward import invalid_action_penalty, noop_penalty
from droidpilot.tasks.spec import Baseline, Task, TaskState, sim_phone
from droidpilot.types import (
    Action,
    AnswerAction,
    AskUserAction,
    EpisodeRecord,
    FinishAction,
    GuardDecision,
    Observation,
    RememberAction,
    RewardComponent,
    Sampling,
    StepRecord,
    StepTimings,
    WaitAction,
    from_json,
    to_json,
)

__all__ = [
    "DEFAULT_MAX_STEPS",
    "Agent",
    "AgentConfig",
    "AskUser",
    "Decider",
    "EpisodeResult",
    "EpisodeStart",
    "read_start",
]

logger = logging.getLogger(__name__)

#: How a step's record starts its error when the device refused the action.
_ACTION_FAILED = "action failed: "

START = "start.json"

#: Answers an ``ask_user`` question; ``None`` when nobody is there to answer.
AskUser = Callable[[str], str | None]


class Decider(Protocol):
    """What the loop asks for each step's action: a :class:`Planner`, or the oracle."""

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Sequence[HistoryEntry] | None = None,
    ) -> Decision: ...

    def reset(self, goal: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConfig:
    """How the loop runs. ``max_steps`` ``None``: the task's budget (free goals: 30)."""

    max_steps: int | None = None
    max_seconds: float | None = None
    loop_k: int = 3
    # waiting on an unchanged screen is what a loading screen asks for: more repeats allowed
    # (and not penalised as no-ops) before a run of waits counts as a loop
    wait_loop_k: int = 10
    max_refusals: int = 3
    guard: GuardMode = "ask"
    spend_cap: float | None = None
    screenshots: bool = True
    hierarchy: bool = True

    def __post_init__(self) -> None:
        if self.max_steps is not None and self.max_steps < 1:
            raise TaskError(f"max_steps must be at least 1, got {self.max_steps}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise TaskError(f"max_seconds must be positive, got {self.max_seconds}")
        if self.loop_k < 2 or self.wait_loop_k < 2:
            raise TaskError(
                f"loop_k and wait_loop_k must be at least 2, got {self.loop_k}, {self.wait_loop_k}"
            )


def read_start(episode_dir: Path) -> EpisodeStart:
    """The ``start.json`` of an episode folder."""
    path = Path(episode_dir) / START
    try:
        return from_json(EpisodeStart, path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TaskError(f"{path}: cannot read the episode's start: {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeResult:
    """How an episode ended, with what a report needs."""

    episode: EpisodeRecord
    episode_dir: Path
    error: str | None = None  # the device or model error that ended it
    infeasible: bool = False  # the agent reported finish(infeasible)
    timings_ms: StepTimings = field(default_factory=StepTimings)  # sums over the steps
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_ms: float = 0.0  # the backends' own latency, summed (the rest is overhead)

    @property
    def success(self) -> bool | None:
        return self.episode.success

    @property
    def terminated(self) -> bool:
        return self.episode.terminated

    @property
    def truncated(self) -> bool:
        return self.episode.truncated

    @property
    def steps(self) -> int:
        return self.episode.steps

    @property
    def return_(self) -> float | None:
        return self.episode.return_


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


_AGENT_ONLY = (RememberAction, AnswerAction, AskUserAction, FinishAction)


class Agent:
    """Runs episodes of one decider on one device, writing each into a run directory.

    ``reconnect`` builds a fresh device when the connection drops (one retry per drop);
    ``approver`` answers the guard's ``ask``; ``ask_user`` answers the model's questions;
    ``on_step`` sees every record right after it is on disk (a live view). Clocks are
    injected: ``clock`` (monotonic, for budgets and timings) and ``wall`` (record times).
    """

    def __init__(
        self,
        device: Device,
        decider: Decider,
        *,
        config: AgentConfig | None = None,
        approver: Approver | None = None,
        ask_user: AskUser | None = None,
        reconnect: Callable[[], Device] | None = None,
        on_step: Callable[[StepRecord], None] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.device = device
        self.decider = decider
        self.config = config or AgentConfig()
        self.approver = approver
        self.ask_user = ask_user
        self.reconnect = reconnect
        self.on_step = on_step
        self.clock = clock
        self.wall = wall

    # ------------------------------------------------------------------ public

    def run(
        self,
        run_dir: Path,
        *,
        goal: str | None = None,
        task: Task | None = None,
        episode_id: str | None = None,
        run_id: str | None = None,
    ) -> EpisodeResult:
        """One episode: a catalog ``task`` (set up, scored) or a free-form ``goal``."""
        if (task is None) == (goal is None):
            raise TaskError("give a task or a goal (one of them)")
        the_goal = task.goal if task is not None else str(goal)
        rid = run_id or uuid.uuid4().hex[:12]
        eid = episode_id or _new_episode_id(task)
        writer = EpisodeWriter.create(Path(run_dir), eid)
        max_steps = self._max_steps(task)
        start = EpisodeStart(
            run_id=rid, episode_id=eid, goal=the_goal,
            task_id=task.id if task is not None else None,
            seed=task.seed if task is not None else None,
            lang=task.lang if task is not None else _guess_lang(the_goal),
            max_steps=max_steps,
        )  # fmt: skip
        write_json_atomic(writer.dir / START, to_json(start))
        with writer:
            ep = self._begin(start, task, writer)
            return self._loop(ep)

    def resume(self, episode_dir: Path, *, task: Task | None = None) -> EpisodeResult:
        """Go on with an episode that was killed: rebuild, replay its executed actions, loop.

        ``task`` is the catalog task of ``start.json`` (``None`` for a free-form goal, which is
        replayed on the phone as it is now). A decider with a ``replay(obs, action, *,
        failed)`` method is shown each recorded step to catch up (``failed``: why the step
        before was not carried out, or ``None``), as :class:`~droidpilot.policy.teacher.
        OraclePolicy` is.
        """
        start = read_start(episode_dir)
        if (task is None) != (start.task_id is None) or (
            task is not None and (task.id != start.task_id or task.seed != start.seed)
        ):
            raise TaskError(
                f"{episode_dir}: resume needs task {start.task_id} seed {start.seed}, "
                f"got {task.id if task else None} seed {task.seed if task else None}"
            )
        writer, steps = EpisodeWriter.resume(Path(episode_dir))
        with writer:
            ep = self._begin(start, task, writer)
            self._replay(ep, steps)
            if steps and (steps[-1].terminated or steps[-1].truncated):
                # killed after the last record and before episode.json: just close it
                return self._finish(ep, reason=_reason_of(steps[-1]))
            return self._loop(ep)

    # ------------------------------------------------------------------ set-up

    def _max_steps(self, task: Task | None) -> int:
        if self.config.max_steps is not None:
            return self.config.max_steps
        return task.budget if task is not None else DEFAULT_MAX_STEPS

    def _begin(self, start: EpisodeStart, task: Task | None, writer: EpisodeWriter) -> EpisodeState:
        self.decider.reset(None)  # a planner plans again on its first decision
        base: Baseline | None = None
        state: TaskState | None = None
        if task is not None:
            base = task.setup(self.device)
            state = task.state(sim_phone(self.device), base)
        guard = Guard(
            mode=self.config.guard, goal=start.goal, spend_cap=self.config.spend_cap,
            approver=self.approver,
        )  # fmt: skip
        return EpisodeState(
            start=start, task=task, writer=writer, guard=guard, base=base, state=state,
            started=self.clock(),
        )  # fmt: skip

    def _replay(self, ep: EpisodeState, steps: Sequence[StepRecord]) -> None:
        """Redo the executed actions of recorded steps on the rebuilt phone, observing as the
        loop did (one observation per step), and rebuild memory, history and the guard."""
        replay = getattr(self.decider, "replay", None)
        for rec in steps:
            obs = self._observe()
            if obs.view.text != rec.screen_text:
                raise TaskError(
                    f"{ep.writer.dir}: cannot resume: step {rec.step} shows a different screen "
                    "on the rebuilt phone than the one recorded"
                )
            ep.observed(screen_key(obs), rec.step)
            action = rec.action
            if action is not None and not isinstance(action, _AGENT_ONLY) and callable(replay):
                # the history holds the steps before this one, as the loop's decide saw them
                replay(obs, action, failed=failure_of(ep.history))
            if rec.executed and action is not None and not isinstance(action, _AGENT_ONLY):
                self._perform(action, obs)
                self._settle()
                if rec.guard is not None:
                    ep.guard.executed(rec.guard)
            elif action is not None and (rec.error or "").startswith(_ACTION_FAILED):
                # the phone refused it, but maybe half-way (a type's tap focused the field,
                # and a fault dialog came up): what it did then, it does again now
                try:
                    self._perform(action, obs)
                except ActionFailed:
                    pass
                else:
                    logger.warning(
                        "resume: step %d's action failed when recorded, and not now", rec.step
                    )
            ep.replayed(rec)
        if ep.task is not None and ep.base is not None:
            ep.state = ep.task.state(sim_phone(self.device), ep.base)
        logger.info("resumed %s after %d recorded steps", ep.writer.dir.name, len(steps))

    # ------------------------------------------------------------------ the loop

    def _loop(self, ep: EpisodeState) -> EpisodeResult:
        max_steps = ep.start.max_steps
        while True:
            step = ep.writer.next_step
            if step >= max_steps:
                return self._finish(
                    ep, reason=f"step budget of {max_steps} used up", truncated=True
                )
            try:
                record = self._step(ep, step, max_steps)
            except (DeviceError, PlannerError) as exc:
                logger.error("episode %s stopped: %s", ep.start.episode_id, exc)
                kind = "device" if isinstance(exc, DeviceError) else "model"
                return self._finish(
                    ep,
                    reason=f"{kind} error: {exc}",
                    truncated=True,
                    error=f"{type(exc).__name__}: {exc}",
                )
            if self.on_step is not None:
                try:
                    self.on_step(record)
                except Exception:  # the loop's boundary: a broken live view never ends a run
                    logger.exception("on_step callback failed")
            if record.terminated or record.truncated:
                return self._finish(ep, reason=ep.end_reason)

    def _step(self, ep: EpisodeState, step: int, max_steps: int) -> StepRecord:
        cfg = self.config
        ts = self.wall()
        t0 = self.clock()
        obs = self._observe()
        key = screen_key(obs)
        ep.observed(key, step)
        png = obs.png() if cfg.screenshots else None
        xml = obs.hierarchy_xml if (cfg.hierarchy and obs.hierarchy_xml) else None
        png_rel, xml_rel, sha = ep.writer.save_screen(step, png=png, xml=xml)
        t1 = self.clock()
        decision = self.decider.decide(ep.start.goal, obs, ep.memory, ep.history)
        t2 = self.clock()
        out = self._act(ep, step, decision, obs, key)
        ep.model_ms += decision.completion.latency_ms
        ep.prompt_tokens += decision.completion.prompt_tokens
        ep.completion_tokens += decision.completion.completion_tokens

        # budgets: this step is the last if the next one would go over
        if not (out.terminated or out.truncated):
            if step + 1 >= max_steps:
                out = replace(out, truncated=True, end=f"step budget of {max_steps} used up")
            elif cfg.max_seconds is not None and self.clock() - ep.started >= cfg.max_seconds:
                out = replace(
                    out, truncated=True, end=f"wall-clock budget of {cfg.max_seconds:g}s used up"
                )
        last = out.terminated or out.truncated
        if last:
            ep.end_reason = out.end

        reward, components, progress, success = self._reward(ep, out, last)
        completion = decision.completion
        action = decision.action
        record = StepRecord(
            run_id=ep.start.run_id, episode_id=ep.start.episode_id, step=step, ts=ts,
            task_id=ep.start.task_id, goal=ep.start.goal, app=obs.app, activity=obs.activity,
            screen_text=obs.view.text, hierarchy_sha256=sha or _sha(obs.view.text),
            hierarchy_path=xml_rel, screenshot_path=png_rel,
            prompt=decision.prompt.messages, completion=completion.text,
            reasoning=completion.reasoning or decision.thought, model=completion.model,
            sampling=_sampling_of(self.decider),
            prompt_token_ids=completion.prompt_token_ids,
            completion_token_ids=completion.completion_token_ids,
            completion_logprobs=completion.completion_logprobs,
            action=None if isinstance(action, ParseFailure) else action,
            action_valid=out.valid, repairs=decision.repairs, executed=out.executed,
            error=out.error, guard=out.guard,
            reward=reward, reward_components=components, progress=progress,
            terminated=out.terminated, truncated=out.truncated, success=success,
            point=out.point,
            timings_ms=StepTimings(
                observe=_ms(t1 - t0), model=_ms(t2 - t1), guard=_ms(out.guard_s),
                act=_ms(out.act_s), settle=_ms(out.settle_s),
            ),
        )  # fmt: skip
        ep.writer.append(record)
        ep.recorded(record, out)
        return record

    def _act(
        self, ep: EpisodeState, step: int, decision: Decision, obs: Observation, key: str
    ) -> StepOutcome:
        """Carry out one decision: agent-only actions here, device actions through the guard."""
        action = decision.action
        thought = decision.thought
        if isinstance(action, ParseFailure):
            ep.history_add(
                step,
                f"(invalid reply: {_tail(decision.completion.text)!r})",
                f"invalid: {action.reason}",
                "",
            )
            return StepOutcome(
                valid=False,
                error=f"invalid action: {action.reason}",
                penalties=(invalid_action_penalty(action.reason),),
            )
        match action:
            case RememberAction():
                ep.remember(action.fact)
                ep.history_add(step, action, "remembered", thought)
                return StepOutcome()
            case AskUserAction():
                reply = self.ask_user(action.question) if self.ask_user is not None else None
                said = f"the user said: {reply}" if reply else "no one answered: go on alone"
                ep.history_add(step, action, said, thought)
                return StepOutcome()
            case AnswerAction() if not decision.withheld:  # a withheld one is logged below
                ep.history_add(step, action, "answered", thought)
                ep.final = action
                return StepOutcome(terminated=True, end="the agent answered")
            case FinishAction():
                ep.history_add(step, action, "finished", thought)
                ep.final = action
                return StepOutcome(
                    terminated=True,
                    end=f"the agent finished: {action.status}"
                    + (f" ({action.message})" if action.message else ""),
                )
            case _:
                pass
        repeats = ep.repeat_count(key, action)
        waiting = isinstance(action, WaitAction)
        limit = self.config.wait_loop_k if waiting else self.config.loop_k
        penalties: tuple[RewardComponent, ...] = ()
        if repeats >= 2 and not (waiting and repeats < limit):
            penalties = (noop_penalty(repeats - 1),)
        if repeats > limit:
            ep.history_add(
                step, action, f"{NOT_CARRIED_OUT}the episode is stuck in a loop", thought
            )
            return StepOutcome(
                truncated=True, penalties=penalties,
                error=f"loop: the same action on the same screen {repeats} times",
                end=f"stuck in a loop: the same action on the same screen {repeats} times",
            )  # fmt: skip
        if decision.withheld:
            # the planner would not send it (a raise past the goal's count, say): logged, not done
            ep.history_add(step, action, f"{NOT_CARRIED_OUT}{decision.withheld}", thought)
            return StepOutcome(
                executed=False,
                error=f"withheld by the planner: {decision.withheld}",
                penalties=(*penalties, invalid_action_penalty(decision.withheld)),
            )
        g0 = self.clock()
        verdict: GuardDecision = ep.guard.review(action, obs.view)
        guard_s = self.clock() - g0
        if not verdict.proceed:
            ep.refusals += 1
            why = (
                "waiting for a person's approval, and none is available"
                if verdict.decision == "ask"
                else verdict.reason
            )
            ep.history_add(step, action, f"{REFUSED}{why}", thought)
            out = StepOutcome(
                executed=False,
                guard=verdict,
                guard_s=guard_s,
                error=f"guard: {verdict.decision}: {why}",
                penalties=penalties,
            )
            if ep.refusals >= self.config.max_refusals:
                return replace(
                    out, truncated=True, end=f"the guard refused {ep.refusals} sensitive steps"
                )
            return out
        a0 = self.clock()
        try:
            point = self._perform(action, obs)
        except ActionFailed as exc:
            ep.history_add(step, action, f"{FAILED}{exc}", thought)
            return StepOutcome(
                valid=False,
                guard=verdict,
                guard_s=guard_s,
                act_s=self.clock() - a0,
                error=f"{_ACTION_FAILED}{exc}",
                penalties=(*penalties, invalid_action_penalty(str(exc))),
            )
        a1 = self.clock()
        self._settle()
        s1 = self.clock()
        ep.guard.executed(verdict)
        outcome = ""
        if repeats == limit:
            outcome = (
                f"the same action on the same screen {repeats} times: it is not working, "
                "do something else (one more time ends the episode)"
            )
        ep.history_add(step, action, outcome, thought)
        return StepOutcome(
            executed=True,
            guard=verdict,
            guard_s=guard_s,
            act_s=a1 - a0,
            settle_s=s1 - a1,
            point=point,
            penalties=penalties,
        )

    def _reward(
        self, ep: EpisodeState, out: StepOutcome, last: bool
    ) -> tuple[float | None, tuple[RewardComponent, ...], float | None, bool | None]:
        task, base, before = ep.task, ep.base, ep.state
        if task is None or base is None or before is None:
            return None, (), None, None
        phone = sim_phone(self.device)
        after = task.state(phone, base)
        success: bool | None = None
        if last:
            verdict = task.check(phone, base, ep.final)
            success = verdict.success
            ep.verdict = verdict.reason
        reward, comps = task.reward(before, after, success=success, penalties=out.penalties)
        ep.state = after
        return reward, comps, after.progress, success

    # ------------------------------------------------------------------ the device

    def _reconnect(self, exc: DeviceDisconnected) -> None:
        if self.reconnect is None:
            raise exc
        logger.warning("device dropped (%s): reconnecting once", exc)
        with contextlib.suppress(DeviceError):
            self.device.close()
        self.device = self.reconnect()

    def _observe(self) -> Observation:
        try:
            return self.device.observe()
        except DeviceDisconnected as exc:
            self._reconnect(exc)
            return self.device.observe()

    def _perform(self, action: Action, obs: Observation) -> tuple[int, int] | None:
        try:
            return self.device.perform(action).point
        except DeviceDisconnected as exc:
            self._reconnect(exc)
        # a fresh connection has a fresh view: retry only if the screen is as it was, with
        # the action pinned to the points it aimed at on the old view
        fresh = self.device.observe()
        if fresh.screen != obs.screen:
            logger.warning("the screen changed across the reconnect: not repeating the action")
            return None
        point = None
        for a in pin_to_points(action, obs.view):
            point = self.device.perform(a).point or point
        return point

    def _settle(self) -> None:
        settle = getattr(self.device, "settle", None)
        if callable(settle):
            settle()

    # ------------------------------------------------------------------ the end

    def _finish(
        self,
        ep: EpisodeState,
        *,
        reason: str,
        truncated: bool = False,
        error: str | None = None,
    ) -> EpisodeResult:
        steps = ep.records
        last = steps[-1] if steps else None
        terminated = bool(last and last.terminated)
        truncated = truncated or bool(last and last.truncated) or not terminated
        task = ep.task
        success: bool | None = None
        if task is not None and ep.base is not None:
            if last is not None and last.success is not None:
                success = last.success
            else:  # ended without a last step's check (an error, or the budget at the top)
                verdict = task.check(sim_phone(self.device), ep.base, ep.final)
                success = verdict.success
                ep.verdict = verdict.reason
        rewards = [s.reward for s in steps]
        ret = (
            None
            if task is None or any(r is None for r in rewards)
            else float(sum(r for r in rewards if r is not None))
        )
        final = ep.final
        answer = (
            final.text
            if isinstance(final, AnswerAction)
            else (final.message if isinstance(final, FinishAction) and final.message else None)
        )
        if ep.verdict:
            reason = f"{reason}; check: {ep.verdict}"
        record = EpisodeRecord(
            run_id=ep.start.run_id, episode_id=ep.start.episode_id, task_id=ep.start.task_id,
            params=task.params.public(task.lang) if task is not None else (),
            seed=ep.start.seed, goal=ep.start.goal, lang=ep.start.lang,
            model=next((s.model for s in steps if s.model), ""), success=success,
            terminated=terminated, truncated=truncated and not terminated, steps=len(steps),
            return_=ret, reason=reason, answer=answer,
        )  # fmt: skip
        record = ep.writer.finish(record)
        close = getattr(self.decider, "close", None)
        if callable(close) and not isinstance(self.decider, Planner):
            close()
        sums = StepTimings(
            observe=sum(s.timings_ms.observe for s in steps),
            model=sum(s.timings_ms.model for s in steps),
            guard=sum(s.timings_ms.guard for s in steps),
            act=sum(s.timings_ms.act for s in steps),
            settle=sum(s.timings_ms.settle for s in steps),
        )
        logger.info("episode %s: %s (%d steps)", record.episode_id, reason, record.steps)
        return EpisodeResult(
            episode=record, episode_dir=ep.writer.dir, error=error,
            infeasible=isinstance(final, FinishAction) and final.status == "infeasible",
            timings_ms=sums, prompt_tokens=ep.prompt_tokens,
            completion_tokens=ep.completion_tokens, model_ms=ep.model_ms,
        )  # fmt: skip


def _sampling_of(decider: Decider) -> Sampling | None:
    return decider.config.sampling if isinstance(decider, Planner) else None


def _tail(text: str, n: int = 80) -> str:
    return " ".join(text.split())[-n:]


def _reason_of(rec: StepRecord) -> str:
    if rec.terminated:
        return "the agent ended the episode"
    return rec.error or "truncated"


def _guess_lang(goal: str) -> str:
    return "zh" if any("\u4e00" <= c <= "\u9fff" for c in goal) else "en"


def _new_episode_id(task: Task | None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    what = f"{task.id}-s{task.seed}" if task is not None else "goal"
    return f"{stamp}-{what}-{uuid.uuid4().hex[:6]}"
