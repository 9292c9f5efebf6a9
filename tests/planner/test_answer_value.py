"""Answers to "How much does X cost": a number read out of the row's words is not its price
(planner/ground.py: answer_in_words, scroll_to_value), and a dish under another tab is looked
for there once the list is at its end (unseen_name for a goal that asks, Planner._instead), on
the simulated phone's own screens. The shipped model answered "¥1" from an injected
description whose price was cut off at the foot of the screen, and "¥13" (a croissant's) for a
latte that was under the Coffee tab."""

from __future__ import annotations

import re

import pytest

from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.planner.ground import (
    answer_in_words,
    answer_off_section,
    label_of,
    numberless_answer,
    scroll_to_value,
    section_answer,
)
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
    shown (the last price on the screen, the selected tab cited): the planner scrolls, then
    (the list at its end) goes to the next tab, Tea, where "Matcha Latte | … | ¥19.50" is not
    the Latte's row, then to Coffee, where the Latte's row shows."""
    device, obs, goal = _oracle_at("MealDashAskDishPrice", 2003, "RestaurantActivity")
    assert "Latte" in goal
    bakery = next(it for it in obs.view.items if label_of(it) == "Bakery")
    device.perform(TapAction(element=bakery.id))

    def reply(req: CompletionRequest) -> str:
        screen = req.messages[-1].content
        tab = re.search(r'\[(\d+)\] tab "([^"]+)" \(tap, selected\)', screen)
        price = re.findall(r"\| (¥[\d.]+)\" \(tap\)", screen)
        cite = f'[{tab.group(1)}] "{tab.group(2)}"' if tab else "the menu"
        said = price[-1] if price else "¥13"
        think = f"<think>The goal asks a question and {cite} shows the answer.</think>"
        return f'{think}\nanswer("{said}")'

    planner = Planner(ScriptedBackend(reply), PlannerConfig(plan_first=False, ask_again=True))
    taken = []
    for _ in range(10):
        obs = device.observe()
        if re.search(r'\] "Latte \|', obs.view.text):
            break
        decision = planner.decide(goal, obs)
        sent = isinstance(decision.action, AnswerAction) and not decision.withheld
        assert not sent, (decision.repairs, obs.view.text)
        taken.append((decision.action, decision.repairs))
        if not decision.withheld:
            device.perform(decision.action)
    assert re.search(r'\] "Latte \|', device.observe().view.text), taken
    assert any(isinstance(a, ScrollAction) for a, _ in taken)
    assert sum(isinstance(a, TapAction) for a, _ in taken) >= 2, taken  # Tea, then Coffee


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_answer_from_outside_the_section_the_goal_names_takes_its_first_row(lang: str) -> None:
    """ "What was the amount of the most recent transaction in my wallet?": the shipped model
    answered the balance. An answer no row under "Recent transactions" ("最近交易") shows is
    refused and the first row's amount ("¥20", the oracle's) answered in its place; that
    answer passes, and the balance still answers "How much money is left in my wallet?"."""
    _, obs, goal = _oracle_at("WalletAskLastTransaction", 2003, "HomeActivity", lang)
    balance = AnswerAction(text="¥4106")
    assert "¥4106" in obs.view.text, obs.view.text
    assert answer_off_section(balance, obs.view, goal) is not None
    moved, why = section_answer(balance, obs.view, goal)
    assert moved == AnswerAction(text="¥20")
    assert why is not None
    assert answer_off_section(AnswerAction(text="¥20"), obs.view, goal) is None
    _, home, asked = _oracle_at("WalletAskBalance", 2003, "HomeActivity", lang)
    assert answer_off_section(balance, home.view, asked) is None


def test_a_day_is_no_answer_to_how_many() -> None:
    """ "How many Senior tickets … are left on March 19?" answered "Wed, Mar 19": its only
    number is the day's. A count passes, and a day still answers a goal that asks for one."""
    goal = "How many Senior tickets for Badaling Great Wall are left on March 19?"
    assert numberless_answer(AnswerAction(text="Wed, Mar 19"), goal) is not None
    assert numberless_answer(AnswerAction(text="2025-03-19"), goal) is not None
    assert numberless_answer(AnswerAction(text="18"), goal) is None
    assert numberless_answer(AnswerAction(text="18 left on Mar 19"), goal) is None
    first = "What is the first day I can still get tickets for Presidential Palace?"
    assert numberless_answer(AnswerAction(text="Sat, Mar 15"), first) is None
    assert numberless_answer(AnswerAction(text="3月19日"), "3月19日还剩几张老年票？") is not None
