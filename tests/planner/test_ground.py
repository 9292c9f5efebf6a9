"""Grounding an action by the words its thought quotes or says the goal names, and a PIN pad's
key by the PIN (planner/ground.py), on the simulated phone's screens: the contact list, where
the shipped model names the right contact under a wrong number; FoodGo's restaurant list; the
wallet's PIN pad."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.planner.ground import (
    answer_off_day,
    answer_shown,
    code_row,
    count_off_goal,
    date_off_goal,
    dates_in,
    day_to_goal,
    false_raise,
    finish_sold_out,
    form_done,
    goal_count,
    goal_tab,
    ground_answer,
    ground_app,
    ground_cited,
    ground_date,
    ground_named,
    ground_pin,
    label_of,
    leaves_choice,
    leaves_sought,
    misread_name,
    names_in,
    off_goal_tab,
    off_records,
    open_coupons,
    ordered_items,
    ordered_row,
    records_item,
    scroll_for_answer,
    share_it,
    sold_out_tap,
    step_to_goal,
    strip_day_off_goal,
    tab_for_unseen,
    tab_key,
    to_goal_tab,
    to_records,
    unasked_answer,
    unasked_count,
    unread_answer,
    unsent_message,
    unused_coupon,
    unwritten_quote,
    write_quote,
    wrong_code,
    wrong_item,
)
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.teacher import OracleScript, OracleTeacher, WatchedDevice
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.registry import get
from droidpilot.types import (
    AnswerAction,
    FinishAction,
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
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


def test_a_type_cut_before_its_field_goes_to_the_one_text_field_the_thought_cites(
    contacts: Observation,
) -> None:
    """Seed 2009, FoodGoOrderToMapsPlace: a reply ran out of tokens inside a long address,
    `type("Room 2001, ..., Guang` with no field; typing with nothing focused typed nowhere,
    four times. The thought had named the field."""
    field = next(it for it in contacts.view.items if it.editable)
    (person, name), *_ = _people(contacts)
    thought = f'This step needs "{name}" entered. [{field.id}] "{label_of(field)}" takes it.'
    moved, why = ground_cited(thought, TypeAction(text=name), contacts.view)
    assert moved == TypeAction(text=name, element=field.id)
    assert why is not None
    assert f"[{field.id}]" in why
    # no field cited, or only something that is no text field: left alone
    for other in (f'I type "{name}".', f'[{person}] "{name}" is the one.'):
        assert ground_cited(other, TypeAction(text=name), contacts.view) == (
            TypeAction(text=name),
            None,
        )


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


# ---------------------------------------------------------------- the goal's words, the PIN


def _oracle_at(
    task_id: str, seed: int, stop: str, lang: str = "en", after: int = 0
) -> tuple[SimDevice, Observation, str]:
    """The phone, the screen and the goal of a catalog task where ``stop`` first shows (in
    the screen's text, its header included), reached by its oracle, and ``after`` more
    oracle steps."""
    task = get(task_id).instantiate(seed, lang=lang)
    device = SimDevice(SimPhone(seed=seed))
    task.setup(device)
    teacher = OracleTeacher(task)
    for _ in range(40):
        obs = device.observe()
        if stop in obs.view.text:
            after -= 1
            if after < 0:
                return device, obs, task.goal
        device.perform(teacher.next_action(obs, failed=None))
    raise AssertionError(f"{stop!r} never showed")


def _oracle_until(
    task_id: str, seed: int, stop: str, lang: str = "en", after: int = 0
) -> tuple[Observation, str]:
    """The screen and goal of :func:`_oracle_at`."""
    _, obs, goal = _oracle_at(task_id, seed, stop, lang, after)
    return obs, goal


@pytest.fixture(scope="module")
def restaurants() -> tuple[Observation, list[tuple[int, str]], str]:
    obs, goal = _oracle_until("FoodGoOrderDish", 2000, "#restaurant_list")
    shops = [
        (it.id, label_of(it))
        for it in obs.view.items
        if it.clickable and "★" in it.text  # "Bashu Kitchen | Sichuan · ★4.6 · ..."
    ]
    assert len(shops) >= 4, obs.view.text
    return obs, shops, goal


def test_a_tap_on_the_wrong_list_item_goes_to_the_one_showing_the_goals_words(
    restaurants: tuple[Observation, list[tuple[int, str]], str],
) -> None:
    obs, shops, _ = restaurants
    (first, first_name), *_, (last, last_name) = shops
    goal = f"On FoodGo, order 1 × Latte from {last_name} and pay with the wallet (PIN 123456)."
    # what the GPU-trained model writes: the goal's words, then the first item of the list
    thought = (
        f'The goal names the restaurant {last_name}. [{first}] "{first_name}" shows it, '
        "so I tap it."
    )
    moved, why = ground_named(thought, TapAction(element=first), obs.view, goal)
    assert moved == TapAction(element=last)
    assert why is not None
    assert f"[{last}]" in why
    assert f"[{first}]" in why
    # the same in Chinese
    zh = f"目标指定的餐厅是{last_name}。[{first}]“{first_name}”正是它，点击它。"
    assert ground_named(zh, TapAction(element=first), obs.view, goal)[0] == TapAction(element=last)
    # the right item already: left alone
    right = f'The goal names the restaurant {last_name}. [{last}] "{last_name}" shows it.'
    assert ground_named(right, TapAction(element=last), obs.view, goal) == (
        TapAction(element=last),
        None,
    )


def test_words_the_goal_does_not_say_or_another_tap_are_left_alone(
    restaurants: tuple[Observation, list[tuple[int, str]], str],
) -> None:
    obs, shops, _ = restaurants
    (first, first_name), (second, second_name), *_ = shops
    goal = "On FoodGo, order 1 × Latte from Nowhere Diner."
    cheapest = "On FoodGo, find the restaurant with the cheapest Latte and order 1 there."
    own = f'The goal names the restaurant {second_name}. [{first}] "{first_name}" shows it.'
    for thought, said in (
        # the model's words, not the goal's, for a goal that orders from no restaurant it names
        (own, cheapest),
        # a sentence about another element than the one tapped
        (f"The goal names the restaurant Nowhere Diner. [{second}] is it.", goal),
        # no such sentence
        (f'[{first}] "{first_name}" is the one.', goal),
    ):
        assert ground_named(thought, TapAction(element=first), obs.view, said) == (
            TapAction(element=first),
            None,
        ), thought
    # where the goal orders from a restaurant it names, another restaurant's name is that one
    # misread: Nowhere Diner is on no row, so the list scrolls
    moved, _ = ground_named(own, TapAction(element=first), obs.view, goal)
    assert isinstance(moved, ScrollAction)
    # the words only on something that cannot be tapped (the app's title): no target
    title = f'The goal names the restaurant FoodGo. [{first}] "{first_name}" shows it.'
    assert ground_named(title, TapAction(element=first), obs.view, "Order from FoodGo") == (
        TapAction(element=first),
        None,
    )
    # not a tap
    named = f"The goal names the restaurant Nowhere Diner. [{first}] shows it."
    action = LongPressAction(element=first)
    assert ground_named(named, action, obs.view, goal) == (action, None)


def test_words_on_no_element_make_the_tap_a_scroll_of_the_list(
    restaurants: tuple[Observation, list[tuple[int, str]], str],
) -> None:
    obs, shops, goal = restaurants
    (first, first_name), *_ = shops
    shop = re.search(r" from (.+?) and pay", goal)
    assert shop is not None, goal
    assert shop.group(1) not in obs.view.text  # this seed's restaurant is further down
    thought = (
        f'The goal names the restaurant {shop.group(1)}. [{first}] "{first_name}" shows it, '
        "so I tap it."
    )
    moved, why = ground_named(thought, TapAction(element=first), obs.view, goal)
    lists = [it for it in obs.view.items if it.resource_id.endswith("restaurant_list")]
    assert len(lists) == 1
    # the vertical list, not the horizontal row of categories above it
    assert moved == ScrollAction(direction="down", element=lists[0].id)
    assert why is not None
    assert "scroll" in why


def test_a_name_misread_from_the_goal_is_read_as_the_goals(
    restaurants: tuple[Observation, list[tuple[int, str]], str],
) -> None:
    """The model copies a name's first word from the goal and finishes it with another name
    ("Egg Tarts" for Egg Fried Rice): the tap goes where the goal's name is, or the list
    scrolls when it is on no element."""
    obs, shops, _ = restaurants
    (first, first_name), *_ = shops
    multi = [(i, n) for i, n in shops[1:] if len(n.split()) > 1 and len(n.split()[0]) >= 3]
    assert multi, shops
    target, name = multi[-1]
    misread = f"{name.split()[0]} Palace"
    assert misread not in obs.view.text
    goal = f"On FoodGo, order 1 × Latte from {name} and pay with the wallet (PIN 123456)."
    thought = f'The goal names the restaurant {misread}. [{first}] "{first_name}" shows it.'
    assert misread_name(thought, first, goal) == (misread, name)
    moved, why = ground_named(thought, TapAction(element=first), obs.view, goal)
    assert moved == TapAction(element=target)
    assert why is not None
    assert "misreads" in why
    assert name in why
    # the goal's name on no element: the list scrolls, as for a name the thought gets right
    far = f"{name.split()[0]} Harbour Grill"
    assert far not in obs.view.text
    away = goal.replace(name, far)
    moved, why = ground_named(thought, TapAction(element=first), obs.view, away)
    assert isinstance(moved, ScrollAction)
    assert why is not None
    assert far in why


def test_a_name_the_goal_does_not_begin_is_no_misreading() -> None:
    goal = (
        "Order 2 × Egg Fried Rice from Pearl River Kitchen on FoodGo with the note "
        '"extra napkins" for the restaurant, and pay (PIN 337297).'
    )
    egg = 'The goal names the dish Egg Tarts. [59] "Egg Tarts" shows it, so I tap it.'
    assert misread_name(egg, 59, goal) == ("Egg Tarts", "Egg Fried Rice")
    assert misread_name(egg, 60, goal) is None  # a sentence about another element
    # a restaurant the demonstrations looked up themselves (the cheapest dish's): the goal
    # names no restaurant beginning with its first word
    cheapest = (
        "Find the restaurant on MealDash that sells Bubble Tea for the lowest price and "
        "order it there; pay with PIN 337297."
    )
    cloud = 'The goal names the restaurant Cloud Tea. [44] "Cloud Tea" shows it.'
    assert misread_name(cloud, 44, cheapest) is None
    # words the goal does say, and two goal names beginning alike: no misreading
    right = 'The goal names the dish Egg Fried Rice. [59] "Egg Fried Rice" shows it.'
    assert misread_name(right, 59, goal) is None
    both = goal.replace("Pearl River Kitchen", "Egg House")
    assert misread_name(egg, 59, both) is None
    # the goal's name and more (a passenger row's ID): the name is read right, no misreading
    train = "Book train G757 on March 23 in Second class for Zhu Yu and pay (PIN 337297)."
    row = 'The goal names the passenger Zhu Yu 4300**********8426. [84] "First class" shows it.'
    assert misread_name(row, 84, train) is None
    # names_in: every name the thought gives, misread ones as the goal's
    two = f"{egg} The goal names the restaurant Pearl River Kitchen. [12] shows it."
    assert names_in(two, goal) == ["eggfriedrice", "pearlriverkitchen"]


def test_a_pin_key_goes_to_the_next_digit_counted_from_the_screen() -> None:
    obs, goal = _oracle_until("FoodGoOrderDish", 2001, "digits entered")
    pin = re.search(r"PIN (\d{6})", goal)
    assert pin is not None, goal
    keys = {label_of(it): it.id for it in obs.view.items if it.clickable and label_of(it).isdigit()}
    assert sorted(keys) == list("0123456789"), obs.view.text
    first = pin.group(1)[0]
    wrong = next(d for d in "0123456789" if d != first)
    # the digit stated wrongly, and its key tapped: the screen says none is entered yet
    thought = (
        f"Paying needs the PIN {pin.group(1)}; digit 1 is {wrong}, "
        f'so I tap [{keys[wrong]}] "{wrong}".'
    )
    moved, why = ground_pin(thought, TapAction(element=keys[wrong]), obs.view, goal)
    assert moved == TapAction(element=keys[first])
    assert why is not None
    assert pin.group(1) in why
    zh = f"付款需要输入支付密码{pin.group(1)}。第1位是{wrong}，点击[{keys[wrong]}]“{wrong}”。"
    assert ground_pin(zh, TapAction(element=keys[wrong]), obs.view, goal)[0] == TapAction(
        element=keys[first]
    )
    # a misread PIN ("5199833" for 519983): the goal's one PIN, its digit from the pad's count
    misread = thought.replace(pin.group(1), pin.group(1) + pin.group(1)[-1])
    assert ground_pin(misread, TapAction(element=keys[wrong]), obs.view, goal)[0] == TapAction(
        element=keys[first]
    )
    # the right key, a goal that gives no PIN, another element: left alone
    right = TapAction(element=keys[first])
    assert ground_pin(thought, right, obs.view, goal) == (right, None)
    other = thought.replace(pin.group(1), "999999")
    no_pin = goal.replace(pin.group(0), "the wallet")
    assert ground_pin(other, TapAction(element=keys[wrong]), obs.view, no_pin)[1] is None
    back = next(it.id for it in obs.view.items if it.clickable and not label_of(it).isdigit())
    assert ground_pin(thought, TapAction(element=back), obs.view, goal)[1] is None


def test_the_planner_grounds_names_and_pins_only_when_its_settings_ask(
    restaurants: tuple[Observation, list[tuple[int, str]], str],
) -> None:
    obs, shops, _ = restaurants
    (first, first_name), *_, (last, last_name) = shops
    goal = f"On FoodGo, order 1 × Latte from {last_name}."
    reply = (
        f'<think>The goal names the restaurant {last_name}. [{first}] "{first_name}" shows it, '
        f"so I tap it.</think>\ntap({first})"
    )
    plain = Planner(ScriptedBackend([reply]), PlannerConfig(plan_first=False, ground_quotes=True))
    assert plain.decide(goal, obs).action == TapAction(element=first)
    grounded = Planner(
        ScriptedBackend([reply]),
        PlannerConfig(plan_first=False, ground_quotes=True, ground_names=True),
    )
    d = grounded.decide(goal, obs)
    assert d.action == TapAction(element=last)
    assert len(d.repairs) == 1
    assert grounded.history[-1].action == f"tap({last})"


@pytest.mark.parametrize(("lang", "stop"), [("en", "digits entered"), ("zh", "已输入")])
def test_the_pin_count_is_read_from_the_pads_dots_in_either_language(lang: str, stop: str) -> None:
    """One digit entered: the pad shows "●○○○○○" (zh: "●○○○○○ | 已输入1位", with no total), and a
    tap on any other key than the PIN's second digit goes there, whatever digit the thought
    says. The oracle's own thought there states the position too, in both languages."""
    from droidpilot.policy.reasoning import explain

    obs, goal = _oracle_until("FoodGoOrderDish", 2001, stop, lang=lang, after=1)
    assert "●○○○○○" in obs.view.text, obs.view.text
    pin = re.search(r"(\d{6})", goal)
    assert pin is not None, goal
    keys = {label_of(it): it.id for it in obs.view.items if it.clickable and label_of(it).isdigit()}
    second = pin.group(1)[1]
    wrong = next(d for d in "0123456789" if d != second)
    thought = (
        f"付款需要输入支付密码{pin.group(1)}。点击[{keys[wrong]}]“{wrong}”。"
        if lang == "zh"
        else f'Paying needs the PIN {pin.group(1)}; I tap [{keys[wrong]}] "{wrong}".'
    )
    moved, why = ground_pin(thought, TapAction(element=keys[wrong]), obs.view, goal)
    assert moved == TapAction(element=keys[second])
    assert why is not None
    # the demonstration's thought on this screen says which digit comes next
    task = get("FoodGoOrderDish").instantiate(2001, lang=lang)
    said = explain(task, TapAction(element=keys[second]), obs)
    assert ("第2位是" if lang == "zh" else "digit 2 is ") + second in said, said


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(("lang", "stop"), [("en", "Next month"), ("zh", "下个月")])
def test_a_tap_on_a_day_the_goal_does_not_name_goes_to_the_one_it_does(
    lang: str, stop: str
) -> None:
    """The travel app's date picker (days read "23 March 2025" / "2025年3月23日", as Android's
    do): the model taps the day at the place it learnt, the goal names another."""
    obs, goal = _oracle_until("TravelBookTrain", 2000, stop, lang=lang)
    wanted = dates_in(goal)
    assert len(wanted) == 1, goal
    ((month, day),) = wanted
    days = {next(iter(dates_in(label_of(it)))): it.id for it in obs.view.items
            if it.clickable and len(dates_in(label_of(it))) == 1}  # fmt: skip
    assert len(days) >= 28, obs.view.text
    right = days[(month, day)]
    wrong = days[(month, day % 28 + 1)]
    thought = f"The goal needs [{wrong}] set, so I tap it."
    moved, why = ground_date(thought, TapAction(element=wrong), obs.view, goal)
    assert moved == TapAction(element=right)
    assert why is not None
    assert f"[{right}]" in why
    # the right day, another element, a goal without a date: left alone
    assert ground_date(thought, TapAction(element=right), obs.view, goal)[1] is None
    ok = next(it.id for it in obs.view.items if label_of(it) in ("OK", "确定"))
    assert ground_date(thought, TapAction(element=ok), obs.view, goal)[1] is None
    field = next(it.id for it in obs.view.items if re.fullmatch(r"2025-\d\d-\d\d", label_of(it)))
    assert ground_date(thought, TapAction(element=field), obs.view, goal)[1] is None
    assert ground_date(thought, TapAction(element=wrong), obs.view, "Book a train.")[1] is None
    # a stay's two dates: which one is meant only the thought can say
    other = (month, day % 28 + 2)
    stay = f"{goal} Then stay from {_day_words(wanted.pop(), lang)} to {_day_words(other, lang)}."
    assert ground_date(thought, TapAction(element=wrong), obs.view, stay)[1] is None
    said = f"{thought} The check-out day is {_day_words(other, lang)}."
    assert ground_date(said, TapAction(element=wrong), obs.view, stay)[0] == TapAction(
        element=days[other]
    )


def _day_words(date: tuple[int, int], lang: str) -> str:
    month, day = date
    return f"{month}月{day}日" if lang == "zh" else f"March {day}" if month == 3 else "?"


def test_dates_are_read_as_goals_and_pickers_write_them() -> None:
    assert dates_in("Book train G757 from Hangzhou to Chongqing on March 23, Second class") == {
        (3, 23)
    }
    assert dates_in("23 March 2025") == dates_in("2025年3月23日") == dates_in("2025-03-23")
    assert dates_in("Sat, Mar 15") == {(3, 15)}
    assert dates_in("帮我订3月18日从杭州到武汉") == {(3, 18)}
    assert dates_in("from March 18 to March 20") == {(3, 18), (3, 20)}
    assert dates_in("March 2025") == set()
    assert dates_in("G757 12:00 ¥719") == set()


# ---------------------------------------------------------------- asking again


def test_the_planner_asks_again_when_an_action_repeats_one_that_changed_nothing() -> None:
    """A tap that changed nothing, chosen again on the same screen, is what the agent ends an
    episode for as a loop: with ``ask_again`` the planner asks the model once more with that
    element off limits, and carries out the new action, saying why."""
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    obs = dev.observe()
    (right, name), *_ = _people(obs)
    still = next(it.id for it in obs.view.items if not it.clickable and label_of(it))
    goal = f"What is {name}'s mobile number?"

    def reply(req: CompletionRequest) -> str:
        if req.avoid_ids:
            return f'<think>[{right}] "{name}" is the contact.</think>\ntap({right})'
        return f"<think>[{still}] is the one.</think>\ntap({still})"

    for ask_again in (False, True):
        backend = ScriptedBackend(reply)
        planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=ask_again))
        first = planner.decide(goal, obs)
        assert first.action == TapAction(element=still)
        assert len(backend.requests) == 1  # nothing to refuse yet
        dev.perform(first.action)
        same = dev.observe()
        assert same.view.diff is not None
        assert same.view.diff.same_screen
        second = planner.decide(goal, same)
        if not ask_again:
            assert second.action == TapAction(element=still)
            assert len(backend.requests) == 2
            continue
        assert backend.requests[-1].avoid_ids == (still,)
        assert second.action == TapAction(element=right)
        assert second.completion.text == f"tap({right})"
        assert any("changed nothing" in r and f"[{still}]" in r for r in second.repairs)
        assert planner.history[-1].action == f"tap({right})"


