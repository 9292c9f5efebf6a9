"""Grounding a reply's element by the words its thought quotes.

The demonstrations cite the element they act on as ``[N] "words"`` (:func:`label_of` gives the
words). A small model copies the words from the goal and the screen well and the number badly:
"The goal names the name Chen Qiang. [26] "Chen Qiang" shows it, so I tap it." then
``tap(26)``, where Chen Qiang is [18] and [26] is another contact. :func:`ground_cited` reads
the thought's citation of the element the action names; when that element does not carry the
quoted words and exactly one element on the screen does, the action goes to that one, and the
change is returned as a repair (the planner records it in ``Decision.repairs``). Off unless a
model's planner settings ask for it (``"ground_quotes": true`` in its ``droidpilot.json``).

The demonstrations also say which of the goal's words the tapped element shows: "The goal names
the restaurant Bashu Kitchen. [27] "Bashu Kitchen" shows it, so I tap it." (zh: "目标指定的餐厅
是Bashu Kitchen。[27]…"). A small model copies the goal's words into that sentence reliably and
then cites an element by its place in the list rather than by its words: "[27] "Bean Street
Coffee" shows it". :func:`ground_named` checks the tapped element against the words the thought
says the goal names (and the goal does name): when the element does not show them and exactly
one tappable element does, the tap goes to that one; when no element on the screen shows them,
the tap becomes a scroll of the screen's list, which is what the demonstrations do then
(``"ground_names": true`` in ``droidpilot.json``).

On a PIN pad the demonstrations say "Paying needs the PIN 337297; digit 3 is 7, so I tap [127]
"7"." The model copies the PIN and loses count inside it ("digit 5 is 7" in 077730) or cites
the wrong key. With the same setting, a tap on a one-digit key under a thought that names a PIN
the goal gives goes to the key of the PIN's next digit, counted from the pad's dots
("●●○○○○", in every language) or its "k of n digits entered" (or, without either, the digit
the thought states).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from droidpilot.types import (
    Action,
    LongPressAction,
    ScreenView,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
    fold,
)

__all__ = ["LABEL_CHARS", "ground_cited", "ground_named", "ground_pin", "label_of", "pin_entered"]

#: How long a cited label may be before it is shortened with "…".
LABEL_CHARS = 40

_CITE = re.compile(r'\[(\d+)\]\s*"([^"\n]+)"')
#: "Paying needs the PIN 123456; digit k is d" and "付款需要输入支付密码123456。第k位是d"
_PIN = re.compile(
    r"(?:\bPIN|支付密码)\s*(\d{4,8})\b(?:[;；。,，]\s*(?:digit\s*\d+\s*is\s*|第\d+位是)(\d))?"
)
#: a PIN pad's dots ("●●○○○○", in every language) and its count ("2 of 6 digits entered")
_DOTS = re.compile(r"[●○]{4,8}")
_ENTERED = re.compile(r"(\d+)\s*(?:of|/)\s*(\d+)")
#: "The goal names the <kind> <words>. [N]" and "目标指定的<kind>是<words>。[N]"
_NAMED = (
    re.compile(r"The goal names the ([^\n\[\]]+?)\.\s*\[(\d+)\]"),
    re.compile(r"目标指定的[^\n\[\]是]{1,8}是([^\n\[\]]+?)[。.]\s*\[(\d+)\]"),
)


def label_of(item: ViewItem) -> str:
    """The words an item is known by: the first part of its text, shortened."""
    words = " ".join(item.text.split("|")[0].split())
    if not words and item.resource_id:
        words = "#" + item.resource_id.rsplit("/", 1)[-1]
    if len(words) > LABEL_CHARS:
        words = words[: LABEL_CHARS - 1].rstrip() + "…"
    return words


def ground_cited(thought: str, action: Action, view: ScreenView) -> tuple[Action, str | None]:
    """``action`` moved to the element whose words the thought quotes for it, and what was
    changed (None when nothing was: no element in the action, no citation of it, its own
    words quoted, or the quoted words on no element or on several)."""
    if not isinstance(action, TapAction | LongPressAction | TypeAction | ScrollAction):
        return action, None
    element = action.element
    if element is None:
        return action, None
    quoted = None
    for num, words in _CITE.findall(thought):
        if int(num) == element:
            quoted = words.strip()  # the last citation of it counts
    if not quoted:
        return action, None
    item = view.item(element)
    if item is not None and label_of(item) == quoted:
        return action, None
    owners = [it.id for it in view.items if label_of(it) == quoted]
    if len(owners) != 1:
        return action, None
    target = owners[0]
    return dataclasses.replace(action, element=target), (
        f'element {element} -> {target}: the thought cites [{element}] "{quoted}", '
        f"and those words are [{target}]'s"
    )


def _named_words(text: str, goal: str, *, kind_first: bool) -> str:
    """The words of ``text`` that name something, folded, when the goal says them too ("" when
    not). With ``kind_first`` (en) ``text`` is "<kind> <words>": the kind is one or two
    lower-case words ("restaurant", "seat class") and the words are the rest."""
    target = fold(goal)
    if kind_first:
        parts = text.split()
        tails = [
            " ".join(parts[i:])
            for i in (1, 2)
            if i < len(parts) and all(w.islower() for w in parts[:i])
        ]
    else:
        tails = [text]
    for tail in tails:
        key = fold(tail)
        if len(key) >= 2 and key in target:
            return key
    return ""


def _list_of(view: ScreenView) -> ViewItem | None:
    """The screen's vertical list (the largest scrollable item that is not a horizontal one)."""
    lists = [
        it
        for it in view.items
        if it.scrollable
        and "Horizontal" not in it.role
        and "ViewPager" not in it.role
        and it.bounds.height * 3 >= it.bounds.width
    ]
    return max(lists, key=lambda it: it.bounds.width * it.bounds.height, default=None)


