"""The seeded start of a food app: the owner's address book and a short order history.

- Addresses (the same in both food apps, one phone owner): ``addr-1`` "Home" (a residential
  address in the owner's home city, chosen by default) and ``addr-2`` "Work".
- Orders: two delivered orders, placed one and three days before the phone's clock, paid
  through the wallet (``payment_ref`` ``T`` + 10 digits). The newest is "the last order".
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from droidpilot.device.sim.apps.food.domain import Address, Order, OrderLine
from droidpilot.device.sim.apps.geo import city, make_address
from droidpilot.device.sim.apps.world import Text, owner_for, sub_rng

if TYPE_CHECKING:
    from droidpilot.device.sim.apps.food.model import FoodAppModel

__all__ = ["seed_addresses", "seed_orders"]


def seed_addresses(seed: int) -> tuple[Address, ...]:
    owner = owner_for(seed)
    rng = sub_rng(seed, "food", "addresses")
    home_city = city(owner.home_city)
    return (
        Address(id="addr-1", label=Text("Home", "家"), recipient=owner.name, phone=owner.phone,
                line=make_address(rng, home_city, residential=True)),
        Address(id="addr-2", label=Text("Work", "公司"), recipient=owner.name, phone=owner.phone,
                line=make_address(rng, home_city)),
    )  # fmt: skip


def seed_orders(model: FoodAppModel, seed: int, now: dt.datetime) -> tuple[Order, ...]:
    rng = sub_rng(seed, "food", model.catalog.app, "history")
    shops = rng.sample(list(model.catalog.restaurants), 2)
    out: list[Order] = []
    for days, shop in zip((1, 3), shops, strict=True):
        dishes = [model.dish(d) for d in shop.dish_ids]
        dishes = [d for d in dishes if not d.sold_out and d.key != "steamed-rice"]
        rng.shuffle(dishes)
        lines: list[OrderLine] = []
        for dish in dishes:
            choices = dish.default_choices()
            lines.append(OrderLine(
                dish_id=dish.id, name=dish.name, qty=rng.choice((1, 1, 2)), choices=choices,
                choice_names=dish.choice_names(choices), unit_price=dish.unit_price(choices),
            ))  # fmt: skip
            subtotal = sum(line.total for line in lines)
            if subtotal >= shop.min_order and (len(lines) >= 2 or rng.random() < 0.5):
                break
        subtotal = sum(line.total for line in lines)
        placed = now - dt.timedelta(days=days, seconds=rng.randrange(3600, 6 * 3600))
        address = model.addresses[0]
        out.append(Order(
            id=model.new_order_id(), app=model.package, restaurant=shop.key,
            restaurant_name=shop.name, lines=tuple(lines), subtotal=subtotal,
            delivery_fee=shop.delivery_fee, discount=0, total=subtotal + shop.delivery_fee,
            coupon_id=None, address=address, slot=None, note="", status="delivered",
            placed_at=placed, paid_at=placed + dt.timedelta(seconds=30),
            eta_at=placed + dt.timedelta(seconds=30, minutes=shop.delivery_minutes),
            payment_ref=f"T{rng.randrange(10**9, 10**10)}",
        ))  # fmt: skip
    return tuple(out)