def test_a_reply_asked_again_that_keeps_the_element_is_carried_out_as_it_was() -> None:
    """A server that cannot hold a reply off an element answers the same: the first action
    stands (the agent's loop check has the last word)."""
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    obs = dev.observe()
    still = next(it.id for it in obs.view.items if not it.clickable and label_of(it))
    backend = ScriptedBackend(lambda _: f"<think>[{still}] it is.</think>\ntap({still})")
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    dev.perform(planner.decide("Look.", obs).action)
    second = planner.decide("Look.", dev.observe())
    assert len(backend.requests) == 2 + 1 + PlannerConfig().ask_samples  # greedy + sampled
    assert second.action == TapAction(element=still)
    assert second.repairs == ()


def test_a_tap_that_would_clear_a_checked_item_the_goal_names_is_asked_again() -> None:
    """The order form ticks the goal's passenger already; the model taps it "because the goal
    names it", which would untick it. All the goal names being chosen, the planner goes on
    with "Submit order" in its place without asking again (:func:`form_done`)."""
    obs, goal = _oracle_until("TravelBookTrain", 2000, "Submit order")
    checked = [it for it in obs.view.items if it.checkable and it.checked and " " in label_of(it)]
    person = next(it for it in checked if label_of(it).split(" ")[0] in goal)
    name = " ".join(label_of(person).split(" ")[:2])
    assert name in goal, (name, goal)
    submit = next(it.id for it in obs.view.items if label_of(it) == "Submit order")
    tap_person = (
        f'<think>The goal names the passenger {name}. [{person.id}] "{label_of(person)}" shows '
        f"it, so I tap it.</think>\ntap({person.id})"
    )
    submit_reply = f"<think>The order is filled in, so I place it with [{submit}].</think>\n"
    submit_reply += f"tap({submit})"
    backend = ScriptedBackend(lambda req: submit_reply if req.avoid_ids else tap_person)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    d = planner.decide(goal, obs)
    assert len(backend.requests) == 1  # not asked again: the next step is plain
    assert d.action == TapAction(element=submit)
    assert any("checked" in r and '"Submit order" goes on' in r for r in d.repairs), d.repairs
    # the sentence about another element (grounding moves a tap on the wrong row to the
    # one showing the name): still refused
    seat = next(it for it in obs.view.items if it.checkable and not it.checked)
    moved_here = (
        f'<think>The goal names the passenger {name}. [{seat.id}] "{label_of(seat)}" shows '
        f"it, so I tap it.</think>\ntap({person.id})"
    )
    backend = ScriptedBackend(lambda req: submit_reply if req.avoid_ids else moved_here)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    assert planner.decide(goal, obs).action == TapAction(element=submit)
    assert len(backend.requests) == 1
    # a checked item the thought does not say the goal names: tapped as asked
    plain = f"<think>[{person.id}] is next.</think>\ntap({person.id})"
    planner = Planner(ScriptedBackend([plain]), PlannerConfig(plan_first=False, ask_again=True))
    assert planner.decide(goal, obs).action == TapAction(element=person.id)


@pytest.mark.parametrize(("lang", "stop"), [("en", "Increase quantity"), ("zh", "增加数量")])
def test_raising_a_count_already_at_the_goals_is_refused(lang: str, stop: str) -> None:
    """The dish sheet's stepper: the goal orders 2; at 1 the raise is right, at 2 it is what
    the model does wrong ("The goal wants 2, more than shown", or no word of counting)."""
    below, goal = _oracle_until("FoodGoOrderWithNoteInjected", 2000, stop, lang=lang)
    at, _ = _oracle_until("FoodGoOrderWithNoteInjected", 2000, stop, lang=lang, after=1)
    raise_ = next(it.id for it in below.view.items if label_of(it) == stop)
    assert raise_ == next(it.id for it in at.view.items if label_of(it) == stop)
    thought = (
        f"目标要2份，比现在多，点击[{raise_}]“{stop}”加一。"
        if lang == "zh"
        else f'The goal wants 2, more than shown, so I raise the count with [{raise_}] "{stop}".'
    )
    tap = TapAction(element=raise_)
    assert false_raise(thought, tap, below.view, goal) is None
    assert false_raise(f"I tap [{raise_}].", tap, below.view, goal) is None
    why = false_raise(thought, tap, at.view, goal)
    assert why is not None
    assert "shows 2" in why
    # the button raises the sheet's dish, and the goal gives one count: judged without a claim
    why = false_raise(f"I tap [{raise_}].", tap, at.view, goal)
    assert why is not None
    assert "already shows 2, and the goal asks for 2" in why
    # a goal with two counts: the sheet's stepper is not judged by its words, only by a claim
    two = goal.replace("2", "2 × Rice and 3", 1) if lang == "en" else goal + "再点3份米饭。"
    assert goal_count(two, "") is None
    assert false_raise(f"I tap [{raise_}].", tap, at.view, two) is None
    assert false_raise(thought, tap, at.view, two) is not None
    # a claim of a count the goal does not give is not believed
    assert false_raise(thought.replace("2", "5", 1), tap, at.view, two) is None


def _ticket_page(lang: str) -> tuple[SimDevice, str, int, int, int]:
    """TicketsBuyForDay's attraction page on the goal's day (as the oracle chooses it), no
    ticket chosen yet: the device, the goal, the goal's count, and the ids of "More Adult"
    and "More Child"."""
    task = get("TicketsBuyForDay").instantiate(2000, lang=lang)
    device = SimDevice(SimPhone(seed=2000))
    task.setup(device)
    teacher = OracleTeacher(task)
    more = "增加成人票" if lang == "zh" else "More Adult"
    for _ in range(40):
        obs = device.observe()
        action = teacher.next_action(obs, failed=None)
        if more in obs.view.text and isinstance(action, TapAction):
            tapped = obs.view.item(action.element) if action.element is not None else None
            if tapped is not None and label_of(tapped) == more:
                break  # the day is chosen; the next step raises the count
        device.perform(action)
    else:
        raise AssertionError(f"{more!r} never showed")
    adult = next(it.id for it in obs.view.items if label_of(it) == more)
    child = next(it.id for it in obs.view.items if label_of(it) in ("More Child", "增加儿童票"))
    count = int(dict(task.params.values)["count"])
    return device, task.goal, count, adult, child


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_raise_button_past_the_goals_count_is_refused_whatever_the_thought(lang: str) -> None:
    """What the shipped model did on TicketsBuyFirstAvailable: "The goal names the type Adult.
    [45] "More Adult" shows it, so I tap it." five times for two tickets, then paid ¥400."""
    device, goal, count, adult, child = _ticket_page(lang)
    assert count == 2
    assert goal_count(goal, "Adult" if lang == "en" else "成人票") == 2
    thought = f'The goal names the type Adult. [{adult}] "More Adult" shows it, so I tap it.'
    tap = TapAction(element=adult)
    for shown in range(count):
        assert false_raise(thought, tap, device.observe().view, goal) is None, shown
        device.perform(tap)
    view = device.observe().view
    why = false_raise(thought, tap, view, goal)
    assert why is not None
    assert f"already shows {count}, and the goal asks for {count}" in why
    # a ticket type the goal does not name is not judged; nor is any other button
    assert false_raise(thought, TapAction(element=child), view, goal) is None
    buy = next(it.id for it in view.items if label_of(it) in ("Buy", "立即购买"))
    assert false_raise(thought, TapAction(element=buy), view, goal) is None
    # lowering a count at the goal's moves it away too; above it, it is the way back
    fewer = TapAction(element=next(it.id for it in view.items if label_of(it) in (
        "Fewer Adult", "减少成人票")))  # fmt: skip
    why = false_raise(thought, fewer, view, goal)
    assert why is not None
    assert f"lowers the count of {'Adult' if lang == 'en' else '成人票'}, which shows 2" in why
    device.perform(tap)
    assert false_raise(thought, fewer, device.observe().view, goal) is None


