"""The tickets app's pages: attractions (search by name or city), an attraction with a day
strip (tickets left per type and day, sold-out and closed days), buying, and my orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from droidpilot.device.sim.app import Ctx, Page, Result
from droidpilot.device.sim.apps.geo import city
from droidpilot.device.sim.apps.tickets.model import (
    MERCHANT,
    TICKET_TYPES,
    Attraction,
    TicketsModel,
)
from droidpilot.device.sim.apps.ui import (
    format_date,
    payment_ref,
    refund_to_wallet,
    request_payment,
)
from droidpilot.device.sim.apps.world import Text, format_money, owner_for
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    column,
    dialog,
    edit_text,
    icon_button,
    lazy_list,
    list_view,
    row,
    scroll,
    text,
    toolbar,
)
from droidpilot.errors import ValidationError

__all__ = ["AttractionPage", "HomePage", "OrdersPage", "PurchasePage"]

C = Ctx[TicketsModel]
DAY_WORDS = {
    "available": Text("Available", "可订"),
    "sold_out": Text("Sold out", "售罄"),
    "closed": Text("Closed", "闭馆"),
    "off_sale": Text("Not on sale", "未开售"),
}
STATUS_WORDS = {
    "unpaid": Text("Awaiting payment", "待支付"),
    "paid": Text("Paid", "已支付"),
    "cancelled": Text("Cancelled", "已取消"),
}


class HomePage(Page[TicketsModel]):
    activity = ".MainActivity"

    def build(self, ctx: C) -> View:
        m, lang = ctx.model, ctx.lang
        q = ctx.field("search").strip()
        home = owner_for(m.seed).home_city
        found = [
            a for a in m.attractions if not q or a.name.matches(q) or city(a.city).name.matches(q)
        ]
        found.sort(key=lambda a: (a.city != home, a.city, a.id))

        def item(a: Attraction) -> View:
            return card(
                text(a.name, id="attraction_name", bold=True, size=16),
                text(
                    f"{city(a.city).name.get(lang)} · ★{a.rating:.1f} · "
                    + ctx.t(
                        f"from {format_money(a.price('child'))}",
                        f"{format_money(a.price('child'))}起",
                    ),
                    id="attraction_info",
                ),
                id="attraction",
                on_click=lambda c: c.start(AttractionPage(a.id)),
            )

        body = (
            lazy_list("attractions", len(found), lambda i: item(found[i]), item_h=84, weight=1)
            if found
            else text(Text("No attractions found", "没有找到景点"), id="empty")
        )
        return column(
            toolbar(
                Text("Tickets", "畅游门票"),
                back=False,
                actions=[
                    icon_button(
                        Text("My orders", "我的订单"),
                        lambda c: c.start(OrdersPage()),
                        id="my_orders",
                    )
                ],
            ),
            edit_text("search", hint=Text("Search attractions or cities", "搜索景点或城市")),
            body,
            h=MATCH,
        )


class AttractionPage(Page[TicketsModel]):
    activity = ".detail.AttractionActivity"

    def __init__(self, attraction_id: str) -> None:
        super().__init__()
        self.attraction_id = attraction_id
        self.day: dt.date | None = None
        self.qty: dict[str, int] = {}

    def on_start(self, ctx: C) -> None:
        self.day = ctx.model.first_available(self.attraction_id) or ctx.model.today

    def build(self, ctx: C) -> View:
        m, lang = ctx.model, ctx.lang
        a = m.attraction(self.attraction_id)
        day = self.day or m.today
        days = [
            card(
                text(format_date(d, lang), id="day_date", size=13),
                text(DAY_WORDS[m.status(a.id, d)], id="day_status", size=12),
                id="day",
                on_click=self._pick_day(d),
                desc=d.isoformat(),
            )
            for d in m.sale_days()
        ]
        for v, d in zip(days, m.sale_days(), strict=True):
            v.selected = d == day
            v.w = 112  # dp: a strip of day chips, several on screen
        status = m.status(a.id, day)
        types: list[View] = []
        for t, price in a.prices:
            left = m.remaining(a.id, day, t)
            n = self.qty.get(t, 0)
            left_words = (
                ctx.t("Sold out", "已售罄") if left == 0 else ctx.t(f"{left} left", f"剩余{left}张")
            )
            types.append(
                row(
                    column(
                        text(TICKET_TYPES[t], id="type_name", bold=True),
                        text(f"{format_money(price)} · {left_words}", id="type_info"),
                        w=0,
                        weight=3,
                    ),
                    icon_button(
                        ctx.t(f"Fewer {TICKET_TYPES[t].en}", f"减少{TICKET_TYPES[t].zh}"),
                        self._change(t, -1),
                        id=f"minus_{t}",
                        enabled=n > 0,
                    ),
                    text(str(n), id=f"qty_{t}", w=0, weight=1, gravity="center"),
                    icon_button(
                        ctx.t(f"More {TICKET_TYPES[t].en}", f"增加{TICKET_TYPES[t].zh}"),
                        self._change(t, 1),
                        id=f"plus_{t}",
                        enabled=n < left,
                    ),
                    id=f"ticket_{t}",
                )
            )
        total = sum(a.price(t) * n for t, n in self.qty.items())
        return column(
            toolbar(a.name),
            scroll(
                "detail",
                text(f"{city(a.city).name.get(lang)} · ★{a.rating:.1f}", id="city"),
                text(a.hours, id="hours", size=12),
                text(a.description, id="description", size=12, lines=3),
                text(Text("Choose a date", "选择日期"), bold=True),
                list_view("days", days, horizontal=True, h=72),
                text(
                    f"{format_date(day, lang)} · {DAY_WORDS[status].get(lang)}",
                    id="chosen_day",
                    bold=True,
                ),
                *types,
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
                button(
                    Text("Buy", "立即购买"), self.buy, id="buy", w=0, weight=1, enabled=total > 0
                ),
                pad=8,
            ),
            h=MATCH,
        )

    def _pick_day(self, d: dt.date) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            self.day = d
            self.qty = {}

        return handler

    def _change(self, t: str, step: int) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            left = ctx.model.remaining(self.attraction_id, self.day or ctx.model.today, t)
            self.qty[t] = max(0, min(left, self.qty.get(t, 0) + step))

        return handler

    def buy(self, ctx: C) -> None:
        chosen = [(t, n) for t, n in self.qty.items() if n > 0]
        if not chosen:
            ctx.toast(Text("Choose tickets first", "请先选择门票"))
            return
        if len(chosen) > 1:
            ctx.toast(Text("Buy one ticket type per order", "每个订单只能购买一种票型"))
            return
        t, n = chosen[0]
        try:
            p = ctx.model.buy(self.attraction_id, self.day or ctx.model.today, t, n, now=ctx.now)
        except ValidationError:
            ctx.toast(Text("Not enough tickets left", "余票不足"))
            return
        self.qty = {}
        ctx.start(PurchasePage(p.id))


class PurchasePage(Page[TicketsModel]):
    activity = ".order.OrderDetailActivity"

    def __init__(self, purchase_id: str) -> None:
        super().__init__()
        self.purchase_id = purchase_id

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        p = ctx.model.purchase(self.purchase_id)
        actions: list[View] = []
        if p.status == "unpaid":
            actions.append(
                button(ctx.t("Pay ", "支付 ") + format_money(p.total), self.pay, id="pay")
            )
        if p.status != "cancelled" and ctx.now.date() < p.date:
            actions.append(
                button(
                    Text("Cancel order", "取消订单"),
                    lambda c: c.show_dialog("cancel"),
                    id="cancel",
                    primary=False,
                )
            )
        return column(
            toolbar(Text("Order details", "订单详情")),
            text(STATUS_WORDS[p.status], id="status", bold=True, size=18),
            text(ctx.t("Order no. ", "订单号 ") + p.order_no, id="order_no"),
            text(p.attraction_name, id="attraction_name", bold=True),
            text(format_date(p.date, lang), id="visit_date"),
            text(f"{TICKET_TYPES[p.ticket_type].get(lang)} × {p.quantity}", id="tickets"),
            text(ctx.t("Total ", "合计 ") + format_money(p.total), id="total"),
            *actions,
            h=MATCH,
        )

    def pay(self, ctx: C) -> None:
        p = ctx.model.purchase(self.purchase_id)
        request_payment(ctx, amount=p.total, merchant=MERCHANT, order_ref=p.order_no)

    def on_result(self, ctx: C, request: str, result: Result) -> None:
        ref = payment_ref(result) if request == "pay" else None
        if ref is None:
            ctx.toast(Text("Payment not completed", "支付未完成"))
            return
        ctx.model.mark_paid(self.purchase_id, ref)
        ctx.toast(Text("Payment successful", "支付成功"))

    def build_dialog(self, ctx: C, name: str, args: Mapping[str, object]) -> View | None:
        if name != "cancel":
            return None
        return dialog(
            Text("Cancel this order?", "确定取消订单？"),
            Text("Paid orders are refunded in full.", "已支付的订单将全额退款。"),
            positive=(Text("Confirm", "确定"), self.cancel),
            negative=(Text("Keep", "暂不取消"), None),
        )

    def cancel(self, ctx: C) -> None:
        p = ctx.model.cancel(self.purchase_id, ctx.now)
        if p.refund:
            refund_to_wallet(ctx, p.order_no, p.refund)
        ctx.toast(Text("Order cancelled", "订单已取消"))


class OrdersPage(Page[TicketsModel]):
    activity = ".order.OrderListActivity"

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        items = [
            card(
                text(p.attraction_name, id="order_title", bold=True),
                text(
                    f"{format_date(p.date, lang)} · {TICKET_TYPES[p.ticket_type].get(lang)} × "
                    f"{p.quantity} · {STATUS_WORDS[p.status].get(lang)}",
                    id="order_info",
                ),
                id="order",
                on_click=self._open(p.id),
            )
            for p in reversed(ctx.model.purchases)
        ]
        body = (
            list_view("orders", items, weight=1)
            if items
            else text(Text("No orders yet", "暂无订单"), id="empty")
        )
        return column(toolbar(Text("My orders", "我的订单")), body, h=MATCH)

    def _open(self, pid: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(PurchasePage(pid))

        return handler
