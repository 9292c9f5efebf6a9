"""Answer normalisation: numbers, money, times, dates and names in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.tasks.answers import (
    Expected,
    check_answer,
    date_values,
    money_values,
    name_matches,
    parse_cn_number,
    time_values,
)
from droidpilot.tasks.checkers import parse_rows


@pytest.mark.parametrize(
    ("text", "value"),
    [("十五", 15), ("三十二", 32), ("两百零五", 205), ("一万二千", 12000), ("十", 10)],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert parse_cn_number(text) == value


@pytest.mark.parametrize(
    ("text", "cents"),
    [("¥32.50", 3250), ("32.5元", 3250), ("It costs ¥32", 3200), ("三十二块五", 3250),
     ("RMB 1,250", 125000), ("３２元", 3200), ("-¥47", 4700)],
)  # fmt: skip
def test_money(text: str, cents: int) -> None:
    assert cents in money_values(text)


@pytest.mark.parametrize(
    ("text", "hm"),
    [("10:05", (10, 5)), ("Estimated arrival 18:40", (18, 40)), ("下午3点20分", (15, 20)),
     ("3:20 pm", (15, 20)), ("上午10点半", (10, 30)), ("预计12:05送达", (12, 5))],
)  # fmt: skip
def test_times(text: str, hm: tuple[int, int]) -> None:
    assert hm in time_values(text)


@pytest.mark.parametrize(
    ("text", "md"),
    [("2025-03-18", (3, 18)), ("Tue, Mar 18", (3, 18)), ("March 18th", (3, 18)),
     ("18 March", (3, 18)), ("3月18日 周二", (3, 18)), ("三月十八日", (3, 18))],
)  # fmt: skip
def test_dates(text: str, md: tuple[int, int]) -> None:
    assert md in date_values(text)


def test_names_fold_case_space_and_language() -> None:
    assert name_matches("It's wang  WEI.", ("Wang Wei", "王伟"))
    assert name_matches("王伟", ("Wang Wei", "王伟"))
    assert not name_matches("Li Na", ("Wang Wei", "王伟"))


@pytest.mark.parametrize(
    ("answer", "expected", "ok"),
    [("¥20", Expected(kind="money", value=2000), True),
     ("20.5元", Expected(kind="money", value=2000), False),
     ("还剩12张", Expected(kind="int", value=12), True),
     ("twelve", Expected(kind="int", value=12), False),
     ("18:40", Expected(kind="time", value=(18, 40)), True),
     ("3月18日", Expected(kind="date", value=dt.date(2025, 3, 18)), True),
     ("Mar 19", Expected(kind="date", value=dt.date(2025, 3, 18)), False),
     ("13812345678", Expected(kind="text", forms=("138 1234 5678",)), True)],
)  # fmt: skip
def test_check_answer(answer: str, expected: Expected, ok: bool) -> None:
    assert check_answer(answer, expected)[0] is ok


def test_content_query_rows() -> None:
    out = "Row: 0 _id=1, address=95017, body=code 123456, hi\nRow: 1 _id=2, address=10086, body=x\n"
    rows = parse_rows(out)
    assert dict(rows[0])["body"] == "code 123456, hi"
    assert dict(rows[1])["address"] == "10086"
    assert parse_rows("No result found.\n") == ()
