"""Answer normalisation: numbers, money, times, dates and names in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from droidpilot.tasks.answers import (
    Expected,
    check_answer,
    date_values,
    int_values,
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


MONEY = Expected(kind="money", value=3250)
COUNT = Expected(kind="int", value=12)
ZERO = Expected(kind="int", value=0)
TIME = Expected(kind="time", value=(18, 40))
DATE = Expected(kind="date", value=dt.date(2025, 3, 18))
PHONE = Expected(kind="text", forms=("138 1234 5678",))
CODE = Expected(kind="text", forms=("3-8-5801",))
NAME = Expected(kind="name", forms=("Wang Wei", "王伟"), others=("Li Na", "李娜", "Zhang Min"))


@pytest.mark.parametrize(
    ("answer", "expected", "ok"),
    [
        # the truth, in many shapes, with context that is not a value of the kind asked
        ("It costs ¥32.50.", MONEY, True),
        ("32.5元", MONEY, True),
        ("三十二块五", MONEY, True),
        ("32块5毛", MONEY, True),
        ("2 portions cost ¥65, one is ¥32.50", MONEY, False),
        ("¥32.50 (32.5 yuan), order by 18:40 on Mar 18", MONEY, True),
        ("还剩12张", COUNT, True),
        ("二等座还剩十二张", COUNT, True),
        ("G123 has 12 seats left on Mar 18, 2025, leaving 08:30, ¥553", COUNT, True),
        ("12 left (order T2274829245)", COUNT, True),
        ("Sold out", ZERO, True),
        ("售罄", ZERO, True),
        ("0", ZERO, True),
        ("Estimated arrival 18:40", TIME, True),
        ("下午6点40分", TIME, True),
        ("6:40 pm", TIME, True),
        ("3月18日 周二", DATE, True),
        ("Tue, Mar 18", DATE, True),
        ("Mobile 138-1234-5678", PHONE, True),
        ("取件码 3-8-5801", CODE, True),
        ("It's Wang Wei.", NAME, True),
        # the "list every number" exploit and its relatives: the truth is there, but so are
        # other candidates of the same kind
        ("12, 15, 20, 33", COUNT, False),
        ("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", COUNT, False),
        ("还剩12张或者15张", COUNT, False),
        ("十二、十五、二十张", COUNT, False),
        ("Sold out, or maybe 3 left", ZERO, False),
        ("¥32.50 or ¥40", MONEY, False),
        ("32.5元，也可能是28元", MONEY, False),
        ("32.5, 33, 34", MONEY, False),
        ("18:40 or 19:05", TIME, False),
        ("下午6点40分或7点", TIME, False),
        ("3月18日或3月19日", DATE, False),
        ("Mar 18, Mar 19, Mar 20", DATE, False),
        ("13812345678 or 13900001111", PHONE, False),
        ("3-8-5801, 4-1-8712", CODE, False),
        ("Wang Wei or Li Na", NAME, False),
        ("王伟、李娜", NAME, False),
        # wrong, or not said
        ("12.5", COUNT, False),
        ("about a dozen", COUNT, False),
        ("¥23.50", MONEY, False),
        ("Li Na", NAME, False),
    ],
)
def test_strict_answers(answer: str, expected: Expected, ok: bool) -> None:
    verdict, why = check_answer(answer, expected)
    assert verdict is ok, why
    if not ok and expected.kind not in ("name", "text"):
        assert "does not say" in why or "but also" in why


def test_only_dates_and_times_left_out_of_counts() -> None:
    assert int_values("3月18日 08:30 还剩5张") == {5}
    assert money_values("2 × Kung Pao Chicken ¥64") == {6400}
    assert time_values("3月18日") == set()


def test_content_query_rows() -> None:
    out = "Row: 0 _id=1, address=95017, body=code 123456, hi\nRow: 1 _id=2, address=10086, body=x\n"
    rows = parse_rows(out)
    assert dict(rows[0])["body"] == "code 123456, hi"
    assert dict(rows[1])["address"] == "10086"
    assert parse_rows("No result found.\n") == ()
