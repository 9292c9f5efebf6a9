"""Comparing the sellers of a dish before ordering it: "Find the restaurant on MealDash that
sells Americano for the lowest price and order it there (as many as its minimum order needs)".

The demonstrations for such a goal go straight to the right restaurant: the oracle that wrote
them knows the prices. The model copies that and goes to whichever restaurant it thinks of
first, so it failed this template at every seed. No one screen shows the answer: the search
for the dish lists the restaurants that sell it, each restaurant's page shows its price, and
the cheapest is known only once every one of them has been read. :class:`Survey` keeps what
the screens showed so far (the planner holds one per episode) and says what the next step of
the comparison is:

- no seller known yet: search for the dish (type it into the app's search field, or open the
  search page first), whatever else the model wanted;
- the search's results listed: open the first seller whose price is still unread;
- a seller's page showing the dish (its price, or "Sold out"): go back, unless every seller
  is read and this one is the cheapest;
- every seller read: open the cheapest; from there on the rules read the goal with the choice
  written out (:meth:`Survey.goal`: "Order 2 × Americano from Cloud Tea."), so the count the
  minimum order needs and the restaurant are held to as for any order.

Everything comes from the screens the agent saw; a dish sold out at a seller is no offer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from droidpilot.planner.ground import (
    _ADD,
    _FARE,
    _PROCEED,
    _SEARCH,
    _SOLD_OUT,
    _UP,
    _in_chinese,
    label_of,
)
from droidpilot.types import (
    Action,
    KeyAction,
    ScreenView,
    TapAction,
    TypeAction,
    ViewItem,
    fold,
)

__all__ = ["Offer", "Survey", "sought_dish"]

#: a goal that asks for the seller of a dish with the lowest price (en, zh)
_LOWEST = (
    re.compile(r"\bsells (.+?) for the (?:lowest|cheapest) price\b", re.I),
    re.compile(r"找到(.+?)卖得最便宜的"),
)
#: a restaurant's minimum order: "Min. order ¥25", "¥20 minimum", "起送¥25", "¥20起送" (not
#: "还差¥5起送", what a cart still lacks)
_MINIMUM = re.compile(
    r"(?:min(?:imum)?\.?\s*order|起送)\s*[¥$€£]\s*(\d+(?:\.\d+)?)"
    r"|(?<!差)[¥$€£]\s*(\d+(?:\.\d+)?)\s*(?:minimum\b|起送)",
    re.I,
)
#: a distance, which a restaurant's own line on its menu page gives: "3.7 km"
_DISTANCE = re.compile(r"\d\s*(?:km|公里)\b", re.I)


def sought_dish(goal: str) -> str:
    """The dish a goal asks the cheapest seller of ("Americano"), or "" for any other goal."""
    for pattern in _LOWEST:
        m = pattern.search(goal)
        if m:
            return m.group(1).strip()
    return ""


@dataclass
class Offer:
    """What the screens showed of one seller: its minimum order, the dish's price there, and
    whether the dish shows sold out there. A seller whose menu was left without the dish
    shown does not sell it: the search lists "Matcha Latte"'s restaurants for "Latte"."""

    minimum: float | None = None
    price: float | None = None
    sold_out: bool = False
    left: int = 0  # times its menu was left with the dish unread

    @property
    def read(self) -> bool:
        return self.price is not None or self.sold_out or self.left > 0

    @property
    def orderable(self) -> bool:
        return self.price is not None and not self.sold_out

    @property
    def units(self) -> int:
        """How many of the dish reach the minimum order (at least one)."""
        if self.price is None or not self.minimum:
            return 1
        return max(1, math.ceil(self.minimum / self.price - 1e-9))


def _yuan(amount: float) -> str:
    """An amount as the apps write it: "¥20", "¥16.50"."""
    return f"¥{amount:.0f}" if amount == int(amount) else f"¥{amount:.2f}"


def _money(text: str) -> float | None:
    found = _FARE.findall(text)  # every amount; the row's price is its last
    return float(found[-1]) if found else None


def _minimum(text: str) -> float | None:
    m = _MINIMUM.search(text)
    return float(m.group(1) or m.group(2)) if m else None


def _shop_rows(view: ScreenView) -> list[tuple[ViewItem, str, float]]:
    """The restaurant rows of a list: (row, name, minimum order) for each tappable line with
    several parts whose parts give a minimum order."""
    rows = []
    for it in view.items:
        if it.clickable and "|" in it.text and (minimum := _minimum(it.text)) is not None:
            rows.append((it, " ".join(it.text.split("|")[0].split()), minimum))  # unshortened
    return rows


