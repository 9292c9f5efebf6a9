from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.device.sim.apps.calendar.model import CalendarModel
from droidpilot.errors import ValidationError

TODAY = dt.date(2025, 3, 14)


@pytest.mark.parametrize("seed", range(12))
def test_free_and_busy_days_in_the_next_two_weeks(seed: int) -> None:
    m = CalendarModel.generate(seed, TODAY)
    start, end = TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=14)
    free = m.free_days(start, end)
    assert len(free) >= 3
    assert 14 - len(free) >= 5
    assert not m.is_free(start)
    for d in free:
        assert m.on(d) == ()


def test_deterministic_views_and_add() -> None:
    m = CalendarModel.generate(1, TODAY)
    assert m == CalendarModel.generate(1, TODAY)
    grid = m.month(2025, 3)
    cells = [c for week in grid for c in week]
    assert all(len(week) == 7 for week in grid)
    assert sum(c.events for c in cells if c.in_month) == sum(
        1 for e in m.events if e.date.month == 3
    )
    assert next(c for c in cells if c.today).date == TODAY
    day = m.free_days(TODAY, TODAY + dt.timedelta(days=14))[0]
    e = m.add("Trip to Hangzhou", day, start=dt.time(8), end=dt.time(10), location="Train G12")
    assert m.on(day) == (e,)
    assert m.added == [e]
    assert not m.is_free(day)
    assert m.find("hangzhou") == (e,)
    assert e.time_label("en") == "08:00-10:00"
    allday = m.add("Holiday", day)
    assert m.on(day)[0] == allday
    with pytest.raises(ValidationError):
        m.add("  ", day)
    with pytest.raises(ValidationError):
        m.add("x", day, start=dt.time(10), end=dt.time(9))
    m.delete(e.id)
    assert m.on(day) == (allday,)
