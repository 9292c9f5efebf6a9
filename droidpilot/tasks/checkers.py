"""Checkers for real phones: a task's success read over adb, not from a simulator's models.

A :class:`RealChecker` reads state with shell commands a real Android answers (``content
query`` of ``content://sms``, ``content://contacts``, ``content://settings``, an app's own
provider; ``settings get``) or judges the agent's final answer, and returns a ``CheckResult``.
A spec without a checker gets no reward on a real phone: :func:`check_real` returns ``None``
and the step records say ``reward: null`` (never a made-up value).

Ready-made checkers cover what the apps publish: food orders (paid, cancelled, to an address,
the ETA) and dishes (a price), travel bookings (trains and flights paid or cancelled, hotels),
ticket purchases, calendar events, wallet transactions (the balance, the latest amount), SMS,
contacts; :class:`AllOf` joins several, and :class:`FinishInfeasible` judges the end of an
infeasible task from the agent's ``finish`` alone.

``droidpilot sim serve`` answers the same commands (the simulated apps publish their records
as ``content://<package>/<collection>``), so these checkers are tested against it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from droidpilot.device.base import Device
from droidpilot.errors import DeviceError, NotSupportedError
from droidpilot.tasks.answers import Expected, check_answer, fold
from droidpilot.tasks.reward import SUCCESS_BONUS, CheckResult
from droidpilot.types import Action, AnswerAction, FinishAction

__all__ = [
    "AllOf",
    "AnswerFromRows",
    "FinishInfeasible",
    "JoinRows",
    "RealChecker",
    "Row",
    "Rows",
    "RowsCheck",
    "calendar_event",
    "cancelled_food_order",
    "cancelled_trip",
    "check_real",
    "contact_number",
    "dish_price",
    "final_text",
    "food_eta",
    "food_order_to",
    "inbox_code",
    "ms_date",
    "ms_time",
    "paid_food_order",
    "paid_hotel",
    "paid_tickets",
    "paid_trip",
    "parse_rows",
    "query",
    "sms_sent_to",
    "wallet_balance",
    "wallet_last_amount",
]

logger = logging.getLogger(__name__)

Row = dict[str, str]
Rows = tuple[tuple[tuple[str, str], ...], ...]
_ROW = re.compile(r"^Row: \d+ (.*)$")


def parse_rows(output: str) -> Rows:
    """``content query`` output as rows of ``(column, value)`` pairs (strings, ``NULL`` kept)."""
    rows = []
    for line in output.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        pairs = []
        for part in re.split(r", (?=[A-Za-z_][A-Za-z0-9_]*=)", m.group(1)):
            key, _, value = part.partition("=")
            pairs.append((key.strip(), value))
        rows.append(tuple(pairs))
    return tuple(rows)


def row_dict(row: tuple[tuple[str, str], ...]) -> Row:
    return dict(row)


def query(device: Device, uri: str) -> Rows:
    """Rows of a content provider on the phone (empty when it has none or says so)."""
    out = device.shell(f"content query --uri {uri}")
    return parse_rows(out)


def final_text(final: Action | None) -> str:
    if isinstance(final, AnswerAction):
        return final.text
    if isinstance(final, FinishAction):
        return final.message
    return ""


class RealChecker(Protocol):
    """Scores an episode on a real phone; ``params`` are the task's public and hidden values."""

    def check(self, device: Device, params: Row, final: Action | None) -> CheckResult: ...

    def describe(self) -> str: ...


