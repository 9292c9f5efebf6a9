"""What the phone's windows look like to uiautomator: XML dumps and the parsed ``Screen``.

- :func:`dump_xml` writes what ``uiautomator dump`` writes: the declaration, then
  ``<hierarchy rotation="0">`` with the *active* window's nodes, all on one line, the attribute
  set and order of a real dump.
- :func:`dump_u2` writes uiautomator2's ``dumpWindowHierarchy`` form: every window's root,
  pretty-printed, with ``visible-to-user``, ``drawing-order``, ``hint`` and ``display-id``.
- :func:`screen_of` builds the :class:`~droidpilot.types.Screen` that parsing the u2 form
  gives, straight from the windows (no XML on the way: the fast path of ``SimDevice``).
"""

from __future__ import annotations

from collections.abc import Sequence

from droidpilot.device._construct import slot_maker
from droidpilot.device.screen import WindowKind, _bounds, _element, _window_kind, infer_editable
from droidpilot.device.sim.window import Window
from droidpilot.types import Element, Screen, WindowInfo

__all__ = ["DECLARATION", "dump_u2", "dump_xml", "escape", "screen_of", "screen_parts"]

DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
_ESC = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)
_PLAIN = frozenset("&<>\"'\n\r\t")


def escape(value: str) -> str:
    """An attribute value as Android's serializer writes it (astral characters as ``&#N;``)."""
    if not value:
        return value
    if value.isascii():
        return value.translate(_ESC) if not _PLAIN.isdisjoint(value) else value
    out = value.translate(_ESC)
    if any(ord(c) > 0xFFFF for c in out):
        out = "".join(f"&#{ord(c)};" if ord(c) > 0xFFFF else c for c in out)
    # characters XML 1.0 cannot carry at all are dropped, as the real dumper does
    return "".join(c for c in out if c >= " " or c in "\t\n\r")


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _attrs(win: Window, i: int, *, u2: bool) -> str:
    n = win.nodes[i]
    v = n.view
    x1, y1, x2, y2 = n.x1, n.y1, n.x2, n.y2
    head = (
        f'index="{n.index}" text="{escape(v.text if isinstance(v.text, str) else "")}" '
        f'resource-id="{escape(v.rid)}" class="{v.cls}" package="{win.package}" '
        f'content-desc="{escape(v.desc if isinstance(v.desc, str) else "")}" '
        f'checkable="{_b(v.checkable)}" checked="{_b(v.checked)}" '
        f'clickable="{_b(v.clickable)}" enabled="{_b(v.enabled)}" '
        f'focusable="{_b(v.focusable)}" focused="{_b(v.focused)}" '
        f'scrollable="{_b(v.scrollable)}" long-clickable="{_b(v.long_clickable)}" '
        f'password="{_b(v.password)}" selected="{_b(v.selected)}" '
    )
    if not u2:
        return head + f'bounds="[{x1},{y1}][{x2},{y2}]"'
    hint = escape(v.hint if isinstance(v.hint, str) else "")
    return head + (
        f'visible-to-user="true" bounds="[{x1},{y1}][{x2},{y2}]" '
        f'drawing-order="{n.index + 1}" hint="{hint}" display-id="0"'
    )


def _children(win: Window) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in win.nodes]
    for i, n in enumerate(win.nodes):
        if n.parent >= 0:
            kids[n.parent].append(i)
    return kids


def _write(
    win: Window, i: int, kids: list[list[int]], out: list[str], *, u2: bool, level: int
) -> None:
    pad = "  " * level if u2 else ""
    nl = "\n" if u2 else ""
    if not kids[i]:
        out.append(f"{pad}<node {_attrs(win, i, u2=u2)} />{nl}")
        return
    out.append(f"{pad}<node {_attrs(win, i, u2=u2)}>{nl}")
    for k in kids[i]:
        _write(win, k, kids, out, u2=u2, level=level + 1)
    out.append(f"{pad}</node>{nl}")


def dump_xml(window: Window) -> str:
    """The classic ``uiautomator dump`` of one window (the active one): one line."""
    out = [DECLARATION, '<hierarchy rotation="0">']
    if window.nodes:
        _write(window, 0, _children(window), out, u2=False, level=0)
    out.append("</hierarchy>")
    return "".join(out)


def dump_u2(windows: Sequence[Window]) -> str:
    """uiautomator2's dump: every window's root, pretty-printed, with its extra attributes."""
    out = [DECLARATION + "\n", '<hierarchy rotation="0">\n']
    for win in windows:
        if win.nodes:
            _write(win, 0, _children(win), out, u2=True, level=1)
    out.append("</hierarchy>")
    return "".join(out)


