from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.notes import NotesApp
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_create_edit_and_delete_a_note(lang: str) -> None:
    d = Driver(seed=13, lang=lang)
    d.open("Notes")
    d.tap(rid="new_note")
    d.type("Train", rid="note_title")
    d.type("G12 at 08:00", rid="note_body")
    d.hide_keyboard()
    d.tap(rid="done")
    n = d.phone.read(NotesApp).find("Train")
    assert n is not None
    assert n.body.en == "G12 at 08:00"
    d.tap("Train", rid="note")
    d.type("G12 at 09:00", rid="note_body")
    d.hide_keyboard()
    d.back()  # saves on back
    n2 = d.phone.read(NotesApp).find("Train")
    assert n2 is not None
    assert n2.body.en == "G12 at 09:00"
    d.tap("Train", rid="note")
    d.tap(rid="delete")
    d.tap(rid="button1")
    assert d.phone.read(NotesApp).find("Train") is None
    wifi = d.phone.read(NotesApp).notes[2]
    assert d.find(wifi.title.get(lang), rid="note") is not None