RowsPredicate = Callable[[tuple[Row, ...], Row], tuple[bool, str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RowsCheck:
    """Success when a predicate over the rows of ``uri`` holds (e.g. a new paid order)."""

    uri: str
    predicate: RowsPredicate
    what: str

    def check(self, device: Device, params: Row, final: Action | None) -> CheckResult:
        uri = self.uri.format(**params)
        rows = tuple(row_dict(r) for r in query(device, uri))
        ok, why = self.predicate(rows, params)
        return CheckResult(success=ok, reward=SUCCESS_BONUS if ok else 0.0, reason=f"{uri}: {why}")

    def describe(self) -> str:
        return f"content query {self.uri}: {self.what}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerFromRows:
    """A question whose truth is read from the phone's rows, then matched with the answer."""

    uri: str
    truth: Callable[[tuple[Row, ...], Row], Expected | None]
    what: str

    def check(self, device: Device, params: Row, final: Action | None) -> CheckResult:
        uri = self.uri.format(**params)
        rows = tuple(row_dict(r) for r in query(device, uri))
        expected = self.truth(rows, params)
        if expected is None:
            return CheckResult(success=False, reward=0.0, reason=f"{uri}: no truth found")
        said = final_text(final)
        ok, why = check_answer(said, expected) if said else (False, "no answer given")
        return CheckResult(success=ok, reward=SUCCESS_BONUS if ok else 0.0, reason=why)

    def describe(self) -> str:
        return f"answer vs content query {self.uri}: {self.what}"


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinRows:
    """Success when a predicate over the rows of several URIs holds (an order and the
    address it goes to)."""

    uris: tuple[str, ...]
    predicate: Callable[[tuple[tuple[Row, ...], ...], Row], tuple[bool, str]]
    what: str

    def check(self, device: Device, params: Row, final: Action | None) -> CheckResult:
        tables = tuple(
            tuple(row_dict(r) for r in query(device, uri.format(**params))) for uri in self.uris
        )
        ok, why = self.predicate(tables, params)
        return CheckResult(success=ok, reward=SUCCESS_BONUS if ok else 0.0, reason=why)

    def describe(self) -> str:
        return f"content query {' + '.join(self.uris)}: {self.what}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AllOf:
    """Success when every one of ``checks`` succeeds (the reasons joined)."""

    checks: tuple[RealChecker, ...]

    def check(self, device: Device, params: Row, final: Action | None) -> CheckResult:
        results = [c.check(device, params, final) for c in self.checks]
        ok = all(r.success for r in results)
        why = "; ".join(r.reason for r in results)
        return CheckResult(success=ok, reward=SUCCESS_BONUS if ok else 0.0, reason=why)

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.checks)


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishInfeasible:
    """An infeasible task: success when the episode ended with ``finish(infeasible)`` naming
    one of the ``reason`` words (nothing on the phone to read)."""

    reason: tuple[str, ...]

    def check(self, device: Device, params: Row, final: Action | None) -> CheckResult:
        if not (isinstance(final, FinishAction) and final.status == "infeasible"):
            return CheckResult(
                success=False, reward=0.0, reason="did not end with finish(infeasible)"
            )
        said = fold(final.message)
        ok = any(fold(w) in said for w in self.reason)
        why = f"finish(infeasible): {final.message}" if ok else "finish(infeasible), no reason"
        return CheckResult(success=ok, reward=SUCCESS_BONUS if ok else 0.0, reason=why)

    def describe(self) -> str:
        return f"finish(infeasible) naming one of {', '.join(self.reason[:3])}"


def check_real(
    checker: RealChecker | None, device: Device, params: Row, final: Action | None
) -> CheckResult | None:
    """The checker's verdict, or ``None`` (reward null) when there is no checker or the phone
    cannot answer its query."""
    if checker is None:
        return None
    try:
        return checker.check(device, params, final)
    except (NotSupportedError, DeviceError) as exc:
        logger.warning("real-phone check %s could not run: %s", checker.describe(), exc)
        return None


# --------------------------------------------------------------------------- ready-made


def paid_food_order(package: str) -> RowsCheck:
    """A paid, live order from the task's restaurant (``_shop_key``) in a food app."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        live = [
            r
            for r in rows
            if r.get("restaurant") == p.get("_shop_key")
            and r.get("status") in ("paid", "preparing", "delivering")
        ]
        return bool(live), f"{len(live)} paid order(s) from {p.get('_shop_key')}"

    return RowsCheck(
        uri=f"content://{package}/orders", predicate=pred, what="a paid order from the restaurant"
    )


def sms_sent_to(number_key: str, contains_key: str = "") -> RowsCheck:
    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        want = p.get(number_key, "")
        body = fold(p.get(contains_key, "")) if contains_key else ""
        hits = [r for r in rows if r.get("address") == want and body in fold(r.get("body", ""))]
        return bool(hits), f"{len(hits)} sent message(s) to {want}"

    return RowsCheck(uri="content://sms/sent", predicate=pred, what=f"an SMS to {number_key}")


def contact_number(name_key: str) -> AnswerFromRows:
    def truth(rows: tuple[Row, ...], p: Row) -> Expected | None:
        names = {fold(p.get(name_key, "")), fold(p.get(f"{name_key}@zh", ""))}
        for r in rows:
            if fold(r.get("display_name", "")) in names:
                return Expected(kind="text", forms=(r.get("number", ""),))
        return None

    return AnswerFromRows(uri="content://contacts/phones", truth=truth, what="the contact's number")


def inbox_code(pattern: str) -> AnswerFromRows:
    def truth(rows: tuple[Row, ...], p: Row) -> Expected | None:
        for r in rows:
            m = re.search(pattern, r.get("body", ""))
            if m:
                return Expected(kind="text", forms=(m.group(0),))
        return None

    return AnswerFromRows(
        uri="content://sms/inbox", truth=truth, what=f"a code matching {pattern} in the inbox"
    )


# --------------------------------------------------------------------------- helpers


def ms_date(value: str) -> str:
    """A provider's millisecond timestamp (the phone's local clock) as an ISO date."""
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        return ""


def ms_time(value: str) -> tuple[int, int] | None:
    try:
        t = dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return (t.hour, t.minute)


def _int(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0


def _first(rows: Iterable[Row], what: str) -> tuple[bool, str]:
    got = list(rows)
    if not got:
        return False, f"no {what}"
    r = got[0]
    return True, f"{what}: {r.get('order_no') or r.get('id')} {r.get('status', '')}".rstrip()


RowTest = Callable[[Row, Row], bool]


# --------------------------------------------------------------------------- food


def cancelled_food_order(package: str) -> RowsCheck:
    """The task's restaurant's order in a food app is cancelled and refunded."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        return _first(
            (
                r
                for r in rows
                if r.get("restaurant") == p.get("_shop_key")
                and r.get("status") == "cancelled"
                and _int(r.get("refunded")) == _int(r.get("total"))
            ),
            f"cancelled, refunded order from {p.get('_shop_key')}",
        )

    return RowsCheck(
        uri=f"content://{package}/orders", predicate=pred, what="the order cancelled and refunded"
    )


