"""The multi-stop trip: a train, a hotel and attraction tickets in one destination city within
a total budget (cross-app: Travel, Tickets, Wallet), and its infeasible twin whose budget is
below the cheapest combination.

Content rules relied on (the apps' module docs): the hotel search lists hotels cheapest first
(by the average night of their cheapest free room); a train booking costs its class's fare per
passenger; tickets cost the type's price times the count. So the cheapest trip is the
cheapest second-class train with a seat, the first hotel's cheapest free room, and the
tickets, and the sampler sets the budget a little above it (or, for the infeasible twin,
below it).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Protocol

from droidpilot.device.sim.apps.geo import city
from droidpilot.device.sim.apps.tickets.model import TicketPurchase
from droidpilot.device.sim.apps.travel.model import HotelBooking, TripBooking
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.apps.world import format_money
from droidpilot.tasks.checkers import (
    AllOf,
    FinishInfeasible,
    Row,
    RowsCheck,
    paid_hotel,
    paid_tickets,
    paid_trip,
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
from droidpilot.tasks.tickets import buy_tickets_steps, open_attraction
from droidpilot.tasks.travelkit import (
    TICKETS,
    TRAVEL,
    date_words,
    fill_trip,
    open_travel,
    pick_route,
    route_params,
    search_trips,
    tickets,
    travel,
)
from droidpilot.types import Action, FinishAction

__all__ = ["SPECS", "cheapest_trip"]

APPS = (TRAVEL, TICKETS, WalletApp.package)
OVER_BUDGET = ("budget", "over", "exceed", "too expensive", "not enough", "预算", "超出", "超过",
               "不够", "太贵")  # fmt: skip


def cheapest_trip(rng: random.Random, w: World) -> dict[str, ParamValue]:
    """A destination with hotels and an attraction, a day, a stay, the tickets, and the
    cheapest way to do it all (``_cost``, cents); ``LookupError`` when this draw cannot."""
    t = travel(w)
    tk = tickets(w)
    dest, day, trips = pick_route(rng, w, "train", days=(1, 6))
    sights = tk.in_city(dest)
    if not sights or not t.hotels.in_city(dest):
        raise LookupError(f"no hotel or attraction in {dest}")
    seated = tuple(x for x in trips if t.timetable.remaining(x, "second") >= 1)
    train = t.timetable.cheapest(seated, "second")
    if train is None:
        raise LookupError("no second-class seat")
    nights = rng.randint(1, 2)
    check_out = day + dt.timedelta(days=nights)
    found = t.hotels.search(dest, day, check_out)
    if not found:
        raise LookupError("no hotel free")
    h = found[0]
    room = min(
        (r for r in h.rooms if t.hotels.available(h.id, r.code, day, check_out) >= 1),
        key=lambda r: t.hotels.quote(h.id, r.code, day, check_out),
    )
    stay = t.hotels.quote(h.id, room.code, day, check_out)
    visit = day + dt.timedelta(days=nights - 1)
    count = rng.randint(1, 2)
    sight = rng.choice(sights)
    if visit not in tk.sale_days() or tk.remaining(sight.id, visit, "adult") < count:
        raise LookupError("no tickets that day")
    fare = train.fare("second").price
    tickets_cost = sight.price("adult") * count
    cost = fare + stay + tickets_cost
    if cost > w.wallet.balance:
        raise LookupError("the wallet cannot pay for it")
    out = route_params(w, dest, day)
    out.update(
        {
            "city": Bi.of(city(dest).name),
            "nights": nights,
            "out": date_words(check_out),
            "place": Bi.of(sight.name),
            "count": count,
            "visit": date_words(visit),
            "_dest": dest,
            "_city": dest,
            "_number": train.number,
            "_class": "second",
            "_in": day.isoformat(),
            "_out": check_out.isoformat(),
            "_cap": (stay // nights // 10000 + 1) * 10000,
            "_hotel": Bi.of(h.name),
            "_room": room.code,
            "_aid": sight.id,
            "_type": "adult",
            "_visit": visit.isoformat(),
            "_cost": cost,
        }
    )
    return out


# --------------------------------------------------------------------------- the state


class _Record(Protocol):
    @property
    def order_no(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def total(self) -> int: ...


Legs = Callable[[World, Params, Baseline], Sequence[_Record]]


def _trains(w: World, p: Params, b: Baseline) -> list[TripBooking]:
    known = set(b.known)
    return [
        x
        for x in travel(w).trip_bookings
        if x.id not in known
        and x.status != "cancelled"
        and x.kind == "train"
        and x.destination == p.s("_dest")
        and x.date.isoformat() == p.s("_day")
    ]


def _hotels(w: World, p: Params, b: Baseline) -> list[HotelBooking]:
    known = set(b.known)
    return [
        x
        for x in travel(w).hotel_bookings
        if x.id not in known
        and x.status != "cancelled"
        and x.city == p.s("_dest")
        and x.check_in.isoformat() == p.s("_in")
        and x.check_out.isoformat() == p.s("_out")
    ]


def _tickets(w: World, p: Params, b: Baseline) -> list[TicketPurchase]:
    known = set(b.known)
    return [
        x
        for x in tickets(w).purchases
        if x.id not in known
        and x.status != "cancelled"
        and x.attraction_id == p.s("_aid")
        and x.date.isoformat() == p.s("_visit")
        and x.quantity == p.i("count")
    ]


LEGS: tuple[tuple[str, Legs], ...] = (("train", _trains), ("hotel", _hotels), ("tickets", _tickets))


def _leg(name: str, find: Legs, *, paid: bool, weight: float) -> Milestone:
    def check(w: World, p: Params, b: Baseline) -> Hit:
        got = [x for x in find(w, p, b) if not paid or x.status == "paid"]
        if not got:
            return hit(False, f"no {name}{' paid' if paid else ' booked'}")
        return hit(True, f"{name} {got[0].order_no} {got[0].status}")

    return Milestone(name=f"{name}_{'paid' if paid else 'booked'}", weight=weight, check=check)


def _success(w: World, p: Params, b: Baseline) -> Hit:
    paid = {name: [x for x in find(w, p, b) if x.status == "paid"] for name, find in LEGS}
    missing = [name for name, got in paid.items() if not got]
    if missing:
        return hit(False, f"not paid: {', '.join(missing)}")
    spent = sum(x.total for got in paid.values() for x in got)
    within = spent <= p.i("_budget")
    return hit(
        within,
        f"train, hotel and tickets paid: {format_money(spent)} "
        f"{'within' if within else 'over'} the budget of {format_money(p.i('_budget'))}",
    )


def _right_payment(w: World, p: Params, b: Baseline, txn: object) -> bool:
    ref = getattr(txn, "order_ref", None)
    known = set(b.known)
    ours = [x.order_no for x in travel(w).bookings if x.id not in known]
    ours += [x.order_no for x in tickets(w).purchases if x.id not in known]
    return ref in ours


# --------------------------------------------------------------------------- the oracle


def travel_start(d: Driver) -> None:
    """The travel app's search form (back out of a finished order first)."""
    open_travel(d)
    for _ in range(6):
        if d.find(d.t("Hotels", "酒店"), exact=True, scroll=False) is not None:
            return
        d.back()


