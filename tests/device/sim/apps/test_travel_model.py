from __future__ import annotations

import copy
import datetime as dt

import pytest

from droidpilot.device.sim.apps.geo import CITIES, find_city
from droidpilot.device.sim.apps.travel.model import TravelModel
from droidpilot.device.sim.apps.travel.timetable import HORIZON_DAYS, is_window
from droidpilot.errors import ValidationError

TODAY = dt.date(2025, 3, 14)
NOW = dt.datetime(2025, 3, 14, 9, 30)


def _day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_same_seed_same_timetable_and_hotels() -> None:
    a, b = TravelModel(7, TODAY), TravelModel(7, TODAY)
    assert a.timetable.trains("BJS", "SHA", _day(3)) == b.timetable.trains("BJS", "SHA", _day(3))
    assert a.timetable.flights("BJS", "CAN", _day(3)) == b.timetable.flights("BJS", "CAN", _day(3))
    assert a.hotels.in_city("HGZ") == b.hotels.in_city("HGZ")
    assert a.passengers == b.passengers
    c = TravelModel(8, TODAY)
    assert c.timetable.trains("BJS", "SHA", _day(3)) != a.timetable.trains("BJS", "SHA", _day(3))


def test_trains_have_times_prices_and_classes() -> None:
    m = TravelModel(1, TODAY)
    found = 0
    for n in range(5):
        for t in m.timetable.trains("BJS", "SHA", _day(n)):
            found += 1
            assert t.arrive > t.depart
            assert t.duration_min > 60
            assert t.from_place.en == "Beijing South"
            assert t.date == _day(n)
            if t.number[0] in "GD":
                assert [f.seat_class for f in t.fares] == ["business", "first", "second"]
                assert t.fares[0].price > t.fares[1].price > t.fares[2].price
            assert t.id == f"{t.number}:BJS-SHA:{_day(n).isoformat()}"
            assert m.timetable.trip(t.id) == t
    assert found > 10


def test_sold_out_classes_and_days_without_trains_exist() -> None:
    m = TravelModel(3, TODAY)
    zero = empty = 0
    for a in CITIES[:6]:
        for b in CITIES[:6]:
            if a is b:
                continue
            for n in range(HORIZON_DAYS):
                trains = m.timetable.trains(a.code, b.code, _day(n))
                empty += not trains
                zero += sum(
                    m.timetable.remaining(t, f.seat_class) == 0 for t in trains for f in t.fares
                )
    assert empty > 0
    assert zero > 0
    assert m.timetable.trains("BJS", "SHA", _day(HORIZON_DAYS)) == ()
    assert m.timetable.trains("BJS", "SHA", _day(-1)) == ()


def test_no_flights_to_a_city_without_an_airport() -> None:
    m = TravelModel(1, TODAY)
    assert m.timetable.flights("BJS", "SZV", _day(1)) == ()
    assert m.timetable.flights("BJS", "CAN", _day(1))
    assert find_city("苏州") is not None
    assert find_city("Hangzhou East") == find_city("hangzhou")


def test_cheapest_and_fastest() -> None:
    m = TravelModel(2, TODAY)
    trains = m.timetable.trains("SHA", "BJS", _day(2)) or m.timetable.trains("SHA", "BJS", _day(3))
    cheap = m.timetable.cheapest(trains, "second")
    fast = m.timetable.fastest(trains)
    assert cheap is not None
    assert fast is not None
    open_prices = [
        t.fare("second").price for t in trains
        if any(f.seat_class == "second" for f in t.fares) and m.timetable.remaining(t, "second")
    ]  # fmt: skip
    assert cheap.fare("second").price == min(open_prices)
    assert fast.duration_min == min(t.duration_min for t in trains if not m.timetable.sold_out(t))


def _bookable(m: TravelModel, seat_class: str = "second", need: int = 2) -> str:
    for n in range(1, 10):
        for t in m.timetable.trains("BJS", "SHA", _day(n)):
            has = seat_class in [f.seat_class for f in t.fares]
            if has and m.timetable.remaining(t, seat_class) >= need:
                return t.id
    raise AssertionError("no bookable train")