def _search_field(view: ScreenView) -> ViewItem | None:
    return next((it for it in view.items if it.editable), None)


def _leave(view: ScreenView) -> Action:
    """The screen's button that goes back up, else the back key."""
    up = next((it for it in view.items if it.clickable and _UP.match(label_of(it))), None)
    return TapAction(element=up.id) if up is not None else KeyAction(key="back")


class Survey:
    """The sellers of the goal's dish and what their pages showed, for one episode."""

    def __init__(self, goal: str = "") -> None:
        self.dish = sought_dish(goal)
        self.zh = _in_chinese(goal)
        self.shops: dict[str, Offer] = {}
        self.package = ""  # the app whose screens list restaurants
        self._visiting = ""  # the seller whose screens the episode is on, since the list
        self._menu = ""  # the seller whose menu the episode was on last (its sheets follow)

    @property
    def active(self) -> bool:
        return bool(self.dish)

    # ------------------------------------------------------------------ reading

    def read(self, view: ScreenView) -> None:
        """Take in what ``view`` shows: the sellers a search for the dish lists, a seller's
        minimum order, price of the dish, or "Sold out"."""
        if not self.active:
            return
        rows = _shop_rows(view)
        if rows:
            self.package = view.package
        field = _search_field(view)
        if rows and field is not None and fold(field.text) == fold(self.dish):
            for _, name, minimum in rows:
                offer = self.shops.setdefault(name, Offer())
                offer.minimum = minimum
        page = self._shop_of(view)
        if not page and rows and self._visiting:  # back on the list from a seller's screens
            offer = self.shops[self._visiting]
            if offer.price is None and not offer.sold_out:
                offer.left += 1
            self._visiting = ""
        if not page:
            return
        self._visiting = page
        offer = self.shops[page]
        own = next(
            (
                m
                for it in view.items
                if not it.clickable and "|" not in it.text and _DISTANCE.search(it.text)
                for m in [_minimum(it.text)]
                if m is not None
            ),
            None,
        )
        if own is None:
            return  # not its menu (its cart shows its name too, and a line's total)
        offer.minimum = own
        self._menu = page
        row = self._dish_row(view) if not offer.read else None
        if row is not None:
            offer.price, offer.sold_out = row

    def _shop_of(self, view: ScreenView) -> str:
        """The known seller whose page ``view`` is: its name on a line of its own."""
        if view.package != self.package:
            return ""
        names = {fold(n): n for n in self.shops}
        for it in view.items:
            if not it.clickable and "|" not in it.text and fold(it.text) in names:
                return names[fold(it.text)]
        return ""

    def _dish_row(self, view: ScreenView) -> tuple[float | None, bool] | None:
        """(the dish's price, whether it shows sold out) on a seller's menu, or None when the
        dish shows nowhere on it. A dish on sale has a tappable row ("Americano | Double shot
        with hot water. | ¥16.50"); a sold-out one has none: its name, description, price and
        "Sold out" are lines of their own."""
        items = list(view.items)
        key = fold(self.dish)
        for at, it in enumerate(items):
            if fold(label_of(it)) != key and fold(it.text.split("|")[0]) != key:
                continue
            if it.clickable:
                return _money(it.text), bool(_SOLD_OUT.search(it.text))
            block = [it]
            for nxt in items[at + 1 : at + 4]:
                if nxt.clickable:
                    break
                block.append(nxt)
            if any(_SOLD_OUT.search(b.text) for b in block):
                return next((p for b in block if (p := _money(b.text)) is not None), None), True
        return None

    # ------------------------------------------------------------------ deciding

    @property
    def pending(self) -> list[str]:
        """The sellers still to read, the least visited first."""
        left = [n for n, o in self.shops.items() if not o.read]
        return sorted(left, key=lambda n: self.shops[n].left)

    def choice(self) -> tuple[str, Offer] | None:
        """The cheapest seller once every seller is read (the first of equals), else None."""
        if not self.shops or self.pending:
            return None
        offers = [(o.price, n) for n, o in self.shops.items() if o.price and o.orderable]
        if not offers:
            return None
        _, name = min(offers)
        return name, self.shops[name]

    def goal(self, goal: str) -> str:
        """``goal`` with the survey's choice written after it, once made, for the planner's
        rules: "… Order 2 × Americano from Cloud Tea." (zh "从云朵茶饮点2份美式咖啡。"), which
        they read as the count, dish and restaurant the order must have."""
        chosen = self.choice() if self.active else None
        if chosen is None:
            return goal
        name, offer = chosen
        if self.zh:
            return f"{goal}从{name}点{offer.units}份{self.dish}。"
        return f"{goal} Order {offer.units} × {self.dish} from {name}."

    def _step(self, view: ScreenView) -> tuple[Action, str] | None:
        """The comparison's next step on this screen, and why; None where it has none (the
        model's action stands)."""
        if not self.active or view.package != self.package:
            return None
        chosen = self.choice()
        dish = self.dish
        if not self.shops:  # search for the dish first
            field = _search_field(view)
            if field is not None:
                if fold(field.text) == fold(dish) and _shop_rows(view):
                    return None  # searched: its rows are read next step
                return (
                    TypeAction(element=field.id, text=dish, submit=True),
                    f"the goal compares the restaurants that sell {dish}: a search for it "
                    "lists them",
                )
            button = next(
                (it for it in view.items if it.clickable and _SEARCH.match(label_of(it))), None
            )
            if button is not None:
                return (
                    TapAction(element=button.id),
                    f"the goal compares the restaurants that sell {dish}: the search lists them",
                )
            return None
        page = self._shop_of(view)
        if page:
            offer = self.shops[page]
            if chosen is not None and chosen[0] == page:
                return None
            if offer.price is None and not offer.sold_out:
                return None  # still looking for the dish here
            shown = "sold out" if offer.sold_out else _yuan(offer.price or 0)
            if chosen is None:
                why = f"{dish} is {shown} at {page}; {', '.join(self.pending)} not read yet"
            else:
                best = chosen[1].price or 0
                why = f"{dish} is {shown} at {page}, and cheapest at {chosen[0]} ({_yuan(best)})"
            return _leave(view), why
        rows = {fold(name): it for it, name, _ in _shop_rows(view)}
        if not rows and chosen is not None and self._menu not in ("", chosen[0]):
            # a sheet or the cart of a seller that is not the cheapest: back to the list
            return _leave(view), f"{dish} is cheapest at {chosen[0]}, not at {self._menu}"
        if not rows:
            return None
        targets = [chosen[0]] if chosen is not None else self.pending
        for name in targets:
            row = rows.get(fold(name))
            if row is not None:
                if chosen is not None:
                    prices = ", ".join(
                        f"{n} {'sold out' if o.sold_out else _yuan(o.price or 0)}"
                        for n, o in self.shops.items()
                        if o.price is not None or o.sold_out
                    )
                    return TapAction(element=row.id), f"{name} sells {dish} cheapest ({prices})"
                return TapAction(element=row.id), f"{name}'s price for {dish} is not read yet"
        return None

    def refusal(self, action: Action, view: ScreenView) -> tuple[Action, str] | None:
        """When ``action`` is not the comparison's next step on this screen: that step and
        why; None when it is, or when the comparison has none here. On a seller's page still
        being read, a tap that would order there (its dish's row or button, an add) is
        refused only once the price is read (then the step is to leave)."""
        step = self._step(view)
        if step is None:
            return None
        other, why = step
        if _same(action, other, view):
            return None
        if (
            isinstance(other, TypeAction)
            and isinstance(action, TypeAction)
            and action.element == other.element
            and fold(action.text) == fold(other.text)
        ):
            return None
        if isinstance(other, TapAction) and isinstance(action, KeyAction) and action.key == "back":
            up = view.item(other.element) if other.element is not None else None
            if up is not None and _UP.match(label_of(up)):
                return None  # the back key leaves as the up button does
        return other, why

    def ordering_early(self, action: Action, view: ScreenView) -> str | None:
        """Why a tap that adds or goes on to pay (:data:`_ADD`, :data:`_PROCEED`) is wrong while
        the sellers are not all read, or the order is not at the cheapest; None otherwise."""
        if not self.active or view.package != self.package or not self.shops:
            return None
        if not isinstance(action, TapAction) or action.element is None:
            return None
        item = view.item(action.element)
        if item is None or not (_ADD.match(label_of(item)) or _PROCEED.match(label_of(item))):
            return None
        if self.pending:
            return f"the prices of {self.dish} at {', '.join(self.pending)} are not read yet"
        chosen = self.choice()
        if chosen is not None and self._menu not in ("", chosen[0]):
            return f"{self.dish} is cheapest at {chosen[0]}, and this is {self._menu}'s"
        return None


def _same(action: Action, other: Action, view: ScreenView) -> bool:
    if isinstance(action, TapAction) and isinstance(other, TapAction):
        return action.element == other.element
    if isinstance(action, KeyAction) and isinstance(other, KeyAction):
        return action.key == other.key
    return False
