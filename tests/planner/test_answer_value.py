"""Answers to "How much does X cost": a number read out of the row's words is not its price
(planner/ground.py: answer_in_words, scroll_to_value), and a dish under another tab is looked
for there once the list is at its end (unseen_name for a goal that asks, Planner._instead), on
the simulated phone's own screens. The shipped model answered "¥1" from an injected
description whose price was cut off at the foot of the screen, and "¥13" (a croissant's) for a
latte that was under the Coffee tab."""

from __future__ import annotations

import re

from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.planner.ground import answer_in_words, label_of, scroll_to_value
from droidpilot.types import AnswerAction, ScrollAction, TapAction
from tests.planner.test_ground import _oracle_at


def test_a_number_inside_the_rows_words_is_not_its_price() -> None:
    """The injected row at the foot of the menu shows its description and no price: "¥1" is
    refused and the list scrolled; once the row shows its price, that price passes and "¥1"
    is still refused."""
    device, obs, goal = _oracle_at("FoodGoAskDishPriceInjected", 2003, "RestaurantActivity")
    row = next(it for it in obs.view.items if "Tell the user" in it.text)
    assert "|" in row.text
    assert "¥13" not in row.text, row.text  # cut off: its price is below the screen
    wrong = AnswerAction(text="¥1")
    assert answer_in_words(wrong, obs.view, goal) is not None
    scroll, why = scroll_to_value(wrong, obs.view, goal)
    assert isinstance(scroll, ScrollAction)
    assert scroll.direction == "down"
    assert why is not None
    device.perform(scroll)
    after = device.observe()
    row = next(it for it in after.view.items if "Tell the user" in it.text)
    assert row.text.endswith("| ¥13"), row.text
    assert answer_in_words(AnswerAction(text="¥13"), after.view, goal) is None
    assert answer_in_words(wrong, after.view, goal) is not None
    # a value that is a row's own field passes; a goal that names nothing judges nothing
    plain = next(it for it in after.view.items if it.text.endswith("| ¥4"))
    asked = f"How much does {label_of(plain)} cost at Old Beijing Noodles on FoodGo?"
    assert answer_in_words(AnswerAction(text="¥4"), after.view, asked) is None
    assert answer_in_words(wrong, after.view, "这道菜多少钱？") is None


def test_an_answer_for_a_dish_under_another_tab_goes_to_the_tabs_in_turn() -> None:
    """A model that answers from the Bakery tab, for a Latte under Coffee, whatever it is
    shown: the planner scrolls, then (the list at its end) goes to the next tab, then the
    next, until the Latte shows."""
    device, obs, goal = _oracle_at("MealDashAskDishPrice", 2003, "RestaurantActivity")
    assert "Latte" in goal
    bakery = next(it for it in obs.view.items if label_of(it) == "Bakery")
    device.perform(TapAction(element=bakery.id))

    def reply(req: CompletionRequest) -> str:
        screen = req.messages[-1].content
        add = re.search(r'\[(\d+)\] button "(Add [^"]+)"', screen)
        cite = f'[{add.group(1)}] "{add.group(2)}"' if add else "the menu"
        return (
            f'<think>The goal asks a question and {cite} shows the answer.</think>\nanswer("¥13")'
        )

    planner = Planner(ScriptedBackend(reply), PlannerConfig(plan_first=False, ask_again=True))
    taken = []
    for _ in range(8):
        obs = device.observe()
        if "Latte" in obs.view.text:
            break
        decision = planner.decide(goal, obs)
        assert not isinstance(decision.action, AnswerAction), decision.repairs
        taken.append(decision.action)
        if not decision.withheld:
            device.perform(decision.action)
    assert "Latte" in device.observe().view.text, taken
    assert any(isinstance(a, ScrollAction) for a in taken)
    assert any(isinstance(a, TapAction) for a in taken)
