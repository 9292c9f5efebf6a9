"""View nodes and the builder helpers app pages use to describe their screens.

A page's ``build`` returns a tree of :class:`View` made with the functions below. Sizes are in
dp (the phone converts them with its density); ``MATCH`` fills the parent, ``WRAP`` fits the
content. Words may be a plain ``str`` or a :class:`Text` (English and Chinese): the phone
picks the one of its locale when it lays the tree out. ``id`` is the short resource name
(``"search"`` becomes ``<package>:id/search``); an id that already has a ``:`` is kept as is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from droidpilot.device._construct import positional_twin

if TYPE_CHECKING:
    from droidpilot.device.sim.app import Ctx

__all__ = [
    "MATCH",
    "WRAP",
    "Localized",
    "Text",
    "TextLike",
    "View",
    "bottom_nav",
    "bottom_sheet",
    "button",
    "card",
    "checkbox",
    "column",
    "date_picker",
    "dialog",
    "divider",
    "edit_text",
    "frame",
    "icon_button",
    "image",
    "lazy_list",
    "list_view",
    "progress",
    "radio",
    "row",
    "scroll",
    "spacer",
    "spinner",
    "switch",
    "tabs",
    "text",
    "toolbar",
    "tr",
    "webview",
]

MATCH = -1
WRAP = -2


class Localized(Protocol):
    """Anything with both languages' words: ``get("en")`` / ``get("zh")``."""

    def get(self, lang: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Text:
    """Words in both languages of the phone; the locale picks one when the tree is laid out."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


TextLike: TypeAlias = "str | Localized"
Handler: TypeAlias = "Callable[[Ctx[Any]], None]"
TextHandler: TypeAlias = "Callable[[Ctx[Any], str], None]"
BoolHandler: TypeAlias = "Callable[[Ctx[Any], bool], None]"
IndexHandler: TypeAlias = "Callable[[Ctx[Any], int], None]"
DateHandler: TypeAlias = "Callable[[Ctx[Any], dt.date], None]"

W = "android.widget."
#: short class name -> full name: one string object per class, whose hash is worked out once
#: (views' classes go into dict keys every frame: leaf sizes, screen_of's elements)
_FULL: dict[str, str] = {}


class View:
    """One node of a window's view tree (mutable; rebuilt from state on every frame).

    ``kind`` is how it lays out its children: ``col``, ``row``, ``frame``, ``scroll`` (a
    container that moves its content), ``lazy`` (a list that builds only the rows on screen)
    or ``leaf``. After layout, ``box`` holds its full rectangle and ``vis`` the part on screen.
    """

    __slots__ = (
        "bg",
        "bold",
        "box",
        "checkable",
        "checked",
        "children",
        "clickable",
        "cls",
        "color",
        "count",
        "date",
        "desc",
        "editable",
        "enabled",
        "focusable",
        "focused",
        "gravity",
        "h",
        "hint",
        "horizontal",
        "id",
        "item",
        "item_h",
        "kind",
        "lines",
        "long_clickable",
        "margin",
        "on_checked",
        "on_click",
        "on_date",
        "on_long_click",
        "on_select",
        "on_submit",
        "on_text",
        "options",
        "pad",
        "password",
        "rid",
        "role",
        "scrollable",
        "selected",
        "size",
        "text",
        "value",
        "vis",
        "w",
        "weight",
    )

    def __init__(
        self,
        cls: str,
        *,
        kind: str = "leaf",
        id: str = "",
        text: TextLike = "",
        desc: TextLike = "",
        hint: TextLike = "",
        children: Sequence[View] = (),
        w: int = MATCH,
        h: int = WRAP,
        weight: float = 0.0,
        pad: int = 0,
        margin: int = 0,
        gravity: str = "",
        clickable: bool = False,
        long_clickable: bool = False,
        checkable: bool = False,
        checked: bool = False,
        focusable: bool = False,
        enabled: bool = True,
        selected: bool = False,
        password: bool = False,
        editable: bool = False,
        size: float = 14.0,
        bold: bool = False,
        color: str | None = None,
        bg: str | None = None,
        lines: int = 0,
        role: str = "",
    ) -> None:
        full = _FULL.get(cls)
        if full is None:
            full = _FULL[cls] = cls if "." in cls else W + cls
        self.cls = full
        self.kind = kind
        self.id = id
        self.rid = ""
        self.text: TextLike = text
        self.desc: TextLike = desc
        self.hint: TextLike = hint
        self.children: list[View] = list(children)
        self.w = w
        self.h = h
        self.weight = weight
        self.pad = pad
        self.margin = margin
        self.gravity = gravity
        self.clickable = clickable
        self.long_clickable = long_clickable
        self.checkable = checkable
        self.checked = checked
        self.focusable = focusable or clickable or editable
        self.focused = False
        self.enabled = enabled
        self.selected = selected
        self.password = password
        self.editable = editable
        self.scrollable = False
        self.horizontal = False
        self.size = size
        self.bold = bold
        self.color = color
        self.bg = bg
        self.lines = lines
        self.role = role
        self.on_click: Handler | None = None
        self.on_long_click: Handler | None = None
        self.on_text: TextHandler | None = None
        self.on_submit: TextHandler | None = None
        self.on_checked: BoolHandler | None = None
        self.on_select: IndexHandler | None = None
        self.on_date: DateHandler | None = None
        self.options: tuple[TextLike, ...] = ()
        self.value: object = None
        self.date: dt.date | None = None
        self.count = 0
        self.item: Callable[[int], View] | None = None
        self.item_h = 0
        self.box: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.vis: tuple[int, int, int, int] = (0, 0, 0, 0)

    def __repr__(self) -> str:
        return f"View({self.cls.rsplit('.', 1)[-1]} id={self.id!r} text={self.text!r})"

    def walk(self) -> list[View]:
        """This node and every node under it, depth first."""
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out


# The builders below make most views of every frame as ``v = _new(View); _init(v, ...)``: the
# same View as ``View(...)``, without the class call, which (Python 3.11) first packs the
# keywords into a dict, and with ``__init__``'s keyword-only parameters taken as positional
# ones, whose defaults (most of them, for most views) cost no dict lookup each.
_new = object.__new__
_init = positional_twin(View.__init__)


# --------------------------------------------------------------------------- layouts


def column(
    *children: View | None,
    id: str = "",
    w: int = MATCH,
    h: int = WRAP,
    pad: int = 0,
    margin: int = 0,
    weight: float = 0.0,
    bg: str | None = None,
    gravity: str = "",
    on_click: Handler | None = None,
    desc: TextLike = "",
) -> View:
    """A vertical ``LinearLayout``; ``None`` children are skipped (``x if c else None``)."""
    v = _new(View)
    _init(
        v,
        "LinearLayout",
        kind="col",
        id=id,
        children=[c for c in children if c is not None],
        w=w,
        h=h,
        pad=pad,
        margin=margin,
        weight=weight,
        bg=bg,
        gravity=gravity,
        desc=desc,
        clickable=on_click is not None,
    )
    v.on_click = on_click
    return v


def row(
    *children: View | None,
    id: str = "",
    w: int = MATCH,
    h: int = WRAP,
    pad: int = 0,
    margin: int = 0,
    weight: float = 0.0,
    bg: str | None = None,
    gravity: str = "",
    on_click: Handler | None = None,
    desc: TextLike = "",
) -> View:
    """A horizontal ``LinearLayout``; give children ``weight`` to share the width."""
    v = _new(View)
    _init(
        v,
        "LinearLayout",
        kind="row",
        id=id,
        children=[c for c in children if c is not None],
        w=w,
        h=h,
        pad=pad,
        margin=margin,
        weight=weight,
        bg=bg,
        gravity=gravity,
        desc=desc,
        clickable=on_click is not None,
    )
    v.on_click = on_click
    return v


def frame(
    *children: View | None,
    id: str = "",
    w: int = MATCH,
    h: int = WRAP,
    pad: int = 0,
    weight: float = 0.0,
    bg: str | None = None,
    cls: str = "FrameLayout",
) -> View:
    """A ``FrameLayout``: children drawn on top of each other, placed by their ``gravity``."""
    v = _new(View)
    _init(
        v,
        cls,
        kind="frame",
        id=id,
        children=[c for c in children if c is not None],
        w=w,
        h=h,
        pad=pad,
        weight=weight,
        bg=bg,
    )
    return v


def card(
    *children: View | None,
    id: str = "",
    on_click: Handler | None = None,
    on_long_click: Handler | None = None,
    desc: TextLike = "",
    pad: int = 12,
    horizontal: bool = False,
) -> View:
    """A clickable row or column item (a list entry, a tile): one tap target with words inside."""
    v = _new(View)
    _init(
        v,
        "LinearLayout",
        kind="row" if horizontal else "col",
        id=id,
        children=[c for c in children if c is not None],
        pad=pad,
        desc=desc,
        clickable=on_click is not None,
        long_clickable=on_long_click is not None,
        role="card",
    )
    v.on_click = on_click
    v.on_long_click = on_long_click
    return v


def spacer(h: int = 8, *, w: int = MATCH, weight: float = 0.0) -> View:
    """Empty space (a plain ``android.view.View``)."""
    v = _new(View)
    _init(v, "android.view.View", w=w, h=h, weight=weight, role="spacer")
    return v


def divider() -> View:
    v = _new(View)
    _init(v, "android.view.View", h=1, bg="#DDDDDD", role="divider")
    return v


# --------------------------------------------------------------------------- widgets


def text(
    value: TextLike,
    *,
    id: str = "",
    size: float = 14.0,
    bold: bool = False,
    color: str | None = None,
    w: int = MATCH,
    weight: float = 0.0,
    lines: int = 0,
    desc: TextLike = "",
    gravity: str = "",
    on_click: Handler | None = None,
    on_long_click: Handler | None = None,
    selected: bool = False,
) -> View:
    """A ``TextView``; ``lines`` caps the line count (0: as many as the words need)."""
    v = _new(View)
    _init(
        v,
        "TextView",
        id=id,
        text=value,
        size=size,
        bold=bold,
        color=color,
        w=w,
        weight=weight,
        lines=lines,
        desc=desc,
        gravity=gravity,
        selected=selected,
        clickable=on_click is not None,
        long_clickable=on_long_click is not None,
    )
    v.on_click = on_click
    v.on_long_click = on_long_click
    return v


def button(
    label: TextLike,
    on_click: Handler | None,
    *,
    id: str = "",
    enabled: bool = True,
    w: int = MATCH,
    weight: float = 0.0,
    desc: TextLike = "",
    primary: bool = True,
    on_long_click: Handler | None = None,
) -> View:
    """A ``Button`` (clickable even without a handler, as a real disabled-looking button is)."""
    v = _new(View)
    _init(
        v,
        "Button",
        id=id,
        text=label,
        w=w,
        weight=weight,
        desc=desc,
        clickable=True,
        enabled=enabled,
        long_clickable=on_long_click is not None,
        role="primary" if primary else "secondary",
        gravity="center",
    )
    v.on_click = on_click
    v.on_long_click = on_long_click
    return v


def icon_button(
    desc: TextLike,
    on_click: Handler | None,
    *,
    id: str = "",
    icon: str = "",
    size: int = 48,
    enabled: bool = True,
) -> View:
    """An ``ImageButton``: no text, only a content-desc (as real icon buttons)."""
    v = _new(View)
    _init(
        v,
        "ImageButton",
        id=id,
        desc=desc,
        w=size,
        h=size,
        clickable=True,
        enabled=enabled,
        role="icon",
    )
    v.value = icon
    v.on_click = on_click
    return v


def image(
    desc: TextLike = "",
    *,
    id: str = "",
    w: int = 48,
    h: int = 48,
    color: str | None = None,
    on_click: Handler | None = None,
) -> View:
    """An ``ImageView`` (drawn as a coloured block)."""
    v = _new(View)
    _init(
        v,
        "ImageView",
        id=id,
        desc=desc,
        w=w,
        h=h,
        bg=color,
        clickable=on_click is not None,
        role="image",
    )
    v.on_click = on_click
    return v


def edit_text(
    id: str,
    *,
    hint: TextLike = "",
    value: str | None = None,
    password: bool = False,
    multiline: bool = False,
    on_text_change: TextHandler | None = None,
    on_submit: TextHandler | None = None,
    w: int = MATCH,
    weight: float = 0.0,
    enabled: bool = True,
) -> View:
    """An ``EditText``. Its content lives in the page's field store under ``id``.

    ``value`` is the starting content (used until the user types); read the current content
    with ``ctx.field(id)``. ``on_text_change(ctx, text)`` runs after each edit;
    ``on_submit(ctx, text)`` when the keyboard's action key (or ``enter``) is pressed.
    """
    v = _new(View)
    _init(
        v,
        "EditText",
        id=id,
        hint=hint,
        password=password,
        editable=True,
        clickable=True,
        long_clickable=True,
        w=w,
        weight=weight,
        enabled=enabled,
        lines=0 if multiline else 1,
        role="edit",
    )
    v.value = value
    v.on_text = on_text_change
    v.on_submit = on_submit
    return v


def checkbox(
    id: str,
    label: TextLike,
    checked: bool,
    on_checked: BoolHandler | None,
    *,
    enabled: bool = True,
) -> View:
    """A ``CheckBox``; the state comes from your model, ``on_checked(ctx, new)`` updates it."""
    v = _new(View)
    _init(
        v,
        "CheckBox",
        id=id,
        text=label,
        checkable=True,
        checked=checked,
        clickable=True,
        enabled=enabled,
        role="check",
    )
    v.on_checked = on_checked
    return v


def switch(
    id: str,
    label: TextLike,
    checked: bool,
    on_checked: BoolHandler | None,
    *,
    enabled: bool = True,
) -> View:
    """A ``Switch`` with its label; ``on_checked(ctx, new)`` updates the model."""
    v = _new(View)
    _init(
        v,
        "Switch",
        id=id,
        text=label,
        checkable=True,
        checked=checked,
        clickable=True,
        enabled=enabled,
        role="switch",
    )
    v.on_checked = on_checked
    return v


def radio(
    id: str,
    label: TextLike,
    checked: bool,
    on_click: Handler | None,
) -> View:
    """A ``RadioButton`` (one of a group; your handler sets the choice in the model)."""
    v = _new(View)
    _init(
        v,
        "RadioButton",
        id=id,
        text=label,
        checkable=True,
        checked=checked,
        clickable=True,
        role="radio",
    )
    v.on_click = on_click
    return v


def spinner(
    id: str,
    options: Sequence[TextLike],
    selected: int,
    on_select: IndexHandler | None,
    *,
    w: int = MATCH,
    weight: float = 0.0,
) -> View:
    """A ``Spinner`` showing ``options[selected]``; a tap opens the choices as a popup."""
    label = options[selected] if 0 <= selected < len(options) else ""
    inner = _new(View)
    _init(inner, "CheckedTextView", id="android:id/text1", text=label, role="spinner_text")
    v = _new(View)
    _init(
        v,
        "Spinner",
        id=id,
        children=[inner],
        kind="frame",
        clickable=True,
        w=w,
        weight=weight,
        role="spinner",
    )
    v.options = tuple(options)
    v.value = selected
    v.on_select = on_select
    return v


def date_picker(
    id: str,
    value: dt.date,
    on_date: DateHandler | None,
    *,
    label: TextLike = "",
    w: int = MATCH,
    weight: float = 0.0,
) -> View:
    """A date field: shows ``value``; a tap opens a ``DatePicker`` dialog (month grid, OK)."""
    shown = value.isoformat()
    v = _new(View)
    _init(
        v,
        "TextView",
        id=id,
        text=shown,
        desc=label,
        clickable=True,
        w=w,
        weight=weight,
        role="date",
    )
    v.date = value
    v.on_date = on_date
    return v


def progress(*, id: str = "", desc: TextLike = "") -> View:
    """An indeterminate ``ProgressBar`` (a loading spinner)."""
    v = _new(View)
    _init(v, "ProgressBar", id=id, desc=desc, w=48, h=48, gravity="center", role="progress")
    return v


# --------------------------------------------------------------------------- containers


def scroll(
    id: str,
    *children: View | None,
    horizontal: bool = False,
    h: int = MATCH,
    weight: float = 0.0,
) -> View:
    """A ``ScrollView`` (or ``HorizontalScrollView``): only the children on screen are shown.

    It fills the height it is given (``h``/``weight``); the content inside is laid out at its
    natural height and moved by swipes and scroll actions.
    """
    inner = _new(View)
    _init(
        inner,
        "LinearLayout",
        kind="row" if horizontal else "col",
        children=[c for c in children if c is not None],
        w=WRAP if horizontal else MATCH,
    )
    v = _new(View)
    _init(
        v,
        "HorizontalScrollView" if horizontal else "ScrollView",
        kind="scroll",
        id=id,
        children=[inner],
        h=h,
        weight=weight,
        focusable=True,
    )
    v.scrollable = True
    v.horizontal = horizontal
    return v


def list_view(
    id: str,
    items: Sequence[View],
    *,
    h: int = MATCH,
    weight: float = 0.0,
    horizontal: bool = False,
) -> View:
    """A ``RecyclerView`` of ready-made rows; only the rows on screen appear in the dump."""
    v = _new(View)
    _init(
        v,
        "androidx.recyclerview.widget.RecyclerView",
        kind="scroll",
        id=id,
        children=list(items),
        h=h,
        weight=weight,
        focusable=True,
    )
    v.scrollable = True
    v.horizontal = horizontal
    v.role = "recycler"
    return v


def lazy_list(
    id: str,
    count: int,
    item: Callable[[int], View],
    *,
    item_h: int,
    h: int = MATCH,
    weight: float = 0.0,
) -> View:
    """A ``RecyclerView`` that calls ``item(i)`` only for the rows on screen (rows ``item_h`` dp).

    Use it for long generated lists (hundreds of restaurants): it keeps frames cheap.
    """
    v = _new(View)
    _init(
        v,
        "androidx.recyclerview.widget.RecyclerView",
        kind="lazy",
        id=id,
        h=h,
        weight=weight,
        focusable=True,
    )
    v.scrollable = True
    v.count = count
    v.item = item
    v.item_h = item_h
    return v


def toolbar(
    title: TextLike,
    *,
    back: bool = True,
    actions: Sequence[View] = (),
    id: str = "toolbar",
) -> View:
    """The app bar: a "Navigate up" button (acts as back), the title, then action buttons."""
    kids: list[View] = []
    if back:
        up = _new(View)
        _init(
            up,
            "ImageButton",
            desc=Text("Navigate up", "转到上一层级"),
            w=48,
            h=48,
            clickable=True,
            role="icon",
        )
        up.value = "<"
        up.role = "up"
        kids.append(up)
    label = _new(View)
    _init(
        label,
        "TextView",
        text=title,
        size=20,
        bold=True,
        w=WRAP,
        weight=1.0,
        gravity="center_vertical",
        role="title",
    )
    kids.append(label)
    kids.extend(actions)
    v = _new(View)
    _init(
        v,
        "android.view.ViewGroup",
        kind="row",
        id=id,
        children=kids,
        h=56,
        pad=4,
        bg="@primary",
        role="toolbar",
        gravity="center_vertical",
    )
    return v


def tabs(
    id: str,
    labels: Sequence[TextLike],
    selected: int,
    on_select: IndexHandler | None,
) -> View:
    """A tab strip: each tab is clickable, the chosen one ``selected``."""
    kids: list[View] = []
    for i, label in enumerate(labels):
        words = _new(View)
        _init(words, "TextView", text=label, gravity="center", bold=i == selected)
        tab = _new(View)
        _init(
            tab,
            "androidx.appcompat.app.ActionBar$Tab",
            kind="col",
            desc=label,
            children=[words],
            clickable=True,
            selected=i == selected,
            w=WRAP,
            weight=1.0,
            pad=12,
            role="tab",
        )
        tab.on_click = _select(on_select, i)
        kids.append(tab)
    v = _new(View)
    _init(v, "LinearLayout", kind="row", id=id, children=kids, role="tabs")
    return v


def bottom_nav(
    labels: Sequence[TextLike],
    selected: int,
    on_select: IndexHandler | None,
    *,
    id: str = "bottom_nav",
) -> View:
    """A bottom navigation bar (items with content-desc and a label)."""
    kids: list[View] = []
    for i, label in enumerate(labels):
        words = _new(View)
        _init(words, "TextView", text=label, size=12, gravity="center", bold=i == selected)
        item = _new(View)
        _init(
            item,
            "FrameLayout",
            kind="col",
            desc=label,
            clickable=True,
            selected=i == selected,
            w=WRAP,
            weight=1.0,
            pad=6,
            role="navitem",
            children=[words],
        )
        item.on_click = _select(on_select, i)
        kids.append(item)
    v = _new(View)
    _init(
        v, "LinearLayout", kind="row", id=id, children=kids, h=64, role="bottom_nav", bg="@surface"
    )
    return v


def tr(value: TextLike, lang: str) -> str:
    """The words of ``value`` in ``lang``."""
    return value if isinstance(value, str) else value.get(lang)


def _select(on_select: IndexHandler | None, i: int) -> Handler | None:
    if on_select is None:
        return None

    def handler(ctx: Ctx[Any]) -> None:
        on_select(ctx, i)

    return handler


def webview(id: str, *nodes: View | None, url: str = "") -> View:
    """A ``WebView`` with a thin accessibility tree (plain ``android.view.View`` nodes)."""
    v = _new(View)
    _init(
        v,
        "android.webkit.WebView",
        kind="col",
        id=id,
        text="",
        desc=url,
        children=[n for n in nodes if n is not None],
        h=MATCH,
        focusable=True,
    )
    v.scrollable = True
    return v


# --------------------------------------------------------------------------- overlays


def dialog(
    title: TextLike,
    message: TextLike = "",
    *body: View | None,
    positive: tuple[TextLike, Handler | None] | None = None,
    negative: tuple[TextLike, Handler | None] | None = None,
    neutral: tuple[TextLike, Handler | None] | None = None,
) -> View:
    """An ``AlertDialog``: title, message, optional body views, up to three buttons.

    The ids are Android's own: ``android:id/alertTitle``, ``android:id/message``,
    ``android:id/button1`` (positive), ``button2`` (negative), ``button3`` (neutral). A button
    whose handler is ``None`` just closes the dialog; a handler runs and then the dialog closes
    (unless the handler opened another one).
    """
    kids: list[View] = [
        View("TextView", id="android:id/alertTitle", text=title, size=20, bold=True, role="title")
    ]
    if message:
        kids.append(View("TextView", id="android:id/message", text=message, size=16))
    kids.extend(b for b in body if b is not None)
    buttons: list[View] = []
    for rid, spec in (
        ("android:id/button3", neutral),
        ("android:id/button2", negative),
        ("android:id/button1", positive),
    ):
        if spec is not None:
            b = _new(View)
            _init(
                b,
                "Button",
                id=rid,
                text=spec[0],
                clickable=True,
                w=WRAP,
                role="flat",
                gravity="center",
            )
            b.on_click = spec[1]
            b.value = "dismiss"
            buttons.append(b)
    if buttons:
        kids.append(
            View(
                "LinearLayout",
                kind="row",
                id="android:id/buttonPanel",
                children=[spacer(1, w=0, weight=1.0), *buttons],
                gravity="end",
            )
        )
    panel = _new(View)
    _init(
        panel,
        "LinearLayout",
        kind="col",
        id="android:id/parentPanel",
        children=kids,
        pad=20,
        bg="@dialog",
    )
    v = _new(View)
    _init(v, "FrameLayout", kind="frame", children=[panel], role="dialog")
    return v


def bottom_sheet(*children: View | None, title: TextLike = "") -> View:
    """A bottom sheet: a panel anchored to the bottom of the screen."""
    kids = [c for c in children if c is not None]
    if title:
        kids.insert(0, View("TextView", text=title, size=18, bold=True))
    panel = _new(View)
    _init(
        panel,
        "LinearLayout",
        kind="col",
        id="design_bottom_sheet",
        children=kids,
        pad=16,
        bg="@dialog",
    )
    v = _new(View)
    _init(v, "FrameLayout", kind="frame", children=[panel], role="sheet")
    return v
