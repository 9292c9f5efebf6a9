"""The shared seeded world of the personal apps: bilingual text, money, people, the owner.

Every app model keeps its content as :class:`Text` (an English and a Chinese form) and shows
the one that matches the phone's locale, so switching the locale changes the content language
while tasks read the same state. Randomness comes only from :func:`sub_rng`, a
``random.Random`` seeded from the phone seed and a key, so the same seed always gives the same
content whatever order the models are built in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, Protocol

from droidpilot.device.sim.app import Static

__all__ = [
    "Lang",
    "Memo",
    "Owner",
    "Text",
    "format_money",
    "make_names",
    "make_phone",
    "owner_for",
    "sub_rng",
]

Lang = Literal["en", "zh"]


class _Localized(Protocol):
    def get(self, lang: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Text(Static):
    """A piece of content in English and Chinese."""

    en: str
    zh: str

    @classmethod
    def same(cls, value: str) -> Text:
        """Text that reads the same in both languages (a number, a code, typed text)."""
        return cls(value, value)

    @classmethod
    def of(cls, value: str | _Localized) -> Text:
        """``value`` as a Text: a plain string reads the same in both languages."""
        if isinstance(value, str):
            return cls(value, value)
        return cls(value.get("en"), value.get("zh"))

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def matches(self, query: str) -> bool:
        """Whether ``query`` occurs in either form (case-insensitive, spaces ignored)."""
        q = _fold(query)
        return bool(q) and (q in _fold(self.en) or q in _fold(self.zh))

    def equals(self, value: str) -> bool:
        """Whether ``value`` is either form (case-insensitive, spaces ignored)."""
        v = _fold(value)
        return v in (_fold(self.en), _fold(self.zh))

    def __str__(self) -> str:
        return self.en


class Memo(Static):
    """A cache of content derived from the seed alone: snapshots share it (never copied)."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: dict[object, object] = {}


def _fold(value: str) -> str:
    # searches fold the same names every frame: each is folded once
    hit = _FOLDED.get(value)
    if hit is None:
        if len(_FOLDED) > 50_000:
            _FOLDED.clear()
        hit = _FOLDED[value] = "".join(value.split()).casefold()
    return hit


_FOLDED: dict[str, str] = {}


def sub_rng(seed: int, *key: object) -> random.Random:
    """A generator for one part of the world: deterministic in ``(seed, *key)``."""
    return random.Random(":".join([str(seed), *map(str, key)]))


def format_money(cents: int) -> str:
    """``¥553`` for whole yuan, ``¥553.50`` otherwise; negative amounts get a minus sign."""
    sign = "-" if cents < 0 else ""
    yuan, fen = divmod(abs(cents), 100)
    return f"{sign}¥{yuan}" if fen == 0 else f"{sign}¥{yuan}.{fen:02d}"


# --------------------------------------------------------------------------- people

_SURNAMES: tuple[tuple[str, str], ...] = (
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
    ("Yang", "杨"), ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"),
    ("Xu", "徐"), ("Sun", "孙"), ("Hu", "胡"), ("Zhu", "朱"), ("Gao", "高"),
    ("Lin", "林"), ("He", "何"), ("Guo", "郭"), ("Ma", "马"), ("Luo", "罗"),
)  # fmt: skip
_GIVEN: tuple[tuple[str, str], ...] = (
    ("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"),
    ("Lei", "磊"), ("Yang", "洋"), ("Yong", "勇"), ("Jie", "杰"), ("Juan", "娟"),
    ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"), ("Xiuying", "秀英"), ("Hua", "华"),
    ("Hui", "慧"), ("Qiang", "强"), ("Lan", "兰"), ("Xin", "欣"), ("Yu", "宇"),
    ("Haoran", "浩然"), ("Zihan", "子涵"), ("Yuxuan", "雨萱"), ("Jun", "军"), ("Ping", "平"),
    ("Xiaoling", "晓玲"), ("Jianguo", "建国"), ("Mei", "梅"), ("Kai", "凯"), ("Ning", "宁"),
)  # fmt: skip


def make_names(rng: random.Random, count: int, *, avoid: tuple[Text, ...] = ()) -> list[Text]:
    """``count`` distinct person names (surname first in both languages)."""
    taken = {t.zh for t in avoid} | {t.en for t in avoid}
    out: list[Text] = []
    used_surnames: set[str] = set()
    while len(out) < count:
        s_en, s_zh = rng.choice(_SURNAMES)
        g_en, g_zh = rng.choice(_GIVEN)
        # Spread surnames so names are easy to tell apart in a list.
        if s_en in used_surnames and len(used_surnames) < len(_SURNAMES) // 2:
            continue
        name = Text(f"{s_en} {g_en}", f"{s_zh}{g_zh}")
        if name.en in taken or name.zh in taken:
            continue
        taken |= {name.en, name.zh}
        used_surnames.add(s_en)
        out.append(name)
    return out


def make_phone(rng: random.Random) -> str:
    """A mainland mobile number, eleven digits (``13812345678``)."""
    prefix = rng.choice(("138", "139", "137", "186", "188", "159", "150", "177", "133", "135"))
    return prefix + "".join(str(rng.randrange(10)) for _ in range(8))


@dataclass(frozen=True, slots=True, kw_only=True)
class Owner(Static):
    """The phone's owner: the traveller, the sender of messages, the account holder."""

    name: Text
    phone: str
    id_number: str  # an 18-character resident ID number
    home_city: str  # a city code from :mod:`geo`

    @property
    def id_masked(self) -> str:
        return self.id_number[:4] + "*" * 10 + self.id_number[-4:]


#: Cities the owner may live in (they have full street data in :mod:`geo`).
HOME_CITIES: tuple[str, ...] = ("BJS", "SHA", "HGZ", "SZX", "CAN", "CTU")


def owner_for(seed: int) -> Owner:
    """The owner of the phone built from ``seed``."""
    rng = sub_rng(seed, "owner")
    (name,) = make_names(rng, 1)
    phone = make_phone(rng)
    birth = f"{rng.randrange(1975, 2003)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    id_number = f"{rng.randrange(110000, 650000)}{birth}{rng.randrange(1000, 9999)}"
    return Owner(name=name, phone=phone, id_number=id_number, home_city=rng.choice(HOME_CITIES))
