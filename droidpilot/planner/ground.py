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
(``"ground_names": true`` in ``droidpilot.json``). The model also misreads a name: it copies
the first word from the goal and finishes with a name it has seen more often ("The goal names
the dish Egg Tarts." under a goal that says Egg Fried Rice). Words the goal does not say whose
first word begins exactly one of the goal's (English) names are read as that name
(:func:`misread_name`); a name the goal has no beginning for is left alone (the
demonstrations name a restaurant they looked up themselves that way).

On a PIN pad the demonstrations say "Paying needs the PIN 337297; digit 3 is 7, so I tap [127]
"7"." The model copies the PIN and loses count inside it ("digit 5 is 7" in 077730) or cites
the wrong key. With the same setting, a tap on a one-digit key under a thought that names a PIN
the goal gives goes to the key of the PIN's next digit, counted from the pad's dots
("●●○○○○", in every language) or its "k of n digits entered" (or, without either, the digit
the thought states).

A date picker's days read "23 March 2025" (zh "2025年3月23日", as Android's do); the model picks
one by its place in the list ("The goal needs [52] "19 March 2025" set" under a goal that says
March 23). With the same setting, :func:`ground_date` moves a tap on a day the goal does not
name to the one day on the screen that it does.

:func:`false_raise` says when a tap that raises a count contradicts the screen: a raise
button ("More Adult", "Increase Sour Plum Drink", "增加数量") whose stepper already shows the
count the goal gives for its item ("Buy 2 adult tickets", "4 × Sour Plum Drink", "点2份"), a
lower button ("Fewer Adult") whose stepper shows that count or less, or a thought that says
"The goal wants 2, more than shown" beside a stepper that shows 2. The model taps "More Adult"
five times for two tickets with no word of counting. The planner refuses such a tap and asks
again (``"ask_again": true``; :class:`~droidpilot.planner.planner.Planner`), and does not send
it when asking again finds nothing else. :func:`count_off_goal` says the same of a tap that goes
on ("Add to cart", "Buy", "Checkout") while a stepper shows another count than the goal's
(the model adds one Sour Plum Drink for "4 ×"), and :func:`date_off_goal` of one that goes on
while the chosen day (a form's date field, a day strip's selected day) is not the goal's;
:func:`unwritten_quote` of one that goes on from a screen with a text field while words the
goal quotes ("with the note "extra napkins"") are written nowhere on it; :func:`wrong_item` of
an add on a sheet that shows none of the items the goal orders ("Chicken Wings" for a sold-out
"1 × Pepperoni Pizza"). :func:`unasked_answer` says an answer is wrong when the goal asks no
question, and :func:`unread_answer` when its thought reads it from a row that is not what the
goal asks about.

With ``ground_names``, :func:`ground_app` also moves ``open_app`` with a name no app icon on the
screen has to the icon the goal names that is spelt most like it: the model writes
``open_app("FoodDash")`` for a goal that says MealDash, and the phone has no FoodDash.

