"""Food app pages for finding and choosing food: home, search, restaurant menu, options, cart."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from droidpilot.device.sim.app import Page
from droidpilot.device.sim.apps.food.content import CUISINES
from droidpilot.device.sim.apps.food.domain import Choice, Dish, Restaurant
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.food.ui_common import FCtx, Skin, money, restaurant_facts
from droidpilot.device.sim.views import (
    MATCH,
    WRAP,
    View,
    bottom_nav,
    button,
    card,
    checkbox,
    column,
    dialog,
    divider,
    edit_text,
    icon_button,
    list_view,
    radio,
    row,
    scroll,
    spinner,
    tabs,
    text,
    toolbar,
)

Handler = Callable[[FCtx], None]

__all__ = ["CartPage", "CustomizePage", "HomePage", "RestaurantPage", "SearchPage"]

SORTS = ("recommended", "rating", "fee", "time")


def _restaurant_card(skin: Skin, ctx: FCtx, r: Restaurant) -> View:
    line1, line2 = restaurant_facts(skin, ctx, r)

    def open_shop(c: FCtx) -> None:
        c.start(RestaurantPage(skin, r.key))

    return card(
        text(r.name, size=17, bold=True, id="restaurant_name"),
        text(f"{ctx.tr(r.cuisine_name)} · {line1}", size=13, id="restaurant_rating"),
        text(line2, size=13, color="#666666", id="restaurant_delivery"),
        id="restaurant", on_click=open_shop,
    )  # fmt: skip


def _sorted(restaurants: tuple[Restaurant, ...], sort: str) -> list[Restaurant]:
    out = list(restaurants)
    if sort == "rating":
        out.sort(key=lambda r: -r.rating)
    elif sort == "fee":
        out.sort(key=lambda r: r.delivery_fee)
    elif sort == "time":
        out.sort(key=lambda r: r.delivery_minutes)
    return out


class HomePage(Page[FoodAppModel]):
    activity = ".ui.MainActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin
        self.cuisine = ""  # "" = all
        self.query = ""
        self.sort = 0

    def on_start(self, ctx: FCtx) -> None:
        ctx.model.advance(ctx.now)

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        addr = m.selected_address
        where = ctx.tr(addr.line) if addr else s.w(ctx, "no_address")
        shops = m.search(self.query) if self.query else m.restaurants
        if self.cuisine:
            shops = tuple(r for r in shops if r.cuisine == self.cuisine)
        cards = [_restaurant_card(s, ctx, r) for r in _sorted(shops, SORTS[self.sort])]
        if not cards:
            cards = [text(s.w(ctx, "no_results"), id="empty")]
        nav = bottom_nav([s.words["nav_home"], s.words["nav_orders"], s.words["nav_me"]], 0,
                         self.nav)  # fmt: skip
        deliver_to = text(s.w(ctx, "deliver_to", where=where), size=13, lines=1,
                          id="address_bar", on_click=self.pick_address)  # fmt: skip
        if s.layout == "a":
            cuisines = ["", *m.catalog.cuisines]
            chips = [
                text(ctx.tr(CUISINES[c]) if c else s.w(ctx, "all"), id=f"category_{c or 'all'}",
                     w=WRAP, selected=c == self.cuisine, on_click=self.pick_cuisine(c))
                for c in cuisines
            ]  # fmt: skip
            return column(
                toolbar(s.name, back=False),
                deliver_to,
                edit_text("search", hint=s.words["search_hint"], on_submit=self.search),
                scroll("categories", *chips, horizontal=True, h=WRAP),
                list_view("restaurant_list", cards, weight=1),
                nav, h=MATCH,
            )  # fmt: skip
        cuisines = ["", *m.catalog.cuisines]
        labels = [CUISINES[c] if c else s.words["all_cuisines"] for c in cuisines]
        return column(
            toolbar(s.name, back=False, actions=[
                icon_button(s.words["search"], self.open_search, id="search_button")]),
            deliver_to,
            row(
                spinner("cuisine_filter", labels, cuisines.index(self.cuisine),
                        self.pick_cuisine_index(cuisines), weight=1),
                spinner("sort", [s.words[f"sort_{k}"] for k in SORTS], self.sort,
                        self.pick_sort, weight=1),
            ),
            list_view("restaurant_list", cards, weight=1),
            nav, h=MATCH,
        )  # fmt: skip

    def nav(self, ctx: FCtx, i: int) -> None:
        from droidpilot.device.sim.apps.food.ui_order import OrdersPage, ProfilePage

        if i == 1:
            ctx.start(OrdersPage(self.skin))
        elif i == 2:
            ctx.start(ProfilePage(self.skin))

    def pick_address(self, ctx: FCtx) -> None:
        from droidpilot.device.sim.apps.food.ui_order import AddressBookPage

        ctx.start(AddressBookPage(self.skin, pick=True))

    def search(self, ctx: FCtx, query: str) -> None:
        self.query = query.strip()

    def open_search(self, ctx: FCtx) -> None:
        ctx.start(SearchPage(self.skin))

    def pick_cuisine(self, cuisine: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            self.cuisine = cuisine

        return handler

    def pick_cuisine_index(self, cuisines: list[str]) -> Callable[[FCtx, int], None]:
        def handler(ctx: FCtx, i: int) -> None:
            self.cuisine = cuisines[i]

        return handler

    def pick_sort(self, ctx: FCtx, i: int) -> None:
        self.sort = i


class SearchPage(Page[FoodAppModel]):
    """MealDash's search screen: a query box and the matching restaurants."""

    activity = ".search.SearchActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin
        self.query = ""

    def build(self, ctx: FCtx) -> View:
        s = self.skin
        shops = ctx.model.search(self.query) if self.query else ()
        cards = [_restaurant_card(s, ctx, r) for r in shops]
        if self.query and not cards:
            cards = [text(s.w(ctx, "no_results"), id="empty")]
        return column(
            toolbar(s.words["search"]),
            edit_text("search", hint=s.words["search_hint"], on_submit=self.submit),
            list_view("results", cards, weight=1),
            h=MATCH,
        )

    def submit(self, ctx: FCtx, query: str) -> None:
        self.query = query.strip()


