"""Food delivery tasks, each in both food apps (FoodGo and MealDash): a named dish from a
named restaurant; options and quantities; the cheapest restaurant; within a budget with the
delivery fee; the best coupon; a new address; a note; reorder; cancel; and two questions
(the delivery ETA, the price of a dish)."""

from __future__ import annotations

import random

from droidpilot.device.sim.apps.food.domain import Order
from droidpilot.device.sim.apps.food.model import FoodAppModel, best_coupon
from droidpilot.device.sim.apps.food.payments import place_paid_order
from droidpilot.device.sim.apps.foodgo import FoodGoApp
from droidpilot.device.sim.apps.mealdash import MealDashApp
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.apps.world import format_money
from droidpilot.device.sim.phone import SimPhone
from droidpilot.tasks.answers import Expected
from droidpilot.tasks.checkers import cancelled_food_order, dish_price, food_eta, paid_food_order
from droidpilot.tasks.foodkit import (
    FOOD_APPS,
    FoodApp,
    add_dish,
    app_of,
    checkout,
    dish_params,
    open_app,
    open_orders,
    open_shop,
    order_milestones,
    order_success,
    orderable,
    pick_orderable,
    right_food_payment,
    section_of,
    set_address,
    set_note,
    submit_and_pay,
    units,
)
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import (
    Baseline,
    Bi,
    Effects,
    Hit,
    Milestone,
    Params,
    ParamValue,
    TaskSpec,
    World,
    hit,
)
from droidpilot.types import Action, AnswerAction, FinishAction, ScrollAction

__all__ = ["SPECS"]

ADDRESSES = (
    Bi("88 Jianguo Road, Chaoyang District", "朝阳区建国路88号"),
    Bi("16 Huaihai Middle Road, Room 502", "淮海中路16号502室"),
    Bi("7 Tianmu Mountain Road, Building 3", "天目山路7号3幢"),
    Bi("120 Shennan Avenue, Tower B 18F", "深南大道120号B座18楼"),
    Bi("45 Tianhe North Road, Unit 2", "天河北路45号2单元"),
    Bi("9 Chunxi Road, Apartment 1103", "春熙路9号1103室"),
)
LABELS = (
    Bi("Gym", "健身房"),
    Bi("Studio", "工作室"),
    Bi("Parents", "爸妈家"),
    Bi("Office 2", "二号办公室"),
)
NOTES = (
    Bi("no cilantro please", "不要香菜"),
    Bi("less salt", "少放盐"),
    Bi("extra napkins", "多给几张纸巾"),
    Bi("no spicy", "不要辣"),
    Bi("leave it at the door", "放门口就好"),
    Bi("no chopsticks needed", "不需要餐具"),
)


def _pin(w: World) -> str:
    return w.wallet.pin


def _dish_ordered(d: Driver, p: Params, picks: tuple[str, ...] = ()) -> None:
    app = app_of(p)
    open_shop(d, app, p.t("shop", d.lang))
    add_dish(d, app, p, qty=p.i("qty"), picks=picks)
    checkout(d)


def _done(d: Driver) -> Action:
    return FinishAction(status="success", message=d.t("Done.", "已完成。"))


# --------------------------------------------------------------------------- order a dish


