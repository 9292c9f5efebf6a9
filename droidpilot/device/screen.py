"""Reading a uiautomator hierarchy dump into a :class:`~droidpilot.types.Screen`.

``parse_hierarchy`` takes what a phone hands back (``uiautomator dump`` or the uiautomator2
``dumpWindowHierarchy`` form, with every window's root) as bytes or text and returns the
elements in depth-first order with their parent, depth, window and flags. Real dumps vary a
lot, and all of these are accepted: no XML declaration, CRLF or CR CR LF line ends,
single-quoted values, entity-encoded emoji, ``NAF``, missing attributes, ``[0,0][0,0]``
off-screen nodes, vendor attributes (``xpos``, ``display-id``, ``drawing-order``, ``hint``,
``visible-to-user``), several window roots in any order, a log line before the declaration,
``UI hierchary dumped to: ...`` after ``</hierarchy>`` and invalid UTF-8 bytes. Input that is
not a hierarchy at all raises :class:`~droidpilot.errors.ScreenParseError` saying what it is.

The model's view of a screen lives in :mod:`droidpilot.device.view` and is re-exported here.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Literal
from xml.parsers import expat

from droidpilot.device._construct import slot_maker
from droidpilot.device.view import ViewBuilder, render_diff, render_screen
from droidpilot.errors import ScreenParseError
from droidpilot.types import Bounds, Element, Screen, WindowInfo

__all__ = [
    "IME_PACKAGES",
    "ViewBuilder",
    "infer_editable",
    "is_editable_class",
    "parse_bounds",
    "parse_hierarchy",
    "render_diff",
    "render_screen",
]

logger = logging.getLogger(__name__)

WindowKind = Literal["app", "system", "ime", "dialog"]

#: Input-method packages that do not say "inputmethod" or "keyboard" in their name.
IME_PACKAGES = frozenset(
    {
        "com.baidu.input",
        "com.baidu.input_mi",
        "com.baidu.input_huawei",
        "com.baidu.input_oppo",
        "com.baidu.input_vivo",
        "com.touchtype.swiftkey",
        "com.samsung.android.honeyboard",
        "com.sohu.inputmethod.sogou",
        "com.sohu.inputmethod.sogou.xiaomi",
        "com.tencent.qqpinyin",
        "com.iflytek.inputmethod",
        "com.google.android.apps.inputmethod.hindi",
        "jp.co.omronsoft.openwnn",
        "com.menny.android.anysoftkeyboard",
        "org.pocketworkstation.pckeyboard",
    }
)

_EDIT_SUFFIXES = ("EditText", "AutoCompleteTextView", "SearchAutoComplete", "ExtractEditText")
_NO_BOUNDS = Bounds(x1=0, y1=0, x2=0, y2=0)
_EMPTY_ATTRS: dict[str, str] = {}

# Cleaning, only for dumps the fast path rejects.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")
_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_SURROGATES = re.compile(r"&#(5[56][0-9]{3});&#(5[67][0-9]{3});")
_BOUNDS = re.compile(r"\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\]\s*\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\]")


# Positional constructors (see droidpilot.device._construct): Element and Bounds have no
# checks of their own to skip.
_element = slot_maker(
    Element,
    (
        "index",
        "parent",
        "depth",
        "window",
        "text",
        "content_desc",
        "resource_id",
        "class_name",
        "package",
        "hint",
        "bounds",
        "clickable",
        "long_clickable",
        "editable",
        "scrollable",
        "checkable",
        "checked",
        "focusable",
        "focused",
        "password",
        "selected",
        "enabled",
        "visible",
    ),
)
_bounds = slot_maker(Bounds, ("x1", "y1", "x2", "y2"))


def parse_bounds(value: str) -> Bounds:
    """``"[x1,y1][x2,y2]"`` as :class:`Bounds`; anything unreadable is the empty rectangle."""
    if not value:
        return _NO_BOUNDS
    try:
        a, b, c, d = value[1:-1].replace("][", ",").split(",")
        return _bounds(int(a), int(b), int(c), int(d))
    except ValueError:
        m = _BOUNDS.search(value)
        if m is None:
            return _NO_BOUNDS
        return Bounds(x1=int(m[1]), y1=int(m[2]), x2=int(m[3]), y2=int(m[4]))


def is_editable_class(class_name: str) -> bool:
    """Whether a widget class is a text field (EditText and its many subclasses)."""
    return class_name.endswith(_EDIT_SUFFIXES)


def infer_editable(
    cls: str,
    *,
    editable_attr: bool,
    password: bool,
    focusable: bool,
    clickable: bool,
    text: str,
    desc: str,
) -> bool:
    """Whether a node is a text field: the one rule for the parser and the simulated phone."""
    return (
        cls.endswith(_EDIT_SUFFIXES)
        or editable_attr
        or (password and focusable)
        # Flutter and Compose report text fields as focusable plain Views with text.
        or (cls == "android.view.View" and focusable and not clickable and bool(text) and not desc)
    )


# --------------------------------------------------------------------------- decoding


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        if "\x00" in data[:4096]:
            raise ScreenParseError("not a UI hierarchy: binary data (NUL characters)")
        return data
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ScreenParseError(f"a hierarchy dump must be str or bytes, got {type(data).__name__}")
    raw = bytes(data)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(raw.decode("utf-16", errors="replace"))
    if b"\x00" in raw[:4096]:
        raise ScreenParseError(f"not a UI hierarchy: binary data ({len(raw)} bytes)")
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad:
        if bad > 16 and bad * 20 > len(text):
            raise ScreenParseError(
                f"not a UI hierarchy: binary data ({bad} invalid UTF-8 sequences "
                f"in {len(raw)} bytes)"
            )
        logger.debug("hierarchy dump had %d invalid UTF-8 sequence(s); replaced", bad)
    return text


def _what_is(text: str) -> str:
    """A short description of something that is not a hierarchy, for error messages."""
    head = text.lstrip("\ufeff \t\r\n")[:200]
    low = head.lower()
    if not head:
        return "the dump is empty"
    if low.startswith(("<!doctype html", "<html")) or "<html" in low or "<body" in low:
        return "this is an HTML page, not a UI hierarchy"
    if head[0] in "{[":
        return "this is JSON, not a UI hierarchy XML"
    if "error" in low or "exception" in low or "killed" in low:
        first = head.splitlines()[0][:120]
        return f"the dump is an error message, not a hierarchy: {first!r}"
    return f"no <hierarchy> element (starts with {head[:60]!r})"


def _unwrap_json(text: str) -> str:
    """The hierarchy inside a uiautomator2 JSON-RPC reply (``{"result": "<?xml ..."}``)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    result = doc.get("result") if isinstance(doc, dict) else None
    if isinstance(result, str) and "<hierarchy" in result:
        return result
    raise ScreenParseError(_what_is(text))