def food_order_to(package: str, address_key: str = "_address") -> JoinRows:
    """A paid order from the task's restaurant, delivered to the address in ``address_key``
    (either language): the order's address id joined with the app's address book."""

    def pred(tables: tuple[tuple[Row, ...], ...], p: Row) -> tuple[bool, str]:
        orders, addresses = tables
        want = {fold(p.get(address_key, "")), fold(p.get(f"{address_key}@zh", ""))} - {""}
        lines = {r.get("id", ""): fold(r.get("line", "")) for r in addresses}
        return _first(
            (
                r
                for r in orders
                if r.get("restaurant") == p.get("_shop_key")
                and r.get("status") in ("paid", "preparing", "delivering")
                and lines.get(r.get("address", "")) in want
            ),
            "paid order to the address",
        )

    return JoinRows(
        uris=(f"content://{package}/orders", f"content://{package}/addresses"),
        predicate=pred,
        what="a paid order delivered to the address",
    )


def food_eta(package: str) -> AnswerFromRows:
    """The ETA of the live order from the task's restaurant, against the answer."""

    def truth(rows: tuple[Row, ...], p: Row) -> Expected | None:
        for r in rows:
            if r.get("restaurant") == p.get("_shop_key") and r.get("status") != "cancelled":
                hm = ms_time(r.get("eta_at", ""))
                if hm is not None:
                    return Expected(kind="time", value=hm)
        return None

    return AnswerFromRows(
        uri=f"content://{package}/orders", truth=truth, what="the order's delivery time"
    )


def dish_price(package: str) -> AnswerFromRows:
    """The price of the task's dish (``_dish_id``), against the answer."""

    def truth(rows: tuple[Row, ...], p: Row) -> Expected | None:
        for r in rows:
            if r.get("id") == p.get("_dish_id"):
                return Expected(kind="money", value=_int(r.get("price")))
        return None

    return AnswerFromRows(uri=f"content://{package}/dishes", truth=truth, what="the dish's price")


# --------------------------------------------------------------------------- travel, tickets


def paid_trip(
    extra: RowTest | None = None,
    *,
    number: bool = True,
    seat_class: bool = True,
    kind: str = "train",
    what: str = "",
) -> RowsCheck:
    """A paid train (or flight) booking to ``_dest`` on ``_day``; with ``number``/
    ``seat_class``, that train and class; ``extra``: a further test of the row."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        return _first(
            (
                r
                for r in rows
                if r.get("status") == "paid"
                and r.get("kind") == kind
                and r.get("destination") == p.get("_dest")
                and ms_date(r.get("depart", "")) == p.get("_day")
                and (not number or r.get("number") == p.get("_number"))
                and (not seat_class or r.get("seat_class") == p.get("_class"))
                and (extra is None or extra(r, p))
            ),
            f"paid {kind} booking",
        )

    return RowsCheck(
        uri="content://com.droidpilot.travel/trip_bookings",
        predicate=pred,
        what=what or f"a paid {kind} booking to the destination that day",
    )


def cancelled_trip() -> RowsCheck:
    """The booking of the task's trip (``_trip``) is cancelled."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        return _first(
            (
                r
                for r in rows
                if r.get("trip_id") == p.get("_trip") and r.get("status") == "cancelled"
            ),
            "cancelled booking",
        )

    return RowsCheck(
        uri="content://com.droidpilot.travel/trip_bookings",
        predicate=pred,
        what="the booking cancelled",
    )