def _book_hotel(d: Driver, p: Params) -> None:
    travel_start(d)
    d.tap(d.t("Hotels", "酒店"), exact=True)
    d.type(p.t("city", d.lang), rid="city")
    d.pick_date("check_in", dt.date.fromisoformat(p.s("_in")))
    d.pick_date("check_out", dt.date.fromisoformat(p.s("_out")))
    d.type(str(p.i("_cap") // 100), rid="max_price")
    d.tap(rid="search_hotels")
    d.tap(p.t("_hotel", d.lang), rid="hotel", prefix=True)
    d.tap(rid=f"book_{p.s('_room')}")
    d.tap(rid="pay")
    d.pay(p.s("pin"))


def plan_trip() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        out = cheapest_trip(rng, w)
        cost = int(str(out["_cost"]))
        budget = (cost * 11 // 10 // 10000 + 1) * 10000  # about 10% over, whole ¥100
        budget = min(budget, w.wallet.balance)
        out.update({"budget": format_money(budget), "_budget": budget})
        return out

    def oracle(d: Driver, p: Params) -> Action:
        search_trips(d, p)
        fill_trip(d, p.s("_number"), "second")
        d.tap(rid="pay")
        d.pay(p.s("pin"))
        _book_hotel(d, p)
        open_attraction(d, p)
        buy_tickets_steps(d, p, day=dt.date.fromisoformat(p.s("_visit")))
        return FinishAction(
            status="success",
            message=d.t(
                "Train, hotel and tickets booked and paid.", "火车、酒店和门票都已预订并支付。"
            ),
        )

    ms = (
        _leg("train", _trains, paid=False, weight=0.1),
        _leg("train", _trains, paid=True, weight=0.25),
        _leg("hotel", _hotels, paid=False, weight=0.1),
        _leg("hotel", _hotels, paid=True, weight=0.2),
        _leg("tickets", _tickets, paid=False, weight=0.1),
        _leg("tickets", _tickets, paid=True, weight=0.25),
    )
    return TaskSpec(
        id="TravelPlanTrip",
        suites=("crossapp", "travel", "tickets"),
        apps=APPS,
        difficulty="hard",
        tags=("book", "pay", "hotel", "tickets", "budget", "multi-stop"),
        goal_en="Plan my trip to {to}: a second-class train from {from} on {date}, a hotel room "
        "in {city} for {nights} night(s) from that day (check out {out}), and {count} adult "
        "ticket(s) for {place} on {visit}. Spend at most {budget} in total, and pay for each "
        "with the wallet (PIN {pin}).",
        goal_zh="帮我安排去{to}的行程：{date}从{from}出发的二等座火车票，当天起在{city}住{nights}晚的"
        "酒店（{out}离店），再买{count}张{visit}的{place}成人票。总花费不超过{budget}，"
        "每笔都用钱包支付（密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=120,
        milestones=ms,
        success=_success,
        effects=Effects(pays=3, right_payment=_right_payment),
        sensitive=("booking", "payment"),
        checker=AllOf(
            checks=(
                paid_trip(number=False),
                paid_hotel(),
                paid_tickets(day_key="_visit"),
                RowsCheck(
                    uri="content://com.droidpilot.wallet/transactions",
                    predicate=_rows_within_budget,
                    what="the trip's payments within the budget",
                ),
            )
        ),
    )


def _rows_within_budget(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
    """Over adb: the newest payments to travel and tickets add up to at most the budget."""
    legs = [r for r in rows if r.get("caller") in (TRAVEL, TICKETS) and r.get("kind") == "payment"]
    legs.sort(key=lambda r: int(r.get("at", "0") or 0), reverse=True)
    spent = sum(int(r.get("amount", "0") or 0) for r in legs[:3])
    budget = int(p.get("_budget", "0") or 0)
    return spent <= budget, f"the last 3 trip payments: {format_money(spent)} of {p.get('budget')}"


def plan_trip_over_budget() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        out = cheapest_trip(rng, w)
        cost = int(str(out["_cost"]))
        budget = cost * 4 // 5 // 10000 * 10000  # at least 20% short, whole ¥100
        if budget <= 0:
            raise LookupError("too cheap a trip to be over budget")
        out.update({"budget": format_money(budget), "_budget": budget})
        return out

    def on_attraction(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == TICKETS and w.activity.endswith("AttractionActivity")
        return hit(on, "attraction prices open" if on else "not on the attraction page")

    def oracle(d: Driver, p: Params) -> Action:
        search_trips(d, p)  # the train fares
        d.must(p.s("_number"), rid="trip", prefix=True, within="results")
        travel_start(d)  # the hotel prices
        d.tap(d.t("Hotels", "酒店"), exact=True)
        d.type(p.t("city", d.lang), rid="city")
        d.pick_date("check_in", dt.date.fromisoformat(p.s("_in")))
        d.pick_date("check_out", dt.date.fromisoformat(p.s("_out")))
        d.tap(rid="search_hotels")
        d.must(p.t("_hotel", d.lang), rid="hotel", prefix=True)
        open_attraction(d, p)  # the ticket price
        cost = format_money(p.i("_cost"))
        return FinishAction(
            status="infeasible",
            message=d.t(
                f"The cheapest train, hotel and tickets come to {cost}, over the budget.",
                f"最便宜的火车、酒店和门票合计{cost}，超出预算。",
            ),
        )

    return TaskSpec(
        id="TravelPlanTripOverBudget",
        suites=("infeasible", "crossapp", "travel"),
        apps=APPS,
        kind="infeasible",
        difficulty="hard",
        tags=("budget", "multi-stop", "infeasible"),
        goal_en="Plan my trip to {to}: a second-class train from {from} on {date}, a hotel room "
        "in {city} for {nights} night(s) from that day (check out {out}), and {count} adult "
        "ticket(s) for {place} on {visit}, all for at most {budget} in total. Pay with the "
        "wallet (PIN {pin}).",
        goal_zh="帮我安排去{to}的行程：{date}从{from}出发的二等座火车票，当天起在{city}住{nights}晚的"
        "酒店（{out}离店），再买{count}张{visit}的{place}成人票，总共不超过{budget}。"
        "用钱包支付（密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=54,
        milestones=(Milestone(name="prices_compared", weight=1.0, check=on_attraction),),
        reason=OVER_BUDGET,
        checker=FinishInfeasible(reason=OVER_BUDGET),
    )


SPECS: tuple[TaskSpec, ...] = (plan_trip(), plan_trip_over_budget())