def _extract(text: str) -> str:
    """The ``<hierarchy ...> ... </hierarchy>`` part, without what comes before or after."""
    if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        text = _unwrap_json(text)
    start = text.find("<hierarchy")
    if start < 0:
        raise ScreenParseError(_what_is(text))
    end = text.find("</hierarchy>", start)
    if end < 0:
        close = text.find(">", start)
        if close > 0 and text[close - 1] == "/":  # <hierarchy rotation="0"/>
            return text[start : close + 1]
        raise ScreenParseError(
            f"truncated hierarchy: no closing </hierarchy> ({len(text) - start} characters "
            "after <hierarchy>)"
        )
    return text[start : end + len("</hierarchy>")]


def _fix_char_ref(m: re.Match[str]) -> str:
    ref = m[1]
    try:
        code = int(ref[1:], 16) if ref[0] in "xX" else int(ref)
    except ValueError:
        return ""
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return m[0]
    if 0x10000 <= code <= 0x10FFFF:
        return m[0]
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else ""


def _join_surrogates(m: re.Match[str]) -> str:
    hi, lo = int(m[1]), int(m[2])
    if 0xD800 <= hi <= 0xDBFF and 0xDC00 <= lo <= 0xDFFF:
        return f"&#{0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)};"
    return m[0]


def _clean(body: str) -> str:
    """Repair what real dumps get wrong; only used when the fast path fails."""
    body = _BAD_CHARS.sub("", body)
    # Java writes an astral character as two surrogate references: &#55357;&#56496;
    body = _SURROGATES.sub(_join_surrogates, body)
    body = _CHAR_REF.sub(_fix_char_ref, body)
    return _BARE_AMP.sub("&amp;", body)


# --------------------------------------------------------------------------- parsing


