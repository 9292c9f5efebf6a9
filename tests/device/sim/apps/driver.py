"""A small test driver for app flows: everything goes through the Device API (observe, then
find an item of the ScreenView by its words or resource-id, then perform an action)."""

from __future__ import annotations

from droidpilot.device.sim.device import SimDevice
from droidpilot.device.sim.phone import SimPhone
from droidpilot.types import (
    KeyAction,
    OpenAppAction,
    ScreenView,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
)


class Driver:
    def __init__(self, seed: int = 1, lang: str = "en") -> None:
        self.phone = SimPhone(seed=seed, lang=lang)
        self.dev = SimDevice(self.phone)
        self.lang = lang

    def t(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def view(self) -> ScreenView:
        return self.dev.observe().view

    def _match(self, view: ScreenView, words: str, rid: str, exact: bool) -> ViewItem | None:
        for it in view.items:
            if rid and not it.resource_id.endswith(f":id/{rid}"):
                continue
            if words and (it.text != words if exact else words not in it.text):
                continue
            return it
        return None

    def find(
        self, words: str = "", *, rid: str = "", exact: bool = False, scrolls: int = 8
    ) -> ViewItem | None:
        """The first item with these words (and id): hides the keyboard, then scrolls every
        scrolling container down and right to look for it."""
        view = self.view()
        found = self._match(view, words, rid, exact)
        if found is None and self.phone.keyboard_shown():
            self.back()
            view = self.view()
            found = self._match(view, words, rid, exact)
        scrollers = sorted((it.id for it in view.items if it.scrollable), reverse=True)
        for sid in scrollers:
            for direction in ("down", "right"):
                for _ in range(scrolls):
                    if found is not None:
                        return found
                    if view.item(sid) is None:
                        break
                    before = view.text
                    self.dev.perform(ScrollAction(direction=direction, element=sid))
                    view = self.view()
                    found = self._match(view, words, rid, exact)
                    if view.text == before:
                        break
        return found

    def must(self, words: str = "", *, rid: str = "", exact: bool = False) -> ViewItem:
        found = self.find(words, rid=rid, exact=exact)
        if found is None:
            raise AssertionError(f"no item {words!r} (id {rid!r}) on screen:\n{self.view().text}")
        return found

    def tap(self, words: str = "", *, rid: str = "", exact: bool = False) -> None:
        self.dev.perform(TapAction(element=self.must(words, rid=rid, exact=exact).id))

    def type(self, text: str, *, rid: str = "", words: str = "", submit: bool = False) -> None:
        item = self.must(words, rid=rid)
        self.dev.perform(TypeAction(text=text, element=item.id, submit=submit))

    def back(self) -> None:
        self.dev.perform(KeyAction(key="back"))

    def hide_keyboard(self) -> None:
        if self.phone.keyboard_shown():
            self.back()

    def open(self, name: str) -> None:
        self.dev.perform(OpenAppAction(name=name))

    def screen(self) -> str:
        return self.view().text

    def pay(self, pin: str) -> None:
        """On the wallet's PIN pad: enter the PIN, then Done (back to the caller)."""
        for d in pin:
            self.tap(rid=f"key_{d}")
        self.tap(rid="done")
