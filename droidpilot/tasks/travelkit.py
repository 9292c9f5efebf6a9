"""What the travel and ticket tasks share: reading the seeded timetables, date words, paying in
setup, and oracle steps for the travel app (search trains/flights/hotels, fill the order)."""

from __future__ import annotations

import datetime as dt
import random
import re

from droidpilot.device.sim.apps.geo import CITIES, city
from droidpilot.device.sim.apps.tickets import TicketsApp
from droidpilot.device.sim.apps.tickets.model import TicketsModel
from droidpilot.device.sim.apps.travel import MERCHANT, TravelApp
from droidpilot.device.sim.apps.travel.model import TravelModel, TripBooking
from droidpilot.device.sim.apps.travel.timetable import CLASS_NAMES, Trip, TripKind
from droidpilot.device.sim.apps.wallet.model import WalletModel
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.phone import SimPhone
from droidpilot.errors import TaskError
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import Baseline, Bi, Params, ParamValue, World

__all__ = [
    "TRAVEL",
    "book_and_pay_trip",
    "date_words",
    "left_count",
    "new_trips",
    "pay_in_setup",
    "pick_route",
    "search_trips",
    "tickets",
    "travel",
]

TRAVEL = TravelApp.package
TICKETS = TicketsApp.package
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def travel(w: World) -> TravelModel:
    return w.phone.read(TravelApp)


def tickets(w: World) -> TicketsModel:
    return w.phone.read(TicketsApp)


def date_words(day: dt.date) -> Bi:
    """How a goal names a date: ``March 18`` / ``3月18日``."""
    return Bi(f"{_MONTHS[day.month - 1]} {day.day}", f"{day.month}月{day.day}日")


def class_words(seat_class: str) -> Bi:
    return Bi.of(CLASS_NAMES[seat_class])


def left_count(text: str) -> str:
    """``12 left`` / ``余12张`` / ``剩余12张`` / ``Sold out`` out of a line, as words."""
    m = re.search(r"(\d+) left|余(\d+)张", text)
    if m:
        return m.group(1) or m.group(2)
    if "Sold out" in text or "无票" in text or "售罄" in text:
        return "0"
    raise TaskError(f"no seats-left count in {text!r}")


def pick_route(
    rng: random.Random,
    w: World,
    kind: TripKind,
    *,
    min_trips: int = 1,
    days: tuple[int, int] = (1, 10),
) -> tuple[str, dt.date, tuple[Trip, ...]]:
    """A destination from the home city and a day with at least ``min_trips`` on sale."""
    t = travel(w)
    home = t.owner.home_city
    options = []
    for c in CITIES:
        if c.code == home:
            continue
        for off in range(days[0], days[1] + 1):
            day = t.today + dt.timedelta(days=off)
            trips = t.timetable.search(kind, home, c.code, day)
            open_trips = tuple(x for x in trips if not t.timetable.sold_out(x))
            if len(open_trips) >= min_trips:
                options.append((c.code, day, open_trips))
    if not options:
        raise LookupError(f"no {kind} route from {home}")
    return rng.choice(options)


def route_params(w: World, dest: str, day: dt.date) -> dict[str, ParamValue]:
    t = travel(w)
    return {
        "from": Bi.of(city(t.owner.home_city).name),
        "to": Bi.of(city(dest).name),
        "date": date_words(day),
        "_day": day.isoformat(),
        "pin": w.wallet.pin,
    }


def new_trips(w: World, b: Baseline) -> tuple[TripBooking, ...]:
    known = set(b.known)
    return tuple(x for x in travel(w).trip_bookings if x.id not in known)


def right_travel_payment(w: World, p: Params, b: Baseline, txn: object) -> bool:
    ref = getattr(txn, "order_ref", None)
    known = set(b.known)
    return any(x.order_no == ref for x in travel(w).bookings if x.id not in known)


def pay_in_setup(
    wallet: WalletModel, *, merchant: Text, amount: int, ref: str, caller: str, now: dt.datetime
) -> str:
    """Setup: pay from the wallet without the PIN screen; the transaction id."""
    req = wallet.create_request(
        merchant=merchant, amount=amount, order_ref=ref, caller=caller, now=now
    )
    out = wallet.authorise(req.id, wallet.pin, now)
    if out.outcome == "need_code":
        out = wallet.confirm_code(req.id, wallet.pending_code(req.id) or "", now)
    if out.transaction is None:
        raise TaskError(f"setup could not pay {amount} for {ref}: {out.outcome}")
    return out.transaction.id


def book_and_pay_trip(phone: SimPhone, trip_id: str, seat_class: str) -> TripBooking:
    from droidpilot.device.sim.apps.wallet.app import WalletApp

    model = phone.model(TravelApp)
    now = phone.clock.now()
    b = model.book_trip(trip_id, seat_class, ["P1"], now=now)
    txn = pay_in_setup(
        phone.model(WalletApp),
        merchant=MERCHANT,
        amount=b.total,
        ref=b.order_no,
        caller=TRAVEL,
        now=now,
    )
    paid = model.mark_paid(b.id, txn)
    assert isinstance(paid, TripBooking)
    return paid


# --------------------------------------------------------------------------- oracle steps


def open_travel(d: Driver) -> None:
    d.open(d.t("Travel", "畅行旅行"))


def search_trips(d: Driver, p: Params, *, flights: bool = False) -> None:
    """From the travel app's search form: destination, date, search."""
    open_travel(d)
    if flights:
        d.tap(d.t("Flights", "机票"), exact=True)
    d.type(p.t("to", d.lang), rid="to")
    d.pick_date("date", dt.date.fromisoformat(p.s("_day")))
    d.tap(rid="search")


def fill_trip(
    d: Driver, number: str, seat_class: str, *, seat: str = "", passenger: str = "P1"
) -> None:
    """Open a trip from the results, choose class, seat and passenger, submit."""
    d.tap(number, rid="trip", prefix=True, within="results")
    d.select(rid=f"class_{seat_class}")
    if seat:
        d.select(rid=f"seat_{seat}")
    if passenger != "P1":
        d.tap(rid=f"passenger_{passenger}")
        d.tap(rid="passenger_P1")
    d.tap(rid="submit")
