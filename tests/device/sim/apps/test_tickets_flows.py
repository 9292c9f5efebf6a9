from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.tickets import TicketsApp
from droidpilot.device.sim.apps.ui import format_date
from droidpilot.device.sim.apps.wallet.app import WalletApp
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_find_attraction_read_remaining_buy_and_pay(lang: str) -> None:
    d = Driver(seed=4, lang=lang)
    m = d.phone.read(TicketsApp)
    a = m.find("Forbidden City")
    assert a is not None
    d.open("Tickets")
    d.type(a.name.get(lang), rid="search")
    d.hide_keyboard()
    d.tap(a.name.get(lang), rid="attraction")
    # the page opens on the first available day; every sold-out day says so in the strip
    first = m.first_available(a.id)
    assert first is not None
    shown = d.must(rid="chosen_day").text
    assert format_date(first, lang) in shown
    sold_out = [day for day in m.sale_days() if m.status(a.id, day) == "sold_out"]
    strip = d.view().text
    assert d.t("Sold out", "售罄") in strip or not sold_out
    # choose a later open day and read the adult tickets left
    day = next(x for x in m.sale_days() if x > first and m.remaining(a.id, x, "adult") >= 2)
    d.tap(format_date(day, lang), rid="day")
    left = m.remaining(a.id, day, "adult")
    assert d.t(f"{left} left", f"剩余{left}张") in d.must(rid="type_info").text
    d.tap(rid="plus_adult")
    d.tap(rid="plus_adult")
    d.tap(rid="buy")
    (p,) = d.phone.read(TicketsApp).purchases
    assert (p.date, p.ticket_type, p.quantity) == (day, "adult", 2)
    d.tap(rid="pay")
    d.pay(d.phone.read(WalletApp).pin)
    p = d.phone.read(TicketsApp).purchases[0]
    assert p.status == "paid"
    assert d.phone.read(TicketsApp).remaining(a.id, day, "adult") == left - 2


def test_cannot_buy_on_a_sold_out_day() -> None:
    d = Driver(seed=6, lang="en")
    m = d.phone.read(TicketsApp)
    a = m.attractions[0]
    day = next(x for x in m.sale_days() if m.status(a.id, x) == "sold_out")
    d.open("Tickets")
    d.tap(a.name.en, rid="attraction")
    d.tap(format_date(day, "en"), rid="day")
    assert "Sold out" in d.must(rid="chosen_day").text
    d.tap(rid="plus_adult")
    d.tap(rid="buy")
    assert d.phone.read(TicketsApp).purchases == ()