class _Collector:
    """Expat handlers that collect ``<node>`` attributes with their parent and depth."""

    __slots__ = ("nodes", "parents", "rotation", "stack", "tags")

    def __init__(self) -> None:
        self.nodes: list[dict[str, str]] = []
        self.parents: list[int] = []  # -1 for a window root
        self.stack: list[int] = []
        self.tags: list[bool] = []  # for each open tag: was it a <node>?
        self.rotation = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "node":
            stack = self.stack
            self.parents.append(stack[-1] if stack else -1)
            stack.append(len(self.nodes))
            self.nodes.append(attrs)
            self.tags.append(True)
            return
        self.tags.append(False)
        if name == "hierarchy":
            try:
                self.rotation = int(attrs.get("rotation", "0") or 0) % 4
            except ValueError:
                self.rotation = 0

    def end(self, name: str) -> None:
        if self.tags.pop():
            self.stack.pop()


def _run_expat(body: str) -> _Collector:
    collector = _Collector()
    parser = expat.ParserCreate()
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.Parse(body, True)
    return collector


def _collect(body: str) -> _Collector:
    try:
        return _run_expat(body)
    except expat.ExpatError as first:
        cleaned = _clean(body)
        if cleaned != body:
            try:
                collector = _run_expat(cleaned)
            except expat.ExpatError as exc:
                raise ScreenParseError(f"malformed hierarchy XML: {exc}") from exc
            logger.debug("hierarchy needed cleaning: %s", first)
            return collector
        raise ScreenParseError(f"malformed hierarchy XML: {first}") from first


def _window_kind(package: str, b: Bounds, width: int, height: int) -> WindowKind:
    low = package.lower()
    if "inputmethod" in low or "keyboard" in low or package in IME_PACKAGES:
        return "ime"
    if width <= 0 or height <= 0:
        return "app"
    # A bar: spans (nearly) the whole width, short, at the top or bottom; or the landscape
    # navigation bar at a side.
    horizontal_bar = (
        b.width * 10 >= width * 9
        and 0 < b.height * 100 <= height * 12
        and (b.y1 <= 0 or b.y2 >= height - 2)
    )
    vertical_bar = (
        b.height * 10 >= height * 9
        and 0 < b.width * 100 <= width * 12
        and (b.x1 <= 0 or b.x2 >= width - 2)
    )
    if horizontal_bar or vertical_bar:
        return "system"
    if b.area * 100 < width * height * 85 and b.area > 0:
        return "dialog"
    return "app"


# --------------------------------------------------------------------------- the fast path
#
# Nearly every dump is what Android's serializer writes: ``<node`` tags whose attributes come
# in one fixed order (``NAF`` first where it is set), quoted, one space apart. One regular
# expression reads a whole tag of that form, and ``split`` cuts the body into those tags and
# what lies between them, in C. The fast path takes a dump only when it can tell that expat
# would read it the same way and without an error: every tag matched, nothing but XML white
# space between tags, no character XML forbids, every ``&`` a well-formed reference to an
# allowed character, no duplicate attribute, no literal tab or line end inside a value (XML
# turns those into spaces), balanced nesting. Anything else (comments, odd spacing, other
# orders, a vendor attribute named like a standard one, ...) goes through expat, as before,
# with the same results and the same errors.

_VAL = r'"([^"<\t\n\r]*)"'
#: Free text: Android's serializer single-quotes a value that holds a double quote.
_TEXT = r"""(?:"([^"<\t\n\r]*)"|'([^'<\t\n\r]*)')"""
_FLAG = r'"(?:true|false)"'
_SKIP = r'"[^"<\t\n\r]*"'
_NODE_TAG = re.compile(
    r"<node (?:NAF=" + _SKIP + " )?index=" + _SKIP
    + " text=" + _TEXT + " resource-id=" + _VAL + " class=" + _VAL + " package=" + _VAL
    + " content-desc=" + _TEXT + "( checkable=" + _FLAG + " checked=" + _FLAG
    + " clickable=" + _FLAG + " enabled=" + _FLAG + " focusable=" + _FLAG + " focused=" + _FLAG
    + " scrollable=" + _FLAG + " long-clickable=" + _FLAG + " password=" + _FLAG
    + " selected=" + _FLAG + "(?: visible-to-user=" + _FLAG + ')?) bounds="'
    + r'(\[-?[0-9]+,-?[0-9]+\]\[-?[0-9]+,-?[0-9]+\])"'
    + "(?: drawing-order=(" + _SKIP + "))?(?: hint=" + _TEXT + ")?(?: display-id=(" + _SKIP + "))?"
    + r"""((?:[ \t\r\n]+[A-Za-z_:][A-Za-z0-9_:.-]*=(?:"[^"<\t\n\r]*"|'[^'<\t\n\r]*'))*)"""
    + r"[ \t\r\n]*(/?)>|</node>"
)  # fmt: skip
#: Groups of ``_NODE_TAG`` (one ``split`` step is the text before a tag, then these): text
#: (double- or single-quoted), resource-id, class, package, content-desc (two), the flags,
#: bounds, drawing-order, hint (two), display-id, the other attributes, "/" if self-closing.
_G_BOUNDS, _G_CLOSE = 8, 14
_NODE_GROUPS = 15
_FLAG_VALUE = re.compile(r'="([a-z]+)"')
#: The flags part of a tag (``checkable="false" ... selected="false"``, maybe with
#: ``visible-to-user``) -> its flags; a screen has only a few different ones.
_FLAG_SETS: dict[str, tuple[bool, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool]] = {}