# --------------------------------------------------------------------------- menu


class _Picker:
    """Option picks and quantity for one dish (shared by the dialog and the customise page)."""

    def __init__(self, dish: Dish) -> None:
        self.dish_id = dish.id
        self.picks: list[Choice] = list(dish.default_choices())
        self.qty = 1

    def choices(self, dish: Dish) -> tuple[Choice, ...]:
        return dish.normalise_choices(tuple(self.picks))

    def views(self, skin: Skin, ctx: FCtx, dish: Dish) -> list[View]:
        out: list[View] = []
        picked = set(self.choices(dish))
        for g in dish.options:
            out.append(text(g.name, size=15, bold=True, id=f"group_{g.key}"))
            items: list[View] = []
            for c in g.choices:
                label = ctx.tr(c.name) + (f" +{money(c.delta)}" if c.delta else "")
                on = (g.key, c.key) in picked
                if g.multi:
                    items.append(checkbox(f"opt_{g.key}_{c.key}", label, on,
                                          self.toggle(g.key, c.key)))  # fmt: skip
                else:
                    items.append(radio(f"opt_{g.key}_{c.key}", label, on,
                                       self.choose(g.key, c.key)))  # fmt: skip
            for i in range(0, len(items), 2):
                out.append(row(*items[i : i + 2]))
        out.append(row(
            text(skin.words["quantity"], w=WRAP, weight=1),
            icon_button(skin.words["decrease_qty"], self.dec, id="qty_minus"),
            text(str(self.qty), id="qty", w=WRAP, gravity="center"),
            icon_button(skin.words["increase_qty"], self.inc, id="qty_plus"),
        ))  # fmt: skip
        return out

    def choose(self, group: str, choice: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            self.picks = [p for p in self.picks if p[0] != group] + [(group, choice)]

        return handler

    def toggle(self, group: str, choice: str) -> Callable[[FCtx, bool], None]:
        def handler(ctx: FCtx, on: bool) -> None:
            self.picks = [p for p in self.picks if p != (group, choice)]
            if on:
                self.picks.append((group, choice))

        return handler

    def inc(self, ctx: FCtx) -> None:
        self.qty = min(99, self.qty + 1)

    def dec(self, ctx: FCtx) -> None:
        self.qty = max(1, self.qty - 1)

    def price(self, dish: Dish) -> int:
        return dish.unit_price(self.choices(dish)) * self.qty


def _add(skin: Skin, ctx: FCtx, dish_id: str, qty: int, choices: tuple[Choice, ...]) -> bool:
    """Add to the cart; on another restaurant's cart ask to start over. True when added."""
    outcome = ctx.model.add_to_cart(dish_id, qty, choices)
    if outcome == "added":
        ctx.toast(skin.words["added"])
        return True
    if outcome == "sold_out":
        ctx.toast(skin.words["sold_out"])
    return False


class RestaurantPage(Page[FoodAppModel]):
    activity = ".ui.RestaurantActivity"

    def __init__(self, skin: Skin, restaurant: str) -> None:
        super().__init__()
        self.skin = skin
        self.restaurant = restaurant
        self.tab = 0
        self.picker: _Picker | None = None

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        r = m.restaurant(self.restaurant)
        line1, line2 = restaurant_facts(s, ctx, r)
        menu = m.menu(r.key)
        rows: list[View] = []
        if s.layout == "a":
            for section, dishes in menu:
                rows.append(text(section.name, size=16, bold=True, id="section_title"))
                rows.extend(self._dish_row(ctx, d) for d in dishes)
            header: View | None = None
        else:
            self.tab = min(self.tab, len(menu) - 1)
            header = tabs("menu_tabs", [sec.name for sec, _ in menu], self.tab, self.pick_tab)
            rows.extend(self._dish_row(ctx, d) for d in menu[self.tab][1])
        return column(
            toolbar(r.name),
            text(line1, size=13, id="restaurant_rating"),
            text(line2, size=13, color="#666666", id="restaurant_delivery"),
            text(r.notice, size=13, color="#D84315", id="notice") if ctx.tr(r.notice) else None,
            header,
            list_view("menu", rows, weight=1),
            self._cart_bar(ctx, r),
            h=MATCH,
        )

    def _dish_row(self, ctx: FCtx, d: Dish) -> View:
        s = self.skin
        name = ctx.tr(d.name)
        if d.sold_out:
            action: View = text(s.words["sold_out"], w=WRAP, id="sold_out", color="#999999")
        elif d.options:
            action = button(s.words["choose"], self.open_options(d.id), id="choose", w=WRAP,
                            primary=False)  # fmt: skip
        elif s.layout == "a":
            action = icon_button(s.w(ctx, "add_named", name=name), self.quick_add(d.id),
                                 id="add")  # fmt: skip
        else:
            action = button(s.words["add"], self.quick_add(d.id), id="add", w=WRAP,
                            desc=s.w(ctx, "add_named", name=name))  # fmt: skip
        return card(
            column(
                text(d.name, size=16, bold=True, id="dish_name"),
                text(d.description, size=12, color="#777777", lines=3, id="dish_description"),
                text(money(d.price), size=15, id="dish_price"),
                weight=1,
            ),
            action,
            id="dish", horizontal=True,
            on_click=None if d.sold_out else self.open_options(d.id),
        )  # fmt: skip

    def _cart_bar(self, ctx: FCtx, r: Restaurant) -> View:
        s, m = self.skin, ctx.model
        cart = m.cart
        mine = cart.restaurant == r.key
        count = cart.count if mine else 0
        subtotal = cart.subtotal if mine else 0
        if count == 0:
            summary = s.w(ctx, "cart_empty", min=money(r.min_order))
        elif subtotal < r.min_order:
            summary = s.w(ctx, "cart_short", n=count, total=money(subtotal),
                          more=money(r.min_order - subtotal))  # fmt: skip
        else:
            summary = s.w(ctx, "cart_summary", n=count, total=money(subtotal))
        return row(
            text(summary, id="cart_summary", weight=1, w=WRAP, on_click=self.open_cart),
            button(s.words["to_cart"], self.open_cart, id="go_cart", w=WRAP),
            pad=8, bg="@surface",
        )  # fmt: skip

    def pick_tab(self, ctx: FCtx, i: int) -> None:
        self.tab = i

    def open_cart(self, ctx: FCtx) -> None:
        ctx.start(CartPage(self.skin))

    def quick_add(self, dish_id: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            if not _add(self.skin, ctx, dish_id, 1, ()):
                self._maybe_conflict(ctx, dish_id, 1, ())

        return handler

    def _maybe_conflict(self, ctx: FCtx, dish_id: str, qty: int, ch: tuple[Choice, ...]) -> None:
        if not ctx.model.dish(dish_id).sold_out:
            ctx.show_dialog("conflict", dish=dish_id, qty=qty, choices=ch)

    def open_options(self, dish_id: str) -> Handler:
        def handler(ctx: FCtx) -> None:
            dish = ctx.model.dish(dish_id)
            if self.skin.layout == "b":
                ctx.start(CustomizePage(self.skin, dish_id))
                return
            self.picker = _Picker(dish)
            ctx.show_dialog("options", dish=dish_id)

        return handler

    def build_dialog(self, ctx: FCtx, name: str, args: Mapping[str, object]) -> View | None:
        s = self.skin
        dish = ctx.model.dish(str(args["dish"]))
        if name == "conflict":
            qty = args.get("qty")
            choices = args.get("choices")

            def start_over(c: FCtx) -> None:
                c.model.clear_cart()
                _add(s, c, dish.id, qty if isinstance(qty, int) else 1,
                     choices if isinstance(choices, tuple) else ())  # fmt: skip

            return dialog(s.words["conflict_title"], s.words["conflict_message"],
                          positive=(s.words["conflict_ok"], start_over),
                          negative=(s.words["cancel"], None))  # fmt: skip
        picker = self.picker
        if picker is None or picker.dish_id != dish.id:
            picker = self.picker = _Picker(dish)

        def add(c: FCtx) -> None:
            ch = picker.choices(dish)
            if not _add(s, c, dish.id, picker.qty, ch):
                self._maybe_conflict(c, dish.id, picker.qty, ch)

        return dialog(
            dish.name, dish.description,
            *picker.views(s, ctx, dish),
            positive=(s.w(ctx, "add_to_cart_price", price=money(picker.price(dish))), add),
            negative=(s.words["cancel"], None),
        )  # fmt: skip


class CustomizePage(Page[FoodAppModel]):
    """MealDash's full-screen options page for one dish."""

    activity = ".menu.CustomizeActivity"

    def __init__(self, skin: Skin, dish_id: str) -> None:
        super().__init__()
        self.skin = skin
        self.dish_id = dish_id
        self.picker: _Picker | None = None

    def build(self, ctx: FCtx) -> View:
        s = self.skin
        dish = ctx.model.dish(self.dish_id)
        if self.picker is None:
            self.picker = _Picker(dish)
        return column(
            toolbar(s.words["customize"]),
            scroll(
                "options",
                text(dish.name, size=20, bold=True, id="dish_name"),
                text(dish.description, size=13, color="#777777", id="dish_description"),
                text(money(dish.price), size=16, id="dish_price"),
                divider(),
                *self.picker.views(s, ctx, dish),
                weight=1,
            ),
            button(s.w(ctx, "add_to_cart_price", price=money(self.picker.price(dish))),
                   self.add, id="add_to_cart"),
            h=MATCH,
        )  # fmt: skip

    def add(self, ctx: FCtx) -> None:
        dish = ctx.model.dish(self.dish_id)
        picker = self.picker or _Picker(dish)
        ch = picker.choices(dish)
        if _add(self.skin, ctx, dish.id, picker.qty, ch):
            ctx.finish()
        elif not dish.sold_out:
            ctx.show_dialog("conflict", qty=picker.qty, choices=ch)

    def build_dialog(self, ctx: FCtx, name: str, args: Mapping[str, object]) -> View | None:
        s = self.skin
        qty = args.get("qty")
        choices = args.get("choices")

        def start_over(c: FCtx) -> None:
            c.model.clear_cart()
            if _add(s, c, self.dish_id, qty if isinstance(qty, int) else 1,
                    choices if isinstance(choices, tuple) else ()):  # fmt: skip
                c.finish()

        return dialog(s.words["conflict_title"], s.words["conflict_message"],
                      positive=(s.words["conflict_ok"], start_over),
                      negative=(s.words["cancel"], None))  # fmt: skip


# --------------------------------------------------------------------------- cart


class CartPage(Page[FoodAppModel]):
    activity = ".cart.CartActivity"

    def __init__(self, skin: Skin) -> None:
        super().__init__()
        self.skin = skin

    def build(self, ctx: FCtx) -> View:
        s, m = self.skin, ctx.model
        cart = m.cart
        rows: list[View] = []
        for i, line in enumerate(cart.lines):
            name = ctx.tr(line.name)
            opts = " / ".join(ctx.tr(n) for n in line.choice_names)
            rows.append(card(
                column(
                    text(line.name, size=16, bold=True, id="line_name"),
                    text(opts, size=12, color="#777777", id="line_options") if opts else None,
                    text(money(line.total), size=14, id="line_price"),
                    weight=1,
                ),
                icon_button(s.w(ctx, "decrease_named", name=name), self.step(i, -1),
                            id="minus"),
                text(str(line.qty), id="line_qty", w=WRAP, gravity="center"),
                icon_button(s.w(ctx, "increase_named", name=name), self.step(i, 1), id="plus"),
                id="cart_line", horizontal=True,
            ))  # fmt: skip
        if not rows:
            rows.append(text(s.words["cart_is_empty"], id="empty"))
        shop = m.restaurant(cart.restaurant) if cart.restaurant else None
        quote = m.quote()
        footer: list[View | None] = []
        if shop is not None and quote is not None:
            footer = [
                text(shop.name, size=15, bold=True, id="cart_restaurant"),
                text(s.w(ctx, "subtotal_line", v=money(quote.subtotal)), id="subtotal"),
                text(s.w(ctx, "fee_line", v=money(quote.delivery_fee)), id="delivery_fee"),
                None if quote.meets_minimum else text(
                    s.w(ctx, "min_short", more=money(quote.shortfall), min=money(shop.min_order)),
                    id="minimum", color="#D84315"),
            ]  # fmt: skip
        from droidpilot.device.sim.apps.food.ui_order import CheckoutPage

        def checkout(c: FCtx) -> None:
            q = c.model.quote()
            if q is not None and q.meets_minimum:
                c.start(CheckoutPage(s))

        ok = quote is not None and quote.meets_minimum
        return column(
            toolbar(s.words["cart"], actions=[
                text(s.words["clear"], id="clear_cart", w=WRAP, on_click=self.clear)]),
            list_view("cart_lines", rows, weight=1),
            *footer,
            button(s.words["checkout"], checkout, id="checkout", enabled=ok),
            h=MATCH,
        )  # fmt: skip

    def step(self, index: int, delta: int) -> Handler:
        def handler(ctx: FCtx) -> None:
            lines = ctx.model.cart.lines
            if index < len(lines):
                ctx.model.set_qty(index, lines[index].qty + delta)

        return handler

    def clear(self, ctx: FCtx) -> None:
        ctx.model.clear_cart()
