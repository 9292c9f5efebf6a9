"""The comparison of a dish's sellers (droidpilot.planner.survey) on the simulated phone's real
screens: the search lists the sellers, each menu gives its price (or "Sold out"), and the
cheapest is chosen with the count its minimum order needs; and through the whole agent loop,
a model that goes straight to a dearer seller ends up ordering at the cheapest."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.apps.foodgo import FoodGoApp
from droidpilot.device.sim.apps.mealdash import MealDashApp
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.planner.survey import Offer, Survey, sought_dish
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.foodkit import FOOD_APPS
from droidpilot.tasks.registry import get
from droidpilot.tasks.spec import Task
from droidpilot.types import Action, OpenAppAction, ScrollAction, TapAction, role_word


def test_the_goal_that_asks_for_the_cheapest_seller_names_its_dish() -> None:
    en = get("MealDashOrderCheapestDish").instantiate(2005, lang="en").goal
    zh = get("MealDashOrderCheapestDish").instantiate(2005, lang="zh").goal
    assert sought_dish(en) == "Americano"
    assert sought_dish(zh) == "美式咖啡"
    assert sought_dish(get("MealDashOrderDish").instantiate(2005, lang="en").goal) == ""
    assert not Survey(get("FoodGoOrderDish").instantiate(2005, lang="en").goal).active


def test_an_offer_needs_as_many_as_its_minimum_order() -> None:
    assert Offer(minimum=20, price=18.5).units == 2
    assert Offer(minimum=20, price=20).units == 1
    assert Offer(minimum=0, price=61).units == 1
    assert Offer(minimum=30, price=9.5).units == 4


def _surveyed(task_id: str, seed: int, lang: str) -> tuple[Task, Survey, list[str]]:
    """The task, and a survey driven by nothing but its own steps on the simulated phone,
    with what was done. Where its step is to keep looking on a seller's menu, the driver
    does what a model does: the next tab not yet opened, else a scroll down the menu."""
    task = get(task_id).instantiate(seed, lang=lang)
    device = SimDevice(SimPhone(seed=seed))
    task.setup(device)
    survey = Survey(task.goal)
    device.perform(OpenAppAction(name=task.params.t("app", lang)))
    done: list[str] = []
    opened: set[str] = set()
    for _ in range(60):
        view = device.observe().view
        survey.read(view)
        chosen = survey.choice()
        if chosen is not None and survey._shop_of(view) == chosen[0]:
            return task, survey, done
        step = survey._step(view)
        action: Action
        if step is not None:
            action = step[0]
        else:
            tabs = [it for it in view.items if role_word(it.role) == "tab" and not it.selected]
            page = survey._shop_of(view)
            tab = next((t for t in tabs if f"{page}/{t.text}" not in opened), None)
            if tab is not None:
                opened.add(f"{page}/{tab.text}")
                action = TapAction(element=tab.id)
            else:
                menu = next(it for it in view.items if it.scrollable)
                action = ScrollAction(direction="down", element=menu.id)
        done.append(type(action).__name__)
        device.perform(action)
    raise AssertionError(f"no choice after 60 steps: {survey.shops}")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("app", ["FoodGo", "MealDash"])
@pytest.mark.parametrize("seed", [2000, 2004, 2011])
def test_the_survey_chooses_the_cheapest_seller_off_the_screens(
    app: str, seed: int, lang: str
) -> None:
    """Every seller the search lists is read, the one with the lowest price where the dish
    is not sold out is chosen (FoodGo at 2004: the cheapest shows "Sold out"; 2011: three
    sellers), with the count the task's check wants, and the goal the rules read says so."""
    task, survey, done = _surveyed(f"{app}OrderCheapestDish", seed, lang)
    chosen = survey.choice()
    assert chosen is not None
    name, offer = chosen
    assert name == task.params.t("shop", lang), survey.shops
    assert offer.units == task.params.i("qty"), survey.shops
    assert done[0] in ("TypeAction", "TapAction")  # the search first
    assert all(o.read for o in survey.shops.values())
    dish = task.params.t("dish", lang)
    ruled = survey.goal(task.goal)
    assert ruled.startswith(task.goal)
    assert f"{task.params.i('qty')}" in ruled[len(task.goal) :]
    assert dish in ruled[len(task.goal) :]
    assert name in ruled[len(task.goal) :]


def test_a_sold_out_seller_is_no_offer() -> None:
    _, survey, _ = _surveyed("FoodGoOrderCheapestDish", 2004, "en")
    lanzhou = survey.shops["Lanzhou Noodle House"]
    assert lanzhou.sold_out
    assert lanzhou.price == 16  # the lowest price, but sold out
    chosen = survey.choice()
    assert chosen is not None
    assert chosen[0] == "Old Beijing Noodles"


