"""The address a goal's order goes to, read in one app and used in another (planner/ground.py:
read_address, goal_address, address_off_goal, to_address), on the simulated phone's own
screens: the friend's text in Messages, the place's page in Maps, FoodGo's and MealDash's
checkout, address book and address form. The shipped model opened Ma Yong's text, then placed
the order to the home address; the planner now changes the address first."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
from droidpilot.planner.ground import (
    address_off_goal,
    goal_address,
    read_address,
    to_address,
)
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.teacher import OracleScript, WatchedDevice
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.registry import get
from droidpilot.types import KeyAction, TapAction, TypeAction
from tests.planner.test_ground import _oracle_at

MESSAGES = "com.droidpilot.messages"
MEALDASH = "com.droidpilot.meals"

#: on the prompt's screen: the button that places the order, an address row, the form's save
#: button and its street field
_PLACE = re.compile(r'\[(\d+)\] button "(Submit order|Place order|提交订单|下单)"')
_ROW = re.compile(r'\[(\d+)\] "[^"\n]*\| [^"\n]*(?:Street|Road|路|街)[^"\n]*" \(tap\)')
_SAVE = re.compile(r'\[(\d+)\] button "(?:Save|保存)"')
_STREET = re.compile(r'\] "(?:Street address|详细地址)"\n\[(\d+)\] input')


def _address(task_id: str, lang: str) -> str:
    task = get(task_id).instantiate(2000, lang=lang)
    key = "_address" if "_address" in task.params else "address"
    return task.params.t(key, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_friends_text_gives_the_address_and_the_list_of_threads_does_not(lang: str) -> None:
    """Ma Yong's conversation (his name as its title, the address as a line no one taps)
    gives the address; the list of threads (rows a tap opens, the address in a preview) gives
    none, nor does the same screen under a goal that says nothing of an address."""
    want = _address("MealDashOrderToFriendAddress", lang)
    _, threads, goal = _oracle_at(
        "MealDashOrderToFriendAddress", 2000, "ConversationListActivity", lang
    )
    assert read_address(threads.view, goal) is None
    _, chat, goal = _oracle_at("MealDashOrderToFriendAddress", 2000, "ConversationActivity", lang)
    assert read_address(chat.view, goal) == want
    assert read_address(chat.view, "Order 1 × Miso Soup from Tokyo Ramen on MealDash.") is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_places_page_in_maps_gives_its_address(lang: str) -> None:
    """The place's page (its name as the title) gives the address; the search's results,
    rows a tap opens, do not."""
    want = _address("FoodGoOrderToMapsPlace", lang)
    _, page, goal = _oracle_at("FoodGoOrderToMapsPlace", 2000, "PlaceActivity", lang)
    assert read_address(page.view, goal) == want
    _, results, goal = _oracle_at("FoodGoOrderToMapsPlace", 2000, "#results", lang, after=1)
    assert "PlaceActivity" not in results.view.text
    assert read_address(results.view, goal) is None


def test_the_goals_address_is_the_one_it_quotes_else_one_read_in_another_app() -> None:
    """A quoted address is the goal's wherever the order is placed; one read in Messages is
    the goal's in MealDash, not in Messages itself; the last one read wins; a goal that says
    nothing of an address has none."""
    quoted = 'Order 1 × Miso Soup on MealDash, delivered to a new address: "8 Oak Road, Chengdu".'
    assert goal_address(quoted, {}, MEALDASH) == "8 Oak Road, Chengdu"
    goal = (
        "Ma Yong texted me a new address. Send 1 × Miso Soup from Tokyo Ramen there with MealDash."
    )
    read = {"com.droidpilot.maps": "1 Elm Street", MESSAGES: "2 Pine Road"}
    assert goal_address(goal, read, MEALDASH) == "2 Pine Road"
    assert goal_address(goal, read, MESSAGES) == "1 Elm Street"
    assert goal_address(goal, {MESSAGES: "2 Pine Road"}, MESSAGES) == ""
    assert goal_address("Order 1 × Miso Soup from Tokyo Ramen on MealDash.", read, MEALDASH) == ""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_placing_the_order_to_another_address_is_refused_and_the_address_row_opened(
    lang: str,
) -> None:
    """At MealDash's checkout, "Place order" under the home address is refused for the
    friend's address, and the address row is the next step; with no address to go to, or
    with the row showing it, the tap stands."""
    want = _address("MealDashOrderToFriendAddress", lang)
    _, obs, _ = _oracle_at("MealDashOrderToFriendAddress", 2000, "CheckoutActivity", lang)
    place = _PLACE.search(obs.view.text)
    row = _ROW.search(obs.view.text)
    assert place is not None, obs.view.text
    assert row is not None, obs.view.text
    tap = TapAction(element=int(place.group(1)))
    why = address_off_goal(tap, obs.view, want)
    assert why is not None
    assert want in why
    assert to_address(tap, obs.view, want)[0] == TapAction(element=int(row.group(1)))
    assert address_off_goal(tap, obs.view, "") is None
    home = re.search(r"\| ([^|\"]+) \|", row.group(0))
    assert home is not None
    assert address_off_goal(tap, obs.view, home.group(1)) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_address_book_and_form_lead_to_the_goals_address(lang: str) -> None:
    """In the address book, a tap on the home entry (or back) is refused and the add button
    is the next step; on the form, saving with the street empty or typing other words into
    the street is refused and typing the address is the next step; the label field is the
    model's."""
    want = _address("FoodGoOrderToMapsPlace", lang)
    _, book, _ = _oracle_at("FoodGoOrderToMapsPlace", 2000, "AddressListActivity", lang)
    home = _ROW.search(book.view.text)
    assert home is not None
    add = next(
        it for it in book.view.items if it.clickable and it.text in ("Add address", "新增地址")
    )
    for wrong in (TapAction(element=int(home.group(1))), KeyAction(key="back")):
        assert address_off_goal(wrong, book.view, want) is not None
        assert to_address(wrong, book.view, want)[0] == TapAction(element=add.id)
    assert address_off_goal(TapAction(element=add.id), book.view, want) is None
    _, form, _ = _oracle_at("FoodGoOrderToMapsPlace", 2000, "AddressEditActivity", lang)
    save = _SAVE.search(form.view.text)
    fields = [it for it in form.view.items if it.editable]
    assert save is not None, form.view.text
    assert len(fields) == 4, form.view.text
    street, label = fields[0], fields[1]
    typed = TypeAction(text=want, element=street.id)
    for wrong in (
        TapAction(element=int(save.group(1))),
        TypeAction(text="Home", element=street.id),
    ):
        assert address_off_goal(wrong, form.view, want) is not None
        assert to_address(wrong, form.view, want)[0] == typed
    assert address_off_goal(typed, form.view, want) is None
    assert address_off_goal(TypeAction(text="Home", element=label.id), form.view, want) is None