def _moved(
    action: TapAction, targets: list[ViewItem], why: Callable[[int], str]
) -> tuple[Action, str | None]:
    """``action`` moved to the one item of ``targets`` and ``why(its id)``; unchanged and None
    when there is not exactly one."""
    if len(targets) != 1:
        return action, None
    target = targets[0].id
    return dataclasses.replace(action, element=target), why(target)


def ground_named(
    thought: str, action: Action, view: ScreenView, goal: str
) -> tuple[Action, str | None]:
    """``action`` (a tap) moved to the element that shows the words its thought says the goal
    names, or turned into a scroll of the screen's list when no element shows them; and what
    was changed (None when nothing was: not a tap, no such sentence about the tapped element,
    words the goal does not say, the tapped element shows them, or no single other tappable
    element does)."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    element = action.element
    named = ""
    for pattern, kind_first in zip(_NAMED, (True, False), strict=True):
        for text, num in pattern.findall(thought):
            if int(num) == element:
                named = _named_words(text.strip(), goal, kind_first=kind_first) or named
    if not named:
        return action, None
    item = view.item(element)
    if item is not None and named in fold(item.text):
        return action, None
    shown = [it for it in view.items if named in fold(it.text)]
    if not shown:
        listed = _list_of(view)
        if listed is None:
            return action, None
        return ScrollAction(direction="down", element=listed.id), (
            f"tap({element}) -> scroll({listed.id}, down): the thought says the goal names "
            f"{named!r}, and no element on this screen shows it"
        )
    tappable = [it for it in shown if it.clickable]  # a title that repeats them is no target
    if len(tappable) > 1:
        tappable = [it for it in tappable if fold(label_of(it)) == named]
    return _moved(
        action,
        tappable,
        lambda target: (
            f"element {element} -> {target}: the thought says the goal names "
            f"{named!r}, which [{target}] shows and [{element}] does not"
        ),
    )


def pin_entered(text: str) -> tuple[int, int] | None:
    """(digits entered, digits in all) as a PIN pad shows them: its dots ("●●○○○○ | 已输入2位"),
    else its count ("2 of 6"); None when ``text`` shows neither."""
    dots = _DOTS.search(text)
    if dots is not None:
        return dots.group().count("●"), len(dots.group())
    count = _ENTERED.search(text)
    if count is not None:
        return int(count.group(1)), int(count.group(2))
    return None


def ground_pin(
    thought: str, action: Action, view: ScreenView, goal: str
) -> tuple[Action, str | None]:
    """``action`` (a tap on a one-digit key) moved to the key of the next digit of the PIN its
    thought enters, and what was changed (None when nothing was: not such a tap, no PIN the
    goal gives, no next digit to tell, the right key tapped, or no single key for it)."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    item = view.item(action.element)
    if item is None or not (label_of(item).isdigit() and len(label_of(item)) == 1):
        return action, None
    found = _PIN.search(thought)
    if found is None or found.group(1) not in re.sub(r"\D", " ", goal).split():
        return action, None
    pin, stated = found.group(1), found.group(2)
    digit = stated
    for it in view.items:
        count = pin_entered(it.text)
        if count is not None and count[1] == len(pin):
            digit = pin[count[0]] if count[0] < len(pin) else None
            break
    if not digit or label_of(item) == digit:
        return action, None
    keys = [it for it in view.items if label_of(it) == digit and it.clickable]
    return _moved(
        action,
        keys,
        lambda target: (
            f"element {action.element} -> {target}: the thought enters the PIN "
            f'{pin}, whose next digit is {digit}, and [{target}] is the key "{digit}"'
        ),
    )
