"""Input: taps, long presses, swipes, keys and text, routed to the topmost window that takes
them.

``tap``, ``swipe`` and ``key`` return whether they may have changed anything the screen is
drawn from: False only where they ran no handler and touched no state (a tap on nothing or on
a button without a handler, a swipe nothing took, back that only hid the keyboard), so the
phone can reuse the windows it built last time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from droidpilot.device.sim.app import Overlay, Page, Result
from droidpilot.device.sim.launcher import LAUNCHER_PACKAGE
from droidpilot.device.sim.layout import Node
from droidpilot.device.sim.views import View
from droidpilot.device.sim.window import Window
from droidpilot.errors import ActionFailed

if TYPE_CHECKING:
    from droidpilot.device.sim.phone import SimPhone

__all__ = ["backspace", "input_text", "insert", "key", "submit", "swipe", "tap"]


def _target(win: Window, x: int, y: int, long: bool) -> Node | None:
    for node in reversed(win.nodes):
        # node.contains(x, y), without the call (a window has dozens of nodes)
        if not (node.x1 <= x < node.x2 and node.y1 <= y < node.y2):
            continue
        v = node.view
        if long and (v.long_clickable or v.editable):
            return node
        if not long and (v.clickable or v.editable or v.checkable):
            return node
    return None


def tap(phone: SimPhone, x: int, y: int, *, long: bool) -> bool:
    """Tap (or long-press) at a point; False when nothing ran and nothing changed."""
    for win in reversed(phone.windows()):
        if win.kind == "toast":
            continue
        if not win.contains(x, y):
            if win.modal:
                if win.on_outside is not None:
                    win.on_outside()
                    return True
                return False
            continue
        node = _target(win, x, y, long)
        if node is not None:
            return _activate(phone, win, node.view, long)
        return False
    return False


def _activate(phone: SimPhone, win: Window, v: View, long: bool) -> bool:
    page = win.page
    ctx = phone.ctx(page, win.package)
    if not v.enabled:
        return False
    if long:
        if v.on_long_click is not None:
            v.on_long_click(ctx)
            return True
        if v.editable and page is not None:
            moved = page.frame.focus != v.id
            _focus(phone, page, v)
            if phone.state.clipboard:
                insert(phone, phone.state.clipboard)
                return True
            return moved
        return False
    if v.editable:
        if page is not None:
            # focusing the field that has focus only brings the keyboard back, and the
            # keyboard is drawn apart from the app's windows
            moved = page.frame.focus != v.id
            _focus(phone, page, v)
            return moved
        return False
    role = v.role
    if role in ("switch", "check") or (
        v.checkable and v.on_click is None and role != "day" and role != "spinner_text"
    ):
        new = not v.checked
        if v.on_checked is not None:
            v.on_checked(ctx, new)
        else:
            win.fields["checked:" + v.id] = new
        return True
    if role == "spinner" and page is not None:
        page.frame.overlays.append(Overlay(kind="spinner", name=v.id))
        return True
    if role == "date" and page is not None and v.date is not None:
        page.frame.overlays.append(
            Overlay(
                kind="date",
                name=v.id,
                args={"year": v.date.year, "month": v.date.month, "selected": v.date},
            )
        )
        return True
    if role == "up" and page is not None:
        _page_back(phone, page)
        return True
    changed = False
    if (
        v.value == "dismiss"
        and page is not None
        and win.overlay is not None
        and win.overlay in page.frame.overlays
    ):
        page.frame.overlays.remove(win.overlay)
        changed = True
    if v.on_click is not None:
        from droidpilot.device.sim.system import offline_retry

        quiet = offline_retry(v.on_click, phone, page)
        v.on_click(ctx)
        changed = changed or not quiet
    return changed


def _focus(phone: SimPhone, page: Page[Any], v: View) -> None:
    page.frame.focus = v.id
    phone.state.ime_hidden = False
    phone.state.shift = False


def _page_back(phone: SimPhone, page: Page[Any]) -> None:
    if page.on_back(phone.ctx(page)):
        return
    phone.finish_page(page, Result.canceled() if page.frame.request else None)


def swipe(phone: SimPhone, x1: int, y1: int, x2: int, y2: int) -> bool:
    """A swipe; False when it moved nothing and ran no handler."""
    st = phone.state
    dx, dy = x2 - x1, y2 - y1
    vertical = abs(dy) >= abs(dx)
    if not st.shade and vertical and y1 <= phone.status_h * 2 and dy > phone.height // 10:
        st.shade = True
        st.ime_hidden = True
        return True
    if st.shade and vertical and dy < -phone.height // 10 and not _scroll_at(phone, x1, y1, dx, dy):
        st.shade = False
        return True
    if _scroll_at(phone, x1, y1, dx, dy):
        return True
    if abs(dx) < 30 and abs(dy) < 30:
        return False
    direction = ("down" if dy > 0 else "up") if vertical else ("right" if dx > 0 else "left")
    top = _top_window(phone, x1, y1)
    if top is not None and top.kind == "app" and top.page is not None:
        if type(top.page).on_swipe is Page.on_swipe:
            return False  # the default hook does nothing
        top.page.on_swipe(phone.ctx(top.page), direction)
        return True
    return False


def _top_window(phone: SimPhone, x: int, y: int) -> Window | None:
    for win in reversed(phone.windows()):
        if win.kind == "toast":
            continue
        if win.contains(x, y) or win.modal:
            return win if win.contains(x, y) else None
    return None


def _scroll_at(phone: SimPhone, x: int, y: int, dx: int, dy: int) -> bool:
    win = _top_window(phone, x, y)
    if win is None:
        return False
    vertical = abs(dy) >= abs(dx)
    for node in reversed(win.nodes):
        v = node.view
        if not v.scrollable or not node.contains(x, y) or not v.id or v.horizontal == vertical:
            continue
        limit = v.value[1] if isinstance(v.value, tuple) else 0
        key = "scroll:" + v.id
        raw = win.fields.get(key, 0)
        old = raw if isinstance(raw, int) else 0
        new = max(0, min(limit, old - (dy if vertical else dx)))
        if new != old:
            win.fields[key] = new
            return True
    return False


def key(phone: SimPhone, name: str) -> bool:
    """A key press; False when it changed nothing the app's windows are drawn from."""
    st = phone.state
    if name == "home":
        phone.go_home()
    elif name == "back":
        return _back(phone)
    elif name == "app_switch":
        if any(s.kind == "recents" for s in st.sys):
            st.sys[:] = [s for s in st.sys if s.kind != "recents"]
        else:
            from droidpilot.device.sim.phone import SysOverlay

            st.shade = False
            st.sys.append(SysOverlay(kind="recents", package=LAUNCHER_PACKAGE))
    elif name == "enter":
        if _focused(phone) is None:
            return False
        submit(phone)
    elif name == "delete":
        if _focused(phone) is None:
            return False
        backspace(phone)
    elif name == "tab":
        return _next_field(phone)
    else:
        return False  # search and menu do nothing on this phone, as on most modern ones
    return True


