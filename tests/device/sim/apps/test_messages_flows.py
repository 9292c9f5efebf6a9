from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.messages import MessagesApp
from droidpilot.types import LongPressAction
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_read_the_friends_address_and_reply(lang: str) -> None:
    d = Driver(seed=7, lang=lang)
    facts = d.phone.read(MessagesApp).facts
    d.open("Messages")
    d.tap(facts.friend.name.get(lang), rid="conversation")
    d.dev.perform(LongPressAction(element=d.must(facts.friend_address.get(lang)[:20]).id))
    assert d.phone.state.clipboard == facts.friend_address.get(lang)
    d.type("Thanks, see you soon!", rid="compose_message")
    d.hide_keyboard()
    d.tap(rid="send")
    sent = d.phone.read(MessagesApp).sent_messages
    assert [(s.address, s.body.en) for s in sent] == [(facts.friend.phone, "Thanks, see you soon!")]
    assert all(m.read for m in d.phone.read(MessagesApp).thread(facts.friend.phone))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_verification_code_and_compose_to_a_contact(lang: str) -> None:
    d = Driver(seed=8, lang=lang)
    facts = d.phone.read(MessagesApp).facts
    d.open("Messages")
    assert facts.travel_code in d.screen()  # the newest thread shows the code in its snippet
    mom = d.phone.read("com.droidpilot.contacts").mother
    d.tap(rid="start_chat")
    d.type(mom.name.get(lang)[:1], rid="recipient")
    d.hide_keyboard()
    d.tap(mom.name.get(lang), rid="suggestion")
    d.type("我晚上打给你", rid="compose_message")
    d.hide_keyboard()
    d.tap(rid="send")
    (s,) = d.phone.read(MessagesApp).sent_messages
    assert s.address == mom.phone
    assert d.phone.current_activity().endswith(".ui.ConversationActivity")