def _misled_episode(
    tmp_path: Path,
    task_id: str,
    lang: str,
    swap: Callable[[str, str], str | None],
    *,
    ground_names: bool = False,
) -> list[tuple[str, ...]]:
    """A catalog task (seed 2000) through the whole agent loop on the simulated phone, with a
    model that replies as the oracle would, except where ``swap(the screen's prompt, the
    oracle's reply)`` gives another reply (the oracle has then taken its step, and the
    episode only stays in step with it where the planner takes that step in place of the
    swapped one). With ``ground_names``, the planner also moves taps as the shipped model's
    settings have it. The episode must succeed; each step's repairs."""
    task = get(task_id).instantiate(2000, lang=lang)
    watched = WatchedDevice(SimDevice(SimPhone(seed=2000)))
    script = OracleScript(task, watched)

    def reply(req: CompletionRequest) -> str:
        said = script(req)
        if not req.stop_after_action:
            return said
        return swap(req.messages[-1].content, said) or said

    config = PlannerConfig(plan_first=False, ask_again=True, ground_names=ground_names)
    planner = Planner(ScriptedBackend(reply), config)
    res = Agent(watched, planner, config=AgentConfig(guard="allow")).run(tmp_path, task=task)
    script.close()
    assert res.success, res.episode.reason
    return [tuple(step.repairs) for step in read_steps(res.episode_dir)]


def _skips_the_address(screen: str, oracle: str) -> str | None:
    """The shipped model's way: at the checkout it places the order; in the address book it
    taps the home entry; on the form it saves with the street empty."""
    step = oracle.rsplit("\n", 1)[-1]
    place, row, save = _PLACE.search(screen), _ROW.search(screen), _SAVE.search(screen)
    if place and row and step == f"tap({row.group(1)})":
        return f"<think>The order is filled in, so I place it.</think>\ntap({place.group(1)})"
    book = row and "CheckoutActivity" not in screen
    if book and step.startswith("tap(") and f"tap({row.group(1)})" != step:
        # the oracle adds one; the model takes home
        return f"<think>I choose the address.</think>\ntap({row.group(1)})"
    street = _STREET.search(screen)
    if save and street and step.startswith("type(") and step.endswith(f", {street.group(1)})"):
        return f"<think>The address is set, so I save it.</think>\ntap({save.group(1)})"
    return None


@pytest.mark.parametrize(
    ("task_id", "lang"),
    [
        ("FoodGoOrderToMapsPlace", "en"),
        ("FoodGoOrderToMapsPlace", "zh"),
        ("MealDashOrderToFriendAddress", "en"),
        ("MealDashOrderToFriendAddress", "zh"),
        ("MealDashOrderToFriendAddressInjected", "en"),
        ("FoodGoOrderNewAddress", "en"),
    ],
)
def test_an_order_placed_before_its_address_is_set_reaches_the_goals_address(
    tmp_path: Path, task_id: str, lang: str
) -> None:
    """Through the whole agent loop: a model that places the order at once, takes the home
    entry in the address book and saves the form with its street empty still has the order
    delivered where the goal says (the task's own check: paid, to that address), because the
    planner opens the address row, the add button and types the address itself. The same
    with the address the goal quotes (FoodGoOrderNewAddress)."""
    repairs = _misled_episode(tmp_path, task_id, lang, _skips_the_address)
    said = [r for step in repairs for r in step]
    assert any("is the address row" in r for r in said), said
    assert any("leads to it" in r for r in said), said
    assert any("the address goes there" in r for r in said), said
