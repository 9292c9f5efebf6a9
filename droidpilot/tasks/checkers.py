"""Checkers for real phones: a task's success read over adb, not from a simulator's models.

A :class:`RealChecker` reads state with shell commands a real Android answers (``content
query`` of ``content://sms``, ``content://contacts``, ``content://settings``, an app's own
provider; ``settings get``) or judges the agent's final answer, and returns a ``CheckResult``.
A spec without a checker gets no reward on a real phone: :func:`check_real` returns ``None``
and the step records say ``reward: null`` (never a made-up value).

``droidpilot sim serve`` answers the same commands (the simulated apps publish their records
as ``content://<package>/<collection>``), so these checkers are tested against it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from droidpilot.device.base import Device
from droidpilot.errors import DeviceError, NotSupportedError
from droidpilot.tasks.answers import Expected, check_answer, fold
from droidpilot.tasks.reward import SUCCESS_BONUS, CheckResult
from droidpilot.types import Action, AnswerAction, FinishAction

__all__ = [
    "AnswerFromRows",
    "RealChecker",
    "Rows",
    "RowsCheck",
    "check_real",
    "final_text",
    "parse_rows",
    "query",
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
