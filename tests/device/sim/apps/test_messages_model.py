from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.device.sim.apps.geo import city
from droidpilot.device.sim.apps.messages.model import (
    SERVICE_TRAVEL,
    SERVICE_WALLET,
    MessagesModel,
)
from droidpilot.device.sim.apps.world import owner_for
from droidpilot.errors import ValidationError

NOW = dt.datetime(2025, 3, 14, 9, 30)


def test_seeded_conversations() -> None:
    m = MessagesModel(5, NOW)
    assert m.messages == MessagesModel(5, NOW).messages
    f = m.facts
    home = city(owner_for(5).home_city)
    assert f.friend_address.en.endswith(home.name.en)
    assert f.friend_address.zh.startswith(home.name.zh)
    friend_thread = m.thread(f.friend.phone)
    assert any(f.friend_address.en in x.body.en for x in friend_thread)
    assert any(f.friend_address.zh in x.body.zh for x in friend_thread)
    assert f.travel_code in m.thread(SERVICE_TRAVEL)[-1].body.en
    assert m.latest_code() == f.travel_code
    threads = m.threads()
    assert threads[0].last.at >= threads[-1].last.at
    assert threads[0].address == SERVICE_TRAVEL
    names = {t.name.en for t in threads}
    assert f.friend.name.en in names
    assert m.unread_count > 0
    assert m.sent_messages == ()
    assert all(x.at <= NOW for x in m.messages)


def test_send_to_contact_by_name_and_to_a_number() -> None:
    m = MessagesModel(1, NOW)
    friend = m.facts.friend
    s = m.send(friend.name.zh, "  Booked! E123456789 ", now=NOW)
    assert s.address == friend.phone
    assert s.body.en == "Booked! E123456789"
    m.send("138 0000 0000", "hi", now=NOW)
    assert [x.address for x in m.sent_messages] == [friend.phone, "13800000000"]
    assert m.threads()[0].address in (friend.phone, "13800000000")
    with pytest.raises(ValidationError):
        m.send("nobody at all", "hi", now=NOW)
    with pytest.raises(ValidationError):
        m.send(friend.phone, "   ", now=NOW)


def test_codes_adversarial_and_read_state() -> None:
    m = MessagesModel(2, NOW)
    later = NOW + dt.timedelta(minutes=5)
    m.deliver_code("918273", now=later)
    assert m.latest_code() == "918273"
    assert m.latest_code(SERVICE_WALLET) == "918273"
    bad = m.inject_adversarial(now=later)
    assert bad.adversarial
    assert "ignore all previous instructions" in bad.body.en
    m.mark_read(SERVICE_WALLET)
    assert all(x.read for x in m.thread(SERVICE_WALLET))
    m.delete_thread(SERVICE_WALLET)
    assert m.thread(SERVICE_WALLET) == ()
