"""The travel app's state: saved passengers, train/flight and hotel bookings, refunds.

A booking is created ``unpaid`` (seats or rooms are held), becomes ``paid`` when the wallet
reports a successful payment, and ``cancelled`` when the user cancels it; a paid booking that
is cancelled gets a refund by these rules (``refund = total - fee``, the fee rounded to whole
yuan):

- trains: departure 8 days or more away: no fee; 48 hours to 8 days: 5 %; 24 to 48 hours:
  10 %; under 24 hours: 20 %; once departed it cannot be cancelled;
- flights: 7 days or more away: 5 %; under 7 days: 20 %; once departed it cannot be cancelled;
- hotels: free until the day before check-in; from the check-in day on it cannot be cancelled.

A child pays half the adult fare. Seats: a passenger may ask for a seat letter (A/F window,
C/D aisle, B/E middle); each passenger of a booking gets a different seat.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.geo import city
from droidpilot.device.sim.apps.travel.hotels import Hotels
from droidpilot.device.sim.apps.travel.timetable import CLASS_NAMES, Timetable, Trip, TripKind
from droidpilot.device.sim.apps.world import Owner, Text, make_names, owner_for, sub_rng
from droidpilot.errors import ValidationError

__all__ = [
    "MERCHANT",
    "Booking",
    "BookingStatus",
    "HotelBooking",
    "Passenger",
    "TravelModel",
    "TripBooking",
    "summary",
]

BookingStatus = Literal["unpaid", "paid", "cancelled"]
PassengerKind = Literal["adult", "child"]
#: How the travel app appears on a payment and in the wallet's history.
MERCHANT = Text("Droid Travel", "畅行旅行")


@dataclass(frozen=True, slots=True, kw_only=True)
class Passenger(Static):
    id: str
    name: Text
    id_masked: str
    kind: PassengerKind = "adult"
    is_self: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TripBooking(Static):
    id: str
    order_no: str
    kind: TripKind
    trip_id: str
    number: str
    origin: str
    destination: str
    from_place: Text
    to_place: Text
    depart: dt.datetime
    arrive: dt.datetime
    seat_class: str
    passengers: tuple[Passenger, ...]
    seats: tuple[Text, ...]  # one per passenger, in the same order
    seat_letters: tuple[str, ...]  # "" where the class has no seat choice
    total: int  # cents
    status: BookingStatus = "unpaid"
    created: dt.datetime
    payment_ref: str = ""
    refund: int = 0
    fee: int = 0

    @property
    def date(self) -> dt.date:
        return self.depart.date()


@dataclass(frozen=True, slots=True, kw_only=True)
class HotelBooking(Static):
    id: str
    order_no: str
    hotel_id: str
    city: str
    hotel_name: Text
    room_type: str
    room_name: Text
    check_in: dt.date
    check_out: dt.date
    rooms: int
    guest: Text
    total: int
    status: BookingStatus = "unpaid"
    created: dt.datetime
    payment_ref: str = ""
    refund: int = 0
    fee: int = 0
    kind: Literal["hotel"] = "hotel"

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


Booking = TripBooking | HotelBooking


class TravelModel(Model):
    """Timetables, hotels, passengers and the user's bookings."""

    def __init__(self, seed: int, today: dt.date, *, owner: Owner | None = None) -> None:
        self.seed = seed
        self.today = today
        self.owner = owner or owner_for(seed)
        self.timetable = Timetable(seed, today)
        self.hotels = Hotels(seed, today)
        rng = sub_rng(seed, "passengers")
        me = Passenger(id="P1", name=self.owner.name, id_masked=self.owner.id_masked, is_self=True)
        others = make_names(rng, 2, avoid=(self.owner.name,))
        self._passengers: list[Passenger] = [me] + [
            Passenger(id=f"P{i + 2}", name=n, id_masked=_masked(rng)) for i, n in enumerate(others)
        ]
        self._bookings: list[Booking] = []

    # ------------------------------------------------------------------ task-facing, read-only

    @property
    def passengers(self) -> tuple[Passenger, ...]:
        return tuple(self._passengers)

    @property
    def bookings(self) -> tuple[Booking, ...]:
        """Every booking, oldest first, in any status."""
        return tuple(self._bookings)

    @property
    def trip_bookings(self) -> tuple[TripBooking, ...]:
        return tuple(b for b in self._bookings if isinstance(b, TripBooking))

    @property
    def hotel_bookings(self) -> tuple[HotelBooking, ...]:
        return tuple(b for b in self._bookings if isinstance(b, HotelBooking))

    def booking(self, booking_id: str) -> Booking:
        for b in self._bookings:
            if b.id == booking_id:
                return b
        raise ValidationError(f"no such booking: {booking_id!r}")

    def passenger(self, passenger_id: str) -> Passenger:
        for p in self._passengers:
            if p.id == passenger_id:
                return p
        raise ValidationError(f"no such passenger: {passenger_id!r}")

    def find_passenger(self, name: str) -> Passenger | None:
        return next((p for p in self._passengers if p.name.equals(name)), None)

    # ------------------------------------------------------------------ actions

    def add_passenger(self, name: str, id_number: str, kind: PassengerKind = "adult") -> Passenger:
        name = name.strip()
        digits = id_number.strip().upper()
        if not name:
            raise ValidationError("a passenger needs a name")
        if len(digits) != 18 or not digits[:17].isdigit():
            raise ValidationError("an ID number has 18 characters, the first 17 digits")
        found = self.find_passenger(name)
        if found is not None:
            return found
        p = Passenger(
            id=f"P{len(self._passengers) + 1}",
            name=Text.same(name),
            id_masked=digits[:4] + "*" * 10 + digits[-4:],
            kind=kind,
        )
        self._passengers.append(p)
        return p

    def book_trip(
        self,
        trip_id: str,
        seat_class: str,
        passenger_ids: Sequence[str],
        *,
        seat_prefs: Sequence[str] = (),
        now: dt.datetime,
    ) -> TripBooking:
        """Hold seats for the passengers and create an unpaid booking."""
        trip = self.timetable.trip(trip_id)
        fare = trip.fare(seat_class)
        people = tuple(self.passenger(pid) for pid in passenger_ids)
        if not people:
            raise ValidationError("choose at least one passenger")
        if len({p.id for p in people}) != len(people):
            raise ValidationError("a passenger is listed twice")
        if trip.depart <= now:
            raise ValidationError(f"{trip.number} has already left")
        letters = trip.seat_letters(seat_class)
        for pref in seat_prefs:
            if pref and pref.upper() not in letters:
                raise ValidationError(f"seat {pref!r} does not exist in {seat_class}")
        before = self.timetable.take(trip, seat_class, len(people))
        seats, chosen = [], []
        for i, _ in enumerate(people):
            pref = seat_prefs[i].upper() if i < len(seat_prefs) and seat_prefs[i] else ""
            seat, letter = _seat(trip, seat_class, letters, before + i, pref)
            seats.append(seat)
            chosen.append(letter)
        total = sum(fare.price // 2 if p.kind == "child" else fare.price for p in people)
        booking = TripBooking(
            id=f"B{len(self._bookings) + 1}",
            order_no=self._order_no("E" if trip.kind == "train" else "F"),
            kind=trip.kind,
            trip_id=trip.id,
            number=trip.number,
            origin=trip.origin,
            destination=trip.destination,
            from_place=trip.from_place,
            to_place=trip.to_place,
            depart=trip.depart,
            arrive=trip.arrive,
            seat_class=seat_class,
            passengers=people,
            seats=tuple(seats),
            seat_letters=tuple(chosen),
            total=total,
            created=now,
        )
        self._bookings.append(booking)
        return booking

    def book_hotel(
        self,
        hotel_id: str,
        room_type: str,
        check_in: dt.date,
        check_out: dt.date,
        *,
        rooms: int = 1,
        guest: Text | None = None,
        now: dt.datetime,
    ) -> HotelBooking:
        hotel = self.hotels.hotel(hotel_id)
        room = hotel.room(room_type)
        if check_in < now.date():
            raise ValidationError("check-in is in the past")
        self.hotels.take(hotel_id, room_type, check_in, check_out, rooms)
        booking = HotelBooking(
            id=f"B{len(self._bookings) + 1}",
            order_no=self._order_no("H"),
            hotel_id=hotel_id,
            city=hotel.city,
            hotel_name=hotel.name,
            room_type=room_type,
            room_name=room.name,
            check_in=check_in,
            check_out=check_out,
            rooms=rooms,
            guest=guest or self.owner.name,
            total=self.hotels.quote(hotel_id, room_type, check_in, check_out, rooms),
            created=now,
        )
        self._bookings.append(booking)
        return booking

    def mark_paid(self, booking_id: str, payment_ref: str) -> Booking:
        b = self.booking(booking_id)
        if b.status != "unpaid":
            raise ValidationError(f"booking {booking_id} is {b.status}, not unpaid")
        return self._replace(replace(b, status="paid", payment_ref=payment_ref))

    def refund_quote(self, booking_id: str, now: dt.datetime) -> tuple[int, int] | None:
        """``(refund, fee)`` in cents if the booking can be cancelled now, else ``None``."""
        b = self.booking(booking_id)
        if b.status == "cancelled":
            return None
        if isinstance(b, HotelBooking):
            if now.date() >= b.check_in:
                return None
            rate = 0.0
        else:
            hours = (b.depart - now).total_seconds() / 3600
            if hours <= 0:
                return None
            if b.kind == "train":
                rate = 0.0 if hours >= 192 else 0.05 if hours >= 48 else 0.1 if hours >= 24 else 0.2
            else:
                rate = 0.05 if hours >= 168 else 0.2
        if b.status == "unpaid":
            return (0, 0)
        fee = round(b.total * rate / 100) * 100
        return (b.total - fee, fee)

    def cancel(self, booking_id: str, now: dt.datetime) -> Booking:
        """Cancel a booking, free its seats or rooms, and record the refund it is owed."""
        quote = self.refund_quote(booking_id, now)
        b = self.booking(booking_id)
        if quote is None:
            raise ValidationError(f"booking {booking_id} can no longer be cancelled")
        if isinstance(b, HotelBooking):
            self.hotels.give_back(b.hotel_id, b.room_type, b.check_in, b.check_out, b.rooms)
        else:
            self.timetable.give_back(b.trip_id, b.seat_class, len(b.passengers))
        refund, fee = quote
        return self._replace(replace(b, status="cancelled", refund=refund, fee=fee))

    # ------------------------------------------------------------------ helpers

    def _replace(self, new: Booking) -> Booking:
        self._bookings = [new if b.id == new.id else b for b in self._bookings]
        return new

    def _order_no(self, prefix: str) -> str:
        rng = sub_rng(self.seed, "order", len(self._bookings))
        return prefix + "".join(str(rng.randrange(10)) for _ in range(9))


def _masked(rng: random.Random) -> str:
    return f"{rng.randrange(1100, 6500)}{'*' * 10}{rng.randrange(1000, 9999)}"


def _seat(trip: Trip, seat_class: str, letters: str, n: int, pref: str) -> tuple[Text, str]:
    """The ``n``-th seat sold in a class, at the preferred letter where one is asked for."""
    if trip.kind == "flight":
        row = {"flight_first": 1, "flight_business": 11}.get(seat_class, 31) + n
        letter = pref or letters[n % len(letters)]
        return Text(f"Seat {row}{letter}", f"{row}{letter}座"), letter
    if not letters:  # K trains: a numbered seat or berth, no choice
        car, number = 5 + n // 60, 1 + n % 60
        return Text(f"Car {car}, No. {number:03d}", f"{car:02d}车{number:03d}号"), ""
    car = {"business": 1, "first": 2}.get(seat_class, 4) + n // 18
    row = 1 + n % 18
    letter = pref or letters[n % len(letters)]
    return Text(f"Car {car}, Seat {row:02d}{letter}", f"{car:02d}车{row:02d}{letter}号"), letter


def summary(b: Booking, lang: str) -> str:
    """A booking confirmation in one line: what "Share" sends (order number included)."""
    zh = lang == "zh"
    if isinstance(b, HotelBooking):
        if zh:
            return (
                f"已预订：{b.hotel_name.zh}，{b.room_name.zh}×{b.rooms}，"
                f"{b.check_in:%Y-%m-%d}入住，{b.check_out:%Y-%m-%d}离店。订单号{b.order_no}"
            )
        return (
            f"Booked: {b.hotel_name.en}, {b.room_name.en} x{b.rooms}, check-in "
            f"{b.check_in:%Y-%m-%d}, check-out {b.check_out:%Y-%m-%d}. Order {b.order_no}"
        )
    cls = CLASS_NAMES[b.seat_class].get(lang)
    seats = ", ".join(s.get(lang) for s in b.seats)
    route = f"{city(b.origin).name.get(lang)} → {city(b.destination).name.get(lang)}"
    when = f"{b.depart:%Y-%m-%d %H:%M}"
    if zh:
        return f"已订票：{b.number} {route}，{when}出发，{cls}，{seats}。订单号{b.order_no}"
    return f"Booked: {b.number} {route}, departs {when}, {cls}, {seats}. Order {b.order_no}"