def _flag_set(
    part: str,
) -> tuple[bool, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool]:
    """checkable, checked, clickable, enabled, focusable, focused, scrollable, long-clickable,
    password, selected, and whether visible-to-user (when present) is not "false"."""
    v = _FLAG_VALUE.findall(part)
    flags = (
        v[0] == "true",
        v[1] == "true",
        v[2] == "true",
        v[3] != "false",
        v[4] == "true",
        v[5] == "true",
        v[6] == "true",
        v[7] == "true",
        v[8] == "true",
        v[9] == "true",
        len(v) < 11 or v[10] != "false",
    )
    if len(_FLAG_SETS) > 4096:
        _FLAG_SETS.clear()
    _FLAG_SETS[part] = flags
    return flags


_FIXED_NAMES = frozenset(
    (
        "NAF",  # after one before index, a duplicate; without one, left to expat to be safe
        "index",
        "text",
        "resource-id",
        "class",
        "package",
        "content-desc",
        "checkable",
        "checked",
        "clickable",
        "enabled",
        "focusable",
        "focused",
        "scrollable",
        "long-clickable",
        "password",
        "selected",
        "bounds",
    )
)
_EXTRA_ATTR = re.compile(r"""([A-Za-z_:][A-Za-z0-9_:.-]*)=(?:"([^"]*)"|'([^']*)')""")
_HIERARCHY_TAG = re.compile(r'<hierarchy(?:[ \t\r\n]+rotation="([^"<&\t\n\r]*)")?[ \t\r\n]*>')
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_FORBIDDEN = (*(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))), "\ufffe", "\uffff")


class _Slow(Exception):
    """The fast path cannot vouch for this dump: parse it with expat."""


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _reference(m: re.Match[str]) -> str:
    name, dec, hexa = m.groups()
    if name is not None:
        return _NAMED[name]
    return chr(int(dec) if dec is not None else int(hexa, 16))


def _unescape(value: str) -> str:
    return _REFERENCE.sub(_reference, value) if "&" in value else value


def _check_references(body: str) -> None:
    """Every ``&`` starts a reference expat accepts, to a character XML allows."""
    refs = _REFERENCE.findall(body)
    if len(refs) != body.count("&"):
        raise _Slow
    for _, dec, hexa in refs:
        if dec or hexa:
            code = int(dec) if dec else int(hexa, 16)
            if not _xml_char(code):
                raise _Slow


def _extras(extra: str, known: set[str]) -> dict[str, str]:
    """Attributes after the fixed ones (vendor extras), checked for duplicates."""
    out: dict[str, str] = {}
    for name, double, single in _EXTRA_ATTR.findall(extra):
        if name in out or name in known or name in _FIXED_NAMES:
            raise _Slow  # a duplicate attribute: expat's error to report
        out[name] = _unescape(double or single)
    return out


