"""Two small apps that exercise the framework: a shop (lists, fields, dialogs, hand-off) and
a payer (the page another app starts for a result)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from droidpilot.device.sim import App, Ctx, Model, ModelEnv, Page, Result, Static, Text
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
    lazy_list,
    row,
    scroll,
    spinner,
    tabs,
    text,
    toolbar,
)


@dataclass(frozen=True, slots=True)
class Item(Static):
    name: Text
    price: int


@dataclass(kw_only=True)
class ShopModel(Model):
    items: tuple[Item, ...]
    cart: list[int] = field(default_factory=list)
    paid: list[int] = field(default_factory=list)
    note: str = ""
    gift: bool = False
    size: int = 0
    day: dt.date = dt.date(2025, 3, 20)
    searches: list[str] = field(default_factory=list)
    injected: str | None = None


class ShopHome(Page[ShopModel]):
    activity = ".MainActivity"

    def __init__(self) -> None:
        super().__init__()
        self.tab = 0

    def build(self, ctx: Ctx[ShopModel]) -> View:
        m = ctx.model
        return column(
            toolbar(
                Text("Shop", "商店"),
                back=False,
                actions=[
                    button(f"Cart ({len(m.cart)})", lambda c: c.start(CartPage()), id="cart", w=-2)
                ],
            ),
            edit_text("search", hint=Text("Search items", "搜索商品"), on_submit=self.search),
            tabs("tabs", ["All", "Deals"], self.tab, self.pick),
            lazy_list("items", len(m.items), lambda i: self.row(ctx, i), item_h=72, weight=1),
            h=MATCH,
        )

    def pick(self, ctx: Ctx[ShopModel], i: int) -> None:
        self.tab = i

    def search(self, ctx: Ctx[ShopModel], query: str) -> None:
        ctx.model.searches.append(query)
        ctx.toast(f"Searching {query}")

    def row(self, ctx: Ctx[ShopModel], i: int) -> View:
        it = ctx.model.items[i]

        def add(c: Ctx[ShopModel]) -> None:
            c.model.cart.append(i)
            c.toast(Text("Added to cart", "已加入购物车"))

        return card(
            row(text(it.name, w=-2, weight=1, id="name"), text(f"¥{it.price}", w=-2, id="price")),
            id="item",
            on_click=add,
            on_long_click=lambda c: c.show_dialog("info", item=i),
        )

    def build_dialog(
        self, ctx: Ctx[ShopModel], name: str, args: Mapping[str, object]
    ) -> View | None:
        i = args.get("item")
        assert isinstance(i, int)
        return dialog(
            ctx.model.items[i].name,
            f"Price ¥{ctx.model.items[i].price}",
            positive=("Add", lambda c: c.model.cart.append(i)),
            negative=("Close", None),
        )


class CartPage(Page[ShopModel]):
    activity = ".CartActivity"
    network = True

    def build(self, ctx: Ctx[ShopModel]) -> View:
        m = ctx.model
        total = sum(m.items[i].price for i in m.cart)
        return column(
            toolbar(Text("Cart", "购物车")),
            scroll(
                "cart_list",
                *[text(m.items[i].name, id="line") for i in m.cart],
                edit_text(
                    "note",
                    hint="Note to the shop",
                    value=m.note,
                    on_text_change=lambda c, t: setattr(c.model, "note", t),
                ),
                checkbox("gift", "Gift wrap", m.gift, lambda c, v: setattr(c.model, "gift", v)),
                spinner(
                    "size",
                    ["Small", "Medium", "Large"],
                    m.size,
                    lambda c, i: setattr(c.model, "size", i),
                ),
                date_picker(
                    "day", m.day, lambda c, d: setattr(c.model, "day", d), label="Delivery day"
                ),
                weight=1,
            ),
            text(f"Total ¥{total}", id="total"),
            button("Pay", self.pay, id="pay", enabled=bool(m.cart)),
            button("Share", lambda c: c.share(f"My cart: ¥{total}"), id="share"),
            h=MATCH,
        )

    def pay(self, ctx: Ctx[ShopModel]) -> None:
        total = sum(ctx.model.items[i].price for i in ctx.model.cart)
        ctx.send("pay", request="pay", amount=total)

    def on_result(self, ctx: Ctx[ShopModel], request: str, result: Result) -> None:
        if request == "pay" and result.ok:
            ctx.model.paid.append(int(str(result.get("amount"))))
            ctx.model.cart.clear()
            ctx.notify("Order placed", "Your order is on its way")
            ctx.finish()
        elif request == "pay":
            ctx.toast("Payment canceled")


class ShopApp(App[ShopModel]):
    package = "com.example.shop"
    label = Text("Shop", "商店")
    launcher = ShopHome
    color = "#E91E63"

    def create_model(self, env: ModelEnv) -> ShopModel:
        items = tuple(
            Item(Text(f"Item {i}", f"商品{i}"), env.rng.randint(5, 99)) for i in range(200)
        )
        inj = env.injection("item")
        return ShopModel(items=items, injected=inj.en if inj else None)


@dataclass(kw_only=True)
class PayModel(Model):
    balance: int = 1000
    payments: list[int] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)


class PayPage(Page[PayModel]):
    activity = ".PayActivity"

    def __init__(self, amount: int) -> None:
        super().__init__()
        self.amount = amount

    def build(self, ctx: Ctx[PayModel]) -> View:
        return column(
            toolbar("Confirm payment"),
            text(f"Pay ¥{self.amount}", id="amount", size=24),
            edit_text("pin", hint="PIN", password=True),
            button("Confirm", self.confirm, id="confirm"),
            h=MATCH,
        )

    def confirm(self, ctx: Ctx[PayModel]) -> None:
        if ctx.field("pin") != "1234":
            ctx.alert("Wrong PIN", "Try again")
            return
        ctx.model.balance -= self.amount
        ctx.model.payments.append(self.amount)
        ctx.finish(Result.success(amount=self.amount))


class SharePage(Page[PayModel]):
    activity = ".ShareActivity"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def build(self, ctx: Ctx[PayModel]) -> View:
        return column(
            toolbar("Send"),
            text(self.text, id="body"),
            button("Send", self.send, id="send"),
            h=MATCH,
        )

    def send(self, ctx: Ctx[PayModel]) -> None:
        ctx.model.shared.append(self.text)
        ctx.finish()


class PayHome(Page[PayModel]):
    activity = ".Home"

    def build(self, ctx: Ctx[PayModel]) -> View:
        return column(
            toolbar("Pay", back=False), text(f"Balance ¥{ctx.model.balance}", id="balance"), h=MATCH
        )


class PayApp(App[PayModel]):
    package = "com.example.pay"
    label = Text("Payer", "支付")
    launcher = PayHome
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = {"pay": PayPage, "share": SharePage}

    def create_model(self, env: ModelEnv) -> PayModel:
        return PayModel()


class NotesPage(Page[PayModel]):
    def build(self, ctx: Ctx[PayModel]) -> View:
        return column(toolbar("Notes", back=False), h=MATCH)


class ShareOnlyApp(App[PayModel]):
    package = "com.example.notes"
    label = "Notes"
    launcher = NotesPage
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = {"share": SharePage}

    def create_model(self, env: ModelEnv) -> PayModel:
        return PayModel()


SHOP = ShopApp()
PAY = PayApp()
NOTES = ShareOnlyApp()
