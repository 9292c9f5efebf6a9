"""Attraction ticket tasks: tickets left on a date (a question), buying tickets of a type on
a day that is not sold out, the first available day (buy, and ask)."""

from __future__ import annotations

import datetime as dt
import random

from droidpilot.device.sim.apps.tickets.model import TICKET_TYPES, TicketPurchase
from droidpilot.device.sim.apps.ui import format_date
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.tasks.answers import Expected
from droidpilot.tasks.checkers import paid_tickets
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
from droidpilot.tasks.travelkit import TICKETS, date_words, left_count, tickets
from droidpilot.types import Action, AnswerAction, FinishAction

__all__ = ["SPECS", "buy_tickets_steps", "open_attraction"]

APPS = (TICKETS, WalletApp.package)
TYPES = tuple(TICKET_TYPES)


def _attraction(rng: random.Random, w: World) -> dict[str, ParamValue]:
    a = rng.choice(tickets(w).attractions)
    return {"place": Bi.of(a.name), "_aid": a.id, "pin": w.wallet.pin}


def open_attraction(d: Driver, p: Params) -> None:
    d.open(d.t("Tickets", "畅游门票"))
    d.type(p.t("place", d.lang), rid="search")
    d.tap(p.t("place", d.lang), rid="attraction")


def pick_day(d: Driver, day: dt.date) -> None:
    d.tap(format_date(day, d.lang), rid="day", within="days")


def buy_tickets_steps(d: Driver, p: Params, *, day: dt.date | None) -> None:
    """On an attraction's page: the day (None: as opened), the count, buy, pay."""
    if day is not None:
        pick_day(d, day)
    for _ in range(p.i("count")):
        d.tap(rid=f"plus_{p.s('_type')}")
    d.tap(rid="buy")
    d.tap(rid="pay")
    d.pay(p.s("pin"))


def _purchases(w: World, p: Params, b: Baseline, day: str | None) -> list[TicketPurchase]:
    known = set(b.known)
    return [
        x
        for x in tickets(w).purchases
        if x.id not in known
        and x.status != "cancelled"
        and x.attraction_id == p.s("_aid")
        and x.ticket_type == p.s("_type")
        and x.quantity == p.i("count")
        and (day is None or x.date.isoformat() == day)
    ]


def _right_payment(w: World, p: Params, b: Baseline, txn: object) -> bool:
    ref = getattr(txn, "order_ref", None)
    known = set(b.known)
    return any(x.order_no == ref for x in tickets(w).purchases if x.id not in known)


def _buy_milestones(day_of: str) -> tuple[Milestone, ...]:
    def held(w: World, p: Params, b: Baseline) -> Hit:
        got = _purchases(w, p, b, p.s(day_of))
        return hit(bool(got), f"purchase {got[0].order_no}" if got else "no purchase")

    def paid(w: World, p: Params, b: Baseline) -> Hit:
        got = [x for x in _purchases(w, p, b, p.s(day_of)) if x.status == "paid"]
        return hit(bool(got), f"purchase {got[0].order_no} paid" if got else "not paid")

    return (
        Milestone(name="held", weight=0.5, check=held),
        Milestone(name="paid", weight=0.5, check=paid),
    )


def _done(d: Driver) -> Action:
    return FinishAction(status="success", message=d.t("Tickets bought.", "门票已购买。"))


def buy_on_day() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        m = tickets(w)
        out = _attraction(rng, w)
        kind = rng.choice(TYPES)
        count = rng.randint(1, 3)
        days = [x for x in m.sale_days() if m.remaining(str(out["_aid"]), x, kind) >= count]
        day = rng.choice(days)
        out.update(
            {
                "count": count,
                "type": Bi.of(TICKET_TYPES[kind]),
                "_type": kind,
                "date": date_words(day),
                "_day": day.isoformat(),
            }
        )
        return out

    def oracle(d: Driver, p: Params) -> Action:
        open_attraction(d, p)
        buy_tickets_steps(d, p, day=dt.date.fromisoformat(p.s("_day")))
        return _done(d)

    ms = _buy_milestones("_day")
    return TaskSpec(
        id="TicketsBuyForDay",
        suites=("tickets",),
        apps=APPS,
        difficulty="easy",
        tags=("buy", "pay"),
        goal_en="Buy {count} {type} ticket(s) for {place} on {date} and pay with the wallet "
        "(PIN {pin}).",
        goal_zh="买{count}张{date}的{place}{type}，用钱包支付（密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=48,
        milestones=ms,
        success=ms[1].check,
        effects=Effects(pays=1, right_payment=_right_payment),
        sensitive=("payment",),
        checker=paid_tickets("_day"),
    )


