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
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from droidpilot.device._construct import slot_maker
from droidpilot.types import (
    Bounds,
    Element,
    Screen,
    ScreenDiff,
    ScreenView,
    ViewItem,
    role_word,
)

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
#: Layouts a builder keeps, for screens it sees again (a simulated phone's screens repeat).
_MEMO = 64
#: Windows' parts of layouts a builder keeps (see ``ViewBuilder._fresh_layout``).
_PARTS = 256
#: Candidates a builder keeps to share (see ``ViewBuilder._share``).
_CANDS = 4096

_BUTTONISH = ("Button", "CheckBox", "Switch")
#: Where to look for a free spot to tap, as shares of the width and height, in order.
_SPOTS_Y = (0.5, 0.3, 0.7, 0.15, 0.85)
_SPOTS_X = (0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95)
_bounds = slot_maker(Bounds, ("x1", "y1", "x2", "y2"))
# ViewItem's own checks (non-negative id, tap point inside the bounds) are made by the caller
# before it uses this; where they fail it calls ViewItem() to raise its error.
_view_item = slot_maker(
    ViewItem,
    (
        "id",
        "element",
        "role",
        "text",
        "bounds",
        "tap",
        "clickable",
        "editable",
        "scrollable",
        "checkable",
        "checked",
        "selected",
        "focused",
        "password",
        "enabled",
        "resource_id",
        "package",
    ),
)
#: class name -> (short class, role word for a non-editable element of that class)
_CLASS_INFO: dict[str, tuple[str, str]] = {}


def _class_info(cls: str) -> tuple[str, str]:
    """The short class and its role word (:func:`droidpilot.types.role_word`), once per name."""
    info = _CLASS_INFO.get(cls)
    if info is None:
        short = cls.rsplit(".", 1)[-1]
        info = (short, role_word(short))
        if len(_CLASS_INFO) > 4096:
            _CLASS_INFO.clear()
        _CLASS_INFO[cls] = info
    return info


def _norm(text: str, limit: int) -> str:
    """One line: whitespace collapsed, icon-font glyphs dropped, cut to ``limit`` characters."""
    if not text:
        return ""
    if not text.isascii() and _PRIVATE_USE.search(text):  # icon fonts: private-use code points
        text = _PRIVATE_USE.sub(" ", text)
    out = " ".join(text.split())
    if len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return out


#: _own_label's words by what they are made from (the same words come back screen after screen)
_LABELS: dict[tuple[str, str, str | None, int], str] = {}


def _own_label(e: Element, limit: int) -> str:
    if not e.text and not e.content_desc and not (e.editable and e.hint):
        return ""
    key = (e.text, e.content_desc, e.hint if e.editable else None, limit)
    label = _LABELS.get(key)
    if label is None:
        if len(_LABELS) > 20_000:
            _LABELS.clear()
        label = _LABELS[key] = _label(e, limit)
    return label


def _label(e: Element, limit: int) -> str:
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


def _subtract(r: Box, o: Box) -> Box | None:
    """The largest rectangle of ``r`` outside ``o`` (``r`` itself if they do not overlap)."""
    r0, r1, r2, r3 = r
    o0, o1, o2, o3 = o
    if o0 >= r2 or o2 <= r0 or o1 >= r3 or o3 <= r1:
        return r
    # the parts above, below, left and right of o, in that order: the first of the largest
    # (only the winner is made a tuple)
    best: Box | None = None
    best_area = 0
    w = r2 - r0
    h = r3 - r1
    if w > 0:
        if o1 > r1:
            best_area = w * (o1 - r1)
            best = (r0, r1, r2, o1)
        if r3 > o3 and w * (r3 - o3) > best_area:
            best_area = w * (r3 - o3)
            best = (r0, o3, r2, r3)
    if h > 0:
        if o0 > r0 and (o0 - r0) * h > best_area:
            best_area = (o0 - r0) * h
            best = (r0, r1, o0, r3)
        if r2 > o2 and (r2 - o2) * h > best_area:
            best = (o2, r1, r2, r3)
    return best


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
    # this candidate's item, line and record under the id it got last time (a layout seen
    # again mostly gets the same ids: then they are reused, being frozen values)
    made: tuple[ViewItem, str, _Seen] | None = None
    # what of those does not depend on the id: the words, the bounds, the line after its
    # "[id] ", whether the tap point lies inside the bounds and the short class (worked out
    # at the first _make)
    tail: tuple[str, Bounds, str, bool, str] | None = None