def _fast_tags(body: str) -> tuple[list[Any], list[int], list[int], int, bool]:
    """``_NODE_TAG.split`` of the body's inside, where each node's groups start in it, each
    node's parent (-1 for a window root), the rotation, and whether values may hold
    references (``&amp;``) to undo; raises :class:`_Slow`.

    Items are ``str``, or ``None`` for a group that took no part in the match (the groups of
    ``</node>``, the optional attributes).
    """
    head = _HIERARCHY_TAG.match(body)
    if head is None or not body.endswith("</hierarchy>"):
        raise _Slow
    for ch in _FORBIDDEN:
        if ch in body:
            raise _Slow
    if not body.isascii():
        try:
            body.encode("utf-8")  # lone surrogates: expat's encoder fails on them
        except UnicodeEncodeError:
            raise _Slow from None
    escaped = "&" in body
    if escaped:
        _check_references(body)
    rotation = 0
    raw_rotation = head[1]
    if raw_rotation:
        try:
            rotation = int(raw_rotation) % 4
        except ValueError:
            rotation = 0
    parts: list[Any] = _NODE_TAG.split(body[head.end() : -len("</hierarchy>")])
    step = _NODE_GROUPS + 1
    if "".join(parts[::step]).strip(" \t\r\n"):
        raise _Slow  # text, comments or tags of another form between the nodes
    starts: list[int] = []
    parents: list[int] = []
    stack: list[int] = []
    for k in range(1, len(parts), step):
        if parts[k + _G_BOUNDS] is None:  # </node>
            if not stack:
                raise _Slow
            stack.pop()
            continue
        parents.append(stack[-1] if stack else -1)
        if parts[k + _G_CLOSE] != "/":
            stack.append(len(starts))
        starts.append(k)
    if stack:
        raise _Slow
    return parts, starts, parents, rotation, escaped


def _extent(bounds: list[Bounds], parents: list[int]) -> tuple[int, int]:
    """The screen's size: as far as the window roots reach. Where every root floats away from
    the origin (a dialog-only dump), assume the dialog is centred."""
    roots = [i for i, p in enumerate(parents) if p < 0]
    spans = [bounds[i] for i in roots if not bounds[i].empty] or [b for b in bounds if not b.empty]
    width = height = 0
    if spans:
        width = max(b.x2 for b in spans)
        height = max(b.y2 for b in spans)
        min_x, min_y = min(b.x1 for b in spans), min(b.y1 for b in spans)
        if min_x > 0 and min_y > 0:
            width, height = width + min_x, height + min_y
    return width, height


def parse_hierarchy(data: str | bytes) -> Screen:
    """Parse a uiautomator hierarchy dump into a :class:`Screen`.

    Raises :class:`ScreenParseError` (saying what is wrong) for anything that is not one.
    """
    text = _decode(data)
    body = _extract(text)
    try:
        tags = _fast_tags(body)
    except _Slow:
        return _parse_slow(body)
    return _screen_of_tags(*tags)


def _screen_of_tags(
    parts: list[Any], starts: list[int], parents: list[int], rotation: int, escaped: bool
) -> Screen:
    """The fast path's Screen: what :func:`_parse_slow` makes of the same dump."""
    cache: dict[str, Bounds] = {}
    bounds: list[Bounds] = []
    for k in starts:
        raw = parts[k + _G_BOUNDS]
        b = cache.get(raw)
        if b is None:
            b = cache[raw] = parse_bounds(raw)
        bounds.append(b)
    width, height = _extent(bounds, parents)

    windows: list[WindowInfo] = []
    window_of: list[int] = [0] * len(starts)
    depth_of: list[int] = [0] * len(starts)
    elements: list[Element] = []
    append = elements.append
    make = _element
    flag_sets = _FLAG_SETS
    for i, k in enumerate(starts):
        (
            text_value, text_single, rid, cls, package, desc, desc_single, flag_part, _,
            order, hint, hint_single, display, extra, _,
        ) = parts[k : k + _NODE_GROUPS]  # fmt: skip
        (
            checkable, checked, clickable, enabled, focusable, focused, scrollable,
            long_clickable, password, selected, visible_attr,
        ) = flag_sets.get(flag_part) or _flag_set(flag_part)  # fmt: skip
        if text_value is None:
            text_value = text_single
        if desc is None:
            desc = desc_single
        has_hint = hint is not None or hint_single is not None
        if hint is None:
            hint = hint_single if hint_single is not None else ""
        if escaped:  # a reference somewhere in the dump: undo it where it is (few values)
            if "&" in text_value:
                text_value = _unescape(text_value)
            if "&" in rid:
                rid = _unescape(rid)
            if "&" in cls:
                cls = _unescape(cls)
            if "&" in package:
                package = _unescape(package)
            if "&" in desc:
                desc = _unescape(desc)
            if "&" in hint:
                hint = _unescape(hint)
        editable_attr = False
        if extra:
            known: set[str] = set()
            if "visible-to-user" in flag_part:
                known.add("visible-to-user")
            if order is not None:
                known.add("drawing-order")
            if has_hint:
                known.add("hint")
            if display is not None:
                known.add("display-id")
            more = _extras(extra, known)
            editable_attr = more.get("editable") == "true"
            if "hint" in more:
                hint = more["hint"]
            if "visible-to-user" in more:
                visible_attr = more["visible-to-user"] != "false"
        parent = parents[i]
        b = bounds[i]
        if parent < 0:
            window = len(windows)
            windows.append(
                WindowInfo(
                    index=window,
                    package=package,
                    bounds=b,
                    kind=_window_kind(package, b, width, height),
                )
            )
            depth = 0
        else:
            window = window_of[parent]
            depth = depth_of[parent] + 1
        window_of[i] = window
        depth_of[i] = depth
        editable = infer_editable(
            cls,
            editable_attr=editable_attr,
            password=password,
            focusable=focusable,
            clickable=clickable,
            text=text_value,
            desc=desc,
        )
        append(
            make(
                i,
                parent if parent >= 0 else None,
                depth,
                window,
                text_value,
                desc,
                rid,
                cls,
                package,
                hint,
                b,
                clickable,
                long_clickable,
                editable,
                scrollable,
                checkable,
                checked,
                focusable,
                focused,
                password,
                selected,
                enabled,
                (
                    visible_attr
                    and b.x2 > b.x1
                    and b.y2 > b.y1
                    and b.x2 > 0
                    and b.y2 > 0
                    and b.x1 < width
                    and b.y1 < height
                ),
            )
        )
    if not elements:
        logger.debug("hierarchy has no nodes")
    return Screen(
        elements=tuple(elements),
        windows=tuple(windows),
        width=width,
        height=height,
        rotation=rotation,
    )


