"""The model's view of a screen: a short header and one line per element that matters.

A :class:`ViewBuilder` lives as long as an episode on one device. Each ``build(screen)``
returns a :class:`~droidpilot.types.ScreenView`::

    app: com.google.android.gm/.ComposeActivity | keyboard shown | focused: [9]
    [1] button "Navigate up" (tap)
    [4] "From | navinkodag@gmail.com" (tap)
    [9] input "Compose email" (tap, focused)

What goes in and how:

- one item per visible element that can be acted on (tapped, long-pressed, typed into,
  scrolled, checked) or that carries words; the words of non-actionable children are folded
  into their tappable parent and are not repeated as lines of their own;
- empty containers, off-screen and zero-area nodes, and nodes hidden under a window above
  (keyboard, system bars, a dialog) are dropped; bounds are clipped to the screen and to the
  ancestors, and the tap point lies strictly inside what is left;
- the keyboard is the header's "keyboard shown", not forty key lines; status-bar icons are
  dropped, the navigation bar's buttons stay;
- a WebView whose accessibility tree is nearly empty is flagged (``webview_thin`` and a line
  saying its text is missing);
- ids are short integers that stay the same across consecutive screens while the element
  stays (matched on a signature of package, ancestry, class, resource id and words, with
  geometry as the tiebreak); new elements get fresh ids, never reused in the episode;
- a diff against the previous build: ids that appeared, lines that disappeared, and whether
  the screen is the same; :func:`render_diff` renders it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from droidpilot.types import Bounds, Element, Screen, ScreenDiff, ScreenView, ViewItem

__all__ = ["ViewBuilder", "render_diff", "render_screen"]

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]

_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")

_RANK = {"app": 0, "dialog": 1, "ime": 2, "system": 3}
_EMPTY: Box = (0, 0, 0, 0)
#: A tappable element larger than this share of the screen does not absorb its children's
#: words (a clickable full-screen video or root would swallow the whole page).
_ABSORB_MAX_SHARE = 0.5
#: A WebView larger than this share of the screen is checked for a thin tree.
_WEB_MIN_SHARE = 0.15


def _role_word(cls: str, e: Element) -> str:
    """A short role for classes where it tells the model something; else ''."""
    short = cls.rsplit(".", 1)[-1]
    if e.editable:
        return "input"
    if short.endswith("RadioButton"):
        return "radio"
    if short.endswith(("Switch", "SwitchCompat", "SwitchMaterial", "ToggleButton")):
        return "switch"
    if short.endswith(("CheckBox", "CheckedTextView")):
        return "checkbox"
    if short.endswith("Button"):
        return "button"
    if short.endswith("Spinner"):
        return "dropdown"
    if short.endswith(("SeekBar", "RatingBar", "Slider")):
        return "slider"
    if short.endswith("WebView"):
        return "web"
    if "Tab" in short and "Table" not in short:
        return "tab"
    return ""


def _norm(text: str, limit: int) -> str:
    """One line: whitespace collapsed, icon-font glyphs dropped, cut to ``limit`` characters."""
    if not text:
        return ""
    if _PRIVATE_USE.search(text):  # icon fonts draw with private-use code points
        text = _PRIVATE_USE.sub(" ", text)
    out = " ".join(text.split())
    if len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return out


def _own_label(e: Element, limit: int) -> str:
    text = _norm(e.text, limit)
    desc = _norm(e.content_desc, limit)
    if e.editable and not text:
        text = _norm(e.hint, limit)
    if not desc or desc == text:
        return text
    if not text:
        return desc
    if text in desc:
        return desc
    if desc in text:
        return text
    # A one-character text with a describing content-desc ("3" / "3 tabs"): the desc says more.
    return f"{text} | {desc}"


def _button_like(e: Element) -> bool:
    # Flutter semantics nodes: buttons that say focusable but not clickable.
    return e.focusable and e.class_name.endswith(("Button", "CheckBox", "Switch"))


def _subtract(r: Box, o: Box) -> Box | None:
    """The largest rectangle of ``r`` outside ``o`` (``r`` itself if they do not overlap)."""
    if o[0] >= r[2] or o[2] <= r[0] or o[1] >= r[3] or o[3] <= r[1]:
        return r
    best: Box | None = None
    best_area = 0
    for c in (
        (r[0], r[1], r[2], o[1]),
        (r[0], o[3], r[2], r[3]),
        (r[0], r[1], o[0], r[3]),
        (o[2], r[1], r[2], r[3]),
    ):
        if c[2] > c[0] and c[3] > c[1]:
            area = (c[2] - c[0]) * (c[3] - c[1])
            if area > best_area:
                best, best_area = c, area
    return best


def _inside(x: int, y: int, b: Box) -> bool:
    return b[0] <= x < b[2] and b[1] <= y < b[3]


def _iou(a: Box, b: Box) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    if x2 <= x1 or y2 <= y1:
        return 0.0
    inter = (x2 - x1) * (y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _distance(a: Box, b: Box) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2]) + abs(a[3] - b[3])


@dataclass(slots=True)
class _Cand:
    """An element that will be a line, while the view is being worked out."""

    index: int
    box: Box
    window_rank: int
    tappable: bool
    own: str
    folded: list[str]
    sig: int = 0
    loose: int = 0
    tap: tuple[int, int] = (0, 0)
    web_thin: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class _Seen:
    """An item of the previous build, kept to match the next one against."""

    id: int
    sig: int
    loose: int
    box: Box
    line: str
    editable: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class _Layout:
    """The stateless part of a build: which elements become lines, with what words."""

    cands: tuple[_Cand, ...]
    package: str
    dialog: str
    ime: bool
    thin_webs: tuple[int, ...]  # element indexes of thin WebViews


class ViewBuilder:
    """Builds the model's view of successive screens of one device, keeping ids stable.

    One builder per device and episode; call :meth:`reset` to start a new episode.
    """

    def __init__(self, *, max_label: int = 160, fold_limit: int = 6) -> None:
        self.max_label = max_label
        self.fold_limit = fold_limit
        self._next_id = 1
        self._prev: tuple[_Seen, ...] | None = None
        self._prev_body: tuple[str, ...] = ()

    def reset(self) -> None:
        """Forget earlier screens: the next build starts numbering at 1 with no diff."""
        self._next_id = 1
        self._prev = None
        self._prev_body = ()

    # ------------------------------------------------------------------ public

    def build(
        self, screen: Screen, *, activity: str = "", keyboard: bool | None = None
    ) -> ScreenView:
        """The view of ``screen``; ids follow on from the previous build of this builder."""
        layout = _layout(screen, self.max_label, self.fold_limit)
        ids, appeared = self._assign(layout.cands)
        els = screen.elements
        items: list[ViewItem] = []
        lines: list[str] = []
        seen: list[_Seen] = []
        focused: int | None = None
        section = 0
        for cand, vid in zip(layout.cands, ids, strict=True):
            e = els[cand.index]
            if cand.window_rank != section and cand.window_rank in (1, 3):
                section = cand.window_rank
                if lines:
                    lines.append("~ dialog" if section == 1 else "~ system bars")
            text = cand.own
            if cand.folded:
                text = " | ".join([cand.own, *cand.folded] if cand.own else cand.folded)
            item = ViewItem(
                id=vid,
                element=cand.index,
                role=e.short_class,
                text=text,
                bounds=Bounds(x1=cand.box[0], y1=cand.box[1], x2=cand.box[2], y2=cand.box[3]),
                tap=cand.tap,
                clickable=cand.tappable,
                editable=e.editable,
                scrollable=e.scrollable,
                checkable=e.checkable,
                checked=e.checked,
                selected=e.selected,
                focused=e.focused,
                password=e.password,
                enabled=e.enabled,
                resource_id=e.resource_id,
                package=e.package,
            )
            line = _line(item, e, cand, screen)
            items.append(item)
            lines.append(line)
            seen.append(
                _Seen(
                    id=vid,
                    sig=cand.sig,
                    loose=cand.loose,
                    box=cand.box,
                    line=line,
                    editable=e.editable,
                )
            )
            if e.focused and e.editable and focused is None:
                focused = vid

        shown = layout.ime if keyboard is None else keyboard
        header = _header(layout.package, activity, shown, focused, layout.dialog)
        notes = [
            f"! web page [{vid}]: most of its text is missing from the tree; "
            "use the screenshot or scroll"
            for cand, vid in zip(layout.cands, ids, strict=True)
            if cand.web_thin
        ]
        if not items:
            notes.append("(no elements: the screen may be loading, locked or secure)")
        body = tuple(lines)
        diff: ScreenDiff | None = None
        if self._prev is not None:
            kept = set(ids)
            diff = ScreenDiff(
                appeared=tuple(appeared),
                disappeared=tuple(s.line for s in self._prev if s.id not in kept),
                same_screen=body == self._prev_body,
            )
        self._prev = tuple(seen)
        self._prev_body = body
        text = "\n".join([header, *notes, *lines])
        return ScreenView(
            package=layout.package,
            activity=activity,
            keyboard=shown,
            focused=focused,
            items=tuple(items),
            text=text,
            webview_thin=bool(layout.thin_webs),
            diff=diff,
        )

    # ------------------------------------------------------------------ ids

    def _fresh(self) -> int:
        vid = self._next_id
        self._next_id += 1
        return vid

    @staticmethod
    def _shift(
        k: int, cands: tuple[_Cand, ...], ids: list[int | None], old_box: dict[int, Box]
    ) -> tuple[int, int]:
        """How far the nearest matched element before candidate ``k`` moved since last time."""
        for j in range(k - 1, -1, -1):
            vid = ids[j]
            if vid is not None:
                was = old_box[vid]
                now = cands[j].box
                return (now[0] - was[0], now[1] - was[1])
        return (0, 0)

    def _assign(self, cands: tuple[_Cand, ...]) -> tuple[list[int], list[int]]:
        """Ids for this build's candidates, and which of them are new."""
        ids: list[int | None] = [None] * len(cands)
        prev = self._prev or ()
        if prev:
            # 1. Same signature, as many before as now: pair them in order.
            old_by_sig: dict[int, list[_Seen]] = {}
            for s in prev:
                old_by_sig.setdefault(s.sig, []).append(s)
            new_by_sig: dict[int, list[int]] = {}
            for k, c in enumerate(cands):
                new_by_sig.setdefault(c.sig, []).append(k)
            used: set[int] = set()
            uneven: list[tuple[list[int], list[_Seen]]] = []
            for sig, news in new_by_sig.items():
                olds = old_by_sig.get(sig)
                if not olds:
                    continue
                if len(olds) != len(news):
                    uneven.append((news, olds))
                    continue
                for k, s in zip(news, olds, strict=True):
                    ids[k] = s.id
                    used.add(s.id)
            # 2. Look-alikes (one "Add star" per row) whose count changed: nearest first, after
            #    undoing the shift of the nearest element before them that matched (a list that
            #    scrolled or lost a row moves its rows together).
            if uneven:
                old_box = {s.id: s.box for s in prev}
                for news, olds in uneven:
                    pairs: list[tuple[int, int, int, int]] = []
                    for k in news:
                        dx, dy = self._shift(k, cands, ids, old_box)
                        b = cands[k].box
                        moved = (b[0] - dx, b[1] - dy, b[2] - dx, b[3] - dy)
                        pairs.extend(
                            (_distance(moved, s.box), n, k, s.id) for n, s in enumerate(olds)
                        )
                    pairs.sort()
                    for _, _, k, sid in pairs:
                        if ids[k] is None and sid not in used:
                            ids[k] = sid
                            used.add(sid)
            # 2. Changed words (a counter, a typed field): the same structural place, unique
            #    on both screens, and (unless a text field) about the same rectangle.
            old_loose: dict[int, list[_Seen]] = {}
            for s in prev:
                if s.id not in used:
                    old_loose.setdefault(s.loose, []).append(s)
            new_loose: dict[int, list[int]] = {}
            for k, c in enumerate(cands):
                if ids[k] is None:
                    new_loose.setdefault(c.loose, []).append(k)
            for loose, news in new_loose.items():
                olds = old_loose.get(loose)
                if not olds or len(olds) != 1 or len(news) != 1:
                    continue
                k, s = news[0], olds[0]
                if s.editable or _iou(cands[k].box, s.box) >= 0.5:
                    ids[k] = s.id
                    used.add(s.id)
        appeared: list[int] = []
        out: list[int] = []
        for k in range(len(cands)):
            vid = ids[k]
            if vid is None:
                vid = self._fresh()
                if prev:
                    appeared.append(vid)
            out.append(vid)
        return out, appeared


