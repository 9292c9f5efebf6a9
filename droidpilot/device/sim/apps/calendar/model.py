"""Calendar: events with dates and times, month and day views, free days, adding events.

Content rules tasks can rely on: seeded events fall between 7 days ago and 30 days ahead;
a day is *free* when it has no event at all. In the two weeks starting tomorrow there are
always at least three free days and at least five busy ones, and tomorrow is busy; weekends
are more often free. Events the user adds are kept in ``added`` (the task-facing log) as well
as in ``events``.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass, field

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.world import Text, sub_rng
from droidpilot.errors import ValidationError

__all__ = ["CalendarModel", "DayCell", "Event"]

_TITLES: tuple[tuple[str, str, int, int], ...] = (
    # en, zh, start hour, length in minutes
    ("Team meeting", "团队例会", 10, 60),
    ("Dentist appointment", "看牙医", 15, 45),
    ("Lunch with client", "客户午餐", 12, 90),
    ("Project review", "项目评审", 14, 120),
    ("Yoga class", "瑜伽课", 19, 60),
    ("Parent-teacher meeting", "家长会", 16, 60),
    ("Flight to a conference", "出差参会", 8, 240),
    ("Dinner with friends", "朋友聚餐", 18, 120),
    ("Haircut", "理发", 11, 30),
    ("Weekly report due", "周报截止", 17, 30),
    ("Gym session", "健身", 7, 60),
    ("Car maintenance", "汽车保养", 9, 90),
)  # fmt: skip
NO_PLACE = Text("", "")
_PLACES = (
    Text("Office, room 301", "公司301会议室"),
    Text("Downtown", "市中心"),
    Text("Online", "线上"),
    NO_PLACE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Static):
    id: str
    title: Text
    date: dt.date
    start: dt.time | None = None  # None: all day
    end: dt.time | None = None
    location: Text = NO_PLACE
    notes: str = ""

    @property
    def all_day(self) -> bool:
        return self.start is None

    def time_label(self, lang: str) -> str:
        if self.start is None:
            return "全天" if lang == "zh" else "All day"
        end = f"-{self.end:%H:%M}" if self.end is not None else ""
        return f"{self.start:%H:%M}{end}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DayCell(Static):
    """One day of a month grid."""

    date: dt.date
    in_month: bool
    events: int
    today: bool


@dataclass(kw_only=True)
class CalendarModel(Model):
    today: dt.date
    events: list[Event] = field(default_factory=list)
    added: list[Event] = field(default_factory=list)

    @classmethod
    def generate(cls, seed: int, today: dt.date) -> CalendarModel:
        rng = sub_rng(seed, "calendar")
        days = [today + dt.timedelta(days=i) for i in range(-7, 31)]
        window = [today + dt.timedelta(days=i) for i in range(1, 15)]
        busy: set[dt.date] = {today + dt.timedelta(days=1)}
        for d in days:
            if rng.random() < (0.25 if d.weekday() >= 5 else 0.55):
                busy.add(d)
        free = [d for d in window if d not in busy]
        while len(free) < 3:  # keep at least three free days in the window
            d = rng.choice([d for d in window[1:] if d in busy])
            busy.discard(d)
            free = [d for d in window if d not in busy]
        while sum(1 for d in window if d in busy) < 5:
            busy.add(rng.choice(free[:-3] or free))
            free = [d for d in window if d not in busy]
        events: list[Event] = []
        for d in sorted(busy):
            for _ in range(1 if rng.random() < 0.7 else 2):
                en, zh, hour, length = rng.choice(_TITLES)
                start = dt.time(hour, rng.choice((0, 30)))
                end_dt = dt.datetime.combine(d, start) + dt.timedelta(minutes=length)
                events.append(
                    Event(
                        id=f"E{len(events) + 1}",
                        title=Text(en, zh),
                        date=d,
                        start=start,
                        end=end_dt.time() if end_dt.date() == d else dt.time(23, 59),
                        location=rng.choice(_PLACES),
                    )
                )
        return cls(today=today, events=events)

    # ------------------------------------------------------------------ task-facing, read-only

    def on(self, day: dt.date) -> tuple[Event, ...]:
        """The day's events: all-day first, then by start time."""
        evs = [e for e in self.events if e.date == day]
        return tuple(sorted(evs, key=lambda e: (e.start is not None, e.start or dt.time(), e.id)))

    def is_free(self, day: dt.date) -> bool:
        return not any(e.date == day for e in self.events)

    def free_days(self, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
        """Free days from ``start`` to ``end``, both included."""
        n = (end - start).days + 1
        days = (start + dt.timedelta(days=i) for i in range(max(0, n)))
        return tuple(d for d in days if self.is_free(d))

    def month(self, year: int, month: int) -> tuple[tuple[DayCell, ...], ...]:
        """The month grid, weeks starting on Monday, with each day's event count."""
        counts: dict[dt.date, int] = {}
        for e in self.events:
            counts[e.date] = counts.get(e.date, 0) + 1
        weeks = _cal.Calendar(firstweekday=0).monthdatescalendar(year, month)
        return tuple(
            tuple(
                DayCell(
                    date=d,
                    in_month=d.month == month,
                    events=counts.get(d, 0),
                    today=d == self.today,
                )
                for d in week
            )
            for week in weeks
        )

    def find(self, title: str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.title.matches(title))

    # ------------------------------------------------------------------ actions

    def add(
        self,
        title: str,
        day: dt.date,
        *,
        start: dt.time | None = None,
        end: dt.time | None = None,
        location: str = "",
        notes: str = "",
    ) -> Event:
        title = title.strip()
        if not title:
            raise ValidationError("an event needs a title")
        if start is not None and end is not None and end <= start:
            raise ValidationError("an event must end after it starts")
        n = max((int(e.id[1:]) for e in self.events), default=0) + 1
        e = Event(
            id=f"E{n}",
            title=Text.same(title),
            date=day,
            start=start,
            end=end,
            location=Text.same(location.strip()),
            notes=notes.strip(),
        )
        self.events.append(e)
        self.added.append(e)
        return e

    def delete(self, event_id: str) -> None:
        before = len(self.events)
        self.events = [e for e in self.events if e.id != event_id]
        if len(self.events) == before:
            raise ValidationError(f"no such event: {event_id!r}")
