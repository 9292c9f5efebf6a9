"""The planner's grounding and refusals against the oracle: with every repair the default
model's settings turn on (grounding by names, PINs, days, app names and quotes; asking again;
withholding a harmful action), a planner whose model replies with the oracle's own step
(thought and action) changes nothing on any template, in either language, and every episode
succeeds. A repair that fires here would turn a right step of the model into a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.teacher import OracleScript, WatchedDevice
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.registry import all_specs

SEED = 2000


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_repair_changes_an_oracle_step_on_any_template(tmp_path: Path, lang: str) -> None:
    config = PlannerConfig(plan_first=False, ask_again=True, ground_names=True, ground_quotes=True)
    changed: list[tuple[str, bool, list[str]]] = []
    for spec in all_specs():
        task = spec.instantiate(SEED, lang=lang)
        watched = WatchedDevice(SimDevice(SimPhone(seed=SEED)))
        script = OracleScript(task, watched)
        said: dict[str, str] = {}

        def reply(
            req: CompletionRequest, script: OracleScript = script, said: dict[str, str] = said
        ) -> str:
            # the oracle's step once a screen: asking again must not move the oracle on
            screen = req.messages[-1].content.split("Current screen:", 1)[-1]
            if screen not in said:
                said.clear()
                said[screen] = script(req)
            return said[screen]

        agent = Agent(
            watched,
            Planner(ScriptedBackend(reply), config),
            config=AgentConfig(guard="allow", screenshots=False, hierarchy=False),
        )
        res = agent.run(tmp_path, task=task)
        script.close()
        repairs = [f"{s.step}: {r}" for s in read_steps(res.episode_dir) for r in s.repairs]
        if repairs or not res.success:
            changed.append((spec.id, res.success, repairs[:3]))
    assert not changed, changed