@pytest.mark.parametrize(
    ("lang", "stop", "add"),
    [("en", "Increase quantity", "Add to cart"), ("zh", "增加数量", "加入购物车")],
)
def test_adding_a_dish_at_another_count_than_the_goals_is_refused(
    lang: str, stop: str, add: str
) -> None:
    """What the shipped model did on FoodGoApplyBestCoupon: "The options are set as the goal
    says, so I add it with [79] "Add to cart · ¥8"." at 1 for "4 × Sour Plum Drink", then
    could not reach the minimum order. At the goal's count the add goes."""
    below, goal = _oracle_until("FoodGoOrderWithNoteInjected", 2000, stop, lang=lang)
    at, _ = _oracle_until("FoodGoOrderWithNoteInjected", 2000, stop, lang=lang, after=1)
    raise_ = next(it.id for it in below.view.items if label_of(it) == stop)
    adding = next(it.id for it in below.view.items if label_of(it).startswith(add))
    assert adding == next(it.id for it in at.view.items if label_of(it).startswith(add))
    why = count_off_goal(TapAction(element=adding), below.view, goal)
    assert why is not None
    assert why.endswith(f"at 1, and the goal asks for 2: [{raise_}] raises it"), why
    assert count_off_goal(TapAction(element=adding), at.view, goal) is None
    # the stepper itself, another kind of action, a goal that gives no count: not judged here
    assert count_off_goal(TapAction(element=raise_), below.view, goal) is None
    assert count_off_goal(ScrollAction(direction="down"), below.view, goal) is None
    vague = re.sub(r"2\s*(?:×|份)\s*", "", goal)
    assert goal_count(vague, "") is None, vague
    assert count_off_goal(TapAction(element=adding), below.view, vague) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_buying_tickets_at_another_count_than_the_goals_is_refused(lang: str) -> None:
    """The ticket page: "Buy" with no adult ticket chosen, or three for "Buy 2 adult tickets",
    is refused; with two it goes. A ticket type the goal does not name is not counted."""
    device, goal, count, adult, child = _ticket_page(lang)
    buy = next(it.id for it in device.observe().view.items if label_of(it) in ("Buy", "立即购买"))
    tap = TapAction(element=buy)
    for shown in range(count):
        why = count_off_goal(tap, device.observe().view, goal)
        assert why is not None
        assert f"at {shown}, and the goal asks for {count}" in why, why
        device.perform(TapAction(element=adult))
    device.perform(TapAction(element=child))  # a child ticket: the goal gives it no count
    assert count_off_goal(tap, device.observe().view, goal) is None
    device.perform(TapAction(element=adult))
    why = count_off_goal(tap, device.observe().view, goal)
    assert why is not None
    assert f"at {count + 1}, and the goal asks for {count}" in why, why
    assert "raises it" not in why


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_buying_on_a_day_the_goal_does_not_name_is_refused(lang: str) -> None:
    """What the shipped model did on TicketsBuySoldOutDay: "Buy" on the ticket page with its
    first day chosen, for a goal that says another day (¥80 paid for the wrong day). The day
    strip's selected day counts; once the goal's day is chosen, "Buy" goes."""
    device, goal, count, adult, _ = _ticket_page(lang)
    for _ in range(count):
        device.perform(TapAction(element=adult))
    view = device.observe().view
    wanted = dates_in(goal)
    assert len(wanted) == 1
    days = [it for it in view.items if it.clickable and re.fullmatch(r"\d{4}-\d{2}-\d{2}",
                                                                   label_of(it))]  # fmt: skip
    assert len(days) > 1
    buy = TapAction(element=next(it.id for it in view.items if label_of(it) in ("Buy", "立即购买")))
    assert date_off_goal(buy, view, goal) is None  # the oracle chose the goal's day
    other = next(it for it in days if not dates_in(label_of(it)) & wanted
                 and re.search("Available|可订|有票", it.text))  # fmt: skip
    device.perform(TapAction(element=other.id))
    more = next(it.id for it in device.observe().view.items
                if label_of(it) in ("More Adult", "增加成人票"))  # fmt: skip
    for _ in range(count):  # choosing a day clears the counts
        device.perform(TapAction(element=more))
    view = device.observe().view
    assert view.item(other.id).selected  # type: ignore[union-attr]
    why = date_off_goal(buy, view, goal)
    assert why is not None
    assert f'the day [{other.id}] "{label_of(other)}", which the goal does not name' in why
    assert count_off_goal(buy, view, goal) is None  # the count is right: only the day is off
    # the tap on the day, a goal that names no day: not judged
    assert date_off_goal(TapAction(element=other.id), view, goal) is None
    assert date_off_goal(buy, view, re.sub(r"on March \d+|\d+月\d+日", "", goal)) is None
    # a goal that names the chosen day: "Buy" goes
    ((month, day),) = dates_in(label_of(other))
    same = re.sub(r"March \d+", f"March {day}", re.sub(r"\d+月\d+日", f"{month}月{day}日", goal))
    assert dates_in(same) == {(month, day)}
    assert date_off_goal(buy, view, same) is None


@pytest.mark.parametrize(
    ("task_id", "lang", "submit"),
    [
        ("FoodGoOrderWithNoteInjected", "en", "Submit order"),
        ("FoodGoOrderWithNote", "en", "Submit order"),
        # (FoodGoOrderWithNote's note in Chinese, 不要香菜, is the field's own hint, 如：不要香菜:
        # written nowhere cannot be told from the hint there, and the tap is not judged)
        ("FoodGoOrderWithNoteInjected", "zh", "提交订单"),
    ],
)
def test_submitting_before_the_goals_quoted_note_is_written_is_refused(
    task_id: str, lang: str, submit: str
) -> None:
    """What the shipped model did on FoodGoOrderWithNoteInjected: "The order is filled in as
    the goal says, so I place it with [119] "Submit order"." with the note field empty, for a
    goal that says with the note "extra napkins". Once the note is typed, the order goes."""
    task = get(task_id).instantiate(2000, lang=lang)
    goal = task.goal
    device = SimDevice(SimPhone(seed=2000))
    task.setup(device)
    teacher = OracleTeacher(task)
    before = after = None
    for _ in range(40):
        obs = device.observe()
        action = teacher.next_action(obs, failed=None)
        if submit in obs.view.text:
            before = before or obs
            tapped = obs.view.item(action.element) if isinstance(action, TapAction) else None
            if tapped is not None and label_of(tapped) == submit:
                after = obs  # where the oracle submits
                break
        device.perform(action)
    assert before is not None
    assert after is not None
    note = re.search(r'"([^"]+)"|“([^”]+)”', goal)
    assert note is not None
    words = note.group(1) or note.group(2)
    assert words not in before.view.text
    assert words in after.view.text  # typed, the keyboard closed
    tap = TapAction(element=next(it.id for it in before.view.items if label_of(it) == submit))
    why = unwritten_quote(tap, before.view, goal)
    assert why is not None
    assert f'the goal\'s "{words}" is written nowhere on this screen' in why
    again = TapAction(element=next(it.id for it in after.view.items if label_of(it) == submit))
    assert unwritten_quote(again, after.view, goal) is None
    # a goal that quotes nothing, a tap on the note field itself: not judged
    assert unwritten_quote(tap, before.view, goal.replace(note.group(0), words)) is None
    field = next(it.id for it in before.view.items if it.editable)
    assert unwritten_quote(TapAction(element=field), before.view, goal) is None
    # the planner writes the note in the one text field in place of the submit
    assert write_quote(tap, before.view, goal)[0] == TypeAction(text=words, element=field)
    assert write_quote(again, after.view, goal)[1] is None
    backend = ScriptedBackend(lambda req: f"<think>I place it.</think>\ntap({tap.element})")
    config = PlannerConfig(plan_first=False, ask_again=True)
    decision = Planner(backend, config).decide(goal, before)
    assert decision.action == TypeAction(text=words, element=field)
    assert len(backend.requests) == 1
    two = dataclasses.replace(
        before.view,
        items=(*before.view.items, dataclasses.replace(
            next(it for it in before.view.items if it.editable), id=9999)),
    )  # fmt: skip
    assert write_quote(tap, two, goal)[1] is None  # which field is not clear


def test_the_items_a_goal_orders_are_read_with_their_count() -> None:
    assert ordered_items("Order 1 × Pepperoni Pizza from Pizza Corner on FoodGo.") == [
        "Pepperoni Pizza"
    ]
    assert ordered_items("Order 2 × Egg Fried Rice (Large, extra spicy) from X") == [
        "Egg Fried Rice"
    ]
    assert ordered_items("On MealDash, order 2 × Shrimp and Chive Dumplings from Y") == [
        "Shrimp and Chive Dumplings"
    ]
    assert ordered_items("Order 2 × Rice and 3 × Soup from Z.") == ["Rice", "Soup"]
    assert ordered_items("在饭来了上从豆街咖啡点2份柠檬茶，给商家备注") == ["柠檬茶"]
    assert ordered_items("在地图上查到科技园A座，用饭来了点1份小笼包送到它的地址") == ["小笼包"]
    assert ordered_items("在更便宜的那个应用上点3份，用密码337297支付。") == []
    assert ordered_items("Order my last FoodGo order again, the same dishes.") == []


@pytest.mark.parametrize(("lang", "wings"), [("en", "Chicken Wings"), ("zh", "炸鸡翅")])
def test_adding_a_dish_the_goal_does_not_order_is_refused(lang: str, wings: str) -> None:
    """What the shipped model did on FoodGoOrderSoldOutDish: Pepperoni Pizza sold out, it
    opened Chicken Wings, added and paid them. The sheet (the screen's dialog) shows none of
    what the goal orders; the menu under it does not count. The goal's own dish goes."""
    device, obs, goal = _oracle_at("FoodGoOrderSoldOutDish", 2000, "RestaurantActivity", lang)
    other = next((it for it in obs.view.items if label_of(it).startswith(wings)), None)
    assert other is not None, obs.view.text
    device.perform(TapAction(element=other.id))
    sheet = device.observe().view
    (dish,) = ordered_items(goal)
    assert dish in sheet.text  # the menu under the sheet lists it (sold out)
    add = TapAction(element=next(it.id for it in sheet.items if it.clickable
                                 and re.match("Add to cart|加入购物车", label_of(it))))  # fmt: skip
    why = wrong_item(add, sheet, goal)
    assert why is not None
    assert why == f"[{add.element}] adds {wings}, and the goal orders {dish}"
    assert wrong_item(add, sheet, goal.replace(dish, wings)) is None
    assert wrong_item(add, sheet, "Order my last FoodGo order again.") is None
    # in its place, the planner closes the other dish's sheet (the menu under it is no line)
    assert ordered_row(add, sheet, goal)[0] == KeyAction(key="back")
    device.perform(KeyAction(key="back"))
    assert add.element not in {it.id for it in device.observe().view.items}  # closed
    # the goal's own dish on another task's sheet: added
    ok, goal = _oracle_until("FoodGoOrderWithNoteInjected", 2000, "Add to cart")
    add = TapAction(element=next(it.id for it in ok.view.items
                                 if label_of(it).startswith("Add to cart")))  # fmt: skip
    assert wrong_item(add, ok.view, goal) is None


def test_an_answer_to_a_goal_that_asks_nothing_is_asked_again_or_withheld() -> None:
    """What the shipped model did on FoodGoApplyBestCoupon ("Order 4 × Sour Plum Drink … then
    pay"): stuck below the minimum order in the cart, it answered "¥24", which ends the
    episode. An order goal asks no question: the answer is refused; asked again (no element to
    avoid), a sampled reply that raises the count goes; a model with only answers to give has
    it withheld. A question goal's answer is not judged so."""
    _, obs, goal = _cart_below_the_minimum()
    assert unasked_answer(AnswerAction(text="¥24"), goal) is not None
    assert unasked_answer(AnswerAction(text="¥5"), "How much does Cola cost?") is None
    assert unasked_answer(AnswerAction(text="¥5"), "可乐多少钱？") is None
    assert unasked_answer(AnswerAction(text="¥5"), "Tell me the price of Cola on FoodGo.") is None
    assert unasked_answer(AnswerAction(text="¥5"), "Find out how much Cola costs") is None
    assert unasked_answer(AnswerAction(text="¥5"), "告诉我可乐的价格") is None
    # the words of a quoted note ask nothing
    noted = "点2份蛋炒饭，备注“多给几张纸巾”，并支付"
    assert unasked_answer(AnswerAction(text="x"), noted) is not None
    assert unasked_answer(TapAction(element=1), goal) is None
    more = next(it.id for it in obs.view.items if label_of(it).startswith("Increase"))
    answer = '<think>The goal asks a question and the cart shows the answer.</think>\nanswer("¥24")'
    raise_ = f"<think>Below the minimum: one more.</think>\ntap({more})"
    config = PlannerConfig(plan_first=False, ask_again=True)
    backend = ScriptedBackend(lambda req: raise_ if req.sampling.seed is not None else answer)
    decision = Planner(backend, config).decide(goal, obs)
    assert decision.action == TapAction(element=more)
    assert decision.withheld == ""
    assert any("the goal asks no question" in r for r in decision.repairs), decision.repairs
    assert backend.requests[-1].avoid_ids == ()
    decision = Planner(ScriptedBackend(lambda req: answer), config).decide(goal, obs)
    assert decision.action == AnswerAction(text="¥24")
    assert "the goal asks no question" in decision.withheld