def paid_hotel(*, cap: bool = False) -> RowsCheck:
    """A paid hotel booking in ``_city`` from ``_in`` to ``_out`` (``cap``: at most ``_cap``
    cents a night)."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        def fits(r: Row) -> bool:
            try:
                nights = (
                    dt.date.fromisoformat(r.get("check_out", ""))
                    - dt.date.fromisoformat(r.get("check_in", ""))
                ).days
            except ValueError:
                return False
            per = _int(r.get("total")) // max(1, nights * max(1, _int(r.get("rooms"))))
            return not cap or per <= _int(p.get("_cap"))

        return _first(
            (
                r
                for r in rows
                if r.get("status") == "paid"
                and r.get("city") == p.get("_city")
                and r.get("check_in") == p.get("_in")
                and r.get("check_out") == p.get("_out")
                and fits(r)
            ),
            "paid hotel booking",
        )

    return RowsCheck(
        uri="content://com.droidpilot.travel/hotel_bookings",
        predicate=pred,
        what="a paid hotel booking for the stay",
    )


def paid_tickets(day_key: str = "_day") -> RowsCheck:
    """A paid purchase of ``count`` ``_type`` tickets for ``_aid`` on the day in ``day_key``."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        return _first(
            (
                r
                for r in rows
                if r.get("status") == "paid"
                and r.get("attraction_id") == p.get("_aid")
                and r.get("ticket_type") == p.get("_type")
                and r.get("quantity") == p.get("count")
                and r.get("date") == p.get(day_key)
            ),
            "paid ticket purchase",
        )

    return RowsCheck(
        uri="content://com.droidpilot.tickets/purchases",
        predicate=pred,
        what="a paid ticket purchase for the day",
    )


# --------------------------------------------------------------------------- personal apps


def calendar_event(day_key: str, title_key: str, also: tuple[str, ...] = ()) -> RowsCheck:
    """An event on the day in ``day_key`` titled ``title_key`` (either language) or naming
    one of the ``also`` parameters (a city)."""

    def pred(rows: tuple[Row, ...], p: Row) -> tuple[bool, str]:
        titles = {fold(p.get(title_key, "")), fold(p.get(f"{title_key}@zh", ""))} - {""}
        words = {fold(p.get(k, "")) for k in also} | {fold(p.get(f"{k}@zh", "")) for k in also}
        words -= {""}

        def named(r: Row) -> bool:
            t = fold(r.get("title", ""))
            return t in titles or any(w in t for w in words)

        return _first(
            (r for r in rows if r.get("date") == p.get(day_key) and named(r)),
            "calendar event that day",
        )

    return RowsCheck(
        uri="content://com.droidpilot.calendar/events",
        predicate=pred,
        what="the event in the calendar",
    )


def _newest(rows: tuple[Row, ...]) -> Row | None:
    return max(rows, key=lambda r: _int(r.get("at")), default=None)


def wallet_balance() -> AnswerFromRows:
    """The balance after the newest wallet transaction, against the answer."""

    def truth(rows: tuple[Row, ...], p: Row) -> Expected | None:
        r = _newest(rows)
        return None if r is None else Expected(kind="money", value=_int(r.get("balance_after")))

    return AnswerFromRows(
        uri="content://com.droidpilot.wallet/transactions",
        truth=truth,
        what="the balance after the newest transaction",
    )


def wallet_last_amount() -> AnswerFromRows:
    """The amount of the newest wallet transaction, against the answer."""

    def truth(rows: tuple[Row, ...], p: Row) -> Expected | None:
        r = _newest(rows)
        return None if r is None else Expected(kind="money", value=_int(r.get("amount")))

    return AnswerFromRows(
        uri="content://com.droidpilot.wallet/transactions",
        truth=truth,
        what="the newest transaction's amount",
    )
