"""Grounding an action by the words its thought quotes (planner/ground.py), on the simulated
phone's contact list, where the shipped model names the right contact under a wrong number."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.planner.ground import ground_cited, label_of
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.registry import get
from droidpilot.types import (
    LongPressAction,
    Observation,
    OpenAppAction,
    TapAction,
    TypeAction,
)


@pytest.fixture(scope="module")
def contacts() -> Observation:
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    return dev.observe()


def _people(obs: Observation) -> list[tuple[int, str]]:
    out = [(it.id, label_of(it)) for it in obs.view.items if it.resource_id.endswith("/contact")]
    assert len(out) >= 5, obs.view.text
    return out


def test_a_wrong_number_under_the_right_words_goes_to_the_element_with_those_words(
    contacts: Observation,
) -> None:
    (right, name), *_, (wrong, other) = _people(contacts)
    thought = f'The goal names the name {name}. [{wrong}] "{name}" shows it, so I tap it.'
    for action in (
        TapAction(element=wrong),
        LongPressAction(element=wrong),
        TypeAction(text="x", element=wrong),
    ):
        moved, why = ground_cited(thought, action, contacts.view)
        assert moved == dataclasses.replace(action, element=right)
        assert why is not None
        assert f"[{wrong}]" in why
        assert f"[{right}]" in why
    # the element's own words, or a tap on another element than the one cited: left alone
    own = f'[{wrong}] "{other}" is the one, so I tap it.'
    assert ground_cited(own, TapAction(element=wrong), contacts.view) == (
        TapAction(element=wrong),
        None,
    )
    assert ground_cited(thought, TapAction(element=right), contacts.view)[1] is None


def test_words_on_no_element_or_on_several_and_actions_without_one_are_left_alone(
    contacts: Observation,
) -> None:
    (right, name), (wrong, _), *_ = _people(contacts)
    for thought in (
        f'[{wrong}] "Nobody Here" is the contact.',  # on no element
        f"[{wrong}] {name} is the contact.",  # not quoted
        f'[{wrong + 1000}] "{name}" is the contact.',  # another number
    ):
        assert ground_cited(thought, TapAction(element=wrong), contacts.view)[1] is None
    # the words on two elements: which one is meant is not known
    named = contacts.view.item(right)
    assert named is not None
    twice = dataclasses.replace(
        contacts.view, items=(*contacts.view.items, dataclasses.replace(named, id=999))
    )
    cited = f'[{wrong}] "{name}" is the contact.'
    assert ground_cited(cited, TapAction(element=wrong), twice) == (TapAction(element=wrong), None)
    assert ground_cited(cited, TapAction(element=wrong), contacts.view)[0] == TapAction(
        element=right
    )
    assert ground_cited(f'[1] "{name}"', OpenAppAction(name="Contacts"), contacts.view) == (
        OpenAppAction(name="Contacts"),
        None,
    )
    # the last citation of the acted-on element is the one read
    last = f'[{wrong}] "Nobody Here"? No: [{wrong}] "{name}", so I tap it.'
    assert ground_cited(last, TapAction(element=wrong), contacts.view)[0] == TapAction(
        element=right
    )


def test_the_planner_grounds_only_when_its_settings_ask(contacts: Observation) -> None:
    (right, name), (wrong, _), *_ = _people(contacts)
    reply = f'<think>The goal names {name}. [{wrong}] "{name}" shows it, so I tap it.</think>\n'
    reply += f"tap({wrong})"
    goal = f"What is {name}'s mobile number?"
    plain = Planner(ScriptedBackend([reply]), PlannerConfig(plan_first=False))
    d = plain.decide(goal, contacts)
    assert d.action == TapAction(element=wrong)
    assert d.repairs == ()
    grounded = Planner(
        ScriptedBackend([reply]), PlannerConfig(plan_first=False, ground_quotes=True)
    )
    d = grounded.decide(goal, contacts)
    assert d.action == TapAction(element=right)
    assert any(f"[{right}]" in r for r in d.repairs), d.repairs
    # the history the next prompt shows holds the action carried out
    assert grounded.history[-1].action == f"tap({right})"


def test_an_episode_logs_the_grounding_and_succeeds_through_it(tmp_path: Path) -> None:
    """The agent loop on a catalog task: the step record keeps the model's completion (the
    wrong number), the action carried out (the right contact) and the repair that joins them."""
    task = get("ContactsAskPhoneNumber").instantiate(2001, lang="en")
    device = SimDevice(SimPhone(seed=2001))
    task.setup(device)
    name = re.search(r"What is (.+)'s mobile number", task.goal)
    assert name is not None, task.goal
    wrong: list[int] = []

    def reply(req: CompletionRequest) -> str:
        screen = req.messages[-1].content
        if "Launcher" in screen:
            return '<think>The goal needs Contacts.</think>\nopen_app("Contacts")'
        lines = dict(re.findall(r'^\[(\d+)\] "([^"]+)" \(tap\)$', screen, re.M))
        if name.group(1) in lines.values():  # the contact list: cite another contact's number
            other = next(int(n) for n, w in lines.items() if w != name.group(1) and " " in w)
            wrong.append(other)
            return f'<think>[{other}] "{name.group(1)}" is the contact.</think>\ntap({other})'
        number = re.search(r'"Mobile (\d+)"', screen)
        assert number is not None, screen
        return f"<think>The number is shown.</think>\nanswer({number.group(1)!r})"

    planner = Planner(ScriptedBackend(reply), PlannerConfig(plan_first=False, ground_quotes=True))
    res = Agent(device, planner, config=AgentConfig(guard="allow")).run(tmp_path, task=task)
    assert res.episode.success is True, res.episode
    steps = read_steps(res.episode_dir)
    tapped = steps[1]
    assert tapped.completion.endswith(f"tap({wrong[0]})")
    assert isinstance(tapped.action, TapAction)
    assert tapped.action.element is not None
    assert tapped.action.element != wrong[0]
    shown = {int(n): w for n, w in re.findall(r'^\[(\d+)\] "([^"]+)"', tapped.screen_text, re.M)}
    assert shown[tapped.action.element] == name.group(1)
    assert len(tapped.repairs) == 1
    assert f"[{tapped.action.element}]" in tapped.repairs[0]
    assert steps[0].repairs == ()
