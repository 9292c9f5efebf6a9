"""Attraction tickets: attractions by city, ticket types, tickets left per type per day.

Content rules tasks can rely on: tickets are on sale for ``TICKET_DAYS`` days from today
(today included); three types, adult, child and senior (child and senior pay half, rounded
down to whole yuan); an attraction with a weekly closing day (museums: Monday) has no tickets
that day (status ``closed``); on a ``sold_out`` day every type has 0 left; each attraction has
at least one sold-out day in the window and some start with one to three sold-out days, so
the first available day is not always today. A purchase is ``unpaid`` until the wallet pays
it, and can be cancelled for a full refund before the visit day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal, cast

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.world import Memo, Text, sub_rng
from droidpilot.errors import ValidationError

__all__ = [
    "MERCHANT",
    "TICKET_DAYS",
    "TICKET_TYPES",
    "Attraction",
    "DayStatus",
    "TicketPurchase",
    "TicketsModel",
]

TICKET_DAYS = 14
MERCHANT = Text("Droid Tickets", "畅游门票")
TICKET_TYPES: dict[str, Text] = {
    "adult": Text("Adult", "成人票"),
    "child": Text("Child", "儿童票"),
    "senior": Text("Senior", "老人票"),
}
DayStatus = Literal["available", "sold_out", "closed", "off_sale"]
PurchaseStatus = Literal["unpaid", "paid", "cancelled"]

# (city, id, en, zh, adult price in yuan, closed weekday or -1)
_ATTRACTIONS: tuple[tuple[str, str, str, str, int, int], ...] = (
    ("BJS", "forbidden-city", "Forbidden City", "故宫博物院", 60, 0),
    ("BJS", "great-wall", "Badaling Great Wall", "八达岭长城", 40, -1),
    ("BJS", "temple-of-heaven", "Temple of Heaven", "天坛公园", 34, -1),
    ("BJS", "summer-palace", "Summer Palace", "颐和园", 30, -1),
    ("SHA", "pearl-tower", "Oriental Pearl Tower", "东方明珠", 199, -1),
    ("SHA", "disneyland", "Shanghai Disneyland", "上海迪士尼乐园", 475, -1),
    ("SHA", "yu-garden", "Yu Garden", "豫园", 40, 0),
    ("HGZ", "west-lake-cruise", "West Lake Cruise", "西湖游船", 55, -1),
    ("HGZ", "lingyin-temple", "Lingyin Temple", "灵隐寺", 75, -1),
    ("HGZ", "songcheng", "Songcheng Park", "宋城景区", 310, -1),
    ("SZX", "window-of-world", "Window of the World", "世界之窗", 220, -1),
    ("SZX", "happy-valley", "Happy Valley", "欢乐谷", 230, -1),
    ("CAN", "canton-tower", "Canton Tower", "广州塔", 150, -1),
    ("CAN", "safari-park", "Chimelong Safari Park", "长隆野生动物世界", 350, -1),
    ("CTU", "panda-base", "Giant Panda Base", "大熊猫繁育研究基地", 55, -1),
    ("CTU", "dujiangyan", "Dujiangyan Irrigation System", "都江堰", 80, -1),
    ("CTU", "wuhou-shrine", "Wuhou Shrine", "武侯祠", 50, -1),
    ("XIY", "terracotta", "Terracotta Warriors", "秦始皇兵马俑", 120, -1),
    ("XIY", "wild-goose", "Big Wild Goose Pagoda", "大雁塔", 50, -1),
    ("XIY", "city-wall", "Xi'an City Wall", "西安城墙", 54, -1),
    ("NKG", "presidential-palace", "Presidential Palace", "总统府", 35, 0),
    ("NKG", "confucius-temple", "Confucius Temple", "夫子庙", 30, -1),
    ("WUH", "yellow-crane", "Yellow Crane Tower", "黄鹤楼", 70, -1),
    ("CKG", "cableway", "Yangtze River Cableway", "长江索道", 20, -1),
    ("SZV", "humble-garden", "Humble Administrator's Garden", "拙政园", 90, -1),
    ("SZV", "tiger-hill", "Tiger Hill", "虎丘", 70, -1),
    ("TSN", "tianjin-eye", "Tianjin Eye", "天津之眼", 70, -1),
    ("XMN", "gulangyu", "Gulangyu Island Ferry", "鼓浪屿轮渡", 35, -1),
    ("TAO", "beer-museum", "Tsingtao Beer Museum", "青岛啤酒博物馆", 60, -1),
)
_WEEKDAYS = (
    Text("Monday", "周一"), Text("Tuesday", "周二"), Text("Wednesday", "周三"),
    Text("Thursday", "周四"), Text("Friday", "周五"), Text("Saturday", "周六"),
    Text("Sunday", "周日"),
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Attraction(Static):
    id: str
    city: str
    name: Text
    description: Text
    hours: Text
    closed_weekday: int | None  # 0 = Monday
    prices: tuple[tuple[str, int], ...]  # (ticket type, cents)
    rating: float

    def price(self, ticket_type: str) -> int:
        for t, p in self.prices:
            if t == ticket_type:
                return p
        raise ValidationError(f"{self.name.en} has no {ticket_type!r} ticket")


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketPurchase(Static):
    id: str
    order_no: str
    attraction_id: str
    attraction_name: Text
    city: str
    date: dt.date
    ticket_type: str
    quantity: int
    total: int  # cents
    status: PurchaseStatus = "unpaid"
    created: dt.datetime
    payment_ref: str = ""
    refund: int = 0


class TicketsModel(Model):
    """Attractions, tickets left per type and day, and the user's purchases."""

    def __init__(self, seed: int, today: dt.date, *, days: int = TICKET_DAYS) -> None:
        self.seed = seed
        self.today = today
        self.days = days
        self._attractions = tuple(_make(seed, row) for row in _ATTRACTIONS)
        self._memo = Memo()  # seeded stock, shared by snapshots
        base: dict[tuple[str, dt.date, str], int] = {}
        for a in self._attractions:
            base.update(self._stock(a))
        self._memo.data["base"] = base
        self._memo.data["id"] = {a.id: a for a in self._attractions}
        self._taken: dict[tuple[str, dt.date, str], int] = {}
        self._purchases: list[TicketPurchase] = []

    # ------------------------------------------------------------------ task-facing, read-only

    @property
    def attractions(self) -> tuple[Attraction, ...]:
        return self._attractions

    @property
    def purchases(self) -> tuple[TicketPurchase, ...]:
        return tuple(self._purchases)

    def in_city(self, city_code: str) -> tuple[Attraction, ...]:
        return tuple(a for a in self._attractions if a.city == city_code)

    def attraction(self, attraction_id: str) -> Attraction:
        by_id = cast("dict[str, Attraction]", self._memo.data["id"])
        try:
            return by_id[attraction_id]
        except KeyError:
            raise ValidationError(f"no such attraction: {attraction_id!r}") from None

    def find(self, name: str) -> Attraction | None:
        return next((a for a in self._attractions if a.name.equals(name)), None)

    def sale_days(self) -> tuple[dt.date, ...]:
        return tuple(self.today + dt.timedelta(days=i) for i in range(self.days))

    def remaining(self, attraction_id: str, day: dt.date, ticket_type: str) -> int:
        self.attraction(attraction_id).price(ticket_type)
        key = (attraction_id, day, ticket_type)
        base = cast("dict[tuple[str, dt.date, str], int]", self._memo.data["base"])
        return max(0, base.get(key, 0) - self._taken.get(key, 0))

    def status(self, attraction_id: str, day: dt.date) -> DayStatus:
        a = self.attraction(attraction_id)
        if not self.today <= day < self.today + dt.timedelta(days=self.days):
            return "off_sale"
        if a.closed_weekday == day.weekday():
            return "closed"
        left = sum(self.remaining(a.id, day, t) for t, _ in a.prices)
        return "available" if left > 0 else "sold_out"

    def first_available(
        self, attraction_id: str, ticket_type: str = "adult", quantity: int = 1
    ) -> dt.date | None:
        for day in self.sale_days():
            if self.remaining(attraction_id, day, ticket_type) >= quantity:
                return day
        return None

    @staticmethod
    def weekday_name(weekday: int) -> Text:
        return _WEEKDAYS[weekday]

    # ------------------------------------------------------------------ actions

    def buy(
        self, attraction_id: str, day: dt.date, ticket_type: str, quantity: int, *, now: dt.datetime
    ) -> TicketPurchase:
        """Hold tickets and create an unpaid purchase."""
        a = self.attraction(attraction_id)
        price = a.price(ticket_type)
        left = self.remaining(attraction_id, day, ticket_type)
        if quantity < 1 or quantity > 20:
            raise ValidationError("buy between 1 and 20 tickets")
        if quantity > left:
            raise ValidationError(f"only {left} {ticket_type} tickets left on {day.isoformat()}")
        key = (attraction_id, day, ticket_type)
        self._taken[key] = self._taken.get(key, 0) + quantity
        rng = sub_rng(self.seed, "ticket-order", len(self._purchases))
        p = TicketPurchase(
            id=f"T{len(self._purchases) + 1}",
            order_no="M" + "".join(str(rng.randrange(10)) for _ in range(9)),
            attraction_id=a.id,
            attraction_name=a.name,
            city=a.city,
            date=day,
            ticket_type=ticket_type,
            quantity=quantity,
            total=price * quantity,
            created=now,
        )
        self._purchases.append(p)
        return p

    def purchase(self, purchase_id: str) -> TicketPurchase:
        for p in self._purchases:
            if p.id == purchase_id:
                return p
        raise ValidationError(f"no such purchase: {purchase_id!r}")

    def mark_paid(self, purchase_id: str, payment_ref: str) -> TicketPurchase:
        p = self.purchase(purchase_id)
        if p.status != "unpaid":
            raise ValidationError(f"purchase {purchase_id} is {p.status}, not unpaid")
        return self._replace(replace(p, status="paid", payment_ref=payment_ref))

    def cancel(self, purchase_id: str, now: dt.datetime) -> TicketPurchase:
        """Cancel before the visit day; a paid purchase is refunded in full."""
        p = self.purchase(purchase_id)
        if p.status == "cancelled" or now.date() >= p.date:
            raise ValidationError(f"purchase {purchase_id} can no longer be cancelled")
        key = (p.attraction_id, p.date, p.ticket_type)
        self._taken[key] = max(0, self._taken.get(key, 0) - p.quantity)
        refund = p.total if p.status == "paid" else 0
        return self._replace(replace(p, status="cancelled", refund=refund))

    # ------------------------------------------------------------------ helpers

    def _replace(self, new: TicketPurchase) -> TicketPurchase:
        self._purchases = [new if p.id == new.id else p for p in self._purchases]
        return new

    def _stock(self, a: Attraction) -> dict[tuple[str, dt.date, str], int]:
        rng = sub_rng(self.seed, "tickets", a.id)
        lead = rng.choice((0, 0, 0, 1, 2, 3))
        days = self.sale_days()
        open_days = [d for d in days if d.weekday() != a.closed_weekday]
        sold_out = {d for i, d in enumerate(open_days) if i < lead or rng.random() < 0.12}
        if not sold_out and open_days:
            sold_out.add(rng.choice(open_days[1:] or open_days))
        out: dict[tuple[str, dt.date, str], int] = {}
        for d in open_days:
            for t, _ in a.prices:
                if d in sold_out or rng.random() < 0.08:
                    left = 0
                else:
                    tier = rng.random()
                    left = rng.randint(1, 20) if tier < 0.3 else rng.randint(21, 300)
                    left = left if t == "adult" else max(1, left // 3)
                out[(a.id, d, t)] = left
        return out


def _make(seed: int, row: tuple[str, str, str, str, int, int]) -> Attraction:
    city_code, aid, en, zh, adult, closed = row
    rng = sub_rng(seed, "attraction", aid)
    half = adult // 2 * 100
    open_h, close_h = rng.choice(((8, 17), (8, 18), (9, 17), (9, 21)))
    closed_day = closed if closed >= 0 else None
    closed_en = f"; closed on {_WEEKDAYS[closed].en}s" if closed_day is not None else ""
    closed_zh = f"，{_WEEKDAYS[closed].zh}闭馆" if closed_day is not None else ""
    return Attraction(
        id=aid,
        city=city_code,
        name=Text(en, zh),
        description=Text(
            f"{en}: one of the most visited sights of the city. Book ahead; tickets are "
            "valid for the chosen day only.",
            f"{zh}：城市最受欢迎的景点之一。请提前预订，门票仅限所选日期当天有效。",
        ),
        hours=Text(
            f"Open {open_h:02d}:00-{close_h:02d}:00{closed_en}",
            f"开放时间 {open_h:02d}:00-{close_h:02d}:00{closed_zh}",
        ),
        closed_weekday=closed_day,
        prices=(("adult", adult * 100), ("child", half), ("senior", half)),
        rating=round(rng.uniform(4.2, 4.9), 1),
    )