def render_screen(
    screen: Screen, *, activity: str = "", keyboard: bool | None = None
) -> ScreenView:
    """The view of one screen on its own (ids from 1, no diff)."""
    return ViewBuilder().build(screen, activity=activity, keyboard=keyboard)


def render_diff(view: ScreenView) -> str:
    """A short rendering of what changed: the header, then ``+`` and ``-`` lines.

    A view with no diff (the first of an episode) renders in full.
    """
    diff = view.diff
    if diff is None:
        return view.text
    lines = view.text.split("\n")
    header = lines[0]
    if diff.same_screen:
        return f"{header}\n(same screen as before)"
    new = set(diff.appeared)
    out = [header]
    kept = 0
    for item, line in _item_lines(view):
        if item in new:
            out.append(f"+ {line}")
        else:
            kept += 1
    out.extend(f"- {line}" for line in diff.disappeared)
    if kept:
        out.append(f"({kept} other items unchanged)")
    return "\n".join(out)


def _item_lines(view: ScreenView) -> list[tuple[int, str]]:
    by_prefix = {f"[{it.id}]": it.id for it in view.items}
    out: list[tuple[int, str]] = []
    for line in view.text.split("\n")[1:]:
        head = line.split(" ", 1)[0]
        vid = by_prefix.get(head)
        if vid is not None:
            out.append((vid, line))
    return out


