"""What the two food apps' pages share: the :class:`Skin` (name, layout, wording) and helpers.

FoodGo (layout ``"a"``) and MealDash (layout ``"b"``) run the same pages over the same
model; the skin decides the words on every button and the structure where the apps differ
(FoodGo: category chips, an options dialog, the note on the checkout page; MealDash: a
search page, sort and cuisine spinners, menu tabs, a full-screen customise page, a note page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from droidpilot.device.sim.app import Ctx, Static
from droidpilot.device.sim.apps.food.domain import OrderStatus, Restaurant
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.wallet.model import WalletModel
from droidpilot.device.sim.apps.world import Text, format_money

__all__ = ["WALLET_PACKAGE", "FCtx", "Skin", "clock", "money", "restaurant_facts", "wallet_of"]

WALLET_PACKAGE = "com.droidpilot.wallet"
FCtx = Ctx[FoodAppModel]


def money(cents: int) -> str:
    return format_money(cents)


def clock(when: dt.datetime) -> str:
    return f"{when:%H:%M}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Skin(Static):
    layout: Literal["a", "b"]
    name: Text
    words: Mapping[str, Text]
    statuses: Mapping[str, Text]

    def w(self, ctx: Ctx[Any], key: str, **fmt: object) -> str:
        words = self.words[key].get(ctx.lang)
        return words.format(**fmt) if fmt else words

    def status(self, ctx: Ctx[Any], status: OrderStatus) -> str:
        return self.statuses[status].get(ctx.lang)


def restaurant_facts(skin: Skin, ctx: FCtx, r: Restaurant) -> tuple[str, str]:
    """Two lines about a restaurant: rating and sales; time, distance, fee and minimum."""
    km = f"{r.distance_m / 1000:.1f} km"
    line1 = skin.w(ctx, "rating_line", rating=f"{r.rating:.1f}", sales=r.monthly_sales)
    line2 = skin.w(ctx, "delivery_line", minutes=r.delivery_minutes, km=km,
                   fee=money(r.delivery_fee), min=money(r.min_order))  # fmt: skip
    return line1, line2


def wallet_of(ctx: Ctx[Any]) -> WalletModel | None:
    """The wallet app's model on this phone (for refunds), if the wallet is installed."""
    model = ctx.phone.state.models.get(WALLET_PACKAGE)
    return model if isinstance(model, WalletModel) else None
