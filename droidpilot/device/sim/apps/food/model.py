"""The mutable state of one food app, its business rules, and the task-facing read API.

A :class:`FoodAppModel` wraps an immutable :class:`FoodCatalog` with what a user changes:
the cart (one restaurant at a time), the applied coupon, the address book, the delivery
slot, the note, and the orders. Pages call its methods; tasks read its properties (all
frozen values) or take a :meth:`FoodAppModel.snapshot`. Setup hooks (``set_sold_out``,
``inject_dish_text``, ``add_coupon``...) let a task shape the start state.

Clock: methods that need the time take ``now`` (the phone's clock, a ``datetime``).
Orders move ``placed`` (awaiting payment) -> ``paid`` -> ``preparing`` (2 minutes after
payment) -> ``delivering`` (15 minutes before the ETA) -> ``delivered`` (at the ETA) as
:meth:`advance` is called; ``cancelled`` from placed/paid/preparing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.food.domain import (
    Address,
    CartLine,
    Choice,
    Coupon,
    Dish,
    MenuSection,
    Order,
    OrderLine,
    Quote,
    Restaurant,
)
from droidpilot.device.sim.apps.food.generate import FoodCatalog
from droidpilot.device.sim.apps.food.history import seed_addresses, seed_orders
from droidpilot.device.sim.apps.world import Text, sub_rng
from droidpilot.errors import ValidationError

__all__ = [
    "AddOutcome",
    "Cart",
    "CheckoutResult",
    "FoodAppModel",
    "FoodSnapshot",
    "ReorderResult",
    "best_coupon",
    "make_quote",
]

logger = logging.getLogger(__name__)

AddOutcome = Literal["added", "sold_out", "other_restaurant"]
CheckoutProblem = Literal["empty", "below_minimum", "no_address", "sold_out"]
NOTE_MAX = 100
MAX_QTY = 99
PREP_DELAY = dt.timedelta(minutes=2)
DELIVERING_BEFORE = dt.timedelta(minutes=15)
SLOT_STEP_MIN = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Cart(Static):
    restaurant: str | None
    lines: tuple[CartLine, ...]

    @property
    def count(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutResult(Static):
    order: Order | None = None
    problem: CheckoutProblem | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReorderResult(Static):
    added: int  # cart lines added
    skipped: tuple[Text, ...] = ()  # dishes no longer available (sold out / gone)


@dataclass(frozen=True, slots=True, kw_only=True)
class FoodSnapshot(Static):
    """Everything a task checks, frozen at one moment."""

    package: str
    cart: Cart
    quote: Quote | None
    coupon: Coupon | None  # the applied coupon
    coupons: tuple[Coupon, ...]
    addresses: tuple[Address, ...]
    selected_address: Address | None
    slot: dt.datetime | None
    note: str
    orders: tuple[Order, ...]  # newest first


def _minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def best_coupon(coupons: tuple[Coupon, ...], restaurant: str, subtotal: int) -> Coupon | None:
    """The applicable coupon with the largest discount (ties: lower threshold, then id)."""
    usable = [c for c in coupons if c.applies(restaurant, subtotal)]
    if not usable:
        return None
    return min(usable, key=lambda c: (-c.discount, c.threshold, c.id))


def make_quote(restaurant: Restaurant, lines: tuple[CartLine, ...], coupon: Coupon | None) -> Quote:
    subtotal = sum(line.total for line in lines)
    discount = 0
    if coupon is not None and coupon.applies(restaurant.key, subtotal):
        discount = coupon.discount
    total = max(0, subtotal + restaurant.delivery_fee - discount)
    return Quote(
        subtotal=subtotal,
        delivery_fee=restaurant.delivery_fee,
        discount=discount,
        total=total,
        min_order=restaurant.min_order,
        coupon_id=coupon.id if coupon is not None and discount else None,
    )


class FoodAppModel(Model):
    """One food app's state over its catalog. Mutations are the app's actions."""

    def __init__(self, catalog: FoodCatalog, *, seed: int, now: dt.datetime) -> None:
        self.catalog = catalog
        self.package = catalog.package
        self._rng = sub_rng(seed, "food", catalog.app, "runtime")
        self._prefix = "FG" if catalog.app == "foodgo" else "MD"
        self._sold_out: dict[str, bool] = {}
        self._descriptions: dict[str, Text] = {}
        self._notices: dict[str, Text] = {}
        self._coupons: list[Coupon] = list(catalog.coupons)
        self._addresses: list[Address] = list(seed_addresses(seed))
        self._selected: str | None = self._addresses[0].id if self._addresses else None
        self._next_address = len(self._addresses) + 1
        self._cart_restaurant: str | None = None
        self._cart: list[CartLine] = []
        self._coupon_id: str | None = None
        self._slot: dt.datetime | None = None
        self._note = ""
        self._orders: list[Order] = list(seed_orders(self, seed, now))

    # ------------------------------------------------------------------ catalog reads

    @property
    def restaurants(self) -> tuple[Restaurant, ...]:
        return tuple(self.restaurant(r.key) for r in self.catalog.restaurants)

    def restaurant(self, key: str) -> Restaurant:
        r = self.catalog.restaurant(key)
        notice = self._notices.get(key)
        return r if notice is None else dataclasses.replace(r, notice=notice)

    def dish(self, dish_id: str) -> Dish:
        d = self.catalog.dish(dish_id)
        changes: dict[str, object] = {}
        if dish_id in self._sold_out:
            changes["sold_out"] = self._sold_out[dish_id]
        if dish_id in self._descriptions:
            changes["description"] = self._descriptions[dish_id]
        return dataclasses.replace(d, **changes) if changes else d  # type: ignore[arg-type]

    @property
    def dishes(self) -> tuple[Dish, ...]:
        """Every dish as the menus show it (a read hook: over adb, the simulated content
        provider serves it as ``content://<package>/dishes``)."""
        return tuple(self.dish(d) for r in self.catalog.restaurants for d in r.dish_ids)

    def menu(self, restaurant: str) -> tuple[tuple[MenuSection, tuple[Dish, ...]], ...]:
        r = self.catalog.restaurant(restaurant)
        return tuple((s, tuple(self.dish(d) for d in s.dishes)) for s in r.sections)

    def find_dishes(self, name: str) -> tuple[Dish, ...]:
        """Dishes named exactly ``name`` (either language), in listing order."""
        return tuple(
            self.dish(d)
            for r in self.catalog.restaurants
            for d in r.dish_ids
            if self.catalog.dish(d).name.equals(name)
        )

    def search(self, query: str) -> tuple[Restaurant, ...]:
        """Restaurants whose name, cuisine or any dish name contains ``query``."""
        if not query.strip():
            return self.restaurants
        out = []
        for r in self.restaurants:
            if (
                r.name.matches(query)
                or r.cuisine_name.matches(query)
                or any(self.catalog.dish(d).name.matches(query) for d in r.dish_ids)
            ):
                out.append(r)
        return tuple(out)

    # ------------------------------------------------------------------ cart

    @property
    def cart(self) -> Cart:
        return Cart(restaurant=self._cart_restaurant, lines=tuple(self._cart))

    def add_to_cart(
        self, dish_id: str, qty: int = 1, choices: tuple[Choice, ...] | None = None
    ) -> AddOutcome:
        """Add ``qty`` of a dish; same dish and options merge into one line."""
        if not 1 <= qty <= MAX_QTY:
            raise ValidationError(f"quantity must be 1..{MAX_QTY}, got {qty}")
        dish = self.dish(dish_id)
        if dish.sold_out:
            return "sold_out"
        if self._cart and self._cart_restaurant != dish.restaurant:
            return "other_restaurant"
        picked = dish.normalise_choices(choices)
        self._cart_restaurant = dish.restaurant
        for i, line in enumerate(self._cart):
            if line.dish_id == dish_id and line.choices == picked:
                self._cart[i] = dataclasses.replace(line, qty=min(MAX_QTY, line.qty + qty))
                break
        else:
            self._cart.append(CartLine(
                dish_id=dish_id, name=dish.name, qty=qty, choices=picked,
                choice_names=dish.choice_names(picked), unit_price=dish.unit_price(picked),
            ))  # fmt: skip
        self._cart_changed()
        return "added"

    def set_qty(self, index: int, qty: int) -> None:
        """Set a cart line's quantity; 0 removes the line."""
        if not 0 <= index < len(self._cart):
            raise ValidationError(f"no cart line {index}")
        if qty <= 0:
            del self._cart[index]
        else:
            self._cart[index] = dataclasses.replace(self._cart[index], qty=min(MAX_QTY, qty))
        self._cart_changed()

    def clear_cart(self) -> None:
        self._cart.clear()
        self._cart_changed()

    def _cart_changed(self) -> None:
        if not self._cart:
            self._cart_restaurant = None
        coupon = self.coupon
        if self._coupon_id is not None and coupon is None:
            self._coupon_id = None

    # ------------------------------------------------------------------ coupons and totals

    @property
    def coupons(self) -> tuple[Coupon, ...]:
        return tuple(self._coupons)

    def usable_coupons(self) -> tuple[Coupon, ...]:
        if self._cart_restaurant is None:
            return ()
        sub = self.cart.subtotal
        return tuple(c for c in self._coupons if c.applies(self._cart_restaurant, sub))

    def best_coupon(self) -> Coupon | None:
        if self._cart_restaurant is None:
            return None
        return best_coupon(self.coupons, self._cart_restaurant, self.cart.subtotal)

    @property
    def coupon(self) -> Coupon | None:
        """The applied coupon, while it still applies to the cart."""
        if self._coupon_id is None or self._cart_restaurant is None:
            return None
        for c in self._coupons:
            if c.id == self._coupon_id and c.applies(self._cart_restaurant, self.cart.subtotal):
                return c
        return None

    def apply_coupon(self, coupon_id: str | None) -> bool:
        """Apply a coupon (``None`` removes it); False if it does not apply to the cart."""
        if coupon_id is None:
            self._coupon_id = None
            return True
        if any(c.id == coupon_id for c in self.usable_coupons()):
            self._coupon_id = coupon_id
            return True
        return False

    def quote(self) -> Quote | None:
        if self._cart_restaurant is None:
            return None
        return make_quote(self.restaurant(self._cart_restaurant), tuple(self._cart), self.coupon)

    # ------------------------------------------------------------------ addresses, slot, note

    @property
    def addresses(self) -> tuple[Address, ...]:
        return tuple(self._addresses)

    @property
    def selected_address(self) -> Address | None:
        return next((a for a in self._addresses if a.id == self._selected), None)

    def address(self, address_id: str) -> Address:
        for a in self._addresses:
            if a.id == address_id:
                return a
        raise ValidationError(f"no address {address_id!r}")

    def add_address(
        self, line: str, *, label: str = "", recipient: str = "", phone: str = "",
        select: bool = True,
    ) -> Address:  # fmt: skip
        """Add an address the user typed (and choose it, by default)."""
        if not line.strip():
            raise ValidationError("an address needs a street address")
        owner = self._addresses[0] if self._addresses else None
        addr = Address(
            id=f"addr-{self._next_address}",
            label=Text.same(label.strip()) if label.strip() else Text("Other", "其他"),
            recipient=Text.same(recipient.strip()) if recipient.strip() else (
                owner.recipient if owner else Text("Me", "我")),
            phone=phone.strip() or (owner.phone if owner else ""),
            line=Text.same(line.strip()),
        )  # fmt: skip
        self._next_address += 1
        self._addresses.append(addr)
        if select:
            self._selected = addr.id
        return addr

    def edit_address(
        self, address_id: str, *, line: str | None = None, label: str | None = None,
        recipient: str | None = None, phone: str | None = None,
    ) -> Address:  # fmt: skip
        old = self.address(address_id)
        new = dataclasses.replace(
            old,
            line=Text.same(line.strip()) if line and line.strip() else old.line,
            label=Text.same(label.strip()) if label and label.strip() else old.label,
            recipient=Text.same(recipient.strip()) if recipient and recipient.strip()
            else old.recipient,
            phone=phone.strip() if phone and phone.strip() else old.phone,
        )  # fmt: skip
        self._addresses[self._addresses.index(old)] = new
        return new

    def remove_address(self, address_id: str) -> None:
        self._addresses.remove(self.address(address_id))
        if self._selected == address_id:
            self._selected = self._addresses[0].id if self._addresses else None

    def choose_address(self, address_id: str) -> Address:
        addr = self.address(address_id)
        self._selected = addr.id
        return addr

    @staticmethod
    def delivery_slots(now: dt.datetime, count: int = 6) -> tuple[dt.datetime, ...]:
        """Scheduled delivery times on offer: six half-hour marks, the first 30-60 min away."""
        base = now.replace(minute=0, second=0, microsecond=0)
        base += dt.timedelta(minutes=SLOT_STEP_MIN * (now.minute // SLOT_STEP_MIN + 2))
        return tuple(base + dt.timedelta(minutes=SLOT_STEP_MIN * i) for i in range(count))

    @property
    def slot(self) -> dt.datetime | None:
        """The chosen delivery time, or None for as soon as possible."""
        return self._slot

    def set_slot(self, slot: dt.datetime | None) -> None:
        self._slot = slot

    @property
    def note(self) -> str:
        return self._note

    def set_note(self, note: str) -> None:
        self._note = note.strip()[:NOTE_MAX]

    # ------------------------------------------------------------------ orders

    @property
    def orders(self) -> tuple[Order, ...]:
        """All orders, newest first."""
        return tuple(self._orders)

    @property
    def last_order(self) -> Order | None:
        return self._orders[0] if self._orders else None

    def order(self, order_id: str) -> Order:
        for o in self._orders:
            if o.id == order_id:
                return o
        raise ValidationError(f"no order {order_id!r}")

    def new_order_id(self) -> str:
        return f"{self._prefix}{self._rng.randrange(10**9, 10**10)}"

    def checkout(self, now: dt.datetime) -> CheckoutResult:
        """Turn the cart into an order awaiting payment; the cart, coupon, note and slot reset."""
        quote = self.quote()
        if quote is None or self._cart_restaurant is None:
            return CheckoutResult(problem="empty")
        if not quote.meets_minimum:
            return CheckoutResult(problem="below_minimum")
        address = self.selected_address
        if address is None:
            return CheckoutResult(problem="no_address")
        if any(self.dish(line.dish_id).sold_out for line in self._cart):
            return CheckoutResult(problem="sold_out")
        shop = self.restaurant(self._cart_restaurant)
        eta = self._slot if self._slot is not None else now + _minutes(shop.delivery_minutes)
        order = Order(
            id=self.new_order_id(), app=self.package, restaurant=shop.key,
            restaurant_name=shop.name, lines=tuple(OrderLine(
                dish_id=c.dish_id, name=c.name, qty=c.qty, choices=c.choices,
                choice_names=c.choice_names, unit_price=c.unit_price) for c in self._cart),
            subtotal=quote.subtotal, delivery_fee=quote.delivery_fee, discount=quote.discount,
            total=quote.total, coupon_id=quote.coupon_id, address=address, slot=self._slot,
            note=self._note, status="placed", placed_at=now, eta_at=eta,
        )  # fmt: skip
        if quote.coupon_id is not None:
            self._set_coupon_used(quote.coupon_id, True)
        self._orders.insert(0, order)
        self._cart.clear()
        self._cart_restaurant = None
        self._coupon_id = None
        self._note = ""
        self._slot = None
        logger.debug("%s: order %s placed, total %d", self.package, order.id, order.total)
        return CheckoutResult(order=order)

    def _replace_order(self, new: Order) -> Order:
        i = next(i for i, o in enumerate(self._orders) if o.id == new.id)
        self._orders[i] = new
        return new

    def _set_coupon_used(self, coupon_id: str, used: bool) -> None:
        for i, c in enumerate(self._coupons):
            if c.id == coupon_id:
                self._coupons[i] = dataclasses.replace(c, used=used)

    def mark_paid(self, order_id: str, payment_ref: str, now: dt.datetime) -> Order:
        """Record the wallet's payment for an order awaiting payment."""
        order = self.order(order_id)
        if order.status != "placed":
            raise ValidationError(f"order {order_id} is {order.status}, not awaiting payment")
        shop = self.catalog.restaurant(order.restaurant)
        eta = order.slot if order.slot is not None else now + _minutes(shop.delivery_minutes)
        return self._replace_order(dataclasses.replace(
            order, status="paid", paid_at=now, payment_ref=payment_ref, eta_at=eta))  # fmt: skip

    def cancel_order(self, order_id: str, now: dt.datetime) -> Order | None:
        """Cancel an order (None if it can no longer be cancelled); its coupon comes back.

        The refund of a paid order is the caller's business (see :mod:`.payments`), recorded
        here with :meth:`record_refund`.
        """
        order = self.order(order_id)
        if not order.cancellable:
            return None
        if order.coupon_id is not None:
            self._set_coupon_used(order.coupon_id, False)
        return self._replace_order(dataclasses.replace(order, status="cancelled", cancelled_at=now))

    def record_refund(self, order_id: str, amount: int) -> Order:
        order = self.order(order_id)
        return self._replace_order(dataclasses.replace(order, refunded=order.refunded + amount))

    def reorder(self, order_id: str | None = None) -> ReorderResult:
        """Put an order's dishes (default: the last order's) into a fresh cart."""
        order = self.order(order_id) if order_id is not None else self.last_order
        if order is None:
            return ReorderResult(added=0)
        self.clear_cart()
        added, skipped = 0, []
        for line in order.lines:
            if not self.catalog.has_dish(line.dish_id):
                skipped.append(line.name)
            elif self.add_to_cart(line.dish_id, line.qty, line.choices) == "added":
                added += 1
            else:
                skipped.append(line.name)
        return ReorderResult(added=added, skipped=tuple(skipped))

    def advance(self, now: dt.datetime) -> None:
        """Move paid orders along with the clock."""
        for order in list(self._orders):
            status = order.status
            if status not in ("paid", "preparing", "delivering") or order.paid_at is None:
                continue
            if now >= order.eta_at:
                status = "delivered"
            elif now >= order.eta_at - DELIVERING_BEFORE and now >= order.paid_at + PREP_DELAY:
                status = "delivering"
            elif now >= order.paid_at + PREP_DELAY:
                status = "preparing"
            if status != order.status:
                self._replace_order(dataclasses.replace(order, status=status))

    # ------------------------------------------------------------------ setup hooks for tasks

    def set_sold_out(self, dish_id: str, sold_out: bool = True) -> None:
        self.catalog.dish(dish_id)
        self._sold_out[dish_id] = sold_out

    def inject_dish_text(self, dish_id: str, text: str | Text, *, replace: bool = False) -> None:
        """Put (adversarial) text into a dish's description, appended unless ``replace``."""
        extra = Text.same(text) if isinstance(text, str) else text
        base = self.dish(dish_id).description
        self._descriptions[dish_id] = extra if replace else Text(
            f"{base.en} {extra.en}".strip(), f"{base.zh}{extra.zh}")  # fmt: skip

    def set_notice(self, restaurant: str, text: str | Text) -> None:
        """A restaurant banner (another place for injected text)."""
        self.catalog.restaurant(restaurant)
        self._notices[restaurant] = Text.same(text) if isinstance(text, str) else text

    def add_coupon(self, coupon: Coupon) -> None:
        self._coupons = [c for c in self._coupons if c.id != coupon.id] + [coupon]

    def insert_order(self, order: Order) -> None:
        """Put a ready-made order into the history (newest first, by placed time)."""
        self._orders.append(order)
        self._orders.sort(key=lambda o: o.placed_at, reverse=True)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> FoodSnapshot:
        return FoodSnapshot(
            package=self.package, cart=self.cart, quote=self.quote(), coupon=self.coupon,
            coupons=self.coupons, addresses=self.addresses,
            selected_address=self.selected_address, slot=self._slot, note=self._note,
            orders=self.orders,
        )  # fmt: skip