# --------------------------------------------------------------------------- layout


def _layout(screen: Screen, max_label: int, fold_limit: int) -> _Layout:
    els = screen.elements
    n = len(els)
    width, height = screen.width, screen.height
    screen_area = max(1, width * height)
    screen_box: Box = (0, 0, width, height)
    windows = screen.windows
    ranks = [_RANK.get(w.kind, 0) for w in windows]
    occluders: list[list[Box]] = []
    for win, rank in zip(windows, ranks, strict=True):
        occluders.append(
            [
                (v.bounds.x1, v.bounds.y1, v.bounds.x2, v.bounds.y2)
                for v, rv in zip(windows, ranks, strict=True)
                if rv > rank and not v.bounds.empty and v is not win
            ]
        )

    # One top-down pass: visible rectangles (clipped to the screen and ancestors, minus the
    # windows above), who absorbs whose words, structural signatures, and the candidates.
    # A screen built by hand may name no windows: then everything is one app window.
    kinds: list[str] = [w.kind for w in windows]
    kinds.append("app")
    ranks.append(0)
    occluders.append([])
    n_windows = len(windows)
    absorb_max = screen_area * _ABSORB_MAX_SHARE
    clip: list[Box | None] = [None] * n
    region: list[Box] = [screen_box] * n
    absorber: list[int] = [-1] * n
    path: list[int] = [0] * n
    cand_of: dict[int, _Cand] = {}
    folds: dict[int, list[tuple[int, str]]] = {}
    for i, e in enumerate(els):
        p = e.parent
        if p is None:
            base, up, parent_path = screen_box, -1, hash(e.package)
        else:
            base, up, parent_path = region[p], absorber[p], path[p]
        path[i] = hash((parent_path, e.class_name, e.resource_id))
        b = e.bounds
        box: Box | None = None
        if b.x2 > b.x1 and b.y2 > b.y1:
            x1 = b.x1 if b.x1 > base[0] else base[0]
            y1 = b.y1 if b.y1 > base[1] else base[1]
            x2 = b.x2 if b.x2 < base[2] else base[2]
            y2 = b.y2 if b.y2 < base[3] else base[3]
            if x2 > x1 and y2 > y1:
                box = (x1, y1, x2, y2)
                region[i] = box
            else:
                region[i] = _EMPTY
        else:
            region[i] = base
        w = e.window if 0 <= e.window < n_windows else n_windows
        if box is not None and e.visible:
            for o in occluders[w]:
                box = _subtract(box, o)
                if box is None:
                    break
        else:
            box = None
        clip[i] = box
        tappable = e.clickable or e.long_clickable or e.checkable or _button_like(e)
        if tappable or e.editable:
            fits = box is not None and (box[2] - box[0]) * (box[3] - box[1]) <= absorb_max
            absorber[i] = i if fits else -1
        elif e.scrollable:
            absorber[i] = -1
        else:
            absorber[i] = up
        if box is None:
            continue
        kind = kinds[w]
        if kind == "ime":
            continue
        label = _own_label(e, max_label)
        if tappable or e.editable or e.scrollable:
            cand_of[i] = _Cand(
                index=i, box=box, window_rank=ranks[w], tappable=tappable, own=label, folded=[]
            )
        elif not label or kind == "system":
            continue
        elif up >= 0:
            folds.setdefault(up, []).append((i, label))
        else:
            cand_of[i] = _Cand(
                index=i, box=box, window_rank=ranks[w], tappable=False, own=label, folded=[]
            )

    for a, parts in folds.items():
        owner = cand_of.get(a)
        if owner is None:  # the absorber was hidden: its children speak for themselves
            for i, label in parts:
                cand_of[i] = _orphan(els[i], i, label, clip, ranks)
            continue
        words: list[str] = []
        for _, label in parts:
            if label in owner.own or any(label in w for w in words):
                continue
            words.append(label)
        if len(words) > fold_limit:
            for i, label in parts:
                cand_of[i] = _orphan(els[i], i, label, clip, ranks)
            continue
        owner.folded = words

    # Thin WebViews: innermost WebViews of some size whose subtree has few words, unless a
    # rich WebView lies over the same place (a stack of web pages, only the top one shown).
    end = _subtree_ends(els)
    pages: list[tuple[int, Box, bool]] = []
    for i, e in enumerate(els):
        box = clip[i]
        if box is None or not e.class_name.endswith("WebView"):
            continue
        if (box[2] - box[0]) * (box[3] - box[1]) < screen_area * _WEB_MIN_SHARE:
            continue
        if any(els[j].class_name.endswith("WebView") for j in range(i + 1, end[i])):
            continue
        pages.append((i, box, _thin(els, clip, i, end[i], box)))
    thin: list[int] = []
    for i, box, is_thin in pages:
        if not is_thin or any(not t and _iou(box, b) >= 0.5 for _, b, t in pages):
            continue
        thin.append(i)
        cand = cand_of.get(i)
        if cand is None:
            cand = _orphan(els[i], i, _own_label(els[i], max_label), clip, ranks)
            cand_of[i] = cand
        cand.web_thin = True

    # Order: app windows, then dialogs, then system bars; depth-first inside each.
    cands = sorted(cand_of.values(), key=lambda c: (c.window_rank, c.index))
    boxes = [c.box for c in cands]
    for k, c in enumerate(cands):
        e = els[c.index]
        first_fold = c.folded[0] if c.folded else ""
        own = "" if e.editable else c.own
        c.sig = hash((path[c.index], own, e.hint if e.editable else "", first_fold))
        c.loose = path[c.index]
        c.tap = _tap_point(c, cands, boxes, k, els, end[c.index])

    package, dialog = _front(screen)
    return _Layout(
        cands=tuple(cands),
        package=package,
        dialog=dialog,
        ime="ime" in kinds,
        thin_webs=tuple(thin),
    )


