"""Cities, stations, airports, districts and street addresses (English and Chinese).

A fixed gazetteer of fourteen Chinese cities with real coordinates, main railway stations and
airports (Suzhou has no airport, so no flights go there). Street addresses are generated from
each city's districts and common street names: ``88 Jianguo Road, Chaoyang District, Beijing``
/ ``北京市朝阳区建国路88号``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from droidpilot.device.sim.app import Static
from droidpilot.device.sim.apps.world import Text

__all__ = [
    "CITIES",
    "City",
    "city",
    "distance_km",
    "find_city",
    "make_address",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class City(Static):
    code: str
    name: Text
    lat: float
    lon: float
    station: Text
    airport: Text | None = None
    airport_code: str = ""
    districts: tuple[Text, ...] = ()


def _d(*pairs: str) -> tuple[Text, ...]:
    return tuple(Text(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))


CITIES: tuple[City, ...] = (
    City(code="BJS", name=Text("Beijing", "北京"), lat=39.904, lon=116.407,
         station=Text("Beijing South", "北京南"), airport=Text("Beijing Capital", "北京首都"),
         airport_code="PEK",
         districts=_d("Chaoyang", "朝阳", "Haidian", "海淀", "Dongcheng", "东城",
                      "Xicheng", "西城")),
    City(code="SHA", name=Text("Shanghai", "上海"), lat=31.230, lon=121.474,
         station=Text("Shanghai Hongqiao", "上海虹桥"), airport=Text("Shanghai Pudong", "上海浦东"),
         airport_code="PVG",
         districts=_d("Pudong", "浦东新", "Xuhui", "徐汇", "Jing'an", "静安", "Huangpu", "黄浦")),
    City(code="CAN", name=Text("Guangzhou", "广州"), lat=23.129, lon=113.264,
         station=Text("Guangzhou South", "广州南"), airport=Text("Guangzhou Baiyun", "广州白云"),
         airport_code="CAN",
         districts=_d("Tianhe", "天河", "Yuexiu", "越秀", "Haizhu", "海珠", "Panyu", "番禺")),
    City(code="SZX", name=Text("Shenzhen", "深圳"), lat=22.543, lon=114.058,
         station=Text("Shenzhen North", "深圳北"), airport=Text("Shenzhen Bao'an", "深圳宝安"),
         airport_code="SZX",
         districts=_d("Futian", "福田", "Nanshan", "南山", "Luohu", "罗湖", "Bao'an", "宝安")),
    City(code="HGZ", name=Text("Hangzhou", "杭州"), lat=30.274, lon=120.155,
         station=Text("Hangzhou East", "杭州东"), airport=Text("Hangzhou Xiaoshan", "杭州萧山"),
         airport_code="HGH",
         districts=_d("Xihu", "西湖", "Shangcheng", "上城", "Gongshu", "拱墅", "Binjiang", "滨江")),
    City(code="NKG", name=Text("Nanjing", "南京"), lat=32.060, lon=118.797,
         station=Text("Nanjing South", "南京南"), airport=Text("Nanjing Lukou", "南京禄口"),
         airport_code="NKG", districts=_d("Xuanwu", "玄武", "Gulou", "鼓楼", "Qinhuai", "秦淮")),
    City(code="XIY", name=Text("Xi'an", "西安"), lat=34.341, lon=108.940,
         station=Text("Xi'an North", "西安北"), airport=Text("Xi'an Xianyang", "西安咸阳"),
         airport_code="XIY", districts=_d("Yanta", "雁塔", "Beilin", "碑林", "Lianhu", "莲湖")),
    City(code="CTU", name=Text("Chengdu", "成都"), lat=30.573, lon=104.066,
         station=Text("Chengdu East", "成都东"), airport=Text("Chengdu Tianfu", "成都天府"),
         airport_code="TFU",
         districts=_d("Jinjiang", "锦江", "Wuhou", "武侯", "Qingyang", "青羊", "Chenghua", "成华")),
    City(code="WUH", name=Text("Wuhan", "武汉"), lat=30.593, lon=114.305,
         station=Text("Wuhan", "武汉"), airport=Text("Wuhan Tianhe", "武汉天河"),
         airport_code="WUH",
         districts=_d("Wuchang", "武昌", "Jianghan", "江汉", "Hongshan", "洪山")),
    City(code="CKG", name=Text("Chongqing", "重庆"), lat=29.563, lon=106.551,
         station=Text("Chongqing North", "重庆北"), airport=Text("Chongqing Jiangbei", "重庆江北"),
         airport_code="CKG", districts=_d("Yuzhong", "渝中", "Jiangbei", "江北", "Nan'an", "南岸")),
    City(code="SZV", name=Text("Suzhou", "苏州"), lat=31.299, lon=120.585,
         station=Text("Suzhou", "苏州"),
         districts=_d("Gusu", "姑苏", "Wuzhong", "吴中", "Huqiu", "虎丘")),
    City(code="TSN", name=Text("Tianjin", "天津"), lat=39.343, lon=117.362,
         station=Text("Tianjin", "天津"), airport=Text("Tianjin Binhai", "天津滨海"),
         airport_code="TSN", districts=_d("Heping", "和平", "Hexi", "河西", "Nankai", "南开")),
    City(code="XMN", name=Text("Xiamen", "厦门"), lat=24.480, lon=118.089,
         station=Text("Xiamen North", "厦门北"), airport=Text("Xiamen Gaoqi", "厦门高崎"),
         airport_code="XMN", districts=_d("Siming", "思明", "Huli", "湖里", "Jimei", "集美")),
    City(code="TAO", name=Text("Qingdao", "青岛"), lat=36.067, lon=120.383,
         station=Text("Qingdao", "青岛"), airport=Text("Qingdao Jiaodong", "青岛胶东"),
         airport_code="TAO", districts=_d("Shinan", "市南", "Shibei", "市北", "Laoshan", "崂山")),
)  # fmt: skip

_BY_CODE = {c.code: c for c in CITIES}

_STREETS: tuple[Text, ...] = _d(
    "Renmin Road", "人民路", "Zhongshan Road", "中山路", "Jiefang Road", "解放路",
    "Jianshe Road", "建设路", "Heping Road", "和平路", "Xinhua Street", "新华街",
    "Wenhua Road", "文化路", "Chaoyang Street", "朝阳街", "Huaihai Road", "淮海路",
    "Binjiang Avenue", "滨江大道", "Kexue Avenue", "科学大道", "Qingnian Road", "青年路",
    "Changjiang Road", "长江路", "Dongfeng Road", "东风路", "Xingfu Street", "幸福街",
)  # fmt: skip
_COMPOUNDS: tuple[Text, ...] = _d(
    "Sunshine Garden", "阳光花园", "Green Lake Residence", "绿湖家园", "Riverside Court",
    "滨江苑", "Maple Estate", "枫林小区", "Golden Bay", "金色港湾", "Peony Garden", "牡丹园",
    "Lakeview Towers", "湖景大厦", "Pine Hill", "松山苑",
)  # fmt: skip


def city(code: str) -> City:
    """The city with this code (``KeyError`` if none)."""
    return _BY_CODE[code]


def find_city(query: str) -> City | None:
    """The city whose name (either language) or code equals ``query``, else ``None``."""
    q = query.strip()
    for c in CITIES:
        if c.code.casefold() == q.casefold() or c.name.equals(q):
            return c
    # "Beijing South" / "北京南": a station name names its city too.
    for c in CITIES:
        if c.station.equals(q) or (c.airport is not None and c.airport.equals(q)):
            return c
    return None


def distance_km(a: City | tuple[float, float], b: City | tuple[float, float]) -> float:
    """Great-circle distance between two cities or two (lat, lon) points."""
    la1, lo1 = (a.lat, a.lon) if isinstance(a, City) else a
    la2, lo2 = (b.lat, b.lon) if isinstance(b, City) else b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def make_address(rng: random.Random, c: City, *, residential: bool = False) -> Text:
    """A street address in ``c``; a residential one names a compound, building and flat."""
    district = rng.choice(c.districts) if c.districts else Text("", "")
    street = rng.choice(_STREETS)
    number = rng.randrange(1, 300)
    d_en = f", {district.en} District" if district.en else ""
    d_zh = f"{district.zh}区" if district.zh else ""
    en = f"{number} {street.en}{d_en}, {c.name.en}"
    zh = f"{c.name.zh}市{d_zh}{street.zh}{number}号"
    if residential:
        compound = rng.choice(_COMPOUNDS)
        building, flat = rng.randrange(1, 20), rng.randrange(1, 30) * 100 + rng.randrange(1, 6)
        en = f"Room {flat}, Building {building}, {compound.en}, {en}"
        zh = f"{zh}{compound.zh}{building}号楼{flat}室"
    return Text(en, zh)