_new_cand = slot_maker(
    _Cand,
    (
        "index",
        "box",
        "window_rank",
        "tappable",
        "own",
        "folded",
        "sig",
        "loose",
        "tap",
        "web_thin",
        "made",
        "tail",
    ),
)
_NO_TAP = (0, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Seen:
    """An item of the previous build, kept to match the next one against."""

    id: int
    sig: int
    loose: int
    box: Box
    line: str
    editable: bool


_make_seen = slot_maker(_Seen, ("id", "sig", "loose", "box", "line", "editable"))
_SAME_SCREEN = ScreenDiff(appeared=(), disappeared=(), same_screen=True)
# neither checks anything on construction
_screen_diff = slot_maker(ScreenDiff, ("appeared", "disappeared", "same_screen"))
_screen_view = slot_maker(
    ScreenView,
    ("package", "activity", "keyboard", "focused", "items", "text", "webview_thin", "diff"),
)


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
        # Layouts of recent screens, by the identity of their elements or of their windows'
        # parts (the key's owner is kept with it, so those ids stay theirs), and the last
        # build, to repeat it when the same layout comes again at once.
        self._memo: dict[tuple[object, ...], tuple[object, _Layout]] = {}
        # The candidates of recent windows, by the identity of their elements (or part) and
        # what lies above them (see _fresh_layout); None for a window with a web page.
        self._parts: dict[tuple[object, ...], tuple[object, tuple[_Cand, ...] | None]] = {}
        # Candidates of recent windows by all they hold and their element's identity (the
        # element kept with them), to share with a window worked out anew (see _share).
        self._cands: dict[tuple[object, ...], tuple[Element, _Cand]] = {}
        self._last: tuple[_Layout, str, bool | None, ScreenView] | None = None

    def reset(self) -> None:
        """Forget earlier screens: the next build starts numbering at 1 with no diff."""
        self._next_id = 1
        self._prev = None
        self._prev_body = ()
        self._last = None

    # ------------------------------------------------------------------ public

    def build(
        self,
        screen: Screen,
        *,
        activity: str = "",
        keyboard: bool | None = None,
        parts: Sequence[tuple[Element, ...]] | None = None,
    ) -> ScreenView:
        """The view of ``screen``; ids follow on from the previous build of this builder.

        ``parts``, when given, are the screen's elements window by window (one tuple per
        window of ``screen.windows``, in order, together ``screen.elements``), as a caller
        that hands out the very same tuple again for a window that did not change gives them
        (``SimDevice``): recent layouts are then found by the parts' identity, not by every
        element's. The view is the same either way.
        """
        layout = self._layout_of(screen, parts)
        last = self._last
        if (
            last is not None
            and last[0] is layout
            and last[1] == activity
            and last[2] == keyboard
            and self._prev is not None
        ):
            # The very screen of the last build: the same ids, items and text, and a diff
            # that says so (what _assign and the code below would work out again).
            view = last[3]
            same = _screen_view(
                view.package,
                view.activity,
                view.keyboard,
                view.focused,
                view.items,
                view.text,
                view.webview_thin,
                _SAME_SCREEN,
            )
            self._last = (layout, activity, keyboard, same)
            return same
        ids, appeared = self._assign(layout.cands)
        els = screen.elements
        items: list[ViewItem] = []
        lines: list[str] = []
        seen: list[_Seen] = []
        focused: int | None = None
        section = 0
        for cand, vid in zip(layout.cands, ids, strict=True):
            rank = cand.window_rank
            if rank != section and (rank == 1 or rank == 3):
                section = rank
                if lines:
                    lines.append("~ dialog" if section == 1 else "~ system bars")
            made = cand.made
            if made is None or made[0].id != vid:
                made = cand.made = _make(cand, vid, els[cand.index])
            item = made[0]
            items.append(item)
            lines.append(made[1])
            seen.append(made[2])
            if focused is None and item.editable and item.focused:
                focused = vid

        shown = layout.ime if keyboard is None else keyboard
        header = _header(layout.package, activity, shown, focused, layout.dialog)
        # (only _layout marks candidates web_thin, each one of its own layout's thin_webs)
        notes = (
            [
                f"! web page [{vid}]: most of its text is missing from the tree; "
                "use the screenshot or scroll"
                for cand, vid in zip(layout.cands, ids, strict=True)
                if cand.web_thin
            ]
            if layout.thin_webs
            else []
        )
        if not items:
            notes.append("(no elements: the screen may be loading, locked or secure)")
        body = tuple(lines)
        diff: ScreenDiff | None = None
        if self._prev is not None:
            kept = set(ids)
            diff = _screen_diff(
                tuple(appeared),
                tuple([s.line for s in self._prev if s.id not in kept]),
                body == self._prev_body,
            )
        self._prev = tuple(seen)
        self._prev_body = body
        text = "\n".join([header, *notes, *lines])
        view = _screen_view(
            layout.package,
            activity,
            shown,
            focused,
            tuple(items),
            text,
            bool(layout.thin_webs),
            diff,
        )
        self._last = (layout, activity, keyboard, view)
        return view

    def _layout_of(
        self, screen: Screen, parts: Sequence[tuple[Element, ...]] | None = None
    ) -> _Layout:
        """:func:`_layout` of the screen, from the memo when its elements are the very ones of
        a recent screen (same objects, as a simulated phone hands out) in the same windows,
        or its windows' parts the very tuples of one.

        The memo keeps those elements (parts) alive, so no other object can take their ids
        meanwhile.
        """
        els = screen.elements
        wins: list[object] = [self.max_label, self.fold_limit, screen.width, screen.height]
        for w in screen.windows:
            b = w.bounds  # its fields, not the Bounds (whose hash is a Python call)
            wins += (w.package, w.kind, b.x1, b.y1, b.x2, b.y2)
        owner: object
        if parts is not None and len(parts) == len(screen.windows):
            # -1 where the other form has the count (>= 4): the two never share a key
            owner = parts = tuple(parts)
            key = (*wins, -1, *map(id, parts))
        else:
            owner, parts = els, None
            key = (*wins, len(wins), *map(id, els))
        memo = self._memo
        hit = memo.pop(key, None)  # (re)inserted below: the most recent last
        if hit is None:
            hit = (owner, self._fresh_layout(screen, parts))
            if len(memo) >= _MEMO:
                del memo[next(iter(memo))]
        memo[key] = hit
        return hit[1]

    def _fresh_layout(
        self, screen: Screen, parts: tuple[tuple[Element, ...], ...] | None = None
    ) -> _Layout:
        """:func:`_layout` of a screen not in the memo, put together from its windows' parts:
        a window whose very elements (or part) were seen lately in the same place under the
        same windows (the system bars, the keyboard, the app under a new dialog) gives its
        candidates of then. The whole screen is worked out at once where its windows do not
        lie in separate runs, one has a web page, or a tap point could look past a window.
        """
        f = _frame(screen, self.max_label, self.fold_limit)
        els = f.els
        spans: list[tuple[int, int, int]] | None
        if parts is None:
            spans = _spans(els, f.n_windows)
        else:
            spans = []
            lo = 0
            for w, part in enumerate(parts):
                if part:
                    spans.append((w, lo, lo + len(part)))
                    lo += len(part)
            if lo != len(els):
                spans = None
        if spans is None:
            return _layout(screen, self.max_label, self.fold_limit)
        memo = self._parts
        head = (self.max_label, self.fold_limit, screen.width, screen.height)
        out_parts: list[tuple[int, int, tuple[_Cand, ...]]] = []  # (rank, first, cands)
        for w, lo, hi in spans:
            occ = f.occluders[w]
            owner: object
            if parts is None:
                owner = els[lo:hi]
                key = (*head, f.kinds[w], lo, len(occ), *occ, *map(id, owner))
            else:
                owner = parts[w]
                # -1 where the other form has the first element's id
                key = (*head, f.kinds[w], lo, len(occ), *occ, -1, id(owner))
            hit = memo.pop(key, None)  # (re)inserted below: the most recent last
            if hit is None:
                # a part is checked as _spans checks a run (once: the key holds it)
                ok = parts is None or _is_run(els, parts[w], w, lo)
                fresh = _window_cands(f, lo, hi) if ok else None
                if fresh is not None and parts is not None:
                    # (a caller without parts seldom hands out the same elements again)
                    fresh = self._share(fresh, els)
                hit = (owner, fresh)
                if len(memo) >= _PARTS:
                    del memo[next(iter(memo))]
            memo[key] = hit
            cands = hit[1]
            if cands is None:
                return _layout(screen, self.max_label, self.fold_limit)
            out_parts.append((f.ranks[w], lo, cands))
        out_parts.sort(key=lambda p: (p[0], p[1]))
        out: list[_Cand] = []
        for _, _, cands in out_parts:
            if not cands:
                continue
            # a tap point looks at the candidates after its own while they lie inside its
            # element: one of an earlier window, next in this order, would be looked at too
            if out and cands[0].index < out[-1].index:
                return _layout(screen, self.max_label, self.fold_limit)
            out.extend(cands)
        package, dialog = _front(screen)
        return _Layout(
            cands=tuple(out), package=package, dialog=dialog, ime="ime" in f.kinds, thin_webs=()
        )

    def _share(self, cands: tuple[_Cand, ...], els: tuple[Element, ...]) -> tuple[_Cand, ...]:
        """``cands`` with each one equal to a candidate of a recent window (its very element
        at the same index, and the same box, tap point, words and signatures: a page drawn
        again with one thing changed) replaced by that one, whose item, line and words
        (``made``, ``tail``) are then used again instead of being made anew."""
        known = self._cands
        if len(known) >= _CANDS:
            known.clear()
        out: list[_Cand] = []
        for c in cands:
            e = els[c.index]
            key = (
                c.index,
                id(e),
                c.window_rank,
                c.tappable,
                c.box,
                c.tap,
                c.sig,
                c.loose,
                c.web_thin,
                c.own,
                *c.folded,
            )
            old = known.get(key)
            if old is None:
                known[key] = (e, c)
                out.append(c)
            else:
                out.append(old[1])
        return tuple(out)

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
        prev = self._prev or ()
        if len(prev) == len(cands) and all(
            s.sig == c.sig for s, c in zip(prev, cands, strict=True)
        ):
            # the same signatures in the same order: step 1 below pairs every candidate with
            # the item of the same place last time, and nothing is left for the rest
            return [s.id for s in prev], []
        ids: list[int | None] = [None] * len(cands)
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


def _make(cand: _Cand, vid: int, e: Element) -> tuple[ViewItem, str, _Seen]:
    """The item, line and record of candidate ``cand`` under id ``vid``."""
    tail = cand.tail
    if tail is None:
        tail = cand.tail = _tail(cand, e)
    text, bounds, rest, inside, short = tail
    tap = cand.tap
    if vid >= 0 and inside:
        item = _view_item(
            vid,
            cand.index,
            short,
            text,
            bounds,
            tap,
            cand.tappable,
            e.editable,
            e.scrollable,
            e.checkable,
            e.checked,
            e.selected,
            e.focused,
            e.password,
            e.enabled,
            e.resource_id,
            e.package,
        )
    else:  # cannot happen; the public constructor raises its error
        item = ViewItem(
            id=vid, element=cand.index, role=e.short_class, text=text, bounds=bounds, tap=tap
        )
    line = f"[{vid}] {rest}"
    return item, line, _make_seen(vid, cand.sig, cand.loose, cand.box, line, e.editable)


def _tail(cand: _Cand, e: Element) -> tuple[str, Bounds, str, bool, str]:
    """What :func:`_make` makes of ``cand`` whatever its id (see ``_Cand.tail``)."""
    text = cand.own
    if cand.folded:
        text = " | ".join([cand.own, *cand.folded] if cand.own else cand.folded)
    x1, y1, x2, y2 = cand.box
    tap = cand.tap
    inside = x1 <= tap[0] < x2 and y1 <= tap[1] < y2
    b = e.bounds
    # an element seldom is clipped: then its own (equal, frozen) Bounds will do
    if not (b.x1 == x1 and b.y1 == y1 and b.x2 == x2 and b.y2 == y2):
        b = _bounds(x1, y1, x2, y2)
    return text, b, _line_rest(text, cand.tappable, e), inside, _class_info(e.class_name)[0]


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


@dataclass(slots=True)
class _Frame:
    """What every window's part of a layout needs to know of the whole screen."""

    els: tuple[Element, ...]
    ranks: list[int]  # by window, with a last entry for elements that name no window
    kinds: list[str]
    occluders: list[list[Box]]  # by window: the boxes of the windows drawn above it
    n_windows: int
    screen_box: Box
    absorb_max: float
    max_label: int
    fold_limit: int
    clip: list[Box | None]  # by element: its visible box (None: not visible)
    path: list[int]  # by element: the structural hash of its ancestry


def _frame(screen: Screen, max_label: int, fold_limit: int) -> _Frame:
    els = screen.elements
    n = len(els)
    width, height = screen.width, screen.height
    windows = screen.windows
    ranks = [_RANK.get(w.kind, 0) for w in windows]
    boxes: list[Box | None] = []
    for w in windows:
        b = w.bounds
        boxes.append(None if b.x2 <= b.x1 or b.y2 <= b.y1 else (b.x1, b.y1, b.x2, b.y2))
    occluders: list[list[Box]] = []
    for win, rank in zip(windows, ranks, strict=True):
        occluders.append(
            [
                box
                for v, box, rv in zip(windows, boxes, ranks, strict=True)
                if rv > rank and box is not None and v is not win
            ]
        )
    # A screen built by hand may name no windows: then everything is one app window.
    kinds: list[str] = [w.kind for w in windows]
    kinds.append("app")
    ranks.append(0)
    occluders.append([])
    return _Frame(
        els=els,
        ranks=ranks,
        kinds=kinds,
        occluders=occluders,
        n_windows=len(windows),
        screen_box=(0, 0, width, height),
        absorb_max=max(1, width * height) * _ABSORB_MAX_SHARE,
        max_label=max_label,
        fold_limit=fold_limit,
        clip=[None] * n,
        path=[0] * n,
    )


def _layout(screen: Screen, max_label: int, fold_limit: int) -> _Layout:
    """The layout of the whole screen in one piece (any screen, however its windows lie)."""
    f = _frame(screen, max_label, fold_limit)
    els = f.els
    n = len(els)
    cand_of = _scan(f, 0, n)
    # Thin WebViews: innermost WebViews of some size whose subtree has few words, unless a
    # rich WebView lies over the same place (a stack of web pages, only the top one shown).
    end = _subtree_ends(els, 0, n)
    pages = _pages(f, end, 0, n)
    thin: list[int] = []
    for i, box, is_thin in pages:
        if not is_thin or any(not t and _iou(box, b) >= 0.5 for _, b, t in pages):
            continue
        thin.append(i)
        cand = cand_of.get(i)
        if cand is None:
            cand = _orphan(els[i], i, _own_label(els[i], max_label), f.clip, f.ranks)
            cand_of[i] = cand
        cand.web_thin = True
    package, dialog = _front(screen)
    return _Layout(
        cands=tuple(_order(cand_of, f, end)),
        package=package,
        dialog=dialog,
        ime="ime" in f.kinds,
        thin_webs=tuple(thin),
    )


def _spans(els: tuple[Element, ...], n_windows: int) -> list[tuple[int, int, int]] | None:
    """The windows' runs of elements as (window, first, end), when each window's elements
    are one run whose parents lie inside it, before them; otherwise None."""
    spans: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    lo = 0
    cur = -1
    for i, e in enumerate(els):
        w = e.window
        if w != cur:
            if not 0 <= w < n_windows or w in seen:
                return None
            if cur >= 0:
                spans.append((cur, lo, i))
            seen.add(w)
            cur, lo = w, i
        p = e.parent
        if p is not None and not lo <= p < i:
            return None
    if cur >= 0:
        spans.append((cur, lo, len(els)))
    return spans


def _is_run(els: tuple[Element, ...], part: tuple[Element, ...], w: int, lo: int) -> bool:
    """Whether ``part`` is ``els[lo:]``'s next elements, all of window ``w`` with their
    parents inside it, before them (what :func:`_spans` asks of each window's run)."""
    for i, e in enumerate(part, lo):
        p = e.parent
        if els[i] is not e or e.window != w or (p is not None and not lo <= p < i):
            return False
    return True


def _window_cands(f: _Frame, lo: int, hi: int) -> tuple[_Cand, ...] | None:
    """The candidates of the window whose elements are ``els[lo:hi]``, in order, as the whole
    screen's :func:`_layout` makes them; None when it has a WebView page (whether that is
    thin depends on the other windows' pages)."""
    cand_of = _scan(f, lo, hi)
    end = _subtree_ends(f.els, lo, hi)
    if _pages(f, end, lo, hi):
        return None
    return tuple(_order(cand_of, f, end))


def _scan(f: _Frame, lo: int, hi: int) -> dict[int, _Cand]:
    """One top-down pass over ``els[lo:hi]`` (whole windows): visible rectangles (clipped to
    the screen and ancestors, minus the windows above), who absorbs whose words, structural
    signatures, and the candidates, with their children's words folded in."""
    els = f.els
    ranks, kinds, occluders, n_windows = f.ranks, f.kinds, f.occluders, f.n_windows
    screen_box = f.screen_box
    absorb_max = f.absorb_max
    max_label = f.max_label
    clip = f.clip
    path = f.path
    n = len(els)
    region: list[Box] = [screen_box] * n
    # by element: a window none of whose occluders its region meets (-1: none known); a
    # child's region lies inside its parent's, so one of that window needs no checking
    clear: list[int] = [-1] * n
    absorber: list[int] = [-1] * n
    cand_of: dict[int, _Cand] = {}
    folds: dict[int, list[tuple[int, str]]] = {}
    for i in range(lo, hi):
        e = els[i]
        p = e.parent
        # (one assignment apiece: a packed one builds and unpacks a tuple)
        if p is None:
            base = screen_box
            up = -1
            parent_path = hash(e.package)
            seen = -1
        else:
            base = region[p]
            up = absorber[p]
            parent_path = path[p]
            seen = clear[p]
        cls = e.class_name
        path[i] = hash((parent_path, cls, e.resource_id))
        b = e.bounds
        bx1 = b.x1
        by1 = b.y1
        bx2 = b.x2
        by2 = b.y2
        box: Box | None = None
        if bx2 > bx1 and by2 > by1:
            x1 = bx1 if bx1 > base[0] else base[0]
            y1 = by1 if by1 > base[1] else base[1]
            x2 = bx2 if bx2 < base[2] else base[2]
            y2 = by2 if by2 < base[3] else base[3]
            if x2 > x1 and y2 > y1:
                box = (x1, y1, x2, y2)
                region[i] = box
            else:
                region[i] = _EMPTY
        else:
            region[i] = base
        w = e.window
        if not 0 <= w < n_windows:
            w = n_windows
        if box is not None and e.visible:
            if seen != w:
                whole = box
                for o in occluders[w]:
                    if o[0] >= box[2] or o[2] <= box[0] or o[1] >= box[3] or o[3] <= box[1]:
                        continue  # no overlap: _subtract would give box back
                    box = _subtract(box, o)
                    if box is None:
                        break
                if box is whole:  # (_subtract gives a new rectangle where they overlap)
                    seen = w
        else:
            box = None
        clear[i] = seen
        clip[i] = box
        editable = e.editable
        tappable = (
            e.clickable
            or e.long_clickable
            or e.checkable
            # Flutter semantics nodes: buttons that say focusable but not clickable.
            or (e.focusable and cls.endswith(_BUTTONISH))
        )
        if tappable or editable:
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
        if e.text or e.content_desc or editable:
            # _own_label's memo first: most words were seen on an earlier screen
            label = _LABELS.get((e.text, e.content_desc, e.hint if editable else None, max_label))
            if label is None:
                label = _own_label(e, max_label)
        else:
            label = ""
        if tappable or editable or e.scrollable:
            cand_of[i] = _new_cand(
                i, box, ranks[w], tappable, label, [], 0, 0, _NO_TAP, False, None, None
            )
        elif not label or kind == "system":
            continue
        elif up >= 0:
            folds.setdefault(up, []).append((i, label))
        else:
            cand_of[i] = _new_cand(
                i, box, ranks[w], False, label, [], 0, 0, _NO_TAP, False, None, None
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
        if len(words) > f.fold_limit:
            for i, label in parts:
                cand_of[i] = _orphan(els[i], i, label, clip, ranks)
            continue
        owner.folded = words
    return cand_of


def _pages(f: _Frame, end: list[int], lo: int, hi: int) -> list[tuple[int, Box, bool]]:
    """The innermost WebViews of some size among ``els[lo:hi]``, and whether each is thin."""
    els, clip = f.els, f.clip
    screen_area = max(1, f.screen_box[2] * f.screen_box[3])
    pages: list[tuple[int, Box, bool]] = []
    for i in range(lo, hi):
        e = els[i]
        box = clip[i]
        if box is None or not e.class_name.endswith("WebView"):
            continue
        if (box[2] - box[0]) * (box[3] - box[1]) < screen_area * _WEB_MIN_SHARE:
            continue
        if any(els[j].class_name.endswith("WebView") for j in range(i + 1, end[i])):
            continue
        pages.append((i, box, _thin(els, clip, i, end[i], box)))
    return pages


_RANK_INDEX = attrgetter("window_rank", "index")


def _order(cand_of: dict[int, _Cand], f: _Frame, end: list[int]) -> list[_Cand]:
    """The candidates in order (app windows, then dialogs, then system bars; depth-first
    inside each), with their signatures and tap points."""
    els, path = f.els, f.path
    cands = sorted(cand_of.values(), key=_RANK_INDEX)
    for k, c in enumerate(cands):
        e = els[c.index]
        first_fold = c.folded[0] if c.folded else ""
        loose = path[c.index]
        if e.editable:
            c.sig = hash((loose, "", e.hint, first_fold))
        else:
            c.sig = hash((loose, c.own, "", first_fold))
        c.loose = loose
        x1, y1, x2, y2 = c.box
        c.tap = ((x1 + x2) // 2, (y1 + y2) // 2)
        if c.tappable:
            c.tap = _tap_point(c, cands, k, els, end[c.index])
    return cands


def _orphan(e: Element, i: int, label: str, clip: list[Box | None], ranks: list[int]) -> _Cand:
    box = clip[i]
    assert box is not None
    rank = ranks[e.window] if e.window < len(ranks) else 0
    return _Cand(index=i, box=box, window_rank=rank, tappable=False, own=label, folded=[])


def _subtree_ends(els: tuple[Element, ...], lo: int, hi: int) -> list[int]:
    """For each element of ``els[lo:hi]`` (whole subtrees), one past the index of its last
    descendant (depth-first order)."""
    end = list(range(1, len(els) + 1))
    for i in range(hi - 1, lo - 1, -1):
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
    c: _Cand, cands: list[_Cand], k: int, els: tuple[Element, ...], end: int
) -> tuple[int, int]:
    """The centre of the visible box, unless a tappable child sits there: then a free spot."""
    x1, y1, x2, y2 = c.box
    cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
    if not c.tappable:
        return (cx, cy)
    # Tappable descendants come right after c in depth-first order (same window rank).
    inner: list[Box] = []
    covered = False
    for j in range(k + 1, len(cands)):
        other = cands[j]
        if other.index >= end:
            break
        if other.tappable or els[other.index].editable:
            b = other.box
            inner.append(b)
            if b[0] <= cx < b[2] and b[1] <= cy < b[3]:
                covered = True
    if not covered:
        return (cx, cy)
    w, h = x2 - x1, y2 - y1
    xs = [x for x in [x1 + int(w * fx) for fx in _SPOTS_X] if x1 <= x < x2]
    for fy in _SPOTS_Y:
        y = y1 + int(h * fy)
        if not y1 <= y < y2:
            continue
        row = [b for b in inner if b[1] <= y < b[3]]  # the children across this height
        for x in xs:
            for b in row:
                if b[0] <= x < b[2]:
                    break
            else:
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


def _line_rest(text: str, clickable: bool, e: Element) -> str:
    """An item's line after its ``[id] `` (never empty): role, words or resource id, flags."""
    short, role = _class_info(e.class_name)
    if e.editable:
        role = "input"
    parts: list[str] = []
    if text:
        if role:
            parts.append(role)
        parts.append('"' + text.replace('"', '\\"') + '"')
    else:
        rid = e.resource_id.rsplit("/", 1)[-1]
        if role or not rid:
            parts.append(role or short or "view")
        if rid:
            parts.append(f"#{rid}")
    flags: list[str] = []
    if clickable:
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