def _orphan(e: Element, i: int, label: str, clip: list[Box | None], ranks: list[int]) -> _Cand:
    box = clip[i]
    assert box is not None
    rank = ranks[e.window] if e.window < len(ranks) else 0
    return _Cand(index=i, box=box, window_rank=rank, tappable=False, own=label, folded=[])


def _subtree_ends(els: tuple[Element, ...]) -> list[int]:
    """For each element, one past the index of its last descendant (depth-first order)."""
    end = [i + 1 for i in range(len(els))]
    for i in range(len(els) - 1, -1, -1):
        p = els[i].parent
        if p is not None and end[i] > end[p]:
            end[p] = end[i]
    return end


def _thin(els: tuple[Element, ...], clip: list[Box | None], i: int, stop: int, box: Box) -> bool:
    """Whether a WebView's subtree has too few words for its size to be the page."""
    spans: list[tuple[int, int]] = []
    for j in range(i + 1, stop):
        b = clip[j]
        e = els[j]
        if b is not None and (e.text.strip() or e.content_desc.strip()):
            spans.append((max(b[1], box[1]), min(b[3], box[3])))
    if len(spans) < 5:
        return True
    spans.sort()
    covered = 0
    cur_a, cur_b = spans[0]
    for a, b2 in spans[1:]:
        if a > cur_b:
            covered += max(0, cur_b - cur_a)
            cur_a, cur_b = a, b2
        elif b2 > cur_b:
            cur_b = b2
    covered += max(0, cur_b - cur_a)
    return covered * 10 < (box[3] - box[1]) * 4


