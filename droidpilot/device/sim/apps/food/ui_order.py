"""Food app pages from checkout on: checkout, coupons, addresses, note, orders, tracking."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from droidpilot.device.sim.app import Page, Result
from droidpilot.device.sim.apps.food.domain import Order
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.food.payments import cancel_with_refund, merchant_for
from droidpilot.device.sim.apps.food.ui_common import FCtx, Skin, clock, money, wallet_of
from droidpilot.device.sim.views import (
    MATCH,
    WRAP,
    View,
    button,
    card,
    column,
    dialog,
    divider,
    edit_text,
    list_view,
    row,
    scroll,
    spinner,
    text,
    toolbar,
)

__all__ = [
    "AddressBookPage",
    "AddressEditPage",
    "CheckoutPage",
    "CouponsPage",
    "NotePage",
    "OrderDetailPage",
    "OrdersPage",
    "ProfilePage",
    "start_payment",
]

Handler = Callable[[FCtx], None]


def start_payment(skin: Skin, ctx: FCtx, order: Order) -> None:
    """Hand the order's payment to the wallet; the result comes back to ``on_result``."""
    ctx.send("pay", request=f"pay:{order.id}", amount_cents=order.total,
             merchant=merchant_for(order), order_ref=order.id, caller=ctx.package)  # fmt: skip


def paid_result(ctx: FCtx, request: str, result: Result) -> str | None:
    """Mark the order of a ``pay:<id>`` result paid; returns the order id, or None."""
    if not request.startswith("pay:"):
        return None
    order_id = request.removeprefix("pay:")
    txn = result.get("txn")
    if result.ok and isinstance(txn, str) and ctx.model.order(order_id).status == "placed":
        ctx.model.mark_paid(order_id, txn, ctx.now)
    return order_id


class CheckoutPage(Page[FoodAppModel]):
    activity = ".order.CheckoutActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        quote = m.quote()
        if quote is None or m.cart.restaurant is None:
            return column(toolbar(s.words["confirm_order"]),
                          text(s.words["cart_is_empty"], id="empty"), h=MATCH)  # fmt: skip
        shop = m.restaurant(m.cart.restaurant)
        addr = m.selected_address
        slots = m.delivery_slots(ctx.now)
        labels = [s.w(ctx, "asap", minutes=shop.delivery_minutes)]
        labels += [s.w(ctx, "at_time", time=clock(t)) for t in slots]
        chosen = 0 if m.slot is None or m.slot not in slots else slots.index(m.slot) + 1
        usable = m.usable_coupons()
        coupon = m.coupon
        coupon_label = (s.w(ctx, "coupon_used", v=money(coupon.discount)) if coupon
                        else s.w(ctx, "coupons_available", n=len(usable)))  # fmt: skip
        if s.layout == "a":
            note: View = column(
                text(s.words["note"], size=13, id="note_label"),
                edit_text("note", hint=s.words["note_hint"], value=m.note,
                          on_text_change=self.set_note, multiline=True),
            )  # fmt: skip
        else:
            note = card(text(s.words["note"], size=15, id="note_label"),
                        text(m.note or s.words["note_hint"], size=13, color="#777777",
                             id="note_value"),
                        id="note_row", on_click=self.open_note)  # fmt: skip
        items = [
            text(f"{ctx.tr(line.name)} x{line.qty}   {money(line.total)}", size=13,
                 id="order_item")
            for line in m.cart.lines
        ]  # fmt: skip
        return column(
            toolbar(s.words["confirm_order"]),
            scroll(
                "checkout_form",
                card(text(s.words["address"], size=13, id="address_label"),
                     text(ctx.tr(addr.line) if addr else s.words["no_address"], size=16,
                          bold=True, id="address_line"),
                     text(f"{ctx.tr(addr.recipient)} {addr.phone}" if addr else "", size=13,
                          id="address_contact"),
                     id="address", on_click=self.pick_address),
                divider(),
                row(text(s.words["delivery_time"], w=WRAP, weight=1, id="time_label"),
                    spinner("delivery_time", labels, chosen, self.pick_time, weight=1)),
                divider(),
                card(text(s.words["coupons"], size=15, id="coupon_label"),
                     text(coupon_label, size=13, color="#D84315", id="coupon_value"),
                     id="coupon_row", on_click=self.pick_coupon),
                divider(),
                note,
                divider(),
                text(shop.name, size=15, bold=True, id="checkout_restaurant"),
                *items,
                text(s.w(ctx, "subtotal_line", v=money(quote.subtotal)), id="subtotal"),
                text(s.w(ctx, "fee_line", v=money(quote.delivery_fee)), id="delivery_fee"),
                text(s.w(ctx, "discount_line", v=money(quote.discount)), id="discount")
                if quote.discount else None,
                weight=1,
            ),
            row(
                text(s.w(ctx, "total_line", v=money(quote.total)), size=17, bold=True,
                     id="total", w=WRAP, weight=1),
                button(s.words["submit"], self.submit, id="submit_order", w=WRAP),
                pad=8, bg="@surface",
            ),
            h=MATCH,
        )  # fmt: skip

    def set_note(self, ctx: FCtx, value: str) -> None:
        ctx.model.set_note(value)

    def open_note(self, ctx: FCtx) -> None:
        ctx.start(NotePage(self.skin))

    def pick_address(self, ctx: FCtx) -> None:
        ctx.start(AddressBookPage(self.skin, pick=True))

    def pick_coupon(self, ctx: FCtx) -> None:
        ctx.start(CouponsPage(self.skin, pick=True))

    def pick_time(self, ctx: FCtx, i: int) -> None:
        slots = ctx.model.delivery_slots(ctx.now)
        ctx.model.set_slot(None if i == 0 else slots[i - 1])

    def submit(self, ctx: FCtx) -> None:
        s = self.skin
        if s.layout == "a":
            ctx.model.set_note(ctx.field("note") or ctx.model.note)
        result = ctx.model.checkout(ctx.now)
        if result.order is None:
            ctx.toast(s.words[f"problem_{result.problem}"])
            return
        start_payment(s, ctx, result.order)

    def on_result(self, ctx: FCtx, request: str, result: Result) -> None:
        order_id = paid_result(ctx, request, result)
        if order_id is None:
            return
        if not result.ok:
            ctx.toast(self.skin.words["payment_cancelled"])
        ctx.replace(OrderDetailPage(self.skin, order_id))