def _guesser(task: Task, guess: str) -> Callable[[CompletionRequest], str]:
    """A model that goes straight to the seller ``guess`` and orders the goal's dish there:
    its row, the dish's row (the next tab or a scroll while it shows nowhere), the sheet's
    add button, the cart, checkout, the PIN, finish. Nothing else of the screen is read."""
    dish, pin = task.params.s("dish"), task.params.s("pin")
    tried: Counter[str] = Counter()

    def say(n: str, words: str) -> str:
        return f'<think>The next step is [{n}] "{words}", so I tap it.</think>\ntap({n})'

    def reply(req: CompletionRequest) -> str:
        if not req.stop_after_action:
            return "1. Order it."
        screen = req.messages[-1].content.split("Current screen:", 1)[-1]
        rows = dict(
            re.findall(r'\[(\d+)\] (?:button |tab )?"([^"|]+?)(?: \|[^"]*)?" \(tap', screen)
        )
        by_words = {words: n for n, words in rows.items()}
        if "launcher" in screen.split("\n", 3)[1]:
            app = task.params.s("app")
            return f'<think>The goal needs {app}.</think>\nopen_app("{app}")'
        if "Order no." in screen:
            return "<think>The order is paid.</think>\nfinish(success)"
        entered = re.search(r"(\d) of 6 digits entered", screen)
        if entered:
            k = int(entered.group(1))
            key = pin[k] if k < len(pin) else next(w for w in ("Done", "Pay") if w in by_words)
            return say(by_words[key], key)
        for words in ("Place order", "Submit order", "Done"):
            if words in by_words:
                return say(by_words[words], words)
        sheet = next((w for w in by_words if re.match(r"Add to (?:cart|basket)", w)), None)
        if sheet is not None:
            return say(by_words[sheet], sheet)
        empty = re.search(r"Cart is empty|Basket empty", screen)
        if not empty:
            for words in ("Checkout", "Review order", "View cart", "Basket"):
                if words in by_words:
                    return say(by_words[words], words)
        if dish in by_words:
            return say(by_words[dish], dish)
        if guess in by_words:
            return say(by_words[guess], guess)
        tabs = [w for n, w in rows.items() if f'[{n}] tab "{w}" (tap' in screen]
        if not tabs:
            tried.clear()  # off a menu: the next one's tabs are new
        here = next((w for w in tabs if f'tab "{w}" (tap, selected)' in screen), "")
        tried[here] += 1  # each tab: a look, two scrolls, then the next tab
        tab = next((w for w in tabs if w not in tried), None)
        if tab is not None and empty and tried[here] > 3:
            return say(by_words[tab], tab)
        lists = re.findall(r"\[(\d+)\] #(?:menu|restaurant_list|results) \(scroll", screen)
        n = lists[0] if lists else "0"
        return (
            f'<think>"{dish}" is not on this screen, so I scroll down.</think>\nscroll({n}, down)'
        )

    return reply


def _dearer_seller(task: Task, phone: SimPhone) -> str:
    """A seller of the task's dish dearer than the one to order from (not sold out there)."""
    app = next(a for a in FOOD_APPS if a.prefix + "OrderCheapestDish" == task.id)
    food = phone.read(next(c for c in (FoodGoApp, MealDashApp) if c.package == app.package))
    dish = food.dish(task.params.s("_dish_id"))
    other = next(d for d in food.find_dishes(dish.name.en) if d.id != dish.id and not d.sold_out)
    assert other.price > dish.price
    return food.restaurant(other.restaurant).name.en


@pytest.mark.parametrize(("task_id", "seed"), [("MealDashOrderCheapestDish", 2005),
                                               ("FoodGoOrderCheapestDish", 2000)])  # fmt: skip
def test_a_model_that_guesses_a_dearer_seller_orders_at_the_cheapest(
    tmp_path: Path, task_id: str, seed: int
) -> None:
    """The whole loop: a model that goes straight to a dearer seller and orders there. The
    planner searches, reads every seller's price, leaves the dearer one before anything is
    added, and the order is paid at the cheapest with the count its minimum order needs, as
    the task's check wants (a model left alone pays at the dearer one)."""
    phone = SimPhone(seed=seed)
    task = get(task_id).instantiate(seed, lang="en")
    guess = _dearer_seller(task, phone)
    config = PlannerConfig(plan_first=False, ask_again=True, ground_names=True, ground_quotes=True)
    planner = Planner(ScriptedBackend(_guesser(task, guess)), config)
    agent = Agent(SimDevice(phone), planner, config=AgentConfig(guard="allow", loop_k=3))
    res = agent.run(tmp_path, task=task)
    steps = read_steps(res.episode_dir)
    repairs = [r for s in steps for r in s.repairs]
    assert any("comparison's next step" in r for r in repairs), repairs
    assert res.success, (res.episode.reason, [(s.action, s.repairs) for s in steps])


def test_left_alone_the_guessing_model_pays_at_the_dearer_seller(tmp_path: Path) -> None:
    """The same model with the planner's rules off (the test above is not won by the model)."""
    phone = SimPhone(seed=2005)
    task = get("MealDashOrderCheapestDish").instantiate(2005, lang="en")
    planner = Planner(
        ScriptedBackend(_guesser(task, _dearer_seller(task, phone))),
        PlannerConfig(plan_first=False),
    )
    res = Agent(SimDevice(phone), planner, config=AgentConfig(guard="allow")).run(
        tmp_path, task=task
    )
    assert res.success is False
    assert "no paid order" in res.episode.reason
