"""The food domain's value types: restaurants, dishes and options, coupons, addresses,
cart lines, checkout quotes and orders.

All frozen and :class:`Static` (snapshots share them); the mutable app model (:mod:`.model`)
swaps whole values. Money is integer cents (fen).
A dish's id is ``"<restaurant key>/<dish key>"`` (``"chengdu-taste/mapo-tofu"``), the same in
both food apps and both languages, so tasks can compare apps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from droidpilot.device.sim.app import Static
from droidpilot.device.sim.apps.world import Text
from droidpilot.errors import ValidationError

__all__ = [
    "CANCELLABLE",
    "Address",
    "CartLine",
    "Choice",
    "Coupon",
    "Dish",
    "MenuSection",
    "OptionChoice",
    "OptionGroup",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Quote",
    "Restaurant",
]

#: ``(group key, choice key)``, e.g. ``("spice", "hot")``.
Choice = tuple[str, str]

_NO_TEXT = Text("", "")

OrderStatus = Literal["placed", "paid", "preparing", "delivering", "delivered", "cancelled"]
#: Statuses from which an order can still be cancelled.
CANCELLABLE: frozenset[str] = frozenset({"placed", "paid", "preparing"})


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionChoice(Static):
    key: str
    name: Text
    delta: int = 0  # price change in cents


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionGroup(Static):
    """One option of a dish: single choice (size, spice) or several (add-ons)."""

    key: str
    name: Text
    choices: tuple[OptionChoice, ...]
    multi: bool = False
    required: bool = True  # single-choice groups always have one picked (the first by default)
    max_picks: int = 1

    def choice(self, key: str) -> OptionChoice:
        for c in self.choices:
            if c.key == key:
                return c
        raise ValidationError(f"option {self.key!r} has no choice {key!r}")

    def find(self, label: str) -> OptionChoice | None:
        """The choice whose key or name (either language) is ``label``."""
        for c in self.choices:
            if c.key == label or c.name.equals(label):
                return c
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Dish(Static):
    id: str  # "<restaurant>/<dish key>"
    key: str
    restaurant: str
    name: Text
    section: str
    price: int
    description: Text
    options: tuple[OptionGroup, ...] = ()
    sold_out: bool = False

    def group(self, key: str) -> OptionGroup:
        for g in self.options:
            if g.key == key:
                return g
        raise ValidationError(f"dish {self.id!r} has no option {key!r}")

    def default_choices(self) -> tuple[Choice, ...]:
        return tuple((g.key, g.choices[0].key) for g in self.options if not g.multi and g.required)

    def normalise_choices(self, choices: tuple[Choice, ...] | None) -> tuple[Choice, ...]:
        """Check ``choices`` against the dish's options and fill in single-choice defaults.

        The result is in option order (then choice order), so equal selections compare equal.
        """
        picked: dict[str, list[str]] = {}
        for gkey, ckey in choices or ():
            g = self.group(gkey)
            g.choice(ckey)
            keys = picked.setdefault(gkey, [])
            if not g.multi:
                keys.clear()
            if ckey not in keys:
                keys.append(ckey)
            if len(keys) > g.max_picks:
                raise ValidationError(f"option {gkey!r} of {self.id!r}: at most {g.max_picks}")
        out: list[Choice] = []
        for g in self.options:
            keys = picked.get(g.key, [])
            if not keys and not g.multi and g.required:
                keys = [g.choices[0].key]
            out.extend((g.key, c.key) for c in g.choices if c.key in keys)
        return tuple(out)

    def unit_price(self, choices: tuple[Choice, ...]) -> int:
        return self.price + sum(self.group(g).choice(c).delta for g, c in choices)

    def choice_names(self, choices: tuple[Choice, ...]) -> tuple[Text, ...]:
        return tuple(self.group(g).choice(c).name for g, c in choices)


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuSection(Static):
    key: str
    name: Text
    dishes: tuple[str, ...]  # dish ids, in menu order


@dataclass(frozen=True, slots=True, kw_only=True)
class Restaurant(Static):
    key: str
    name: Text
    cuisine: str
    cuisine_name: Text
    rating: float  # 3.5 .. 5.0, one decimal
    delivery_minutes: int
    delivery_fee: int
    min_order: int
    distance_m: int
    sections: tuple[MenuSection, ...]
    monthly_sales: int = 0
    notice: Text = _NO_TEXT

    @property
    def dish_ids(self) -> tuple[str, ...]:
        return tuple(d for s in self.sections for d in s.dishes)


@dataclass(frozen=True, slots=True, kw_only=True)
class Coupon(Static):
    """``discount`` off an order whose subtotal reaches ``threshold`` (one restaurant or any)."""

    id: str
    title: Text
    threshold: int
    discount: int
    restaurant: str | None = None
    used: bool = False

    def applies(self, restaurant: str, subtotal: int) -> bool:
        return (
            not self.used
            and subtotal >= self.threshold
            and (self.restaurant is None or self.restaurant == restaurant)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Address(Static):
    id: str
    label: Text  # Home / Work / a label the user typed
    recipient: Text
    phone: str
    line: Text  # the street address

    def matches(self, query: str) -> bool:
        return self.line.matches(query) or self.label.equals(query)


@dataclass(frozen=True, slots=True, kw_only=True)
class CartLine(Static):
    dish_id: str
    name: Text
    qty: int
    choices: tuple[Choice, ...]
    choice_names: tuple[Text, ...]
    unit_price: int

    @property
    def total(self) -> int:
        return self.qty * self.unit_price


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote(Static):
    """Checkout totals: ``total = subtotal + delivery_fee - discount`` (never below zero)."""

    subtotal: int
    delivery_fee: int
    discount: int
    total: int
    min_order: int
    coupon_id: str | None = None

    @property
    def meets_minimum(self) -> bool:
        return self.subtotal >= self.min_order

    @property
    def shortfall(self) -> int:
        return max(0, self.min_order - self.subtotal)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine(Static):
    dish_id: str
    name: Text
    qty: int
    choices: tuple[Choice, ...]
    choice_names: tuple[Text, ...]
    unit_price: int

    @property
    def total(self) -> int:
        return self.qty * self.unit_price


@dataclass(frozen=True, slots=True, kw_only=True)
class Order(Static):
    id: str
    app: str  # the package that took the order
    restaurant: str
    restaurant_name: Text
    lines: tuple[OrderLine, ...]
    subtotal: int
    delivery_fee: int
    discount: int
    total: int
    coupon_id: str | None
    address: Address
    slot: dt.datetime | None  # the scheduled delivery time; None = as soon as possible
    note: str
    status: OrderStatus
    placed_at: dt.datetime  # the phone's clock
    eta_at: dt.datetime  # expected delivery time
    paid_at: dt.datetime | None = None
    payment_ref: str | None = None  # the wallet transaction id
    cancelled_at: dt.datetime | None = None
    refunded: int = 0  # cents returned to the wallet

    @property
    def paid(self) -> bool:
        return self.payment_ref is not None

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def items(self) -> int:
        return sum(line.qty for line in self.lines)