class NotePage(Page[FoodAppModel]):
    """MealDash's note editor."""

    activity = ".order.RemarkActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin

    def build(self, ctx: FCtx) -> View:
        s = self.skin
        return column(
            toolbar(s.words["note"]),
            edit_text("note", hint=s.words["note_hint"], value=ctx.model.note, multiline=True),
            button(s.words["done"], self.save, id="save_note"),
            h=MATCH,
        )

    def save(self, ctx: FCtx) -> None:
        ctx.model.set_note(ctx.field("note") or ctx.model.note)
        ctx.finish()


class CouponsPage(Page[FoodAppModel]):
    activity = ".coupon.CouponListActivity"

    def __init__(self, skin: Skin, *, pick: bool = False) -> None:
        super().__init__()
        self.skin = skin
        self.pick = pick

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        usable = {c.id for c in m.usable_coupons()}
        applied = m.coupon.id if m.coupon else None
        rows: list[View] = []
        for c in m.coupons:
            if c.used:
                state = s.words["coupon_state_used"]
            elif c.id == applied:
                state = s.words["coupon_state_applied"]
            elif c.id in usable:
                state = s.words["coupon_state_usable"]
            else:
                state = s.words["coupon_state_no"]
            rows.append(card(
                text(money(c.discount), size=20, bold=True, id="coupon_amount"),
                text(c.title, size=14, id="coupon_title"),
                text(state, size=12, color="#777777", id="coupon_state"),
                id="coupon",
                on_click=self.use(c.id) if self.pick and c.id in usable else None,
            ))  # fmt: skip
        return column(
            toolbar(s.words["coupons"]),
            button(s.words["no_coupon"], self.use(None), id="no_coupon", primary=False)
            if self.pick else None,
            list_view("coupon_list", rows, weight=1),
            h=MATCH,
        )  # fmt: skip

    def use(self, coupon_id: str | None) -> Handler:
        def handler(ctx: FCtx) -> None:
            if ctx.model.apply_coupon(coupon_id):
                ctx.finish(Result.success(coupon=coupon_id))

        return handler


