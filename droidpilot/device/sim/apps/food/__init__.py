"""The food delivery domain and its two rival apps (FoodGo and MealDash)."""

from __future__ import annotations

from droidpilot.device.sim.apps.food.domain import (
    Address,
    CartLine,
    Coupon,
    Dish,
    MenuSection,
    OptionChoice,
    OptionGroup,
    Order,
    OrderLine,
    OrderStatus,
    Quote,
    Restaurant,
)
from droidpilot.device.sim.apps.food.generate import (
    APP_IDS,
    PACKAGES,
    AppId,
    FoodCatalog,
    catalog,
    catalogs,
)
from droidpilot.device.sim.apps.food.model import (
    Cart,
    CheckoutResult,
    FoodAppModel,
    FoodSnapshot,
    ReorderResult,
    best_coupon,
    make_quote,
)

__all__ = [
    "APP_IDS",
    "PACKAGES",
    "Address",
    "AppId",
    "Cart",
    "CartLine",
    "CheckoutResult",
    "Coupon",
    "Dish",
    "FoodAppModel",
    "FoodCatalog",
    "FoodSnapshot",
    "MenuSection",
    "OptionChoice",
    "OptionGroup",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Quote",
    "ReorderResult",
    "Restaurant",
    "best_coupon",
    "catalog",
    "catalogs",
    "make_quote",
]