def order_dish(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        return dish_params(app, food, r, d, _pin(w))

    def oracle(d: Driver, p: Params) -> Action:
        _dish_ordered(d, p)
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderDish",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="easy",
        tags=("order", "pay"),
        goal_en="On {app}, order {qty} × {dish} from {shop} and pay with the wallet (PIN {pin}).",
        goal_zh="在{app}上从{shop}点{qty}份{dish}，用钱包支付（支付密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=44,
        milestones=order_milestones(),
        success=order_success(),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


def order_options(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food, lambda r, d: len(d.options) >= 1)
        picks: list[tuple[str, str]] = []
        names: list[Bi] = []
        for g in d.options:
            c = rng.choice(g.choices if g.multi else g.choices[1:] or g.choices)
            picks.append((g.key, c.key))
            names.append(Bi.of(c.name))
        chosen = d.normalise_choices(tuple(picks))
        qty = max(2, units(r, d.unit_price(chosen)))
        out = dish_params(app, food, r, d, _pin(w), qty=qty)
        out["options"] = Bi(", ".join(n.en for n in names), "、".join(n.zh for n in names))
        out["_picks"] = ",".join(f"{g}:{c}" for g, c in picks)
        return out

    def as_asked(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        want = {tuple(x.split(":")) for x in p.s("_picks").split(",")}
        for line in o.lines:
            if (
                line.dish_id == p.s("_dish_id")
                and line.qty == p.i("qty")
                and want <= set(line.choices)
            ):
                return hit(True, f"{line.qty} with {sorted(want)}")
        return hit(False, "quantity or options differ")

    def oracle(d: Driver, p: Params) -> Action:
        picks = tuple(f"opt_{x.replace(':', '_')}" for x in p.s("_picks").split(","))
        _dish_ordered(d, p, picks)
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderDishOptions",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="medium",
        tags=("order", "options", "pay"),
        goal_en="On {app}, order {qty} × {dish} ({options}) from {shop}; pay with the wallet, "
        "PIN {pin}.",
        goal_zh="在{app}上从{shop}点{qty}份{dish}（{options}），用钱包支付，密码{pin}。",
        sample=sample,
        oracle=oracle,
        budget=50,
        milestones=order_milestones(as_asked),
        success=order_success(as_asked),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


# --------------------------------------------------------------------------- cheapest / budget


def _offers(w: World, app: FoodApp) -> dict[str, list[tuple[int, str]]]:
    """English dish name -> [(price, dish id)] over the restaurants selling it (on sale)."""
    food = w.food(app.package)
    out: dict[str, list[tuple[int, str]]] = {}
    for _r, d in orderable(food):
        out.setdefault(d.name.en, []).append((d.price, d.id))
    return out


def _read_price(d: Driver, app: FoodApp, dish: str, section: str) -> None:
    """On a seller's menu: bring the dish's line (its price, or "Sold out") into view, as a
    person comparing prices reads it: its tab first (the tabs in order; ``section``, the one
    that holds it, only when none shows it unscrolled), then down the list. A seller the
    search listed for another dish's name ("Matcha Latte" for "Latte") has no such line."""
    if app.layout == "b" and section:
        d.tab_showing(dish, rid="", tabs="menu_tabs", fallback=section)
    d.find(dish, prefix=True, within="menu")


def _sections(food: FoodAppModel, name: Bi) -> Bi:
    """ "seller=section;…" (each language's names) for every restaurant that has the dish
    ``name`` on its menu, on sale or not."""
    pairs = []
    for r in food.restaurants:
        for did in r.dish_ids:
            dish = food.dish(did)
            if dish.name.en == name.en:
                pairs.append((Bi.of(r.name), section_of(food, r, dish)))
    return Bi(
        ";".join(f"{r.en}={s.en}" for r, s in pairs), ";".join(f"{r.zh}={s.zh}" for r, s in pairs)
    )


def cheapest(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        names = sorted(
            n
            for n, v in _offers(w, app).items()
            if len(v) >= 2 and sorted(v)[0][0] < sorted(v)[1][0]
        )
        name = rng.choice(names)
        price, best = sorted(_offers(w, app)[name])[0]
        d = food.dish(best)
        r = food.restaurant(d.restaurant)
        out = dish_params(app, food, r, d, _pin(w))
        out["_price"] = price
        out["_sections"] = _sections(food, Bi.of(d.name))
        return out

    def oracle(d: Driver, p: Params) -> Action:
        """Compare, then order: search for the dish, read its price at every restaurant the
        search lists (in their order: back to the list after each), then order at the
        cheapest. The demonstrations show the comparison the screens need: going straight
        to the cheapest would teach knowing it."""
        dish = p.t("dish", d.lang)
        sections = dict(x.split("=", 1) for x in p.t("_sections", d.lang).split(";") if x)
        open_app(d, app)
        if not d.has(rid="search"):  # MealDash: the search has a page of its own
            d.tap(rid="search_button")
        d.type(dish, rid="search", submit=True)
        rows = d.obs().view.items
        listed = [
            it.text.split(" | ")[0] for it in rows if it.resource_id.endswith(":id/restaurant")
        ]
        for shop in listed:
            d.tap(shop, rid="restaurant", prefix=True)
            _read_price(d, app, dish, sections.get(shop, ""))
            d.back()
        d.tap(p.t("shop", d.lang), rid="restaurant", prefix=True)
        add_dish(d, app, p, qty=p.i("qty"))
        checkout(d)
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderCheapestDish",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="medium",
        tags=("order", "compare", "pay"),
        goal_en="Find the restaurant on {app} that sells {dish} for the lowest price and order "
        "it there (as many as its minimum order needs); pay with PIN {pin}.",
        goal_zh="在{app}上找到{dish}卖得最便宜的商家并在那里下单（份数凑够起送价即可），"
        "用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=70,  # the comparison: every seller's menu (the oracle: median 24, at most 62)
        milestones=order_milestones(),
        success=order_success(),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


def within_budget(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        choices = []
        for name, offers in sorted(_offers(w, app).items()):
            if len(offers) < 2:
                continue
            totals = []
            for _, did in offers:
                d = food.dish(did)
                r = food.restaurant(d.restaurant)
                totals.append((units(r, d.price) * d.price + r.delivery_fee, did))
            totals.sort()
            cap = -(-totals[0][0] // 100) * 100
            if cap < totals[1][0]:
                choices.append((name, totals[0][1], cap))
        name, did, cap = rng.choice(choices)
        d = food.dish(did)
        r = food.restaurant(d.restaurant)
        out = dish_params(app, food, r, d, _pin(w))
        out["budget"] = format_money(cap)
        out["_cap"] = cap
        return out

    def cheap(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        return hit(o.total <= p.i("_cap"), f"total {format_money(o.total)} vs {p.s('budget')}")

    def oracle(d: Driver, p: Params) -> Action:
        _dish_ordered(d, p)
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderWithinBudget",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="hard",
        tags=("order", "compare", "budget", "pay"),
        goal_en="Order {dish} on {app} so that the total, delivery fee included, is at most "
        "{budget}. Pay with the wallet (PIN {pin}).",
        goal_zh="在{app}上点一份{dish}，含配送费的总价不超过{budget}，用钱包支付（密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=50,
        milestones=order_milestones(cheap),
        success=order_success(cheap),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


# --------------------------------------------------------------------------- checkout options


def best_coupon_spec(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        pool = []
        for r, d in orderable(food):
            q = units(r, d.price)
            for qty in (q, q + 1, q + 2):
                c = best_coupon(food.coupons, r.key, qty * d.price)
                if c is not None and qty <= 6:
                    pool.append((r, d, qty, c))
        r, d, qty, c = rng.choice(pool)
        out = dish_params(app, food, r, d, _pin(w), qty=qty)
        out["_coupon"] = c.id
        out["_coupon_title"] = Bi.of(c.title)
        return out

    def coupon(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        return hit(o.coupon_id == p.s("_coupon"), f"coupon {o.coupon_id} (best {p.s('_coupon')})")

    def oracle(d: Driver, p: Params) -> Action:
        _dish_ordered(d, p)
        d.tap(rid="coupon_row")
        d.tap(p.t("_coupon_title", d.lang), rid="coupon")
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}ApplyBestCoupon",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="medium",
        tags=("order", "coupon", "pay"),
        goal_en="Order {qty} × {dish} from {shop} on {app} with the coupon that saves the most, "
        "then pay (wallet PIN {pin}).",
        goal_zh="在{app}上从{shop}点{qty}份{dish}，使用优惠最多的红包，然后支付（钱包密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=50,
        milestones=order_milestones(coupon),
        success=order_success(coupon),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


def new_address(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        out = dish_params(app, food, r, d, _pin(w))
        out["address"] = rng.choice(ADDRESSES)
        out["label"] = rng.choice(LABELS)
        return out

    def there(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        want = p.bi("address")
        ok = o.address.line.equals(want.en) or o.address.line.equals(want.zh)
        return hit(ok, f"delivered to {o.address.line.en!r}")

    def oracle(d: Driver, p: Params) -> Action:
        _dish_ordered(d, p)
        set_address(d, p.t("address", d.lang), p.t("label", d.lang))
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderNewAddress",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="medium",
        tags=("order", "address", "pay"),
        goal_en="Order {qty} × {dish} from {shop} on {app}, delivered to a new address: "
        '"{address}" (label it {label}). Pay with PIN {pin}.',
        goal_zh="在{app}上从{shop}点{qty}份{dish}，送到新地址“{address}”（标签：{label}），"
        "用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=55,
        milestones=order_milestones(there),
        success=order_success(there),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


def with_note(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        out = dish_params(app, food, r, d, _pin(w))
        out["note"] = rng.choice(NOTES)
        return out

    def noted(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        want = p.bi("note")
        from droidpilot.tasks.answers import fold

        ok = fold(o.note) in (fold(want.en), fold(want.zh))
        return hit(ok, f"note {o.note!r}")

    def oracle(d: Driver, p: Params) -> Action:
        _dish_ordered(d, p)
        set_note(d, app_of(p), p.t("note", d.lang))
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderWithNote",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="easy",
        tags=("order", "note", "pay"),
        goal_en='Order {qty} × {dish} from {shop} on {app} with the note "{note}" for the '
        "restaurant, and pay (PIN {pin}).",
        goal_zh="在{app}上从{shop}点{qty}份{dish}，给商家备注“{note}”，并支付（密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=46,
        milestones=order_milestones(noted),
        success=order_success(noted),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


# --------------------------------------------------------------------------- history


def reorder(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        last = food.last_order
        if last is None or any(food.dish(x.dish_id).sold_out for x in last.lines):
            raise LookupError("the last order cannot be reordered")
        r = food.restaurant(last.restaurant)
        if sum(x.unit_price * x.qty for x in last.lines) < r.min_order:
            raise LookupError("the last order is below the minimum now")
        return {
            "app": app.name,
            "shop": Bi.of(last.restaurant_name),
            "pin": _pin(w),
            "_app": app.key,
            "_dish_id": ",".join(x.dish_id for x in last.lines),
            "_shop_key": last.restaurant,
            "_last": last.id,
        }

    def same(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        last = w.food(app.package).order(p.s("_last"))
        mine = sorted((x.dish_id, x.qty) for x in o.lines)
        want = sorted((x.dish_id, x.qty) for x in last.lines)
        return hit(mine == want, f"lines {mine} vs last order {want}")

    def oracle(d: Driver, p: Params) -> Action:
        open_orders(d, app_of(p))
        d.tap(rid="reorder")
        d.tap(rid="checkout")
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}ReorderLast",
        suites=("food",),
        apps=(app.package, WalletApp.package),
        difficulty="easy",
        tags=("order", "history", "pay"),
        goal_en="Order my last {app} order (from {shop}) again, the same dishes, and pay with "
        "PIN {pin}.",
        goal_zh="在{app}上把上一单（{shop}）再来一单，菜品相同，用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=30,
        milestones=order_milestones(same),
        success=order_success(same),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


def _placed_order_setup(phone: SimPhone, p: Params) -> dict[str, str]:
    app = app_of(p)
    model = phone.model(FoodGoApp if app.key == "foodgo" else MealDashApp)
    order = place_paid_order(model, phone.model(WalletApp), p.s("_dish_id"), phone.clock.now())
    return {"order": order.id}


def _the_order(w: World, p: Params, b: Baseline) -> Order:
    return w.food(app_of(p).package).order(b.ref("order"))


def cancel(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        return dish_params(app, food, r, d, _pin(w))

    def opened(w: World, p: Params, b: Baseline) -> Hit:
        o = _the_order(w, p, b)
        on = w.package == app.package and w.activity.endswith("OrderDetailActivity")
        return hit(on or o.status == "cancelled", "order page open" if on else "elsewhere")

    def cancelled(w: World, p: Params, b: Baseline) -> Hit:
        o = _the_order(w, p, b)
        return hit(
            o.status == "cancelled" and o.refunded == o.total,
            f"order {o.id} {o.status}, refunded {format_money(o.refunded)}",
        )

    def oracle(d: Driver, p: Params) -> Action:
        open_orders(d, app_of(p))
        d.tap(p.t("shop", d.lang), rid="order")
        d.tap(rid="cancel_order")
        d.tap(rid="android:id/button1")
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}CancelOrder",
        suites=("food",),
        apps=(app.package,),
        difficulty="easy",
        tags=("cancel",),
        goal_en="Cancel my current {app} order from {shop} and make sure it is refunded.",
        goal_zh="取消我在{app}上{shop}的这笔订单，并确认已退款。",
        sample=sample,
        setup=_placed_order_setup,
        oracle=oracle,
        budget=16,
        milestones=(
            Milestone(name="order_open", weight=0.3, check=opened),
            Milestone(name="cancelled", weight=0.7, check=cancelled),
        ),
        success=cancelled,
        sensitive=("cancel",),
        checker=cancelled_food_order(app.package),
    )


# --------------------------------------------------------------------------- questions


def eta_question(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        return dish_params(app, food, r, d, _pin(w))

    def opened(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == app.package and w.activity.endswith("OrderDetailActivity")
        return hit(on, "order page open" if on else "not on the order page")

    def answer(w: World, p: Params, b: Baseline) -> Expected:
        eta = _the_order(w, p, b).eta_at
        return Expected(kind="time", value=(eta.hour, eta.minute))

    def oracle(d: Driver, p: Params) -> Action:
        open_orders(d, app_of(p))
        d.tap(p.t("shop", d.lang), rid="order")
        return AnswerAction(text=d.text_of("order_eta"))

    return TaskSpec(
        id=f"{app.prefix}AskDeliveryEta",
        suites=("food", "qa"),
        apps=(app.package,),
        kind="question",
        difficulty="easy",
        tags=("question", "eta"),
        goal_en="When is my {app} order from {shop} expected to arrive? Answer with the time.",
        goal_zh="我在{app}上{shop}的订单预计几点送到？请回答时间。",
        sample=sample,
        setup=_placed_order_setup,
        oracle=oracle,
        budget=14,
        milestones=(Milestone(name="order_open", weight=1.0, check=opened),),
        answer=answer,
        checker=food_eta(app.package),
    )


def price_question(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        return dish_params(app, food, r, d, _pin(w))

    def opened(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == app.package and w.activity.endswith("RestaurantActivity")
        return hit(on, "restaurant menu open" if on else "not on the menu")

    def answer(w: World, p: Params, b: Baseline) -> Expected:
        return Expected(kind="money", value=w.food(app.package).dish(p.s("_dish_id")).price)

    def oracle(d: Driver, p: Params) -> Action:
        app_ = app_of(p)
        open_shop(d, app_, p.t("shop", d.lang))
        if app_.layout == "b":
            d.tab_showing(
                p.t("dish", d.lang), rid="dish", tabs="menu_tabs", fallback=p.t("_section", d.lang)
            )
        for _ in range(3):
            card = d.must(p.t("dish", d.lang), rid="dish", prefix=True, within="menu")
            price = d.child_text(card, "dish_price")
            if price:
                return AnswerAction(text=price)
            # the card sits at the edge of the list with its price cut off: bring it up
            menu = d.find(rid="menu", scroll=False)
            if menu is None:
                break
            d.act(ScrollAction(direction="down", element=menu.id))
        return AnswerAction(text=card.text)

    return TaskSpec(
        id=f"{app.prefix}AskDishPrice",
        suites=("food", "qa"),
        apps=(app.package,),
        kind="question",
        difficulty="easy",
        tags=("question", "price"),
        goal_en="How much does {dish} cost at {shop} on {app}?",
        goal_zh="{app}上{shop}的{dish}多少钱？",
        sample=sample,
        oracle=oracle,
        budget=14,
        milestones=(Milestone(name="menu_open", weight=1.0, check=opened),),
        answer=answer,
        checker=dish_price(app.package),
    )


SPECS: tuple[TaskSpec, ...] = tuple(
    make(app)
    for app in FOOD_APPS
    for make in (
        order_dish,
        order_options,
        cheapest,
        within_budget,
        best_coupon_spec,
        new_address,
        with_note,
        reorder,
        cancel,
        eta_question,
        price_question,
    )
)
