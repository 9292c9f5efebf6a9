"""Maps: places around "my location" in the owner's home city, search, distance and ETA.

Content rules tasks can rely on: ``PLACE_COUNT`` places in the owner's home city with unique
names (restaurants, cafés, malls, parks, hospitals, hotels, offices, supermarkets, gyms,
libraries), each with a street address in that city; my location is near the city centre;
distance is the straight-line distance in km (one decimal), ETAs are by car (25 km/h in town
plus 3 minutes), on foot (4.8 km/h) and by transit (18 km/h plus 8 minutes), whole minutes
rounded up. Search matches names, categories and addresses in either language, nearest first.
Two saved places: Home (the owner's address) and Work.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.geo import City, city, distance_km, make_address
from droidpilot.device.sim.apps.world import Text, owner_for, sub_rng

__all__ = ["CATEGORIES", "PLACE_COUNT", "MapsModel", "Place", "TravelMode"]

PLACE_COUNT = 24
TravelMode = Literal["drive", "walk", "transit"]

CATEGORIES: dict[str, Text] = {
    "restaurant": Text("Restaurant", "餐厅"),
    "cafe": Text("Café", "咖啡馆"),
    "mall": Text("Shopping mall", "商场"),
    "park": Text("Park", "公园"),
    "hospital": Text("Hospital", "医院"),
    "hotel": Text("Hotel", "酒店"),
    "office": Text("Office building", "写字楼"),
    "supermarket": Text("Supermarket", "超市"),
    "gym": Text("Gym", "健身房"),
    "library": Text("Library", "图书馆"),
}
_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "restaurant": (("Golden Dragon Restaurant", "金龙酒家"), ("Old Town Noodle House", "老城面馆"),
                   ("Spicy Garden", "麻辣园"), ("Dumpling King", "饺子王"),
                   ("Harbour Seafood", "海港海鲜")),
    "cafe": (("Green Leaf Café", "绿叶咖啡"), ("Morning Brew", "晨光咖啡"),
             ("Corner Bookshop Café", "街角书店咖啡")),
    "mall": (("Sunshine Plaza", "阳光广场"), ("Century Mall", "世纪商城"),
             ("Riverside Mall", "滨江购物中心")),
    "park": (("Riverside Park", "滨江公园"), ("Lotus Pond Park", "荷塘公园"),
             ("People's Park", "人民公园")),
    "hospital": (("Central Hospital", "中心医院"), ("Children's Hospital", "儿童医院")),
    "hotel": (("Lakeside Hotel", "湖畔酒店"), ("City Inn", "城市客栈")),
    "office": (("Innovation Tower", "创新大厦"), ("Tech Park Building A", "科技园A座"),
               ("Global Trade Center", "环球贸易中心")),
    "supermarket": (("FreshMart", "鲜果超市"), ("Family Supermarket", "家家乐超市")),
    "gym": (("PowerFit Gym", "力动健身"), ("Blue Wave Swimming Center", "蓝浪游泳馆")),
    "library": (("City Library", "市图书馆"), ("Youth Reading Room", "青年阅览室")),
}  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Place(Static):
    id: str
    name: Text
    category: str
    address: Text
    lat: float
    lon: float
    rating: float
    phone: str
    hours: Text

    @property
    def category_name(self) -> Text:
        return CATEGORIES.get(self.category, Text.same(self.category))


@dataclass(kw_only=True)
class MapsModel(Model):
    """Places, my location, saved places, searches and shares."""

    seed: int
    city: str
    here: tuple[float, float]
    places: tuple[Place, ...]
    home: Place
    work: Place
    recent: list[str] = field(default_factory=list)  # searches, newest first
    shared: list[tuple[str, str]] = field(default_factory=list)  # (place id, text)

    @classmethod
    def generate(cls, seed: int) -> MapsModel:
        owner = owner_for(seed)
        c = city(owner.home_city)
        rng = sub_rng(seed, "maps")
        here = (c.lat + rng.uniform(-0.01, 0.01), c.lon + rng.uniform(-0.01, 0.01))
        pool = [(cat, n) for cat, names in _NAMES.items() for n in names]
        chosen = rng.sample(pool, min(PLACE_COUNT, len(pool)))
        places = tuple(
            _place(rng, c, here, f"P{i + 1}", cat, n) for i, (cat, n) in enumerate(chosen)
        )
        home = _place(rng, c, here, "HOME", "home", ("Home", "家"), residential=True, near=0.02)
        work = _place(rng, c, here, "WORK", "office", ("Work", "公司"), near=0.05)
        return cls(seed=seed, city=c.code, here=here, places=places, home=home, work=work)

    # ------------------------------------------------------------------ task-facing, read-only

    def place(self, place_id: str) -> Place | None:
        for p in (*self.places, self.home, self.work):
            if p.id == place_id:
                return p
        return None

    def find(self, name: str) -> Place | None:
        return next((p for p in self.places if p.name.equals(name)), None)

    def distance_km(self, p: Place) -> float:
        return round(distance_km(self.here, (p.lat, p.lon)), 1)

    def eta_min(self, p: Place, mode: TravelMode = "drive") -> int:
        km = distance_km(self.here, (p.lat, p.lon)) * 1.3  # roads are not straight
        if mode == "walk":
            return max(1, math.ceil(km / 4.8 * 60))
        if mode == "transit":
            return math.ceil(km / 18 * 60 + 8)
        return math.ceil(km / 25 * 60 + 3)

    def search(self, query: str) -> tuple[Place, ...]:
        q = query.strip()
        if not q:
            return ()
        hits = [
            p
            for p in self.places
            if p.name.matches(q) or p.category_name.matches(q) or p.address.matches(q)
        ]
        return tuple(sorted(hits, key=lambda p: (self.distance_km(p), p.id)))

    def share_text(self, p: Place, lang: str) -> str:
        """What "Share" sends: name, address and a map link."""
        return f"{p.name.get(lang)}\n{p.address.get(lang)}\nhttps://maps.example.com/?q={p.id}"

    # ------------------------------------------------------------------ actions

    def remember_search(self, query: str) -> None:
        q = query.strip()
        if q:
            self.recent = [q, *[r for r in self.recent if r != q]][:8]

    def record_share(self, p: Place, text: str) -> None:
        self.shared.append((p.id, text))


def _place(
    rng: random.Random,
    c: City,
    here: tuple[float, float],
    pid: str,
    category: str,
    name: tuple[str, str],
    *,
    residential: bool = False,
    near: float = 0.08,
) -> Place:
    open_h, close_h = rng.choice(((7, 22), (9, 21), (10, 22), (0, 24)))
    hours = (
        Text("Open 24 hours", "24小时营业")
        if (open_h, close_h) == (0, 24)
        else Text(
            f"Open {open_h:02d}:00-{close_h:02d}:00", f"营业时间 {open_h:02d}:00-{close_h:02d}:00"
        )
    )
    return Place(
        id=pid,
        name=Text(*name),
        category=category,
        address=make_address(rng, c, residential=residential),
        lat=here[0] + rng.uniform(-near, near),
        lon=here[1] + rng.uniform(-near, near),
        rating=round(rng.uniform(3.5, 4.9), 1),
        phone=f"0{rng.randrange(10, 99)}-{rng.randrange(10000000, 99999999)}",
        hours=hours,
    )