# Screen and WindowInfo check nothing on construction: these build them without keywords
_screen = slot_maker(Screen, ("elements", "windows", "width", "height", "rotation"))
_window_info = slot_maker(WindowInfo, ("index", "package", "bounds", "kind"))

_CACHE: dict[tuple[object, ...], Element] = {}
_CACHE_MAX = 200_000
#: a window's elements by their identity: the same tuple for a window drawn again alike (a
#: page built anew), which the ViewBuilder's memos know by that tuple's identity alone
_PARTS: dict[tuple[int, ...], tuple[Element, ...]] = {}
_PARTS_MAX = 4096
#: a window's kind by its package, bounds and the screen's size
_KINDS: dict[tuple[str, int, int, int, int, int, int], WindowKind] = {}


def screen_of(windows: Sequence[Window], width: int, height: int) -> Screen:
    """The ``Screen`` that parsing :func:`dump_u2` of these windows gives."""
    return screen_parts(windows, width, height)[0]


def screen_parts(
    windows: Sequence[Window], width: int, height: int
) -> tuple[Screen, tuple[tuple[Element, ...], ...]]:
    """:func:`screen_of`, and its elements window by window (``ViewBuilder.build``'s
    ``parts``).

    Elements are frozen values, so equal nodes from earlier frames are reused from a cache,
    and a window object seen again at the same place (the system bars, the keyboard) gives
    its elements of last time at once; a window's elements that are the very ones of an
    earlier window come as the tuple of then.
    """
    if len(_CACHE) > _CACHE_MAX:
        _CACHE.clear()
    if len(_PARTS) > _PARTS_MAX:
        _PARTS.clear()
    cache = _CACHE
    elements: list[Element] = []
    parts: list[tuple[Element, ...]] = []
    infos: list[WindowInfo] = []
    append = elements.append
    for win in windows:
        if not win.nodes:
            continue
        base = len(elements)
        w_index = len(infos)
        where = (base, w_index, width, height)
        memo = win.screen_cache
        if memo is not None and memo[0] == where:
            info, part = memo[1]
            infos.append(info)
            elements.extend(part)
            parts.append(part)
            continue
        pkg = win.package
        root = win.nodes[0]
        rb = _bounds(root.x1, root.y1, root.x2, root.y2)
        # _window_kind reads Bounds' properties (Python calls): worked out once per place
        where_kind = (pkg, root.x1, root.y1, root.x2, root.y2, width, height)
        kind = _KINDS.get(where_kind)
        if kind is None:
            if len(_KINDS) > 4096:
                _KINDS.clear()
            kind = _KINDS[where_kind] = _window_kind(pkg, rb, width, height)
        info = _window_info(w_index, pkg, rb, kind)
        infos.append(info)
        for i, n in enumerate(win.nodes):
            v = n.view
            # the parent as an absolute index: the same node at the same index can have a
            # different parent index when the windows before it changed size; the words as
            # the view holds them (strs, once laid out), which the element's are made from
            key = (
                base + i,
                base + n.parent if n.parent >= 0 else -1,
                n.depth,
                w_index,
                v.text,
                v.desc,
                v.rid,
                v.cls,
                pkg,
                v.hint,
                n.x1,
                n.y1,
                n.x2,
                n.y2,
                v.clickable,
                v.long_clickable,
                v.scrollable,
                v.checkable,
                v.checked,
                v.focusable,
                v.focused,
                v.password,
                v.selected,
                v.enabled,
            )
            hit = cache.get(key)
            if hit is not None:
                append(hit)
                continue
            cls = v.cls
            text = v.text if isinstance(v.text, str) else ""
            desc = v.desc if isinstance(v.desc, str) else ""
            hint = v.hint if isinstance(v.hint, str) else ""
            editable = infer_editable(
                cls,
                editable_attr=False,
                password=v.password,
                focusable=v.focusable,
                clickable=v.clickable,
                text=text,
                desc=desc,
            )
            el = _element(
                base + i,
                base + n.parent if n.parent >= 0 else None,
                n.depth,
                w_index,
                text,
                desc,
                v.rid,
                cls,
                pkg,
                hint,
                rb if i == 0 else _bounds(n.x1, n.y1, n.x2, n.y2),
                v.clickable,
                v.long_clickable,
                editable,
                v.scrollable,
                v.checkable,
                v.checked,
                v.focusable,
                v.focused,
                v.password,
                v.selected,
                v.enabled,
                True,
            )
            cache[key] = el
            append(el)
        part = tuple(elements[base:])
        # the tuple holds its elements, so no other object takes their ids while it is kept
        part = _PARTS.setdefault(tuple(map(id, part)), part)
        parts.append(part)
        win.screen_cache = (where, (info, part))
    return _screen(tuple(elements), tuple(infos), width, height, 0), tuple(parts)
