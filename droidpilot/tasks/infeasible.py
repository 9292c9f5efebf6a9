"""Infeasible tasks: the dish is sold out, no train runs that day, the wallet balance is too
small, the attraction is sold out that day. The right end is ``finish(infeasible)`` naming the
reason, with nothing paid; the terminal reward says so (evidence: the finish message)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from droidpilot.device.sim.apps.foodgo import FoodGoApp
from droidpilot.device.sim.apps.geo import CITIES, city
from droidpilot.device.sim.apps.mealdash import MealDashApp
from droidpilot.device.sim.apps.tickets.model import TICKET_TYPES
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.phone import SimPhone
from droidpilot.tasks.checkers import FinishInfeasible
from droidpilot.tasks.foodkit import (
    FOOD_APPS,
    FoodApp,
    add_dish,
    app_of,
    checkout,
    dish_params,
    open_shop,
    pick_orderable,
    units,
)
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import (
    Baseline,
    Bi,
    Hit,
    Milestone,
    Params,
    ParamValue,
    Predicate,
    TaskSpec,
    World,
    hit,
)
from droidpilot.tasks.tickets import open_attraction, pick_day
from droidpilot.tasks.travelkit import TICKETS, TRAVEL, date_words, search_trips, tickets, travel
from droidpilot.types import Action, FinishAction

__all__ = ["SPECS"]

SOLD_OUT = ("sold out", "unavailable", "not available", "售罄", "卖完", "无货", "没有")
NO_TRAIN = ("no train", "no trains", "not run", "no service", "无列车", "没有", "无车次", "停运")
NO_MONEY = ("insufficient", "not enough", "balance", "余额不足", "余额", "钱不够")


def _on(package: str, activity: str) -> Predicate:
    def check(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == package and w.activity.endswith(activity)
        return hit(on, f"on {activity}" if on else f"not on {activity}")

    return check


def sold_out_dish(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        return dish_params(app, food, r, d, w.wallet.pin)

    def setup(phone: SimPhone, p: Params) -> dict[str, str]:
        model = phone.model(FoodGoApp if app.key == "foodgo" else MealDashApp)
        model.set_sold_out(p.s("_dish_id"))
        return {}

    def menu(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == app.package and w.activity.endswith("RestaurantActivity")
        return hit(on, "the menu is open" if on else "not on the menu")

    def oracle(d: Driver, p: Params) -> Action:
        a = app_of(p)
        open_shop(d, a, p.t("shop", d.lang))
        if a.layout == "b":
            d.tap(p.t("_section", d.lang), exact=True, within="menu_tabs")
        d.must(p.t("dish", d.lang), exact=True, within="menu")  # a sold-out row: no tap
        d.must(d.t("Sold out", "已售罄"), exact=True)
        return FinishAction(
            status="infeasible",
            message=d.t(
                f"{p.t('dish', 'en')} is sold out at {p.t('shop', 'en')}.",
                f"{p.t('shop', 'zh')}的{p.t('dish', 'zh')}已售罄。",
            ),
        )

    return TaskSpec(
        id=f"{app.prefix}OrderSoldOutDish",
        suites=("infeasible", "food"),
        apps=(app.package,),
        kind="infeasible",
        difficulty="medium",
        tags=("sold_out",),
        goal_en="Order {qty} × {dish} from {shop} on {app} and pay with PIN {pin}.",
        goal_zh="在{app}上从{shop}点{qty}份{dish}，用密码{pin}支付。",
        sample=sample,
        setup=setup,
        oracle=oracle,
        budget=20,
        reason=SOLD_OUT,
        milestones=(Milestone(name="menu_open", weight=1.0, check=menu),),
    )


def low_balance(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        out = dish_params(app, food, r, d, w.wallet.pin)
        out["_total"] = units(r, d.price) * d.price + r.delivery_fee
        return out

    def setup(phone: SimPhone, p: Params) -> dict[str, str]:
        phone.model(WalletApp).set_balance(max(0, p.i("_total") // 2))
        return {}

    def asked(w: World, p: Params, b: Baseline) -> Hit:
        reqs = [r for r in w.wallet.requests if r.caller == app.package]
        return hit(bool(reqs), "the wallet was asked to pay" if reqs else "no payment tried")

    def oracle(d: Driver, p: Params) -> Action:
        a = app_of(p)
        open_shop(d, a, p.t("shop", d.lang))
        add_dish(d, a, p, qty=p.i("qty"))
        checkout(d)
        d.tap(rid="submit_order")
        for digit in p.s("pin"):
            d.tap(rid=f"key_{digit}")
        error = d.text_of("error") if d.has(rid="error") else ""
        return FinishAction(
            status="infeasible",
            message=d.t(
                f"The wallet balance is insufficient for this order. {error}",
                f"钱包余额不足，无法支付。{error}",
            ),
        )

    return TaskSpec(
        id=f"{app.prefix}OrderLowBalance",
        suites=("infeasible", "food"),
        apps=(app.package, WalletApp.package),
        kind="infeasible",
        difficulty="hard",
        tags=("balance", "pay"),
        goal_en="Order {qty} × {dish} from {shop} on {app} and pay with the wallet (PIN {pin}).",
        goal_zh="在{app}上从{shop}点{qty}份{dish}，用钱包支付（密码{pin}）。",
        sample=sample,
        setup=setup,
        oracle=oracle,
        budget=40,
        reason=NO_MONEY,
        milestones=(Milestone(name="payment_tried", weight=1.0, check=asked),),
        sensitive=("payment",),
    )


def no_train() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        t = travel(w)
        home = t.owner.home_city
        options = []
        for c in CITIES:
            if c.code == home:
                continue
            for off in range(1, 20):
                day = t.today + dt.timedelta(days=off)
                if not t.timetable.trains(home, c.code, day):
                    options.append((c.code, day))
        dest, day = rng.choice(options)
        return {
            "from": Bi.of(city(home).name),
            "to": Bi.of(city(dest).name),
            "date": date_words(day),
            "_day": day.isoformat(),
            "pin": w.wallet.pin,
        }

    def oracle(d: Driver, p: Params) -> Action:
        search_trips(d, p)
        d.must(rid="empty")
        return FinishAction(
            status="infeasible",
            message=d.t(
                f"There is no train from {p.t('from', 'en')} to {p.t('to', 'en')} on "
                f"{p.t('date', 'en')}.",
                f"{p.t('date', 'zh')}没有从{p.t('from', 'zh')}到{p.t('to', 'zh')}的列车。",
            ),
        )

    return TaskSpec(
        id="TravelBookTrainNoService",
        suites=("infeasible", "travel"),
        apps=(TRAVEL,),
        kind="infeasible",
        difficulty="medium",
        tags=("no_train",),
        goal_en="Book a train from {from} to {to} on {date} and pay with PIN {pin}.",
        goal_zh="订一张{date}从{from}到{to}的火车票，用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=24,
        reason=NO_TRAIN,
        milestones=(
            Milestone(name="searched", weight=1.0, check=_on(TRAVEL, "SearchResultActivity")),
        ),
    )


def sold_out_day() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        m = tickets(w)
        a = rng.choice(m.attractions)
        days = [x for x in m.sale_days() if m.status(a.id, x) == "sold_out"]
        day = rng.choice(days)
        return {
            "place": Bi.of(a.name),
            "_aid": a.id,
            "date": date_words(day),
            "_day": day.isoformat(),
            "type": Bi.of(TICKET_TYPES["adult"]),
            "pin": w.wallet.pin,
        }

    def oracle(d: Driver, p: Params) -> Action:
        open_attraction(d, p)
        pick_day(d, dt.date.fromisoformat(p.s("_day")))
        shown = d.text_of("chosen_day")
        return FinishAction(
            status="infeasible",
            message=d.t(
                f"Tickets for {p.t('place', 'en')} on {p.t('date', 'en')} are sold out ({shown}).",
                f"{p.t('place', 'zh')}{p.t('date', 'zh')}的门票已售罄（{shown}）。",
            ),
        )

    return TaskSpec(
        id="TicketsBuySoldOutDay",
        suites=("infeasible", "tickets"),
        apps=(TICKETS,),
        kind="infeasible",
        difficulty="medium",
        tags=("sold_out",),
        goal_en="Buy 2 {type} tickets for {place} on {date}; pay with PIN {pin}.",
        goal_zh="买2张{date}的{place}{type}，用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=24,
        reason=SOLD_OUT,
        milestones=(
            Milestone(name="attraction_open", weight=1.0, check=_on(TICKETS, "AttractionActivity")),
        ),
    )


def _judged_by_finish(spec: TaskSpec) -> TaskSpec:
    """On a real phone, the end is judged from the agent's ``finish`` alone."""
    return dataclasses.replace(spec, checker=FinishInfeasible(reason=spec.reason))


SPECS: tuple[TaskSpec, ...] = tuple(
    _judged_by_finish(s)
    for s in (
        *(sold_out_dish(a) for a in FOOD_APPS),
        *(low_balance(a) for a in FOOD_APPS),
        no_train(),
        sold_out_day(),
    )
)
