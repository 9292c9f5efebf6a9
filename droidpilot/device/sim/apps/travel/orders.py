"""The travel app's order side: hotel results and rooms, an order (pay through the wallet,
cancel with a refund, share the confirmation), and "My trips"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from droidpilot.device.sim.app import Ctx, Page, Result
from droidpilot.device.sim.apps.geo import city
from droidpilot.device.sim.apps.travel.hotels import Hotel, nights
from droidpilot.device.sim.apps.travel.model import (
    MERCHANT,
    Booking,
    HotelBooking,
    TravelModel,
    summary,
)
from droidpilot.device.sim.apps.travel.timetable import CLASS_NAMES
from droidpilot.device.sim.apps.ui import (
    format_date,
    payment_ref,
    refund_to_wallet,
    request_payment,
)
from droidpilot.device.sim.apps.world import Text, format_money
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    column,
    dialog,
    divider,
    lazy_list,
    list_view,
    scroll,
    text,
    toolbar,
)
from droidpilot.errors import ValidationError

__all__ = ["STATUS_WORDS", "HotelPage", "HotelResultsPage", "MyTripsPage", "OrderPage"]

C = Ctx[TravelModel]
STATUS_WORDS = {
    "unpaid": Text("Awaiting payment", "待支付"),
    "paid": Text("Paid", "已支付"),
    "cancelled": Text("Cancelled", "已取消"),
}


def _title(b: Booking, lang: str) -> str:
    if isinstance(b, HotelBooking):
        return b.hotel_name.get(lang)
    a, z = city(b.origin).name.get(lang), city(b.destination).name.get(lang)
    return f"{b.number} {a} → {z}"


def _when(b: Booking, lang: str) -> str:
    if isinstance(b, HotelBooking):
        return f"{format_date(b.check_in, lang)} - {format_date(b.check_out, lang)}"
    return f"{format_date(b.date, lang)} {b.depart:%H:%M}"


class HotelResultsPage(Page[TravelModel]):
    activity = ".hotel.HotelListActivity"

    def __init__(
        self,
        city_code: str,
        check_in: dt.date,
        check_out: dt.date,
        rooms: int,
        max_price: int | None,
    ) -> None:
        super().__init__()
        self.city = city_code
        self.check_in = check_in
        self.check_out = check_out
        self.rooms = rooms
        self.max_price = max_price

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        hs = ctx.model.hotels
        found = hs.search(
            self.city,
            self.check_in,
            self.check_out,
            rooms=self.rooms,
            max_night_price=self.max_price,
        )
        n = max(1, len(nights(self.check_in, self.check_out)))

        def row(h: Hotel) -> View:
            prices = [
                hs.quote(h.id, r.code, self.check_in, self.check_out) // n
                for r in h.rooms
                if hs.available(h.id, r.code, self.check_in, self.check_out) >= self.rooms
            ]
            return card(
                text(h.name.get(lang), id="hotel_name", bold=True, size=16),
                text(f"{'★' * h.stars}  {h.rating:.1f}", id="stars", size=12),
                text(
                    ctx.t(
                        f"from {format_money(min(prices))} / night",
                        f"{format_money(min(prices))}/晚起",
                    ),
                    id="price",
                ),
                text(h.address.get(lang), size=12, color="#666666", lines=1),
                id="hotel",
                on_click=lambda c: c.start(
                    HotelPage(h.id, self.check_in, self.check_out, self.rooms)
                ),
            )

        title = city(self.city).name.get(lang)
        sub = f"{format_date(self.check_in, lang)} - {format_date(self.check_out, lang)}"
        body = (
            lazy_list("hotels", len(found), lambda i: row(found[i]), item_h=120, weight=1)
            if found
            else text(Text("No hotels match", "没有符合条件的酒店"), id="empty")
        )
        return column(toolbar(title), text(sub, id="dates"), body, h=MATCH)


class HotelPage(Page[TravelModel]):
    activity = ".hotel.HotelDetailActivity"

    def __init__(self, hotel_id: str, check_in: dt.date, check_out: dt.date, rooms: int) -> None:
        super().__init__()
        self.hotel_id = hotel_id
        self.check_in = check_in
        self.check_out = check_out
        self.rooms = rooms

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        hs = ctx.model.hotels
        h = hs.hotel(self.hotel_id)
        n = len(nights(self.check_in, self.check_out))
        rooms = []
        for r in h.rooms:
            left = hs.available(h.id, r.code, self.check_in, self.check_out)
            total = hs.quote(h.id, r.code, self.check_in, self.check_out, self.rooms)
            full = left < self.rooms
            rooms.append(
                card(
                    text(r.name.get(lang), id="room_name", bold=True),
                    text(
                        ctx.t(
                            f"{format_money(total // max(1, n * self.rooms))} / night avg · "
                            f"total {format_money(total)}",
                            f"均价{format_money(total // max(1, n * self.rooms))}/晚 · "
                            f"总价{format_money(total)}",
                        ),
                        id="room_price",
                    ),
                    text(
                        ctx.t("Full", "满房")
                        if left == 0
                        else ctx.t(f"{left} rooms left", f"剩余{left}间"),
                        id="rooms_left",
                    ),
                    button(
                        Text("Book", "预订"),
                        self._book(r.code),
                        id=f"book_{r.code}",
                        enabled=not full,
                    ),
                    id=f"room_{r.code}",
                )
            )
        return column(
            toolbar(h.name),
            scroll(
                "hotel_detail",
                text(f"{'★' * h.stars}  {h.rating:.1f}", id="stars"),
                text(h.address, id="address"),
                text(
                    f"{format_date(self.check_in, lang)} - {format_date(self.check_out, lang)}"
                    + ctx.t(f" · {n} nights · {self.rooms} room(s)", f" · {n}晚 · {self.rooms}间"),
                    id="stay",
                ),
                divider(),
                *rooms,
                weight=1,
            ),
            h=MATCH,
        )

    def _book(self, room: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            try:
                b = ctx.model.book_hotel(
                    self.hotel_id,
                    room,
                    self.check_in,
                    self.check_out,
                    rooms=self.rooms,
                    now=ctx.now,
                )
            except ValidationError:
                ctx.toast(Text("No rooms left for these dates", "所选日期已满房"))
                return
            ctx.start(OrderPage(b.id))

        return handler


class OrderPage(Page[TravelModel]):
    activity = ".order.OrderDetailActivity"

    def __init__(self, booking_id: str) -> None:
        super().__init__()
        self.booking_id = booking_id

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        b = ctx.model.booking(self.booking_id)
        lines: list[View] = [
            text(STATUS_WORDS[b.status], id="status", bold=True, size=18),
            text(ctx.t("Order no. ", "订单号 ") + b.order_no, id="order_no"),
            text(_title(b, lang), id="title", bold=True),
            text(_when(b, lang), id="when"),
        ]
        if isinstance(b, HotelBooking):
            lines += [
                text(f"{b.room_name.get(lang)} × {b.rooms}", id="room"),
                text(ctx.t("Guest: ", "入住人：") + b.guest.get(lang), id="guest"),
            ]
        else:
            lines += [
                text(
                    f"{b.from_place.get(lang)} {b.depart:%H:%M} → {b.to_place.get(lang)} "
                    f"{b.arrive:%H:%M}",
                    id="route",
                ),
                text(CLASS_NAMES[b.seat_class], id="seat_class"),
                *[
                    text(f"{p.name.get(lang)}  {s.get(lang)}", id="passenger_seat")
                    for p, s in zip(b.passengers, b.seats, strict=True)
                ],
            ]
        lines.append(text(ctx.t("Total ", "合计 ") + format_money(b.total), id="total", bold=True))
        if b.status == "cancelled" and b.refund:
            lines.append(
                text(
                    ctx.t(
                        f"Refunded {format_money(b.refund)} (fee {format_money(b.fee)})",
                        f"已退款{format_money(b.refund)}（手续费{format_money(b.fee)}）",
                    ),
                    id="refund",
                )
            )
        actions: list[View] = []
        if b.status == "unpaid":
            actions.append(
                button(ctx.t("Pay ", "支付 ") + format_money(b.total), self.pay, id="pay")
            )
        if b.status == "paid":
            actions.append(button(Text("Share", "分享"), self.share, id="share", primary=False))
        if b.status != "cancelled" and ctx.model.refund_quote(b.id, ctx.now) is not None:
            label = (
                Text("Cancel order", "取消订单")
                if b.status == "unpaid"
                else Text("Cancel booking", "退订")
            )
            actions.append(button(label, self.ask_cancel, id="cancel", primary=False))
        return column(
            toolbar(Text("Order details", "订单详情")),
            scroll("order", *lines, weight=1),
            *actions,
            h=MATCH,
        )

    def pay(self, ctx: C) -> None:
        b = ctx.model.booking(self.booking_id)
        request_payment(ctx, amount=b.total, merchant=MERCHANT, order_ref=b.order_no)

    def on_result(self, ctx: C, request: str, result: Result) -> None:
        if request != "pay":
            return
        ref = payment_ref(result)
        if ref is None:
            ctx.toast(Text("Payment not completed", "支付未完成"))
            return
        ctx.model.mark_paid(self.booking_id, ref)
        ctx.toast(Text("Payment successful", "支付成功"))

    def share(self, ctx: C) -> None:
        ctx.share(summary(ctx.model.booking(self.booking_id), ctx.lang))

    def ask_cancel(self, ctx: C) -> None:
        ctx.show_dialog("cancel")

    def build_dialog(self, ctx: C, name: str, args: Mapping[str, object]) -> View | None:
        quote = ctx.model.refund_quote(self.booking_id, ctx.now)
        if name != "cancel" or quote is None:
            return None
        refund, fee = quote
        msg = ctx.t(
            f"Refund {format_money(refund)}, fee {format_money(fee)}.",
            f"退款{format_money(refund)}，手续费{format_money(fee)}。",
        )
        return dialog(
            Text("Cancel this booking?", "确定取消该订单？"),
            msg,
            positive=(Text("Confirm", "确定"), self.cancel),
            negative=(Text("Keep", "暂不取消"), None),
        )

    def cancel(self, ctx: C) -> None:
        b = ctx.model.cancel(self.booking_id, ctx.now)
        if b.refund:
            refund_to_wallet(ctx, b.order_no, b.refund)
        ctx.toast(Text("Booking cancelled", "订单已取消"))


class MyTripsPage(Page[TravelModel]):
    activity = ".order.OrderListActivity"

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        items = [
            card(
                text(_title(b, lang), id="trip_title", bold=True),
                text(_when(b, lang), id="trip_when"),
                text(
                    f"{STATUS_WORDS[b.status].get(lang)} · {format_money(b.total)}",
                    id="trip_status",
                ),
                id="booking",
                on_click=self._open(b.id),
            )
            for b in reversed(ctx.model.bookings)
        ]
        body = (
            list_view("bookings", items, weight=1)
            if items
            else text(Text("No trips yet", "暂无订单"), id="empty")
        )
        return column(toolbar(Text("My trips", "我的订单")), body, h=MATCH)

    def _open(self, booking_id: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(OrderPage(booking_id))

        return handler
