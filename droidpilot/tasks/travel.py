"""Travel tasks: a train or flight on a date (number, class, passenger), in a time window with
a seat preference, the cheapest or the fastest; a hotel in a city for dates under a price;
cancelling a booking; how many seats are left."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from droidpilot.device.sim.apps.travel.model import HotelBooking, TripBooking
from droidpilot.device.sim.apps.travel.timetable import Trip
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.apps.world import format_money
from droidpilot.device.sim.phone import SimPhone
from droidpilot.tasks.answers import Expected
from droidpilot.tasks.checkers import (
    RealChecker,
    Row,
    cancelled_trip,
    paid_hotel,
    paid_trip,
)
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import (
    Baseline,
    Bi,
    Difficulty,
    Effects,
    Hit,
    Milestone,
    Params,
    ParamValue,
    Sampler,
    TaskSpec,
    World,
    hit,
)
from droidpilot.tasks.travelkit import (
    TRAVEL,
    book_and_pay_trip,
    class_words,
    date_words,
    fill_trip,
    left_count,
    new_trips,
    open_travel,
    pick_route,
    right_travel_payment,
    route_params,
    search_trips,
    travel,
)
from droidpilot.types import Action, AnswerAction, FinishAction

__all__ = ["SPECS"]

APPS = (TRAVEL, WalletApp.package)
WINDOWS = ((6, 10), (8, 12), (10, 14), (12, 17), (14, 19), (17, 22))
TripCheck = Callable[[TripBooking, World, Params], bool]


def _done(d: Driver) -> Action:
    return FinishAction(status="success", message=d.t("Booked and paid.", "已预订并支付。"))


def _open_class(w: World, t: Trip, rng: random.Random) -> str:
    tt = travel(w).timetable
    cash = w.wallet.balance
    classes = [
        f.seat_class for f in t.fares if tt.remaining(t, f.seat_class) >= 2 and f.price * 2 <= cash
    ]
    if not classes:
        raise LookupError(f"{t.number} is sold out")
    return rng.choice(classes)


def _trip_milestones(ok: TripCheck) -> tuple[Milestone, ...]:
    def matching(w: World, p: Params, b: Baseline) -> tuple[TripBooking, ...]:
        return tuple(x for x in new_trips(w, b) if x.status != "cancelled" and ok(x, w, p))

    def booked(w: World, p: Params, b: Baseline) -> Hit:
        got = matching(w, p, b)
        return hit(
            bool(got),
            f"booking {got[0].order_no} {got[0].number}" if got else "no matching booking",
        )

    def paid(w: World, p: Params, b: Baseline) -> Hit:
        got = [x for x in matching(w, p, b) if x.status == "paid"]
        return hit(bool(got), f"booking {got[0].order_no} paid" if got else "not paid")

    return (
        Milestone(name="booked", weight=0.5, check=booked),
        Milestone(name="paid", weight=0.5, check=paid),
    )


def _trip_spec(
    *,
    id: str,
    goal_en: str,
    goal_zh: str,
    sample: Sampler,
    ok: TripCheck,
    difficulty: Difficulty = "medium",
    flights: bool = False,
    budget: int = 46,
    tags: tuple[str, ...] = (),
    checker: RealChecker | None = None,
) -> TaskSpec:
    ms = _trip_milestones(ok)

    def oracle(d: Driver, p: Params) -> Action:
        search_trips(d, p, flights=flights)
        fill_trip(
            d,
            p.s("_number"),
            p.s("_class"),
            seat=p.s("_seat") if "_seat" in p else "",
            passenger=p.s("_passenger") if "_passenger" in p else "P1",
        )
        d.tap(rid="pay")
        d.pay(p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=id,
        suites=("travel",),
        apps=APPS,
        difficulty=difficulty,
        tags=("book", "pay", *tags),
        goal_en=goal_en,
        goal_zh=goal_zh,
        sample=sample,
        oracle=oracle,
        budget=budget,
        milestones=ms,
        success=ms[1].check,
        effects=Effects(pays=1, right_payment=right_travel_payment),
        sensitive=("booking", "payment"),
        checker=checker,
    )


def _base(w: World, p: Params, x: TripBooking) -> bool:
    return (
        x.origin == travel(w).owner.home_city
        and x.date.isoformat() == p.s("_day")
        and x.destination == p.s("_dest")
    )


def _window_row(r: Row, p: Row) -> bool:
    """Over adb: leaves within the hours, a window seat (A or F)."""
    try:
        hour = dt.datetime.fromtimestamp(int(r.get("depart", "")) / 1000, dt.UTC).hour
    except ValueError:
        return False
    return int(p["_lo"]) <= hour < int(p["_hi"]) and r.get("seat_letters") in ("A", "F")


def _minutes_row(r: Row, p: Row) -> bool:
    try:
        minutes = (int(r.get("arrive", "")) - int(r.get("depart", ""))) // 60_000
    except ValueError:
        return False
    return minutes == int(p["_minutes"])


# --------------------------------------------------------------------------- trains


def book_train() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        dest, day, trips = pick_route(rng, w, "train")
        t = rng.choice(trips)
        cls = _open_class(w, t, rng)
        who = rng.choice(travel(w).passengers)
        out = route_params(w, dest, day)
        out.update(
            {
                "number": t.number,
                "class": class_words(cls),
                "who": Bi.of(who.name),
                "_number": t.number,
                "_class": cls,
                "_passenger": who.id,
                "_dest": dest,
            }
        )
        return out

    def ok(x: TripBooking, w: World, p: Params) -> bool:
        return (
            _base(w, p, x)
            and x.number == p.s("_number")
            and x.seat_class == p.s("_class")
            and [q.id for q in x.passengers] == [p.s("_passenger")]
        )

    return _trip_spec(
        id="TravelBookTrain",
        sample=sample,
        ok=ok,
        checker=paid_trip(
            lambda r, p: r.get("passengers") == p.get("_passenger"),
            what="a paid booking of that train, class and passenger",
        ),
        difficulty="easy",
        goal_en="Book train {number} from {from} to {to} on {date}, {class}, for {who}, and pay "
        "with the wallet (PIN {pin}).",
        goal_zh="帮{who}订{date}从{from}到{to}的{number}次列车，{class}，用钱包支付（密码{pin}）。",
    )


def book_train_window() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        tt = travel(w).timetable
        for _ in range(50):
            dest, day, trips = pick_route(rng, w, "train")
            lo, hi = rng.choice(WINDOWS)
            fits = [
                t
                for t in trips
                if lo <= t.depart.hour < hi
                and "second" in [f.seat_class for f in t.fares]
                and tt.remaining(t, "second") >= 1
            ]
            if fits:
                break
        else:
            raise LookupError("no train in any window")
        seat = rng.choice("AF")
        out = route_params(w, dest, day)
        out.update(
            {
                "after": f"{lo:02d}:00",
                "before": f"{hi:02d}:00",
                "_lo": lo,
                "_hi": hi,
                "_number": fits[0].number,
                "_class": "second",
                "_seat": seat,
                "_dest": dest,
            }
        )
        return out

    def ok(x: TripBooking, w: World, p: Params) -> bool:
        return (
            _base(w, p, x)
            and p.i("_lo") <= x.depart.hour < p.i("_hi")
            and x.seat_class == "second"
            and x.seat_letters[:1] in (("A",), ("F",))
        )

    return _trip_spec(
        id="TravelBookTrainWindowSeat",
        sample=sample,
        ok=ok,
        checker=paid_trip(_window_row, number=False, what="a paid window seat in the window"),
        tags=("window",),
        goal_en="Book me a second-class train ticket from {from} to {to} on {date}, leaving "
        "between {after} and {before}, with a window seat. Pay with PIN {pin}.",
        goal_zh="帮我订{date}从{from}到{to}、{after}到{before}之间出发的二等座火车票，要靠窗座位，"
        "用密码{pin}支付。",
    )


def book_cheapest() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        tt = travel(w).timetable
        dest, day, trips = pick_route(rng, w, "train", min_trips=2)
        best = tt.cheapest(trips, "second")
        if best is None:
            raise LookupError("no second class")
        out = route_params(w, dest, day)
        out.update(
            {
                "_number": best.number,
                "_class": "second",
                "_dest": dest,
                "_price": best.fare("second").price,
            }
        )
        return out

    def ok(x: TripBooking, w: World, p: Params) -> bool:
        return (
            _base(w, p, x)
            and x.seat_class == "second"
            and x.total == p.i("_price") * len(x.passengers)
        )

    return _trip_spec(
        id="TravelBookCheapestTrain",
        sample=sample,
        ok=ok,
        checker=paid_trip(
            lambda r, p: r.get("total") == p.get("_price"),
            number=False,
            what="a paid second-class seat at the cheapest fare",
        ),
        tags=("compare",),
        goal_en="Book the cheapest second-class train ticket from {from} to {to} on {date} and "
        "pay for it (PIN {pin}).",
        goal_zh="订{date}从{from}到{to}最便宜的二等座火车票并支付（密码{pin}）。",
    )


def book_fastest() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        tt = travel(w).timetable
        dest, day, trips = pick_route(rng, w, "train", min_trips=2)
        best = tt.fastest(trips)
        if best is None:
            raise LookupError("all sold out")
        cls = _open_class(w, best, rng)
        out = route_params(w, dest, day)
        out.update(
            {"_number": best.number, "_class": cls, "_dest": dest, "_minutes": best.duration_min}
        )
        return out

    def ok(x: TripBooking, w: World, p: Params) -> bool:
        minutes = int((x.arrive - x.depart).total_seconds() // 60)
        return _base(w, p, x) and minutes == p.i("_minutes")

    return _trip_spec(
        id="TravelBookFastestTrain",
        sample=sample,
        ok=ok,
        checker=paid_trip(
            _minutes_row, number=False, seat_class=False, what="a paid seat on the fastest train"
        ),
        tags=("compare",),
        goal_en="Book a ticket on the fastest train from {from} to {to} on {date} (any class "
        "with seats) and pay with PIN {pin}.",
        goal_zh="订{date}从{from}到{to}耗时最短的一趟火车（有票的任意席别），用密码{pin}支付。",
    )


def book_flight() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        dest, day, trips = pick_route(rng, w, "flight")
        t = rng.choice(trips)
        cls = _open_class(w, t, rng)
        out = route_params(w, dest, day)
        out.update(
            {
                "number": t.number,
                "class": class_words(cls),
                "_number": t.number,
                "_class": cls,
                "_dest": dest,
            }
        )
        return out

    def ok(x: TripBooking, w: World, p: Params) -> bool:
        return (
            _base(w, p, x)
            and x.kind == "flight"
            and x.number == p.s("_number")
            and x.seat_class == p.s("_class")
        )

    return _trip_spec(
        id="TravelBookFlight",
        sample=sample,
        ok=ok,
        checker=paid_trip(kind="flight"),
        flights=True,
        tags=("flight",),
        goal_en="Book flight {number} from {from} to {to} on {date} in {class} and pay with the "
        "wallet (PIN {pin}).",
        goal_zh="订{date}从{from}飞{to}的{number}航班，{class}，用钱包支付（密码{pin}）。",
    )


# --------------------------------------------------------------------------- hotels


def book_hotel() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        t = travel(w)
        from droidpilot.device.sim.apps.geo import CITIES, city

        code = rng.choice([c.code for c in CITIES if t.hotels.in_city(c.code)])
        check_in = t.today + dt.timedelta(days=rng.randint(1, 8))
        nights = rng.randint(1, 3)
        check_out = check_in + dt.timedelta(days=nights)
        found = t.hotels.search(code, check_in, check_out)
        if not found:
            raise LookupError("no hotel free")
        h = found[0]
        room = min(
            (r for r in h.rooms if t.hotels.available(h.id, r.code, check_in, check_out) >= 1),
            key=lambda r: t.hotels.quote(h.id, r.code, check_in, check_out),
        )
        avg = t.hotels.quote(h.id, room.code, check_in, check_out) // nights
        cap = (avg // 10000 + 1) * 10000
        return {
            "city": Bi.of(city(code).name),
            "in": date_words(check_in),
            "out": date_words(check_out),
            "cap": format_money(cap),
            "pin": w.wallet.pin,
            "_city": code,
            "_in": check_in.isoformat(),
            "_out": check_out.isoformat(),
            "_cap": cap,
            "_hotel": Bi.of(h.name),
            "_room": room.code,
        }

    def matching(w: World, p: Params, b: Baseline) -> list[HotelBooking]:
        known = set(b.known)
        out = []
        for x in travel(w).hotel_bookings:
            if x.id in known or x.status == "cancelled":
                continue
            if (
                x.city == p.s("_city")
                and x.check_in.isoformat() == p.s("_in")
                and x.check_out.isoformat() == p.s("_out")
                and x.total // max(1, x.nights * x.rooms) <= p.i("_cap")
            ):
                out.append(x)
        return out

    def booked(w: World, p: Params, b: Baseline) -> Hit:
        got = matching(w, p, b)
        return hit(bool(got), f"hotel booking {got[0].order_no}" if got else "no booking")

    def paid(w: World, p: Params, b: Baseline) -> Hit:
        got = [x for x in matching(w, p, b) if x.status == "paid"]
        return hit(bool(got), f"hotel booking {got[0].order_no} paid" if got else "not paid")

    def oracle(d: Driver, p: Params) -> Action:
        open_travel(d)
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
        return _done(d)

    ms = (
        Milestone(name="booked", weight=0.5, check=booked),
        Milestone(name="paid", weight=0.5, check=paid),
    )
    return TaskSpec(
        id="TravelBookHotel",
        suites=("travel",),
        apps=APPS,
        difficulty="medium",
        tags=("hotel", "book", "pay"),
        goal_en="Book a hotel room in {city}, checking in {in} and out {out}, at most {cap} a "
        "night; pay with PIN {pin}.",
        goal_zh="在{city}订一间酒店，{in}入住，{out}离店，每晚不超过{cap}，用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=50,
        milestones=ms,
        success=paid,
        effects=Effects(pays=1, right_payment=right_travel_payment),
        sensitive=("booking", "payment"),
        checker=paid_hotel(cap=True),
    )


# --------------------------------------------------------------------------- after booking


def _booked_sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
    dest, day, trips = pick_route(rng, w, "train", days=(2, 10))
    t = rng.choice(trips)
    cls = _open_class(w, t, rng)
    out = route_params(w, dest, day)
    out.update({"number": t.number, "_trip": t.id, "_class": cls, "class": class_words(cls)})
    return out


def _booked_setup(phone: SimPhone, p: Params) -> dict[str, str]:
    b = book_and_pay_trip(phone, p.s("_trip"), p.s("_class"))
    return {"booking": b.id}


def cancel_booking() -> TaskSpec:
    def cancelled(w: World, p: Params, b: Baseline) -> Hit:
        x = travel(w).booking(b.ref("booking"))
        return hit(
            x.status == "cancelled",
            f"booking {x.order_no} {x.status}, refund {format_money(x.refund)}",
        )

    def opened(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == TRAVEL and w.activity.endswith("OrderDetailActivity")
        return hit(on or cancelled(w, p, b)[0], "order open" if on else "elsewhere")

    def oracle(d: Driver, p: Params) -> Action:
        open_travel(d)
        d.tap(rid="my_trips")
        d.tap(p.s("number"), rid="booking")
        d.tap(rid="cancel")
        d.tap(rid="android:id/button1")
        return FinishAction(status="success", message=d.t("Cancelled.", "已退订。"))

    return TaskSpec(
        id="TravelCancelBooking",
        suites=("travel",),
        apps=(TRAVEL,),
        difficulty="easy",
        tags=("cancel",),
        goal_en="Cancel my train ticket for {number} from {from} to {to} on {date}.",
        goal_zh="退掉我{date}从{from}到{to}的{number}次火车票。",
        sample=_booked_sample,
        setup=_booked_setup,
        oracle=oracle,
        budget=16,
        milestones=(
            Milestone(name="order_open", weight=0.3, check=opened),
            Milestone(name="cancelled", weight=0.7, check=cancelled),
        ),
        success=cancelled,
        sensitive=("cancel",),
        checker=cancelled_trip(),
    )


def seats_left() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        dest, day, trips = pick_route(rng, w, "train")
        t = rng.choice(trips)
        cls = rng.choice([f.seat_class for f in t.fares])
        out = route_params(w, dest, day)
        out.update(
            {
                "number": t.number,
                "class": class_words(cls),
                "_trip": t.id,
                "_class": cls,
                "_dest": dest,
            }
        )
        return out

    def answer(w: World, p: Params, b: Baseline) -> Expected:
        return Expected(
            kind="int", value=travel(w).timetable.remaining(p.s("_trip"), p.s("_class"))
        )

    def opened(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == TRAVEL and (
            w.activity.endswith("SearchResultActivity") or w.activity.endswith("OrderFillActivity")
        )
        return hit(on, "trip listed" if on else "not on the results")

    def oracle(d: Driver, p: Params) -> Action:
        search_trips(d, p)
        d.tap(p.s("number"), rid="trip", prefix=True, within="results")
        line = d.text_of(f"class_{p.s('_class')}")
        return AnswerAction(text=left_count(line))

    return TaskSpec(
        id="TravelAskSeatsLeft",
        suites=("travel", "qa"),
        apps=(TRAVEL,),
        kind="question",
        difficulty="easy",
        tags=("question", "seats"),
        goal_en="How many {class} seats are left on train {number} from {from} to {to} on {date}?",
        goal_zh="{date}从{from}到{to}的{number}次列车{class}还剩几张票？",
        sample=sample,
        oracle=oracle,
        budget=24,
        milestones=(Milestone(name="trip_found", weight=1.0, check=opened),),
        answer=answer,
    )


SPECS: tuple[TaskSpec, ...] = (
    book_train(),
    book_train_window(),
    book_cheapest(),
    book_fastest(),
    book_flight(),
    book_hotel(),
    cancel_booking(),
    seats_left(),
)
