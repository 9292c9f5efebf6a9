"""The travel app's search side: the search form (trains, flights, hotels), train and flight
results, and the trip page where the class, seat and passengers are chosen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.geo import City, city, find_city
from droidpilot.device.sim.apps.travel.model import TravelModel
from droidpilot.device.sim.apps.travel.timetable import Trip, TripKind, seat_kind
from droidpilot.device.sim.apps.ui import format_date, format_duration
from droidpilot.device.sim.apps.world import Text, format_money
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    checkbox,
    column,
    date_picker,
    divider,
    edit_text,
    icon_button,
    lazy_list,
    radio,
    row,
    scroll,
    spinner,
    tabs,
    text,
    toolbar,
)

__all__ = ["AddPassengerPage", "ResultsPage", "SearchPage", "TripPage", "seats_left_text"]

C = Ctx[TravelModel]
MODES = (Text("Trains", "火车票"), Text("Flights", "机票"), Text("Hotels", "酒店"))
SORTS = (
    Text("Departure time", "出发时间"),
    Text("Lowest price", "价格最低"),
    Text("Shortest trip", "耗时最短"),
)
ROOM_CHOICES = ("1", "2", "3", "4")


def seats_left_text(left: int, lang: str) -> str:
    if left == 0:
        return "无票" if lang == "zh" else "Sold out"
    return f"余{left}张" if lang == "zh" else f"{left} left"


def _city_or_toast(ctx: C, typed: str, what: Text) -> City | None:
    c = find_city(typed)
    if c is None:
        shown = typed.strip() or "—"
        ctx.toast(Text(f"Unknown {what.en.lower()}: {shown}", f"未知{what.zh}：{shown}"))
    return c


class SearchPage(Page[TravelModel]):
    activity = ".ui.MainActivity"

    def __init__(self) -> None:
        super().__init__()
        self.mode = 0
        self.date: dt.date | None = None
        self.check_in: dt.date | None = None
        self.check_out: dt.date | None = None
        self.rooms = 0

    def build(self, ctx: C) -> View:
        m = ctx.model
        home = city(m.owner.home_city).name.get(ctx.lang)
        tomorrow = m.today + dt.timedelta(days=1)
        if self.mode < 2:
            form = [
                text(Text("From", "出发地"), size=12, color="#666666"),
                edit_text("from", hint=Text("Departure city", "出发城市"), value=home),
                icon_button(Text("Swap cities", "交换出发地和目的地"), self.swap, id="swap"),
                text(Text("To", "目的地"), size=12, color="#666666"),
                edit_text("to", hint=Text("Arrival city", "到达城市")),
                text(Text("Date", "出发日期"), size=12, color="#666666"),
                date_picker(
                    "date",
                    self.date or tomorrow,
                    self.set_date,
                    label=Text("Departure date", "出发日期"),
                ),
                button(Text("Search", "查询"), self.search, id="search"),
            ]
        else:
            check_in = self.check_in or tomorrow
            check_out = self.check_out or check_in + dt.timedelta(days=1)
            form = [
                text(Text("City", "城市"), size=12, color="#666666"),
                edit_text("city", hint=Text("City", "城市"), value=home),
                text(Text("Check-in", "入住日期"), size=12, color="#666666"),
                date_picker(
                    "check_in", check_in, self.set_check_in, label=Text("Check-in date", "入住日期")
                ),
                text(Text("Check-out", "离店日期"), size=12, color="#666666"),
                date_picker(
                    "check_out",
                    check_out,
                    self.set_check_out,
                    label=Text("Check-out date", "离店日期"),
                ),
                text(Text("Rooms", "房间数"), size=12, color="#666666"),
                spinner("rooms", ROOM_CHOICES, self.rooms, self.set_rooms),
                edit_text(
                    "max_price", hint=Text("Max price per night (optional)", "每晚最高价格（选填）")
                ),
                button(Text("Search hotels", "搜索酒店"), self.search_hotels, id="search_hotels"),
            ]
        return column(
            toolbar(
                Text("Travel", "畅行旅行"),
                back=False,
                actions=[icon_button(Text("My trips", "我的订单"), self.open_trips, id="my_trips")],
            ),
            tabs("mode", MODES, self.mode, self.set_mode),
            scroll("form", *form, weight=1),
            h=MATCH,
        )

    def set_mode(self, ctx: C, i: int) -> None:
        self.mode = i

    def set_date(self, ctx: C, d: dt.date) -> None:
        self.date = d

    def set_check_in(self, ctx: C, d: dt.date) -> None:
        self.check_in = d
        if self.check_out is not None and self.check_out <= d:
            self.check_out = d + dt.timedelta(days=1)

    def set_check_out(self, ctx: C, d: dt.date) -> None:
        self.check_out = d

    def set_rooms(self, ctx: C, i: int) -> None:
        self.rooms = i

    def swap(self, ctx: C) -> None:
        a = ctx.field("from") or city(ctx.model.owner.home_city).name.get(ctx.lang)
        ctx.set_field("from", ctx.field("to"))
        ctx.set_field("to", a)

    def open_trips(self, ctx: C) -> None:
        from droidpilot.device.sim.apps.travel.orders import MyTripsPage

        ctx.start(MyTripsPage())

    def search(self, ctx: C) -> None:
        home = city(ctx.model.owner.home_city).name.get(ctx.lang)
        a = _city_or_toast(ctx, ctx.field("from") or home, Text("departure city", "出发城市"))
        b = _city_or_toast(ctx, ctx.field("to"), Text("arrival city", "到达城市")) if a else None
        if a is None or b is None:
            return
        if a.code == b.code:
            ctx.toast(Text("Departure and arrival are the same", "出发地和目的地相同"))
            return
        day = self.date or ctx.model.today + dt.timedelta(days=1)
        kind: TripKind = "train" if self.mode == 0 else "flight"
        ctx.start(ResultsPage(kind, a.code, b.code, day))

    def search_hotels(self, ctx: C) -> None:
        from droidpilot.device.sim.apps.travel.orders import HotelResultsPage

        home = city(ctx.model.owner.home_city).name.get(ctx.lang)
        c = _city_or_toast(ctx, ctx.field("city") or home, Text("city", "城市"))
        if c is None:
            return
        check_in = self.check_in or ctx.model.today + dt.timedelta(days=1)
        check_out = self.check_out or check_in + dt.timedelta(days=1)
        if check_out <= check_in:
            ctx.toast(Text("Check-out must be after check-in", "离店日期须晚于入住日期"))
            return
        typed = ctx.field("max_price").strip().lstrip("¥")
        cap = int(float(typed) * 100) if typed.replace(".", "", 1).isdigit() else None
        ctx.start(HotelResultsPage(c.code, check_in, check_out, self.rooms + 1, cap))


class ResultsPage(Page[TravelModel]):
    activity = ".ui.SearchResultActivity"

    def __init__(self, kind: TripKind, origin: str, destination: str, day: dt.date) -> None:
        super().__init__()
        self.kind: TripKind = kind
        self.origin = origin
        self.destination = destination
        self.day = day
        self.sort = 0

    def trips(self, ctx: C) -> list[Trip]:
        tt = ctx.model.timetable
        trips = list(tt.search(self.kind, self.origin, self.destination, self.day))
        if self.sort == 1:
            trips.sort(key=lambda t: (min(f.price for f in t.fares), t.depart))
        elif self.sort == 2:
            trips.sort(key=lambda t: (t.duration_min, t.depart))
        return trips

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        a, b = city(self.origin).name.get(lang), city(self.destination).name.get(lang)
        trips = self.trips(ctx)
        none = (
            Text("No trains on this date", "当日无列车")
            if self.kind == "train"
            else Text("No flights on this date", "当日无航班")
        )
        body = (
            lazy_list(
                "results", len(trips), lambda i: self.row(ctx, trips[i]), item_h=124, weight=1
            )
            if trips
            else text(none, id="empty", gravity="center")
        )
        return column(
            toolbar(f"{a} → {b}"),
            row(
                button(
                    Text("Previous day", "前一天"),
                    self.prev_day,
                    id="prev_day",
                    w=0,
                    weight=1,
                    primary=False,
                ),
                text(format_date(self.day, lang), id="day", w=0, weight=1, gravity="center"),
                button(
                    Text("Next day", "后一天"),
                    self.next_day,
                    id="next_day",
                    w=0,
                    weight=1,
                    primary=False,
                ),
            ),
            spinner("sort", SORTS, self.sort, self.set_sort),
            body,
            h=MATCH,
        )

    def row(self, ctx: C, t: Trip) -> View:
        lang = ctx.lang
        tt = ctx.model.timetable
        fares = [
            text(
                f"{f.name.get(lang)} {format_money(f.price)} "
                + seats_left_text(tt.remaining(t, f.seat_class), lang),
                id="fare",
                size=13,
                w=0,
                weight=1,
            )
            for f in t.fares
        ]
        plus = " +1" if t.overnight else ""
        return card(
            row(
                text(t.number, id="number", bold=True, size=16, w=0, weight=1),
                text(f"{t.depart:%H:%M} → {t.arrive:%H:%M}{plus}", id="times", w=0, weight=2),
                text(format_duration(t.duration_min, lang), id="duration", w=0, weight=1),
            ),
            row(*fares),
            id="trip",
            on_click=lambda c: c.start(TripPage(t.id)),
        )

    def set_sort(self, ctx: C, i: int) -> None:
        self.sort = i

    def prev_day(self, ctx: C) -> None:
        if self.day > ctx.model.today:
            self.day -= dt.timedelta(days=1)

    def next_day(self, ctx: C) -> None:
        self.day += dt.timedelta(days=1)


class TripPage(Page[TravelModel]):
    activity = ".ui.OrderFillActivity"

    def __init__(self, trip_id: str) -> None:
        super().__init__()
        self.trip_id = trip_id
        self.seat_class = ""
        self.letter = ""
        self.chosen: list[str] = ["P1"]

    def on_start(self, ctx: C) -> None:
        trip = ctx.model.timetable.trip(self.trip_id)
        open_ = [f for f in trip.fares if ctx.model.timetable.remaining(trip, f.seat_class)]
        self.seat_class = (open_[-1] if open_ else trip.fares[-1]).seat_class

    def build(self, ctx: C) -> View:
        m, lang = ctx.model, ctx.lang
        t = m.timetable.trip(self.trip_id)
        classes = [
            radio(
                f"class_{f.seat_class}",
                f"{f.name.get(lang)}  {format_money(f.price)}  "
                f"{seats_left_text(m.timetable.remaining(t, f.seat_class), lang)}",
                f.seat_class == self.seat_class,
                self._pick_class(f.seat_class),
            )
            for f in t.fares
        ]
        letters = t.seat_letters(self.seat_class) if self.seat_class else ""
        seat_views: list[View] = []
        if letters:
            words = {
                "window": Text("window", "靠窗"),
                "aisle": Text("aisle", "过道"),
                "middle": Text("middle", "中间"),
            }
            seat_views = [
                text(Text("Choose a seat", "选座"), bold=True),
                radio(
                    "seat_any",
                    Text("No preference", "不选座"),
                    not self.letter,
                    self._pick_letter(""),
                ),
                *[
                    radio(
                        f"seat_{x}",
                        f"{x} ({words[seat_kind(x)].get(lang)})",
                        self.letter == x,
                        self._pick_letter(x),
                    )
                    for x in letters
                ],
            ]
        people = [
            checkbox(
                f"passenger_{p.id}",
                f"{p.name.get(lang)}  {p.id_masked}",
                p.id in self.chosen,
                self._toggle(p.id),
            )
            for p in m.passengers
        ]
        fare = t.fare(self.seat_class) if self.seat_class else None
        total = 0
        if fare is not None:
            kinds = [m.passenger(pid).kind for pid in self.chosen]
            total = sum(fare.price // 2 if k == "child" else fare.price for k in kinds)
        return column(
            toolbar(t.number),
            scroll(
                "order_form",
                text(
                    f"{format_date(t.date, lang)}  {t.depart:%H:%M} → {t.arrive:%H:%M}",
                    id="when",
                    bold=True,
                ),
                text(
                    f"{t.from_place.get(lang)} → {t.to_place.get(lang)} · "
                    f"{format_duration(t.duration_min, lang)}",
                    id="route",
                ),
                divider(),
                text(Text("Seat class", "席别"), bold=True),
                *classes,
                *seat_views,
                divider(),
                text(Text("Passengers", "乘车人"), bold=True),
                *people,
                button(
                    Text("Add passenger", "添加乘车人"),
                    lambda c: c.start(AddPassengerPage()),
                    id="add_passenger",
                    primary=False,
                ),
                weight=1,
            ),
            row(
                text(
                    ctx.t("Total ", "合计 ") + format_money(total),
                    id="total",
                    w=0,
                    weight=1,
                    bold=True,
                ),
                button(Text("Submit order", "提交订单"), self.submit, id="submit", w=0, weight=1),
                pad=8,
            ),
            h=MATCH,
        )

    def _pick_class(self, seat_class: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            t = ctx.model.timetable.trip(self.trip_id)
            if ctx.model.timetable.remaining(t, seat_class) == 0:
                ctx.toast(Text("Sold out", "已售罄"))
                return
            self.seat_class = seat_class
            if self.letter and self.letter not in t.seat_letters(seat_class):
                self.letter = ""

        return handler

    def _pick_letter(self, letter: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            self.letter = letter

        return handler

    def _toggle(self, pid: str) -> Callable[[C, bool], None]:
        def handler(ctx: C, on: bool) -> None:
            if on and pid not in self.chosen:
                self.chosen.append(pid)
            elif not on and pid in self.chosen:
                self.chosen.remove(pid)

        return handler

    def submit(self, ctx: C) -> None:
        from droidpilot.device.sim.apps.travel.orders import OrderPage
        from droidpilot.errors import ValidationError

        if not self.chosen:
            ctx.toast(Text("Choose at least one passenger", "请选择乘车人"))
            return
        prefs = [self.letter] * len(self.chosen) if self.letter else []
        try:
            b = ctx.model.book_trip(
                self.trip_id, self.seat_class, list(self.chosen), seat_prefs=prefs, now=ctx.now
            )
        except ValidationError:
            ctx.toast(Text("Not enough seats left", "余票不足"))
            return
        ctx.replace(OrderPage(b.id))


class AddPassengerPage(Page[TravelModel]):
    activity = ".ui.AddPassengerActivity"

    def __init__(self) -> None:
        super().__init__()
        self.child = False

    def build(self, ctx: C) -> View:
        return column(
            toolbar(Text("Add passenger", "添加乘车人")),
            edit_text("name", hint=Text("Name", "姓名")),
            edit_text("id_number", hint=Text("ID number (18 characters)", "身份证号（18位）")),
            checkbox("child", Text("Child ticket", "儿童票"), self.child, self.set_child),
            button(Text("Save", "保存"), self.save, id="save"),
            h=MATCH,
        )

    def set_child(self, ctx: C, on: bool) -> None:
        self.child = on

    def save(self, ctx: C) -> None:
        from droidpilot.errors import ValidationError

        try:
            ctx.model.add_passenger(
                ctx.field("name"), ctx.field("id_number"), "child" if self.child else "adult"
            )
        except ValidationError:
            ctx.toast(Text("Check the name and ID number", "请检查姓名和身份证号"))
            return
        ctx.finish()
