"""Answer checks for question tasks: normalise what an agent wrote, compare with the truth.

Agents answer in English or Chinese and in many shapes (``¥32.50``, ``32.5元``, ``三十二块五``,
``10:05``, ``上午10点05分``, ``Mar 15``, ``3月15日``, ``Wang Wei`` / ``王伟``). One pure scanner
(:func:`scan`) reads the text once and sorts every value in it by kind: dates, clock times,
amounts of money (marked by ``¥``/``元``/``块``/``RMB``...), bare numbers (and whether they
count something: ``2 ×``, ``3张``), codes and identifiers (``G123``, ``3-8-5801``, phone
numbers), which are not numbers. Each span is read as one kind only, so the ``18`` of
``Mar 18`` is a date and not a count, and ``32块5`` is one amount and not 32 and 5.

The check is strict: an answer is right when it states the true value **and states no other
value of the kind asked for**. "12, 15, 20 or 33" does not answer "how many are left" (a
policy rewarded for any list containing the truth would learn to list every number); "12
left on G123, leaving 08:30 on Mar 18, ¥553" does, because the train number, the time, the
date and the price are not counts.

- :func:`money_values` -> cents; :func:`int_values`; :func:`time_values` -> ``(h, m)``;
  :func:`date_values` -> ``(month, day)`` (the year is optional in answers);
- :func:`name_matches`: case, spaces and punctuation folded, either language's form;
- :class:`Expected` carries the kind, the true value and, for names, the ``others`` (the
  alternatives an answer must not also name); :func:`check_answer` says yes/no and why.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from droidpilot.types import fold

__all__ = [
    "AnswerKind",
    "Expected",
    "Scan",
    "check_answer",
    "date_values",
    "digit_codes",
    "fold",
    "int_values",
    "money_values",
    "name_matches",
    "parse_cn_number",
    "scan",
    "time_values",
]

AnswerKind = Literal["money", "int", "time", "date", "name", "text"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_CN_RUN = re.compile("[零〇一二两三四五六七八九十百千万]+")
#: A lone Chinese digit is a number only next to one of these (``三张``, ``三月``, ``块五``);
#: elsewhere it is part of a word (``一等座``, ``周一``, ``一共``).
_CN_AFTER = set("张个份位人次件元块毛角分天晚夜号日月点时岁杯碗盒间趟班")
_CN_BEFORE = set("块元毛角点时月")
_MASK = "¦"  # replaces a span once read: not a digit, letter or space, so nothing joins across
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NUM = r"(\d+(?:\.\d+)?)"
_COUNT_AFTER = re.compile(
    r"\s*(?:×|份|张|个|件|位|人|晚|天|次|趟|(?:x|nights?|days?|tickets?|portions?|items?|people"
    r"|persons?|adults?|children|seats?|pcs|times)\b)"
)
_ZERO_WORDS = ("sold out", "none left", "no tickets", "no seats", "none", "zero",
               "售罄", "卖完", "无票", "没有票", "没票", "没有了", "零")  # fmt: skip


def _nfkc(text: str) -> str:
    """Full-width digits and punctuation to ASCII (``１２：３０`` -> ``12:30``)."""
    return unicodedata.normalize("NFKC", text)


def parse_cn_number(run: str) -> int | None:
    """A Chinese numeral as an int (``三十二`` 32, ``两百零五`` 205, ``十五`` 15); a run of
    bare digits reads digit by digit (``二〇二五`` 2025)."""
    if not run or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in run):
        return None
    if len(run) > 1 and not any(ch in _CN_UNITS for ch in run):
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))
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
    """NFKC, lower case, thousands separators dropped, Chinese numerals as Arabic digits
    (a lone digit character only where it counts or dates something, see ``_CN_AFTER``)."""
    t = _nfkc(text).lower()
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)

    def sub(m: re.Match[str]) -> str:
        run = m.group(0)
        if len(run) == 1 and run not in _CN_UNITS:
            before = t[m.start() - 1] if m.start() > 0 else ""
            after = t[m.end()] if m.end() < len(t) else ""
            alone = not t[: m.start()].strip() and not t[m.end() :].strip()
            if not (alone or after in _CN_AFTER or before in _CN_BEFORE):
                return run
        value = parse_cn_number(run)
        return str(value) if value is not None else run

    return _CN_RUN.sub(sub, t)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """Every value an answer states, by kind (each span read as one kind only)."""

    dates: frozenset[tuple[int, int]] = frozenset()
    times: frozenset[tuple[int, int]] = frozenset()
    money: frozenset[Fraction] = frozenset()  # marked amounts, in cents
    numbers: tuple[tuple[Fraction, bool], ...] = ()  # bare numbers; True: counts something
    codes: frozenset[str] = frozenset()  # digit codes and long numbers (digits only)
    zero: bool = False  # "sold out", "none", "售罄": says zero


def _cents(whole: str, frac: str = "") -> Fraction:
    return Fraction(int(whole) * 100) + (Fraction(int(frac), 10 ** len(frac)) * 100 if frac else 0)


def _num_cents(token: str) -> Fraction:
    whole, _, frac = token.partition(".")
    return _cents(whole, frac)


def scan(text: str) -> Scan:
    """Read ``text`` once: dates, times, money, bare numbers, codes (see the module doc)."""
    t = _arabic(text)
    buf = list(t)

    def taken(m: re.Match[str]) -> bool:
        return any(ch == _MASK for ch in buf[m.start() : m.end()])

    def mask(m: re.Match[str]) -> None:
        buf[m.start() : m.end()] = _MASK * (m.end() - m.start())

    def each(pattern: str, flags: int = 0) -> list[re.Match[str]]:
        out = []
        for m in re.finditer(pattern, "".join(buf), flags):
            if not taken(m):
                out.append(m)
                mask(m)
        return out

    dates: set[tuple[int, int]] = set()
    for m in each(r"(?<!\d)\d{4}\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?"):
        dates.add((int(m.group(1)), int(m.group(2))))
    for m in each(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})(?!\d)\s*[日号]?"):
        dates.add((int(m.group(1)), int(m.group(2))))
    year = r"(?:,?\s*\d{4}(?!\d))?"
    for m in each(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b{year}"):
        dates.add((_MONTHS.index(m.group(1)[:3]) + 1, int(m.group(2))))
    for m in each(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![a-z]){year}"):
        dates.add((_MONTHS.index(m.group(2)[:3]) + 1, int(m.group(1))))
    each(r"(?<!\d)\d{4}\s*年")  # a year alone
    dates = {(mo, d) for mo, d in dates if 1 <= mo <= 12 and 1 <= d <= 31}

    times: set[tuple[int, int]] = set()
    pm_zh = any(w in t for w in ("下午", "晚上", "傍晚", "中午"))
    ampm = r"(a\.?m\.?|p\.?m\.?)"
    clock = rf"(?<![\d.])(\d{{1,2}})\s*(?::|点|时)\s*(半|\d{{1,2}})?\s*(?:分)?\s*{ampm}?"
    for pattern in (clock, rf"(?<![\d.])(\d{{1,2}})()\s*{ampm}(?![a-z])"):
        for m in each(pattern):
            h = int(m.group(1))
            mins = 30 if m.group(2) == "半" else int(m.group(2) or 0)
            half = (m.group(3) or "").replace(".", "")
            if half == "pm" or (pm_zh and not half):
                h = h + 12 if h < 12 else h
            elif half == "am" and h == 12:
                h = 0
            if 0 <= h < 24 and 0 <= mins < 60:
                times.add((h, mins))

    money: set[Fraction] = set()
    for m in each(r"(?<![\d.])(\d+)(?:块|元)(\d)(?:毛|角)?(?:(\d)分)?(?![\d张个份位人件])"):
        money.add(_cents(m.group(1), m.group(2) + (m.group(3) or "0")))
    for m in each(rf"(?:[¥$]|\brmb|\bcny)\s*-?\s*{_NUM}"):
        money.add(_num_cents(m.group(1)))
    for m in each(rf"(?<![\d.]){_NUM}\s*(?:元|块钱|块|(?:yuan|rmb|cny|dollars?)\b)"):
        money.add(_num_cents(m.group(1)))

    codes: set[str] = set()
    for m in each(r"(?<![\d.])\d+(?:-\d+)+(?![\d.])"):
        codes.add(re.sub(r"\D", "", m.group(0)))
    for m in each(r"(?<![\d.])\d{3}\s\d{4}\s\d{4}(?!\d)|(?<![\d.])\d{7,}(?![\d.])"):
        codes.add(re.sub(r"\D", "", m.group(0)))
    each(r"[a-z_]+\d[a-z0-9_]*|(?<![\d.])\d+[a-z_][a-z0-9_]*")  # ids: g123, t22748, 18th
    each(rf"{_NUM}\s*%")

    numbers: list[tuple[Fraction, bool]] = []
    rest = "".join(buf)
    for m in re.finditer(rf"(?<![\d.]){_NUM}(?![\d])", rest):
        after = _COUNT_AFTER.match(rest, m.end()) is not None
        before = re.search(r"(?:×|\bx)\s*$", rest[: m.start()]) is not None
        numbers.append((_num_cents(m.group(1)), after or before))
    zero = any(w in t for w in _ZERO_WORDS)
    return Scan(
        dates=frozenset(dates),
        times=frozenset(times),
        money=frozenset(money),
        numbers=tuple(numbers),
        codes=frozenset(codes),
        zero=zero,
    )


def money_values(text: str) -> set[Fraction]:
    """Every amount ``text`` states, in cents (``¥32.50``, ``32.5元``, ``32块5``, ``RMB 32``,
    and bare numbers that do not count something)."""
    s = scan(text)
    return set(s.money) | {v for v, counts in s.numbers if not counts}


def int_values(text: str) -> set[Fraction]:
    """Every bare number ``text`` states (Chinese numerals included; ``sold out`` is 0);
    non-whole ones stay fractions, so they never equal a count."""
    s = scan(text)
    out = {v / 100 for v, _ in s.numbers}
    if s.zero:
        out.add(Fraction(0))
    return out


def time_values(text: str) -> set[tuple[int, int]]:
    """Every clock time in ``text`` as ``(hour, minute)``, 24-hour."""
    return set(scan(text).times)


def date_values(text: str) -> set[tuple[int, int]]:
    """Every calendar date in ``text`` as ``(month, day)``."""
    return set(scan(text).dates)


def digit_codes(text: str) -> set[str]:
    """Every run of at least four digits (spaces and dashes inside joined): phone numbers,
    codes (``138 1234 5678``, ``3-8-5801``)."""
    t = _nfkc(text)
    out = set()
    for m in re.finditer(r"\d(?:[ \-]?\d)+", t):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 4:
            out.add(digits)
    return out


def name_matches(answer: str, forms: tuple[str, ...]) -> bool:
    """Whether the answer names one of ``forms`` (either language), folded."""
    a = fold(answer)
    return bool(a) and any(fold(f) and fold(f) in a for f in forms)


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """The true answer of a question task.

    ``others``: for name and text answers, the alternatives (the other restaurants, the other
    contacts) an answer must not name as well.
    """

    kind: AnswerKind
    value: int | str | dt.date | tuple[int, int] = ""
    forms: tuple[str, ...] = ()  # name/text answers: the accepted forms (en, zh, ...)
    others: tuple[str, ...] = field(default=())

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


def _show(v: object) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"
    if isinstance(v, tuple) and len(v) == 2:
        return f"{v[0]}/{v[1]}"
    return str(v)


def _verdict(answer: str, expected: Expected, truth: object, said: set[object]) -> tuple[bool, str]:
    if truth not in said:
        return False, f"answer {answer!r} does not say {expected.shown()}"
    other = sorted(_show(v) for v in said if v != truth)
    if other:
        return False, (
            f"answer {answer!r} says {expected.shown()} but also {', '.join(other)}: "
            "one answer, please"
        )
    return True, f"answer {answer!r} says {expected.shown()}"


def _check_text(answer: str, expected: Expected) -> tuple[bool, str]:
    digit_forms = [re.sub(r"[\s\-]", "", _nfkc(f)) for f in expected.forms]
    if digit_forms and all(f.isdigit() and len(f) >= 4 for f in digit_forms):
        said = digit_codes(answer)
        if not said & set(digit_forms):
            return False, f"answer {answer!r} does not say {expected.shown()}"
        other = sorted(said - set(digit_forms))
        if other:
            return False, (
                f"answer {answer!r} says {expected.shown()} but also {', '.join(other)}: "
                "one answer, please"
            )
        return True, f"answer {answer!r} says {expected.shown()}"
    if not name_matches(answer, expected.forms):
        return False, f"answer {answer!r} lacks {expected.shown()}"
    named = [o for o in expected.others if name_matches(answer, (o,))]
    named = [o for o in named if not any(fold(o) in fold(f) for f in expected.forms)]
    if named:
        return False, (
            f"answer {answer!r} names {expected.shown()} but also {', '.join(named)}: "
            "one answer, please"
        )
    return True, f"answer {answer!r} names {expected.shown()}"


def check_answer(answer: str, expected: Expected) -> tuple[bool, str]:
    """Whether ``answer`` says ``expected`` and nothing that conflicts; the evidence."""
    match expected.kind:
        case "money":
            assert isinstance(expected.value, int)
            return _verdict(answer, expected, Fraction(expected.value), set(money_values(answer)))
        case "int":
            assert isinstance(expected.value, int)
            return _verdict(answer, expected, Fraction(expected.value), set(int_values(answer)))
        case "time":
            return _verdict(answer, expected, expected.value, set(time_values(answer)))
        case "date":
            assert isinstance(expected.value, dt.date)
            truth = (expected.value.month, expected.value.day)
            return _verdict(answer, expected, truth, set(date_values(answer)))
        case "name" | "text":
            return _check_text(answer, expected)
