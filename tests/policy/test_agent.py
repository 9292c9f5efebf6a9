"""The episode loop end to end on the simulated phone."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from droidpilot.device.base import ActionResult
from droidpilot.device.sim import SimDevice
from droidpilot.errors import DeviceDisconnected
from droidpilot.planner import Planner
from droidpilot.planner.backends import ScriptedBackend
from droidpilot.planner.backends.base import CompletionRequest
from droidpilot.policy.agent import Agent, AgentConfig, read_start
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.trajectory import read_episode, read_steps
from droidpilot.tasks.spec import Task
from droidpilot.types import Action, Observation, StepRecord

from .conftest import scripted_oracle, sim, task_of

DESIGN_KEYS = (
    "schema_version", "run_id", "episode_id", "step", "ts", "task_id", "goal", "app",
    "activity", "screen_text", "hierarchy_sha256", "hierarchy_path", "screenshot_path",
    "prompt", "completion", "reasoning", "model", "sampling", "prompt_token_ids",
    "completion_token_ids", "completion_logprobs", "action", "action_valid", "executed",
    "error", "guard", "reward", "reward_components", "progress", "terminated", "truncated",
    "success", "timings_ms",
)  # fmt: skip


def test_scripted_oracle_through_prompt_and_parse_path(tmp_path: Path, order_task: Task) -> None:
    dev = sim()
    dev.keep_xml = True
    watched, planner, script = scripted_oracle(order_task, dev)
    res = Agent(watched, planner, config=AgentConfig(guard="allow")).run(tmp_path, task=order_task)
    script.close()
    assert res.success is True
    assert res.terminated
    assert not res.truncated
    assert res.error is None
    steps = read_steps(res.episode_dir)
    assert [s.step for s in steps] == list(range(len(steps)))
    assert len(steps) <= order_task.budget
    raw = json.loads((res.episode_dir / "steps.jsonl").read_text().splitlines()[3])
    for key in DESIGN_KEYS:
        assert key in raw, key
    mid = steps[3]
    assert [m.role for m in mid.prompt] == ["system", "user"]
    assert order_task.goal in mid.prompt[1].content
    assert mid.completion
    assert mid.reasoning
    assert mid.model == "scripted-oracle"
    assert mid.sampling is not None
    assert mid.action is not None
    assert mid.action_valid
    assert mid.executed
    assert mid.guard is not None
    assert mid.guard.decision == "allow"
    assert mid.reward is not None
    assert mid.progress is not None
    assert mid.timings_ms.observe > 0
    assert mid.timings_ms.model > 0
    assert mid.screenshot_path
    assert (res.episode_dir / mid.screenshot_path).read_bytes()[:4] == (b"\x89PNG")
    assert mid.hierarchy_path
    assert (res.episode_dir / mid.hierarchy_path).exists()
    assert any(s.point is not None for s in steps)
    # rewards add up to the final progress plus the success bonus
    total = sum(s.reward or 0.0 for s in steps)
    assert math.isclose(total, steps[-1].progress + 1.0)  # type: ignore[operator]
    assert res.return_ is not None
    assert math.isclose(res.return_, total)
    assert steps[-1].success is True
    assert steps[-1].terminated
    ep = read_episode(res.episode_dir)
    assert ep is not None
    assert ep.success
    assert ep.steps == len(steps)
    assert read_start(res.episode_dir).task_id == order_task.id


def test_a_broken_reply_is_an_invalid_step_and_the_episode_goes_on(
    tmp_path: Path, order_task: Task
) -> None:
    calls = [0]

    def wrap(script: Callable[[CompletionRequest], str]) -> Callable[[CompletionRequest], str]:
        def reply(req: CompletionRequest) -> str:
            if req.stop_after_action:
                calls[0] += 1
                if calls[0] == 3:
                    return "<think>the screen is confusing</think>\nI am not sure what to do."
            return script(req)

        return reply

    watched, planner, script = scripted_oracle(order_task, sim(), wrap)
    res = Agent(watched, planner, config=AgentConfig(guard="allow")).run(tmp_path, task=order_task)
    script.close()
    steps = read_steps(res.episode_dir)
    bad = steps[2]
    assert bad.action is None
    assert not bad.action_valid
    assert not bad.executed
    assert bad.error
    assert "invalid" in bad.error
    assert bad.reward is not None
    assert bad.reward < 0
    assert any(c.name == "penalty:invalid_action" for c in bad.reward_components)
    assert "invalid" in steps[3].prompt[1].content  # the model is told
    assert res.success is True  # and the episode went on


def test_free_form_goal_has_null_reward(tmp_path: Path) -> None:
    replies = [
        '<think>open it</think>\nopen_app("FoodGo")',
        'remember("FoodGo is open")',
        '<think>done</think>\nfinish(success, "opened")',
    ]
    planner = Planner(ScriptedBackend(["1. open FoodGo", *replies]))
    res = Agent(sim(), planner, config=AgentConfig(guard="allow")).run(tmp_path, goal="Open FoodGo")
    steps = read_steps(res.episode_dir)
    assert [s.action.kind for s in steps if s.action] == ["open_app", "remember", "finish"]
    assert all(s.reward is None and s.progress is None for s in steps)
    assert res.success is None
    assert res.return_ is None
    assert res.terminated
    assert not res.truncated
    assert "FoodGo is open" in steps[2].prompt[1].content  # memory reaches the prompt
    assert steps[0].executed
    assert not steps[1].executed
    assert not steps[2].executed


def test_loop_detection_tells_the_model_then_truncates(tmp_path: Path) -> None:
    planner = Planner(ScriptedBackend(lambda r: "key(back)" if r.stop_after_action else "1. x"))
    res = Agent(sim(), planner, config=AgentConfig(loop_k=3)).run(tmp_path, goal="Do nothing")
    steps = read_steps(res.episode_dir)
    assert len(steps) == 4
    assert [s.executed for s in steps] == [True, True, True, False]
    assert res.truncated
    assert not res.terminated
    assert "one more time ends the episode" in steps[3].prompt[1].content
    assert steps[3].error
    assert "loop" in steps[3].error
    assert "loop" in res.episode.reason


def test_waiting_on_an_unchanged_screen_is_not_a_loop_until_wait_loop_k(
    tmp_path: Path, order_task: Task
) -> None:
    """A loading screen stays the same while it loads: waits repeat without a no-op penalty
    up to ``wait_loop_k``; past it the run of waits is a loop like any other."""
    planner = Planner(ScriptedBackend(lambda r: "wait(1)" if r.stop_after_action else "1. wait"))
    cfg = AgentConfig(loop_k=2, wait_loop_k=5, max_steps=20)
    res = Agent(sim(), planner, config=cfg).run(tmp_path, task=order_task)
    steps = read_steps(res.episode_dir)
    assert [s.executed for s in steps] == [True] * 5 + [False]
    assert res.truncated
    assert "loop" in res.episode.reason
    penalised = [any(c.name == "penalty:repeated_noop" for c in s.reward_components) for s in steps]
    assert penalised == [False] * 4 + [True, True]


def test_step_and_wall_clock_budgets(tmp_path: Path) -> None:
    script = ScriptedBackend(lambda r: "wait(1)" if r.stop_after_action else "1. wait")
    res = Agent(sim(), Planner(script), config=AgentConfig(max_steps=3, loop_k=9)).run(
        tmp_path, goal="Wait"
    )
    assert (res.steps, res.truncated, res.terminated) == (3, True, False)
    assert "step budget" in res.episode.reason
    assert read_steps(res.episode_dir)[-1].truncated

    now = [0.0]

    def clock() -> float:
        now[0] += 5.0
        return now[0]

    res = Agent(
        sim(), Planner(script), config=AgentConfig(max_seconds=30, loop_k=9), clock=clock
    ).run(tmp_path, goal="Wait")
    assert res.truncated
    assert res.steps < 5
    assert "wall-clock" in res.episode.reason


class Flaky:
    """A simulated phone whose connection drops once on observe and once on perform."""

    def __init__(self, inner: SimDevice, drop_observe: int, drop_perform: int) -> None:
        self.inner, self.serial, self.phone = inner, inner.serial, inner.phone
        self.n_obs = self.n_act = 0
        self.drop_observe, self.drop_perform = drop_observe, drop_perform

    def observe(self) -> Observation:
        self.n_obs += 1
        if self.n_obs == self.drop_observe:
            raise DeviceDisconnected("connection reset", serial="flaky")
        return self.inner.observe()

    def perform(self, action: Action) -> ActionResult:
        self.n_act += 1
        if self.n_act == self.drop_perform:
            raise DeviceDisconnected("connection reset", serial="flaky")
        return self.inner.perform(action)

    def current_app(self) -> str:
        return self.inner.current_app()

    def shell(self, cmd: str) -> str:
        return self.inner.shell(cmd)

    def screenshot(self) -> bytes:
        return self.inner.screenshot()

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()


def test_reconnect_once_and_retry(tmp_path: Path, order_task: Task) -> None:
    first = sim()
    reconnects = []

    def reconnect() -> SimDevice:
        fresh = SimDevice(first.phone)  # the same phone, a new connection
        reconnects.append(fresh)
        return fresh

    flaky = Flaky(first, drop_observe=3, drop_perform=6)
    agent = Agent(
        flaky, OraclePolicy(order_task), config=AgentConfig(guard="allow"), reconnect=reconnect
    )
    res = agent.run(tmp_path, task=order_task)
    assert len(reconnects) == 1  # observe dropped on the flaky device: reconnected once
    assert res.success is True
    assert res.error is None

    # without a way to reconnect, a drop ends the episode as a device error
    res = Agent(
        Flaky(sim(), 2, 99), OraclePolicy(order_task), config=AgentConfig(guard="allow")
    ).run(tmp_path, task=order_task)
    assert res.error is not None
    assert "DeviceDisconnected" in res.error
    assert res.truncated
    assert res.success is False


def test_a_drop_during_an_action_retries_it_on_the_same_screen(tmp_path: Path) -> None:
    task = task_of()
    first = sim()
    flaky = Flaky(first, drop_observe=0, drop_perform=4)
    agent = Agent(
        flaky,
        OraclePolicy(task),
        config=AgentConfig(guard="allow"),
        reconnect=lambda: SimDevice(first.phone),
    )
    res = agent.run(tmp_path, task=task)
    assert res.success is True
    assert isinstance(agent.device, SimDevice)


def test_ask_user_and_on_step(tmp_path: Path) -> None:
    seen: list[StepRecord] = []
    replies = iter(['ask_user("Which app?")', 'finish(success, "ok")'])
    planner = Planner(ScriptedBackend(lambda r: next(replies) if r.stop_after_action else "1."))
    res = Agent(sim(), planner, ask_user=lambda q: "FoodGo", on_step=seen.append).run(
        tmp_path, goal="Ask me"
    )
    steps = read_steps(res.episode_dir)
    assert "the user said: FoodGo" in steps[1].prompt[1].content
    assert [r.step for r in seen] == [0, 1]


@pytest.mark.parametrize("task_id", ["FoodGoAskDeliveryEta", "TravelBookTrain"])
def test_oracle_policy_question_and_travel(tmp_path: Path, task_id: str) -> None:
    task = task_of(task_id, seed=2, lang="zh")
    res = Agent(sim(2), OraclePolicy(task), config=AgentConfig(guard="allow")).run(
        tmp_path, task=task
    )
    assert res.success is True, res.episode.reason


@pytest.mark.parametrize("through", ["policy", "script"])
def test_the_oracle_hears_of_a_failed_action_and_types_again(tmp_path: Path, through: str) -> None:
    """An ANR dialog that comes up between a type's tap and its text makes the phone refuse
    the type; the oracle is told (as its Driver would be by a real phone) and types again,
    where before it went on as if the field were filled and got stuck at the search."""
    task = task_of("TravelBookTrainAppNotResponding", seed=9, lang="en")
    dev = sim()
    if through == "policy":
        res = Agent(dev, OraclePolicy(task), config=AgentConfig(guard="allow")).run(
            tmp_path, task=task
        )
    else:
        watched, planner, _ = scripted_oracle(task, dev)
        res = Agent(watched, planner, config=AgentConfig(guard="allow")).run(tmp_path, task=task)
    assert res.success is True, res.episode.reason
    steps = read_steps(res.episode_dir)
    failed = [s.step for s in steps if s.error and "no text field has focus" in s.error]
    assert failed, "the fault this test is about did not happen (seed or fault rates moved)"
    typed = [s for s in steps if s.action is not None and s.action.kind == "type"]
    first = next(s for s in typed if s.step == failed[0])
    assert any(s.step > first.step and s.action == first.action for s in typed)
