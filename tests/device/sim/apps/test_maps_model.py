from __future__ import annotations

from droidpilot.device.sim.apps.geo import city
from droidpilot.device.sim.apps.maps.model import PLACE_COUNT, MapsModel
from droidpilot.device.sim.apps.world import owner_for


def test_places_are_seeded_in_the_home_city() -> None:
    m = MapsModel.generate(3)
    assert m == MapsModel.generate(3)
    assert m.city == owner_for(3).home_city
    assert len(m.places) == PLACE_COUNT
    assert len({p.name.en for p in m.places}) == PLACE_COUNT
    home = city(m.city)
    assert all(p.address.en.endswith(home.name.en) for p in m.places)
    assert all(p.address.zh.startswith(home.name.zh) for p in m.places)
    assert m.home.address.en.startswith("Room ")


def test_distance_eta_and_search() -> None:
    m = MapsModel.generate(4)
    p = m.places[0]
    assert 0 <= m.distance_km(p) < 20
    assert m.eta_min(p, "walk") >= m.eta_min(p, "drive") - 3
    hits = m.search(p.name.zh)
    assert p in hits
    assert m.search(p.name.en.lower()) == m.search(p.name.en)
    cat = m.search(p.category_name.en)
    assert p in cat
    dists = [m.distance_km(x) for x in cat]
    assert dists == sorted(dists)
    assert m.search("") == ()
    assert m.find(p.name.en) == p


def test_share_text_and_recent_searches() -> None:
    m = MapsModel.generate(5)
    p = m.places[1]
    text = m.share_text(p, "zh")
    assert p.name.zh in text
    assert p.address.zh in text
    m.record_share(p, text)
    assert m.shared == [(p.id, text)]
    for q in ("a", "b", "a"):
        m.remember_search(q)
    assert m.recent == ["a", "b"]
