"""Seeded food catalogs for the two rival food apps.

``catalogs(seed)`` gives one :class:`FoodCatalog` per app from the same world:

- 18 restaurants exist; 11 are listed in both apps, 3 only in FoodGo, 3 only in MealDash,
  1 in neither. A listed restaurant has the same key, name, cuisine, distance and dish ids
  in both apps, but its own prices, delivery fee, minimum order, delivery time and rating.
- Prices are multiples of ¥0.50. Within one app, a dish sold by several restaurants (same
  dish key) has a different price at each; a dish sold in both apps has a different price in
  each. So "the cheapest" and "the cheaper app" always have one answer.
- About 6% of dishes are sold out in each app (never steamed rice).
- Each app has its own coupons: store-wide threshold coupons, one with no threshold, and two
  for particular restaurants.

Everything comes from :func:`world.sub_rng` keyed by seed, app and restaurant, so the result
does not depend on the order anything is built in. Catalogs are immutable and cached.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from droidpilot.device.sim.app import Static
from droidpilot.device.sim.apps.food.content import CUISINES, DISHES, RESTAURANTS, SECTIONS
from droidpilot.device.sim.apps.food.domain import (
    Coupon,
    Dish,
    MenuSection,
    OptionChoice,
    OptionGroup,
    Restaurant,
)
from droidpilot.device.sim.apps.world import Text, format_money, sub_rng
from droidpilot.errors import ValidationError

__all__ = [
    "APP_IDS",
    "PACKAGES",
    "AppId",
    "FoodCatalog",
    "catalog",
    "catalogs",
]

AppId = Literal["foodgo", "meals"]
APP_IDS: tuple[AppId, ...] = ("foodgo", "meals")
PACKAGES: dict[AppId, str] = {"foodgo": "com.droidpilot.foodgo", "meals": "com.droidpilot.meals"}

_SHARED, _ONLY_EACH = 11, 3


def _yuan(y: float) -> int:
    """Whole or half yuan, in cents."""
    return max(50, round(y * 2) * 50)


def _c(key: str, en: str, zh: str, delta: int = 0) -> OptionChoice:
    return OptionChoice(key=key, name=Text(en, zh), delta=delta)


def _size(price: int) -> OptionGroup:
    large = max(300, _yuan(price / 100 * 0.3))
    return OptionGroup(
        key="size",
        name=Text("Size", "规格"),
        choices=(_c("regular", "Regular", "标准份"), _c("large", "Large", "大份", large)),
    )


def _addons(*choices: OptionChoice) -> OptionGroup:
    return OptionGroup(
        key="addons",
        name=Text("Add-ons", "加料"),
        choices=choices,
        multi=True,
        required=False,
        max_picks=len(choices),
    )


# fmt: off
OPTION_PROFILES: dict[str, Callable[[int], OptionGroup]] = {
    "size": _size,
    "spice": lambda _p: OptionGroup(key="spice", name=Text("Spice level", "辣度"), choices=(
        _c("none", "Not spicy", "不辣"), _c("mild", "Mild", "微辣"),
        _c("medium", "Medium", "中辣"), _c("hot", "Extra hot", "特辣"))),
    "drink_size": lambda _p: OptionGroup(key="size", name=Text("Cup size", "杯型"), choices=(
        _c("medium", "Medium cup", "中杯"), _c("large", "Large cup", "大杯", 300))),
    "dumpling_size": lambda _p: OptionGroup(key="size", name=Text("Portion", "份量"), choices=(
        _c("regular", "Regular portion", "标准份"),
        _c("large", "Large portion (+5)", "大份（加5只）", 600))),
    "pizza_size": lambda _p: OptionGroup(key="size", name=Text("Pizza size", "尺寸"), choices=(
        _c("9in", "9-inch", "9英寸"), _c("12in", "12-inch", "12英寸", 2000))),
    "sugar": lambda _p: OptionGroup(key="sugar", name=Text("Sweetness", "甜度"), choices=(
        _c("full", "Full sugar", "全糖"), _c("half", "Half sugar", "半糖"),
        _c("none", "No sugar", "无糖"))),
    "ice": lambda _p: OptionGroup(key="ice", name=Text("Temperature", "温度"), choices=(
        _c("regular", "Regular ice", "正常冰"), _c("less", "Less ice", "少冰"),
        _c("none", "No ice", "去冰"), _c("hot", "Hot", "热饮"))),
    "rice": lambda _p: _addons(
        _c("rice", "Extra rice", "加米饭", 200), _c("egg", "Fried egg", "加煎蛋", 300),
        _c("meat", "Extra meat", "加肉", 800)),
    "noodle_addons": lambda _p: _addons(
        _c("noodles", "Extra noodles", "加面", 300), _c("egg", "Marinated egg", "加卤蛋", 300),
        _c("beef", "Extra beef", "加牛肉", 800)),
    "burger_addons": lambda _p: _addons(
        _c("cheese", "Extra cheese", "加芝士", 400), _c("bacon", "Bacon", "加培根", 600),
        _c("patty", "Extra patty", "加肉饼", 1000)),
    "pizza_addons": lambda _p: _addons(
        _c("cheese", "Extra cheese", "加芝士", 800),
        _c("crust", "Stuffed crust", "芝心饼边", 1200)),
    "tea_addons": lambda _p: _addons(
        _c("pearls", "Pearls", "加珍珠", 200), _c("coconut", "Coconut jelly", "加椰果", 200),
        _c("pudding", "Pudding", "加布丁", 300)),
}
# fmt: on


@dataclass(frozen=True, slots=True, kw_only=True)
class FoodCatalog(Static):
    """What one food app sells: restaurants (in the app's default order), dishes, coupons."""

    app: AppId
    package: str
    restaurants: tuple[Restaurant, ...]
    dishes: tuple[Dish, ...]
    coupons: tuple[Coupon, ...]
    _restaurants: dict[str, Restaurant] = field(init=False, repr=False, compare=False)
    _dishes: dict[str, Dish] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_restaurants", {r.key: r for r in self.restaurants})
        object.__setattr__(self, "_dishes", {d.id: d for d in self.dishes})

    def restaurant(self, key: str) -> Restaurant:
        try:
            return self._restaurants[key]
        except KeyError:
            raise ValidationError(f"{self.app} lists no restaurant {key!r}") from None

    def has_restaurant(self, key: str) -> bool:
        return key in self._restaurants

    def dish(self, dish_id: str) -> Dish:
        try:
            return self._dishes[dish_id]
        except KeyError:
            raise ValidationError(f"{self.app} sells no dish {dish_id!r}") from None

    def has_dish(self, dish_id: str) -> bool:
        return dish_id in self._dishes

    def dishes_of(self, restaurant: str) -> tuple[Dish, ...]:
        return tuple(self._dishes[d] for d in self.restaurant(restaurant).dish_ids)

    @property
    def cuisines(self) -> tuple[str, ...]:
        """Cuisine keys present in this app, in the fixed category order."""
        present = {r.cuisine for r in self.restaurants}
        return tuple(c for c in CUISINES if c in present)


def _listing(seed: int) -> dict[AppId, tuple[str, ...]]:
    keys = [t.key for t in RESTAURANTS]
    sub_rng(seed, "food", "listing").shuffle(keys)
    shared = keys[:_SHARED]
    only_a = keys[_SHARED : _SHARED + _ONLY_EACH]
    only_b = keys[_SHARED + _ONLY_EACH : _SHARED + 2 * _ONLY_EACH]
    return {"foodgo": tuple(shared + only_a), "meals": tuple(shared + only_b)}


@dataclass(frozen=True, slots=True)
class _WorldRestaurant:
    factor: float
    minutes: int
    distance_m: int
    rating: float
    dish_keys: tuple[str, ...]


def _world_restaurant(seed: int, key: str, cuisine: str) -> _WorldRestaurant:
    rng = sub_rng(seed, "food", "restaurant", key)
    pool = DISHES[cuisine]
    keep = [d.key for d in pool if d.key == "steamed-rice" or rng.random() < 0.85]
    while len(keep) < 6:
        keep = [d.key for d in pool]
    return _WorldRestaurant(
        factor=rng.uniform(0.85, 1.2),
        minutes=rng.randrange(20, 46),
        distance_m=rng.randrange(300, 6000, 10),
        rating=rng.uniform(3.9, 4.8),
        dish_keys=tuple(keep),
    )


def _nudge(price: int, taken: Iterable[int]) -> int:
    avoid = set(taken)
    while price in avoid:
        price += 50
    return price


def _build(seed: int) -> dict[AppId, FoodCatalog]:
    listing = _listing(seed)
    templates = {t.key: t for t in RESTAURANTS}
    world = {t.key: _world_restaurant(seed, t.key, t.cuisine) for t in RESTAURANTS}
    out: dict[AppId, FoodCatalog] = {}
    prices_a: dict[str, int] = {}
    for app in APP_IDS:
        taken: dict[str, list[int]] = {}  # dish key -> prices already used in this app
        restaurants: list[Restaurant] = []
        dishes: list[Dish] = []
        for key in sorted(listing[app]):
            t, w = templates[key], world[key]
            rng = sub_rng(seed, "food", app, key)
            app_factor = rng.uniform(0.9, 1.15)
            by_key = {d.key: d for d in DISHES[t.cuisine]}
            sections: dict[str, list[str]] = {}
            for dkey in w.dish_keys:
                tmpl = by_key[dkey]
                dish_id = f"{key}/{dkey}"
                price = _yuan(tmpl.base * w.factor * app_factor * rng.uniform(0.96, 1.04))
                price = _nudge(price, [*taken.get(dkey, []), prices_a.get(dish_id, -1)])
                taken.setdefault(dkey, []).append(price)
                if app == "foodgo":
                    prices_a[dish_id] = price
                sold_out = dkey != "steamed-rice" and rng.random() < 0.06
                dishes.append(Dish(
                    id=dish_id, key=dkey, restaurant=key, name=tmpl.name, section=tmpl.section,
                    price=price, description=tmpl.description, sold_out=sold_out,
                    options=tuple(OPTION_PROFILES[p](price) for p in tmpl.options),
                ))  # fmt: skip
                sections.setdefault(tmpl.section, []).append(dish_id)
            menu = tuple(
                MenuSection(key=s, name=SECTIONS[s], dishes=tuple(sections[s]))
                for s in SECTIONS
                if s in sections
            )
            fees = (0, 200, 300, 400, 500) if app == "foodgo" else (0, 150, 250, 350, 450, 600)
            minimums = (1500, 2000, 2500, 3000) if app == "foodgo" else (0, 1000, 2000, 3000)
            restaurants.append(Restaurant(
                key=key, name=t.name, cuisine=t.cuisine, cuisine_name=CUISINES[t.cuisine],
                rating=round(min(5.0, max(3.5, w.rating + rng.uniform(-0.15, 0.15))), 1),
                delivery_minutes=max(15, w.minutes + rng.randrange(-4, 5)),
                delivery_fee=rng.choice(fees), min_order=rng.choice(minimums),
                distance_m=w.distance_m, sections=menu, monthly_sales=rng.randrange(200, 9000),
            ))  # fmt: skip
        order_rng = sub_rng(seed, "food", app, "order")
        order_rng.shuffle(restaurants)
        out[app] = FoodCatalog(
            app=app, package=PACKAGES[app], restaurants=tuple(restaurants), dishes=tuple(dishes),
            coupons=_coupons(seed, app, tuple(r for r in restaurants)),
        )  # fmt: skip
    return out


def _coupon(cid: str, threshold: int, discount: int, shop: Restaurant | None = None) -> Coupon:
    off, over = format_money(discount), format_money(threshold)
    off_zh, over_zh = off.removeprefix("¥"), over.removeprefix("¥")
    if threshold == 0:
        title = Text(f"{off} off, no minimum", f"无门槛减{off_zh}元")
    else:
        title = Text(f"{off} off orders over {over}", f"满{over_zh}减{off_zh}")
    if shop is not None:
        title = Text(f"{shop.name.en}: {title.en}", f"{shop.name.zh}：{title.zh}")
    return Coupon(id=cid, title=title, threshold=threshold, discount=discount,
                  restaurant=None if shop is None else shop.key)  # fmt: skip


def _coupons(seed: int, app: AppId, restaurants: tuple[Restaurant, ...]) -> tuple[Coupon, ...]:
    rng = sub_rng(seed, "food", app, "coupons")
    prefix = "FG" if app == "foodgo" else "MD"
    small = rng.choice((200, 300))
    t1 = rng.choice((2500, 3000, 3500))
    t2 = rng.choice((5000, 6000))
    t3 = rng.choice((9000, 10000, 12000))
    out = [
        _coupon(f"{prefix}-C1", 0, small),
        _coupon(f"{prefix}-C2", t1, rng.choice((400, 500, 600))),
        _coupon(f"{prefix}-C3", t2, rng.choice((900, 1000, 1200))),
        _coupon(f"{prefix}-C4", t3, rng.choice((1600, 1800, 2000))),
    ]
    for i, shop in enumerate(rng.sample(list(restaurants), 2), start=5):
        out.append(_coupon(f"{prefix}-C{i}", rng.choice((3000, 4000)),
                           rng.choice((700, 800, 1100)), shop))  # fmt: skip
    return tuple(out)


@functools.lru_cache(maxsize=32)
def catalogs(seed: int) -> dict[AppId, FoodCatalog]:
    """Both apps' catalogs for ``seed`` (cached; treat the dict as read-only)."""
    return _build(seed)


def catalog(seed: int, app: AppId) -> FoodCatalog:
    return catalogs(seed)[app]
