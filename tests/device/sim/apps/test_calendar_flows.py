from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.device.sim.apps.calendar import CalendarApp
from droidpilot.device.sim.apps.ui import format_date
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_find_a_free_day_and_add_an_event(lang: str) -> None:
    d = Driver(seed=10, lang=lang)
    cal = d.phone.read(CalendarApp)
    today = cal.today
    free = cal.free_days(today + dt.timedelta(days=1), today + dt.timedelta(days=14))[0]
    d.open("Calendar")
    if free.month != today.month:
        d.tap(rid="next_month")
    d.tap(format_date(free, "en") if lang == "en" else format_date(free, "zh"), rid="day_cell")
    assert d.find(rid="empty") is not None
    d.tap(rid="new_event")
    d.type("Trip to Hangzhou", rid="title")
    d.type("08:30", rid="start_time")
    d.type("10:00", rid="end_time")
    d.hide_keyboard()
    d.tap(rid="save")
    (e,) = d.phone.read(CalendarApp).added
    assert (e.title.en, e.date, e.start, e.end) == (
        "Trip to Hangzhou",
        free,
        dt.time(8, 30),
        dt.time(10),
    )
    assert d.find("Trip to Hangzhou", rid="event") is not None


def test_busy_day_lists_its_events() -> None:
    d = Driver(seed=11, lang="en")
    cal = d.phone.read(CalendarApp)
    day = cal.today + dt.timedelta(days=1)
    d.open("Calendar")
    if day.month != cal.today.month:
        d.tap(rid="next_month")
    d.tap(format_date(day, "en"), rid="day_cell")
    for e in cal.on(day):
        assert d.find(e.title.en, rid="event") is not None
