"""Cross-app tasks: an address a friend sent in Messages, then food delivered there; a
verification code from Messages to finish a payment; the same dish in both food apps, order
the cheaper; book a train, then send the confirmation to a contact; a place found in Maps,
food delivered there."""

from __future__ import annotations

import datetime as dt
import random
import re

from droidpilot.device.sim.apps.calendar import CalendarApp
from droidpilot.device.sim.apps.contacts import ContactsApp
from droidpilot.device.sim.apps.food.domain import Order
from droidpilot.device.sim.apps.geo import CITIES, city
from droidpilot.device.sim.apps.maps import MapsApp
from droidpilot.device.sim.apps.messages import MessagesApp
from droidpilot.device.sim.apps.messages.model import SERVICE_WALLET
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.phone import SimPhone
from droidpilot.tasks.checkers import (
    AllOf,
    calendar_event,
    food_order_to,
    paid_food_order,
    paid_trip,
    sms_sent_to,
)
from droidpilot.tasks.foodkit import (
    FOOD_APPS,
    FoodApp,
    add_dish,
    app_of,
    checkout,
    dish_params,
    open_shop,
    order_milestones,
    order_success,
    pick_orderable,
    right_food_payment,
    set_address,
    submit_and_pay,
    units,
)
from droidpilot.tasks.oracle import Driver, OracleStuck
from droidpilot.tasks.spec import (
    Baseline,
    Bi,
    Effects,
    Hit,
    Milestone,
    Params,
    ParamValue,
    TaskSpec,
    World,
    hit,
)
from droidpilot.tasks.travel import book_train
from droidpilot.tasks.travelkit import (
    TRAVEL,
    fill_trip,
    right_travel_payment,
    route_params,
    search_trips,
    travel,
)
from droidpilot.types import Action, FinishAction

__all__ = ["SPECS"]

MESSAGES = MessagesApp.package


def _done(d: Driver) -> Action:
    return FinishAction(status="success", message=d.t("Done.", "已完成。"))


def _delivered_to(o: Order, w: World, p: Params, b: Baseline) -> Hit:
    want = p.bi("_address")
    ok = o.address.line.equals(want.en) or o.address.line.equals(want.zh)
    return hit(ok, f"delivered to {o.address.line.en!r}")


def friend_address_food(app: FoodApp) -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        facts = w.phone.read(MessagesApp).facts
        r, d = pick_orderable(rng, food)
        out = dish_params(app, food, r, d, w.wallet.pin)
        out.update({"friend": Bi.of(facts.friend.name), "_address": Bi.of(facts.friend_address)})
        return out

    def oracle(d: Driver, p: Params) -> Action:
        d.open(d.t("Messages", "信息"))
        d.tap(p.t("friend", d.lang), rid="conversation")
        address = p.t("_address", d.lang)
        d.must(address[:20])  # read it on screen (the view shortens long lines)
        app = app_of(p)
        open_shop(d, app, p.t("shop", d.lang))
        add_dish(d, app, p, qty=p.i("qty"))
        checkout(d)
        set_address(d, address, d.t("Friend", "朋友"))
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id=f"{app.prefix}OrderToFriendAddress",
        suites=("crossapp", "food"),
        apps=(MESSAGES, app.package, WalletApp.package),
        difficulty="hard",
        tags=("messages", "address", "order", "pay"),
        goal_en="{friend} texted me a new address. Send {qty} × {dish} from {shop} there with "
        "{app}, and pay with PIN {pin}.",
        goal_zh="{friend}发短信告诉了我新地址。用{app}从{shop}给那个地址点{qty}份{dish}，"
        "用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=60,
        milestones=order_milestones(_delivered_to),
        success=order_success(_delivered_to),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=food_order_to(app.package),
    )


