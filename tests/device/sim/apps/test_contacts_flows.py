from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.contacts import ContactsApp
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_search_open_add_and_message(lang: str) -> None:
    d = Driver(seed=12, lang=lang)
    c = d.phone.read(ContactsApp).colleague
    d.open("Contacts")
    d.type(c.name.get(lang), rid="search")
    d.hide_keyboard()
    d.tap(c.name.get(lang), rid="contact")
    assert c.phone in d.must(rid="phone").text
    d.back()
    d.tap(rid="create_contact")
    d.type("Alice Zhou", rid="name")
    d.type("13900001111", rid="phone")
    d.hide_keyboard()
    d.tap(rid="save")
    assert d.phone.read(ContactsApp).find("Alice Zhou") is not None
    d.type("Alice", rid="search")
    d.hide_keyboard()
    d.tap("Alice Zhou", rid="contact")
    d.tap(rid="message")
    d.type("Hi Alice", rid="compose_message")
    d.hide_keyboard()
    d.tap(rid="send")
    (s,) = d.phone.read("com.droidpilot.messages").sent_messages
    assert s.address == "13900001111"
