"""Grounding an action by the words its thought quotes (planner/ground.py), on the simulated
phone's contact list, where the shipped model names the right contact under a wrong number."""

from __future__ import annotations

import dataclasses

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import ScriptedBackend
from droidpilot.planner.ground import ground_cited, label_of
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
    (_, name), (wrong, _), *_ = _people(contacts)
    for thought in (
        f'[{wrong}] "Nobody Here" is the contact.',  # on no element
        f"[{wrong}] {name} is the contact.",  # not quoted
        f'[{wrong + 1000}] "{name}" is the contact.',  # another number
    ):
        assert ground_cited(thought, TapAction(element=wrong), contacts.view)[1] is None
    assert ground_cited(f'[1] "{name}"', OpenAppAction(name="Contacts"), contacts.view) == (
        OpenAppAction(name="Contacts"),
        None,
    )
    # the last citation of the acted-on element is the one read
    last = f'[{wrong}] "Nobody Here"? No: [{wrong}] "{name}", so I tap it.'
    assert ground_cited(last, TapAction(element=wrong), contacts.view)[0] != TapAction(
        element=wrong
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