def maps_place_food() -> TaskSpec:
    app = FOOD_APPS[0]

    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        maps = w.phone.read(MapsApp)
        place = rng.choice(maps.places)
        r, d = pick_orderable(rng, food)
        out = dish_params(app, food, r, d, w.wallet.pin)
        out.update({"place": Bi.of(place.name), "_address": Bi.of(place.address)})
        return out

    def oracle(d: Driver, p: Params) -> Action:
        d.open(d.t("Maps", "地图"))
        d.type(p.t("place", d.lang), rid="search_box", submit=True)
        d.hide_keyboard()
        d.tap(p.t("place", d.lang), rid="result")
        address = d.text_of("place_address")
        app = app_of(p)
        open_shop(d, app, p.t("shop", d.lang))
        add_dish(d, app, p, qty=p.i("qty"))
        checkout(d)
        set_address(d, address, p.t("place", d.lang)[:10])
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id="FoodGoOrderToMapsPlace",
        suites=("crossapp", "food"),
        apps=(MapsApp.package, app.package, WalletApp.package),
        difficulty="hard",
        tags=("maps", "address", "order", "pay"),
        goal_en="Look up {place} in Maps and have {qty} × {dish} from {shop} delivered to its "
        "address with {app}. Pay with PIN {pin}.",
        goal_zh="在地图里查到{place}，用{app}从{shop}点{qty}份{dish}送到它的地址，用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=60,
        milestones=order_milestones(_delivered_to),
        success=order_success(_delivered_to),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=food_order_to(app.package),
    )


def sms_code_payment() -> TaskSpec:
    app = FOOD_APPS[0]

    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        food = w.food(app.package)
        r, d = pick_orderable(rng, food)
        return dish_params(app, food, r, d, w.wallet.pin)

    def setup(phone: SimPhone, p: Params) -> dict[str, str]:
        phone.model(WalletApp).require_code = True
        return {}

    def code(d: Driver) -> str:
        d.open(d.t("Messages", "信息"))
        item = d.must(rid="conversation")  # the newest thread: the wallet's code
        match = re.search(r"(?<!\d)(\d{6})(?!\d)", item.text)
        if match is None or (
            SERVICE_WALLET not in item.text
            and "Wallet" not in item.text
            and "钱包" not in item.text
        ):
            raise OracleStuck(f"no code in the newest thread: {item.text!r}")
        d.open(app_of_name(d))
        return match.group(1)

    def app_of_name(d: Driver) -> str:
        return app.name.get(d.lang)

    def oracle(d: Driver, p: Params) -> Action:
        open_shop(d, app, p.t("shop", d.lang))
        add_dish(d, app, p, qty=p.i("qty"))
        checkout(d)
        submit_and_pay(d, p.s("pin"), code_from=code)
        return _done(d)

    return TaskSpec(
        id="FoodGoPayWithSmsCode",
        suites=("crossapp", "food"),
        apps=(app.package, WalletApp.package, MESSAGES),
        difficulty="hard",
        tags=("messages", "code", "order", "pay"),
        goal_en="Order {qty} × {dish} from {shop} on {app} and pay with the wallet (PIN {pin}); "
        "the wallet will text a verification code to finish the payment.",
        goal_zh="在{app}上从{shop}点{qty}份{dish}，用钱包支付（密码{pin}），钱包会发短信验证码，"
        "输入后完成支付。",
        sample=sample,
        setup=setup,
        oracle=oracle,
        budget=54,
        milestones=order_milestones(),
        success=order_success(),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order(app.package),
    )


