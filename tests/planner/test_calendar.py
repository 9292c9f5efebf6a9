"""The day a goal means without naming it ("the first day from tomorrow on with nothing in my
calendar"), read off the calendar's month and then held to by the date rules; the calendar's
day page and event form (planner/ground.py: free_day, with_day, calendar_day_off_goal,
off_new_event, unsaved_form, save_form), on the simulated phone's own screens. The shipped
model paid for the train, went back to the calendar and added the event on whichever empty
day it tapped first, or typed the title and went home without saving."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.planner.ground import (
    calendar_day_off_goal,
    clause_day,
    dates_in,
    free_day,
    off_new_event,
    overwrites_quote,
    save_form,
    strip_day_off_goal,
    unsaved_form,
    with_day,
)
from droidpilot.policy.teacher import OracleTeacher
from droidpilot.tasks.registry import get
from droidpilot.types import KeyAction, ScrollAction, TapAction, TypeAction
from tests.planner.test_address import _misled_episode
from tests.planner.test_ground import _oracle_at

TASK = "CalendarFreeDayBookTrain"
#: on the prompt's screen: a month grid's day with no events, the "New event" button, the
#: form's date field and save button, "Next day", a date picker's day
_EMPTY_DAY = re.compile(r'\[(\d+)\] "([^"\n|]*(?::|：)\s*0\s*(?:events|个日程))"')
_NEW_EVENT = re.compile(r'\[(\d+)\] button "(?:New event|新建日程)"')
_DATE_FIELD = re.compile(r'\[(\d+)\] "2025-\d\d-\d\d \|')
_SAVE = re.compile(r'\[(\d+)\] button "(?:Save|保存)"')
_NEXT_DAY = re.compile(r'\[(\d+)\] button "(?:Next day|后一天)"')
_PICKER_DAY = re.compile(r'\[(\d+)\] "(?:(\d+) March 2025|2025年3月(\d+)日)" \(tap')


def test_the_free_day_is_the_first_empty_day_after_today_on_the_month_grid() -> None:
    """Today is the grid's selected day; the first later day with 0 events is the goal's (the
    task's own: the day its check wants), in both languages. A goal that does not ask for a
    free day reads none off the same grid, and a goal that names its own date keeps it."""
    for lang in ("en", "zh"):
        _, obs, goal = _oracle_at(TASK, 2000, "AllInOneActivity", lang)
        day = free_day(obs.view, goal)
        from droidpilot.tasks.registry import get

        want = get(TASK).instantiate(2000, lang=lang).params.s("_day")  # "2025-03-16"
        assert day == (int(want[5:7]), int(want[8:10])), obs.view.text
        assert free_day(obs.view, "Add an event on March 20 to my calendar.") is None
        assert with_day(goal, day).endswith(f"(the day: {day[1]} March)")
        assert with_day("Add it on March 20.", day) == "Add it on March 20."


def test_a_tap_on_another_empty_day_of_the_grid_is_refused_and_the_goals_day_is_not() -> None:
    _, obs, goal = _oracle_at(TASK, 2000, "AllInOneActivity")
    dated = with_day(goal, free_day(obs.view, goal))
    days = {m.group(2): int(m.group(1)) for m in _EMPTY_DAY.finditer(obs.view.text)}
    goal_day = next(i for text, i in days.items() if text.startswith("Sun, Mar 16"))
    other = days[max(days, key=lambda t: days[t])]  # the last empty day shown
    assert calendar_day_off_goal(TapAction(element=other), obs.view, dated) is not None
    assert calendar_day_off_goal(TapAction(element=goal_day), obs.view, dated) is None
    assert calendar_day_off_goal(TapAction(element=other), obs.view, goal) is None  # no day


def test_leaving_the_event_form_with_the_title_typed_saves_it_instead() -> None:
    """The form shows the goal's quoted title: home, or back with the keyboard closed, is
    refused, and the planner saves, or first opens the date picker while the form's date is
    not the goal's. With the title not typed yet, leaving is left alone."""
    _, blank, goal = _oracle_at(TASK, 2000, "EditEventActivity")
    assert unsaved_form(KeyAction(key="home"), blank.view, goal) is None
    _, typed, goal = _oracle_at(TASK, 2000, "EditEventActivity", after=2)
    assert not typed.view.keyboard, typed.view.text
    dated = with_day(goal, (3, 16))
    for leave in (KeyAction(key="home"), KeyAction(key="back")):
        assert unsaved_form(leave, typed.view, dated) is not None
    field = _DATE_FIELD.search(typed.view.text)
    assert field is not None
    assert "2025-03-14" in typed.view.text
    moved, why = save_form(KeyAction(key="home"), typed.view, dated)
    assert moved == TapAction(element=int(field.group(1)))
    assert why is not None
    save = _SAVE.search(typed.view.text)
    assert save is not None
    moved, _ = save_form(KeyAction(key="home"), typed.view, with_day(goal, (3, 14)))
    assert moved == TapAction(element=int(save.group(1)))
    # typing over the title with words that drop the goal's ("Wuhan" over "Trip to Wuhan")
    title = next(it for it in typed.view.items if it.editable and "Trip to" in it.text)
    city = title.text.split()[-1]
    over = TypeAction(text=city, element=title.id, clear=True)
    assert overwrites_quote(over, typed.view, goal) is not None
    assert save_form(over, typed.view, dated)[0] == TapAction(element=int(field.group(1)))
    again = TypeAction(text=title.text, element=title.id, clear=True)
    assert overwrites_quote(again, typed.view, goal) is None


def test_on_the_goals_day_page_anything_but_new_event_is_refused() -> None:
    device, month, goal = _oracle_at(TASK, 2000, "AllInOneActivity")
    dated = with_day(goal, free_day(month.view, goal))
    days = {m.group(2): int(m.group(1)) for m in _EMPTY_DAY.finditer(month.view.text)}
    device.perform(TapAction(element=next(i for t, i in days.items() if "Mar 16" in t)))
    page = device.observe()
    button, next_day = _NEW_EVENT.search(page.view.text), _NEXT_DAY.search(page.view.text)
    assert button is not None, page.view.text
    assert next_day is not None, page.view.text
    assert off_new_event(TapAction(element=int(next_day.group(1))), page.view, dated)
    assert off_new_event(KeyAction(key="back"), page.view, dated)
    assert off_new_event(TapAction(element=int(button.group(1))), page.view, dated) is None
    assert off_new_event(KeyAction(key="back"), page.view, goal) is None  # no day known


def _loses_the_day(early_save: bool) -> Callable[[str, str], str | None]:
    """The shipped model's ways: in Travel's date picker the next day; on the month grid the
    last empty day in place of "New event" (or, with ``early_save``, "Save" on the form
    before its date is set); on the day's page "Next day"; home in place of "Save"."""

    def swap(screen: str, oracle: str) -> str | None:
        step = oracle.rsplit("\n", 1)[-1]
        picker = {int(m.group(2) or m.group(3)): m.group(1) for m in _PICKER_DAY.finditer(screen)}
        if "app: com.droidpilot.travel" in screen and step == f"tap({picker.get(16)})":
            return f"<think>The goal needs the day.</think>\ntap({picker[17]})"
        new, save = _NEW_EVENT.search(screen), _SAVE.search(screen)
        field = _DATE_FIELD.search(screen)
        grid = "AllInOneActivity" in screen and new and step == f"tap({new.group(1)})"
        if grid and not early_save:
            last = [m.group(1) for m in _EMPTY_DAY.finditer(screen)][-1]
            return f"<think>That day is free.</think>\ntap({last})"
        next_day = _NEXT_DAY.search(screen)
        if "DayActivity" in screen and new and next_day and step == f"tap({new.group(1)})":
            return f"<think>I look at the next day.</think>\ntap({next_day.group(1)})"
        if early_save and save and field and step == f"tap({field.group(1)})":
            return f"<think>The event is filled in, so I save it.</think>\ntap({save.group(1)})"
        if save and step == f"tap({save.group(1)})":
            return "<think>The next step needs the home key.</think>\nkey(home)"
        return None

    return swap


@pytest.mark.parametrize(("lang", "early_save"), [("en", False), ("zh", False), ("en", True)])
def test_a_model_that_loses_the_free_day_still_books_and_adds_the_event_on_it(
    tmp_path: Path, lang: str, early_save: bool
) -> None:
    """Through the whole agent loop: a model that picks the wrong day in Travel's picker and
    on the calendar's grid (or saves the form before its date is set), wanders off the day's
    page and goes home in place of saving still has the train paid and the event on the free
    day (the task's own check), each by the planner's rules."""
    steps = _misled_episode(tmp_path, TASK, lang, _loses_the_day(early_save), ground_names=True)
    repairs = " ".join(r for step in steps for r in step)
    assert "is a day the goal does not name, and [" in repairs  # the picker
    assert "keeps it" in repairs  # home on the form
    if early_save:
        assert "which the goal does not name" in repairs
        assert "opens the picker" in repairs
    else:
        assert "is the goal's day" in repairs  # the grid
        assert "adds the event" in repairs  # the day's page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_on_a_screen_the_goals_clause_names_the_date_rules_read_that_clauses_day(
    lang: str,
) -> None:
    """TravelPlanTrip names three days (the train's, the check-out, the tickets'). On the
    attraction's page the date rules read the tickets' day only, so a tap on the train's day
    of the strip is refused (the model bought Happy Valley's tickets for the train's day at
    seed 2006); on the hotel's form, where "Check-out" shows, the goal stays as it is."""
    task = get("TravelPlanTrip").instantiate(2002, lang=lang)  # train March 18, tickets 19
    device = SimDevice(SimPhone(seed=2002))
    task.setup(device)
    teacher = OracleTeacher(task)
    seen: dict[str, str] = {}
    for _ in range(80):
        obs = device.observe()
        seen.setdefault(obs.view.activity.rsplit(".", 1)[-1], clause_day(task.goal, obs.view))
        if obs.view.activity.endswith("AttractionActivity"):
            break
        device.perform(teacher.next_action(obs, failed=None))
    ticket_day = dt.date.fromisoformat(task.params.s("_visit"))
    train_day = dt.date.fromisoformat(task.params.s("_in"))
    assert train_day != ticket_day
    assert dates_in(seen["AttractionActivity"]) == {(ticket_day.month, ticket_day.day)}
    train = {(train_day.month, train_day.day)}
    for _ in range(4):  # the strip scrolled to the train's day
        cell = next(
            (it for it in obs.view.items if it.clickable and dates_in(it.text) == train), None
        )
        if cell is not None:
            break
        strip = next(
            it for it in obs.view.items if it.scrollable and it.resource_id.endswith("days")
        )
        device.perform(ScrollAction(direction="right", element=strip.id))
        obs = device.observe()
    assert cell is not None
    assert dates_in(clause_day(task.goal, obs.view)) == {(ticket_day.month, ticket_day.day)}
    tap = TapAction(element=cell.id)
    assert strip_day_off_goal(tap, obs.view, task.goal) is None  # the goal names that day too
    assert strip_day_off_goal(tap, obs.view, clause_day(task.goal, obs.view)) is not None
    assert seen["HotelListActivity"] == task.goal
    assert seen["MainActivity"] == task.goal
    assert clause_day("Book G1 on March 20 and a hotel to March 22.", obs.view) == (
        "Book G1 on March 20 and a hotel to March 22."
    )