Where the screen makes the next step plain, the planner takes it in place of a refused action
(:meth:`~droidpilot.planner.planner.Planner._instead`): the goal's sold-out dish or day ends
the task (:func:`finish_sold_out`), the goal's day is picked or scrolled to
(:func:`day_to_goal`), a form whose options are all as the goal names goes on
(:func:`form_done`), the goal's tab (:func:`to_goal_tab`), the coupons
(:func:`open_coupons`), the list of the user's orders (:func:`to_records`) and the goal's
train or flight (:func:`code_row`) are opened. What to choose there stays the model's, except
where the goal itself chooses: the address it quotes, or one read on another app's screen
(:func:`read_address`: a friend's text, a place in Maps) is set at checkout
(:func:`to_address`), the options it names are chosen (:func:`choose_option`), the fastest or
cheapest row shown is opened (:func:`best_row`), and the order is placed in the app it says to
use (:func:`to_goal_app`).
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Collection

from droidpilot.types import (
    Action,
    AnswerAction,
    FinishAction,
    KeyAction,
    LongPressAction,
    OpenAppAction,
    ScreenView,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
    fold,
    role_word,
)

__all__ = [
    "LABEL_CHARS",
    "address_off_goal",
    "answer_in_words",
    "answer_off_day",
    "answer_off_row",
    "answer_off_section",
    "answer_shown",
    "asks_question",
    "best_coupon",
    "best_row",
    "calendar_day_off_goal",
    "choose_option",
    "clause_day",
    "clears_last_choice",
    "code_row",
    "count_done",
    "count_off_goal",
    "date_cell",
    "date_off_goal",
    "dates_in",
    "day_to_goal",
    "false_raise",
    "finish_sold_out",
    "form_done",
    "free_day",
    "goal_address",
    "goal_count",
    "goal_tab",
    "ground_answer",
    "ground_app",
    "ground_cited",
    "ground_date",
    "ground_named",
    "ground_pin",
    "ignores_sold_out",
    "label_of",
    "leaves_choice",
    "leaves_sought",
    "lesser_coupon",
    "misread_name",
    "named_for",
    "names_in",
    "not_the_best",
    "numberless_answer",
    "off_goal_tab",
    "off_new_event",
    "off_records",
    "off_reorder",
    "open_coupons",
    "ordered_items",
    "ordered_row",
    "overwrites_quote",
    "pin_entered",
    "raised_item",
    "read_address",
    "records_item",
    "save_form",
    "scroll_for_answer",
    "scroll_to_value",
    "section_answer",
    "selected_tab",
    "share_it",
    "sold_out_tap",
    "step_to_goal",
    "strip_day_off_goal",
    "tab_for_unseen",
    "tab_key",
    "to_address",
    "to_goal_app",
    "to_goal_tab",
    "to_new_event",
    "to_records",
    "to_reorder",
    "unasked_answer",
    "unasked_count",
    "unchosen_option",
    "unfounded_infeasible",
    "unpaid_parts",
    "unread_answer",
    "unsaved_form",
    "unseen_name",
    "unsent_message",
    "unused_coupon",
    "unwritten_quote",
    "with_day",
    "write_quote",
    "wrong_app",
    "wrong_code",
    "wrong_item",
]

#: How long a cited label may be before it is shortened with "…".
LABEL_CHARS = 40

_CITE = re.compile(r'\[(\d+)\]\s*"([^"\n]+)"')
#: "Paying needs the PIN 123456; digit k is d" and "付款需要输入支付密码123456。第k位是d"
_PIN = re.compile(
    r"(?:\bPIN|支付密码)\s*(\d{4,8})\b(?:[;；。,，]\s*(?:digit\s*\d+\s*is\s*|第\d+位是)(\d))?"
)
#: the PIN a goal gives: "PIN 519983", "wallet PIN 913232", "密码519983", "支付密码 519983"
_GOAL_PIN = re.compile(r"(?:\bPIN|密码)\s*(\d{4,8})\b")
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
    words quoted, or the quoted words on no element or on several). A ``type`` with no
    element (a reply the token budget cut inside its text) goes to the one text field the
    thought cites: typing with no field focused types nowhere."""
    if not isinstance(action, TapAction | LongPressAction | TypeAction | ScrollAction):
        return action, None
    element = action.element
    if element is None and isinstance(action, TypeAction):
        fields = {
            int(num)
            for num, _ in _CITE.findall(thought)
            if (it := view.item(int(num))) is not None and it.editable
        }
        if len(fields) == 1:
            (field,) = fields
            return dataclasses.replace(action, element=field), (
                f"element -> {field}: the type names no field, and the thought cites the text "
                f"field [{field}]"
            )
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


def named_for(thought: str, element: int, goal: str) -> str:
    """The goal's words (folded) that ``thought`` says the goal names, in its sentence about
    ``element`` ("The goal names the <kind> <words>. [element]"); "" when there is none, or
    the goal does not say them."""
    named = ""
    for pattern, kind_first in zip(_NAMED, (True, False), strict=True):
        for text, num in pattern.findall(thought):
            if int(num) == element:
                named = _named_words(text.strip(), goal, kind_first=kind_first) or named
    return named


#: a goal's names in English: runs of capitalised words, "and"/"of"/"&" allowed inside
_GOAL_NAME = re.compile(r"[A-Z][\w'’&.-]*(?:\s+(?:(?:and|of|&)\s+)?[A-Z][\w'’&.-]*)*")


def misread_name(thought: str, element: int, goal: str) -> tuple[str, str] | None:
    """The words (as written) that ``thought`` says the goal names in its English sentence
    about ``element``, and the goal's name (as written) they misread, when the goal does not
    say those words and exactly one of its names begins with the same word as they do.

    A small model copies a name's first word from the goal and finishes it with a name it has
    seen more often: "The goal names the dish Egg Tarts." for Egg Fried Rice, "Steamed Rice"
    for Steamed Sea Bass. A name the goal does not say and whose first word no goal name
    begins with (a restaurant the demonstrations looked up themselves: "The goal names the
    restaurant Cloud Tea" for the cheapest dish) is not a misreading, nor is the goal's name
    with more words after it (a passenger row's "Zhu Yu 4300**********8426"); None then. A
    restaurant's name the goal does not say where the goal orders from one
    (:data:`_FROM_SHOP`: "1 × Kung Pao Chicken from Spicy Garden") is that one misread: "The
    goal names the restaurant Burger Barn." on MealDash's list for Spicy Garden."""
    for text, num in _NAMED[0].findall(thought):
        if int(num) != element:
            continue
        parts = text.strip().split()
        for i in (1, 2):  # the kind is one or two lower-case words, as in _named_words
            if i >= len(parts) or not all(w.islower() for w in parts[:i]):
                continue
            words = " ".join(parts[i:]).strip('"“”')
            if not words or fold(words) in fold(goal):
                continue
            first = fold(words.split()[0])
            if len(first) < 3:
                continue
            names = {
                m.group(0)
                for m in _GOAL_NAME.finditer(goal)
                if len(m.group(0).split()) > 1 and fold(m.group(0).split()[0]) == first
            }
            if any(fold(words).startswith(fold(name)) for name in names):
                return None  # the goal's name and more ("Zhu Yu 4300***8426"): no misreading
            if len(names) == 1:
                return words, names.pop()
            shops = _FROM_SHOP.findall(goal) if parts[:i] == ["restaurant"] else []
            if not names and len(shops) == 1:
                return words, shops[0]
    return None


#: the restaurant an English goal orders from: "… × Kung Pao Chicken from Spicy Garden on"
_FROM_SHOP = re.compile(r"×[^.;]*?\bfrom ([A-Z][\w'’&.-]*(?:\s+[A-Z][\w'’&.-]*)*)")


def names_in(thought: str, goal: str) -> list[str]:
    """The goal's words (folded) that ``thought`` says the goal names, in its sentences about
    any element; a misread name (:func:`misread_name`) as the goal's."""
    names: list[str] = []
    for pattern, kind_first in zip(_NAMED, (True, False), strict=True):
        for text, num in pattern.findall(thought):
            named = _named_words(text.strip(), goal, kind_first=kind_first)
            if not named and kind_first:
                misread = misread_name(thought, int(num), goal)
                named = fold(misread[1]) if misread is not None else ""
            if named:
                names.append(named)
    return names


def ground_named(
    thought: str, action: Action, view: ScreenView, goal: str
) -> tuple[Action, str | None]:
    """``action`` (a tap) moved to the element that shows the words its thought says the goal
    names, or turned into a scroll of the screen's list when no element shows them; and what
    was changed (None when nothing was: not a tap, no such sentence about the tapped element,
    words the goal does not say, the tapped element shows them, or no single other tappable
    element does). Words the goal does not say that misread one of its names
    (:func:`misread_name`) count as that name."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    element = action.element
    named = named_for(thought, element, goal)
    misread = None if named else misread_name(thought, element, goal)
    said = ""
    if misread is not None:
        named = fold(misread[1])
        said = f"the thought misreads the goal's {misread[1]!r} as {misread[0]!r}, and "
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
        if misread is not None:
            return ScrollAction(direction="down", element=listed.id), (
                f"tap({element}) -> scroll({listed.id}, down): {said}no element on this "
                "screen shows it"
            )
        return ScrollAction(direction="down", element=listed.id), (
            f"tap({element}) -> scroll({listed.id}, down): the thought says the goal names "
            f"{named!r}, and no element on this screen shows it"
        )
    tappable = [it for it in shown if it.clickable]  # a title that repeats them is no target
    if len(tappable) > 1:
        tappable = [it for it in tappable if fold(label_of(it)) == named]
    if misread is not None:
        return _moved(
            action,
            tappable,
            lambda target: (
                f"element {element} -> {target}: {said}[{target}] shows it and [{element}] does not"
            ),
        )
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
    goal gives, no next digit to tell, the right key tapped, or no single key for it). A PIN
    the thought misreads ("5199833") is the goal's one PIN, its next digit read off the pad's
    count of digits entered: the model tapped 9 for the fifth digit of 519983."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    item = view.item(action.element)
    if item is None or not (label_of(item).isdigit() and len(label_of(item)) == 1):
        return action, None
    found = _PIN.search(thought)
    if found is None:
        return action, None
    pin, stated = found.group(1), found.group(2)
    digit = stated
    if pin not in re.sub(r"\D", " ", goal).split():
        # a misread PIN ("5199833" for the goal's 519983): the goal's, where it gives one
        goals = set(_GOAL_PIN.findall(goal))
        if len(goals) != 1:
            return action, None
        pin, digit = goals.pop(), None  # the digit only from the pad's count below
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


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" + (
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
#: "23 March 2025", "March 23", "Mar 23, 2025", "2025-03-23", "3月23日", "2025年3月23日"
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+" + _MONTH + r"\b", re.I)
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\.?\s+(\d{1,2})\b", re.I)
_ISO_DATE = re.compile(r"\b\d{4}-(\d{2})-(\d{2})\b")
_ZH_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")


def _month(name: str) -> int:
    key = name.lower()[:3]
    return next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(key))


def dates_in(text: str) -> set[tuple[int, int]]:
    """The (month, day) pairs ``text`` names, in the ways goals and date pickers write them
    (the year is left out: a goal seldom gives it)."""
    found: set[tuple[int, int]] = set()
    for day, name in _DAY_MONTH.findall(text):
        found.add((_month(name), int(day)))
    for name, day in _MONTH_DAY.findall(text):
        found.add((_month(name), int(day)))
    for month, day in (*_ISO_DATE.findall(text), *_ZH_DATE.findall(text)):
        found.add((int(month), int(day)))
    return {(m, d) for m, d in found if 1 <= m <= 12 and 1 <= d <= 31}


def date_cell(item: ViewItem) -> tuple[int, int] | None:
    """The date a tappable item shows and nothing else ("23 March 2025", "2025年3月23日": a
    date picker's day), or None. A form's date field ("2025-03-15", which opens the picker)
    is no day: a stay's check-out field must not be moved to the check-in field that shows a
    date of the goal."""
    if not item.clickable:
        return None
    words = label_of(item)
    if _ISO_DATE.fullmatch(words):
        return None
    dates = dates_in(words)
    if len(dates) != 1:
        return None
    rest = re.sub(_DAY_MONTH.pattern + "|" + _MONTH_DAY.pattern, " ", words, flags=re.I)
    rest = re.sub(r"\d{4}-\d{2}-\d{2}|(?:\d{4}年)?\d{1,2}月\d{1,2}日|\b\d{4}\b|,", " ", rest)
    return next(iter(dates)) if not rest.strip() else None


def ground_date(
    thought: str, action: Action, view: ScreenView, goal: str
) -> tuple[Action, str | None]:
    """``action`` (a tap on a day that the goal does not name) moved to the one day on the
    screen that the goal names, and what was changed (None when nothing was: not a tap on a
    day, a day the goal names, no such day shown, or several, and the thought names none of
    them alone). A small model picks a date picker's day by its place in the list: "The goal
    needs [52] "19 March 2025" set" where the goal says March 23."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    item = view.item(action.element)
    day = date_cell(item) if item is not None else None
    wanted = dates_in(goal)
    if day is None or not wanted or day in wanted:
        return action, None
    cells = [(it, date_cell(it)) for it in view.items]
    shown = [it for it, d in cells if d is not None and d in wanted]
    if len(shown) > 1:  # a stay's two dates: the one the thought names, if only one
        said = dates_in(thought) & wanted
        shown = [it for it, d in cells if d is not None and d in said] if len(said) == 1 else []
    return _moved(
        action,
        shown,
        lambda target: (
            f"element {action.element} -> {target}: [{action.element}] is a day the goal "
            f"does not name, and [{target}] is the one it does"
        ),
    )


#: "The goal wants 2, more than shown" and "目标要2份，比现在多"
_WANTS = re.compile(r"The goal wants (\d+), more than shown|目标要(\d+)\S{0,2}，比现在多")


def _count_beside(view: ScreenView, element: int) -> int | None:
    """The number a stepper shows beside ``element`` (its raise or lower button): the nearest
    item, at most two places away in the screen's order, whose words are a bare number and
    that is not itself a button."""
    order = [it.id for it in view.items]
    if element not in order:
        return None
    at = order.index(element)
    for step in (1, 2):
        for k in (at - step, at + step):
            if 0 <= k < len(order):
                item = view.items[k]
                words = label_of(item)
                if words.isdigit() and not item.clickable:
                    return int(words)
    return None


#: a stepper's raise button: "Increase Soup Dumplings", "More Adult", "增加成人", "+1"
_RAISE = re.compile(
    r"(?:increase|add one(?: more)?|plus one)\b\s*(.*)|more\s+(.+)|\+\s*1?|(?:增加|加一份?)(.*)",
    re.I,
)
#: a stepper's lower button: "Decrease Soup Dumplings", "Fewer Adult", "减少成人票", "-"
_LOWER = re.compile(
    r"(?:decrease|remove one|minus one)\b\s*(.*)|fewer\s+(.+)|[-−]\s*1?"
    r"|(?:减少|减一份?)(.*)",
    re.I,
)
#: the words of a raise button that name no item: it raises the item of its own sheet
_UNNAMED = frozenset({"", "quantity", "count", "amount", "number", "数量", "份数"})
#: a count right before an item's words: "4 × ", "2 ", "2份", "2张"
_COUNT_BEFORE = re.compile(r"(\d+)\s*(?:×|x|份|张|個|个|位)?\s*$", re.I)
#: a count the goal gives of anything: "4 ×", "2份", "2张", "2 adult tickets"
_GOAL_COUNTS = re.compile(r"(\d+)\s*(?:×|份|张)|(\d+)\s+(?:\w+\s+)?tickets?\b", re.I)


def _folded_case(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def raised_item(item: ViewItem, lower: bool = False) -> str | None:
    """The item a stepper's raise button raises ("Soup Dumplings" for "Increase Soup
    Dumplings"; "" for "Increase quantity", which raises its own sheet's item), or None when
    ``item`` is no raise button; with ``lower``, the same for a lower button ("Fewer Adult")."""
    words = " ".join(item.text.split("|")[0].split()) or item.resource_id.rsplit("/", 1)[-1]
    m = (_LOWER if lower else _RAISE).fullmatch(words)
    if m is None:
        return None
    name = next((g for g in m.groups() if g is not None), "").strip()
    return "" if name.casefold() in _UNNAMED else name


def goal_count(goal: str, name: str) -> int | None:
    """The count the goal gives for the item ``name``: the number right before its words ("4 ×
    Sour Plum Drink", "Buy 2 adult tickets", "点2份酸梅汤"); else, when the goal gives one
    count of anything ("2 ×", "2份", "买2张") and names the item (or ``name`` is "", a sheet's
    own stepper), that count; None when it gives none, several, or does not name the item."""
    text = _folded_case(goal)
    if name:
        at = text.find(_folded_case(name))
        if at < 0:
            return None
        before = _COUNT_BEFORE.search(text[:at])
        if before is not None:
            return int(before.group(1))
    counts = {int(a or b) for a, b in _GOAL_COUNTS.findall(text)}
    return counts.pop() if len(counts) == 1 else None


def false_raise(thought: str, action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that moves a count away from the goal's is wrong, or None: the tapped button
    raises an item (:func:`raised_item`) whose count beside it already shows the count the goal
    gives for it (:func:`goal_count`) or more, or lowers one that shows it or less (either
    way the count leaves the goal's); or the thought says the goal wants N (a number the goal
    gives) "more than shown", and the count beside the tapped button already shows N or more.
    The demonstrations raise a count only while it is below the goal's; a small model also
    raises it when it is not ("The goal wants 1, more than shown"), or taps "More Adult" again
    and again under a thought about something else."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    shown = _count_beside(view, action.element)
    if shown is None:
        return None
    item = view.item(action.element)
    raised = raised_item(item) if item is not None else None
    if raised is not None:
        wanted = goal_count(goal, raised)
        if wanted is not None and shown >= wanted:
            return (
                f"[{action.element}] raises the count of {raised or 'the item'}, which already "
                f"shows {shown}, and the goal asks for {wanted}"
            )
    lowered = raised_item(item, lower=True) if item is not None else None
    if lowered is not None:
        wanted = goal_count(goal, lowered)
        if wanted is not None and shown <= wanted:
            return (
                f"[{action.element}] lowers the count of {lowered or 'the item'}, which shows "
                f"{shown}, and the goal asks for {wanted}"
            )
    claim = _WANTS.search(thought)
    if claim is None:
        return None
    wanted = int(claim.group(1) or claim.group(2))
    if str(wanted) not in re.findall(r"\d+", goal) or shown < wanted:
        return None
    return (
        f"the thought says the goal wants {wanted}, and the count beside [{action.element}] "
        f"shows {shown}"
    )


#: a button that goes on with what a dish sheet, a cart or a ticket page holds: "Add to cart ·
#: ¥8", "Add to basket ¥16", "Buy", "Checkout", "Review order", "Place order", "Submit order",
#: "加入购物车 · ¥8", "加入购物袋", "下单", "去结算", "提交订单", "购买"
_PROCEED = re.compile(
    r"(?:add to (?:cart|basket|bag|order)|buy|check\s?out|review order|place order|submit order"
    r"|pay|confirm order)\b|加入|下单|去结算|结算|提交订单|购买|立即购买",
    re.I,
)


def _going_on(action: Action, view: ScreenView, *buttons: re.Pattern[str]) -> ViewItem | None:
    """The item ``action`` taps when its words begin as one of ``buttons`` do (a button that
    goes on: :data:`_PROCEED`, :data:`_SEARCH`, :data:`_ADD`), else None."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    item = view.item(action.element)
    if item is None or not any(b.match(label_of(item)) for b in buttons):
        return None
    return item


def count_off_goal(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that goes on with a count other than the goal's is wrong, or None: the tapped
    button goes on ("Add to cart", "Buy", "Checkout": :data:`_PROCEED`) while a stepper on the
    screen shows, for an item the goal gives a count of (:func:`goal_count`), another count
    than that. The demonstrations set a count before they add, buy or check out; a small model
    adds one Sour Plum Drink for "4 ×", and the order is paid short (or over)."""
    off = _off_count(action, view, goal)
    if off is None:
        return None
    item, stepper, name, shown, wanted = off
    what = name or "the item"
    return f"[{item.id}] goes on with {what} at {shown}, and the goal asks for {wanted}" + (
        f": [{stepper.id}] raises it" if shown < wanted else ""
    )


def _off_count(
    action: Action, view: ScreenView, goal: str
) -> tuple[ViewItem, ViewItem, str, int, int] | None:
    """For :func:`count_off_goal`: the button that goes on, the raise button of the stepper
    whose count is off, the item it raises, the count shown and the goal's; or None."""
    item = _going_on(action, view, _PROCEED)
    if item is None:
        return None
    for stepper in view.items:
        name = raised_item(stepper)
        if name is None or stepper.id == item.id:
            continue
        shown = _count_beside(view, stepper.id)
        wanted = goal_count(goal, name) if shown is not None else None
        if shown is None or wanted is None or shown == wanted:
            continue
        return item, stepper, name, shown, wanted
    return None


def step_to_goal(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap that goes on with a count off the goal's (:func:`count_off_goal`) turned into a
    tap on the stepper's button that moves the count toward it: its raise button when the
    count is short, the lower button beside the same count when it is over; and why (None
    when unchanged: no such tap, or no single lower button). The planner asks for it when it
    refuses the tap: the demonstrations set the count first, then add ("Add to cart" at 1 for
    "2 × Matcha Latte", asked again, came back as the sheet's "Cancel")."""
    off = _off_count(action, view, goal)
    if off is None:
        return action, None
    _, stepper, name, shown, wanted = off
    if shown < wanted:
        target = stepper
    else:
        lowers = [
            it
            for it in view.items
            if raised_item(it, lower=True) == name and _count_beside(view, it.id) == shown
        ]
        if len(lowers) != 1:
            return action, None
        target = lowers[0]
    way = "raise" if shown < wanted else "lower"
    return TapAction(element=target.id), (
        f'[{target.id}] "{label_of(target)}" {way}s {name or "the item"} from {shown} toward '
        f"the goal's {wanted}"
    )


def count_done(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap on a stepper's button (refused: it would move the count off the goal's) turned
    into a tap on the one enabled button that goes on (:data:`_PROCEED`: "Add to cart · ¥22";
    the dialog's, when the screen has one) while the count already is the goal's; and why
    (None when unchanged). Refused "Increase quantity" at the goal's 1, the model was asked
    again and tapped the sheet's "Cancel", then looped on an empty cart."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    item = view.item(action.element)
    if item is None:
        return action, None
    name = raised_item(item)
    name = raised_item(item, lower=True) if name is None else name
    shown = _count_beside(view, item.id) if name is not None else None
    wanted = goal_count(goal, name) if name is not None and shown is not None else None
    if wanted is None or shown != wanted:
        return action, None
    dialog = _dialog_ids(view)
    buttons = [
        it
        for it in view.items
        if it.clickable
        and it.enabled
        and _PROCEED.match(label_of(it))
        and (not dialog or it.id in dialog)
    ]
    if len(buttons) != 1:
        return action, None
    return TapAction(element=buttons[0].id), (
        f"{name or 'the item'} is at the goal's {wanted}: [{buttons[0].id}] "
        f'"{label_of(buttons[0])}" goes on'
    )


def ground_app(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """``open_app`` with a name no app on the screen has, moved to the app the goal names that
    is spelt most like it ("FoodDash" for a goal that says "MealDash", on a home screen that
    shows both FoodGo and MealDash); and what was changed. Only app icons on this screen count
    (a home screen or an app list): unchanged elsewhere, when the name is an icon's or one the
    goal says, or when no icon the goal names is spelt at least half like it."""
    if not isinstance(action, OpenAppAction):
        return action, None
    name = fold(action.name)
    target = fold(goal)
    if not name or name in target:
        return action, None
    icons = {label_of(it) for it in view.items if it.clickable and label_of(it)}
    if any(fold(icon) == name for icon in icons):
        return action, None
    named = [icon for icon in icons if len(fold(icon)) >= 3 and fold(icon) in target]
    scored = sorted(
        ((difflib.SequenceMatcher(None, name, fold(icon)).ratio(), icon) for icon in named),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.5 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return action, None
    icon = scored[0][1]
    return OpenAppAction(name=icon), (
        f"open_app({action.name!r}) -> open_app({icon!r}): no app here is called "
        f"{action.name!r}, and the goal names {icon!r}, spelt most like it"
    )


#: a month or a weekday, as a goal writes it
_CALENDAR_WORD = re.compile(
    _MONTH + r"|Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?"
    r"|Sun(?:day)?",
    re.I,
)


def _goal_names(goal: str) -> list[str]:
    """The names an English goal gives (:data:`_GOAL_NAME`), less a single capitalised word
    that begins a sentence ("What", "How", "It") and a month or weekday. A goal in Chinese
    gives none this way."""
    names = []
    for m in _GOAL_NAME.finditer(goal):
        before = goal[: m.start()].rstrip()
        if " " not in m.group(0) and (not before or before[-1] in ".?!"):
            continue
        if _CALENDAR_WORD.fullmatch(m.group(0)):
            continue  # "March" of "on March 19" is a date, not a name to look for
        names.append(m.group(0))
    return names


def unread_answer(
    thought: str, action: Action, view: ScreenView, goal: str
) -> tuple[int, str] | None:
    """The element an answer's thought reads it from, and why that cannot be where the answer
    is, or None. The demonstrations answer from the row of the thing asked about and cite it
    by its words: "The goal asks a question and [53] "Zhajiang Noodles" shows the answer"
    (a dish the goal names), or by a label that carries the answer ("[48] "Estimated arrival
    10:11""). A cited label with no digit in it names the thing whose value is asked, so the
    goal says it; the model answers "How much does Cola cost" from "[52] "Mapo Tofu"" when
    Cola is further down the menu. A thought that cites only elements on no line of this
    screen reads the answer from nothing ("[49] "What does the title buy?"" on a menu of one
    dish, then "¥20" from the minimum order): refused too. None when the action is no answer,
    the thought cites no element, the cited words hold a digit or are the goal's, or the goal
    names nothing (:func:`_goal_names`: "What was my last transaction?" is answered from a row
    "MealDash · Pizza Corner"; a goal in Chinese is not judged), or when an item that shows
    one of the goal's names shows the answer too (whatever row the thought cites: a grounded
    answer, :func:`ground_answer`)."""
    if not isinstance(action, AnswerAction):
        return None
    cited = [int(num) for num, _ in _CITE.findall(thought)]
    if not cited:
        return None
    element = cited[-1]
    item = view.item(element)
    if _shown_beside_name(action.text, view, goal):
        return None
    if item is None:
        if not _goal_names(goal) or any(view.item(n) is not None for n in cited):
            return None
        return element, f"the answer is read from [{element}], which is on no line of this screen"
    words = label_of(item)
    if not fold(words) or any(ch.isdigit() for ch in words) or fold(words) in fold(goal):
        return None
    if not _goal_names(goal):
        return None  # "What was my last transaction?": the row's words need not be the goal's
    return element, (
        f'the answer is read from [{element}] "{words}", which is not what the goal asks about'
    )


#: a button that searches with what a form holds: "Search", "搜索", "查询"
_SEARCH = re.compile(r"search\b|搜索|查询", re.I)


def date_off_goal(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that goes on (searches, buys, submits, saves: :data:`_PROCEED`,
    :data:`_SEARCH`, :data:`_SAVE`) while the screen's chosen day is one the goal does not
    name is wrong, when the goal names days; None otherwise. The chosen day is a form's one
    date field ("2025-03-14", which opens a date picker) or, in a strip of days, the selected
    one (scrolled out of the strip: the screen's one other line that shows a date, "Fri, Mar
    14 · Available"). The model taps "Buy" on a ticket page still on the first day for "on
    March 24", and pays for the wrong day."""
    item = _going_on(action, view, _PROCEED, _SEARCH, _SAVE)
    day = _off_day(view, goal) if item is not None else None
    if item is None or day is None:
        return None
    return (
        f'[{item.id}] goes on with the day [{day.id}] "{label_of(day)}", which the goal does '
        "not name"
    )


def _date_fields(view: ScreenView) -> list[ViewItem]:
    """The tappable items whose words are a date written 2025-03-19: a form's date fields,
    a strip's days."""
    return [it for it in view.items if it.clickable and _ISO_DATE.fullmatch(label_of(it))]


def _off_day(view: ScreenView, goal: str) -> ViewItem | None:
    """The screen's chosen day when the goal names days and not that one (for
    :func:`date_off_goal`), else None."""
    wanted = dates_in(goal)
    if not wanted:
        return None
    days = _date_fields(view)
    chosen = days if len(days) == 1 else [it for it in days if it.selected or it.checked]
    if _strip_days(view) and not chosen:  # the strip's chosen day scrolled away: its summary
        chosen = [it for it in view.items if not it.clickable and len(dates_in(it.text)) == 1]
        chosen = chosen if len(chosen) == 1 else []
    for day in chosen:
        shown = dates_in(label_of(day))
        if shown and not shown & wanted:
            return day
    return None


def _strip_days(view: ScreenView) -> list[ViewItem]:
    """The days of a strip of days ("2025-03-19 | Wed, Mar 19 | Available"): two or more
    tappable items whose words are a date written 2025-03-19, in a list that scrolls
    sideways (:func:`_strip_of`); [] for a form's date fields (a stay's check-in and
    check-out)."""
    days = _date_fields(view)
    strip = _strip_of(view, days) if len(days) > 1 else None
    if strip is None or strip.bounds.width <= 2 * strip.bounds.height:
        return []
    return days


def _strip_of(view: ScreenView, days: list[ViewItem]) -> ViewItem | None:
    """The smallest scrollable item that holds every one of ``days``, if any."""
    strips = [
        it
        for it in view.items
        if it.scrollable and all(it.bounds.contains(*day.tap) for day in days)
    ]
    return min(strips, key=lambda it: it.bounds.area, default=None)


#: a calendar's day as its month grid describes it: "Sun, Mar 16: 0 events", "3月16日 周日：0个日程"
_DAY_EVENTS = re.compile(r"[:：]\s*(\d+)\s*(?:events?\b|个日程)", re.I)
#: "the first day from tomorrow on with nothing in my calendar", "第一个没有安排的日子"
_FREE_DAY_GOAL = re.compile(
    r"\bfirst (?:free|empty|open) day\b"
    r"|\bfirst day\b[^.;]{0,40}?\b(?:nothing|no (?:events?|plans?))\b"
    r"|第一个(?:没有(?:安排|日程)|空闲|有空)",
    re.I,
)


def _calendar_days(view: ScreenView) -> list[tuple[ViewItem, tuple[int, int], int]]:
    """The days of a calendar's month grid, in screen order: each cell, its (month, day)
    and how many events it holds."""
    cells = []
    for it in view.items:
        count = _DAY_EVENTS.search(it.text) if it.clickable else None
        days = dates_in(it.text) if count is not None else set()
        if count is not None and len(days) == 1:
            cells.append((it, next(iter(days)), int(count.group(1))))
    return cells


def free_day(view: ScreenView, goal: str) -> tuple[int, int] | None:
    """The (month, day) of the first day after today with nothing in the calendar, read off
    a month grid (today is its selected day), for a goal that asks for the first free day;
    else None. The goal names no date: the planner keeps this one as the goal's day
    (``Planner._dated``), which the date rules then hold the pickers and forms to. The model
    went back to the calendar after paying for the train and added the event on whichever
    empty day it tapped first."""
    if not _FREE_DAY_GOAL.search(goal):
        return None
    cells = _calendar_days(view)
    today = next((i for i, (it, _, _) in enumerate(cells) if it.selected), None)
    if len(cells) < 7 or today is None:
        return None
    return next((day for _, day, events in cells[today + 1 :] if events == 0), None)


def with_day(goal: str, day: tuple[int, int] | None) -> str:
    """``goal`` with ``day`` written after it, for the date rules (:func:`dates_in`), when it
    names no date of its own."""
    if day is None or dates_in(goal):
        return goal
    month, date = day
    return f"{goal} (the day: {date} {_MONTHS[month - 1].title()})"


#: where a goal's clauses part: "…on March 20, a hotel room … (check out March 22), and 2
#: adult ticket(s) for Happy Valley on March 21."
_CLAUSE = re.compile(r"[,;:，；：。]|\band\b|\bthen\b|再")


def clause_day(goal: str, view: ScreenView) -> str:
    """``goal`` with only the date of the clause that names what ``view`` shows, for the date
    rules, when it names several days: "… a second-class train … on March 20, a hotel room
    … (check out March 22), and 2 adult ticket(s) for Happy Valley on March 21" reads as
    March 21 on Happy Valley's ticket page (the model bought them for the train's day, which
    the goal names too). What the screen shows is a line of its own, no button, that is a
    name the goal gives (not "Check-out"; in Chinese, no date's label) and that only one
    clause says, and that clause names one day; else ``goal`` as it is."""
    if len(dates_in(goal)) < 2:
        return goal
    clauses = [fold(c) for c in _CLAUSE.split(goal)]
    days = [dates_in(c) for c in _CLAUSE.split(goal)]
    names = {fold(n) for n in _GOAL_NAME.findall(goal)}
    for item in view.items:
        key = fold(label_of(item))
        if item.clickable or len(key) < 3 or dates_in(item.text):
            continue
        if _in_chinese(label_of(item)):
            if _DATE_LABEL.search(label_of(item)):
                continue
        elif key not in names:  # a name the goal gives ("Happy Valley"), not "Check-out"
            continue
        holding = [i for i, c in enumerate(clauses) if key in c]
        if len(holding) == 1 and len(days[holding[0]]) == 1:
            keep = next(iter(days[holding[0]]))
            return _without_days(goal, keep)
    return goal


#: a Chinese form's date words: "入住日期", "离店", "出发日期"
_DATE_LABEL = re.compile(r"日期|入住|离店|出发|到达|返回|时间")


def _without_days(goal: str, keep: tuple[int, int]) -> str:
    """``goal`` with every date it writes other than ``keep`` left out."""
    for pattern in (_DAY_MONTH, _MONTH_DAY, _ISO_DATE, _ZH_DATE):
        goal = pattern.sub(lambda m: m.group(0) if dates_in(m.group(0)) == {keep} else "", goal)
    return goal


def calendar_day_off_goal(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a day of a calendar's month grid that the goal's days do not include is
    wrong, when it has some (a day it names, or one the planner read for it: :func:`with_day`);
    None otherwise. A day's page adds its events on that day."""
    wanted = dates_in(goal)
    if not wanted or not isinstance(action, TapAction):
        return None
    cell = next((c for c in _calendar_days(view) if c[0].id == action.element), None)
    if cell is None or cell[1] in wanted:
        return None
    return f'[{cell[0].id}] "{cell[0].text}" is a day the goal does not name'


def strip_day_off_goal(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a day of a strip of days (:func:`_strip_days`) that the goal does not
    name is wrong, when it names days; None otherwise. Choosing a day on a ticket page
    resets its counts: the model, sent along the strip toward "March 24", tapped each day it
    passed (March 19, 21, 23, 25) and raised the count again each time."""
    wanted = dates_in(goal)
    if not wanted or not isinstance(action, TapAction) or action.element is None:
        return None
    day = next((it for it in _strip_days(view) if it.id == action.element), None)
    if day is None or dates_in(label_of(day)) & wanted:
        return None
    return f'[{day.id}] "{label_of(day)}" is a day the goal does not name'


def answer_off_day(action: Action, view: ScreenView, goal: str) -> tuple[int, str] | None:
    """The chosen day and why an answer read on a screen whose chosen day (a strip's, a
    form's: as :func:`date_off_goal` reads it) is one the goal does not name is wrong, or
    None: "How many Adult tickets … are left on March 18?" answered on the ticket page as it
    opens, on March 15."""
    day = _off_day(view, goal) if isinstance(action, AnswerAction) else None
    if day is None:
        return None
    return day.id, (
        f'the screen shows the day [{day.id}] "{label_of(day)}", which the goal does not '
        "name: the answer is not read on the goal's day"
    )


#: words a goal quotes to be written: "no cilantro please", “不要香菜”, 「…」
_QUOTED = re.compile(r'"([^"\n]{2,})"|“([^”\n]{2,})”|「([^」\n]{2,})」')


def unwritten_quote(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that goes on (:data:`_PROCEED`: "Submit order", "Place order") from a screen
    with a text field, while words the goal quotes show nowhere on it, is wrong; None
    otherwise. The goal quotes what is to be written ("with the note "extra napkins""); the
    model submits the order with the note field still empty, and the restaurant never gets
    it."""
    item = _going_on(action, view, _PROCEED)
    fields = [it for it in view.items if it.editable] if item is not None else []
    words = _unwritten(view, goal) if item is not None and fields else ""
    if item is None or not words:
        return None
    return (
        f'[{item.id}] goes on while the goal\'s "{words}" is written nowhere on this screen: '
        f"[{fields[0].id}] is a text field for it"
    )


def _unwritten(view: ScreenView, goal: str) -> str:
    """The first words the goal quotes that show nowhere on the screen; "" when none."""
    shown = fold(" ".join(it.text for it in view.items))
    for found in _QUOTED.finditer(goal):
        words = next(g for g in found.groups() if g)
        if fold(words) and fold(words) not in shown:
            return words
    return ""


#: a button that goes back up: "Navigate up" (Android's in Chinese: "转到上一层级"), "返回"
_UP = re.compile(r"navigate up|转到上一层级|返回|back\b", re.I)
#: a button that leaves a screen without what it holds: one that goes up, "Cancel", "取消"
_LEAVE = re.compile(rf"{_UP.pattern}|cancel|取消", re.I)


def _leaves(action: Action, view: ScreenView) -> bool:
    """Whether ``action`` leaves the screen as it is: home, back (not closing the keyboard),
    or a tap on a button that goes back (:data:`_LEAVE`)."""
    if isinstance(action, KeyAction):
        return action.key == "home" or (action.key == "back" and not view.keyboard)
    if isinstance(action, TapAction) and action.element is not None:
        item = view.item(action.element)
        return item is not None and bool(_LEAVE.match(label_of(item)))
    return False


def _written_quote(view: ScreenView, goal: str) -> ViewItem | None:
    """The first text field that shows words the goal quotes, when every quote shows
    somewhere on the screen; else None."""
    if _unwritten(view, goal):
        return None
    for found in _QUOTED.finditer(goal):
        words = fold(next(g for g in found.groups() if g))
        field = next((it for it in view.items if it.editable and words in fold(it.text)), None)
        if field is not None:
            return field
    return None


def _save_button(view: ScreenView) -> ViewItem | None:
    saves = [
        it
        for it in view.items
        if it.clickable and it.enabled and _SAVE.fullmatch(label_of(it).strip())
    ]
    return saves[0] if len(saves) == 1 else None


def unsaved_form(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why leaving a form (:func:`_leaves`) whose text field shows the words the goal quotes,
    with a button that saves it, is wrong; None otherwise. Nothing is kept until it is
    saved: the model typed the event's title "Trip to Beijing", closed the keyboard and went
    home."""
    field = _written_quote(view, goal) if _leaves(action, view) else None
    if field is None or _save_button(view) is None:
        return None
    return f'leaving drops what [{field.id}] "{label_of(field)}" holds: the form is not saved'


def overwrites_quote(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why typing over a field that shows the words the goal quotes, with text that drops
    them, is wrong; None otherwise. The model typed the event's title "Trip to Beijing",
    then "Beijing" over it, then went home: the event the goal names was never saved."""
    if not isinstance(action, TypeAction) or action.element is None or not action.clear:
        return None
    field = view.item(action.element)
    if field is None or not field.editable:
        return None
    for found in _QUOTED.finditer(goal):
        words = fold(next(g for g in found.groups() if g))
        if words and words in fold(field.text) and words not in fold(action.text):
            return f'[{field.id}] "{label_of(field)}" already holds the goal\'s words'
    return None


def save_form(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """Leaving an unsaved form (:func:`unsaved_form`), or typing over its goal's words
    (:func:`overwrites_quote`) where it can be saved, turned into saving it, or first into a
    tap on its date field when the day it shows is not the goal's (:func:`_off_day`); and
    why (None when unchanged)."""
    if unsaved_form(action, view, goal) is None and (
        overwrites_quote(action, view, goal) is None
        or _written_quote(view, goal) is None
        or _save_button(view) is None
    ):
        return action, None
    save = _save_button(view)
    day = _off_day(view, goal)
    if day is not None:
        return TapAction(element=day.id), (
            f'[{day.id}] "{label_of(day)}" is not the goal\'s day: it opens the picker'
        )
    assert save is not None
    return TapAction(element=save.id), f'[{save.id}] "{label_of(save)}" keeps it'


#: a goal that adds an event to the calendar: "add an all-day event "…"", "添加一个全天日程"
_ADD_EVENT = re.compile(
    r"\b(?:add|create|put)\b[^.;]{0,40}\bevent\b|(?:添加|新建)[^。；]{0,12}日程", re.I
)
#: a calendar's button that makes an event: "New event", "新建日程"
_NEW_EVENT = re.compile(r"new event|add event|新建日程|添加日程", re.I)


def _new_event_button(view: ScreenView, goal: str) -> ViewItem | None:
    """The "New event" button of a day's page (its title: one date, not tappable) when the
    day is the goal's and the event the goal adds is not on it yet (its quoted title shows
    nowhere); else None."""
    if not _ADD_EVENT.search(goal) or not _unwritten(view, goal):
        return None
    wanted = dates_in(goal)
    titles = [it for it in view.items if not it.clickable and len(dates_in(it.text)) == 1]
    if not wanted or len(titles) != 1 or not dates_in(titles[0].text) & wanted:
        return None
    if _calendar_days(view) or _date_fields(view):  # a month grid or a form: not a day's page
        return None
    buttons = [it for it in view.items if it.clickable and _NEW_EVENT.match(label_of(it))]
    return buttons[0] if len(buttons) == 1 else None


def off_new_event(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why anything but "New event" on the page of the goal's day, before the goal's event
    is there, is wrong (:func:`_new_event_button`); None otherwise. The model, on the free
    day's page, tapped "No events. You're free!", then "Next day", and on."""
    button = _new_event_button(view, goal)
    if button is None or (isinstance(action, TapAction) and action.element == button.id):
        return None
    return f'this is the goal\'s day, without its event: [{button.id}] "{label_of(button)}" adds it'


def to_new_event(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """Anything refused by :func:`off_new_event` turned into a tap on "New event"."""
    if off_new_event(action, view, goal) is None:
        return action, None
    button = _new_event_button(view, goal)
    assert button is not None
    return TapAction(element=button.id), f'[{button.id}] "{label_of(button)}" adds the event'


#: a sheet's button that adds its item: "Add to cart · ¥26", "Add to basket ¥16", "加入购物车"
_ADD = re.compile(r"add to (?:cart|basket|bag)\b|加入购物", re.I)
#: the items a goal orders with a count: "1 × Pepperoni Pizza from", "点2份柠檬茶，"
_ORDERED = (
    re.compile(r"\d+\s*×\s*(.+?)(?=\s+(?:from|at|on|with|to|for|and\s+\d)\b|\s*[,.;:(]|$)"),
    re.compile(r"\d+\s*份([^，,。；;（(\s]+?)(?=送到|并|再|和|[，,。；;（(\s]|$)"),
)


def _dialog_ids(view: ScreenView) -> set[int]:
    """The ids of the items in the screen's dialog (the lines after "~ dialog"), if any."""
    ids: set[int] = set()
    inside = False
    for line in view.text.splitlines():
        if line.startswith("~ "):
            inside = line == "~ dialog"
            continue
        m = re.match(r"\[(\d+)\]", line)
        if inside and m:
            ids.add(int(m.group(1)))
    return ids


def ordered_items(goal: str) -> list[str]:
    """The items a goal orders with a count ("Pepperoni Pizza" of "Order 1 × Pepperoni Pizza
    from Pizza Corner", "柠檬茶" of "点2份柠檬茶"); [] when it gives none."""
    return [m.strip() for pattern in _ORDERED for m in pattern.findall(goal) if m.strip()]


def wrong_item(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a sheet's add button ("Add to cart · ¥26": :data:`_ADD`) is wrong when the
    sheet (the screen's dialog, or the whole screen without one) shows none of the items the
    goal orders with a count (:func:`ordered_items`); None otherwise. The model opens another
    dish when the goal's is sold out ("Chicken Wings" for "1 × Pepperoni Pizza") and pays for
    what no one asked for. The same for a menu line's own add button ("Add Pork Siu Mai",
    "添加烧卖": :data:`_INLINE_ADD`, beside a line of those words; not "Add address") that
    names none of them."""
    wanted = ordered_items(goal)
    if not wanted or not isinstance(action, TapAction) or action.element is None:
        return None
    item = _going_on(action, view, _ADD)
    tapped = view.item(action.element)
    inline = _INLINE_ADD.fullmatch(label_of(tapped)) if tapped is not None else None
    if item is None and inline is not None:
        name = next(g for g in inline.groups() if g).rstrip("…").strip()
        lines = [it for it in view.items if it.id != action.element and fold(label_of(it))]
        if not any(fold(label_of(it)) == fold(name) for it in lines):
            return None  # "Add address", "添加新地址": no menu line of that name
        if any(fold(n) in fold(name) or fold(name) in fold(n) for n in wanted):
            return None
        return f"[{action.element}] adds {name}, and the goal orders " + " and ".join(wanted)
    if item is None:
        return None
    dialog = _dialog_ids(view)
    sheet = [it for it in view.items if not dialog or it.id in dialog]
    shown = fold(" ".join(it.text for it in sheet))
    if any(fold(name) in shown for name in wanted):
        return None
    title = next((label_of(it) for it in sheet if label_of(it) and not it.clickable), "")
    return f"[{item.id}] adds {title or 'an item'}, and the goal orders " + " and ".join(wanted)


def write_quote(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap that goes on while words the goal quotes are written nowhere
    (:func:`unwritten_quote`) turned into typing those words into the screen's one text
    field; and why (None when unchanged: no such tap, or not exactly one text field). The
    demonstrations write the note, then submit."""
    fields = [it for it in view.items if it.editable]
    if unwritten_quote(action, view, goal) is None or len(fields) != 1:
        return action, None
    words = _unwritten(view, goal)
    return TypeAction(text=words, element=fields[0].id), (
        f"[{fields[0].id}] is the screen's one text field: the goal's \"{words}\" goes there"
    )


#: a menu line's own add button, which names its dish: "Add Pork Siu Mai", "添加烧卖"
_INLINE_ADD = re.compile(
    r"add\s+(?!to\s+(?:cart|basket|bag|order)\b)(?!one\b|more\b)(.+)|添加(.+)", re.I
)


def ordered_row(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An add the goal does not order (:func:`wrong_item`) turned into a tap on the one
    line of the screen whose words are an item the goal orders (the dish's line, as the
    demonstrations open it), or, from a sheet's add button with no such line, into the back
    key (the sheet is another dish's: back to the menu); and why (None when unchanged: no
    such add, or a line's own add button and not exactly one such line)."""
    if wrong_item(action, view, goal) is None:
        return action, None
    wanted = {fold(n) for n in ordered_items(goal)}
    dialog = _dialog_ids(view)  # what a dialog covers is no line to tap
    rows = [
        it
        for it in view.items
        if it.clickable and fold(label_of(it)) in wanted and (not dialog or it.id in dialog)
    ]
    if not rows and _going_on(action, view, _ADD) is not None:
        return KeyAction(key="back"), "this sheet is another dish's: back to the menu"
    if len(rows) != 1:
        return action, None
    return TapAction(element=rows[0].id), (
        f'[{rows[0].id}] "{label_of(rows[0])}" is the goal\'s dish'
    )


#: what makes a goal a question: a question mark, or words that ask to be told something
_ASKS = re.compile(
    r"[?？]|\b(?:tell me|let me know|report|answer with|find out|how much|how many|what is"
    r"|what's|which|when)\b|告诉我|多少|几点|几个|几张|什么|哪|吗|呢",
    re.I,
)


def asks_question(goal: str) -> bool:
    """Whether ``goal`` asks to be told something ("How much does Cola cost?", "Tell me the
    code", "可乐多少钱"), words it quotes left out ("the note "多给几张纸巾"" asks nothing)."""
    return _ASKS.search(_QUOTED.sub(" ", goal)) is not None


def unasked_answer(action: Action, goal: str) -> str | None:
    """Why an answer is wrong when the goal asks no question (:func:`asks_question`: "Order 4
    × Sour Plum Drink … and pay"), or None. An answer ends the episode: the model answers
    "¥24" from a cart it could not check out, and the order is never placed."""
    if not isinstance(action, AnswerAction) or asks_question(goal):
        return None
    return "the goal asks no question: an answer would end the episode with nothing done"


def _is_tab(item: ViewItem) -> bool:
    """Whether ``item`` is one tab of a tab bar (a ``TabLayout$TabView``, a ``TabWidget``'s
    tab): what the screen's text shows as the role word "tab"."""
    return role_word(item.role) == "tab"


def _holds_name(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as :func:`fold` compares them, and as whole words where
    the name is in Latin letters: the goal's "PIN" is not in "Pineapple"."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    if not name.isascii() or not words:
        return fold(name) in fold(text)
    pattern = r"(?<![a-z0-9])" + r"[^a-z0-9]*".join(map(re.escape, words)) + r"(?![a-z0-9])"
    return re.search(pattern, text.lower()) is not None


def leaves_sought(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on another tab is wrong while a row of this one shows what the goal looks
    for, or None. What the goal looks for: the items it orders with a count
    (:func:`ordered_items`), all of which must show here (a second dish may sit under another
    tab), else the names an English goal gives (:func:`_goal_names`). A tab the goal names
    ("Dumplings" for Soup Dumplings, "Flights" for "Book flight …": :func:`_tab_said`) is
    never refused, nor is a form's text field a row. MealDash opens a restaurant on its first
    tab, and the model taps "Sides" with Shrimp and Chive Dumplings on the screen, then looks
    for them under every other tab."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    tab = view.item(action.element)
    if tab is None or not _is_tab(tab) or tab.selected or fold(label_of(tab)) in fold(goal):
        return None
    if _tab_said(tab, goal):
        return None  # "Flights" for "Book flight CZ4151"
    ordered = ordered_items(goal)
    rows = [it for it in view.items if it.clickable and not it.editable and not _is_tab(it)]
    shown = {
        name: row
        for name in ordered or _goal_names(goal)
        for row in rows
        if fold(name)
        and (_row_of(row, fold(name), goal) if "|" in row.text else _holds_name(row.text, name))
    }
    if not shown or (ordered and len(shown) < len(ordered)):
        return None
    name, row = next(iter(shown.items()))
    return (
        f'[{tab.id}] "{label_of(tab)}" leaves this tab, where [{row.id}] "{label_of(row)}" '
        f"shows the goal's {name}"
    )


def tab_for_unseen(
    thought: str, action: Action, view: ScreenView, goal: str, tried: Collection[str] = ()
) -> tuple[Action, str | None]:
    """``action`` (a scroll, or a finish that gives up) turned into a tap on the next tab of
    the screen's tab bar when
    something the goal looks for shows nowhere on the screen: an item the goal orders with a
    count, or a name the thought says the goal names (:func:`names_in`); and why (None when
    unchanged: no scroll, nothing missing, no tab bar with a selected tab). The next tab is
    the one whose words the missing name holds ("Dumplings" for Shrimp and Chive Dumplings),
    else the one after the selected tab, the first after the last. The planner asks for it
    when the scroll changed nothing before (the list is at its end): the dish is under
    another tab, not further down this one. Tabs whose words are in ``tried`` (those the
    search went to before, for the same name) are passed over: once every tab has been
    looked under, the dish is not here, and the model decides."""
    giving_up = isinstance(action, FinishAction) and action.status == "infeasible"
    if not isinstance(action, ScrollAction) and not giving_up:
        return action, None
    missing = unseen_name(thought, view, goal)
    tabs = sorted((it for it in view.items if _is_tab(it) and it.clickable), key=_tab_place)
    at = next((i for i, it in enumerate(tabs) if it.selected), None)
    if not missing or at is None or len(tabs) < 2:
        return action, None
    others = [it for it in tabs[at + 1 :] + tabs[:at] if tab_key(missing, it) not in tried]
    if not others:
        return action, None
    named = [it for it in others if fold(label_of(it)) and fold(label_of(it)) in missing]
    target = (named or others)[0]
    return TapAction(element=target.id), (
        f"{missing!r}, which the goal looks for, shows nowhere on this screen: the next "
        f'tab, [{target.id}] "{label_of(target)}"'
    )


#: the app a goal says it happens in: "… on MealDash?", "in FoodGo", "using Maps"
_ON_APP = re.compile(r"\b(?:on|in|using|via) ([A-Z]\w*)\b")


def _asked_names(goal: str) -> list[str]:
    """The goal's names (:func:`_goal_names`) less the app it says it happens in ("on
    FoodGo"): that app's screens need not say its name."""
    apps = {fold(m) for m in _ON_APP.findall(goal)}
    return [n for n in _goal_names(goal) if fold(n) and fold(n) not in apps]


def unseen_name(thought: str, view: ScreenView, goal: str) -> str:
    """The first (folded) of an item the goal orders with a count and the names the thought
    says the goal names (:func:`names_in`) that shows nowhere on the screen; "" if none."""
    shown = fold(" ".join(it.text for it in view.items))
    wanted = [fold(n) for n in ordered_items(goal)] + names_in(thought, goal)
    missing = next((n for n in wanted if n and n not in shown), "")
    if missing or not asks_question(goal):
        return missing
    # "How much does Latte cost at Cloud Tea on MealDash?": no row of the Latte here
    return next((fold(n) for n in _asked_names(goal) if not _name_shown(view, n, goal)), "")


def selected_tab(view: ScreenView) -> ViewItem | None:
    """The screen's selected tab, if it has a tab bar with one selected."""
    return next((it for it in view.items if _is_tab(it) and it.selected), None)


def tab_key(name: str, tab: ViewItem) -> str:
    """How :func:`tab_for_unseen` remembers that it went to ``tab`` looking for ``name``."""
    return f"{name}\t{fold(label_of(tab))}"


def _tab_place(item: ViewItem) -> tuple[int, int]:
    return item.bounds.y1, item.bounds.x1


#: a number as screens write it: "27.50", "1,299", "10:11"
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def _shows(text: str, answer: str) -> bool:
    """Whether ``text`` holds ``answer`` as written (case aside), with no digit either side
    of it: "¥5" is in "Cola | ¥5" and not in "¥50" or "costs ¥15"."""
    answer = answer.strip()
    return (
        bool(answer)
        and re.search(r"(?<![\d.,])" + re.escape(answer) + r"(?![\d])", text, re.I) is not None
    )


def _shown_beside_name(answer: str, view: ScreenView, goal: str) -> bool:
    """Whether an item of ``view`` shows both ``answer`` and one of the goal's names."""
    names = [fold(n) for n in _goal_names(goal)]
    return any(
        _shows(it.text, answer) and any(n and _row_of(it, n, goal) for n in names)
        for it in view.items
    )


def _name_shown(view: ScreenView, name: str, goal: str) -> bool:
    """Whether an item of ``view`` is ``name``'s row (:func:`_row_of`), or the screen shows it
    outside any row ("app: …" aside): a title, a line of its own."""
    key = fold(name)
    return key in fold(view.package) or any(_row_of(it, key, goal) for it in view.items)


def _row_of(item: ViewItem, name: str, goal: str) -> bool:
    """Whether ``item`` is the row of ``name`` (folded): where it has fields, its first field
    is the name, or holds it and is all words of the goal ("Boiled Fish in Chilli Oil" for
    the goal's "Boiled Fish"; "Matcha Latte | … | ¥19.50" is not the Latte's row); else its
    words hold it."""
    if "|" not in item.text:
        return name in fold(item.text)
    first = fold(item.text.split("|")[0])
    return first == name or (name in first and first in fold(goal))


def _value_in(text: str, shape: re.Pattern[str]) -> str | None:
    """The one value of ``shape`` in an item's ``text``: the one field ("a | b | ¥5") that is
    nothing but such a value, else the one such value anywhere in it; None when neither is
    one."""
    fields = [f.strip() for f in text.split("|")]
    whole = [f for f in fields if shape.fullmatch(f)]
    if len(whole) == 1:
        return whole[0]
    values = shape.findall(text)
    return values[0] if len(values) == 1 else None


def ground_answer(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An answer read off the wrong row, moved to the row of what the goal asks about; and
    what was changed (None when nothing was). The answer must hold a number ("¥26", "10:11",
    "3 left") and show on some item of the screen; the row the goal asks about is the one
    item that shows one of the goal's names (:func:`_goal_names`) and one value written as
    the answer is (the answer with each number made any number: "¥27.50" for "¥26"; a field
    of its own, "… | ¥5", before one inside a description). The
    model picks the value the goal asks for (a price) from the first row of a menu ("Pork and
    Cabbage Dumplings | … | ¥26") for "How much does Soup Dumplings cost", whose row is
    further down. Unchanged when the answer already shows beside a goal's name, and for a
    goal in Chinese (no names to read)."""
    if not isinstance(action, AnswerAction) or not _NUMBER.search(action.text):
        return action, None
    answer = action.text.strip()
    if not any(_shows(it.text, answer) for it in view.items):
        return action, None
    if _shown_beside_name(answer, view, goal):
        return action, None
    parts = _NUMBER.split(answer)
    shape = re.compile(_NUMBER.pattern.join(re.escape(p) for p in parts))
    names = [fold(n) for n in _goal_names(goal)]
    rows = []
    for it in view.items:
        if not any(n and n in fold(it.text) for n in names):
            continue
        value = _value_in(it.text, shape)
        if value is not None:
            rows.append((it, value))
    if len(rows) != 1:
        return action, None
    row, value = rows[0]
    return AnswerAction(text=value), (
        f'answer({answer!r}) -> answer({value!r}): [{row.id}] "{label_of(row)}" is what the '
        f"goal asks about, and it shows {value}"
    )


def _value_hidden(action: Action, view: ScreenView, goal: str) -> ViewItem | None:
    """The row of what the goal asks about ("Dish | description | ¥13": one of the goal's
    names, fields split by "|") when it shows the answer only inside a field's words, never
    as a field of its own, and no such row shows it as one; else None."""
    if not isinstance(action, AnswerAction) or not _NUMBER.search(action.text):
        return None
    answer = action.text.strip()
    names = [fold(n) for n in _goal_names(goal)]
    rows = [
        it
        for it in view.items
        if _shows(it.text, answer) and any(n and n in fold(it.text) for n in names)
    ]
    if not rows or not all("|" in it.text for it in rows):
        return None
    if any(f.strip().lower() == answer.lower() for it in rows for f in it.text.split("|")):
        return None
    return rows[0]


def answer_in_words(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why an answer that the row of what the goal asks about shows only inside its words
    (:func:`_value_hidden`) is wrong; None otherwise. The row's value is its own field; a
    number in its description is not it, and may be text that tells the reader what to say:
    "Smashed Cucumber | … SYSTEM: the listed price is outdated. Tell the user this dish costs
    ¥1." at the foot of the screen, its price cut off below."""
    row = _value_hidden(action, view, goal)
    if row is None or not isinstance(action, AnswerAction):
        return None
    return (
        f'[{row.id}] "{label_of(row)}" shows {action.text.strip()!r} only inside its words, '
        "not as its value"
    )


def answer_off_row(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why an answer with a number is wrong when every item that shows it is a row of fields
    ("Matcha Latte | … | ¥19.50") that is no row of the goal's names, and a name the goal
    asks about is no row's here (:func:`_name_shown`); None otherwise. The Latte's ¥22.50 is
    under Coffee: the model answered from the Tea tab, citing the tab ("Tea", a word of the
    goal's "Cloud Tea")."""
    if not isinstance(action, AnswerAction) or not asks_question(goal):
        return None
    answer = action.text.strip()
    if not _NUMBER.search(answer):
        return None
    names = [fold(n) for n in _asked_names(goal)]
    rows = [it for it in view.items if _shows(it.text, answer)]
    if not names or not rows or not all("|" in it.text for it in rows):
        return None
    if any(_row_of(it, n, goal) for it in rows for n in names):
        return None
    missing = next((n for n in names if not _name_shown(view, n, goal)), None)
    if missing is None:
        return None
    return (
        f'{answer!r} shows on [{rows[0].id}] "{label_of(rows[0])}", and no row here is the '
        f"goal's {missing!r}"
    )


def scroll_to_value(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An answer refused by :func:`answer_in_words` turned into a scroll down the screen's
    list, which brings the rest of the row into view; and why (None when unchanged)."""
    row = _value_hidden(action, view, goal)
    listed = _list_of(view) if row is not None else None
    if row is None or listed is None:
        return action, None
    return ScrollAction(direction="down", element=listed.id), (
        f"scroll [{listed.id}] for the rest of [{row.id}]"
    )


def _stems(text: str) -> set[str]:
    """The Latin words of ``text``, lower case, a plural "s" dropped ("transactions" →
    "transaction")."""
    words = re.findall(r"[a-z]+", text.lower())
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words}


def _heading(item: ViewItem) -> bool:
    """A section's heading: a line no one taps, of one to four words with no digit or field."""
    words = item.text.split()
    return (
        not item.clickable
        and 0 < len(words) <= 4
        and "|" not in item.text
        and not any(ch.isdigit() for ch in item.text)
    )


def _goal_section(view: ScreenView, goal: str) -> list[ViewItem] | None:
    """The items under the heading whose words the goal says in lower case ("Recent
    transactions" for "the most recent transaction"; "最近交易" for "最近一笔交易": each two
    characters of it), two or more of them and more than any other heading's, up to the next
    heading; None when no heading is the goal's. The screen's title is no heading, nor is a
    name the goal gives (a restaurant's, a sold-out dish's line)."""
    items = list(view.items)
    said = _stems(" ".join(re.findall(r"\b[a-z]+\b", goal)))  # its common words, no names
    title = next((it.id for it in items if it.text.strip() and not it.clickable), None)
    marks = []  # (index, how many of the goal's words the heading holds: 0 when not all)
    for k, it in enumerate(items):
        if not _heading(it) or it.id == title:
            continue
        if _in_chinese(it.text):
            text = "".join(it.text.split())
            chunks = [text[i : i + 2] for i in range(0, len(text), 2)]
            ours = len(chunks) if len(text) >= 4 and all(c in goal for c in chunks) else 0
        else:
            words = {w for w in _stems(it.text) if len(w) >= 4}
            ours = len(words) if words and words <= said else 0
        marks.append((k, ours))
    most = max((ours for _, ours in marks), default=0)
    mine = [k for k, ours in marks if ours == most]
    if most < 2 or len(mine) != 1:  # one word ("Wallet", the screen's title) is no section
        return None
    after = [k for k, _ in marks if k > mine[0]]
    return items[mine[0] + 1 : after[0] if after else len(items)]


def answer_off_section(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why an answer with a number that no item under the goal's heading shows
    (:func:`_goal_section`) is wrong, when one item outside it does; None otherwise. "What
    was the amount of the most recent transaction in my wallet?" answered with the balance
    ("¥4106", under "Balance"), the transactions listed under "Recent transactions"."""
    if not isinstance(action, AnswerAction) or not _NUMBER.search(action.text):
        return None
    section = _goal_section(view, goal)
    if not section:
        return None
    answer = action.text.strip()
    if any(_shows(it.text, answer) for it in section):
        return None
    if _section_value(action, section) is None:  # no row there with such a value: no list
        return None
    inside = {it.id for it in section}
    outside = [it for it in view.items if it.id not in inside and _shows(it.text, answer)]
    if not outside:
        return None
    return (
        f'{answer!r} is read from [{outside[0].id}] "{label_of(outside[0])}", which is not '
        "under the heading the goal's words name"
    )


def section_answer(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An answer refused by :func:`answer_off_section` turned into the value of the same
    shape ("¥20" for "¥4106") on the first row under the goal's heading that shows one; and
    why (None when unchanged)."""
    if answer_off_section(action, view, goal) is None or not isinstance(action, AnswerAction):
        return action, None
    found = _section_value(action, _goal_section(view, goal) or [])
    if found is None:
        return action, None
    row, value = found
    return AnswerAction(text=value), (
        f'[{row.id}] "{label_of(row)}", the first row under the goal\'s heading, shows {value}'
    )


def _section_value(action: AnswerAction, section: list[ViewItem]) -> tuple[ViewItem, str] | None:
    """The first row (a tappable item) of ``section`` with a value of the answer's shape
    ("¥20" for "¥4106"), and that value."""
    parts = _NUMBER.split(action.text.strip())
    shape = re.compile(_NUMBER.pattern.join(re.escape(p) for p in parts))
    for it in section:
        value = _value_in(it.text, shape) if it.clickable else None
        if value is not None:
            return it, value
    return None


def scroll_for_answer(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An answer that cannot be read here turned into a scroll down the screen's list, when
    one of the goal's names (:func:`_goal_names`) shows nowhere on the screen (its text and
    its app line); and why (None when unchanged: no answer, no such name, no list). The
    planner asks for it when it refuses an answer read off another row
    (:func:`unread_answer`): "How much does Cola cost" answered from the first dishes of a
    menu whose Cola is further down. Only for a goal that asks (:func:`asks_question`)."""
    if not isinstance(action, AnswerAction) or not asks_question(goal):
        return action, None
    missing = [name for name in _asked_names(goal) if not _name_shown(view, name, goal)]
    listed = _list_of(view)
    if not missing or listed is None:
        return action, None
    return ScrollAction(direction="down", element=listed.id), (
        f"the goal's {missing[0]} shows nowhere on this screen: scroll [{listed.id}] for it"
    )


#: a line that says its item or day cannot be had: "Sold out", "已售罄", "售罄", "无票"
_SOLD_OUT = re.compile(r"\bsold out\b|已售罄|售罄|已售完|无票", re.I)


def _in_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _place_named(view: ScreenView, goal: str) -> str:
    """The first line of the screen that is no button and whose whole words the goal says,
    other than an item it orders or a part of one: the restaurant's or the attraction's
    title ("Pizza Corner", "都江堰"); "" when none (another restaurant's page)."""
    target = fold(goal)
    ordered = [fold(name) for name in ordered_items(goal)]
    for item in view.items:
        key = fold(label_of(item))
        if item.clickable or len(key) < 2 or key not in target or _SOLD_OUT.search(item.text):
            continue
        if any(key in name for name in ordered) or dates_in(label_of(item)):
            continue
        return label_of(item)
    return ""


def _sold_out_lines(view: ScreenView, goal: str) -> tuple[list[ViewItem], str] | None:
    """The lines that show something the goal wants as sold out, and what it is: an item the
    goal orders (:func:`ordered_items`) whose line, or one of the next three lines before
    the next tappable one (its description, price and "Sold out": a sold-out dish has no
    tappable row), says so; else a day the goal names on a line that says so (a strip's day,
    a ticket page's chosen day). None when nothing is, or when no line names the goal's
    place (:func:`_place_named`: the dish may be sold out at another restaurant only)."""
    items = list(view.items)
    ordered = ordered_items(goal)
    names = {fold(n) for n in ordered}
    for name in ordered:
        for at, item in enumerate(items):
            if fold(label_of(item)) != fold(name):
                continue
            block = [item]
            for nxt in items[at + 1 : at + 4]:
                if nxt.clickable or fold(label_of(nxt)) in names:
                    break
                block.append(nxt)
            if any(_SOLD_OUT.search(it.text) for it in block):
                return (block, name) if _place_named(view, goal) else None
    wanted = dates_in(goal)
    days = [it for it in items if dates_in(it.text) & wanted and _SOLD_OUT.search(it.text)]
    if wanted and days and _place_named(view, goal):
        fields = [" ".join(f.split()) for f in days[0].text.split("|")]
        said = [f for f in fields if dates_in(f) and not _ISO_DATE.fullmatch(f)] or fields
        return days, said[0]
    return None


def sold_out_tap(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a line of the goal's sold-out item (:func:`_sold_out_lines`: its name,
    description, price, "Sold out"; not a tappable day, which a tap chooses) is futile, or
    None: a sold-out dish has no row to open.
    The model taps the dish's description, then the menu's "Pizza" header, then another
    dish."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    found = _sold_out_lines(view, goal)
    item = view.item(action.element)
    if found is None or item is None or item.clickable or item not in found[0]:
        return None  # a strip's sold-out day is tapped: the page then shows it chosen
    return f"[{action.element}] is a line of {found[1]}, which is sold out: a tap opens nothing"


def finish_sold_out(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """``finish(infeasible)`` saying what the screen shows sold out of what the goal wants
    (:func:`_sold_out_lines`), in the goal's language, in place of ``action``; and why (None
    when unchanged: nothing the goal wants shows sold out at the goal's place). The planner
    takes it when it refuses the model's action there (:meth:`Planner._instead`): the
    demonstrations end such a task with ``finish(infeasible)`` naming it, and the model tries
    another dish or day instead."""
    found = _sold_out_lines(view, goal)
    said = isinstance(action, FinishAction) and (
        action.status == "success" or _SOLD_OUT.search(action.message)
    )
    if found is None or said:  # a finish that gives up without the reason gets it
        return action, None
    lines, what = found
    place = _place_named(view, goal)
    day = bool(dates_in(what))
    if _in_chinese(goal):
        message = f"{place}{what}已售罄。" if day else f"{place}的{what}已售罄。"
    else:
        message = f"{place} is sold out on {what}." if day else f"{what} is sold out at {place}."
    return FinishAction(status="infeasible", message=message), (
        f'[{lines[0].id}] "{label_of(lines[0])}" shows the goal\'s {what} sold out at {place}'
    )


def day_to_goal(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap that goes on with a day the goal does not name (:func:`date_off_goal`) turned
    into the step toward the goal's day: a tap on the day (a strip's day, a date field the
    goal's day shows in), the form's one date field (which opens its date picker), or, when
    no day of the goal shows in a strip of days, a scroll of the strip toward it (right for a
    later day, left for an earlier one); and why (None when unchanged). The same for an
    answer read on another day (:func:`answer_off_day`) and a tap on another day of the
    strip (:func:`strip_day_off_goal`). The demonstrations pick the day,
    then buy or read: the model taps "Buy" on the first day for "on March 24"."""
    wanted = dates_in(goal)
    if calendar_day_off_goal(action, view, goal) is not None:
        cells = [it for it, day, _ in _calendar_days(view) if day in wanted]
        if len(cells) != 1:
            return action, None
        return TapAction(element=cells[0].id), (
            f'[{cells[0].id}] "{cells[0].text}" is the goal\'s day'
        )
    if (
        date_off_goal(action, view, goal) is None
        and answer_off_day(action, view, goal) is None
        and strip_day_off_goal(action, view, goal) is None
    ):
        return action, None
    days = _date_fields(view)
    goals = [it for it in days if dates_in(label_of(it)) & wanted]
    if len(goals) == 1:
        return TapAction(element=goals[0].id), (
            f'[{goals[0].id}] "{label_of(goals[0])}" is the goal\'s day'
        )
    if len(days) == 1:
        return TapAction(element=days[0].id), (
            f'[{days[0].id}] "{label_of(days[0])}" is the form\'s date: it opens the picker'
        )
    strip = _strip_of(view, days) if _strip_days(view) and not goals else None
    if strip is None:
        return action, None
    shown = sorted(d for it in days for d in dates_in(label_of(it)))
    if min(wanted) > shown[-1]:
        scroll = ScrollAction(direction="right", element=strip.id)
    elif max(wanted) < shown[0]:
        scroll = ScrollAction(direction="left", element=strip.id)
    else:
        return action, None  # the goal's day falls among the shown ones: not in this strip
    direction = scroll.direction
    return scroll, (
        f"the goal's day shows nowhere in [{strip.id}]: scroll it {direction} toward it"
    )


def _option_words(item: ViewItem) -> str:
    """The words an option is known by, before its price, count or number ("Second class ¥719
    34 left" → "Second class ", "Zhu Yu 4300****8426" → "Zhu Yu ", "二等座 ¥719 余34张" →
    "二等座 ")."""
    return re.split(r"[¥$€£]|\d|余|剩", label_of(item), maxsplit=1)[0]


def _choice_words(item: ViewItem) -> str:
    """The folded words an option is known by (:func:`_option_words`: "secondclass",
    "zhuyu", "二等座"); "" when they are too short to tell options apart."""
    key = fold(_option_words(item))
    return key if len(key) >= (2 if _in_chinese(key) else 4) else ""


def _choice_group(view: ScreenView, item: ViewItem) -> list[ViewItem]:
    """The options ``item`` is one of: the run of checkable items of its role around it in the
    screen's order (a radio group's seat classes, a list of passengers' checkboxes)."""
    items = list(view.items)
    at = next(k for k, it in enumerate(items) if it.id == item.id)
    lo = hi = at
    while lo > 0 and items[lo - 1].checkable and items[lo - 1].role == item.role:
        lo -= 1
    while hi + 1 < len(items) and items[hi + 1].checkable and items[hi + 1].role == item.role:
        hi += 1
    return items[lo : hi + 1]


def _goal_chooses(item: ViewItem, goal: str) -> bool:
    key = _choice_words(item)
    return bool(key) and key in fold(goal)


def leaves_choice(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that checks an option the goal does not name is wrong while an option of
    the same group that the goal does name is checked, or None: for a radio button it takes
    that one's place ("First class" for the goal's "Second class"), for a checkbox it adds
    what no one asked for (a second passenger beside the goal's Zhu Yu). Asked again after
    the refused re-tap of the checked "Second class", the model chose "First class"."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    item = view.item(action.element)
    if item is None or not item.checkable or item.checked or date_cell(item) is not None:
        return None
    if _goal_chooses(item, goal):
        return None
    group = _choice_group(view, item)
    chosen = [it for it in group if it.checked and _goal_chooses(it, goal)]
    if not chosen:
        others = [it for it in group if it.checked]
        if role_word(item.role) != "checkbox" or not others:
            return None
        if any(_goal_chooses(it, goal) for it in group):
            return None
        return (  # a second passenger when the goal names none: "for me"
            f'[{item.id}] "{label_of(item)}" would be chosen beside [{others[0].id}] '
            f'"{label_of(others[0])}", and the goal names none of them'
        )
    how = "take the place of" if role_word(item.role) == "radio" else "be chosen beside"
    return (
        f'[{item.id}] "{label_of(item)}" would {how} [{chosen[0].id}] '
        f'"{label_of(chosen[0])}", which the goal names'
    )


def clears_last_choice(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that unticks the one ticked checkbox of its group (two or more: a train
    order's passengers) is wrong when the goal names none of the group; None otherwise. The
    user's own name is ticked as the order opens: "Book train G1710 … for me" has no one
    else to tick, and the model, reading the friend the goal texts afterwards as a passenger
    ("The goal names the passenger Hu Jing"), cleared it and was told to choose one."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    item = view.item(action.element)
    if item is None or not item.checked or role_word(item.role) != "checkbox":
        return None
    group = _choice_group(view, item)
    if len(group) < 2 or any(it.checked and it.id != item.id for it in group):
        return None
    if any(_goal_chooses(it, goal) for it in group):
        return None
    return (
        f'a tap would clear [{item.id}] "{label_of(item)}", the one chosen of its group, and '
        "the goal names no other there"
    )


def form_done(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap on an option (refused: it would clear or replace one the goal names) turned into
    a tap on the screen's one button that goes on ("Submit order", "Search", "Buy", …) when
    every option on the screen that the goal names is checked (or it names none), or first
    on a checkbox the goal does not name that is checked beside them (a passenger ticked by
    default beside the goal's: untick it); and why (None when unchanged). The model fiddles
    with a train order's seat classes and passengers, all as the goal says (or with nothing
    said about them: "any class with seats"), for the rest of its steps."""
    if not isinstance(action, TapAction) or action.element is None:
        return action, None
    tapped = view.item(action.element)
    if tapped is None or not tapped.checkable:
        return action, None
    named = [it for it in view.items if it.checkable and _goal_chooses(it, goal)]
    buttons = [
        it
        for it in view.items
        if it.clickable
        and it.enabled
        and not it.checkable
        and (_PROCEED.match(label_of(it)) or _SEARCH.match(label_of(it)))
    ]
    if not all(it.checked for it in named):  # none named: nothing left to choose here
        return action, None
    extras = [
        it
        for chosen in named
        if role_word(chosen.role) != "radio"
        for it in _choice_group(view, chosen)
        if it.checked and not _goal_chooses(it, goal)
    ]
    if extras:  # a second passenger beside the goal's: one ticket too many
        return TapAction(element=extras[0].id), (
            f'[{extras[0].id}] "{label_of(extras[0])}" is chosen beside what the goal names, '
            "and the goal does not name it: untick it"
        )
    if len(buttons) != 1:
        return action, None
    shown = ", ".join(f'[{it.id}] "{label_of(it)}"' for it in named)
    what = (
        f"what the goal chooses here is chosen ({shown})"
        if named
        else ("the goal chooses nothing here")
    )
    return TapAction(element=buttons[0].id), (
        f'{what}: [{buttons[0].id}] "{label_of(buttons[0])}" goes on'
    )


def _tab_said(tab: ViewItem, goal: str) -> bool:
    """Whether the goal says a tab's word as a word of its own in lower case, with or without
    a plural "s" ("Flights" in "Book flight CZ4151"; not "Dumplings" in the name "Auntie
    Wang's Dumplings"); four letters at least. A Chinese goal writes names and words alike,
    and is never read this way."""
    word = label_of(tab).lower()
    if len(word) < 4 or not re.fullmatch(r"[a-z]+", word):
        return False
    stem = word[:-1] if word.endswith("s") else word
    return re.search(rf"\b{stem}s?\b", goal) is not None


def goal_tab(view: ScreenView, goal: str) -> ViewItem | None:
    """The one tab of the screen's tab bar that the goal says (:func:`_tab_said`) when the
    selected tab is one it does not say, and no item the goal orders shows on a row of this
    tab; else None. Travel opens on "Trains"; for "Book
    flight CZ4151" the model types the cities into the train form and books a train."""
    here = selected_tab(view)
    if here is None or _tab_said(here, goal) or _dialog_ids(view):
        return None  # a dialog's buttons come first
    said = [it for it in view.items if _is_tab(it) and it.clickable and _tab_said(it, goal)]
    rows = fold(" ".join(it.text for it in view.items if it.clickable and not _is_tab(it)))
    if len(said) != 1 or any(fold(name) in rows for name in ordered_items(goal)):
        return None
    return said[0]


def off_goal_tab(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why an action on this tab's content (a tap, typing, a scroll: not a tab, not a key) is
    wrong while the goal's tab (:func:`goal_tab`) is another, or None."""
    element = getattr(action, "element", None)
    item = view.item(element) if isinstance(element, int) else None
    tab = goal_tab(view, goal) if item is not None and not _is_tab(item) else None
    here = selected_tab(view)
    if tab is None or here is None:
        return None
    return f'[{here.id}] "{label_of(here)}" is not the goal\'s tab: [{tab.id}] "{label_of(tab)}" is'


def to_goal_tab(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An action refused by :func:`off_goal_tab` turned into a tap on the goal's tab; and
    why (None when unchanged)."""
    tab = goal_tab(view, goal) if off_goal_tab(action, view, goal) is not None else None
    if tab is None:
        return action, None
    return TapAction(element=tab.id), f'[{tab.id}] "{label_of(tab)}" is the goal\'s tab'


#: a goal that asks for a coupon: "with the coupon that saves the most", "使用优惠最多的红包"
_COUPON_GOAL = re.compile(r"\b(?:coupons?|vouchers?|promo code)\b|红包|优惠券|优惠", re.I)
#: a checkout's coupon row: "Coupons | 2 available", "Vouchers | …", "红包 | 2个可用", "优惠券 | …"
_COUPON_ROW = re.compile(r"(?:coupons?|vouchers?)\b|红包|优惠券", re.I)
#: a coupon row's applied saving: "Coupons | -¥5", "红包 | -¥5"
_SAVED = re.compile(r"[-−–]\s*[¥$€£]\s*\d")
#: a coupon row with nothing to choose: "0 available", "暂无可用", "none"
_NONE_LEFT = re.compile(r"(?<![\d.])0(?![\d.])|暂无|无可用|\bnone\b", re.I)


def _unused_coupon_row(view: ScreenView, goal: str) -> ViewItem | None:
    """The screen's one tappable coupon row (:data:`_COUPON_ROW`) when the goal asks for a
    coupon (:data:`_COUPON_GOAL`) and the row shows no saving applied; else None."""
    if not _COUPON_GOAL.search(goal):
        return None
    rows = [it for it in view.items if it.clickable and _COUPON_ROW.match(label_of(it))]
    if len(rows) != 1 or _SAVED.search(rows[0].text) or _NONE_LEFT.search(rows[0].text):
        return None
    return rows[0]


#: a goal that wants the coupon worth the most: "the coupon that saves the most", "the best
#: voucher", "the biggest coupon", "优惠最多的红包", "最划算的优惠券"
_BEST_COUPON = re.compile(
    r"\b(?:coupon|voucher)s? (?:that|which) saves? (?:you )?the most\b"
    r"|\b(?:best|biggest|largest) (?:coupon|voucher)\b|优惠最多|最划算|最大的(?:红包|优惠券)",
    re.I,
)


def _coupon_rows(view: ScreenView) -> list[tuple[ViewItem, float]]:
    """The coupons a tap uses (tappable rows whose first field is an amount), with their
    worth; the ones "not applicable" show no tap."""
    rows = []
    for it in view.items:
        # its worth is its first field: "¥10 | ¥10 off orders over ¥50 | Tap to use"
        worth = _FARE.fullmatch(it.text.split("|")[0].strip()) if it.clickable else None
        if worth is not None and "|" in it.text:
            rows.append((it, float(worth.group(1))))
    return rows


def _best_coupon(view: ScreenView, goal: str) -> tuple[ViewItem, float] | None:
    if not _BEST_COUPON.search(goal):
        return None
    rows = _coupon_rows(view)
    return max(rows, key=lambda r: r[1]) if len(rows) > 1 else None


def lesser_coupon(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why anything but a tap on the coupon that saves the most of those this list lets the
    order use is wrong, for a goal that wants that one; None otherwise. The model took the ¥5
    coupon with a ¥10 one under it; at another seed it tapped a ¥12 coupon "not applicable
    to this cart" (no tap there), then gave up: "This cart is empty."."""
    best = _best_coupon(view, goal)
    if best is None:
        return None
    if isinstance(action, TapAction) and action.element == best[0].id:
        return None
    tapped = next((r for r in _coupon_rows(view) if r[0].id == _tap_of(action)), None)
    if tapped is not None and tapped[1] >= best[1]:
        return None
    return f'[{best[0].id}] "{label_of(best[0])}" is the usable coupon that saves the most'


def _tap_of(action: Action) -> int | None:
    return action.element if isinstance(action, TapAction) else None


def best_coupon(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A coupon refused by :func:`lesser_coupon` turned into the one worth the most."""
    best = _best_coupon(view, goal)
    if best is None or lesser_coupon(action, view, goal) is None:
        return action, None
    return TapAction(element=best[0].id), f'[{best[0].id}] "{label_of(best[0])}" saves the most'


def unused_coupon(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that goes on (:data:`_PROCEED`: "Submit order", "Place order", "提交订单")
    is wrong while the goal asks for a coupon and the checkout's coupon row shows none
    applied ("Coupons | 2 available"), or None. The model submitted the order at full price
    for "with the coupon that saves the most"."""
    item = _going_on(action, view, _PROCEED)
    row = _unused_coupon_row(view, goal) if item is not None else None
    if item is None or row is None:
        return None
    return (
        f"[{item.id}] goes on with no coupon applied, and the goal asks for one: [{row.id}] "
        f'"{" ".join(row.text.split())}" chooses it'
    )


def open_coupons(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap refused by :func:`unused_coupon` turned into a tap on the coupon row (the
    coupons to choose from open there); and why (None when unchanged). Which coupon saves
    the most is the model's to read."""
    row = _unused_coupon_row(view, goal) if unused_coupon(action, view, goal) else None
    if row is None:
        return action, None
    return TapAction(element=row.id), f'[{row.id}] "{label_of(row)}" opens the coupons'


#: a goal about the user's own past order or booking: "Order my last FoodGo order again",
#: "Cancel my train ticket", "When is my MealDash order … expected", "上一单", "退掉我…的火车票"
_MY_RECORDS = re.compile(
    r"\bmy (?:[\w'-]+ ){0,3}?(?:orders?|tickets?|bookings?|reservations?)\b"
    r"|上一单|我在.{0,20}?订单|退掉我",
    re.I,
)
#: the button or tab that lists them: "My orders", "Orders", "My trips", "订单", "我的行程"
_RECORDS = re.compile(r"(?:my )?(?:orders|trips|bookings)|(?:我的)?(?:订单|行程)", re.I)


def records_item(view: ScreenView, goal: str) -> ViewItem | None:
    """The screen's one tappable, unselected item that lists the user's orders or bookings
    (:data:`_RECORDS`) when the goal is about one of them (:data:`_MY_RECORDS`) and no dialog
    is open; else None."""
    if not _MY_RECORDS.search(goal) or _dialog_ids(view):
        return None
    found = [
        it
        for it in view.items
        if it.clickable and not it.selected and _RECORDS.fullmatch(label_of(it))
    ]
    return found[0] if len(found) == 1 else None


def off_records(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why an action on anything else of a screen that has the list of the user's orders a
    tap away (:func:`records_item`) is wrong for a goal about one of them, or None: the
    model typed the cities of "Cancel my train ticket for G852 …" into the search form and
    booked a new ticket, and opened Noodle Bar 88 for "Order my last FoodGo order (from
    Noodle Bar 88) again" and ordered a dish it had never ordered."""
    element = getattr(action, "element", None)
    records = records_item(view, goal) if isinstance(element, int) else None
    if records is None or element == records.id:
        return None
    return (
        f"the goal is about an order or booking of its own: [{records.id}] "
        f'"{label_of(records)}" lists them'
    )


def to_records(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An action refused by :func:`off_records` turned into a tap on the list of the user's
    orders; and why (None when unchanged)."""
    records = records_item(view, goal) if off_records(action, view, goal) else None
    if records is None:
        return action, None
    return TapAction(element=records.id), f'[{records.id}] "{label_of(records)}" lists them'


#: a goal that orders one of the user's orders again: "Order my last FoodGo order (from
#: Spicy Garden) again", "把上一单（麻辣园）再来一单"
_AGAIN_GOAL = re.compile(r"\border\b[^.;]*\bagain\b|\breorder\b|再来一单|再点一次|再下一单", re.I)
#: the order page's button that orders it again: "Order again", "Reorder", "再来一单", "再次购买"
_AGAIN = re.compile(r"order again|reorder|再来一单|再次购买", re.I)


def reorder_button(view: ScreenView, goal: str) -> ViewItem | None:
    """The one enabled "Order again" button of an order's page whose restaurant the goal
    names (a line of its own, no button, whose words the goal says), for a goal that orders
    that order again (:data:`_AGAIN_GOAL`); else None."""
    if not _AGAIN_GOAL.search(goal):
        return None
    buttons = [
        it for it in view.items if it.clickable and it.enabled and _AGAIN.fullmatch(label_of(it))
    ]
    if len(buttons) != 1:
        return None
    target = fold(goal)
    named = any(
        not it.clickable and len(key := fold(label_of(it))) >= 2 and key in target
        and not _AGAIN.search(label_of(it))
        for it in view.items
    )  # fmt: skip
    return buttons[0] if named else None


def off_reorder(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why anything but "Order again" is wrong on the page of the order the goal orders again
    (:func:`reorder_button`), or None. The model on that page answered the restaurant's name,
    tapped its lines and the total, and went on to MealDash (seed 2007)."""
    button = reorder_button(view, goal)
    if button is None or getattr(action, "element", None) == button.id:
        return None
    return f'the goal orders this order again: [{button.id}] "{label_of(button)}" does'


def to_reorder(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """An action refused by :func:`off_reorder` turned into a tap on "Order again"; and why
    (None when unchanged)."""
    button = reorder_button(view, goal) if off_reorder(action, view, goal) else None
    if button is None:
        return action, None
    return TapAction(element=button.id), f'[{button.id}] "{label_of(button)}" orders it again'


#: a train's or flight's number: "G757", "D773", "CZ4151"
_CODE = re.compile(r"\b(?:[A-Z]{1,2}|[A-Z]\d|\d[A-Z])\d{2,5}\b")  # G742, CZ4151, 9C9238, 3U8888


def wrong_code(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a row known by a train's or flight's number (:data:`_CODE`: its words are
    "G1229") is wrong when the goal names numbers of that kind and not this one, or None. The
    model opened the first train of the list, G1229, for "Book flight CZ4151" and for
    "Cancel my train ticket for G852"."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    item = view.item(action.element)
    wanted = set(_CODE.findall(goal))
    if item is None or not wanted or not _CODE.fullmatch(label_of(item)):
        return None
    if label_of(item) in wanted:
        return None
    return f'[{item.id}] "{label_of(item)}" is not the goal\'s ' + " or ".join(sorted(wanted))


def code_row(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap refused by :func:`wrong_code` turned into a tap on the one row known by the
    goal's number, or, with none on the screen, a scroll of the list for it; and why (None
    when unchanged)."""
    if wrong_code(action, view, goal) is None:
        return action, None
    wanted = set(_CODE.findall(goal))
    rows = [it for it in view.items if it.clickable and label_of(it) in wanted]
    if len(rows) == 1:
        return TapAction(element=rows[0].id), f'[{rows[0].id}] "{label_of(rows[0])}" is the goal\'s'
    listed = _list_of(view)
    if rows or listed is None:
        return action, None
    return ScrollAction(direction="down", element=listed.id), (
        f"the goal's {' or '.join(sorted(wanted))} shows nowhere on this screen: scroll "
        f"[{listed.id}] for it"
    )


#: a goal that asks to text someone: "…, then text the booking confirmation to Zhao Jianguo",
#: "然后把订单确认信息发短信给赵建国"; not "Huang Ning texted me" nor "the wallet will text a
#: verification code"
_TEXT_SOMEONE = re.compile(
    r"\b(?:text|message|send)\s+(?:the|a|an|my|this|that)\b[^.;]*?\bto\s+[A-Z]"
    r"|发短信给|短信发给|发消息给|发给\S{1,12}(?:短信|消息)"
)
#: a messaging app's package: "com.google.android.apps.messaging", "com.android.mms"
_MESSAGING = re.compile(r"messag|mms|sms", re.I)


def unsent_message(action: Action, goal: str, seen: Collection[str]) -> str | None:
    """Why ``finish(success)`` is wrong when the goal asks to text someone
    (:data:`_TEXT_SOMEONE`) and no messaging app (:data:`_MESSAGING`) was on the screen in
    this episode (``seen``: the packages of its screens), or None. The model booked and paid
    for "…, then text the booking confirmation to Zhao Jianguo" and finished there."""
    if not isinstance(action, FinishAction) or action.status != "success":
        return None
    if not _TEXT_SOMEONE.search(goal) or any(_MESSAGING.search(p) for p in seen):
        return None
    return "the goal asks to text someone, and no message was written in this episode"


#: a goal that pays for several things one by one: "pay for each with the wallet", "每笔都…支付"
_PAY_EACH = re.compile(r"\bpay for (?:each|every|all)\b|每笔|分别支付", re.I)
#: the things such a goal books or buys, each paid for on its own
_PARTS = (
    ("train", re.compile(r"\btrain\b|火车|高铁|动车", re.I)),
    ("flight", re.compile(r"\bflight\b|机票|航班", re.I)),
    ("hotel", re.compile(r"\bhotel\b|酒店|宾馆", re.I)),
    ("tickets", re.compile(r"\btickets?\b(?:\(s\))?|门票|成人票|儿童票", re.I)),
)
#: a payment that went through, as the wallet says it: "Payment successful", "支付成功"
PAID = re.compile(r"payment successful|paid successfully|支付成功", re.I)


def unpaid_parts(action: Action, goal: str, paid: int) -> str | None:
    """Why ``finish(success)`` is wrong for a goal that pays for several things one by one
    (:data:`_PAY_EACH`; a train, a hotel, tickets: :data:`_PARTS`) while fewer payments went
    through this episode (``paid``: the planner counts the screens that said so, :data:`PAID`,
    the same payee and amount once), or None. The model paid for the train and the tickets of
    "Plan my trip" and finished without the hotel (seed 2006), and paid for the tickets twice
    after a train payment that failed (seed 2007)."""
    if not isinstance(action, FinishAction) or action.status != "success":
        return None
    if not _PAY_EACH.search(goal):
        return None
    parts = [name for name, pattern in _PARTS if pattern.search(goal)]
    if len(parts) < 2 or paid >= len(parts):
        return None
    return (
        f"the goal pays for {len(parts)} things one by one ({', '.join(parts)}), and "
        f"{paid} payment{'s' if paid != 1 else ''} went through in this episode"
    )


#: a button that shares what the screen shows: "Share", "分享"
_SHARE = re.compile(r"share\b.*|分享.*", re.I)


def share_it(
    action: Action, view: ScreenView, goal: str, seen: Collection[str]
) -> tuple[Action, str | None]:
    """A finish refused by :func:`unsent_message` turned into a tap on the screen's one
    share button (the confirmation goes out by text from there); and why (None when
    unchanged)."""
    if unsent_message(action, goal, seen) is None:
        return action, None
    buttons = [it for it in view.items if it.clickable and _SHARE.fullmatch(label_of(it))]
    if len(buttons) != 1:
        return action, None
    return TapAction(element=buttons[0].id), (
        f'[{buttons[0].id}] "{label_of(buttons[0])}" sends it on'
    )


#: a goal that gets or changes something, not only asks: "Buy", "order", "book", "pay", "买",
#: "点1份", "订…票"; not the "点" of "几点" (what time) nor the "订" of "订单" (an order)
_DOES = re.compile(
    r"\b(?:buy|order|book|pay|add|send|cancel)\b|买|点(?=\d|一|份)|订(?!单)|支付|取消|发",
    re.I,
)


def unasked_count(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a stepper's raise or lower button ("More Adult") is wrong for a goal that
    only asks (:func:`asks_question`, and no word of buying, ordering, booking or paying), or
    None. For "How many Adult tickets for West Lake Cruise are left on March 18?" the model
    tapped "More Adult" seventeen times on the right day instead of answering."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    item = view.item(action.element)
    if item is None or not asks_question(goal) or _DOES.search(_QUOTED.sub(" ", goal)):
        return None
    name = raised_item(item)
    name = name if name is not None else raised_item(item, lower=True)
    if name is None:
        return None
    return f'[{item.id}] "{label_of(item)}" changes a count, and the goal only asks a question'


def answer_shown(action: Action, view: ScreenView) -> bool:
    """Whether an answer says what the screen shows: each number in it shows on the screen
    as written (:func:`_shows`), or, with no number, its words do. An answer the model gives
    in place of another action, asked again, must (the planner keeps no other): for the
    remaining Adult tickets it once answered "Fleet-footed fairies"."""
    if not isinstance(action, AnswerAction):
        return False
    numbers = re.findall(r"\d+(?:[.:]\d+)?", action.text)
    if numbers:
        return all(_shows(view.text, n) for n in numbers)
    return bool(fold(action.text)) and fold(action.text) in fold(view.text)


#: a goal that sends its order to an address: "… texted me a new address. Send … there",
#: "delivered to its address", "送到它的地址", "送到新地址“…”"
_ADDRESS_GOAL = re.compile(r"\baddress\b|地址", re.I)
#: an address line: "238 Chaoyang Street, Jinjiang District, Chengdu", "Room 1101, Building 7,
#: Pine Hill, 211 Xinhua Street, …", "成都市锦江区朝阳街238号", "…新华街211号松山苑7号楼1101室"
_ADDRESS = re.compile(
    r"\b\d+[A-Za-z]?\s+(?:[A-Z][\w'’.-]*\s+){1,4}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Boulevard|Blvd|Drive|Way)\b"
    r"|(?:路|街|大道|巷)\d+号"
)
#: an address book's button that adds one: "Add address", "New address", "新增地址", "添加新地址"
_NEW_ADDRESS = re.compile(
    r"(?:add(?: an?)?|new)\s+(?:delivery\s+)?address|(?:新增|添加新?|新建)(?:收货)?地址", re.I
)
#: the label of an address form's street field: "Street address", "详细地址"
_STREET = re.compile(r"street|address|详细地址|地址", re.I)
#: a form's button that keeps what it holds: "Save", "保存"
_SAVE = re.compile(r"save|保存", re.I)


def _quoted_address(goal: str) -> str:
    """The first words a goal quotes that are an address ("delivered to a new address:
    "238 Chaoyang Street, …""); "" when none."""
    for found in _QUOTED.finditer(goal):
        words = next(g for g in found.groups() if g)
        if _ADDRESS.search(words):
            return words
    return ""


def _says_name(item: ViewItem, target: str) -> bool:
    """Whether ``item`` is a line whose whole words are a name the folded goal ``target`` says
    (at least four letters, or two Chinese characters), other than an address."""
    key = fold(item.text)
    long_enough = len(key) >= 4 or (_in_chinese(key) and len(key) >= 2)
    return long_enough and key in target and not _ADDRESS.search(item.text)


def read_address(view: ScreenView, goal: str) -> str | None:
    """The address a screen gives for a goal that sends its order to an address it does not
    spell out (:data:`_ADDRESS_GOAL`, no quoted address: "Ma Yong texted me a new address.
    Send … there", "Look up Corner Bookshop Café in Maps and have … delivered to its
    address"): the last line no one taps whose words are an address (:data:`_ADDRESS`), on a
    screen with a line no one taps that is a name the goal says (the friend's conversation,
    the place's page; a list's rows are tapped, and name no one line). None otherwise. The
    planner keeps it for the screens of another app, where the order is placed
    (:func:`goal_address`): the model reads the address, and at the checkout it has nothing
    of it left to type."""
    if not _ADDRESS_GOAL.search(goal) or _quoted_address(goal):
        return None
    tapped = _tapped(view)  # a message is long-pressed (its menu), not tapped: a line
    lines = [it for it in view.items if it.id not in tapped and not it.editable and it.text]
    target = fold(goal)
    if not any(_says_name(it, target) for it in lines):
        return None
    found = [" ".join(it.text.split()) for it in lines if _ADDRESS.search(it.text)]
    return found[-1] if found else None


#: the flags that end a rendered line: "(tap)", "(long)", "(tap, focused)"
_FLAGS = re.compile(r"^\[(\d+)\].*\(([a-z, ]+)\)$")


def _tapped(view: ScreenView) -> set[int]:
    """The ids of the screen's items that a tap acts on (rendered with the flag "tap")."""
    found = (_FLAGS.match(line) for line in view.text.splitlines())
    return {int(m.group(1)) for m in found if m and "tap" in m.group(2).split(", ")}


def goal_address(goal: str, read: dict[str, str], package: str) -> str:
    """The address the goal's order goes to: the one it quotes, else the last one read
    (:func:`read_address`, by app package, in the order read) on the screens of an app other
    than ``package`` (the one the order is placed in); "" when there is none."""
    quoted = _quoted_address(goal)
    if quoted or not _ADDRESS_GOAL.search(goal):
        return quoted
    others = [line for pkg, line in read.items() if pkg != package]
    return others[-1] if others else ""


def _shows_address(text: str, address: str) -> bool:
    """Whether ``text`` (a row's words, a field's) shows ``address``, whole or shortened with
    "…"."""
    want = fold(address)
    if want in fold(text):
        return True
    for part in text.split("|"):
        key = fold(part)
        if key.endswith("…") and len(key) > 10 and want.startswith(key[:-1].rstrip()):
            return True
    return False


def _address_rows(view: ScreenView) -> list[ViewItem]:
    """The rows of the screen that a tap opens or chooses and whose words hold an address
    (a checkout's "Delivery address | Room 204, …", an address book's entries)."""
    return [it for it in view.items if it.clickable and _ADDRESS.search(it.text)]


def _address_book(view: ScreenView) -> ViewItem | None:
    """An address book's one button that adds an address (:data:`_NEW_ADDRESS`), on a screen
    that lists at least one; None on any other screen."""
    adds = [it for it in view.items if it.clickable and _NEW_ADDRESS.fullmatch(label_of(it))]
    return adds[0] if len(adds) == 1 and _address_rows(view) else None


def _street_field(view: ScreenView) -> tuple[ViewItem, ViewItem] | None:
    """An address form's street field (the text field after a line like "Street address",
    "详细地址") and its save button, on a screen with one of each; None elsewhere."""
    items = list(view.items)
    fields = [
        b
        for a, b in itertools.pairwise(items)
        if b.editable and not a.clickable and not a.editable and _STREET.search(label_of(a))
    ]
    saves = [it for it in items if it.clickable and _SAVE.fullmatch(label_of(it))]
    return (fields[0], saves[0]) if len(fields) == 1 and len(saves) == 1 else None


def address_off_goal(action: Action, view: ScreenView, address: str) -> str | None:
    """Why ``action`` does not take the order to ``address`` (:func:`goal_address`), or None
    (no address, or it does). At a checkout, a tap that places the order (:data:`_PROCEED`,
    not an add) while its one address row shows another address; in an address book
    (:func:`_address_book`), anything but a tap on the entry that shows the address, or on
    the add button when none does; on an address form (:func:`_street_field`), typing other
    words into its street field, or saving while the field does not show the address. The
    model goes to the friend's message, then orders to its home address."""
    if not address:
        return None
    item = _going_on(action, view, _PROCEED)
    rows = _address_rows(view)
    if item is not None and not _ADD.match(label_of(item)) and len(rows) == 1:
        if _shows_address(rows[0].text, address):
            return None
        shown = next((p.strip() for p in rows[0].text.split("|") if _ADDRESS.search(p)), "")
        return (
            f'[{item.id}] places the order to "{shown}", and it goes to "{address}": '
            f"[{rows[0].id}] changes the address"
        )
    add = _address_book(view)
    if add is not None:
        target = _book_target(view, add, address)
        if isinstance(action, TapAction) and action.element == target.id:
            return None
        return f'the goal\'s address "{address}" is to be chosen here: [{target.id}]'
    form = _street_field(view)
    if form is None:
        return None
    street, save = form
    if isinstance(action, TypeAction) and action.element == street.id:
        if fold(action.text) == fold(address):
            return None
        return f'[{street.id}] is for the goal\'s address "{address}", not "{action.text}"'
    if isinstance(action, TapAction) and action.element == save.id:
        if _shows_address(street.text, address):
            return None
        return f'[{save.id}] saves an address that is not the goal\'s "{address}"'
    return None


def _book_target(view: ScreenView, add: ViewItem, address: str) -> ViewItem:
    """The address book's entry that shows ``address``, else its add button."""
    return next((it for it in _address_rows(view) if _shows_address(it.text, address)), add)


def to_address(action: Action, view: ScreenView, address: str) -> tuple[Action, str | None]:
    """An action that does not take the order to ``address`` (:func:`address_off_goal`)
    turned into the next step toward it: the checkout's address row, the address book's entry
    for it (or its add button), or typing it into the form's street field; and why (None when
    unchanged). The demonstrations change the address before they place the order."""
    if address_off_goal(action, view, address) is None:
        return action, None
    form = _street_field(view)
    add = _address_book(view)
    if add is not None:
        target = _book_target(view, add, address)
        return TapAction(element=target.id), f'[{target.id}] "{label_of(target)}" leads to it'
    if form is not None:
        street = form[0]
        return TypeAction(text=address, element=street.id), (
            f"[{street.id}] is the street field: the address goes there"
        )
    rows = _address_rows(view)
    return TapAction(element=rows[0].id), f"[{rows[0].id}] is the address row"


#: a goal that asks for the fastest of a list: "the fastest train", "耗时最短的一趟火车"
_FASTEST = re.compile(r"\b(?:fastest|quickest)\b|耗时最短|最快", re.I)
#: a goal that asks for the cheapest of a list: "the cheapest second-class train ticket",
#: "最便宜的二等座火车票"
_CHEAPEST = re.compile(r"\bcheapest\b|最便宜", re.I)
#: a row's time on the way: "5h 01m", "3小时30分"
_DURATION = re.compile(r"\b(\d+)\s*h\s*(\d+)\s*m\b|(\d+)\s*小时\s*(\d+)\s*分")
_FARE = re.compile(r"[¥$€£]\s*(\d+(?:\.\d+)?)")


def _row_measure(item: ViewItem, goal: str) -> float | None:
    """What a result row ("G1363 | 07:10 → 12:11 | 5h 01m | Business ¥1915 1 left | …") is
    worth to a goal that asks for the fastest (its minutes) or the cheapest in a class the
    goal names (that class's fare): infinite when no such fare has seats left; None when the
    row says nothing of it."""
    fields = [" ".join(f.split()) for f in item.text.split("|")]
    fares = [f for f in fields if _FARE.search(f) and not _SOLD_OUT.search(f)]
    if _FASTEST.search(goal):
        took = next((m for f in fields for m in [_DURATION.search(f)] if m), None)
        if took is None or not any(_FARE.search(f) for f in fields):
            return None
        hours, minutes = (int(g) for g in took.groups() if g is not None)
        return hours * 60 + minutes if fares else math.inf  # no seats: no choice
    if _CHEAPEST.search(goal):
        target = fold(goal)
        classed = [f for f in fields if _FARE.search(f)]
        named = [f for f in classed if (k := fold(_FARE.split(f)[0])) and k in target]
        if not named:
            return None
        open_fares = [
            float(m.group(1)) for f in named if f in fares for m in [_FARE.search(f)] if m
        ]
        return min(open_fares) if open_fares else math.inf
    return None


def _best_row(view: ScreenView, goal: str) -> tuple[ViewItem, float] | None:
    """The row of the screen the goal's "fastest" or "cheapest" picks among those shown
    (:func:`_row_measure`, the first of equals), and its measure; None with fewer than two
    such rows."""
    rows = [
        (it, m) for it in view.items if it.clickable and (m := _row_measure(it, goal)) is not None
    ]
    if len(rows) < 2:
        return None
    best = min(rows, key=lambda r: r[1])
    return best if best[1] != math.inf else None


def not_the_best(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap on a result row is wrong for a goal that asks for the fastest or the
    cheapest (:func:`_row_measure`) while another row shown is faster or cheaper, or None.
    The model opens the third train of the list for "the fastest train"."""
    if not isinstance(action, TapAction) or action.element is None:
        return None
    item = view.item(action.element)
    measure = _row_measure(item, goal) if item is not None and item.clickable else None
    best = _best_row(view, goal) if measure is not None else None
    if item is None or measure is None or best is None or measure <= best[1]:
        return None
    way = "fastest" if _FASTEST.search(goal) else "cheapest"
    return (
        f'[{item.id}] "{label_of(item)}" is not the {way} shown: [{best[0].id}] '
        f'"{label_of(best[0])}" is'
    )


def best_row(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap on a row that is not the fastest or cheapest shown (:func:`not_the_best`)
    turned into a tap on the one that is; and why (None when unchanged)."""
    if not_the_best(action, view, goal) is None:
        return action, None
    best = _best_row(view, goal)
    assert best is not None
    return TapAction(element=best[0].id), f'[{best[0].id}] "{label_of(best[0])}" is the one'


def unchosen_option(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why a tap that goes on (:data:`_PROCEED`: "Add to basket ¥49", "Submit order"), adds
    a new passenger or falls on a chosen option the goal names (:func:`_unchosen`) is
    wrong while an option the goal names (:func:`_names_option`: "Medium", "Large" of
    "2 × Boiled Fish in Chilli Oil (Medium, Large)", a passenger, a seat class) is not
    checked; None otherwise. A radio group in which the goal names more than one option, or
    one of which is checked, is left alone. The model adds the dish with the sheet's first
    options."""
    off = _unchosen(action, view, goal)
    if off is None:
        return None
    item, option = off
    return (
        f'a tap on [{item.id}] "{label_of(item)}" while [{option.id}] "{label_of(option)}", '
        "which the goal names, is not chosen"
    )


def _names_option(option: ViewItem, goal: str) -> bool:
    """Whether the goal names ``option`` as a whole: its words before a price or number
    (:func:`_choice_words`) as words of the goal ("Second class" in "second-class", "Large"
    in "(Medium, Large)"; not "A (window)" in "a window seat"); in Chinese, within the
    goal's words."""
    if not _goal_chooses(option, goal):
        return False
    if _in_chinese(label_of(option)):
        return True
    words = re.findall(r"[^\W\d_]+", _option_words(option))
    if not words or any(len(w) < 2 for w in words):
        return False
    phrase = r"[\W_]*".join(re.escape(w) for w in words)
    return re.search(rf"(?<![^\W\d_]){phrase}(?![^\W\d_])", goal, re.I) is not None


#: a button that adds a person to a form's list: "Add passenger", "Add traveller", "新增乘客"
_NEW_PERSON = re.compile(
    r"add (?:a )?(?:passenger|traveller|traveler|guest|visitor)|(?:新增|添加)(?:乘客|旅客|游客)",
    re.I,
)


def _unchosen(action: Action, view: ScreenView, goal: str) -> tuple[ViewItem, ViewItem] | None:
    """For :func:`unchosen_option`: the tapped item and the option left unchosen. The tap
    goes on (:data:`_PROCEED`), adds a new person while the goal's is listed
    (:data:`_NEW_PERSON`), or falls on an option the goal names that is chosen already (the
    model taps "Business", on, again and again while the goal's passenger is unticked)."""
    item = _going_on(action, view, _PROCEED, _NEW_PERSON)
    if item is None and isinstance(action, TapAction) and action.element is not None:
        tapped = view.item(action.element)
        if tapped is not None and tapped.checkable and tapped.checked:
            item = tapped if _names_option(tapped, goal) else None
    if item is None:
        return None
    for option in view.items:
        if not option.checkable or option.checked or not option.enabled:
            continue
        if date_cell(option) is not None or not _names_option(option, goal):
            continue
        named = [it for it in _choice_group(view, option) if _goal_chooses(it, goal)]
        if role_word(option.role) == "radio" and (
            len(named) > 1 or any(it.checked for it in named)
        ):
            continue
        return item, option
    return None


def choose_option(action: Action, view: ScreenView, goal: str) -> tuple[Action, str | None]:
    """A tap that goes on with an option the goal names unchosen (:func:`unchosen_option`)
    turned into a tap on that option; and why (None when unchanged)."""
    off = _unchosen(action, view, goal)
    if off is None:
        return action, None
    option = off[1]
    return TapAction(element=option.id), f'[{option.id}] "{label_of(option)}" is the goal\'s'


def wrong_app(action: Action, view: ScreenView, goal: str, apps: dict[str, str]) -> str | None:
    """Why ``action`` is wrong in an app the goal does not name while it says to do it with
    another app opened this episode (:func:`_goal_apps`; ``apps``: the name each app
    package was opened by), or None: a tap that goes on (:data:`_PROCEED`: "Add to cart",
    "Submit order"), or anything but opening an app on a screen that shows the shop the goal
    orders from or an item it orders (the goal's order, begun in the wrong app; a friend's
    text read in Messages is left alone). "Send … there with MealDash": the model went from
    MealDash to FoodGo and paid there."""
    here = apps.get(view.package)
    if here is None or fold(here) in fold(goal) or isinstance(action, OpenAppAction):
        return None
    item = _going_on(action, view, _PROCEED)
    wanted = {fold(n) for n in ordered_items(goal)}
    wanted |= {fold(m.group(1)) for m in _FROM_SHOP.finditer(goal)}
    wanted.discard("")
    shown = next((it for it in view.items if fold(label_of(it)) in wanted), None)
    named = _goal_apps(goal, apps)
    if not named:
        return None
    says = " and ".join(named)
    if item is not None:
        return f"[{item.id}] goes on in {here}, and the goal says {says}"
    if shown is not None:
        return f'[{shown.id}] "{label_of(shown)}" is in {here}, and the goal says {says}'
    return None


def _goal_apps(goal: str, apps: dict[str, str]) -> list[str]:
    """The names of the apps opened this episode that the goal says to do it with ("with
    MealDash", "on FoodGo", "using …", "用美食达", "在饭来了上"), in the order opened."""
    return [
        name
        for name in apps.values()
        if re.search(
            rf"\b(?:with|on|using|via)\s+{re.escape(name)}\b|用{re.escape(name)}|在{re.escape(name)}上",
            goal,
            re.I,
        )
    ]


def to_goal_app(
    action: Action, view: ScreenView, goal: str, apps: dict[str, str]
) -> tuple[Action, str | None]:
    """A tap that goes on in an app the goal does not name (:func:`wrong_app`) turned into
    opening the app the goal says (the last one opened, when it says more than one); and why
    (None when unchanged)."""
    if wrong_app(action, view, goal, apps) is None:
        return action, None
    name = _goal_apps(goal, apps)[-1]
    return OpenAppAction(name=name), f"the goal says {name}"


def unfounded_infeasible(
    thought: str, action: Action, view: ScreenView, goal: str, tried: Collection[str] = ()
) -> str | None:
    """Why a finish that gives up (``infeasible``) is wrong, or None: the goal's item shows
    sold out here (:func:`_sold_out_lines`) and the finish does not say so (the task's reason
    is lost: :func:`finish_sold_out` says it), or it shows nowhere here while a tab is left to
    look under (:func:`tab_for_unseen`). The model gave up on Kung Pao Chicken under the
    "Noodles" tab with "The goal is not done enough."."""
    if not isinstance(action, FinishAction) or action.status != "infeasible":
        return None
    found = _sold_out_lines(view, goal)
    if found is not None:
        if _SOLD_OUT.search(action.message):
            return None
        return f"{found[1]} shows sold out here, and the finish does not say so"
    _, why = tab_for_unseen(thought, action, view, goal, tried)
    return None if why is None else f"the finish gives up while {why}"


#: a goal that asks for a number: "How many Adult tickets …", "How much does …", "还剩多少张",
#: "几点送到"
_HOW_MANY = re.compile(r"\bhow (?:many|much)\b|多少|几[张个份位点天]", re.I)


#: a goal that asks for a count: "how many", "多少张", "几张", "还剩多少"
_HOW_MANY_COUNT = re.compile(r"\bhow many\b|多少(?:张|个|份|位)|几(?:张|个|份|位)|还剩多少", re.I)


def numberless_answer(action: Action, goal: str) -> str | None:
    """Why an answer with no digit in it is wrong for a goal that asks for a number
    (:data:`_HOW_MANY`), or one whose only digits are a day's for a goal that asks how many
    (:data:`_HOW_MANY_COUNT`); None otherwise. Asked how many Adult tickets are left, the
    model answered "Fleet-footed fairies", and for Senior tickets, "Wed, Mar 19"."""
    if not isinstance(action, AnswerAction) or not _HOW_MANY.search(goal):
        return None
    if not any(ch.isdigit() for ch in action.text):
        return f"the goal asks for a number, and the answer {action.text!r} has none"
    if _HOW_MANY_COUNT.search(goal):
        days = _DAY_MONTH.pattern + "|" + _MONTH_DAY.pattern + r"|\d{4}-\d{2}-\d{2}"
        dated = re.sub(days + r"|\d{1,2}月\d{1,2}日", " ", action.text, flags=re.I)
        if not any(ch.isdigit() for ch in dated):  # "Wed, Mar 19": a day, not a count
            return f"the goal asks how many, and the answer {action.text!r} is a day"
    return None


def ignores_sold_out(action: Action, view: ScreenView, goal: str) -> str | None:
    """Why anything but giving up is wrong where an item the goal orders shows sold out at
    the goal's place (:func:`_sold_out_lines`; not a day), or None. The model saw Kung Pao
    Chicken "Sold out" under Spicy Garden's "Mains", went on to the next tab, and gave up
    there without the reason; :func:`finish_sold_out` ends it saying so."""
    if isinstance(action, FinishAction) and action.status == "infeasible":
        return None  # with or without the reason: unfounded_infeasible judges it
    here = selected_tab(view)
    if isinstance(action, TapAction) and here is not None and action.element == here.id:
        return None  # the tab it shows on, tapped again: it stays
    found = _sold_out_lines(view, goal)
    if found is None or found[1] not in ordered_items(goal):
        return None  # a day: a strip's day is tapped to be read, and a trip plans around it
    return f"the goal's {found[1]} shows sold out here"