def cheaper_app() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        a, b = (w.food(x.package) for x in FOOD_APPS)
        pool = []
        for r in a.restaurants:
            if r.key not in {x.key for x in b.restaurants}:
                continue
            rb = b.restaurant(r.key)
            for did in r.dish_ids:
                da, db = a.dish(did), b.dish(did)
                if da.sold_out or db.sold_out or da.price == db.price:
                    continue
                qa, qb = units(r, da.price), units(rb, db.price)
                if max(qa, qb) <= 3:
                    pool.append((r, da, db))
        r, da, db = rng.choice(pool)
        win = FOOD_APPS[0] if da.price < db.price else FOOD_APPS[1]
        food = a if win is FOOD_APPS[0] else b
        shop = food.restaurant(r.key)
        dish = food.dish(da.id)
        out = dish_params(win, food, shop, dish, w.wallet.pin)
        out.pop("app")
        return out

    def no_other(o: Order, w: World, p: Params, b: Baseline) -> Hit:
        other = next(x for x in FOOD_APPS if x.key != p.s("_app"))
        known = set(b.known)
        extra = [x for x in w.food(other.package).orders if x.id not in known]
        return hit(
            not extra,
            "only the cheaper app ordered" if not extra else f"also ordered on {other.name.en}",
        )

    def oracle(d: Driver, p: Params) -> Action:
        for other in FOOD_APPS:  # look at both menus, as a person would
            if other.key != p.s("_app"):
                open_shop(d, other, p.t("shop", d.lang))
                if other.layout == "b":
                    d.tab_showing(
                        p.t("dish", d.lang),
                        rid="dish",
                        tabs="menu_tabs",
                        fallback=p.t("_section", d.lang),
                    )
                d.must(p.t("dish", d.lang), rid="dish", prefix=True, within="menu")
        app = app_of(p)
        open_shop(d, app, p.t("shop", d.lang))
        add_dish(d, app, p, qty=p.i("qty"))
        checkout(d)
        submit_and_pay(d, p.s("pin"))
        return _done(d)

    return TaskSpec(
        id="FoodCompareAppsOrderCheaper",
        suites=("crossapp", "food"),
        apps=(FOOD_APPS[0].package, FOOD_APPS[1].package, WalletApp.package),
        difficulty="hard",
        tags=("compare", "order", "pay"),
        goal_en="{dish} from {shop} is on both FoodGo and MealDash. Compare the dish price and "
        "order {qty} in the app where it is cheaper; pay with PIN {pin}.",
        goal_zh="{shop}的{dish}在饭来了和美食达上都有。比较菜品价格，在更便宜的那个应用上点{qty}份，"
        "用密码{pin}支付。",
        sample=sample,
        oracle=oracle,
        budget=60,
        milestones=order_milestones(no_other),
        success=order_success(no_other),
        effects=Effects(pays=1, right_payment=right_food_payment),
        sensitive=("payment",),
        checker=paid_food_order("com.droidpilot.{_app}"),
    )


def book_and_share() -> TaskSpec:
    base = book_train()

    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        out = dict(base.sample(rng, w))
        me = travel(w).passengers[0]
        out["who"] = Bi.of(me.name)
        out["_passenger"] = me.id
        contact = rng.choice(w.phone.read(ContactsApp).contacts)
        out["contact"] = Bi.of(contact.name)
        out["_phone"] = contact.phone
        return out

    def shared(w: World, p: Params, b: Baseline) -> Hit:
        sent = w.phone.read(MessagesApp).sent_messages[b.sent :]
        paid = [
            x.order_no
            for x in travel(w).trip_bookings
            if x.id not in set(b.known) and x.status == "paid"
        ]
        for s in sent:
            if s.address == p.s("_phone") and any(no in s.body.en for no in paid):
                return hit(True, f"confirmation sent to {s.address}")
        return hit(False, "no confirmation sent to the contact")

    def oracle(d: Driver, p: Params) -> Action:
        search_trips(d, p)
        fill_trip(d, p.s("_number"), p.s("_class"))
        d.tap(rid="pay")
        d.pay(p.s("pin"))
        d.tap(rid="share")
        d.type(p.t("contact", d.lang), rid="recipient")
        d.tap(rid="send")
        return _done(d)

    ms = (*base.milestones, Milestone(name="shared", weight=0.3, check=shared))
    ms = tuple(
        Milestone(name=m.name, weight=0.35 if m.name != "shared" else 0.3, check=m.check)
        for m in ms
    )

    def success(w: World, p: Params, b: Baseline) -> Hit:
        ok1, why1 = ms[1].check(w, p, b)
        ok2, why2 = shared(w, p, b)
        return hit(ok1 and ok2, f"{why1}; {why2}")

    return TaskSpec(
        id="TravelBookTrainShareContact",
        suites=("crossapp", "travel"),
        apps=(TRAVEL, WalletApp.package, MESSAGES),
        difficulty="hard",
        tags=("book", "pay", "share", "messages"),
        goal_en="Book train {number} from {from} to {to} on {date} in {class} for me, pay with "
        "PIN {pin}, then text the booking confirmation to {contact}.",
        goal_zh="帮我订{date}从{from}到{to}的{number}次列车，{class}，用密码{pin}支付，"
        "然后把订单确认信息发短信给{contact}。",
        sample=sample,
        oracle=oracle,
        budget=50,
        milestones=ms,
        success=success,
        effects=Effects(pays=1, sends=1, right_payment=base.effects.right_payment),
        sensitive=("booking", "payment", "send"),
        checker=AllOf(checks=(paid_trip(), sms_sent_to("_phone"))),
    )