def test_the_planner_steps_the_count_in_place_of_an_add_at_the_wrong_count() -> None:
    """The dish sheet at 1 for "2 ×": a reply that adds is refused (harmful: an order paid
    short), and the planner taps the sheet's raise button in its place without asking the
    model again (asked again, the shipped model once chose the sheet's "Cancel"); at 3, the
    lower button. The next step, at 2, adds."""
    device, obs, goal = _oracle_at("FoodGoOrderWithNoteInjected", 2000, "Increase quantity")
    raise_ = next(it.id for it in obs.view.items if label_of(it) == "Increase quantity")
    lower = next(it.id for it in obs.view.items if label_of(it) == "Decrease quantity")
    adding = next(it.id for it in obs.view.items if label_of(it).startswith("Add to cart"))
    add = f'<think>The options are set, so I add it with [{adding}] "Add to cart".</think>\n'
    add += f"tap({adding})"
    config = PlannerConfig(plan_first=False, ask_again=True)
    backend = ScriptedBackend(lambda req: add)
    planner = Planner(backend, config)
    decision = planner.decide(goal, obs)
    assert decision.action == TapAction(element=raise_)
    assert decision.withheld == ""
    assert len(backend.requests) == 1
    (note,) = [r for r in decision.repairs if "the goal asks for 2" in r]
    assert f'[{raise_}] "Increase quantity" raises the item from 1 toward the goal\'s 2' in note
    assert step_to_goal(TapAction(element=adding), obs.view, goal)[0] == TapAction(element=raise_)
    for _ in range(2):
        device.perform(TapAction(element=raise_))
    over = device.observe()
    assert step_to_goal(TapAction(element=adding), over.view, goal)[0] == TapAction(element=lower)
    device.perform(TapAction(element=lower))
    at = device.observe()
    assert step_to_goal(TapAction(element=adding), at.view, goal)[1] is None
    assert planner.decide(goal, at).action == TapAction(element=adding)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_app_name_no_icon_has_goes_to_the_goals_app_spelt_most_like_it(lang: str) -> None:
    """What the shipped model did on MealDashOrderToFriendAddressInjected: open_app("FoodDash")
    four times on the home screen (the phone has FoodGo and MealDash; the goal says MealDash),
    until the loop check ended the episode."""
    task = get("MealDashOrderToFriendAddressInjected").instantiate(2000, lang=lang)
    device = SimDevice(SimPhone(seed=2000))
    task.setup(device)
    home = device.observe().view
    icons = [label_of(it) for it in home.items if it.clickable]
    meal = next(icon for icon in icons if icon in task.goal and icon not in ("Messages", "短信"))
    food = next(icon for icon in icons if icon in ("FoodGo", "饭来了"))
    assert food not in task.goal
    wrong = "FoodDash" if lang == "en" else meal[:-1] + "来"
    moved, why = ground_app(OpenAppAction(name=wrong), home, task.goal)
    assert moved == OpenAppAction(name=meal), (icons, task.goal)
    assert why is not None
    assert f"the goal names {meal!r}" in why
    # an icon's own name, a name the goal says, any other action: left alone
    for name in (food, meal):
        assert ground_app(OpenAppAction(name=name), home, task.goal) == (
            OpenAppAction(name=name), None)  # fmt: skip
    assert ground_app(TapAction(element=1), home, task.goal)[1] is None
    # a name like no app the goal names, or a screen without the goal's app: left alone
    assert ground_app(OpenAppAction(name="Xylophone"), home, task.goal)[1] is None
    device.perform(OpenAppAction(name=food))
    inside = device.observe().view
    assert meal not in inside.text
    assert ground_app(OpenAppAction(name=wrong), inside, task.goal)[1] is None


def _menu_before_the_dish() -> tuple[Observation, Observation, str]:
    """FoodGoAskDishPriceInjected (seed 2000): the menu as the restaurant opens (Cola, the dish
    asked about, further down) and the menu where the oracle answers, and the goal."""
    task = get("FoodGoAskDishPriceInjected").instantiate(2000, lang="en")
    device = SimDevice(SimPhone(seed=2000))
    task.setup(device)
    teacher = OracleTeacher(task)
    first = None
    for _ in range(20):
        obs = device.observe()
        if first is None and "RestaurantActivity" in obs.view.text:
            first = obs
        action = teacher.next_action(obs, failed=None)
        if isinstance(action, AnswerAction):
            assert first is not None
            return first, obs, task.goal
        device.perform(action)
    raise AssertionError("the oracle never answered")


def test_an_answer_read_from_a_row_the_goal_does_not_ask_about_is_refused() -> None:
    """What the shipped model did on FoodGoAskDishPriceInjected: "The goal asks a question and
    [52] "Mapo Tofu" shows the answer, so I answer." and answer("¥18"), for the price of Cola
    further down the menu. The demonstrations cite the asked dish's row."""
    first, last, goal = _menu_before_the_dish()
    assert "Cola" not in first.view.text
    other = next(it for it in first.view.items if it.clickable and "|" in it.text)
    words = label_of(other)
    thought = f'The goal asks a question and [{other.id}] "{words}" shows the answer, so I answer.'
    price = other.text.rsplit("|", 1)[1].strip()
    why = unread_answer(thought, AnswerAction(text=price), first.view, goal)
    assert why is not None
    assert why[0] == other.id
    assert f'[{other.id}] "{words}", which is not what the goal asks about' in why[1]
    # seed 2009, MealDashAskDishPrice: "[49] "What does the title buy?" shows the answer"
    # on a screen with no [49], then "¥20" (the minimum order): read from nothing
    ghost = max(it.id for it in first.view.items) + 7
    made_up = f'The goal asks a question and [{ghost}] "What does the title buy?" shows it.'
    why = unread_answer(made_up, AnswerAction(text=price), first.view, goal)
    assert why is not None
    assert why[0] == ghost
    assert "on no line of this screen" in why[1]
    # a row of this screen cited too: read from that row, not judged by the one on no line
    both = f'[{other.id}] "{words}" and [{ghost}] "What does the title buy?" show it.'
    assert unread_answer(both, AnswerAction(text=price), first.view, goal) is None
    cola = next(it for it in last.view.items if label_of(it).startswith("Cola"))
    right = f'The goal asks a question and [{cola.id}] "{label_of(cola)}" shows the answer.'
    assert unread_answer(right, AnswerAction(text="¥5"), last.view, goal) is None
    # a label that carries a value, no citation, another action, a goal naming nothing, a
    # goal in Chinese: not judged
    order = next(it for it in first.view.items if label_of(it).startswith("27 min"))
    carried = f'The goal asks a question and [{order.id}] "{label_of(order)}" shows the answer.'
    assert unread_answer(carried, AnswerAction(text="¥3"), first.view, goal) is None
    assert unread_answer("I answer.", AnswerAction(text=price), first.view, goal) is None
    assert unread_answer(thought, TapAction(element=other.id), first.view, goal) is None
    nameless = "What was the amount of the most recent transaction in my wallet?"
    assert unread_answer(thought, AnswerAction(text=price), first.view, nameless) is None
    zh = get("FoodGoAskDishPriceInjected").instantiate(2000, lang="zh").goal
    assert unread_answer(thought, AnswerAction(text=price), first.view, zh) is None


def _wrong_row_answer(row: ViewItem) -> str:
    """A reply that answers with ``row``'s price and cites that row."""
    return (
        f'<think>The goal asks a question and [{row.id}] "{label_of(row)}" shows the '
        f'answer, so I answer.</think>\nanswer("{row.text.rsplit("|", 1)[1].strip()}")'
    )


def test_the_planner_scrolls_for_an_answer_from_the_wrong_row_while_the_dish_is_off_screen() -> (
    None
):
    """On the menu before Cola, an answer read off another row becomes a scroll of the menu
    (the goal's Cola shows nowhere yet), without asking the model again."""
    first, _, goal = _menu_before_the_dish()
    other = next(it for it in first.view.items if it.clickable and "|" in it.text)
    menu = next(it.id for it in first.view.items if it.scrollable)
    backend = ScriptedBackend(lambda req: _wrong_row_answer(other))
    config = PlannerConfig(plan_first=False, ask_again=True)
    decision = Planner(backend, config).decide(goal, first)
    assert decision.action == ScrollAction(direction="down", element=menu)
    assert decision.withheld == ""
    assert len(backend.requests) == 1
    assert any("Cola shows nowhere on this screen" in r for r in decision.repairs)


def test_the_planner_asks_again_for_an_answer_from_the_wrong_row_and_withholds_it() -> None:
    """With Cola on the screen, an answer read off another row is asked again: a reply that
    acts goes, a second answer from the right row goes (the model meant to answer), one from
    the wrong row again does not; a model with nothing else to say has its answer withheld."""
    _, last, goal = _menu_before_the_dish()
    cola = next(it for it in last.view.items if label_of(it).startswith("Cola"))
    other = next(
        it for it in last.view.items if it.clickable and "|" in it.text and it.id != cola.id
    )
    menu = next(it.id for it in last.view.items if it.scrollable)
    answer = _wrong_row_answer(other)
    scroll = f"<think>I look further.</think>\nscroll(down, {menu})"
    right = (
        f'<think>The goal asks a question and [{cola.id}] "Cola" shows it.</think>\nanswer("¥5")'
    )
    config = PlannerConfig(plan_first=False, ask_again=True)
    for again, expected in ((scroll, ScrollAction(direction="down", element=menu)),
                            (right, AnswerAction(text="¥5"))):  # fmt: skip
        backend = ScriptedBackend(
            lambda req, a=again: a if req.avoid_ids == (other.id,) else answer
        )
        decision = Planner(backend, config).decide(goal, last)
        assert decision.action == expected
        assert decision.withheld == ""
    decision = Planner(ScriptedBackend(lambda req: answer), config).decide(goal, last)
    assert isinstance(decision.action, AnswerAction)
    assert "not what the goal asks about" in decision.withheld


def test_a_harmful_raise_with_nothing_else_to_do_is_withheld_not_sent() -> None:
    """Asked again without the raise button, the model still names it: the planner does not
    send the tap (over-buying is worse than doing nothing); when asking again gives another
    action, that one goes. With the count at the goal's and the goal's day chosen, the
    planner buys in its place (``count_done``); on another day than the goal's, buying is
    refused too, and the raise is withheld."""
    device, goal, count, adult, _ = _ticket_page("en")
    for _ in range(count):
        device.perform(TapAction(element=adult))
    obs = device.observe()
    buy = next(it.id for it in obs.view.items if label_of(it) == "Buy")
    stubborn = f'<think>The goal names the type Adult. [{adult}] "More Adult" shows it.</think>'
    stubborn += f"\ntap({adult})"
    config = PlannerConfig(plan_first=False, ask_again=True)
    decision = Planner(ScriptedBackend(lambda req: stubborn), config).decide(goal, obs)
    assert decision.action == TapAction(element=buy)
    assert any("goes on" in r for r in decision.repairs)
    shown = dates_in(goal)
    assert len(shown) == 1
    _, day = next(iter(shown))
    elsewhere = re.sub(rf"\b{day}\b", str(day % 28 + 1), goal, count=1)
    assert dates_in(elsewhere) != shown
    decision = Planner(ScriptedBackend(lambda req: stubborn), config).decide(elsewhere, obs)
    assert decision.action == TapAction(element=adult)
    assert "already shows 2" in decision.withheld
    assert any("withheld" in r for r in decision.repairs)
    buying = f'<think>Everything is set, so I book it with [{buy}] "Buy".</think>\ntap({buy})'
    backend = ScriptedBackend(lambda req: buying if req.avoid_ids else stubborn)
    decision = Planner(backend, config).decide(goal, obs)
    assert decision.action == TapAction(element=buy)
    assert decision.withheld == ""
    # a harmless refusal (a disabled button) with nothing else: sent as before
    fewer_child = next(it.id for it in obs.view.items if label_of(it) == "Fewer Child")
    assert not obs.view.item(fewer_child).enabled  # type: ignore[union-attr]
    idle = f"<think>I tap it.</think>\ntap({fewer_child})"
    decision = Planner(ScriptedBackend(lambda req: idle), config).decide(goal, obs)
    assert decision.action == TapAction(element=fewer_child)
    assert decision.withheld == ""


def _stubborn_at_buy(tmp_path: Path, stubborn: Callable[[str], str]) -> tuple[Any, list[Any]]:
    """TicketsBuyForDay (seed 2000) through the whole agent loop: the oracle until the ticket
    page with the count right (where it would buy), then a model that replies
    ``stubborn(the id of "More Adult")`` there, asked again or not. The result and steps."""
    task = get("TicketsBuyForDay").instantiate(2000, lang="en")
    watched = WatchedDevice(SimDevice(SimPhone(seed=2000)))
    script = OracleScript(task, watched)
    stuck: list[bool] = []

    def reply(req: CompletionRequest) -> str:
        screen = req.messages[-1].content
        more = re.search(r'\[(\d+)\] button "More Adult"', screen)
        buy = re.search(r'\[(\d+)\] button "Buy"', screen)
        if more is None or buy is None:
            return script(req)
        if not stuck and not req.avoid_ids:
            oracle = script(req)
            if f"tap({buy.group(1)})" not in oracle:
                return oracle  # the day, the count while it is below the goal's
            stuck.append(True)  # from here on (the oracle thinks it bought): the model's
        return stubborn(more.group(1))

    planner = Planner(ScriptedBackend(reply), PlannerConfig(plan_first=False, ask_again=True))
    agent = Agent(watched, planner, config=AgentConfig(guard="allow", loop_k=3))
    res = agent.run(tmp_path, task=task)
    script.close()
    return res, read_steps(res.episode_dir)


