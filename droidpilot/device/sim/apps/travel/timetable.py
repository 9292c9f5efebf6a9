"""Train and flight timetables: services per route and date, fares and remaining seats.

Generated lazily and deterministically from ``(seed, route, date)``: the same route carries
the same train numbers and times every day (as real timetables do), while which services run,
flight prices and the seats left change from day to day. Only what bookings change (seats
taken) is mutable state, so copying a timetable is cheap.

Content rules tasks can rely on:

- sales open for ``HORIZON_DAYS`` days from today; outside it there are no services;
- every city pair has high-speed trains (``G``/``D``) on most days; on about 7 % of days a
  route has none at all (line maintenance); about 7 % of trains do not run on a given day;
- some pairs also have one overnight ``K`` train (hard seat, hard sleeper, soft sleeper);
- flights fly between cities with airports at least 450 km apart (Suzhou has none);
- a class with 0 seats left is sold out; about 8 % of trains are sold out in every class.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Literal, cast

from droidpilot.device.sim.app import Static
from droidpilot.device.sim.apps.geo import CITIES, City, city, distance_km
from droidpilot.device.sim.apps.world import Memo, Text, sub_rng
from droidpilot.errors import ValidationError

__all__ = [
    "CLASS_NAMES",
    "HORIZON_DAYS",
    "Fare",
    "Timetable",
    "Trip",
    "TripKind",
    "is_window",
    "seat_kind",
]

HORIZON_DAYS = 30
TripKind = Literal["train", "flight"]

CLASS_NAMES: dict[str, Text] = {
    "business": Text("Business", "商务座"),
    "first": Text("First class", "一等座"),
    "second": Text("Second class", "二等座"),
    "soft_sleeper": Text("Soft sleeper", "软卧"),
    "hard_sleeper": Text("Hard sleeper", "硬卧"),
    "hard_seat": Text("Hard seat", "硬座"),
    "economy": Text("Economy", "经济舱"),
    "flight_business": Text("Business", "公务舱"),
    "flight_first": Text("First", "头等舱"),
}
_SEAT_LETTERS: dict[str, str] = {
    "business": "ACF",
    "first": "ACDF",
    "second": "ABCDF",
    "economy": "ABCDEF",
    "flight_business": "ACDF",
    "flight_first": "ACDF",
}
_AIRLINES: tuple[tuple[str, Text], ...] = (
    ("CA", Text("Air China", "中国国际航空")),
    ("MU", Text("China Eastern", "东方航空")),
    ("CZ", Text("China Southern", "南方航空")),
    ("HU", Text("Hainan Airlines", "海南航空")),
    ("9C", Text("Spring Airlines", "春秋航空")),
)


def is_window(letter: str) -> bool:
    """A and F are window seats in every class, on trains and planes."""
    return letter.upper() in ("A", "F")


def seat_kind(letter: str) -> Literal["window", "aisle", "middle"]:
    up = letter.upper()
    if up in ("A", "F"):
        return "window"
    return "aisle" if up in ("C", "D") else "middle"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fare(Static):
    seat_class: str
    price: int  # cents, per passenger

    @property
    def name(self) -> Text:
        return CLASS_NAMES[self.seat_class]


@dataclass(frozen=True, slots=True, kw_only=True)
class Trip(Static):
    """One train or flight on one date."""

    id: str  # "G1234:BJS-SHA:2024-05-03"
    kind: TripKind
    number: str
    carrier: Text
    origin: str  # city code
    destination: str
    from_place: Text  # station or airport
    to_place: Text
    depart: dt.datetime
    arrive: dt.datetime
    fares: tuple[Fare, ...]  # most expensive class first

    @property
    def date(self) -> dt.date:
        return self.depart.date()

    @property
    def duration_min(self) -> int:
        return int((self.arrive - self.depart).total_seconds() // 60)

    @property
    def overnight(self) -> bool:
        return self.arrive.date() > self.depart.date()

    def fare(self, seat_class: str) -> Fare:
        for f in self.fares:
            if f.seat_class == seat_class:
                return f
        raise ValidationError(f"{self.number} has no {seat_class!r} class")

    def seat_letters(self, seat_class: str) -> str:
        """The letters a passenger may choose in ``seat_class`` ("" where there is no choice)."""
        self.fare(seat_class)
        return _SEAT_LETTERS.get(seat_class, "")


@dataclass(frozen=True, slots=True)
class _Service(Static):
    """A daily service of a route: number and times, the same every day."""

    number: str
    depart_min: int  # minutes after midnight
    duration_min: int
    prices: tuple[tuple[str, int], ...]  # (class, base yuan)
    carrier: Text


def _rail_km(a: City, b: City) -> float:
    return max(80.0, distance_km(a, b) * 1.2)


class Timetable:
    """Every train and flight on sale, with seats left per class."""

    def __init__(self, seed: int, today: dt.date, *, horizon_days: int = HORIZON_DAYS) -> None:
        self.seed = seed
        self.today = today
        self.horizon_days = horizon_days
        self._taken: dict[tuple[str, str], int] = {}  # (trip id, class) -> seats booked
        self._memo = Memo()  # generated routes and days, shared by snapshots

    # ------------------------------------------------------------------ queries

    def on_sale(self, day: dt.date) -> bool:
        return self.today <= day < self.today + dt.timedelta(days=self.horizon_days)

    def trains(self, origin: str, destination: str, day: dt.date) -> tuple[Trip, ...]:
        return self._day("train", origin, destination, day)[0]

    def flights(self, origin: str, destination: str, day: dt.date) -> tuple[Trip, ...]:
        return self._day("flight", origin, destination, day)[0]

    def search(
        self, kind: TripKind, origin: str, destination: str, day: dt.date
    ) -> tuple[Trip, ...]:
        return self._day(kind, origin, destination, day)[0]

    def trip(self, trip_id: str) -> Trip:
        """The trip with this id (``ValidationError`` if there is none)."""
        try:
            number, route, iso = trip_id.split(":")
            origin, destination = route.split("-")
            day = dt.date.fromisoformat(iso)
        except ValueError as exc:
            raise ValidationError(f"not a trip id: {trip_id!r}") from exc
        kind: TripKind = "train" if number[:1] in ("G", "D", "K") else "flight"
        for t in self._day(kind, origin, destination, day)[0]:
            if t.id == trip_id:
                return t
        raise ValidationError(f"no such trip: {trip_id!r}")

    def remaining(self, trip: Trip | str, seat_class: str) -> int:
        trip_id = trip if isinstance(trip, str) else trip.id
        t = self.trip(trip_id) if isinstance(trip, str) else trip
        base = self._day(t.kind, t.origin, t.destination, t.date)[1].get(f"{t.id}/{seat_class}", 0)
        return max(0, base - self._taken.get((t.id, seat_class), 0))

    def sold_out(self, trip: Trip) -> bool:
        return all(self.remaining(trip, f.seat_class) == 0 for f in trip.fares)

    def cheapest(self, trips: tuple[Trip, ...], seat_class: str | None = None) -> Trip | None:
        """The trip with the lowest available fare (in ``seat_class`` if given)."""
        best: tuple[int, dt.datetime, Trip] | None = None
        for t in trips:
            for f in t.fares:
                if seat_class not in (None, f.seat_class) or self.remaining(t, f.seat_class) == 0:
                    continue
                if best is None or (f.price, t.depart) < best[:2]:
                    best = (f.price, t.depart, t)
        return None if best is None else best[2]

    def fastest(self, trips: tuple[Trip, ...]) -> Trip | None:
        """The shortest trip that is not sold out (earliest departure breaks ties)."""
        open_trips = [t for t in trips if not self.sold_out(t)]
        return min(open_trips, key=lambda t: (t.duration_min, t.depart), default=None)

    # ------------------------------------------------------------------ bookings

    def take(self, trip: Trip, seat_class: str, count: int) -> int:
        """Take ``count`` seats; returns how many were taken before (for seat numbers)."""
        trip.fare(seat_class)
        left = self.remaining(trip, seat_class)
        if count < 1 or count > left:
            raise ValidationError(f"{trip.number} {seat_class}: {left} left, asked for {count}")
        before = self._taken.get((trip.id, seat_class), 0)
        self._taken[(trip.id, seat_class)] = before + count
        return before

    def give_back(self, trip_id: str, seat_class: str, count: int) -> None:
        key = (trip_id, seat_class)
        self._taken[key] = max(0, self._taken.get(key, 0) - count)

    # ------------------------------------------------------------------ generation

    def _services(self, kind: TripKind, origin: str, destination: str) -> tuple[_Service, ...]:
        key = ("route", kind, origin, destination)
        cached = cast("tuple[_Service, ...] | None", self._memo.data.get(key))
        if cached is None:
            a, b = city(origin), city(destination)
            if a.code == b.code:
                cached = ()
            elif kind == "train":
                cached = self._train_services(a, b)
            else:
                cached = self._flight_services(a, b)
            self._memo.data[key] = cached
        return cached

    def _train_services(self, a: City, b: City) -> tuple[_Service, ...]:
        rng = sub_rng(self.seed, "rail", a.code, b.code)
        km = _rail_km(a, b)
        if km <= 400:
            count = rng.randint(8, 12)
        else:
            count = rng.randint(5, 9) if km <= 1300 else rng.randint(3, 5)
        numbers: set[str] = set()
        out: list[_Service] = []
        starts = sorted(rng.sample(range(6 * 12, 21 * 12), count))
        for start in starts:
            high_speed = km > 1300 or rng.random() > 0.25
            letter = "G" if high_speed else "D"
            number = f"{letter}{rng.randrange(1, 2000)}"
            while number in numbers:
                number = f"{letter}{rng.randrange(1, 2000)}"
            numbers.add(number)
            speed = rng.uniform(230, 290) if high_speed else rng.uniform(170, 200)
            duration = int(km / speed * 60 + rng.randint(10, 40))
            second = round(km * (0.46 if high_speed else 0.31) * rng.uniform(0.95, 1.05))
            prices = (("business", round(second * 3.15)), ("first", round(second * 1.6)),
                      ("second", second))  # fmt: skip
            kind = Text("High-speed", "高铁") if high_speed else Text("EMU", "动车")
            out.append(_Service(number, start * 5, duration, prices, kind))
        if 300 <= km <= 2600 and rng.random() < 0.5:
            number = f"K{rng.randrange(100, 1500)}"
            duration = int(km / rng.uniform(65, 85) * 60)
            prices = (("soft_sleeper", round(km * 0.25)), ("hard_sleeper", round(km * 0.16)),
                      ("hard_seat", max(20, round(km * 0.085))))  # fmt: skip
            out.append(_Service(number, rng.randrange(17 * 12, 23 * 12) * 5, duration, prices,
                                Text("Express", "快速")))  # fmt: skip
        return tuple(sorted(out, key=lambda s: s.depart_min))

    def _flight_services(self, a: City, b: City) -> tuple[_Service, ...]:
        km = distance_km(a, b)
        if a.airport is None or b.airport is None or km < 450:
            return ()
        rng = sub_rng(self.seed, "air", a.code, b.code)
        out: list[_Service] = []
        numbers: set[str] = set()
        for start in sorted(rng.sample(range(7 * 12, 22 * 12), rng.randint(3, 8))):
            code, airline = rng.choice(_AIRLINES)
            number = f"{code}{rng.randrange(1000, 9999)}"
            while number in numbers:
                number = f"{code}{rng.randrange(1000, 9999)}"
            numbers.add(number)
            duration = int(km / 750 * 60 + rng.randint(30, 50))
            economy = round((km * 0.75 + 200) / 10) * 10
            prices: tuple[tuple[str, int], ...] = (("flight_business", economy * 3),
                                                   ("economy", economy))  # fmt: skip
            if code != "9C" and rng.random() < 0.3:
                prices = (("flight_first", economy * 5), *prices)
            out.append(_Service(number, start * 5, duration, prices, airline))
        return tuple(out)

    def _day(
        self, kind: TripKind, origin: str, destination: str, day: dt.date
    ) -> tuple[tuple[Trip, ...], dict[str, int]]:
        key = ("day", kind, origin, destination, day)
        cached = cast("tuple[tuple[Trip, ...], dict[str, int]] | None", self._memo.data.get(key))
        if cached is not None:
            return cached
        trips: list[Trip] = []
        seats: dict[str, int] = {}
        if self.on_sale(day) and origin in _CODES and destination in _CODES:
            rng = sub_rng(self.seed, kind, origin, destination, day.isoformat())
            a, b = city(origin), city(destination)
            suspended = kind == "train" and rng.random() < 0.07
            for svc in self._services(kind, origin, destination):
                runs = rng.random() >= (0.07 if kind == "train" else 0.03)
                if suspended or not runs:
                    continue
                trip = self._make_trip(kind, svc, a, b, day, rng.uniform(0.35, 1.0))
                full = rng.random() < 0.08
                for fare in trip.fares:
                    left = 0 if full else _seats(rng, fare.seat_class)
                    seats[f"{trip.id}/{fare.seat_class}"] = left
                trips.append(trip)
        result = (tuple(sorted(trips, key=lambda t: t.depart)), seats)
        self._memo.data[key] = result
        return result

    def _make_trip(
        self, kind: TripKind, svc: _Service, a: City, b: City, day: dt.date, discount: float
    ) -> Trip:
        depart = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=svc.depart_min)
        fares = []
        for seat_class, yuan in svc.prices:
            if seat_class == "economy":  # flight prices move with the date
                yuan = max(150, round(yuan * discount / 10) * 10)
            fares.append(Fare(seat_class=seat_class, price=yuan * 100))
        if kind == "train":
            places = (a.station, b.station)
        else:
            assert a.airport is not None
            assert b.airport is not None
            places = (a.airport, b.airport)
        return Trip(
            id=f"{svc.number}:{a.code}-{b.code}:{day.isoformat()}",
            kind=kind,
            number=svc.number,
            carrier=svc.carrier,
            origin=a.code,
            destination=b.code,
            from_place=places[0],
            to_place=places[1],
            depart=depart,
            arrive=depart + dt.timedelta(minutes=svc.duration_min),
            fares=tuple(fares),
        )


_CODES = {c.code for c in CITIES}


def _seats(rng: random.Random, seat_class: str) -> int:
    scarce = seat_class in ("business", "flight_first", "flight_business", "soft_sleeper")
    if rng.random() < (0.3 if scarce else 0.12):
        return 0
    if scarce:
        return rng.randint(1, 12)
    tier = rng.random()
    if tier < 0.3:
        return rng.randint(1, 9)
    return rng.randint(10, 60) if tier < 0.7 else rng.randint(61, 300)