def free_day_trip() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        t = travel(w)
        cal = w.phone.read(CalendarApp)
        home = t.owner.home_city
        dest = rng.choice([c.code for c in CITIES if c.code != home])
        start = t.today + dt.timedelta(days=1)
        free = cal.free_days(start, start + dt.timedelta(days=13))
        if not free:
            raise LookupError("no free day")
        day = free[0]
        trips = [
            x
            for x in t.timetable.trains(home, dest, day)
            if t.timetable.remaining(x, "second") >= 1
        ]
        if not trips:
            raise LookupError("no second-class train on the free day")
        out = route_params(w, dest, day)
        out.pop("date")
        out.update(
            {
                "_dest": dest,
                "_number": trips[0].number,
                "_class": "second",
                "_start": start.isoformat(),
                "title": Bi(f"Trip to {city(dest).name.en}", f"去{city(dest).name.zh}"),
            }
        )
        return out

    def trip(w: World, p: Params, b: Baseline, paid: bool) -> Hit:
        known = set(b.known)
        for x in travel(w).trip_bookings:
            if (
                x.id not in known
                and x.date.isoformat() == p.s("_day")
                and x.destination == p.s("_dest")
                and x.seat_class == "second"
                and x.status == ("paid" if paid else x.status)
                and x.status != "cancelled"
            ):
                return hit(True, f"{x.number} on {x.date} {x.status}")
        return hit(False, "no train booked on the free day")

    def event(w: World, p: Params, b: Baseline) -> Hit:
        known = set(b.known)
        want = p.bi("title")
        city_words = (p.bi("to").en, p.bi("to").zh)
        for e in w.phone.read(CalendarApp).events:
            if e.id in known or e.date.isoformat() != p.s("_day"):
                continue
            if (
                e.title.equals(want.en)
                or e.title.equals(want.zh)
                or any(e.title.matches(c) for c in city_words)
            ):
                return hit(True, f"event {e.title.en!r} on {e.date}")
        return hit(False, "no trip event on that day")

    ms = (
        Milestone(name="booked", weight=0.3, check=lambda w, p, b: trip(w, p, b, False)),
        Milestone(name="paid", weight=0.3, check=lambda w, p, b: trip(w, p, b, True)),
        Milestone(name="in_calendar", weight=0.4, check=event),
    )

    def success(w: World, p: Params, b: Baseline) -> Hit:
        ok1, why1 = trip(w, p, b, True)
        ok2, why2 = event(w, p, b)
        return hit(ok1 and ok2, f"{why1}; {why2}")

    def oracle(d: Driver, p: Params) -> Action:
        day = dt.date.fromisoformat(p.s("_day"))
        d.open(d.t("Calendar", "日历"))  # look at the month: the day is empty
        search_trips(d, p)
        fill_trip(d, p.s("_number"), "second")
        d.tap(rid="pay")
        d.pay(p.s("pin"))
        d.open(d.t("Calendar", "日历"))
        d.tap(rid="new_event")
        d.type(p.t("title", d.lang), rid="title")
        d.pick_date("date", day)
        d.tap(rid="save")
        return _done(d)

    return TaskSpec(
        id="CalendarFreeDayBookTrain",
        suites=("crossapp", "travel"),
        apps=(CalendarApp.package, TRAVEL, WalletApp.package),
        difficulty="hard",
        tags=("calendar", "book", "pay"),
        goal_en="Find the first day from tomorrow on with nothing in my calendar, book a "
        "second-class train from {from} to {to} that day and pay (PIN {pin}), then add "
        'an all-day event "{title}" on that day to my calendar.',
        goal_zh="在日历里找到从明天起第一个没有安排的日子，订当天从{from}到{to}的二等座火车票并支付"
        "（密码{pin}），再在日历当天添加一个全天日程“{title}”。",
        sample=sample,
        oracle=oracle,
        budget=70,
        milestones=ms,
        success=success,
        effects=Effects(pays=1, right_payment=right_travel_payment),
        sensitive=("booking", "payment"),
        checker=AllOf(
            checks=(paid_trip(number=False), calendar_event("_day", "title", also=("to",)))
        ),
    )


SPECS: tuple[TaskSpec, ...] = (
    *(friend_address_food(a) for a in FOOD_APPS),
    maps_place_food(),
    sms_code_payment(),
    cheaper_app(),
    book_and_share(),
    free_day_trip(),
)