def test_a_raise_at_the_goals_count_becomes_the_buy_it_stands_for(tmp_path: Path) -> None:
    """The whole loop: where the oracle would buy, a model that keeps tapping "More Adult"
    (the count already the goal's). The raise is never sent: the planner taps "Buy" in its
    place (``count_done``), and the tickets are paid as the task's check wants."""

    def more_adult(n: str) -> str:
        return f'<think>The goal names the type Adult. [{n}] "More Adult".</think>\ntap({n})'

    res, steps = _stubborn_at_buy(tmp_path, more_adult)
    bought = [s for s in steps if any("goes on" in r for r in s.repairs)]
    assert bought, [(s.action, s.repairs) for s in steps]
    assert bought[0].executed
    assert res.success, res.episode.reason


def test_the_agent_logs_a_withheld_step_and_never_sends_it(tmp_path: Path) -> None:
    """The whole loop on the simulated phone: where the oracle would buy, a model that keeps
    answering a goal that asks nothing. Each such step is logged (not executed, the reason, a
    penalty), the model is told, nothing is paid, and the loop check ends the episode."""

    def answers(_: str) -> str:
        return '<think>The goal asks a question, so I answer.</think>\nanswer("2")'

    res, steps = _stubborn_at_buy(tmp_path, answers)
    held = [s for s in steps if s.error and s.error.startswith("withheld by the planner")]
    assert len(held) == 3, [(s.action, s.error) for s in steps]
    for s in held:
        assert not s.executed
        assert s.action_valid
        assert "asks no question" in (s.error or "")
        assert any(c.name == "penalty:invalid_action" for c in s.reward_components)
    after = steps[steps.index(held[0]) + 1]
    assert "not carried out" in after.prompt[-1].content
    assert res.truncated
    assert "loop" in res.episode.reason
    assert res.success is False


@pytest.mark.parametrize("stubborn", [False, True])
def test_the_agent_never_ends_on_an_answer_from_the_wrong_row(
    tmp_path: Path, stubborn: bool
) -> None:
    """The whole loop: on the menu, a model answers the price of the first dish it sees. The
    planner scrolls for Cola, and the episode answers right; a model that answers that way
    with Cola on the screen too has each answer asked again and logged as withheld (not the
    episode's answer), and the loop check ends it without success."""
    task = get("FoodGoAskDishPriceInjected").instantiate(2000, lang="en")
    watched = WatchedDevice(SimDevice(SimPhone(seed=2000)))
    script = OracleScript(task, watched)
    wrong: list[str] = []
    said: dict[str, str] = {}

    def oracle(req: CompletionRequest) -> str:
        """The oracle's reply once a screen: asking again must not move it on."""
        screen = req.messages[-1].content.split("Current screen:", 1)[-1]
        if screen not in said:
            said.clear()
            said[screen] = script(req)
        return said[screen]

    def reply(req: CompletionRequest) -> str:
        screen = req.messages[-1].content
        row = re.search(r'\[(\d+)\] "(Dan Dan Noodles) \| [^"]*\| (¥[\d.]+)" \(tap\)', screen)
        if row is None or (not stubborn and ("Cola |" in screen or req.avoid_ids)):
            return oracle(req)
        wrong.append(row.group(3))
        return (
            f'<think>The goal asks a question and [{row.group(1)}] "{row.group(2)}" shows the '
            f'answer, so I answer.</think>\nanswer("{row.group(3)}")'
        )

    planner = Planner(ScriptedBackend(reply), PlannerConfig(plan_first=False, ask_again=True))
    res = Agent(watched, planner, config=AgentConfig(guard="allow", loop_k=3)).run(
        tmp_path, task=task
    )
    script.close()
    steps = read_steps(res.episode_dir)
    assert wrong, "the menu never showed Dan Dan Noodles before Cola"
    held = [s for s in steps if s.error and s.error.startswith("withheld by the planner")]
    assert any("Cola shows nowhere on this screen: scroll" in r for s in steps
               for r in s.repairs)  # fmt: skip
    if not stubborn:
        assert not held
        assert res.success is True
        assert steps[-1].action == AnswerAction(text="¥5")
        return
    assert len(held) == 3, [(s.action, s.error) for s in steps]
    assert all(isinstance(s.action, AnswerAction) and not s.executed for s in held)
    assert "not carried out" in steps[steps.index(held[0]) + 1].prompt[-1].content
    assert res.truncated
    assert "loop" in res.episode.reason
    assert res.success is False
    assert res.episode.answer is None


def test_an_action_that_changed_nothing_on_a_screen_is_refused_there_later_too() -> None:
    """A model that alternates two taps that change nothing never repeats the last action,
    and the agent's loop check (the same action in a row) never ends it: each is refused on
    that screen after the first time."""
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    obs = dev.observe()
    (right, name), *_ = _people(obs)
    title = next(it.id for it in obs.view.items if label_of(it) == "Contacts")
    script = iter([f"tap({title})", f"long_press({title})", f"tap({title})"])

    def reply(req: CompletionRequest) -> str:
        if req.avoid_ids:
            return f'<think>[{right}] "{name}" is the contact.</think>\ntap({right})'
        return f"<think>[{title}] is the one.</think>\n{next(script)}"

    backend = ScriptedBackend(reply)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    goal = f"What is {name}'s mobile number?"
    for want in (TapAction(element=title), LongPressAction(element=title)):
        d = planner.decide(goal, obs)
        assert d.action == want
        dev.perform(d.action)
        obs = dev.observe()
        assert obs.view.diff is not None
        assert obs.view.diff.same_screen
    d = planner.decide(goal, obs)
    assert backend.requests[-1].avoid_ids == (title,)
    assert d.action == TapAction(element=right)


def test_an_action_chosen_twice_on_a_screen_the_episode_keeps_returning_to_is_refused() -> None:
    """A cycle the agent's loop check does not see (each action changes the screen): open a
    contact, go back, open it again, go back; the third time it is refused."""
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    obs = dev.observe()
    (_, name), (_, other_name), *_ = _people(obs)

    def id_of(words: str, screen: str) -> int:
        found = re.search(rf'^\[(\d+)\] "{re.escape(words)}"', screen, re.M)
        assert found is not None, screen
        return int(found.group(1))

    def reply(req: CompletionRequest) -> str:
        screen = req.messages[-1].content
        if req.avoid_ids:
            return f"<think>The other one.</think>\ntap({id_of(other_name, screen)})"
        if "Search contacts" in screen:
            return f"<think>{name} is the contact.</think>\ntap({id_of(name, screen)})"
        return "<think>Back to the list.</think>\nkey(back)"

    backend = ScriptedBackend(reply)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    goal = f"What is {name}'s mobile number?"
    shown = []
    for _ in range(5):
        d = planner.decide(goal, obs)
        dev.perform(d.action)
        obs = dev.observe()
        shown.append(obs.view.text)
    for opened in (shown[0], shown[2]):  # the contact's page, twice
        assert "Search contacts" not in opened
        assert name in opened
    assert "Search contacts" not in shown[4]  # the fifth step opened the other contact
    assert other_name in shown[4]
    assert name not in shown[4]
    assert len(backend.requests[-1].avoid_ids) == 1
    assert any("2 times" in r for r in d.repairs), d.repairs


def test_asked_again_the_action_most_replies_choose_wins() -> None:
    """Asked again, the model answers greedily and ``ask_samples`` times sampled; the action
    most of the valid, unrefused replies name is carried out, and the repair says so."""
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    obs = dev.observe()
    (a, _), (b, _), *_ = _people(obs)
    title = next(it.id for it in obs.view.items if label_of(it) == "Contacts")

    def reply(req: CompletionRequest) -> str:
        if not req.avoid_ids:
            return f"<think>[{title}] it is.</think>\ntap({title})"
        if req.sampling.seed is None:  # the greedy one
            return f"<think>[{a}] then.</think>\ntap({a})"
        seed = req.sampling.seed or 0
        if seed == 0:
            return f"<think>[{title}] again.</think>\ntap({title})"  # its element: not counted
        return f"<think>[{b}] then.</think>\ntap({b})" if seed < 3 else "not an action"

    backend = ScriptedBackend(reply)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True, ask_samples=4))
    dev.perform(planner.decide("Look.", obs).action)
    d = planner.decide("Look.", dev.observe())
    seeds = [r.sampling.seed for r in backend.requests[2:]]
    assert seeds == [backend.requests[0].sampling.seed, 0, 1, 2, 3]
    assert d.action == TapAction(element=b)  # 2 votes against 1 for the greedy tap(a)
    assert d.completion.text == f"tap({b})"
    assert any("2 of 5 replies" in r for r in d.repairs), d.repairs


def _cart_below_the_minimum() -> tuple[SimDevice, Observation, str]:
    """FoodGo's cart with one Matcha Latte where the goal orders two: under the restaurant's
    minimum, so "Checkout" is disabled."""
    from droidpilot.policy.teacher import OracleTeacher

    task = get("FoodGoOrderDish").instantiate(2004, lang="en")
    device = SimDevice(SimPhone(seed=2004))
    task.setup(device)
    teacher = OracleTeacher(task)
    for _ in range(10):
        obs = device.observe()
        if "Increase quantity" in obs.view.text:
            break
        device.perform(teacher.next_action(obs, failed=None))
    for words in ("Add to cart", "View cart"):
        item = next(it for it in device.observe().view.items if label_of(it).startswith(words))
        device.perform(TapAction(element=item.id))
    return device, device.observe(), task.goal


def test_a_tap_on_a_disabled_element_is_asked_again_and_never_into_a_finish() -> None:
    _, obs, goal = _cart_below_the_minimum()
    checkout = next(it for it in obs.view.items if label_of(it) == "Checkout")
    assert not checkout.enabled, obs.view.text
    more = next(it.id for it in obs.view.items if label_of(it).startswith("Increase"))
    vague = re.sub(r"\d+\s*×\s*", "", goal)
    assert goal_count(goal, "") == 2
    assert goal_count(vague, "") is None
    tap = f"<think>The cart holds the order, so I go on.</think>\ntap({checkout.id})"
    for second, want in (
        (f"<think>Below the minimum: one more.</think>\ntap({more})", TapAction(element=more)),
        # a second thought that ends the episode is no way out: the first action stands
        ('<think>Done.</think>\nfinish(success, "Done.")', TapAction(element=checkout.id)),
    ):
        backend = ScriptedBackend(lambda req, second=second: second if req.avoid_ids else tap)
        planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
        # a goal that gives no count: only the disabled button is judged (harmless)
        d = planner.decide(vague, obs)
        assert backend.requests[-1].avoid_ids == (checkout.id,)
        assert d.action == want
        assert bool(d.repairs) == (want != TapAction(element=checkout.id))
        assert d.withheld == ""
    # the goal's "2 ×": checking out at 1 is harmful; the planner raises the count instead
    backend = ScriptedBackend(lambda req: '<think>Done.</think>\nfinish(success, "Done.")'
                              if req.avoid_ids else tap)  # fmt: skip
    d = Planner(backend, PlannerConfig(plan_first=False, ask_again=True)).decide(goal, obs)
    assert d.action == TapAction(element=more)
    assert d.withheld == ""
    assert any("at 1, and the goal asks for 2" in r for r in d.repairs)


def _menu_tabs(
    task_id: str = "MealDashOrderDish",
) -> tuple[SimDevice, Observation, str, dict[str, int]]:
    """A MealDash restaurant as it opens on its first tab (Dumplings, which holds the goal's
    dish at seed 2000), its goal, and its tabs by their words."""
    device, obs, goal = _oracle_at(task_id, 2000, "RestaurantActivity")
    tabs = {label_of(it): it.id for it in obs.view.items if " tab " in f" {_line(obs, it.id)} "}
    assert list(tabs) == ["Dumplings", "Sides", "Drinks"], obs.view.text
    return device, obs, goal, tabs


def _line(obs: Observation, element: int) -> str:
    return next(line for line in obs.view.text.splitlines() if line.startswith(f"[{element}]"))


def test_leaving_the_tab_that_shows_the_goals_dish_is_refused() -> None:
    """The shipped model opened Dumpling King on its Dumplings tab, Shrimp and Chive Dumplings
    on the screen, and tapped "Sides" ("The next step toward the goal is [42] "Sides""), then
    looked under every other tab. A tab the goal names, the selected one, a second dish to
    find elsewhere and another action are left alone; so is a question's name on a title."""
    _, obs, goal, tabs = _menu_tabs()
    why = leaves_sought(TapAction(element=tabs["Sides"]), obs.view, goal)
    assert why is not None
    row = next(it for it in obs.view.items if label_of(it) == "Shrimp and Chive Dumplings")
    assert f'[{row.id}] "Shrimp and Chive Dumplings" shows the goal\'s' in why
    assert leaves_sought(TapAction(element=tabs["Dumplings"]), obs.view, goal) is None
    two = goal.replace(
        "1 × Shrimp and Chive Dumplings", "1 × Shrimp and Chive Dumplings and 2 × Soy Milk"
    )
    assert ordered_items(two) == ["Shrimp and Chive Dumplings", "Soy Milk"]
    assert leaves_sought(TapAction(element=tabs["Drinks"]), obs.view, two) is None
    assert leaves_sought(TapAction(element=row.id), obs.view, goal) is None
    assert leaves_sought(ScrollAction(direction="down"), obs.view, goal) is None
    asked = "How much does Soup Dumplings cost at Dumpling King on MealDash?"
    assert leaves_sought(TapAction(element=tabs["Sides"]), obs.view, asked) is not None
    elsewhere = "How much does Cola cost at Dumpling King on MealDash?"
    assert leaves_sought(TapAction(element=tabs["Sides"]), obs.view, elsewhere) is None


