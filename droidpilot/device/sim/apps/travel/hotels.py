"""Hotels per city: room types, nightly prices and rooms left per night.

Content rules tasks can rely on: six hotels in every city, two to five stars; a standard king
and a twin room everywhere, a deluxe suite in four- and five-star hotels; Friday and Saturday
nights cost 20 % more; about one room type in ten is full on a given night; rooms are on sale
for ``HOTEL_HORIZON_DAYS`` days from today. A stay's price is the sum of its nights' prices
times the number of rooms; it can be booked only if every night has enough rooms left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from droidpilot.device.sim.app import Static
from droidpilot.device.sim.apps.geo import CITIES, City, make_address
from droidpilot.device.sim.apps.world import Memo, Text, sub_rng
from droidpilot.errors import ValidationError

__all__ = ["HOTEL_HORIZON_DAYS", "Hotel", "Hotels", "RoomType", "nights"]

HOTEL_HORIZON_DAYS = 60

_BRANDS: tuple[tuple[str, str], ...] = (
    ("Lotus Inn", "莲花客栈"), ("Jade Garden Hotel", "翠园酒店"), ("Riverside Hotel", "江畔酒店"),
    ("Plum Blossom Inn", "梅花客栈"), ("Grand Harmony Hotel", "和谐大酒店"),
    ("Silver Bay Hotel", "银湾酒店"), ("Cloud Nine Hotel", "九霄云酒店"), ("Bamboo House", "竹舍"),
    ("Golden Phoenix Hotel", "金凤凰酒店"), ("Starlight Express Inn", "星光快捷酒店"),
    ("Four Seasons Garden Hotel", "四季花园酒店"), ("Pearl Tower Hotel", "明珠大酒店"),
)  # fmt: skip
_PRICE_BY_STARS = {2: (150, 250), 3: (250, 420), 4: (450, 750), 5: (900, 1800)}


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomType(Static):
    code: str  # "king", "twin", "suite"
    name: Text
    price: int  # cents per night on a weekday
    guests: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Hotel(Static):
    id: str  # "HGZ-H3"
    city: str
    name: Text
    stars: int
    rating: float  # out of 5
    address: Text
    rooms: tuple[RoomType, ...]

    def room(self, code: str) -> RoomType:
        for r in self.rooms:
            if r.code == code:
                return r
        raise ValidationError(f"{self.name.en} has no {code!r} room")

    @property
    def from_price(self) -> int:
        return min(r.price for r in self.rooms)


def nights(check_in: dt.date, check_out: dt.date) -> tuple[dt.date, ...]:
    """The nights of a stay (check-in day up to the day before check-out)."""
    return tuple(check_in + dt.timedelta(days=i) for i in range((check_out - check_in).days))


class Hotels:
    """Every hotel, with rooms left per night; bookings take rooms."""

    def __init__(self, seed: int, today: dt.date, *, horizon_days: int = HOTEL_HORIZON_DAYS):
        self.seed = seed
        self.today = today
        self.horizon_days = horizon_days
        self._memo = Memo()  # the hotels (seed content), shared by snapshots
        by_city = {c.code: self._make(c) for c in CITIES}
        self._memo.data["city"] = by_city
        self._memo.data["id"] = {h.id: h for hs in by_city.values() for h in hs}
        self._taken: dict[tuple[str, str, dt.date], int] = {}

    @property
    def _by_city(self) -> dict[str, tuple[Hotel, ...]]:
        return cast("dict[str, tuple[Hotel, ...]]", self._memo.data["city"])

    @property
    def _by_id(self) -> dict[str, Hotel]:
        return cast("dict[str, Hotel]", self._memo.data["id"])

    # ------------------------------------------------------------------ queries

    def in_city(self, city_code: str) -> tuple[Hotel, ...]:
        return self._by_city.get(city_code, ())

    def hotel(self, hotel_id: str) -> Hotel:
        try:
            return self._by_id[hotel_id]
        except KeyError:
            raise ValidationError(f"no such hotel: {hotel_id!r}") from None

    def night_price(self, hotel_id: str, room: str, night: dt.date) -> int:
        base = self.hotel(hotel_id).room(room).price
        return base * 6 // 5 if night.weekday() in (4, 5) else base

    def rooms_left(self, hotel_id: str, room: str, night: dt.date) -> int:
        self.hotel(hotel_id).room(room)
        if not self.today <= night < self.today + dt.timedelta(days=self.horizon_days):
            return 0
        rng = sub_rng(self.seed, "hotel", hotel_id, room, night.isoformat())
        base = 0 if rng.random() < 0.1 else rng.randint(1, 15)
        return max(0, base - self._taken.get((hotel_id, room, night), 0))

    def available(self, hotel_id: str, room: str, check_in: dt.date, check_out: dt.date) -> int:
        """Rooms of this type free on every night of the stay (0 for an empty stay)."""
        stay = nights(check_in, check_out)
        return min((self.rooms_left(hotel_id, room, n) for n in stay), default=0)

    def quote(
        self, hotel_id: str, room: str, check_in: dt.date, check_out: dt.date, rooms: int = 1
    ) -> int:
        """The price of a stay in cents."""
        return rooms * sum(self.night_price(hotel_id, room, n) for n in nights(check_in, check_out))

    def search(
        self,
        city_code: str,
        check_in: dt.date,
        check_out: dt.date,
        *,
        rooms: int = 1,
        max_night_price: int | None = None,
    ) -> tuple[Hotel, ...]:
        """Hotels with some room type free for the whole stay, cheapest first.

        ``max_night_price`` (cents) keeps hotels whose cheapest free room averages at most that.
        """
        out: list[tuple[int, str, Hotel]] = []
        n = len(nights(check_in, check_out))
        for h in self.in_city(city_code):
            prices = [
                self.quote(h.id, r.code, check_in, check_out) // max(1, n)
                for r in h.rooms
                if self.available(h.id, r.code, check_in, check_out) >= rooms
            ]
            if not prices or (max_night_price is not None and min(prices) > max_night_price):
                continue
            out.append((min(prices), h.id, h))
        return tuple(h for _, _, h in sorted(out))

    # ------------------------------------------------------------------ bookings

    def take(
        self, hotel_id: str, room: str, check_in: dt.date, check_out: dt.date, rooms: int
    ) -> None:
        left = self.available(hotel_id, room, check_in, check_out)
        if check_out <= check_in:
            raise ValidationError("check-out must be after check-in")
        if rooms < 1 or rooms > left:
            raise ValidationError(f"{hotel_id} {room}: {left} rooms free, asked for {rooms}")
        for n in nights(check_in, check_out):
            key = (hotel_id, room, n)
            self._taken[key] = self._taken.get(key, 0) + rooms

    def give_back(
        self, hotel_id: str, room: str, check_in: dt.date, check_out: dt.date, rooms: int
    ) -> None:
        for n in nights(check_in, check_out):
            key = (hotel_id, room, n)
            self._taken[key] = max(0, self._taken.get(key, 0) - rooms)

    # ------------------------------------------------------------------ generation

    def _make(self, c: City) -> tuple[Hotel, ...]:
        rng = sub_rng(self.seed, "hotels", c.code)
        out = []
        for i, (b_en, b_zh) in enumerate(rng.sample(_BRANDS, 6)):
            stars = (2, 3, 3, 4, 4, 5)[i] if rng.random() < 0.8 else rng.randint(2, 5)
            lo, hi = _PRICE_BY_STARS[stars]
            king = rng.randrange(lo, hi + 1, 10) * 100
            rooms = [
                RoomType(
                    code="king", name=Text("Standard King", "标准大床房"), price=king, guests=2
                ),
                RoomType(
                    code="twin", name=Text("Twin Room", "双床房"), price=king * 21 // 20, guests=2
                ),
            ]
            if stars >= 4:
                rooms.append(
                    RoomType(
                        code="suite",
                        name=Text("Deluxe Suite", "豪华套房"),
                        price=king * 9 // 5,
                        guests=3,
                    )
                )
            district = rng.choice(c.districts)
            out.append(
                Hotel(
                    id=f"{c.code}-H{i + 1}",
                    city=c.code,
                    name=Text(
                        f"{b_en} {c.name.en} {district.en}", f"{b_zh}（{c.name.zh}{district.zh}店）"
                    ),
                    stars=stars,
                    rating=round(rng.uniform(3.6, 4.9), 1),
                    address=make_address(rng, c),
                    rooms=tuple(rooms),
                )
            )
        order = sorted(out, key=lambda h: (-h.rating, h.id))
        return tuple(order)
