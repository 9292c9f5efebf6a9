from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.contacts.model import CONTACT_COUNT, ContactsModel, seed_contacts
from droidpilot.device.sim.apps.world import owner_for
from droidpilot.errors import ValidationError


def test_seeded_contacts_are_deterministic_and_distinct() -> None:
    assert seed_contacts(3) == seed_contacts(3)
    assert seed_contacts(3) != seed_contacts(4)
    for seed in range(20):
        cs = seed_contacts(seed)
        assert len(cs) == CONTACT_COUNT
        assert len({c.name.en for c in cs}) == CONTACT_COUNT
        assert len({c.name.zh for c in cs}) == CONTACT_COUNT
        assert len({c.phone for c in cs}) == CONTACT_COUNT
        owner = owner_for(seed)
        assert owner.name.en not in {c.name.en for c in cs}
        assert cs[2].name.zh[0] == owner.name.zh[0]
        assert all(len(c.phone) == 11 and c.phone.isdigit() for c in cs)


def test_roles_find_and_add() -> None:
    m = ContactsModel(1)
    assert m.friend.relation is not None
    assert m.friend.relation.en == "Friend"
    assert m.mother.relation is not None
    assert m.mother.relation.zh == "妈妈"
    assert m.find(m.colleague.name.zh) == m.colleague
    assert m.find(m.colleague.name.en.upper()) == m.colleague
    assert m.find(m.friend.phone) == m.friend
    assert [c.name.en for c in m.contacts] == sorted(c.name.en for c in m.contacts)
    c = m.add("Alice Zhou", "139 0000 1111")
    assert c.phone == "13900001111"
    assert m.search("alice") == (c,)
    with pytest.raises(ValidationError):
        m.add("", "123")
    with pytest.raises(ValidationError):
        m.add("Bob", "abc")