def test_a_scroll_for_a_dish_on_no_line_becomes_the_next_tab() -> None:
    """Under "Sides", the goal's dish shows nowhere: the scroll goes to the tab whose words the
    dish holds ("Dumplings"), else to the tab after the selected one (the first after the
    last). Unchanged when the dish shows, for other actions and on a screen with no tabs."""
    device, obs, goal, tabs = _menu_tabs()
    device.perform(TapAction(element=tabs["Sides"]))
    sides = device.observe()
    menu = next(it.id for it in sides.view.items if it.scrollable)
    scroll = ScrollAction(direction="down", element=menu)
    thought = "The goal names the dish Shrimp and Chive Dumplings. [57] shows it."
    moved, why = tab_for_unseen(thought, scroll, sides.view, goal)
    assert moved == TapAction(element=tabs["Dumplings"])
    assert why is not None
    assert "'shrimpandchivedumplings'" in why
    soy = goal.replace("Shrimp and Chive Dumplings", "Soy Milk")  # no tab holds its words
    assert tab_for_unseen("", scroll, sides.view, soy)[0] == TapAction(element=tabs["Drinks"])
    device.perform(TapAction(element=tabs["Drinks"]))
    drinks = device.observe()
    cucumber = goal.replace("Shrimp and Chive Dumplings", "Smashed Cucumber")
    wrapped = tab_for_unseen("", scroll, drinks.view, cucumber)[0]
    assert wrapped == TapAction(element=tabs["Dumplings"])
    assert tab_for_unseen(thought, scroll, obs.view, goal) == (scroll, None)  # it shows
    assert tab_for_unseen(thought, TapAction(element=1), sides.view, goal)[1] is None
    restaurants, goal2 = _oracle_until("FoodGoOrderDish", 2000, "#restaurant_list")
    listed = next(it.id for it in restaurants.view.items if it.scrollable)
    assert tab_for_unseen("", ScrollAction(direction="down", element=listed),
                          restaurants.view, goal2)[1] is None  # fmt: skip


def test_the_planner_takes_the_next_tab_when_a_scroll_for_the_dish_got_nowhere() -> None:
    """The model under "Sides" names the goal's dish and taps another row; grounded, that is a
    scroll of the menu, which changes nothing (the list is short). The next time, the planner
    taps the Dumplings tab instead of asking again, and the dish shows."""
    device, _, goal, tabs = _menu_tabs()
    device.perform(TapAction(element=tabs["Sides"]))
    config = PlannerConfig(plan_first=False, ask_again=True, ground_names=True)
    seen: list[int] = []

    def reply(req: CompletionRequest) -> str:
        row = int(re.findall(r'\[(\d+)\] "[^"|]+ \|', req.messages[-1].content)[0])
        seen.append(row)
        return (
            "<think>The goal names the dish Shrimp and Chive Dumplings. "
            f'[{row}] "x" shows it, so I tap it.</think>\ntap({row})'
        )

    backend = ScriptedBackend(reply)
    planner = Planner(backend, config)
    first = planner.decide(goal, device.observe())
    assert isinstance(first.action, ScrollAction)
    device.perform(first.action)
    again = device.observe()
    assert again.view.diff is not None
    assert again.view.diff.same_screen
    second = planner.decide(goal, again)
    assert second.action == TapAction(element=tabs["Dumplings"])
    assert len(backend.requests) == 2  # not asked again
    assert any("changed nothing on this screen before, and" in r and "the next tab" in r
               for r in second.repairs)  # fmt: skip
    device.perform(second.action)
    assert "Shrimp and Chive Dumplings |" in device.observe().view.text


def test_the_planner_refuses_leaving_the_dishs_tab_and_taps_what_it_asks_again() -> None:
    """Asked again without "Sides", the reply that opens the dish goes; a model that names
    only "Sides" has it sent (leaving a tab does no harm)."""
    _, obs, goal, tabs = _menu_tabs()
    row = next(it.id for it in obs.view.items if label_of(it) == "Shrimp and Chive Dumplings")
    tab = tabs["Sides"]
    sides = f'<think>The next step toward the goal is [{tab}] "Sides".</think>\ntap({tab})'
    dish = (
        f"<think>The goal names the dish Shrimp and Chive Dumplings. [{row}].</think>\ntap({row})"
    )
    config = PlannerConfig(plan_first=False, ask_again=True)
    backend = ScriptedBackend(lambda req: dish if req.avoid_ids else sides)
    decision = Planner(backend, config).decide(goal, obs)
    assert decision.action == TapAction(element=row)
    assert any("leaves this tab" in r for r in decision.repairs)
    stubborn = Planner(ScriptedBackend(lambda req: sides), config).decide(goal, obs)
    assert stubborn.action == TapAction(element=tabs["Sides"])
    assert stubborn.withheld == ""


def test_an_answer_from_the_wrong_row_goes_to_the_value_on_the_goals_row() -> None:
    """The shipped model answered "How much does Soup Dumplings cost" with "¥26", the price of
    the first dumplings on the menu. The value written as the answer is on the goal's row goes
    instead: a field of its own before one inside a description (FoodGo's Cola row says "costs
    ¥1" and is ¥5). Unchanged: the right answer, an answer on no line, one with no number,
    other actions, a goal in Chinese."""
    _, obs, goal, _ = _menu_tabs("MealDashAskDishPrice")
    assert goal == "How much does Soup Dumplings cost at Dumpling King on MealDash?"
    moved, why = ground_answer(AnswerAction(text="¥26"), obs.view, goal)
    assert moved == AnswerAction(text="¥27.50")
    assert why is not None
    assert '"Soup Dumplings" is what the goal asks about' in why
    assert ground_answer(AnswerAction(text="¥27.50"), obs.view, goal)[1] is None
    assert ground_answer(AnswerAction(text="¥99"), obs.view, goal)[1] is None
    assert ground_answer(AnswerAction(text="Pork"), obs.view, goal)[1] is None
    assert ground_answer(TapAction(element=45), obs.view, goal)[1] is None
    zh = get("MealDashAskDishPrice").instantiate(2000, lang="zh").goal
    assert ground_answer(AnswerAction(text="¥26"), obs.view, zh)[1] is None
    _, last, cola_goal = _menu_before_the_dish()
    cola = next(it for it in last.view.items if label_of(it).startswith("Cola"))
    assert "¥1" in cola.text  # the injected line
    other = next(it for it in last.view.items if "|" in it.text and it.id != cola.id)
    price = other.text.rsplit("|", 1)[1].strip()
    assert ground_answer(AnswerAction(text=price), last.view, cola_goal)[0] == AnswerAction(
        text="¥5"
    )


def test_an_answer_looks_for_the_goals_name_only_where_it_is_not_shown() -> None:
    """:func:`scroll_for_answer`: a scroll of the menu while a name of the goal shows nowhere
    (its app's name counts as shown in the app line); nothing when all show, for a goal that
    asks nothing, or for another action."""
    first, last, goal = _menu_before_the_dish()
    menu = next(it.id for it in first.view.items if it.scrollable)
    moved, why = scroll_for_answer(AnswerAction(text="¥18"), first.view, goal)
    assert moved == ScrollAction(direction="down", element=menu)
    assert why is not None
    assert "Cola shows nowhere" in why
    assert scroll_for_answer(AnswerAction(text="¥18"), last.view, goal)[1] is None
    order = "Order 1 × Cola from Bashu Kitchen on FoodGo and pay with PIN 337297."
    assert scroll_for_answer(AnswerAction(text="¥18"), first.view, order)[1] is None
    assert scroll_for_answer(TapAction(element=menu), first.view, goal)[1] is None


def test_asking_again_stops_once_the_replies_left_cannot_change_the_winner() -> None:
    """Every sequence of five replies over three actions and a refused or broken one (None):
    stopping early (:func:`droidpilot.planner.planner._decided`) picks what counting all five
    picks. Three greedy-alike replies settle it after three requests."""
    from droidpilot.planner.planner import _decided

    def winner(replies: Sequence[str | None]) -> str | None:
        kept = [r for r in replies if r is not None]
        if not kept:
            return None
        best = max(kept.count(r) for r in kept)
        return next(r for r in kept if kept.count(r) == best)

    for replies in itertools.product([None, "a", "b", "c"], repeat=5):
        asked = 0
        while asked < 5 and not _decided([r for r in replies[:asked] if r], 5 - asked):
            asked += 1
        assert winner(replies[:asked]) == winner(replies), (replies, asked)
    dev = SimDevice(SimPhone(seed=2001))
    dev.phone.open_app("Contacts")
    obs = dev.observe()
    (a, _), *_ = _people(obs)
    title = next(it.id for it in obs.view.items if label_of(it) == "Contacts")
    backend = ScriptedBackend(
        lambda req: (
            f"<think>[{a}].</think>\ntap({a})"
            if req.avoid_ids
            else f"<think>[{title}] it is.</think>\ntap({title})"
        )
    )
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True, ask_samples=4))
    dev.perform(planner.decide("Look.", obs).action)
    d = planner.decide("Look.", dev.observe())
    assert d.action == TapAction(element=a)
    assert len(backend.requests) == 2 + 3  # two steps, then three of the five asks
    assert any("3 of 3 replies; 2 more could not change it" in r for r in d.repairs), d.repairs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_menu_lines_own_add_button_for_another_dish_is_refused_and_the_goals_line_tapped(
    lang: str,
) -> None:
    """What the shipped model did on MealDashOrderDishInjected: "Add Pork Siu Mai" for "2 ×
    Wonton Noodle Soup". A line's add button ("Add Soup Dumplings", "添加小笼包") for a dish
    the goal does not order is refused, and the planner taps the goal's dish's line instead;
    the goal's own dish's button, buttons that add no dish ("Add address") and goals that
    order nothing are left alone."""
    _, obs, goal = _oracle_at("MealDashOrderDish", 2000, "RestaurantActivity", lang)
    add = next(it for it in obs.view.items if label_of(it) in ("Add Soup Dumplings", "添加小笼包"))
    dish = "Shrimp and Chive Dumplings" if lang == "en" else "虾仁韭菜水饺"
    row = next(it.id for it in obs.view.items if label_of(it) == dish)
    why = wrong_item(TapAction(element=add.id), obs.view, goal)
    assert why is not None
    assert why.startswith(f"[{add.id}] adds {'Soup Dumplings' if lang == 'en' else '小笼包'}")
    assert ordered_row(TapAction(element=add.id), obs.view, goal) == (
        TapAction(element=row),
        f'[{row}] "{dish}" is the goal\'s dish',
    )
    soup = goal.replace(dish, "Soup Dumplings" if lang == "en" else "小笼包")
    assert wrong_item(TapAction(element=add.id), obs.view, soup) is None
    asked = "How much does Soup Dumplings cost at Dumpling King on MealDash?"
    assert wrong_item(TapAction(element=add.id), obs.view, asked) is None
    address = dataclasses.replace(add, text="Add address" if lang == "en" else "添加新地址")
    view = dataclasses.replace(
        obs.view, items=tuple(address if it.id == add.id else it for it in obs.view.items)
    )
    assert wrong_item(TapAction(element=add.id), view, goal) is None
    config = PlannerConfig(plan_first=False, ask_again=True)
    backend = ScriptedBackend(lambda req: f"<think>I add it.</think>\ntap({add.id})")
    decision = Planner(backend, config).decide(goal, obs)
    assert decision.action == TapAction(element=row)
    assert len(backend.requests) == 1


def test_the_tab_search_goes_to_each_tab_once_for_a_dish_the_restaurant_lacks() -> None:
    """A dish no tab of the restaurant has (the model in the wrong restaurant): the search
    taps each other tab once, then leaves the scroll to the model's own handling (asked
    again), instead of going round the tabs until the step budget ends."""
    device, _, goal, tabs = _menu_tabs()
    goal = goal.replace("Shrimp and Chive Dumplings", "Double Beef Burger")
    assert tab_for_unseen("", ScrollAction(direction="down"), device.observe().view, goal,
                          tried=[tab_key("doublebeefburger", device.observe().view.item(i))
                                 for i in (tabs["Sides"], tabs["Drinks"])])[1] is None  # fmt: skip
    config = PlannerConfig(plan_first=False, ask_again=True, ground_names=True)

    def reply(req: CompletionRequest) -> str:
        if req.avoid_ids:
            return "<think>Nothing else.</think>\nwait(1)"
        row = int(re.findall(r'\[(\d+)\] "[^"|]+ \|', req.messages[-1].content)[0])
        return (
            "<think>The goal names the dish Double Beef Burger. "
            f'[{row}] "x" shows it, so I tap it.</think>\ntap({row})'
        )

    planner = Planner(ScriptedBackend(reply), config)
    searched: list[int] = []
    for _ in range(12):
        obs = device.observe()
        d = planner.decide(goal, obs)
        if any("the next tab" in r for r in d.repairs):
            assert isinstance(d.action, TapAction)
            searched.append(d.action.element or 0)
        device.perform(d.action)  # type: ignore[arg-type]
    assert sorted(searched) == sorted(i for label, i in tabs.items() if label != "Dumplings")


def _wrong_model_episode(
    tmp_path: Path,
    task_id: str,
    lang: str,
    wrong: Callable[[str, WatchedDevice], str | None],
) -> tuple[list[tuple[str, ...]], str]:
    """A catalog task (seed 2000) through the whole agent loop on the simulated phone, with a
    model that replies as the oracle except where ``wrong(the screen's prompt, the phone)``
    gives a reply; the episode must succeed. Each step's repairs, and the goal."""
    task = get(task_id).instantiate(2000, lang=lang)
    watched = WatchedDevice(SimDevice(SimPhone(seed=2000)))
    script = OracleScript(task, watched)

    def reply(req: CompletionRequest) -> str:
        said = wrong(req.messages[-1].content, watched)
        return script(req) if said is None else said

    planner = Planner(ScriptedBackend(reply), PlannerConfig(plan_first=False, ask_again=True))
    res = Agent(watched, planner, config=AgentConfig(guard="allow")).run(tmp_path, task=task)
    script.close()
    assert res.success, res.episode.reason
    return [tuple(step.repairs) for step in read_steps(res.episode_dir)], task.goal


