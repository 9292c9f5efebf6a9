from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.device.sim.apps.geo import CITIES, city
from droidpilot.device.sim.apps.travel import TravelApp
from droidpilot.device.sim.apps.wallet.app import WalletApp
from tests.device.sim.apps.driver import Driver

LANGS = ["en", "zh"]


def _search_trains(d: Driver, to: str) -> None:
    d.open("Travel")
    d.type(to, rid="to")
    d.hide_keyboard()
    d.tap(rid="search")


@pytest.mark.parametrize("lang", LANGS)
def test_search_book_pay_share_and_cancel_a_train(lang: str) -> None:
    d = Driver(seed=3, lang=lang)
    travel = d.phone.read(TravelApp)
    home = travel.owner.home_city
    dest = "SHA" if home != "SHA" else "BJS"
    _search_trains(d, city(dest).name.get(lang))
    assert d.phone.current_activity().endswith(".ui.SearchResultActivity")
    day = travel.today + dt.timedelta(days=1)
    trips = travel.timetable.trains(home, dest, day)
    trip = next(t for t in trips if travel.timetable.remaining(t, "second") > 0)
    d.tap(trip.number + " |")
    d.tap(rid="class_second")
    d.tap(rid="seat_F")
    d.tap(rid="submit")
    (booking,) = d.phone.read(TravelApp).bookings
    assert booking.number == trip.number
    assert booking.seat_letters == ("F",)
    assert booking.status == "unpaid"
    d.tap(rid="pay")
    assert d.phone.current_package() == "com.droidpilot.wallet"
    d.pay(d.phone.read(WalletApp).pin)
    assert d.phone.current_package() == "com.droidpilot.travel"
    assert d.phone.read(TravelApp).bookings[0].status == "paid"
    wallet = d.phone.read(WalletApp)
    assert wallet.paid_for(booking.order_no) == booking.total
    balance = wallet.balance
    # share the confirmation to a contact through Messages
    d.tap(rid="share")
    friend = d.phone.read("com.droidpilot.contacts").friend
    d.type(friend.name.get(lang), rid="recipient")
    d.hide_keyboard()
    d.tap(rid="send")
    sent = d.phone.read("com.droidpilot.messages").sent_messages
    assert sent[-1].address == friend.phone
    assert booking.order_no in sent[-1].body.en
    d.back()  # back to the order
    d.tap(rid="cancel")
    d.tap(rid="button1", exact=False)
    b = d.phone.read(TravelApp).bookings[0]
    assert b.status == "cancelled"
    assert b.refund + b.fee == b.total
    assert d.phone.read(WalletApp).balance == balance + b.refund


@pytest.mark.parametrize("lang", LANGS)
def test_no_train_day_says_so_and_next_day_works(lang: str) -> None:
    d = Driver(seed=5, lang=lang)
    travel = d.phone.read(TravelApp)
    home = travel.owner.home_city
    tt = travel.timetable
    tomorrow = travel.today + dt.timedelta(days=1)
    dest = next(
        (c.code for c in CITIES if c.code != home and not tt.trains(home, c.code, tomorrow)),
        None,
    )
    if dest is None:
        pytest.skip("every route runs tomorrow for this seed")
    _search_trains(d, city(dest).name.get(lang))
    assert d.find(rid="empty") is not None
    d.tap(rid="next_day")
    after = tt.trains(home, dest, tomorrow + dt.timedelta(days=1))
    if after:
        assert d.find(after[0].number + " |") is not None


@pytest.mark.parametrize("lang", LANGS)
def test_book_a_hotel(lang: str) -> None:
    d = Driver(seed=2, lang=lang)
    d.open("Travel")
    d.tap(d.t("Hotels", "酒店"))
    d.tap(rid="search_hotels")
    travel = d.phone.read(TravelApp)
    check_in = travel.today + dt.timedelta(days=1)
    found = travel.hotels.search(travel.owner.home_city, check_in, check_in + dt.timedelta(1))
    d.tap(found[0].name.get(lang))
    h = found[0]
    room = next(r for r in h.rooms if travel.hotels.available(
        h.id, r.code, check_in, check_in + dt.timedelta(days=1)) > 0)  # fmt: skip
    d.tap(rid=f"book_{room.code}")
    (b,) = d.phone.read(TravelApp).hotel_bookings
    assert b.hotel_id == h.id
    assert b.room_type == room.code
    d.tap(rid="pay")
    d.pay(d.phone.read(WalletApp).pin)
    assert d.phone.read(TravelApp).hotel_bookings[0].status == "paid"
    d.back()
    d.back()
    d.back()
    d.tap(rid="my_trips")
    assert d.find(h.name.get(lang)) is not None