def buy_first_day() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        m = tickets(w)
        out = _attraction(rng, w)
        first = m.first_available(str(out["_aid"]), "adult", 2)
        if first is None or first != m.first_available(str(out["_aid"])):
            raise LookupError("the first open day has too few tickets")
        out.update(
            {
                "count": 2,
                "type": Bi.of(TICKET_TYPES["adult"]),
                "_type": "adult",
                "_day": first.isoformat(),
            }
        )
        return out

    def oracle(d: Driver, p: Params) -> Action:
        open_attraction(d, p)
        buy_tickets_steps(d, p, day=None)
        return _done(d)

    ms = _buy_milestones("_day")
    return TaskSpec(
        id="TicketsBuyFirstAvailable",
        suites=("tickets",),
        apps=APPS,
        difficulty="medium",
        tags=("buy", "pay", "date"),
        goal_en="Buy 2 adult tickets for {place} for the first day that still has tickets, and "
        "pay (PIN {pin}).",
        goal_zh="给{place}买2张成人票，日期选最早还有票的那一天，并支付（密码{pin}）。",
        sample=sample,
        oracle=oracle,
        budget=34,
        milestones=ms,
        success=ms[1].check,
        effects=Effects(pays=1, right_payment=_right_payment),
        sensitive=("payment",),
        checker=paid_tickets("_day"),
    )


def _on_page(w: World, p: Params, b: Baseline) -> Hit:
    on = w.package == TICKETS and w.activity.endswith("AttractionActivity")
    return hit(on, "attraction page open" if on else "not on the attraction page")


def ask_left() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        m = tickets(w)
        out = _attraction(rng, w)
        days = [x for x in m.sale_days() if m.status(str(out["_aid"]), x) == "available"]
        day = rng.choice(days)
        kind = rng.choice(TYPES)
        out.update(
            {
                "type": Bi.of(TICKET_TYPES[kind]),
                "_type": kind,
                "date": date_words(day),
                "_day": day.isoformat(),
            }
        )
        return out

    def answer(w: World, p: Params, b: Baseline) -> Expected:
        day = dt.date.fromisoformat(p.s("_day"))
        return Expected(kind="int", value=tickets(w).remaining(p.s("_aid"), day, p.s("_type")))

    def oracle(d: Driver, p: Params) -> Action:
        open_attraction(d, p)
        pick_day(d, dt.date.fromisoformat(p.s("_day")))
        infos = [it.text for it in d.obs().view.items if it.resource_id.endswith(":id/type_info")]
        if len(infos) < len(TYPES):
            d.find(rid="ticket_senior")
            infos = [
                it.text for it in d.obs().view.items if it.resource_id.endswith(":id/type_info")
            ]
        return AnswerAction(text=left_count(infos[TYPES.index(p.s("_type"))]))

    return TaskSpec(
        id="TicketsAskRemaining",
        suites=("tickets", "qa"),
        apps=(TICKETS,),
        kind="question",
        difficulty="easy",
        tags=("question",),
        goal_en="How many {type} tickets for {place} are left on {date}?",
        goal_zh="{place}{date}的{type}还剩多少张？",
        sample=sample,
        oracle=oracle,
        budget=24,
        milestones=(Milestone(name="attraction_open", weight=1.0, check=_on_page),),
        answer=answer,
    )


def ask_first_day() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        return _attraction(rng, w)

    def answer(w: World, p: Params, b: Baseline) -> Expected:
        first = tickets(w).first_available(p.s("_aid"))
        if first is None:
            return Expected(kind="text", forms=("none",))
        return Expected(kind="date", value=first)

    def oracle(d: Driver, p: Params) -> Action:
        open_attraction(d, p)
        shown = d.text_of("chosen_day").split(" · ")[0]
        return AnswerAction(text=shown)

    return TaskSpec(
        id="TicketsAskFirstAvailable",
        suites=("tickets", "qa"),
        apps=(TICKETS,),
        kind="question",
        difficulty="easy",
        tags=("question", "date"),
        goal_en="What is the first day I can still get tickets for {place}?",
        goal_zh="{place}最早哪天还有票？",
        sample=sample,
        oracle=oracle,
        budget=14,
        milestones=(Milestone(name="attraction_open", weight=1.0, check=_on_page),),
        answer=answer,
    )


SPECS: tuple[TaskSpec, ...] = (buy_on_day(), buy_first_day(), ask_left(), ask_first_day())