def _tap_point(
    c: _Cand, cands: list[_Cand], boxes: list[Box], k: int, els: tuple[Element, ...], end: int
) -> tuple[int, int]:
    """The centre of the visible box, unless a tappable child sits there: then a free spot."""
    x1, y1, x2, y2 = c.box
    cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
    if not c.tappable:
        return (cx, cy)
    # Tappable descendants come right after c in depth-first order (same window rank).
    inner: list[Box] = []
    for j in range(k + 1, len(cands)):
        other = cands[j]
        if other.index >= end:
            break
        if other.tappable or els[other.index].editable:
            inner.append(boxes[j])
    if not inner or not any(_inside(cx, cy, b) for b in inner):
        return (cx, cy)
    for fy in (0.5, 0.3, 0.7, 0.15, 0.85):
        for fx in (0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95):
            x = x1 + int((x2 - x1) * fx)
            y = y1 + int((y2 - y1) * fy)
            if x1 <= x < x2 and y1 <= y < y2 and not any(_inside(x, y, b) for b in inner):
                return (x, y)
    return (cx, cy)


def _front(screen: Screen) -> tuple[str, str]:
    """The package of the app in front, and of a dialog over it ('' when none)."""
    best = ""
    best_area = -1
    dialog = ""
    dialog_area = -1
    for w in screen.windows:
        if w.kind == "app" and w.bounds.area > best_area:
            best, best_area = w.package, w.bounds.area
        elif w.kind == "dialog" and w.bounds.area > dialog_area:
            dialog, dialog_area = w.package, w.bounds.area
    if not best:
        best = dialog
    if not best and screen.windows:
        best = screen.windows[0].package
    return best, dialog


