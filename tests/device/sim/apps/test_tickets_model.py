from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.device.sim.apps.tickets.model import TICKET_DAYS, TicketsModel
from droidpilot.errors import ValidationError

TODAY = dt.date(2025, 3, 14)  # a Friday
NOW = dt.datetime(2025, 3, 14, 9, 30)


def test_deterministic_and_seed_dependent() -> None:
    a, b, c = TicketsModel(1, TODAY), TicketsModel(1, TODAY), TicketsModel(2, TODAY)
    days = a.sale_days()
    key = [(x.id, d, t) for x in a.attractions for d in days for t in ("adult", "child")]
    assert [a.remaining(*k) for k in key] == [b.remaining(*k) for k in key]
    assert [a.remaining(*k) for k in key] != [c.remaining(*k) for k in key]


def test_attractions_by_city_types_and_prices() -> None:
    m = TicketsModel(1, TODAY)
    bj = m.in_city("BJS")
    assert {x.name.en for x in bj} >= {"Forbidden City", "Temple of Heaven"}
    fc = m.find("故宫博物院")
    assert fc is not None
    assert fc.price("adult") == 6000
    assert fc.price("child") == fc.price("senior") == 3000
    with pytest.raises(ValidationError):
        fc.price("vip")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_attraction_has_a_sold_out_day_and_closed_mondays(seed: int) -> None:
    m = TicketsModel(seed, TODAY)
    days = m.sale_days()
    assert len(days) == TICKET_DAYS
    for a in m.attractions:
        statuses = [m.status(a.id, d) for d in days]
        assert "sold_out" in statuses
        assert "available" in statuses
        for d, s in zip(days, statuses, strict=True):
            if s == "sold_out":
                assert all(m.remaining(a.id, d, t) == 0 for t, _ in a.prices)
        if a.closed_weekday is not None:
            assert all(
                s == "closed" for d, s in zip(days, statuses, strict=True) if d.weekday() == 0
            )
    assert m.status("forbidden-city", TODAY + dt.timedelta(days=TICKET_DAYS)) == "off_sale"


def test_first_available_day() -> None:
    m = TicketsModel(5, TODAY)
    for a in m.attractions:
        first = m.first_available(a.id)
        assert first is not None
        assert m.remaining(a.id, first, "adult") >= 1
        assert all(m.remaining(a.id, d, "adult") == 0 for d in m.sale_days() if d < first)


def test_buy_pay_and_cancel() -> None:
    m = TicketsModel(6, TODAY)
    a = m.attractions[0]
    day = next(d for d in m.sale_days()[1:] if m.remaining(a.id, d, "adult") >= 2)
    left = m.remaining(a.id, day, "adult")
    p = m.buy(a.id, day, "adult", 2, now=NOW)
    assert p.total == 2 * a.price("adult")
    assert p.status == "unpaid"
    assert m.remaining(a.id, day, "adult") == left - 2
    m.mark_paid(p.id, "TXN")
    c = m.cancel(p.id, NOW)
    assert c.status == "cancelled"
    assert c.refund == p.total
    assert m.remaining(a.id, day, "adult") == left
    assert m.purchases == (c,)


def test_cannot_buy_on_sold_out_day() -> None:
    m = TicketsModel(7, TODAY)
    a = m.attractions[0]
    day = next(d for d in m.sale_days() if m.status(a.id, d) == "sold_out")
    with pytest.raises(ValidationError):
        m.buy(a.id, day, "adult", 1, now=NOW)
