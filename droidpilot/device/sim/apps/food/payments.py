"""Operations across a food app and the wallet: paying, cancelling with a refund, and the
setup helper tasks use to start from an order that already exists.

Pages reach the wallet through the ``"pay"`` intent; these functions are the same business
steps without a screen (the pay page's result handler and the cancel button call them too).
"""

from __future__ import annotations

import datetime as dt

from droidpilot.device.sim.apps.food.domain import Choice, Order
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.wallet.model import WalletModel
from droidpilot.device.sim.apps.world import Text
from droidpilot.errors import ValidationError

__all__ = ["APP_NAMES", "cancel_with_refund", "merchant_for", "place_paid_order"]

APP_NAMES: dict[str, Text] = {
    "com.droidpilot.foodgo": Text("FoodGo", "饭来了"),
    "com.droidpilot.meals": Text("MealDash", "美食达"),
}


def merchant_for(order: Order) -> Text:
    """How a food order's payment reads in the wallet: ``FoodGo · Chengdu Taste``."""
    app = APP_NAMES.get(order.app, Text.same(order.app))
    return Text(f"{app.en} · {order.restaurant_name.en}", f"{app.zh}·{order.restaurant_name.zh}")


def cancel_with_refund(
    food: FoodAppModel, wallet: WalletModel | None, order_id: str, now: dt.datetime
) -> Order | None:
    """Cancel an order and, if it was paid, refund the whole total to the wallet."""
    order = food.cancel_order(order_id, now)
    if order is None:
        return None
    if order.payment_ref is not None and wallet is not None:
        txn = wallet.refund(order.id, order.total, now)
        if txn is not None:
            order = food.record_refund(order.id, txn.amount)
    return order


def place_paid_order(
    food: FoodAppModel, wallet: WalletModel, dish_id: str, now: dt.datetime, *,
    qty: int = 1, choices: tuple[Choice, ...] | None = None, paid: bool = True,
) -> Order:  # fmt: skip
    """Task setup: order ``dish_id`` (raising the quantity to meet the minimum order) and,
    with ``paid``, pay for it from the wallet without the PIN screen."""
    food.clear_cart()
    if food.add_to_cart(dish_id, qty, choices) != "added":
        raise ValidationError(f"cannot order {dish_id!r}: sold out")
    while (q := food.quote()) is not None and not q.meets_minimum:
        food.set_qty(0, food.cart.lines[0].qty + 1)
    result = food.checkout(now)
    if result.order is None:
        raise ValidationError(f"cannot order {dish_id!r}: {result.problem}")
    order = result.order
    if not paid:
        return order
    req = wallet.create_request(merchant=merchant_for(order), amount=order.total,
                                order_ref=order.id, caller=food.package, now=now)  # fmt: skip
    outcome = wallet.authorise(req.id, wallet.pin, now)
    if outcome.outcome == "need_code":
        outcome = wallet.confirm_code(req.id, wallet.pending_code(req.id) or "", now)
    if outcome.transaction is None:
        raise ValidationError(f"cannot pay for {order.id}: {outcome.outcome}")
    return food.mark_paid(order.id, outcome.transaction.id, now)