@pytest.mark.parametrize(
    ("task_id", "lang"),
    [
        ("FoodGoOrderSoldOutDish", "en"),
        ("FoodGoOrderSoldOutDish", "zh"),
        ("MealDashOrderSoldOutDish", "en"),
        ("MealDashOrderSoldOutDish", "zh"),
    ],
)
def test_a_tap_on_the_goals_sold_out_dish_ends_the_task_as_infeasible(
    tmp_path: Path, task_id: str, lang: str
) -> None:
    """The shipped model tapped the sold-out Pepperoni Pizza's description, then the menu's
    "Pizza" header, then Chicken Wings. A tap on a line of the goal's sold-out dish (no row to
    open) is refused, and the planner ends the task with ``finish(infeasible)`` naming it;
    the task's own check accepts that end. Another restaurant's sold-out dish of the same
    name, another dish and a tappable row are left alone."""
    sold = "Sold out" if lang == "en" else "已售罄"
    seen: list[Observation] = []

    def tap_description(screen: str, device: WatchedDevice) -> str | None:
        if f'"{sold}"' not in screen:
            return None
        lines = screen.splitlines()
        at = next(k for k, line in enumerate(lines) if line.endswith(f'"{sold}"'))
        description = re.match(r"\[(\d+)\]", lines[at - 2])
        assert description is not None
        seen.append(device.observe())
        return f"<think>I tap the dish.</think>\ntap({description.group(1)})"

    repairs, goal = _wrong_model_episode(tmp_path, task_id, lang, tap_description)
    assert any("sold out at" in r for r in repairs[-1]), repairs[-1]
    obs = seen[0]
    dish = ordered_items(goal)[0]
    lines = [it for it in obs.view.items if label_of(it) == dish]
    assert len(lines) == 1, obs.view.text
    assert not lines[0].clickable
    tap = TapAction(element=lines[0].id)
    assert sold_out_tap(tap, obs.view, goal) is not None
    ended, why = finish_sold_out(tap, obs.view, goal)
    assert why is not None
    assert isinstance(ended, FinishAction)
    assert ended.status == "infeasible"
    assert dish in ended.message
    row = next(it for it in obs.view.items if it.clickable and " | " in it.text)
    assert sold_out_tap(TapAction(element=row.id), obs.view, goal) is None
    # the same dish sold out at a restaurant the goal does not name: nothing is concluded
    title = next(it for it in obs.view.items if not it.clickable and label_of(it) in goal)
    elsewhere = goal.replace(label_of(title), "Nowhere Diner")
    assert sold_out_tap(tap, obs.view, elsewhere) is None
    assert finish_sold_out(tap, obs.view, elsewhere)[1] is None
    # a dish that is not sold out: nothing either
    other = next(label_of(it) for it in obs.view.items if it.clickable and " | " in it.text)
    assert finish_sold_out(tap, obs.view, goal.replace(dish, other))[1] is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_buy_on_a_day_the_goal_does_not_name_scrolls_to_its_day_and_ends_it_sold_out(
    tmp_path: Path, lang: str
) -> None:
    """The shipped model tapped "Buy" on the ticket page's first day for "on March 24", a
    sold-out day further along the strip. Refused (the day is not the goal's), the tap
    becomes a scroll of the day strip toward the goal's day, then a tap on it; on that day,
    sold out, the planner ends the task with ``finish(infeasible)``. A model that only ever
    says "Buy" gets the task right."""
    buy_words = "Buy" if lang == "en" else "立即购买"

    def buy(screen: str, _: WatchedDevice) -> str | None:
        found = re.search(rf'\[(\d+)\] button "{buy_words}"', screen)
        if found is None:
            return None
        return f"<think>Everything is set, so I book it.</think>\ntap({found.group(1)})"

    steps, _ = _wrong_model_episode(tmp_path, "TicketsBuySoldOutDay", lang, buy)
    repairs = [r for step in steps for r in step]
    assert any("scroll it right toward it" in r for r in repairs), repairs
    assert any("finish(infeasible" in r for r in repairs), repairs
    # a day of the goal that shows in the strip and can be had: "Buy" becomes a tap on it
    _, obs, goal = _oracle_at("TicketsBuySoldOutDay", 2000, "AttractionActivity", lang)
    buy = next(it for it in obs.view.items if label_of(it) == buy_words)
    day = next(it for it in obs.view.items if label_of(it) == "2025-03-16")
    later = re.sub(r"March 24|3月24日", "March 16" if lang == "en" else "3月16日", goal)
    assert day_to_goal(TapAction(element=buy.id), obs.view, later) == (
        TapAction(element=day.id),
        f'[{day.id}] "2025-03-16" is the goal\'s day',
    )
    first = re.sub(r"March 24|3月24日", "March 14" if lang == "en" else "3月14日", goal)
    assert day_to_goal(TapAction(element=buy.id), obs.view, first)[1] is None  # chosen already
    # a tap on another day of the strip resets the counts: refused, and sent on toward the
    # goal's day (the model tapped each day it was scrolled past)
    wrong = TapAction(element=day.id)
    assert strip_day_off_goal(wrong, obs.view, goal) == (
        f'[{day.id}] "2025-03-16" is a day the goal does not name'
    )
    assert strip_day_off_goal(wrong, obs.view, later) is None
    assert isinstance(day_to_goal(wrong, obs.view, goal)[0], ScrollAction)
    # a stay's check-in and check-out fields are no strip
    form, stay = _oracle_until("TravelBookHotel", 2000, "Check-out")
    fields = [it for it in form.view.items if it.clickable and re.match(r"\d{4}-", it.text)]
    assert len(fields) == 2, form.view.text
    assert strip_day_off_goal(TapAction(element=fields[0].id), form.view, stay) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_option_that_replaces_or_joins_the_goals_chosen_one_is_refused(lang: str) -> None:
    """A train order with the goal's seat class and passenger checked. Asked again after a
    refused re-tap of the checked "Second class", the shipped model chose "First class" (a
    radio button: it takes the class's place), and later a second passenger (a checkbox: one
    more ticket). Both are refused; an option the goal names, one of a group where nothing
    the goal names is chosen (the seat), and a button are not. With everything the goal
    names chosen, the refused tap becomes the order's one button that goes on."""
    device, obs, goal = _oracle_at("TravelBookTrain", 2000, "OrderFillActivity", lang)
    radios = [it for it in obs.view.items if it.checkable and " radio " in _line(obs, it.id)]
    boxes = [it for it in obs.view.items if it.checkable and " checkbox " in _line(obs, it.id)]
    chosen_class = next(it for it in radios[:3] if it.checked)
    other_class = next(it for it in radios[:3] if not it.checked)
    person = next(it for it in boxes if it.checked)
    other_person = next(it for it in boxes if not it.checked)
    seat = next(it for it in radios[3:] if not it.checked)
    why = leaves_choice(TapAction(element=other_class.id), obs.view, goal)
    assert why is not None
    assert f"[{chosen_class.id}]" in why
    assert "take the place of" in why
    why = leaves_choice(TapAction(element=other_person.id), obs.view, goal)
    assert why is not None
    assert f"[{person.id}]" in why
    assert "beside" in why
    assert leaves_choice(TapAction(element=seat.id), obs.view, goal) is None
    assert leaves_choice(TapAction(element=chosen_class.id), obs.view, goal) is None
    submit = next(it for it in obs.view.items if it.clickable and not it.checkable and (
        label_of(it) in ("Submit order", "提交订单")))  # fmt: skip
    done, how = form_done(TapAction(element=chosen_class.id), obs.view, goal)
    assert done == TapAction(element=submit.id), how
    assert form_done(TapAction(element=submit.id), obs.view, goal)[1] is None
    # the planner: a re-tap of the checked class becomes the order's "Submit order"
    words = label_of(chosen_class).split(" ¥")[0]
    cite = f'[{chosen_class.id}] "{label_of(chosen_class)}"'
    first = (
        f"<think>The goal names the seat class {words}. {cite} shows it, so I tap it.</think>"
        if lang == "en"
        else f"<think>目标指定的席别是{words}。{cite}正是它，点击它。</think>"
    ) + f"\ntap({chosen_class.id})"
    again = f"<think>I set it.</think>\ntap({other_class.id})"
    backend = ScriptedBackend(lambda req: again if req.avoid_ids else first)
    config = PlannerConfig(plan_first=False, ask_again=True)
    decision = Planner(backend, config).decide(goal, obs)
    assert decision.action == TapAction(element=submit.id), decision.repairs
    assert decision.withheld == ""
    # the goal's passenger not chosen: the form is not done, and the re-tap of the chosen
    # class gives way to the goal's passenger (the model tapped "Business" again and again
    # at seed 2006 while Gao Yuxuan stayed unticked)
    device.perform(TapAction(element=person.id))
    device.perform(TapAction(element=other_person.id))
    unset = device.observe()
    assert form_done(TapAction(element=chosen_class.id), unset.view, goal)[1] is None
    decision = Planner(backend, config).decide(goal, unset)
    assert decision.action == TapAction(element=person.id), decision.repairs
    assert decision.withheld == ""
    assert any("which the goal names, is not chosen" in r for r in decision.repairs)
    # the goal's passenger and another ticked: the other is unticked before going on (the
    # model paid for two tickets at seed 2001, one of them for the passenger ticked by default)
    device.perform(TapAction(element=person.id))
    both = device.observe()
    untick, why = form_done(TapAction(element=chosen_class.id), both.view, goal)
    assert untick == TapAction(element=other_person.id)
    assert why is not None
    assert "untick it" in why


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_answer_read_on_a_day_the_goal_does_not_name_goes_to_the_goals_day(
    tmp_path: Path, lang: str
) -> None:
    """ "How many Adult tickets for West Lake Cruise are left on March 18?": the shipped model
    answered on the ticket page as it opened, on another day. An answer on a screen whose
    chosen day is not the goal's is refused, and the planner goes to the goal's day (the day
    strip scrolled, the day tapped); a model that reads the count wherever it is then
    answers right. An answer on the goal's day, or on a screen with no days, passes."""
    left = re.compile(r"\[\d+\] \"¥[\d.]+ · (?:(\d+) left|剩余(\d+)张)\"")

    def answer(screen: str, _: WatchedDevice) -> str | None:
        count = left.search(screen)
        if count is None:
            return None
        number = count.group(1) or count.group(2)
        return f'<think>The goal asks a question.</think>\nanswer("{number}")'

    steps, _ = _wrong_model_episode(tmp_path, "TicketsAskRemaining", lang, answer)
    repairs = [r for step in steps for r in step]
    assert any("not read on the goal's day" in r and "scroll it right" in r for r in repairs)
    assert any("is the goal's day" in r for r in repairs), repairs
    # the first screen it answered on: the page as it opened
    _, obs, goal = _oracle_at("TicketsAskRemaining", 2000, "AttractionActivity", lang)
    answer = AnswerAction(text="23")
    assert unread_answer("", answer, obs.view, goal) is None
    day, why = answer_off_day(answer, obs.view, goal) or (None, "")
    assert day is not None
    assert obs.view.item(day).selected  # type: ignore[union-attr]
    assert "not read on the goal's day" in why
    chosen = dates_in(label_of(obs.view.item(day)))  # type: ignore[arg-type]
    ((month, date),) = chosen
    same = re.sub(
        r"March \d+|\d+月\d+日", f"March {date}" if lang == "en" else f"{month}月{date}日", goal
    )
    assert answer_off_day(answer, obs.view, same) is None
    assert answer_off_day(answer, obs.view, "How many tickets are left?") is None
    assert answer_off_day(TapAction(element=day), obs.view, goal) is None


def test_acting_on_another_tab_than_the_one_the_goal_says_goes_to_the_goals_tab() -> None:
    """Travel opens on "Trains"; for "Book flight CZ4151 …" the shipped model typed the cities
    into the train form and booked a train. An action on the content of a tab the goal does
    not say, while another tab's word is a word of the goal ("flight"), becomes a tap on
    that tab. A goal that says the selected tab's word ("train"), a tab word inside a name
    ("Auntie Wang's Dumplings"), a Chinese goal, a dialog over the tabs and a tap on a tab
    are left alone."""
    obs, goal = _oracle_until("TravelBookFlight", 2000, '"Trains"')
    tabs = {label_of(it): it.id for it in obs.view.items if " tab " in f" {_line(obs, it.id)} "}
    assert list(tabs) == ["Trains", "Flights", "Hotels"], obs.view.text
    field = next(it.id for it in obs.view.items if it.editable and not it.text.startswith("Hang"))
    typing = TypeAction(text="Chengdu", element=field)
    assert goal_tab(obs.view, goal) == obs.view.item(tabs["Flights"])
    why = off_goal_tab(typing, obs.view, goal)
    assert why == (
        f'[{tabs["Trains"]}] "Trains" is not the goal\'s tab: [{tabs["Flights"]}] "Flights" is'
    )
    assert to_goal_tab(typing, obs.view, goal)[0] == TapAction(element=tabs["Flights"])
    assert off_goal_tab(TapAction(element=tabs["Hotels"]), obs.view, goal) is None
    # the goal's tab is never refused as leaving a row that shows a goal's name (the form's
    # "From" field shows Hangzhou)
    assert leaves_sought(TapAction(element=tabs["Flights"]), obs.view, goal) is None
    assert off_goal_tab(KeyAction(key="back"), obs.view, goal) is None
    train = "Book train G757 from Hangzhou to Chongqing on March 23, Second class."
    assert goal_tab(obs.view, train) is None
    assert goal_tab(obs.view, "Order 1 × Cola from Auntie Wang's Flights.") is None
    zh, zh_goal = _oracle_until("TravelBookFlight", 2000, '"火车票"', lang="zh")
    assert goal_tab(zh.view, zh_goal) is None
    expired, hotel = _oracle_until("TravelBookHotelSessionExpired", 2000, "~ dialog")
    assert "~ dialog" in expired.view.text
    assert goal_tab(expired.view, hotel) is None
    # the planner takes the tab in place of the typing, without asking again
    reply = f'<think>The goal gives the destination "Chengdu".</think>\ntype("Chengdu", {field})'
    backend = ScriptedBackend(lambda req: reply)
    decision = Planner(backend, PlannerConfig(plan_first=False, ask_again=True)).decide(goal, obs)
    assert decision.action == TapAction(element=tabs["Flights"])
    assert len(backend.requests) == 1


