"""The layout engine: sizes and places a view tree in a window, then flattens what is on screen.

Measure, then place, as Android does, simplified: linear layouts with weights (a ``MATCH``
child of a column of known height shares the rest of it like ``weight=1``), frames with
gravity, scroll containers that lay their content at its natural size and move it by their
scroll offset, and lazy lists that build only the rows on screen. Text size is estimated from
the characters (CJK is one em wide, Latin about half) and wraps at the width it is given.

:func:`flatten` keeps the nodes whose visible part (clipped by every parent) is not empty, in
depth-first order: what ``uiautomator dump`` writes, what taps hit, what screenshots draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from droidpilot.device.sim.views import MATCH, WRAP, View

__all__ = ["UNBOUNDED", "Layout", "Node", "text_width"]

UNBOUNDED = 1 << 28

_BOX_ROLES = frozenset({"image", "icon", "up", "progress", "spacer", "divider"})
_MIN48 = frozenset(
    {"primary", "secondary", "flat", "edit", "check", "switch", "radio", "spinner_text", "date"}
)
_EXTRA_W = {
    "primary": 32,
    "secondary": 32,
    "flat": 24,
    "edit": 16,
    "check": 40,
    "radio": 40,
    "switch": 64,
    "date": 16,
    "spinner_text": 40,
}


def text_width(value: str, size_px: float) -> int:
    """Estimated width in pixels of one line of ``value`` at ``size_px``."""
    if value.isascii():
        return int(len(value) * size_px * 0.55)
    key = (value, size_px)
    hit = _WIDTHS.get(key)
    if hit is None:
        wide = sum(1 for ch in value if ord(ch) >= 0x2E80)
        hit = int(((len(value) - wide) * 0.55 + wide * 1.0) * size_px)
        if len(_WIDTHS) > 50_000:
            _WIDTHS.clear()
        _WIDTHS[key] = hit
    return hit


#: text_width of words that are not plain ASCII (counting wide characters is the slow part)
_WIDTHS: dict[tuple[str, float], int] = {}
#: a leaf's measured box by what it is drawn from and the room it gets (see Layout.measure)
_LEAVES: dict[tuple[object, ...], tuple[int, int, int, int]] = {}
#: package -> id -> resource id: one string object per id, whose hash is worked out once (it
#: goes into screen_of's element keys every frame)
_RIDS: dict[str, dict[str, str]] = {}
#: class name -> whether a leaf of that class is a fixed box (an image, icon or spinner)
_BOX_CLASSES: dict[str, bool] = {}


def _box_class(cls: str) -> bool:
    hit = _BOX_CLASSES.get(cls)
    if hit is None:
        hit = _BOX_CLASSES[cls] = cls.endswith(("ImageView", "ImageButton", "ProgressBar"))
    return hit


class Node:
    """One on-screen node of a window after layout (in depth-first order)."""

    __slots__ = ("depth", "index", "parent", "view", "x1", "x2", "y1", "y2")

    def __init__(
        self, view: View, depth: int, parent: int, index: int, vis: tuple[int, int, int, int]
    ) -> None:
        self.view = view
        self.depth = depth
        self.parent = parent
        self.index = index
        self.x1, self.y1, self.x2, self.y2 = vis

    def contains(self, x: int, y: int) -> bool:
        return self.x1 <= x < self.x2 and self.y1 <= y < self.y2


class Layout:
    """Lays out one window's tree: ``run(root, rect)`` then ``flatten(root)``."""

    __slots__ = ("_rids", "fields", "focus", "lang", "package", "scale")

    def __init__(
        self,
        *,
        scale: float,
        lang: str,
        package: str,
        fields: Mapping[str, object] | None = None,
        focus: str | None = None,
    ) -> None:
        self.scale = scale
        self.lang = lang
        self.package = package
        self.fields: Mapping[str, object] = fields if fields is not None else {}
        self.focus = focus
        # the package's resource ids (looked up once here, not at each view with an id)
        rids = _RIDS.get(package)
        if rids is None:
            rids = _RIDS[package] = {}
        self._rids = rids

    def px(self, dp: float) -> int:
        return round(dp * self.scale) if dp else 0

    def run(self, root: View, x: int, y: int, w: int, h: int) -> None:
        root.w = MATCH
        if root.h == WRAP and root.kind in ("col", "row", "frame"):
            root.h = MATCH
        self.measure(root, w, h)
        self.place(root, x, y)

    # ------------------------------------------------------------------ resolve
    def resolve(self, v: View) -> None:
        vid = v.id
        if vid:
            rids = self._rids
            rid = rids.get(vid)
            if rid is None:
                if len(rids) > 10_000:
                    rids.clear()
                rid = rids[vid] = vid if ":" in vid else f"{self.package}:id/{vid}"
            v.rid = rid
        if not isinstance(v.text, str):
            v.text = v.text.get(self.lang)
        if not isinstance(v.desc, str):
            v.desc = v.desc.get(self.lang)
        if not isinstance(v.hint, str):
            v.hint = v.hint.get(self.lang)
        if v.editable:
            stored = self.fields.get(v.id) if v.id else None
            content = (
                stored if isinstance(stored, str) else (v.value if isinstance(v.value, str) else "")
            )
            v.value = content
            v.text = ("•" * len(content) if v.password else content) or v.hint
            v.focused = bool(v.id) and v.id == self.focus
        elif v.checkable and v.on_checked is None and v.role != "radio" and v.id:
            override = self.fields.get("checked:" + v.id)
            if isinstance(override, bool):
                v.checked = override
        elif v.role == "spinner" and v.options:
            override = self.fields.get("spin:" + v.id) if v.on_select is None else None
            if isinstance(override, int):
                v.value = override
            sel = v.value if isinstance(v.value, int) else 0
            label = v.options[sel] if 0 <= sel < len(v.options) else ""
            v.children[0].text = label if isinstance(label, str) else label.get(self.lang)

    # ------------------------------------------------------------------ measure
    def measure(self, v: View, aw: int, ah: int) -> tuple[int, int]:
        self.resolve(v)
        kind = v.kind
        if kind == "leaf":
            # everything _measure_leaf reads (frames repeat their leaves: labels, buttons...);
            # the memo holds the box itself, which leaves of the same size share (boxes are
            # replaced, never changed)
            key = (v.text, v.size, v.pad, v.role, v.cls, v.w, v.h, v.lines, self.scale, aw, ah)
            box = _LEAVES.get(key)
            if box is None:
                if len(_LEAVES) > 50_000:
                    _LEAVES.clear()
                w, h = self._measure_leaf(v, aw, ah)
                box = _LEAVES[key] = (0, 0, w, h)
            v.box = box
            return box[2], box[3]
        if kind == "col":
            w, h = self._measure_col(v, aw, ah)
        elif kind == "row":
            w, h = self._measure_row(v, aw, ah)
        elif kind == "frame":
            w, h = self._measure_frame(v, aw, ah)
        else:
            w, h = self._measure_scroll(v, aw, ah)
        v.box = (0, 0, w, h)
        return w, h

    def _width(self, v: View, aw: int) -> int | None:
        if v.w == MATCH:
            return aw if aw < UNBOUNDED else None
        if v.w >= 0:
            return min(self.px(v.w), aw)
        return None

    def _height(self, v: View, ah: int) -> int | None:
        if v.h == MATCH:
            return ah if ah < UNBOUNDED else None
        if v.h >= 0:
            return self.px(v.h)
        return None

    def _measure_leaf(self, v: View, aw: int, ah: int) -> tuple[int, int]:
        # _width, _height, px and text_width inlined: this runs for every leaf of every frame
        s = self.scale
        vw = v.w
        if vw == MATCH:
            fixed_w = aw if aw < UNBOUNDED else None
        elif vw >= 0:
            fixed_w = round(vw * s) if vw else 0
            if aw < fixed_w:
                fixed_w = aw
        else:
            fixed_w = None
        vh = v.h
        if vh == MATCH:
            fixed_h = ah if ah < UNBOUNDED else None
        elif vh >= 0:
            fixed_h = round(vh * s) if vh else 0
        else:
            fixed_h = None
        role = v.role
        if role in _BOX_ROLES or _box_class(v.cls):
            if fixed_w is None:
                fixed_w = round(48 * s)
                if aw < fixed_w:
                    fixed_w = aw
            return fixed_w, fixed_h if fixed_h is not None else round(48 * s)
        label = v.text if isinstance(v.text, str) else ""
        size_px = v.size * s
        pad = round(v.pad * s) if v.pad else 0
        ew = _EXTRA_W.get(role, 0)
        extra = (round(ew * s) if ew else 0) + 2 * pad
        if not label:
            tw = 0
        elif label.isascii():
            tw = int(len(label) * size_px * 0.55)
        else:
            tw = text_width(label, size_px)
        if fixed_w is not None:
            w = fixed_w
        else:
            w = tw + extra
            if aw < w:
                w = aw
        if fixed_h is not None:
            return w, fixed_h
        if tw:
            avail = w - extra
            # the ceiling of tw / avail (exact in integers, as the float one is at these sizes)
            lines = -(-tw // avail) if avail > 1 else tw
        else:
            lines = 1
        if v.lines and v.lines < lines:
            lines = v.lines
        h = lines * round(size_px * 1.35) + 2 * pad
        if role in _MIN48:
            h += round(12 * s)
            floor = round(48 * s)
            if h < floor:
                h = floor
        return w, h

    def _flex(self, c: View, bounded: bool) -> float:
        if c.weight > 0:
            return c.weight
        return 1.0 if bounded and c.h == MATCH else 0.0

    def _measure_col(self, v: View, aw: int, ah: int) -> tuple[int, int]:
        s = self.scale
        pad = round(v.pad * s) if v.pad else 0
        w = self._width(v, aw)
        outer_w = w if w is not None else aw
        inner_w = max(0, outer_w - 2 * pad)
        fixed_h = self._height(v, ah)
        bounded = fixed_h is not None
        inner_h = (
            max(0, fixed_h - 2 * pad)
            if fixed_h is not None
            else (max(0, ah - 2 * pad) if ah < UNBOUNDED else UNBOUNDED)
        )
        used = 0
        widest = 0
        flex: list[tuple[View, float]] = []
        measure = self.measure
        for c in v.children:
            m = 2 * round(c.margin * s) if c.margin else 0
            f = c.weight if c.weight > 0 else (1.0 if bounded and c.h == MATCH else 0.0)
            if f:
                flex.append((c, f))
                continue
            cw, ch = measure(
                c,
                inner_w - m if inner_w > m else 0,
                (inner_h - used - m if inner_h > used + m else 0)
                if inner_h < UNBOUNDED
                else UNBOUNDED,
            )
            used += ch + m
            if cw + m > widest:
                widest = cw + m
        if flex:
            rest = max(0, inner_h - used) if bounded else 0
            total = sum([f for _, f in flex])
            for c, f in flex:
                m = 2 * round(c.margin * s) if c.margin else 0
                share = int(rest * f / total) if bounded else UNBOUNDED
                cw, ch = measure(c, max(0, inner_w - m), max(0, share - m))
                if bounded:
                    ch = max(0, share - m)
                    c.box = (0, 0, cw, ch)
                used += ch + m
                if cw + m > widest:
                    widest = cw + m
        width = w if w is not None else min(widest + 2 * pad, aw)
        height = fixed_h if fixed_h is not None else used + 2 * pad
        return width, height

    def _measure_row(self, v: View, aw: int, ah: int) -> tuple[int, int]:
        pad = self.px(v.pad)
        w = self._width(v, aw)
        outer_w = w if w is not None else aw
        inner_w = max(0, outer_w - 2 * pad)
        fixed_h = self._height(v, ah)
        inner_h = (
            max(0, fixed_h - 2 * pad)
            if fixed_h is not None
            else (max(0, ah - 2 * pad) if ah < UNBOUNDED else UNBOUNDED)
        )
        used = 0
        tallest = 0
        flex: list[View] = []
        s = self.scale
        for c in v.children:
            if c.weight > 0 or (c.w == MATCH and inner_w < UNBOUNDED):
                flex.append(c)
                continue
            m = 2 * round(c.margin * s) if c.margin else 0
            cw, ch = self.measure(c, max(0, inner_w - used - m), inner_h)
            used += cw + m
            if ch + m > tallest:
                tallest = ch + m
        if flex:
            rest = max(0, inner_w - used) if inner_w < UNBOUNDED else 0
            total = sum([c.weight or 1.0 for c in flex])
            for c in flex:
                m = 2 * self.px(c.margin)
                share = int(rest * (c.weight or 1.0) / total)
                saved = c.w
                c.w = MATCH
                cw, ch = self.measure(c, max(0, share - m), inner_h)
                c.w = saved
                used += cw + m
                tallest = max(tallest, ch + m)
        height = fixed_h if fixed_h is not None else tallest + 2 * pad
        for c in v.children:
            if c.h == MATCH and c.box[3] != height - 2 * pad:
                self.measure(c, c.box[2], max(0, height - 2 * pad))
        width = w if w is not None else min(used + 2 * pad, aw)
        return width, height

    def _measure_frame(self, v: View, aw: int, ah: int) -> tuple[int, int]:
        pad = self.px(v.pad)
        w = self._width(v, aw)
        fixed_h = self._height(v, ah)
        inner_w = max(0, (w if w is not None else aw) - 2 * pad)
        inner_h = (
            max(0, fixed_h - 2 * pad)
            if fixed_h is not None
            else (max(0, ah - 2 * pad) if ah < UNBOUNDED else UNBOUNDED)
        )
        widest = tallest = 0
        for c in v.children:
            m = 2 * self.px(c.margin)
            cw, ch = self.measure(
                c, max(0, inner_w - m), max(0, inner_h - m) if inner_h < UNBOUNDED else UNBOUNDED
            )
            widest = max(widest, cw + m)
            tallest = max(tallest, ch + m)
        width = w if w is not None else min(widest + 2 * pad, aw)
        height = fixed_h if fixed_h is not None else tallest + 2 * pad
        if v.role == "spinner":
            height = max(height, self.px(48))
        return width, height

    def _measure_scroll(self, v: View, aw: int, ah: int) -> tuple[int, int]:
        w = self._width(v, aw)
        width = w if w is not None else min(aw, self.px(360))
        fixed_h = self._height(v, ah)
        if v.kind == "lazy":
            content = v.count * self.px(v.item_h)
            v.count = max(0, v.count)
            height = fixed_h if fixed_h is not None else min(content, ah, self.px(400))
            v.value = (content, 0)
            return width, height
        main = 0
        cross = 0
        for c in v.children:
            if v.horizontal:
                cw, ch = self.measure(
                    c,
                    UNBOUNDED,
                    fixed_h if fixed_h is not None else (ah if ah < UNBOUNDED else UNBOUNDED),
                )
                main += cw
                cross = max(cross, ch)
            else:
                cw, ch = self.measure(c, width, UNBOUNDED)
                main += ch + 2 * self.px(c.margin)
        if v.horizontal:
            height = fixed_h if fixed_h is not None else cross
        else:
            cap = ah if ah < UNBOUNDED else self.px(400)
            height = fixed_h if fixed_h is not None else min(main, cap)
        v.value = (main, 0)
        return width, height

    # ------------------------------------------------------------------ place
    def place(self, v: View, x: int, y: int) -> None:
        _, _, w, h = v.box
        v.box = (x, y, x + w, y + h)
        kind = v.kind
        if kind == "leaf" or not (v.children or kind == "lazy"):
            return
        s = self.scale
        pad = round(v.pad * s) if v.pad else 0
        grav = v.gravity
        # a child with nothing under it is placed here, without the call: place() would only
        # move its box (most children are leaves)
        if kind == "col":
            cy = y + pad
            # (the children's height matters only to these gravities)
            if "center" in grav and "center_horizontal" not in grav:
                cy += max(0, (h - 2 * pad - _extent(v.children, s, 1)) // 2)
            elif "bottom" in grav:
                cy += max(0, h - 2 * pad - _extent(v.children, s, 1))
            centred = grav == "center" or "center_horizontal" in grav
            for c in v.children:
                m = round(c.margin * s) if c.margin else 0
                b = c.box
                cx = x + pad + m
                if centred:
                    cx = x + (w - (b[2] - b[0])) // 2
                if c.kind == "leaf" or not (c.children or c.kind == "lazy"):
                    c.box = (cx, cy + m, cx + b[2], cy + m + b[3])
                    cy += b[3] + 2 * m
                else:
                    self.place(c, cx, cy + m)
                    cy += c.box[3] - c.box[1] + 2 * m
        elif kind == "row":
            cx = x + pad
            # (the children's width matters only to these gravities)
            if grav == "center" or "center_horizontal" in grav:
                cx += max(0, (w - 2 * pad - _extent(v.children, s, 0)) // 2)
            elif "end" in grav:
                cx += max(0, w - 2 * pad - _extent(v.children, s, 0))
            middle = "center" in grav
            for c in v.children:
                m = round(c.margin * s) if c.margin else 0
                b = c.box
                cy = y + pad + m
                if middle:
                    cy = y + (h - (b[3] - b[1])) // 2
                if c.kind == "leaf" or not (c.children or c.kind == "lazy"):
                    c.box = (cx + m, cy, cx + m + b[2], cy + b[3])
                    cx += b[2] + 2 * m
                else:
                    self.place(c, cx + m, cy)
                    cx += c.box[2] - c.box[0] + 2 * m
        elif kind == "frame":
            for c in v.children:
                b = c.box
                cw, ch = b[2] - b[0], b[3] - b[1]
                g = c.gravity
                cx = x + pad
                cy = y + pad
                if g == "center" or "center_horizontal" in g:
                    cx = x + (w - cw) // 2
                elif "end" in g:
                    cx = x + w - pad - cw
                if g == "center" or "center_vertical" in g:
                    cy = y + (h - ch) // 2
                elif "bottom" in g:
                    cy = y + h - pad - ch
                if c.kind == "leaf" or not (c.children or c.kind == "lazy"):
                    c.box = (cx, cy, cx + b[2], cy + b[3])
                else:
                    self.place(c, cx, cy)
        elif kind == "scroll":
            self._place_scroll(v, x, y, w, h)
        else:
            self._place_lazy(v, x, y, w, h)

    def _offset(self, v: View, limit: int) -> int:
        raw = self.fields.get("scroll:" + v.id) if v.id else 0
        off = raw if isinstance(raw, int) else 0
        return max(0, min(off, limit))

    def _place_scroll(self, v: View, x: int, y: int, w: int, h: int) -> None:
        main = v.value[0] if isinstance(v.value, tuple) else 0
        limit = max(0, main - (w if v.horizontal else h))
        off = self._offset(v, limit)
        v.value = (main, limit)
        cx, cy = (x - off, y) if v.horizontal else (x, y - off)
        for c in v.children:
            m = self.px(c.margin)
            if v.horizontal:
                self.place(c, cx, cy)
                cx += c.box[2] - c.box[0]
            else:
                self.place(c, cx + m, cy + m)
                cy += c.box[3] - c.box[1] + 2 * m

    def _place_lazy(self, v: View, x: int, y: int, w: int, h: int) -> None:
        ih = max(1, self.px(v.item_h))
        main = v.count * ih
        limit = max(0, main - h)
        off = self._offset(v, limit)
        v.value = (main, limit)
        item = v.item
        if item is None or v.count <= 0:
            return
        first = off // ih
        last = min(v.count - 1, (off + h - 1) // ih)
        kids: list[View] = []
        for i in range(first, last + 1):
            c = item(i)
            self.measure(c, w, ih)
            c.box = (0, 0, c.box[2], ih)
            self.place(c, x, y + i * ih - off)
            kids.append(c)
        v.children = kids

    # ------------------------------------------------------------------ flatten
    def flatten(
        self,
        root: View,
        clip: tuple[int, int, int, int],
        depth: int = 0,
        out: list[Node] | None = None,
        parent: int = -1,
        index: int = 0,
    ) -> list[Node]:
        """The nodes with a non-empty visible part, depth first (bounds clipped to parents)."""
        nodes: list[Node] = [] if out is None else out
        _flatten(nodes, (root,), clip, depth, parent, index)
        return nodes


def _extent(children: Sequence[View], scale: float, axis: int) -> int:
    """The length of measured ``children`` laid end to end, margins included, across x (axis
    0) or y (axis 1)."""
    total = 0
    for c in children:
        b = c.box
        total += b[axis + 2] - b[axis] + (2 * round(c.margin * scale) if c.margin else 0)
    return total


def _flatten(
    nodes: list[Node],
    views: Sequence[View],
    clip: tuple[int, int, int, int],
    depth: int,
    parent: int,
    first: int,
) -> None:
    """Adds the visible ones of ``views`` (siblings from index ``first``, inside ``clip``) and
    their visible descendants to ``nodes``, depth first: a call per container, the leaves
    (most nodes) taken in the loop."""
    cx1, cy1, cx2, cy2 = clip
    add = nodes.append
    new = object.__new__
    for i, v in enumerate(views, first):
        x1, y1, x2, y2 = v.box
        vx1 = x1 if x1 > cx1 else cx1
        vy1 = y1 if y1 > cy1 else cy1
        vx2 = x2 if x2 < cx2 else cx2
        vy2 = y2 if y2 < cy2 else cy2
        if vx2 <= vx1 or vy2 <= vy1:
            continue
        vis = (vx1, vy1, vx2, vy2)
        v.vis = vis
        me = len(nodes)
        # Node(v, depth, parent, i, vis), without the call
        n = new(Node)
        n.view = v
        n.depth = depth
        n.parent = parent
        n.index = i
        n.x1 = vx1
        n.y1 = vy1
        n.x2 = vx2
        n.y2 = vy2
        add(n)
        if v.children:
            _flatten(nodes, v.children, vis, depth + 1, me, 0)
