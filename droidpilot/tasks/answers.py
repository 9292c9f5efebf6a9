"""Answer checks for question tasks: normalise what an agent wrote, compare with the truth.

Agents answer in English or Chinese and in many shapes (``¥32.50``, ``32.5元``, ``三十二块五``,
``10:05``, ``上午10点05分``, ``Mar 15``, ``3月15日``, ``Wang Wei`` / ``王伟``). Each kind of
expected answer has a pure parser that pulls every candidate value out of the text; the answer
is right when one candidate equals the truth (a number must not be off by a rounding cent).

- :func:`money_values` -> cents; :func:`int_values`; :func:`time_values` -> ``(h, m)``;
  :func:`date_values` -> ``(month, day)`` (the year is optional in answers);
- :func:`name_matches`: case, spaces and punctuation folded, either language's form;
- :class:`Expected` carries the kind and the true value; :func:`check_answer` says yes/no and
  why.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AnswerKind",
    "Expected",
    "check_answer",
    "date_values",
    "fold",
    "int_values",
    "money_values",
    "name_matches",
    "parse_cn_number",
    "time_values",
]

AnswerKind = Literal["money", "int", "time", "date", "name", "text"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_CN_RUN = re.compile("[零〇一二两三四五六七八九十百千万]+")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _nfkc(text: str) -> str:
    """Full-width digits and punctuation to ASCII (``１２：３０`` -> ``12:30``)."""
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """Case, width, spaces and punctuation folded away: for comparing names."""
    t = _nfkc(text).casefold()
    return "".join(ch for ch in t if ch.isalnum())


def parse_cn_number(run: str) -> int | None:
    """A Chinese numeral as an int (``三十二`` 32, ``两百零五`` 205, ``十五`` 15)."""
    if not run or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in run):
        return None
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            continue
        unit = _CN_UNITS[ch]
        if unit == 10_000:
            total += (section + (digit or 0)) * unit
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * unit
            digit = None
    return total + section + (digit or 0)


def _arabic(text: str) -> str:
    """Chinese numerals replaced by Arabic digits; thousands separators dropped."""
    t = _nfkc(text)
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)

    def sub(m: re.Match[str]) -> str:
        value = parse_cn_number(m.group(0))
        return str(value) if value is not None else m.group(0)

    return _CN_RUN.sub(sub, t)


def money_values(text: str) -> set[int]:
    """Every amount in ``text``, in cents (``¥32.50``, ``32.5元``, ``32块5``, ``RMB 32``)."""
    t = _arabic(text)
    out: set[int] = set()
    for m in re.finditer(r"(\d+)\s*(?:块|元)\s*(\d)(?:\s*毛|\s*角)?(?:\s*(\d)\s*分)?", t):
        out.add(int(m.group(1)) * 100 + int(m.group(2)) * 10 + int(m.group(3) or 0))
    for m in re.finditer(r"(\d+)(?:\.(\d{1,2}))?", t):
        frac = (m.group(2) or "").ljust(2, "0")
        out.add(int(m.group(1)) * 100 + int(frac or 0))
    return out


def int_values(text: str) -> set[int]:
    """Every whole number in ``text`` (Chinese numerals included)."""
    return {int(m.group(0)) for m in re.finditer(r"\d+", _arabic(text))}


def time_values(text: str) -> set[tuple[int, int]]:
    """Every clock time in ``text`` as ``(hour, minute)``, 24-hour."""
    t = _arabic(text).lower()
    out: set[tuple[int, int]] = set()
    pm_zh = any(w in t for w in ("下午", "晚上", "傍晚", "中午"))
    pattern = r"(\d{1,2})\s*(?::|点|时)\s*(半|\d{1,2})?\s*(?:分)?\s*(a\.?m\.?|p\.?m\.?)?"
    for m in re.finditer(pattern, t):
        h = int(m.group(1))
        mins = 30 if m.group(2) == "半" else int(m.group(2) or 0)
        ampm = (m.group(3) or "").replace(".", "")
        if ampm == "pm" or (pm_zh and not ampm):
            h = h + 12 if h < 12 else h
        elif ampm == "am" and h == 12:
            h = 0
        if 0 <= h < 24 and 0 <= mins < 60:
            out.add((h, mins))
    return out


def date_values(text: str) -> set[tuple[int, int]]:
    """Every calendar date in ``text`` as ``(month, day)``."""
    t = _arabic(text).lower()
    out: set[tuple[int, int]] = set()
    for m in re.finditer(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
        out.add((int(m.group(2)), int(m.group(3))))
    for m in re.finditer(r"(\d{4})/(\d{1,2})/(\d{1,2})", t):
        out.add((int(m.group(2)), int(m.group(3))))
    for m in re.finditer(r"(\d{1,2})\s*月\s*(\d{1,2})\s*(?:日|号)", t):
        out.add((int(m.group(1)), int(m.group(2))))
    for i, name in enumerate(_MONTHS, start=1):
        for m in re.finditer(rf"\b{name}[a-z]*\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", t):
            out.add((i, int(m.group(1))))
        for m in re.finditer(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{name}[a-z]*\b", t):
            out.add((i, int(m.group(1))))
    return {(mo, d) for mo, d in out if 1 <= mo <= 12 and 1 <= d <= 31}


def name_matches(answer: str, forms: tuple[str, ...]) -> bool:
    """Whether the answer names one of ``forms`` (either language), folded."""
    a = fold(answer)
    return bool(a) and any(fold(f) and fold(f) in a for f in forms)


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """The true answer of a question task."""

    kind: AnswerKind
    value: int | str | dt.date | tuple[int, int] = ""
    forms: tuple[str, ...] = ()  # name/text answers: the accepted forms (en, zh, ...)

    def shown(self) -> str:
        """The truth, written out (for logs and ``tasks show``)."""
        match self.kind:
            case "money":
                assert isinstance(self.value, int)
                yuan, fen = divmod(self.value, 100)
                return f"¥{yuan}" if fen == 0 else f"¥{yuan}.{fen:02d}"
            case "time":
                assert isinstance(self.value, tuple)
                return f"{self.value[0]:02d}:{self.value[1]:02d}"
            case "date":
                assert isinstance(self.value, dt.date)
                return self.value.isoformat()
            case "name" | "text":
                return " / ".join(self.forms)
            case _:
                return str(self.value)


def check_answer(answer: str, expected: Expected) -> tuple[bool, str]:
    """Whether ``answer`` says ``expected``; and the evidence either way."""
    got: set[object]
    match expected.kind:
        case "money":
            got = set(money_values(answer))
        case "int":
            got = set(int_values(answer))
        case "time":
            got = set(time_values(answer))
        case "date":
            assert isinstance(expected.value, dt.date)
            ok = (expected.value.month, expected.value.day) in date_values(answer)
            return ok, f"answer {answer!r} {'names' if ok else 'lacks'} {expected.shown()}"
        case "name" | "text":
            ok = name_matches(answer, expected.forms)
            return ok, f"answer {answer!r} {'names' if ok else 'lacks'} {expected.shown()}"
    ok = expected.value in got
    return ok, f"answer {answer!r} {'says' if ok else 'does not say'} {expected.shown()}"
