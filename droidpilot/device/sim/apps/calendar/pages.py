"""The calendar app's pages: a month grid, a day's events, an event, and a new-event form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.calendar.model import CalendarModel, Event
from droidpilot.device.sim.apps.ui import format_date
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    checkbox,
    column,
    date_picker,
    dialog,
    edit_text,
    icon_button,
    list_view,
    row,
    scroll,
    text,
    toolbar,
)
from droidpilot.errors import ValidationError

__all__ = ["DayPage", "EditEventPage", "EventPage", "MonthPage", "parse_time"]

C = Ctx[CalendarModel]
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_HEAD_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HEAD_ZH = ("一", "二", "三", "四", "五", "六", "日")


def parse_time(value: str) -> dt.time | None:
    """``9``, ``9:30``, ``09:30``, ``9.30`` or ``9点30`` as a time; None if it is not one."""
    v = value.strip().replace("：", ":").replace(".", ":").replace("点", ":").rstrip("分:")
    try:
        h, _, m = v.partition(":")
        return dt.time(int(h), int(m or 0))
    except ValueError:
        return None


class MonthPage(Page[CalendarModel]):
    activity = ".AllInOneActivity"

    def __init__(self) -> None:
        super().__init__()
        self.month: dt.date | None = None  # the first day of the month shown

    def build(self, ctx: C) -> View:
        m, lang = ctx.model, ctx.lang
        first = self.month or m.today.replace(day=1)
        title = (
            f"{_MONTHS[first.month - 1]} {first.year}"
            if lang == "en"
            else f"{first.year}年{first.month}月"
        )
        head = _HEAD_ZH if lang == "zh" else _HEAD_EN
        weeks = [row(*[text(h, size=12, w=0, weight=1, gravity="center") for h in head])]
        for week in m.month(first.year, first.month):
            cells = []
            for c in week:
                n = c.events
                desc = (
                    f"{format_date(c.date, 'en')}: {n} event{'s' if n != 1 else ''}"
                    if lang == "en"
                    else f"{format_date(c.date, 'zh')}：{n}个日程"
                )
                cells.append(
                    text(
                        f"{c.date.day}" + "•" * min(n, 3),
                        id="day_cell",
                        desc=desc,
                        w=0,
                        weight=1,
                        gravity="center",
                        selected=c.today,
                        color=None if c.in_month else "#AAAAAA",
                        on_click=self._open(c.date),
                    )
                )
            weeks.append(row(*cells, h=56))
        return column(
            toolbar(
                title,
                back=False,
                actions=[
                    icon_button(Text("Previous month", "上个月"), self._shift(-1), id="prev_month"),
                    icon_button(Text("Next month", "下个月"), self._shift(1), id="next_month"),
                    icon_button(Text("Today", "今天"), self._today, id="today"),
                ],
            ),
            column(*weeks, id="month_grid"),
            column(weight=1),
            button(
                Text("New event", "新建日程"),
                lambda c: c.start(EditEventPage(c.model.today)),
                id="new_event",
            ),
            h=MATCH,
        )

    def _shift(self, step: int) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            first = self.month or ctx.model.today.replace(day=1)
            y, mo = divmod(first.year * 12 + first.month - 1 + step, 12)
            self.month = dt.date(y, mo + 1, 1)

        return handler

    def _today(self, ctx: C) -> None:
        self.month = None

    def _open(self, day: dt.date) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(DayPage(day))

        return handler


class DayPage(Page[CalendarModel]):
    activity = ".DayActivity"

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        events = ctx.model.on(self.day)
        items = [
            card(
                text(e.time_label(lang), id="event_time", size=12),
                text(e.title, id="event_title", bold=True),
                text(e.location, id="event_location", size=12) if e.location.en else None,
                id="event",
                on_click=self._open(e.id),
            )
            for e in events
        ] or [text(Text("No events. You're free!", "没有日程，这天有空！"), id="empty")]
        return column(
            toolbar(
                format_date(self.day, lang),
                actions=[
                    icon_button(Text("Previous day", "前一天"), self._shift(-1), id="prev_day"),
                    icon_button(Text("Next day", "后一天"), self._shift(1), id="next_day"),
                ],
            ),
            list_view("events", items, weight=1),
            button(
                Text("New event", "新建日程"),
                lambda c: c.start(EditEventPage(self.day)),
                id="new_event",
            ),
            h=MATCH,
        )

    def _shift(self, step: int) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            self.day += dt.timedelta(days=step)

        return handler

    def _open(self, eid: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(EventPage(eid))

        return handler


class EventPage(Page[CalendarModel]):
    activity = ".EventInfoActivity"

    def __init__(self, event_id: str) -> None:
        super().__init__()
        self.event_id = event_id

    def event(self, ctx: C) -> Event | None:
        return next((e for e in ctx.model.events if e.id == self.event_id), None)

    def build(self, ctx: C) -> View:
        e = self.event(ctx)
        if e is None:
            return column(toolbar(Text("Event", "日程")), h=MATCH)
        return column(
            toolbar(
                Text("Event", "日程"),
                actions=[
                    icon_button(
                        Text("Delete", "删除"), lambda c: c.show_dialog("delete"), id="delete"
                    )
                ],
            ),
            text(e.title, id="event_title", bold=True, size=20),
            text(f"{format_date(e.date, ctx.lang)} {e.time_label(ctx.lang)}", id="event_when"),
            text(e.location, id="event_location") if e.location.en else None,
            text(e.notes, id="event_notes") if e.notes else None,
            h=MATCH,
        )

    def build_dialog(self, ctx: C, name: str, args: Mapping[str, object]) -> View | None:
        return dialog(
            Text("Delete this event?", "删除此日程？"),
            positive=(Text("Delete", "删除"), self.delete),
            negative=(Text("Cancel", "取消"), None),
        )

    def delete(self, ctx: C) -> None:
        ctx.model.delete(self.event_id)
        ctx.finish()


class EditEventPage(Page[CalendarModel]):
    activity = ".EditEventActivity"

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day
        self.all_day = False

    def build(self, ctx: C) -> View:
        return column(
            toolbar(
                Text("New event", "新建日程"),
                actions=[button(Text("Save", "保存"), self.save, id="save", w=96)],
            ),
            scroll(
                "event_form",
                edit_text("title", hint=Text("Title", "标题")),
                date_picker("date", self.day, self.set_day, label=Text("Date", "日期")),
                checkbox("all_day", Text("All day", "全天"), self.all_day, self.set_all_day),
                None
                if self.all_day
                else edit_text("start_time", hint=Text("Start time (09:00)", "开始时间（09:00）")),
                None
                if self.all_day
                else edit_text("end_time", hint=Text("End time (10:00)", "结束时间（10:00）")),
                edit_text("location", hint=Text("Location", "地点")),
                edit_text("notes", hint=Text("Notes", "备注"), multiline=True),
                weight=1,
            ),
            h=MATCH,
        )

    def set_day(self, ctx: C, d: dt.date) -> None:
        self.day = d

    def set_all_day(self, ctx: C, on: bool) -> None:
        self.all_day = on

    def save(self, ctx: C) -> None:
        start = end = None
        if not self.all_day:
            raw_start, raw_end = ctx.field("start_time"), ctx.field("end_time")
            start = parse_time(raw_start) if raw_start.strip() else dt.time(9)
            end = parse_time(raw_end) if raw_end.strip() else None
            if start is None or (raw_end.strip() and end is None):
                ctx.toast(Text("Times look like 09:30", "时间格式如 09:30"))
                return
            if end is None:
                end = (dt.datetime.combine(self.day, start) + dt.timedelta(hours=1)).time()
                end = end if end > start else dt.time(23, 59)
        try:
            ctx.model.add(
                ctx.field("title"),
                self.day,
                start=start,
                end=end,
                location=ctx.field("location"),
                notes=ctx.field("notes"),
            )
        except ValidationError as exc:
            msg = str(exc)
            ctx.toast(
                Text("Add a title", "请输入标题")
                if "title" in msg
                else Text("The end must be after the start", "结束时间须晚于开始时间")
            )
            return
        ctx.toast(Text("Event saved", "日程已保存"))
        ctx.finish()