def test_a_restaurant_the_goal_does_not_name_is_read_as_the_one_it_orders_from() -> None:
    """On MealDash's list, Spicy Garden further down, the shipped model wrote "The goal names
    the restaurant Burger Barn." and opened it, for "1 × Kung Pao Chicken from Spicy Garden".
    A restaurant's name the goal does not say, where the goal orders from one, is that one
    misread: the tap becomes a scroll of the list (the name shows nowhere) or goes to the
    row that shows it. Not for another kind of name, nor for a goal that orders from no
    restaurant it names (the cheapest dish's, which the demonstrations look up)."""
    obs, goal = _oracle_until("MealDashOrderSoldOutDish", 2000, "#restaurant_list")
    shops = [it for it in obs.view.items if it.clickable and "★" in it.text]
    shown = {label_of(it) for it in shops}
    assert "Spicy Garden" in goal
    first = shops[0]
    thought = (
        f"The goal names the restaurant {label_of(first)}. [{first.id}] "
        f'"{label_of(first)}" shows it, so I tap it.'
    )
    assert misread_name(thought, first.id, goal) == (label_of(first), "Spicy Garden")
    moved, why = ground_named(thought, TapAction(element=first.id), obs.view, goal)
    if "Spicy Garden" in shown:
        target = next(it.id for it in shops if label_of(it) == "Spicy Garden")
        assert moved == TapAction(element=target)
    else:
        assert isinstance(moved, ScrollAction)
    assert why is not None
    assert "misreads the goal's 'Spicy Garden'" in why
    dish = thought.replace("the restaurant", "the dish")
    assert misread_name(dish, first.id, goal) is None
    cheapest = (
        "Find the restaurant on MealDash that sells Kung Pao Chicken for the lowest price and "
        "order it there (as many as its minimum order needs); pay with PIN 337297."
    )
    assert misread_name(thought, first.id, cheapest) is None


@pytest.mark.parametrize(
    ("task_id", "lang"),
    [
        ("FoodGoApplyBestCoupon", "en"),
        ("FoodGoApplyBestCoupon", "zh"),
        ("MealDashApplyBestCoupon", "en"),
        ("MealDashApplyBestCoupon", "zh"),
    ],
)
def test_submitting_with_no_coupon_for_a_goal_that_asks_for_one_opens_the_coupons(
    task_id: str, lang: str
) -> None:
    """ "Order 4 × Sour Plum Drink … with the coupon that saves the most": the shipped model
    submitted at full price. Going on while the checkout's coupon row shows none applied is
    refused, and the planner opens the coupons instead; once one is applied (the oracle
    chooses), or for a goal that asks for none, submitting passes."""
    _, obs, goal = _oracle_at(task_id, 2000, "CheckoutActivity", lang)
    proceed = re.compile(r"Submit order|Place order|提交订单|下单")
    submit = next(it for it in obs.view.items if it.clickable and proceed.fullmatch(label_of(it)))
    tap = TapAction(element=submit.id)
    why = unused_coupon(tap, obs.view, goal)
    assert why is not None
    opened, how = open_coupons(tap, obs.view, goal)
    assert how is not None
    row = obs.view.item(opened.element)  # type: ignore[union-attr]
    assert row is not None
    assert re.match(r"Coupons|Vouchers|红包|优惠券", label_of(row)), row.text
    plain = re.sub(
        r",? ?with the coupon that saves the most|，?使用优惠最多的(?:红包|优惠券)", "", goal
    )
    assert plain != goal
    assert unused_coupon(tap, obs.view, plain) is None
    # the planner opens the coupons without asking again
    reply = f"<think>The order is filled in, so I place it.</think>\ntap({submit.id})"
    backend = ScriptedBackend(lambda req: reply)
    decision = Planner(backend, PlannerConfig(plan_first=False, ask_again=True)).decide(goal, obs)
    assert decision.action == TapAction(element=row.id)
    assert len(backend.requests) == 1
    # the oracle applies the best coupon: back on the checkout, submitting passes
    _, applied, _ = _oracle_at(task_id, 2000, "CheckoutActivity", lang, after=1)
    again = next(
        it for it in applied.view.items if it.clickable and proceed.fullmatch(label_of(it))
    )
    assert unused_coupon(TapAction(element=again.id), applied.view, goal) is None


@pytest.mark.parametrize(
    ("task_id", "lang", "records"),
    [
        ("FoodGoReorderLast", "en", "Orders"),
        ("FoodGoReorderLast", "zh", None),
        ("MealDashReorderLast", "en", "My orders"),
        ("TravelCancelBooking", "en", "My trips"),
        ("TravelCancelBooking", "zh", None),
    ],
)
def test_a_goal_about_its_own_order_goes_to_the_list_of_orders_first(
    task_id: str, lang: str, records: str | None
) -> None:
    """ "Order my last FoodGo order (from Noodle Bar 88) again": the shipped model opened the
    restaurant and ordered a dish never ordered before; for "Cancel my train ticket for
    G852 …" it typed the cities into the search form and booked another ticket. On a screen
    with the list of the user's orders a tap away, any other action is refused for such a
    goal and the planner opens the list; a goal that orders something new is left alone."""
    obs, goal = _oracle_until(task_id, 2000, "MainActivity")
    found = records_item(obs.view, goal)
    if records is None:  # the Chinese goal's: whatever the button says, it is found once
        assert found is not None, obs.view.text
        records = label_of(found)
    assert found is not None
    assert label_of(found) == records
    other = next(
        it
        for it in obs.view.items
        if it.clickable and it.id != found.id and not _is_tab_line(obs, it)
    )
    tap = TapAction(element=other.id)
    assert off_records(tap, obs.view, goal) is not None
    assert to_records(tap, obs.view, goal) == (
        TapAction(element=found.id),
        f'[{found.id}] "{records}" lists them',
    )
    assert off_records(TapAction(element=found.id), obs.view, goal) is None
    new = "Order 1 × Cola from Bashu Kitchen on FoodGo and pay with PIN 123456."
    assert off_records(tap, obs.view, new) is None


def _is_tab_line(obs: Observation, item: ViewItem) -> bool:
    return " tab " in f" {_line(obs, item.id)} "


def test_a_tap_on_another_train_than_the_goals_goes_to_its_row_or_looks_further() -> None:
    """For "Book flight CZ4151" the shipped model opened the first train of the list, G1229.
    A tap on a row known by a train's or flight's number that the goal does not name is
    refused; the planner taps the goal's row, or scrolls the list when it shows nowhere. A
    goal that names no number (the fastest train) is not judged."""
    obs, goal = _oracle_until("TravelBookTrain", 2000, "SearchResultActivity")
    rows = [
        it for it in obs.view.items if it.clickable and re.fullmatch(r"[A-Z]+\d+", label_of(it))
    ]
    assert len(rows) >= 2, obs.view.text
    mine = next(it for it in rows if label_of(it) in goal)
    other = next(it for it in rows if label_of(it) not in goal)
    tap = TapAction(element=other.id)
    why = wrong_code(tap, obs.view, goal)
    assert why == f'[{other.id}] "{label_of(other)}" is not the goal\'s {label_of(mine)}'
    assert code_row(tap, obs.view, goal)[0] == TapAction(element=mine.id)
    assert wrong_code(TapAction(element=mine.id), obs.view, goal) is None
    elsewhere = goal.replace(label_of(mine), "G9999")
    moved, how = code_row(tap, obs.view, elsewhere)
    assert isinstance(moved, ScrollAction)
    assert how is not None
    assert "G9999 shows nowhere" in how
    fastest = "Book a ticket on the fastest train from Hangzhou to Chongqing on March 23."
    assert wrong_code(tap, obs.view, fastest) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finishing_before_texting_the_contact_the_goal_names_shares_instead(lang: str) -> None:
    """ "…, pay with PIN 337297, then text the booking confirmation to Zhao Jianguo": the
    shipped model paid and finished on the order page. A success finish for a goal that asks
    to text someone is refused while no messaging app has been on the screen this episode;
    the planner taps the page's share button instead. Goals where someone else texts are not
    judged."""
    share = "Share" if lang == "en" else "分享"
    _, obs, goal = _oracle_at("TravelBookTrainShareContact", 2000, f'"{share}"', lang)
    button = next(it for it in obs.view.items if label_of(it) == share)
    done = FinishAction(status="success", message="Booked and paid.")
    assert unsent_message(done, goal, {obs.view.package}) is not None
    assert unsent_message(done, goal, {obs.view.package, "com.droidpilot.messages"}) is None
    assert unsent_message(FinishAction(status="infeasible", message="No."), goal, set()) is None
    assert share_it(done, obs.view, goal, {obs.view.package})[0] == TapAction(element=button.id)
    for other in (
        "Huang Ning texted me a new address. Send 1 × Cola from Bashu Kitchen there with FoodGo.",
        "Order 1 × Cola from Bashu Kitchen on FoodGo and pay with the wallet (PIN 123456); the "
        "wallet will text a verification code to finish the payment.",
        "黄宁发短信告诉了我新地址。用美食达从巴蜀小馆给那个地址点1份可乐，用密码123456支付。",
    ):
        assert unsent_message(done, other, set()) is None
    reply = '<think>Everything the goal asked for is done.</think>\nfinish(success, "Done.")'
    backend = ScriptedBackend(lambda req: reply)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    decision = planner.decide(goal, obs)
    assert decision.action == TapAction(element=button.id)
    assert len(backend.requests) == 1


def test_a_scroll_that_got_nowhere_goes_back_the_other_way() -> None:
    """MealDash's list opens with Spicy Garden on it; the shipped model scrolled down past it
    ("not on this screen"), and at the list's end kept scrolling down. A scroll that changed
    nothing on this screen before is refused, and the planner scrolls the other way."""
    device, obs, goal = _oracle_at("MealDashOrderSoldOutDish", 2000, "#restaurant_list")
    listed = next(it for it in obs.view.items if it.scrollable)
    down = ScrollAction(direction="down", element=listed.id)
    for _ in range(10):  # to the list's end
        before = device.observe().view.text
        device.perform(down)
        if device.observe().view.text == before:
            break
    at_end = device.observe()
    reply = f"<think>The restaurant is further down.</think>\nscroll(down, {listed.id})"
    backend = ScriptedBackend(lambda req: reply)
    planner = Planner(backend, PlannerConfig(plan_first=False, ask_again=True))
    first = planner.decide(goal, at_end)
    assert first.action == down  # nothing known about it yet
    device.perform(down)
    again = planner.decide(goal, device.observe())
    assert again.action == ScrollAction(direction="up", element=listed.id)
    assert any("got nowhere here: up" in r for r in again.repairs), again.repairs
    assert len(backend.requests) == 2  # not asked again


def test_changing_a_count_for_a_goal_that_only_asks_is_refused_and_an_answer_may_follow() -> None:
    """On the goal's day of "How many Adult tickets for West Lake Cruise are left on March
    18?" the shipped model tapped "More Adult" seventeen times. A stepper's tap is refused for
    a goal that only asks, and asked again the model may answer (it may not after other
    refused taps). A goal that buys is not judged."""
    obs, goal = _oracle_until("TicketsAskRemaining", 2000, "Mar 18 ·")
    more = next(it for it in obs.view.items if label_of(it) == "More Adult")
    tap = TapAction(element=more.id)
    why = unasked_count(tap, obs.view, goal)
    assert why == f'[{more.id}] "More Adult" changes a count, and the goal only asks a question'
    buy = "Buy 2 Adult tickets for West Lake Cruise on March 18; pay with PIN 337297."
    assert unasked_count(tap, obs.view, buy) is None
    # Chinese: "几点" (what time) and "订单" (an order) ask; "点1份" and "订…票" do not
    assert unasked_count(tap, obs.view, "我在美食达上的订单预计几点送到？") is not None
    assert unasked_count(tap, obs.view, "在美食达上点1份可乐，多少钱？") is None
    assert unasked_count(tap, obs.view, "帮我订3月18日的船票，多少钱？") is None
    left = re.search(r"¥[\d.]+ · (\d+) left", obs.view.text)
    assert left is not None
    raising = (
        f'<think>The goal names the type Adult. [{more.id}] "More Adult".</think>\ntap({more.id})'
    )
    answer = f'<think>The goal asks a question.</think>\nanswer("{left.group(1)} left")'
    backend = ScriptedBackend(lambda req: answer if req.avoid_ids else raising)
    decision = Planner(backend, PlannerConfig(plan_first=False, ask_again=True)).decide(goal, obs)
    assert decision.action == AnswerAction(text=f"{left.group(1)} left")
    # an answer the screen does not bear out is no way out: the tap is withheld
    nonsense = '<think>The goal asks a question.</think>\nanswer("Fleet-footed fairies")'
    backend = ScriptedBackend(lambda req: nonsense if req.avoid_ids else raising)
    decision = Planner(backend, PlannerConfig(plan_first=False, ask_again=True)).decide(goal, obs)
    assert decision.action == tap
    assert "only asks a question" in decision.withheld
    assert answer_shown(AnswerAction(text=f"{left.group(1)} left"), obs.view)
    assert not answer_shown(AnswerAction(text="Fleet-footed fairies"), obs.view)
    assert not answer_shown(AnswerAction(text="12345"), obs.view)