class AddressBookPage(Page[FoodAppModel]):
    activity = ".address.AddressListActivity"

    def __init__(self, skin: Skin, *, pick: bool = False) -> None:
        super().__init__()
        self.skin = skin
        self.pick = pick

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        chosen = m.selected_address.id if m.selected_address else None
        rows: list[View] = []
        for a in m.addresses:
            rows.append(self._row(ctx, a.id, ctx.tr(a.label), chosen))
        return column(
            toolbar(s.words["addresses"]),
            list_view("address_list", rows, weight=1),
            button(s.words["add_address"], self.add, id="add_address"),
            h=MATCH,
        )

    def _row(self, ctx: FCtx, address_id: str, label: str, chosen: str | None) -> View:
        s = self.skin
        a = ctx.model.address(address_id)
        mark = f" · {s.w(ctx, 'selected')}" if a.id == chosen else ""
        return card(
            column(
                text(label + mark, size=13, color="#D84315", id="address_label"),
                text(a.line, size=15, bold=True, id="address_line"),
                text(f"{ctx.tr(a.recipient)} {a.phone}", size=12, id="address_contact"),
                weight=1,
            ),
            button(s.words["edit"], self.edit(a.id), id="edit_address", w=WRAP,
                   primary=False, desc=s.w(ctx, "edit_named", name=label)),
            id="address", horizontal=True, on_click=self.choose(a.id),
        )  # fmt: skip

    def choose(self, address_id: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            ctx.model.choose_address(address_id)
            if self.pick:
                ctx.finish(Result.success(address=address_id))

        return handler

    def edit(self, address_id: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            ctx.start(AddressEditPage(self.skin, address_id))

        return handler

    def add(self, ctx: FCtx) -> None:
        ctx.start(AddressEditPage(self.skin, None), request="new_address")

    def on_result(self, ctx: FCtx, request: str, result: Result) -> None:
        if request == "new_address" and result.ok and self.pick:
            ctx.finish(Result.success(address=result.get("address")))


class AddressEditPage(Page[FoodAppModel]):
    activity = ".address.AddressEditActivity"

    def __init__(self, skin: Skin, address_id: str | None) -> None:
        super().__init__()
        self.skin = skin
        self.address_id = address_id

    def build(self, ctx: FCtx) -> View:
        s = self.skin
        a = ctx.model.address(self.address_id) if self.address_id else None
        title = s.words["edit_address"] if a else s.words["new_address"]
        return column(
            toolbar(title),
            text(s.words["street"], size=13),
            edit_text("street", hint=s.words["street_hint"],
                      value=ctx.tr(a.line) if a else None, multiline=True),
            text(s.words["label"], size=13),
            edit_text("label", hint=s.words["label_hint"], value=ctx.tr(a.label) if a else None),
            text(s.words["recipient"], size=13),
            edit_text("recipient", hint=s.words["recipient"],
                      value=ctx.tr(a.recipient) if a else None),
            text(s.words["phone"], size=13),
            edit_text("phone", hint=s.words["phone"], value=a.phone if a else None),
            button(s.words["save"], self.save, id="save_address"),
            h=MATCH,
        )  # fmt: skip

    def save(self, ctx: FCtx) -> None:
        m = ctx.model
        street, label = ctx.field("street").strip(), ctx.field("label").strip()
        recipient, phone = ctx.field("recipient").strip(), ctx.field("phone").strip()
        if self.address_id is None:
            if not street:
                ctx.toast(self.skin.words["street_missing"])
                return
            new = m.add_address(street, label=label, recipient=recipient, phone=phone)
            ctx.finish(Result.success(address=new.id))
            return
        m.edit_address(self.address_id, line=street or None, label=label or None,
                       recipient=recipient or None, phone=phone or None)  # fmt: skip
        ctx.finish(Result.success(address=self.address_id))


# --------------------------------------------------------------------------- orders


class OrdersPage(Page[FoodAppModel]):
    activity = ".order.OrderListActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        m.advance(ctx.now)
        rows: list[View] = []
        for o in m.orders:
            rows.append(card(
                row(text(o.restaurant_name, size=16, bold=True, id="order_restaurant",
                         w=WRAP, weight=1),
                    text(s.status(ctx, o.status), size=13, color="#D84315", id="order_status",
                         w=WRAP)),
                text(", ".join(f"{ctx.tr(x.name)} x{x.qty}" for x in o.lines), size=13,
                     lines=2, id="order_items"),
                row(text(f"{o.placed_at:%m-%d %H:%M}", size=12, color="#777777",
                         id="order_time", w=WRAP, weight=1),
                    text(money(o.total), size=15, id="order_total", w=WRAP)),
                button(s.words["reorder"], self.reorder(o.id), id="reorder", w=WRAP,
                       primary=False),
                id="order", on_click=self.open(o.id),
            ))  # fmt: skip
        if not rows:
            rows.append(text(s.words["no_orders"], id="empty"))
        return column(toolbar(s.words["orders"]), list_view("order_list", rows, weight=1),
                      h=MATCH)  # fmt: skip

    def open(self, order_id: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            ctx.start(OrderDetailPage(self.skin, order_id))

        return handler

    def reorder(self, order_id: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            _reorder(self.skin, ctx, order_id)

        return handler


def _reorder(skin: Skin, ctx: FCtx, order_id: str) -> None:
    from droidpilot.device.sim.apps.food.ui_shop import CartPage

    res = ctx.model.reorder(order_id)
    if res.skipped:
        ctx.toast(skin.w(ctx, "reorder_skipped", names=", ".join(ctx.tr(n) for n in res.skipped)))
    ctx.start(CartPage(skin))


class OrderDetailPage(Page[FoodAppModel]):
    activity = ".order.OrderDetailActivity"

    def __init__(self, skin: Skin, order_id: str) -> None:
        super().__init__()
        self.skin = skin
        self.order_id = order_id

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        m.advance(ctx.now)
        o = m.order(self.order_id)
        if o.status in ("delivered", "cancelled"):
            eta = ""
        else:
            eta = s.w(ctx, "eta", time=clock(o.eta_at))
        refund = s.w(ctx, "refunded", v=money(o.refunded)) if o.refunded else ""
        return column(
            toolbar(s.words["order_detail"]),
            scroll(
                "order_detail",
                text(s.status(ctx, o.status), size=22, bold=True, id="order_status"),
                text(eta, size=15, id="order_eta") if eta else None,
                text(refund, size=14, color="#2E7D32", id="order_refund") if refund else None,
                divider(),
                text(o.restaurant_name, size=16, bold=True, id="order_restaurant"),
                *[text(f"{ctx.tr(x.name)} x{x.qty}"
                       + (f" ({' / '.join(ctx.tr(n) for n in x.choice_names)})"
                          if x.choice_names else "") + f"   {money(x.total)}",
                       size=13, id="order_item") for x in o.lines],
                text(s.w(ctx, "subtotal_line", v=money(o.subtotal)), id="subtotal"),
                text(s.w(ctx, "fee_line", v=money(o.delivery_fee)), id="delivery_fee"),
                text(s.w(ctx, "discount_line", v=money(o.discount)), id="discount")
                if o.discount else None,
                text(s.w(ctx, "total_line", v=money(o.total)), size=16, bold=True, id="total"),
                divider(),
                text(s.w(ctx, "deliver_to", where=ctx.tr(o.address.line)), size=13,
                     id="order_address"),
                text(s.w(ctx, "note_line", note=o.note), size=13, id="order_note")
                if o.note else None,
                text(s.w(ctx, "order_no", id=o.id), size=12, color="#777777", id="order_id"),
                text(f"{o.placed_at:%Y-%m-%d %H:%M}", size=12, color="#777777",
                     id="order_time"),
                weight=1,
            ),
            row(
                button(s.words["pay_now"], self.pay, id="pay_now", w=WRAP, weight=1)
                if o.status == "placed" else None,
                button(s.words["cancel_order"], self.ask_cancel, id="cancel_order", w=WRAP,
                       weight=1, primary=False) if o.cancellable else None,
                button(s.words["reorder"], self.reorder, id="reorder", w=WRAP, weight=1,
                       primary=False),
                pad=8,
            ),
            h=MATCH,
        )  # fmt: skip

    def pay(self, ctx: FCtx) -> None:
        start_payment(self.skin, ctx, ctx.model.order(self.order_id))

    def on_result(self, ctx: FCtx, request: str, result: Result) -> None:
        paid_result(ctx, request, result)

    def ask_cancel(self, ctx: FCtx) -> None:
        ctx.show_dialog("cancel")

    def build_dialog(self, ctx: FCtx, name: str, args: Mapping[str, object]) -> View | None:
        s = self.skin
        return dialog(s.words["cancel_title"], s.words["cancel_message"],
                      positive=(s.words["cancel_yes"], self.cancel),
                      negative=(s.words["cancel_no"], None))  # fmt: skip

    def cancel(self, ctx: FCtx) -> None:
        order = cancel_with_refund(ctx.model, wallet_of(ctx), self.order_id, ctx.now)
        if order is None:
            ctx.toast(self.skin.words["cannot_cancel"])
        elif order.refunded:
            ctx.toast(self.skin.w(ctx, "refunded", v=money(order.refunded)))
        else:
            ctx.toast(self.skin.words["cancelled"])

    def reorder(self, ctx: FCtx) -> None:
        _reorder(self.skin, ctx, self.order_id)


class ProfilePage(Page[FoodAppModel]):
    activity = ".user.ProfileActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin

    def build(self, ctx: FCtx) -> View:
        s = self.skin
        addr = ctx.model.selected_address
        return column(
            toolbar(s.words["nav_me"]),
            text(ctx.tr(addr.recipient) if addr else "", size=20, bold=True, id="user_name"),
            card(text(s.words["addresses"], size=16), id="my_addresses",
                 on_click=self.go(lambda: AddressBookPage(s))),
            divider(),
            card(text(s.words["coupons"], size=16), id="my_coupons",
                 on_click=self.go(lambda: CouponsPage(s))),
            divider(),
            card(text(s.words["orders"], size=16), id="my_orders",
                 on_click=self.go(lambda: OrdersPage(s))),
            h=MATCH,
        )  # fmt: skip

    @staticmethod
    def go(make: Callable[[], Page[FoodAppModel]]) -> Handler:
        def handler(ctx: FCtx) -> None:
            ctx.start(make())

        return handler