def _header(package: str, activity: str, keyboard: bool, focused: int | None, dialog: str) -> str:
    act = activity
    if "/" in act:
        owner, rest = act.split("/", 1)
        if owner == package or not package:
            package, act = owner, rest
    if package and act.startswith(package + "."):
        act = act[len(package) :]
    app = package or "?"
    if act:
        app = f"{app}/{act}"
    parts = [f"app: {app}"]
    if dialog == package:
        parts[0] += " (dialog)"
    elif dialog:
        parts.append(f"dialog: {dialog}")
    if keyboard:
        parts.append("keyboard shown")
    if focused is not None:
        parts.append(f"focused: [{focused}]")
    return " | ".join(parts)


def _line(item: ViewItem, e: Element, cand: _Cand, screen: Screen) -> str:
    role = _role_word(e.class_name, e)
    parts = [f"[{item.id}]"]
    if item.text:
        if role:
            parts.append(role)
        parts.append('"' + item.text.replace('"', '\\"') + '"')
    else:
        rid = e.resource_id.rsplit("/", 1)[-1]
        if role or not rid:
            parts.append(role or e.short_class or "view")
        if rid:
            parts.append(f"#{rid}")
    flags: list[str] = []
    if item.clickable:
        flags.append("tap" if e.clickable or not e.long_clickable else "long")
    if e.scrollable:
        horizontal = "Horizontal" in e.class_name or "ViewPager" in e.class_name
        flags.append("hscroll" if horizontal else "scroll")
    if e.checkable:
        flags.append("on" if e.checked else "off")
    if e.selected:
        flags.append("selected")
    if e.focused and e.editable:
        flags.append("focused")
    if e.password:
        flags.append("password")
    if not e.enabled:
        flags.append("disabled")
    if flags:
        parts.append("(" + ", ".join(flags) + ")")
    return " ".join(parts)
