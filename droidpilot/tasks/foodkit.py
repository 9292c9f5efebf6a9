"""What the food tasks share: the two apps' names, sampling helpers over the seeded menus,
predicates over orders, and oracle steps (open a restaurant, add a dish, check out, pay).

Sampling reads the seeded content through the task-facing read API; the oracle steps act only
through :class:`~droidpilot.tasks.oracle.Driver` (words and resource-ids on the screen).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from droidpilot.device.sim.apps.food.domain import Dish, Order, Restaurant
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.world import format_money
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import Baseline, Bi, Hit, Milestone, Params, ParamValue, World, hit

__all__ = [
    "FOOD_APPS",
    "FoodApp",
    "add_dish",
    "as_ordered",
    "checkout",
    "dish_params",
    "new_orders",
    "open_orders",
    "open_shop",
    "order_milestones",
    "pick_orderable",
    "units",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class FoodApp:
    key: str  # foodgo | meals
    package: str
    name: Bi
    prefix: str  # task id prefix
    orders_tab: Bi
    layout: str  # a: one long menu; b: a tab per menu section


FOOD_APPS: tuple[FoodApp, ...] = (
    FoodApp(
        key="foodgo",
        package="com.droidpilot.foodgo",
        name=Bi("FoodGo", "饭来了"),
        prefix="FoodGo",
        orders_tab=Bi("Orders", "订单"),
        layout="a",
    ),
    FoodApp(
        key="meals",
        package="com.droidpilot.meals",
        name=Bi("MealDash", "美食达"),
        prefix="MealDash",
        orders_tab=Bi("My orders", "订单"),
        layout="b",
    ),
)


def app_of(p: Params) -> FoodApp:
    key = p.s("_app")
    return next(a for a in FOOD_APPS if a.key == key)


# --------------------------------------------------------------------------- sampling

MAX_UNITS = 4


def units(r: Restaurant, unit_price: int) -> int:
    """How many of a dish reach the restaurant's minimum order."""
    return max(1, -(-r.min_order // max(1, unit_price)))


def orderable(food: FoodAppModel) -> list[tuple[Restaurant, Dish]]:
    """Dishes on sale that reach the minimum order within a few units, in catalog order."""
    out = []
    for r in food.restaurants:
        for did in r.dish_ids:
            d = food.dish(did)
            if not d.sold_out and units(r, d.price) <= MAX_UNITS:
                out.append((r, d))
    return out


def pick_orderable(
    rng: random.Random,
    food: FoodAppModel,
    keep: Callable[[Restaurant, Dish], bool] = lambda r, d: True,
) -> tuple[Restaurant, Dish]:
    pool = [(r, d) for r, d in orderable(food) if keep(r, d)]
    if not pool:
        raise LookupError("no orderable dish fits")
    return rng.choice(pool)


def section_of(food: FoodAppModel, r: Restaurant, d: Dish) -> Bi:
    for s in r.sections:
        if d.id in s.dishes:
            return Bi.of(s.name)
    raise LookupError(f"{d.id} is in no section")


def dish_params(
    app: FoodApp, food: FoodAppModel, r: Restaurant, d: Dish, pin: str, qty: int | None = None
) -> dict[str, ParamValue]:
    """The usual parameters of a food task about one dish of one restaurant."""
    return {
        "app": app.name,
        "shop": Bi.of(r.name),
        "dish": Bi.of(d.name),
        "qty": qty if qty is not None else units(r, d.price),
        "pin": pin,
        "_app": app.key,
        "_dish_id": d.id,
        "_section": section_of(food, r, d),
        "_shop_key": r.key,
    }


# --------------------------------------------------------------------------- predicates


def new_orders(world: World, p: Params, base: Baseline) -> tuple[Order, ...]:
    """Orders of the task's app placed after setup (newest first)."""
    food = world.food(app_of(p).package)
    known = set(base.known)
    return tuple(o for o in food.orders if o.id not in known)


def has_dish(o: Order, dish_ids: tuple[str, ...]) -> bool:
    return any(line.dish_id in dish_ids for line in o.lines)


OrderCheck = Callable[[Order, World, Params, Baseline], Hit]


def _target_ids(p: Params) -> tuple[str, ...]:
    return tuple(p.s("_dish_id").split(","))


def as_ordered(o: Order, p: Params) -> Hit:
    """The order holds only the task's dish(es) and, where the goal gives a count
    (``qty``), that many of it: "order 1 × Kung Pao Chicken" is not met by seven of them, or
    by one and a drink."""
    ids = _target_ids(p)
    others = sorted({line.dish_id for line in o.lines if line.dish_id not in ids})
    if others:
        return hit(False, f"order {o.id} also holds {', '.join(others)}")
    if "qty" in p:
        got = sum(line.qty for line in o.lines if line.dish_id in ids)
        if got != p.i("qty"):
            return hit(False, f"order {o.id} holds {got} × {ids[0]}, the goal {p.i('qty')}")
    return hit(True, f"order {o.id} as ordered")


def order_milestones(extra: OrderCheck | None = None) -> tuple[Milestone, ...]:
    """in the cart -> an order placed -> (its extra condition) -> paid."""

    def carted(w: World, p: Params, b: Baseline) -> Hit:
        ids = _target_ids(p)
        cart = w.food(app_of(p).package).cart
        if any(line.dish_id in ids for line in cart.lines):
            return hit(True, f"{ids[0]} in the cart")
        placed = [o for o in new_orders(w, p, b) if has_dish(o, ids)]
        return hit(bool(placed), "ordered" if placed else f"{ids[0]} not in the cart")

    def placed(w: World, p: Params, b: Baseline) -> Hit:
        ids = _target_ids(p)
        got = [
            o
            for o in new_orders(w, p, b)
            if has_dish(o, ids) and o.status != "cancelled" and as_ordered(o, p)[0]
        ]
        return hit(bool(got), f"order {got[0].id} placed" if got else "no new order as asked")

    def paid(w: World, p: Params, b: Baseline) -> Hit:
        ids = _target_ids(p)
        got = [
            o
            for o in new_orders(w, p, b)
            if has_dish(o, ids) and o.paid and o.status != "cancelled" and as_ordered(o, p)[0]
        ]
        return hit(bool(got), f"order {got[0].id} paid" if got else "no paid order as asked")

    ms = [
        Milestone(name="in_cart", weight=0.3, check=carted),
        Milestone(name="ordered", weight=0.3, check=placed),
    ]
    if extra is not None:

        def cond(w: World, p: Params, b: Baseline) -> Hit:
            ids = _target_ids(p)
            for o in new_orders(w, p, b):
                if has_dish(o, ids) and o.status != "cancelled":
                    ok, why = extra(o, w, p, b)
                    if ok:
                        return hit(True, why)
            return hit(False, "no new order meets the condition")

        ms.append(Milestone(name="as_asked", weight=0.2, check=cond))
        ms.append(Milestone(name="paid", weight=0.2, check=paid))
    else:
        ms.append(Milestone(name="paid", weight=0.4, check=paid))
    return tuple(ms)


def order_success(extra: OrderCheck | None = None) -> Callable[[World, Params, Baseline], Hit]:
    def check(w: World, p: Params, b: Baseline) -> Hit:
        ids = _target_ids(p)
        wrong = ""
        for o in new_orders(w, p, b):
            if not (has_dish(o, ids) and o.paid and o.status != "cancelled"):
                continue
            ok, why = as_ordered(o, p)
            if not ok:
                wrong = wrong or f" ({why})"
                continue
            if extra is None:
                return hit(True, f"order {o.id} for {ids[0]} paid ({format_money(o.total)})")
            ok, why = extra(o, w, p, b)
            if ok:
                return hit(True, f"order {o.id} paid; {why}")
        return hit(False, f"no paid order with {ids[0]} as asked{wrong}")

    return check


def right_food_payment(w: World, p: Params, b: Baseline, txn: object) -> bool:
    """A payment for one of the new orders that holds the target dish."""
    ref = getattr(txn, "order_ref", None)
    return any(o.id == ref for o in new_orders(w, p, b) if has_dish(o, _target_ids(p)))


# --------------------------------------------------------------------------- oracle steps


def open_app(d: Driver, app: FoodApp) -> None:
    d.open(app.name.get(d.lang))


def open_shop(d: Driver, app: FoodApp, shop: str) -> None:
    open_app(d, app)
    d.tap(shop, rid="restaurant", prefix=True, within="restaurant_list")


def add_dish(
    d: Driver, app: FoodApp, p: Params, *, qty: int = 1, picks: tuple[str, ...] = ()
) -> None:
    """On a restaurant's menu: open the dish, pick options, set the quantity, add it."""
    if app.layout == "b":
        d.tab_showing(
            p.t("dish", d.lang), rid="dish", tabs="menu_tabs", fallback=p.t("_section", d.lang)
        )
    d.tap(p.t("dish", d.lang), rid="dish", prefix=True, within="menu")
    for rid in picks:
        d.select(rid=rid)
    for _ in range(qty - 1):
        d.tap(rid="qty_plus")
    if d.has(rid="add_to_cart"):
        d.tap(rid="add_to_cart")
    else:
        d.tap(rid="android:id/button1")


def checkout(d: Driver) -> None:
    d.tap(rid="go_cart")
    d.tap(rid="checkout")


def submit_and_pay(d: Driver, pin: str, code_from: Callable[[Driver], str] | None = None) -> None:
    d.tap(rid="submit_order")
    d.pay(pin, code_from=code_from)


def open_orders(d: Driver, app: FoodApp) -> None:
    open_app(d, app)
    d.tap(app.orders_tab.get(d.lang), exact=True)


def set_address(d: Driver, line: str, label: str) -> None:
    """On checkout: a new address, typed and chosen."""
    d.tap(rid="address")
    d.tap(rid="add_address")
    d.type(line, rid="street")
    d.type(label, rid="label")
    d.tap(rid="save_address")
    if d.has(rid="add_address"):  # the address book stays open: choose the new one
        d.tap(line[:20])


def set_note(d: Driver, app: FoodApp, note: str) -> None:
    if app.layout == "a":
        d.type(note, rid="note")
    else:
        d.tap(rid="note_row")
        d.type(note, rid="note")
        d.tap(rid="save_note")


def params(mapping: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    return dict(mapping)
