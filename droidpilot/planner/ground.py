"""Grounding a reply's element by the words its thought quotes.

The demonstrations cite the element they act on as ``[N] "words"`` (:func:`label_of` gives the
words). A small model copies the words from the goal and the screen well and the number badly:
"The goal names the name Chen Qiang. [26] "Chen Qiang" shows it, so I tap it." then
``tap(26)``, where Chen Qiang is [18] and [26] is another contact. :func:`ground_cited` reads
the thought's citation of the element the action names; when that element does not carry the
quoted words and exactly one element on the screen does, the action goes to that one, and the
change is returned as a repair (the planner records it in ``Decision.repairs``). Off unless a
model's planner settings ask for it (``"ground_quotes": true`` in its ``droidpilot.json``).
"""

from __future__ import annotations

import dataclasses
import re

from droidpilot.types import (
    Action,
    LongPressAction,
    ScreenView,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
)

__all__ = ["LABEL_CHARS", "ground_cited", "label_of"]

#: How long a cited label may be before it is shortened with "…".
LABEL_CHARS = 40

_CITE = re.compile(r'\[(\d+)\]\s*"([^"\n]+)"')


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