def _back(phone: SimPhone) -> bool:
    from droidpilot.device.sim import sysdialogs

    st = phone.state
    if st.shade:
        st.shade = False
        return True
    if phone.keyboard_shown():
        # only the keyboard goes: it is drawn outside the versioned windows (system.py)
        st.ime_hidden = True
        return False
    if st.sys:
        sysdialogs.cancel(phone, st.sys[-1])
        return True
    page = phone.top_page()
    if page.frame.overlays:
        page.frame.overlays.pop()
        return True
    _page_back(phone, page)
    return True


def _focused(phone: SimPhone) -> tuple[Page[Any], View | None] | None:
    page = phone.top_page()
    focus = page.frame.focus
    if focus is None or phone.state.sys or phone.state.shade:
        return None
    view: View | None = None
    for win in phone.windows():
        if win.page is page:
            found = win.find(focus)
            if found is not None and found.editable:
                view = found
    return page, view


def _set(phone: SimPhone, page: Page[Any], view: View | None, focus: str, value: str) -> None:
    page.frame.fields[focus] = value
    if view is not None and view.on_text is not None:
        view.on_text(phone.ctx(page), value)
    phone.changed()


def insert(phone: SimPhone, text: str, *, clear: bool = False) -> None:
    found = _focused(phone)
    if found is None:
        raise ActionFailed("no text field has focus: tap one first")
    page, view = found
    if view is not None and not view.enabled:
        raise ActionFailed("the focused text field is disabled")
    focus = page.frame.focus or ""
    old = "" if clear else _current(page, view, focus)
    _set(phone, page, view, focus, old + text)


def _current(page: Page[Any], view: View | None, focus: str) -> str:
    stored = page.frame.fields.get(focus)
    if isinstance(stored, str):
        return stored
    if view is not None and isinstance(view.value, str):
        return view.value
    return ""


def input_text(phone: SimPhone, text: str, *, clear: bool = False) -> None:
    insert(phone, text, clear=clear)


def backspace(phone: SimPhone) -> None:
    found = _focused(phone)
    if found is None:
        return
    page, view = found
    focus = page.frame.focus or ""
    old = _current(page, view, focus)
    if old:
        _set(phone, page, view, focus, old[:-1])


def submit(phone: SimPhone) -> None:
    found = _focused(phone)
    if found is None:
        return
    page, view = found
    focus = page.frame.focus or ""
    if view is not None and view.lines == 0:
        _set(phone, page, view, focus, _current(page, view, focus) + "\n")
        return
    phone.state.ime_hidden = True
    if view is not None and view.on_submit is not None:
        view.on_submit(phone.ctx(page), _current(page, view, focus))


def _next_field(phone: SimPhone) -> bool:
    page = phone.top_page()
    ids: list[str] = []
    for win in phone.windows():
        if win.page is page:
            ids.extend(n.view.id for n in win.nodes if n.view.editable and n.view.id)
    if not ids:
        return False
    cur = page.frame.focus
    nxt = ids[(ids.index(cur) + 1) % len(ids)] if cur in ids else ids[0]
    page.frame.focus = nxt
    phone.state.ime_hidden = False
    return True


def today(phone: SimPhone) -> dt.date:
    return phone.clock.now().date()