def _parse_slow(body: str) -> Screen:
    """Parse with expat (after cleaning, where the dump needs it)."""
    col = _collect(body)
    nodes, parents = col.nodes, col.parents

    cache: dict[str, Bounds] = {}
    bounds: list[Bounds] = []
    for a in nodes:
        raw = a.get("bounds", "")
        b = cache.get(raw)
        if b is None:
            b = cache[raw] = parse_bounds(raw)
        bounds.append(b)
    width, height = _extent(bounds, parents)

    windows: list[WindowInfo] = []
    window_of: list[int] = [0] * len(nodes)
    depth_of: list[int] = [0] * len(nodes)
    elements: list[Element] = []
    append = elements.append
    make = _element
    for i, attrs in enumerate(nodes):
        parent = parents[i]
        b = bounds[i]
        get = attrs.get
        package = get("package", "")
        if parent < 0:
            window = len(windows)
            windows.append(
                WindowInfo(
                    index=window,
                    package=package,
                    bounds=b,
                    kind=_window_kind(package, b, width, height),
                )
            )
            depth = 0
        else:
            window = window_of[parent]
            depth = depth_of[parent] + 1
        window_of[i] = window
        depth_of[i] = depth
        cls = get("class", "")
        text_value = get("text", "")
        clickable = get("clickable") == "true"
        focusable = get("focusable") == "true"
        password = get("password") == "true"
        editable = infer_editable(
            cls,
            editable_attr=get("editable") == "true",
            password=password,
            focusable=focusable,
            clickable=clickable,
            text=text_value,
            desc=get("content-desc", ""),
        )
        append(
            make(
                i,
                parent if parent >= 0 else None,
                depth,
                window,
                text_value,
                get("content-desc", ""),
                get("resource-id", ""),
                cls,
                package,
                get("hint", ""),
                b,
                clickable,
                get("long-clickable") == "true",
                editable,
                get("scrollable") == "true",
                get("checkable") == "true",
                get("checked") == "true",
                focusable,
                get("focused") == "true",
                password,
                get("selected") == "true",
                get("enabled") != "false",
                (
                    b.x2 > b.x1
                    and b.y2 > b.y1
                    and b.x2 > 0
                    and b.y2 > 0
                    and b.x1 < width
                    and b.y1 < height
                    and get("visible-to-user") != "false"
                ),
            )
        )
    if not elements:
        logger.debug("hierarchy has no nodes")
    return Screen(
        elements=tuple(elements),
        windows=tuple(windows),
        width=width,
        height=height,
        rotation=col.rotation,
    )
