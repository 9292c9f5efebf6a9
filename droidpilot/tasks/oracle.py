"""Shared oracle helpers: a small driver over the public Device API.

An oracle is a scripted solution: it observes, finds items of the ScreenView by their words
or resource-id, and performs Tap/Type/Scroll/Key/OpenApp actions, exactly as an agent would.
It never reads or writes an app's model. Its last action (``answer`` or ``finish``) is
returned, not performed: the episode loop judges it.

:class:`Driver` counts the steps and calls ``on_step(action)`` after each one, so a caller can
score every step (the oracle runner in :mod:`.verify`) or log it as a demonstration.

What a real phone throws in the way (the simulated phone's faults, when a task switches them
on) the driver deals with as a person would, through the same API, before it looks for
anything: it closes a pop-up ad with its small close button, answers a permission prompt
(allows it, or denies it with ``permissions="deny"``), presses *Wait* on an "isn't
responding" dialog, signs in again when a session expired, taps *Retry* on a network error,
waits while a page shows its loading spinner, and observes again when a dump fails. Each of
those is a step; :func:`interruption` says which, as a pure function of the screen.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from droidpilot.device.base import Device
from droidpilot.errors import ActionFailed, DeviceTimeout, TaskError
from droidpilot.planner.ground import label_of
from droidpilot.types import (
    Action,
    KeyAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
    WaitAction,
)

__all__ = ["Driver", "OracleStuck", "interruption"]

logger = logging.getLogger(__name__)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


#: How many more times to look (observe, no action) before scrolling for an item.
_SETTLE_LOOKS = 3


#: How many interruptions in a row the driver clears before it gives up.
_MAX_INTERRUPTIONS = 12
#: How many times an observation is tried when the dump fails.
_DUMP_TRIES = 3
#: How many times typing is tried when something takes the focus away.
_TYPE_TRIES = 4
_SESSION_EXPIRED = ("Session expired", "登录已过期")


class OracleStuck(TaskError):
    """The scripted solution could not find what it looked for (a broken oracle or app)."""


def _rid_is(item: ViewItem, rid: str) -> bool:
    return item.resource_id == rid or item.resource_id.endswith(f":id/{rid}")


def interruption(obs: Observation, *, permissions: str = "allow") -> tuple[str, Action] | None:
    """What stands between the oracle and the app on this screen, and the action that clears
    it: the topmost of a pop-up ad, a permission prompt, an ANR dialog, an expired session,
    a network error with Retry; else a loading spinner; ``None`` when the screen is clear."""
    items = obs.view.items
    texts = {it.text for it in items}
    answer = (
        "permission_allow_foreground_only_button"
        if permissions == "allow"
        else "permission_deny_button"
    )
    found: list[tuple[int, str, Action]] = []
    for n, it in enumerate(items):
        if it.bounds.height <= 0:
            continue
        if _rid_is(it, "ad_close"):
            found.append((n, "ad", TapAction(element=it.id)))
        elif _rid_is(it, answer):
            found.append((n, "permission", TapAction(element=it.id)))
        elif _rid_is(it, "aerr_wait"):
            found.append((n, "anr", TapAction(element=it.id)))
        elif _rid_is(it, "button1") and any(w in texts for w in _SESSION_EXPIRED):
            found.append((n, "login", TapAction(element=it.id)))
        elif _rid_is(it, "retry") and any(_rid_is(x, "error_title") for x in items):
            found.append((n, "network_error", TapAction(element=it.id)))
    if found:
        _, what, action = max(found, key=lambda f: f[0])
        return what, action
    if any(_rid_is(it, "loading") for it in items):
        return "loading", WaitAction(seconds=1.0)
    return None


class Driver:
    """Finds items on the current screen and acts on them, through ``Device`` only."""

    def __init__(
        self,
        device: Device,
        *,
        lang: str,
        on_step: Callable[[Action], None] | None = None,
        max_steps: int = 500,
        permissions: str = "allow",
    ) -> None:
        self.device = device
        self.lang = lang
        self.on_step = on_step
        self.max_steps = max_steps
        self.permissions = permissions
        self.steps = 0
        self.cleared: list[str] = []  # the interruptions dealt with, in order
        self._obs: Observation | None = None

    # ------------------------------------------------------------------ seeing
    def t(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def obs(self) -> Observation:
        """The current screen, with any interruption on it cleared first."""
        if self._obs is None:
            self._obs = self._observe()
            self._clear()
        return self._obs

    def _observe(self) -> Observation:
        last: DeviceTimeout | None = None
        for _ in range(_DUMP_TRIES):
            try:
                return self.device.observe()
            except DeviceTimeout as exc:  # "could not get idle state": look again
                logger.debug("observation failed (%s): looking again", exc)
                self.cleared.append("dump_fail")
                last = exc
        raise OracleStuck(f"the screen could not be read {_DUMP_TRIES} times: {last}")

    def _clear(self) -> None:
        for _ in range(_MAX_INTERRUPTIONS):
            assert self._obs is not None
            found = interruption(self._obs, permissions=self.permissions)
            if found is None:
                return
            what, action = found
            logger.debug("clearing %s with %s", what, action)
            self.cleared.append(what)
            self.act(action)
            self._obs = self._observe()
        shown = self._obs.view.text if self._obs is not None else ""
        raise OracleStuck(f"more than {_MAX_INTERRUPTIONS} interruptions in a row:\n{shown}")

    def screen(self) -> str:
        return self.obs().view.text

    def _match(self, words: str, rid: str, exact: bool, prefix: bool) -> ViewItem | None:
        for it in self.obs().view.items:
            if rid and not it.resource_id.endswith(f":id/{rid}") and it.resource_id != rid:
                continue
            if words:
                if exact and it.text != words:
                    continue
                if prefix and not (it.text == words or it.text.startswith(words + " |")):
                    continue
                if not exact and not prefix and words not in it.text:
                    continue
            if it.bounds.height <= 0:
                continue
            return it
        return None

    def find(
        self,
        words: str = "",
        *,
        rid: str = "",
        exact: bool = False,
        prefix: bool = False,
        scroll: bool = True,
        within: str = "",
        tries: int = 30,
    ) -> ViewItem | None:
        """The first item with these words (and resource-id), scrolling to look for it.

        ``prefix``: the item's text is ``words`` or starts with ``words |`` (a card's title);
        ``within``: only scroll the container with this resource-id.
        """
        found = self._match(words, rid, exact, prefix)
        for _ in range(_SETTLE_LOOKS):  # a toast may cover it for a few frames: look again
            if found is not None:
                return found
            self._obs = None
            found = self._match(words, rid, exact, prefix)
        if found is not None or not scroll:
            return found
        if self.obs().keyboard:
            self.back()
            found = self._match(words, rid, exact, prefix)
            if found is not None:
                return found
        scrollers = [
            it
            for it in self.obs().view.items
            if it.scrollable and (not within or it.resource_id.endswith(f":id/{within}"))
        ]
        scrollers.sort(key=lambda it: it.bounds.area, reverse=True)
        for sc in scrollers:
            horizontal = sc.bounds.width > 2 * sc.bounds.height
            dirs = ("right", "left") if horizontal else ("down", "up")
            for direction in dirs:
                for _ in range(tries):
                    item = self._item_like(sc)
                    if item is None:
                        break
                    before = self.screen()
                    self.act(ScrollAction(direction=direction, element=item.id))  # type: ignore[arg-type]
                    found = self._match(words, rid, exact, prefix)
                    if found is not None:
                        return found
                    if self.screen() == before:
                        break
        return None

    def _item_like(self, sc: ViewItem) -> ViewItem | None:
        for it in self.obs().view.items:
            if it.scrollable and it.resource_id == sc.resource_id and it.id == sc.id:
                return it
        for it in self.obs().view.items:
            if it.scrollable and it.resource_id == sc.resource_id:
                return it
        return None

    def must(
        self,
        words: str = "",
        *,
        rid: str = "",
        exact: bool = False,
        prefix: bool = False,
        within: str = "",
    ) -> ViewItem:
        found = self.find(words, rid=rid, exact=exact, prefix=prefix, within=within)
        if found is None:
            raise OracleStuck(f"no item {words!r} (id {rid!r}) on screen:\n{self.screen()}")
        return found

    def has(self, words: str = "", *, rid: str = "") -> bool:
        return self._match(words, rid, False, False) is not None

    def text_of(self, rid: str) -> str:
        return self.must(rid=rid).text

    # ------------------------------------------------------------------ acting
    def act(self, action: Action) -> None:
        """Perform one action: a step, also when the phone refuses it (then it raises)."""
        if self.steps >= self.max_steps:
            raise OracleStuck(f"the oracle took more than {self.max_steps} steps")
        try:
            self.device.perform(action)
        finally:
            self.steps += 1
            self._obs = None
            if self.on_step is not None:
                self.on_step(action)

    def tap(
        self,
        words: str = "",
        *,
        rid: str = "",
        exact: bool = False,
        prefix: bool = False,
        within: str = "",
    ) -> None:
        # only what the model's view shows: an element left out of the view is a bug there
        item = self.must(words, rid=rid, exact=exact, prefix=prefix, within=within)
        self.act(TapAction(element=item.id))

    def tab_showing(self, words: str, *, rid: str, tabs: str, fallback: str) -> None:
        """Bring the tab whose list shows ``words`` (a card's title) to the front, as a person
        would: nothing when the open tab shows them, else the other tabs in their order until
        one does. ``fallback`` (the tab the task knows holds them) is tapped only when no tab
        shows them without scrolling: a demonstration should not open a tab by knowledge the
        screen does not give."""
        if self.find(words, rid=rid, prefix=True, scroll=False) is not None:
            return
        els = self.obs().screen.elements
        strip = [  # the tabs of this strip only (not, say, an app's bottom navigation)
            it
            for it in self.obs().view.items
            if "Tab" in it.role
            and (parent := els[it.element].parent) is not None
            and els[parent].resource_id.endswith(f":id/{tabs}")
        ]
        for label in [label_of(it) for it in strip if not it.selected]:
            self.tap(label, exact=True, within=tabs)
            if self.find(words, rid=rid, prefix=True, scroll=False) is not None:
                return
        self.tap(fallback, exact=True, within=tabs)

    def select(self, words: str = "", *, rid: str = "") -> None:
        """Tap a radio button or checkbox on, unless it is on already: a tap then changes
        nothing (a radio) or clears it (a checkbox), and a demonstration must not teach
        either."""
        item = self.must(words, rid=rid)
        if not (item.checkable and item.checked):
            self.act(TapAction(element=item.id))

    def child_text(self, item: ViewItem, rid: str) -> str:
        """The words of the element with ``rid`` inside ``item`` (the parsed screen keeps
        what the compact view shortened)."""
        els = self.obs().screen.elements
        for e in els[item.element + 1 :]:
            p = e.parent
            while p is not None and p != item.element:
                p = els[p].parent
            if p == item.element and (e.resource_id.endswith(f":id/{rid}")):
                return e.text or e.content_desc
        return ""

    def type(
        self, text: str, *, rid: str = "", words: str = "", submit: bool = False, hide: bool = True
    ) -> None:
        """Type into a field. When something interrupts (an ANR dialog right after the tap
        takes the focus), clear it and type again, replacing what is there; when that
        swallowed the submit, the keyboard is still up: submit again."""
        before = len(self.cleared)
        for attempt in range(_TYPE_TRIES):  # TypeAction replaces what is there
            item = self.must(words, rid=rid)
            try:
                self.act(TypeAction(text=text, element=item.id, submit=submit))
                break
            except ActionFailed as exc:
                if attempt == _TYPE_TRIES - 1:
                    raise
                logger.debug("typing was interrupted (%s): typing again", exc)
        if submit and self.obs().keyboard and len(self.cleared) > before:
            self.act(KeyAction(key="enter"))
        if hide and not submit:
            self.hide_keyboard()

    def back(self) -> None:
        self.act(KeyAction(key="back"))

    def home(self) -> None:
        self.act(KeyAction(key="home"))

    def wait(self, seconds: float) -> None:
        self.act(WaitAction(seconds=seconds))

    def hide_keyboard(self) -> None:
        if self.obs().keyboard:
            self.back()

    def open(self, name: str) -> None:
        """Open an app by its label, from wherever we are (a fresh start from home)."""
        if self.obs().app != "com.android.launcher3" and self.steps:
            self.home()
        self.act(OpenAppAction(name=name))

    # ------------------------------------------------------------------ shared flows
    def pay(self, pin: str, *, code_from: Callable[[Driver], str] | None = None) -> None:
        """On the wallet's PIN pad: the PIN, an SMS code when asked for one, then Done."""
        for d in pin:
            self.tap(rid=f"key_{d}")
        if self.has(rid="code") and code_from is not None:
            code = code_from(self)
            self.type(code, rid="code")
            self.tap(rid="confirm_code")
        self.tap(rid="done")

    def pick_date(self, rid: str, day: dt.date) -> None:
        """Set a date field: open its picker, go to the month, tap the day, OK."""
        self.tap(rid=rid)
        for _ in range(24):
            month = self.text_of("android:id/month_view")
            want = (
                f"{_MONTHS[day.month - 1]} {day.year}"
                if self.lang == "en"
                else f"{day.year}年{day.month}月"
            )
            if month == want:
                break
            shown = _parse_month(month)
            self.tap(rid="android:id/next" if shown < (day.year, day.month) else "android:id/prev")
        desc = (
            f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"
            if self.lang == "en"
            else f"{day.year}年{day.month}月{day.day}日"
        )
        self.tap(desc)
        self.tap(rid="android:id/button1")


def _parse_month(text: str) -> tuple[int, int]:
    if "年" in text:
        y, _, rest = text.partition("年")
        return int(y), int(rest.rstrip("月"))
    name, _, y = text.rpartition(" ")
    return int(y), _MONTHS.index(name) + 1
