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
from typing import Literal
from xml.parsers import expat

from droidpilot.device.view import ViewBuilder, render_diff, render_screen
from droidpilot.errors import ScreenParseError
from droidpilot.types import Bounds, Element, Screen, WindowInfo

__all__ = [
    "IME_PACKAGES",
    "ViewBuilder",
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


def parse_bounds(value: str) -> Bounds:
    """``"[x1,y1][x2,y2]"`` as :class:`Bounds`; anything unreadable is the empty rectangle."""
    if not value:
        return _NO_BOUNDS
    try:
        a, b, c, d = value[1:-1].replace("][", ",").split(",")
        return Bounds(x1=int(a), y1=int(b), x2=int(c), y2=int(d))
    except ValueError:
        m = _BOUNDS.search(value)
        if m is None:
            return _NO_BOUNDS
        return Bounds(x1=int(m[1]), y1=int(m[2]), x2=int(m[3]), y2=int(m[4]))


def is_editable_class(class_name: str) -> bool:
    """Whether a widget class is a text field (EditText and its many subclasses)."""
    return class_name.endswith(_EDIT_SUFFIXES)


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


def parse_hierarchy(data: str | bytes) -> Screen:
    """Parse a uiautomator hierarchy dump into a :class:`Screen`.

    Raises :class:`ScreenParseError` (saying what is wrong) for anything that is not one.
    """
    text = _decode(data)
    body = _extract(text)
    col = _collect(body)
    nodes, parents = col.nodes, col.parents

    # Geometry first: the screen is as large as the window roots reach. Where every root
    # floats away from the origin (a dialog-only dump), assume the dialog is centred.
    cache: dict[str, Bounds] = {}
    bounds: list[Bounds] = []
    for a in nodes:
        raw = a.get("bounds", "")
        b = cache.get(raw)
        if b is None:
            b = cache[raw] = parse_bounds(raw)
        bounds.append(b)
    roots = [i for i, p in enumerate(parents) if p < 0]
    spans = [bounds[i] for i in roots if not bounds[i].empty] or [b for b in bounds if not b.empty]
    width = height = 0
    if spans:
        width = max(b.x2 for b in spans)
        height = max(b.y2 for b in spans)
        min_x, min_y = min(b.x1 for b in spans), min(b.y1 for b in spans)
        if min_x > 0 and min_y > 0:
            width, height = width + min_x, height + min_y

    windows: list[WindowInfo] = []
    window_of: list[int] = [0] * len(nodes)
    depth_of: list[int] = [0] * len(nodes)
    elements: list[Element] = []
    append = elements.append
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
        editable = (
            cls.endswith(_EDIT_SUFFIXES)
            or get("editable") == "true"
            or (password and focusable)
            # Flutter and Compose report text fields as focusable plain Views with text.
            or (
                cls == "android.view.View"
                and focusable
                and not clickable
                and bool(text_value)
                and not get("content-desc")
            )
        )
        append(
            Element(
                index=i,
                parent=parent if parent >= 0 else None,
                depth=depth,
                window=window,
                text=text_value,
                content_desc=get("content-desc", ""),
                resource_id=get("resource-id", ""),
                class_name=cls,
                package=package,
                hint=get("hint", ""),
                bounds=b,
                clickable=clickable,
                long_clickable=get("long-clickable") == "true",
                editable=editable,
                scrollable=get("scrollable") == "true",
                checkable=get("checkable") == "true",
                checked=get("checked") == "true",
                focusable=focusable,
                focused=get("focused") == "true",
                password=password,
                selected=get("selected") == "true",
                enabled=get("enabled") != "false",
                visible=(
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
