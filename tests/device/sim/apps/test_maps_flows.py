from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.maps import MapsApp
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_search_place_details_and_share_to_messages(lang: str) -> None:
    d = Driver(seed=9, lang=lang)
    m = d.phone.read(MapsApp)
    p = m.places[3]
    d.open("Maps")
    d.type(p.name.get(lang), rid="search_box", submit=True)
    d.hide_keyboard()
    d.tap(p.name.get(lang), rid="result")
    screen = d.screen()
    assert p.address.get(lang) in screen
    assert f"{m.distance_km(p):.1f}" in screen
    assert str(m.eta_min(p, "drive")) in d.must(rid="eta").text
    d.tap(rid="share")
    friend = d.phone.read("com.droidpilot.contacts").friend
    d.type(friend.name.get(lang), rid="recipient")
    d.hide_keyboard()
    d.tap(rid="send")
    (s,) = d.phone.read("com.droidpilot.messages").sent_messages
    assert s.address == friend.phone
    assert p.address.get(lang) in s.body.en
    assert d.phone.read(MapsApp).shared[0][0] == p.id
