"""The food domain's raw content: cuisines, restaurants, dishes and option profiles.

Plain tables, in English and Chinese; :mod:`.generate` turns them into seeded catalogs.
Prices here are base prices in whole yuan; each restaurant and each app moves them a little.
Several dishes appear in more than one cuisine's menu (egg fried rice, cola, chicken wings)
and every cuisine has two or three restaurants, so "the cheapest restaurant for a dish" has
more than one answer to choose from.
"""

from __future__ import annotations

from dataclasses import dataclass

from droidpilot.device.sim.apps.world import Text

__all__ = [
    "CUISINES",
    "DISHES",
    "RESTAURANTS",
    "SECTIONS",
    "DishTemplate",
    "RestaurantTemplate",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RestaurantTemplate:
    key: str
    name: Text
    cuisine: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DishTemplate:
    key: str
    name: Text
    section: str
    base: int  # whole yuan
    description: Text
    options: tuple[str, ...] = ()  # option profile keys, see generate.OPTION_PROFILES


def _t(en: str, zh: str) -> Text:
    return Text(en, zh)


CUISINES: dict[str, Text] = {
    "sichuan": _t("Sichuan", "川菜"),
    "cantonese": _t("Cantonese", "粤菜"),
    "noodles": _t("Noodles", "面馆"),
    "dumplings": _t("Dumplings", "饺子馄饨"),
    "burgers": _t("Burgers", "汉堡炸鸡"),
    "pizza": _t("Pizza & Pasta", "披萨意面"),
    "japanese": _t("Japanese", "日料"),
    "drinks": _t("Tea & Coffee", "奶茶咖啡"),
}

SECTIONS: dict[str, Text] = {
    "mains": _t("Mains", "招牌热菜"),
    "dimsum": _t("Dim sum", "精美点心"),
    "sushi": _t("Sushi", "寿司"),
    "burgers": _t("Burgers", "汉堡"),
    "pizza": _t("Pizza", "披萨"),
    "noodles": _t("Noodles", "面食"),
    "dumplings": _t("Dumplings", "饺子"),
    "staples": _t("Rice & staples", "主食"),
    "sides": _t("Sides", "小吃凉菜"),
    "tea": _t("Tea", "茶饮"),
    "coffee": _t("Coffee", "咖啡"),
    "bakery": _t("Bakery", "烘焙甜点"),
    "drinks": _t("Drinks", "饮品"),
}

RESTAURANTS: tuple[RestaurantTemplate, ...] = tuple(
    RestaurantTemplate(key=k, name=_t(en, zh), cuisine=c)
    for k, en, zh, c in (
        ("chengdu-taste", "Chengdu Taste", "成都味道", "sichuan"),
        ("spicy-garden", "Spicy Garden", "麻辣园", "sichuan"),
        ("bashu-kitchen", "Bashu Kitchen", "巴蜀小厨", "sichuan"),
        ("pearl-river", "Pearl River Kitchen", "珠江小馆", "cantonese"),
        ("golden-dimsum", "Golden Dim Sum", "金点心", "cantonese"),
        ("lanzhou-noodles", "Lanzhou Noodle House", "兰州拉面馆", "noodles"),
        ("old-beijing", "Old Beijing Noodles", "老北京面馆", "noodles"),
        ("noodle-bar-88", "Noodle Bar 88", "88号面吧", "noodles"),
        ("dumpling-king", "Dumpling King", "饺子大王", "dumplings"),
        ("auntie-wang", "Auntie Wang's Dumplings", "王阿姨水饺", "dumplings"),
        ("burger-barn", "Burger Barn", "汉堡谷仓", "burgers"),
        ("smash-burger", "Smash Burger Co.", "大口汉堡", "burgers"),
        ("pizza-corner", "Pizza Corner", "披萨角", "pizza"),
        ("napoli-oven", "Napoli Oven", "那不勒斯烤炉", "pizza"),
        ("sakura-sushi", "Sakura Sushi", "樱花寿司", "japanese"),
        ("tokyo-ramen", "Tokyo Ramen", "东京拉面", "japanese"),
        ("cloud-tea", "Cloud Tea", "云朵茶饮", "drinks"),
        ("bean-street", "Bean Street Coffee", "豆街咖啡", "drinks"),
    )
)


def _d(
    key: str, en: str, zh: str, section: str, base: int, den: str, dzh: str, *opts: str
) -> DishTemplate:
    return DishTemplate(
        key=key,
        name=_t(en, zh),
        section=section,
        base=base,
        description=_t(den, dzh),
        options=opts,
    )


# fmt: off
_FRIED_RICE = _d("egg-fried-rice", "Egg Fried Rice", "蛋炒饭", "staples", 15,
                 "Wok-fried rice with egg and spring onion.", "鸡蛋葱花大火快炒。", "size", "rice")
_RICE = _d("steamed-rice", "Steamed Rice", "米饭", "staples", 3,
           "A bowl of steamed jasmine rice.", "一碗香米饭。")
_COLA = _d("cola", "Cola", "可乐", "drinks", 6, "Chilled 330 ml can.", "冰镇330毫升罐装。")
_PLUM = _d("sour-plum-drink", "Sour Plum Drink", "酸梅汤", "drinks", 8,
           "House-made, sweet and sour.", "自制酸梅汤，酸甜解腻。", "drink_size")
_CUCUMBER = _d("smashed-cucumber", "Smashed Cucumber", "拍黄瓜", "sides", 12,
               "Cucumber with garlic and vinegar.", "蒜泥香醋拍黄瓜。", "spice")
_WINGS = _d("chicken-wings", "Chicken Wings", "炸鸡翅", "sides", 22,
            "Six crispy fried wings.", "六只香脆炸鸡翅。", "spice")
_LEMON_TEA = _d("lemon-tea", "Lemon Tea", "柠檬茶", "tea", 12,
                "Black tea with fresh lemon.", "鲜柠檬红茶。", "drink_size", "sugar", "ice")
_MATCHA = _d("matcha-latte", "Matcha Latte", "抹茶拿铁", "tea", 22,
             "Uji matcha with fresh milk.", "宇治抹茶配鲜奶。", "drink_size", "sugar", "ice")
_DAN_DAN = _d("dan-dan-noodles", "Dan Dan Noodles", "担担面", "noodles", 18,
              "Noodles with minced pork and chilli oil.", "肉末红油担担面。",
              "spice", "noodle_addons")

DISHES: dict[str, tuple[DishTemplate, ...]] = {
    "sichuan": (
        _d("kung-pao-chicken", "Kung Pao Chicken", "宫保鸡丁", "mains", 32,
           "Diced chicken stir-fried with peanuts and dried chilli.", "鸡丁配花生米干辣椒爆炒。",
           "spice", "size", "rice"),
        _d("mapo-tofu", "Mapo Tofu", "麻婆豆腐", "mains", 22,
           "Silken tofu in a numbing, spicy bean sauce.", "嫩豆腐配麻辣豆瓣酱。", "spice", "size"),
        _d("twice-cooked-pork", "Twice-cooked Pork", "回锅肉", "mains", 36,
           "Pork belly with leeks and chilli bean paste.", "五花肉配蒜苗豆瓣酱。", "spice", "size",
           "rice"),
        _d("fish-fragrant-eggplant", "Fish-fragrant Eggplant", "鱼香茄子", "mains", 24,
           "Eggplant in a sweet, sour and garlicky sauce.", "茄子配鱼香汁。", "spice", "size"),
        _d("boiled-fish", "Boiled Fish in Chilli Oil", "水煮鱼", "mains", 58,
           "Tender fish slices in a bowl of hot chilli oil.", "嫩鱼片浸麻辣红油。",
           "spice", "size"),
        _DAN_DAN, _FRIED_RICE, _RICE,
        _d("spicy-wontons", "Spicy Wontons", "红油抄手", "sides", 16,
           "Pork wontons in chilli oil.", "鲜肉抄手淋红油。", "spice"),
        _CUCUMBER, _PLUM, _COLA,
    ),
    "cantonese": (
        _d("char-siu", "Char Siu Pork", "蜜汁叉烧", "mains", 38,
           "Honey-glazed barbecue pork.", "蜜汁烤叉烧。", "size", "rice"),
        _d("steamed-sea-bass", "Steamed Sea Bass", "清蒸鲈鱼", "mains", 68,
           "Whole sea bass with ginger and spring onion.", "整条鲈鱼姜葱清蒸。"),
        _d("sweet-sour-pork", "Sweet and Sour Pork", "咕噜肉", "mains", 34,
           "Crispy pork with pineapple.", "菠萝咕噜肉。", "size", "rice"),
        _d("shrimp-dumplings", "Shrimp Dumplings", "水晶虾饺", "dimsum", 28,
           "Four steamed har gow.", "四只水晶虾饺。"),
        _d("siu-mai", "Pork Siu Mai", "干蒸烧卖", "dimsum", 22, "Four pork and shrimp siu mai.",
           "四只猪肉虾仁烧卖。"),
        _d("egg-tarts", "Egg Tarts", "葡式蛋挞", "dimsum", 16, "Three flaky egg tarts.",
           "三只酥皮蛋挞。"),
        _d("wonton-noodles", "Wonton Noodle Soup", "鲜虾云吞面", "noodles", 22,
           "Egg noodles with shrimp wontons in broth.", "鲜虾云吞配竹升面。", "noodle_addons"),
        _FRIED_RICE, _RICE,
        _d("hk-milk-tea", "Hong Kong Milk Tea", "港式奶茶", "drinks", 14,
           "Silky strong tea with evaporated milk.", "丝袜奶茶。", "sugar", "ice"),
        _LEMON_TEA,
    ),
    "noodles": (
        _d("beef-noodles", "Beef Noodle Soup", "牛肉拉面", "noodles", 22,
           "Hand-pulled noodles in clear beef broth.", "手工拉面配清汤牛肉。", "spice", "size",
           "noodle_addons"),
        _DAN_DAN,
        _d("zhajiang-noodles", "Zhajiang Noodles", "老北京炸酱面", "noodles", 20,
           "Noodles with fried soybean paste and cucumber.", "黄酱肉丁配黄瓜丝。", "size",
           "noodle_addons"),
        _d("hot-dry-noodles", "Hot Dry Noodles", "热干面", "noodles", 16,
           "Wuhan noodles in sesame paste.", "武汉芝麻酱热干面。", "spice", "size"),
        _d("tomato-egg-noodles", "Tomato and Egg Noodles", "番茄鸡蛋面", "noodles", 18,
           "Noodles with tomato and scrambled egg.", "番茄炒蛋浇头面。", "size", "noodle_addons"),
        _d("marinated-egg", "Marinated Egg", "卤蛋", "sides", 3, "Soy-braised egg.", "酱香卤蛋。"),
        _d("braised-beef", "Braised Beef Slices", "卤牛肉", "sides", 26,
           "Cold sliced beef shank.", "冷切卤牛腱。"),
        _CUCUMBER, _PLUM, _COLA,
    ),
    "dumplings": (
        _d("pork-cabbage-dumplings", "Pork and Cabbage Dumplings", "猪肉白菜水饺", "dumplings", 24,
           "Fifteen boiled dumplings.", "十五只手工水饺。", "dumpling_size"),
        _d("shrimp-chive-dumplings", "Shrimp and Chive Dumplings", "虾仁韭菜水饺", "dumplings", 32,
           "Fifteen boiled dumplings.", "十五只手工水饺。", "dumpling_size"),
        _d("pan-fried-dumplings", "Pan-fried Dumplings", "锅贴", "dumplings", 22,
           "Ten potstickers with a crispy base.", "十只煎锅贴，底部金黄。", "dumpling_size"),
        _d("xiaolongbao", "Soup Dumplings", "小笼包", "dumplings", 26,
           "Eight steamed soup dumplings.", "八只鲜肉小笼包。"),
        _d("wontons", "Wonton Soup", "鲜肉馄饨", "dumplings", 18, "Pork wontons in broth.",
           "鲜肉馄饨清汤。", "size"),
        _d("hot-sour-soup", "Hot and Sour Soup", "酸辣汤", "sides", 14, "Tofu, egg and mushroom.",
           "豆腐鸡蛋木耳酸辣汤。", "spice"),
        _CUCUMBER,
        _d("soy-milk", "Soy Milk", "现磨豆浆", "drinks", 6, "Fresh soy milk.", "现磨豆浆。",
           "sugar"),
    ),
    "burgers": (
        _d("classic-burger", "Classic Beef Burger", "经典牛肉堡", "burgers", 32,
           "Beef patty, lettuce, tomato and pickles.", "牛肉饼配生菜番茄酸黄瓜。", "burger_addons"),
        _d("cheeseburger", "Cheeseburger", "芝士牛肉堡", "burgers", 36,
           "Beef patty with melted cheddar.", "牛肉饼配切达芝士。", "burger_addons"),
        _d("spicy-chicken-burger", "Spicy Chicken Burger", "香辣鸡腿堡", "burgers", 28,
           "Crispy spicy chicken thigh.", "香辣酥脆鸡腿。", "burger_addons"),
        _d("double-beef-burger", "Double Beef Burger", "双层牛肉堡", "burgers", 45,
           "Two patties, two slices of cheese.", "双层牛肉饼双层芝士。", "burger_addons"),
        _d("fries", "French Fries", "薯条", "sides", 12, "Crispy fries with ketchup.",
           "香脆薯条配番茄酱。", "size"),
        _WINGS,
        _d("onion-rings", "Onion Rings", "洋葱圈", "sides", 14, "Eight battered onion rings.",
           "八只酥炸洋葱圈。"),
        _COLA,
        _d("milkshake", "Vanilla Milkshake", "香草奶昔", "drinks", 18, "Thick vanilla shake.",
           "浓郁香草奶昔。", "drink_size"),
    ),
    "pizza": (
        _d("margherita", "Margherita Pizza", "玛格丽特披萨", "pizza", 58,
           "Tomato, mozzarella and basil.", "番茄马苏里拉罗勒。", "pizza_size", "pizza_addons"),
        _d("pepperoni", "Pepperoni Pizza", "意式香肠披萨", "pizza", 68,
           "Pepperoni and mozzarella.", "意式辣香肠配马苏里拉。", "pizza_size", "pizza_addons"),
        _d("hawaiian", "Hawaiian Pizza", "夏威夷披萨", "pizza", 64, "Ham and pineapple.",
           "火腿菠萝。", "pizza_size", "pizza_addons"),
        _d("bbq-chicken-pizza", "BBQ Chicken Pizza", "烧烤鸡肉披萨", "pizza", 72,
           "Barbecue chicken, red onion and cheese.", "烧烤鸡肉紫洋葱芝士。", "pizza_size",
           "pizza_addons"),
        _d("spaghetti-bolognese", "Spaghetti Bolognese", "肉酱意面", "mains", 42,
           "Slow-cooked beef ragu.", "慢炖牛肉酱意面。", "size"),
        _d("caesar-salad", "Caesar Salad", "凯撒沙拉", "sides", 32,
           "Romaine, parmesan and croutons.", "罗马生菜帕玛森面包丁。"),
        _d("garlic-bread", "Garlic Bread", "蒜香面包", "sides", 16, "Four slices.",
           "四片蒜香面包。"),
        _WINGS, _COLA,
    ),
    "japanese": (
        _d("salmon-sushi", "Salmon Sushi", "三文鱼寿司", "sushi", 38,
           "Six pieces of salmon nigiri.",
           "六贯三文鱼握寿司。"),
        _d("california-roll", "California Roll", "加州卷", "sushi", 32, "Crab, avocado, cucumber.",
           "蟹棒牛油果黄瓜。"),
        _d("tonkotsu-ramen", "Tonkotsu Ramen", "豚骨拉面", "noodles", 42,
           "Rich pork-bone broth with chashu.", "浓郁豚骨汤配叉烧。", "spice", "noodle_addons"),
        _d("katsu-curry", "Chicken Katsu Curry", "咖喱鸡排饭", "mains", 38,
           "Crispy chicken cutlet with curry and rice.", "酥炸鸡排配咖喱饭。", "spice", "size"),
        _d("beef-bowl", "Beef Rice Bowl", "日式牛肉饭", "mains", 32, "Simmered beef and onion.",
           "寿喜烧风味牛肉饭。", "size", "rice"),
        _d("miso-soup", "Miso Soup", "味噌汤", "sides", 10, "Tofu and seaweed.",
           "豆腐海带味噌汤。"),
        _d("edamame", "Edamame", "盐水毛豆", "sides", 12, "Salted soybeans.", "盐水煮毛豆。"),
        _MATCHA,
    ),
    "drinks": (
        _d("bubble-milk-tea", "Bubble Milk Tea", "珍珠奶茶", "tea", 16,
           "Black milk tea with tapioca pearls.", "红茶奶茶配黑糖珍珠。", "drink_size", "sugar",
           "ice", "tea_addons"),
        _d("fruit-tea", "Fruit Tea", "满杯水果茶", "tea", 22, "Jasmine tea with fresh fruit.",
           "茉莉绿茶配鲜切水果。", "drink_size", "sugar", "ice"),
        _LEMON_TEA, _MATCHA,
        _d("americano", "Americano", "美式咖啡", "coffee", 18, "Double shot with hot water.",
           "双份浓缩加水。", "drink_size", "ice"),
        _d("latte", "Latte", "拿铁", "coffee", 24, "Espresso with steamed milk.",
           "浓缩咖啡配蒸奶。",
           "drink_size", "sugar", "ice"),
        _d("cappuccino", "Cappuccino", "卡布奇诺", "coffee", 24, "Espresso with milk foam.",
           "浓缩咖啡配绵密奶泡。", "drink_size", "sugar"),
        _d("croissant", "Butter Croissant", "黄油可颂", "bakery", 14, "Baked this morning.",
           "当日现烤。"),
        _d("cheesecake", "Cheesecake", "芝士蛋糕", "bakery", 26, "New York style slice.",
           "纽约风味芝士蛋糕。"),
    ),
}
# fmt: on