def test_book_pay_and_cancel_a_train() -> None:
    m = TravelModel(4, TODAY)
    trip_id = _bookable(m)
    trip = m.timetable.trip(trip_id)
    left = m.timetable.remaining(trip, "second")
    b = m.book_trip(trip_id, "second", ["P1", "P2"], seat_prefs=["A", "F"], now=NOW)
    assert b.status == "unpaid"
    assert b.total == 2 * trip.fare("second").price
    assert b.seat_letters == ("A", "F")
    assert all(is_window(x) for x in b.seat_letters)
    assert len(set(b.seats)) == 2
    assert m.timetable.remaining(trip, "second") == left - 2
    m.mark_paid(b.id, "TXN1")
    assert m.booking(b.id).status == "paid"
    quote = m.refund_quote(b.id, NOW)
    assert quote is not None
    done = m.cancel(b.id, NOW)
    assert done.status == "cancelled"
    assert done.refund + done.fee == b.total
    assert m.timetable.remaining(trip, "second") == left
    with pytest.raises(ValidationError):
        m.cancel(b.id, NOW)


def test_refund_fee_rules() -> None:
    m = TravelModel(5, TODAY)
    trip_id = _bookable(m, need=1)
    trip = m.timetable.trip(trip_id)
    b = m.book_trip(trip_id, "second", ["P1"], now=NOW)
    m.mark_paid(b.id, "T")
    price = b.total
    for hours, rate in ((200, 0.0), (100, 0.05), (30, 0.1), (5, 0.2)):
        quote = m.refund_quote(b.id, trip.depart - dt.timedelta(hours=hours))
        assert quote == (price - round(price * rate / 100) * 100, round(price * rate / 100) * 100)
    assert m.refund_quote(b.id, trip.depart + dt.timedelta(minutes=1)) is None


def test_booking_more_seats_than_left_fails() -> None:
    m = TravelModel(6, TODAY)
    for n in range(1, 10):
        for t in m.timetable.trains("BJS", "SHA", _day(n)):
            if m.timetable.remaining(t, "business") == 0:
                with pytest.raises(ValidationError):
                    m.book_trip(t.id, "business", ["P1"], now=NOW)
                return
    pytest.fail("no sold-out business class found")


def test_child_pays_half_and_new_passenger() -> None:
    m = TravelModel(9, TODAY)
    kid = m.add_passenger("Li Xiaobao", "110101201501011234", "child")
    assert m.find_passenger("li xiaobao") == kid
    trip_id = _bookable(m)
    b = m.book_trip(trip_id, "second", ["P1", kid.id], now=NOW)
    price = m.timetable.trip(trip_id).fare("second").price
    assert b.total == price + price // 2
    with pytest.raises(ValidationError):
        m.add_passenger("X", "123")


def test_flight_booking_seat_letters() -> None:
    m = TravelModel(10, TODAY)
    for n in range(1, 8):
        for f in m.timetable.flights("BJS", "CAN", _day(n)):
            if m.timetable.remaining(f, "economy") >= 1:
                assert f.seat_letters("economy") == "ABCDEF"
                b = m.book_trip(f.id, "economy", ["P1"], seat_prefs=["C"], now=NOW)
                assert b.seat_letters == ("C",)
                assert b.order_no.startswith("F")
                return
    pytest.fail("no flight with economy seats")


def test_hotels_search_quote_book_and_cancel() -> None:
    m = TravelModel(11, TODAY)
    hotels = m.hotels.in_city("HGZ")
    assert len(hotels) == 6
    check_in, check_out = _day(5), _day(8)
    found = m.hotels.search("HGZ", check_in, check_out)
    assert found
    cheap = m.hotels.search("HGZ", check_in, check_out, max_night_price=300_00)
    assert all(h in found for h in cheap)
    h = found[0]
    room = next(r for r in h.rooms if m.hotels.available(h.id, r.code, check_in, check_out) > 0)
    quote = m.hotels.quote(h.id, room.code, check_in, check_out)
    assert quote >= 3 * room.price
    left = m.hotels.available(h.id, room.code, check_in, check_out)
    b = m.book_hotel(h.id, room.code, check_in, check_out, now=NOW)
    assert b.total == quote
    assert b.nights == 3
    assert m.hotels.available(h.id, room.code, check_in, check_out) == left - 1
    m.mark_paid(b.id, "TX")
    assert m.refund_quote(b.id, NOW) == (quote, 0)
    assert m.cancel(b.id, NOW).refund == quote
    assert m.hotels.available(h.id, room.code, check_in, check_out) == left


def test_deepcopy_shares_generated_content_and_copies_bookings() -> None:
    m = TravelModel(12, TODAY)
    trip_id = _bookable(m)
    snap = copy.deepcopy(m)
    m.book_trip(trip_id, "second", ["P1"], now=NOW)
    assert snap.bookings == ()
    assert snap.timetable._memo is m.timetable._memo
    trip = m.timetable.trip(trip_id)
    assert snap.timetable.remaining(trip, "second") == m.timetable.remaining(trip, "second") + 1
