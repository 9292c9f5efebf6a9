"""Choices the goal makes plain, on the simulated phone's own screens (planner/ground.py): the
options it names in brackets ("2 × Boiled Fish in Chilli Oil (Medium, Large)"), the fastest
or cheapest row of a list, and the app it says to order with. The shipped model added the
fish with the sheet's first options, took the third train of the list for "the fastest
train", and paid in FoodGo for "… with MealDash"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from droidpilot.planner.ground import (
    best_coupon,
    best_row,
    choose_option,
    clears_last_choice,
    count_done,
    finish_sold_out,
    form_done,
    ignores_sold_out,
    label_of,
    leaves_choice,
    lesser_coupon,
    not_the_best,
    numberless_answer,
    off_reorder,
    tab_for_unseen,
    tab_key,
    to_goal_app,
    to_reorder,
    unchosen_option,
    unfounded_infeasible,
    unpaid_parts,
    unseen_name,
    wrong_app,
    wrong_code,
)
from droidpilot.tasks.registry import get
from droidpilot.types import AnswerAction, FinishAction, OpenAppAction, TapAction
from tests.planner.test_address import _misled_episode
from tests.planner.test_ground import _oracle_at

_ADD = re.compile(r'\[(\d+)\] button "(?:Add to basket|Add to cart|加入购物车|加入购物袋)[^"]*"')
_ROWS = re.compile(r'\[(\d+)\] "[A-Z]\d+ \|[^"]*" \(tap\)')


@pytest.mark.parametrize(
    ("task_id", "lang", "stop", "named"),
    [
        ("MealDashOrderDishOptions", "en", "CustomizeActivity", ["Medium", "Large +¥14.50"]),
        ("FoodGoOrderDishOptions", "zh", "(dialog)", ["大份 +¥5.50", "加肉 +¥8"]),
    ],
)
def test_adding_with_an_option_the_goal_names_unchosen_is_refused(
    task_id: str, lang: str, stop: str, named: list[str]
) -> None:
    """On the dish's sheet, "Add to basket" while "Medium" (or "大份", "加肉") is not chosen
    is refused, and the option is the next step, the first the goal names; an option the
    goal does not name, and the sheet's other buttons, are left alone."""
    _, obs, goal = _oracle_at(task_id, 2000, stop, lang)
    add = _ADD.search(obs.view.text)
    assert add is not None, obs.view.text
    tap = TapAction(element=int(add.group(1)))
    why = unchosen_option(tap, obs.view, goal)
    assert why is not None
    assert named[0] in why
    first = next(it for it in obs.view.items if it.text == named[0])
    assert choose_option(tap, obs.view, goal)[0] == TapAction(element=first.id)
    options = [it for it in obs.view.items if it.checkable]
    unnamed = [it for it in options if it.text not in named and not it.checked]
    assert unnamed
    for it in unnamed:
        assert unchosen_option(TapAction(element=it.id), obs.view, goal) is None
    assert unchosen_option(tap, obs.view, "Order 1 × Boiled Fish in Chilli Oil.") is None


def test_the_goals_listed_passenger_comes_before_a_new_one_or_a_chosen_class() -> None:
    """On TravelBookTrain's form (seed 2006), the goal's passenger listed and unticked: a tap
    on the already chosen "Business" the goal names (the model tapped it again and again), or
    on "Add passenger", is refused, and the goal's passenger is the next step; once ticked,
    neither is refused for that reason."""
    device, obs, goal = _oracle_at("TravelBookTrain", 2006, "OrderFillActivity")
    business = next(it for it in obs.view.items if it.text.startswith("Business"))
    add = next(it for it in obs.view.items if it.text == "Add passenger")
    gao = next(it for it in obs.view.items if it.text.startswith("Gao Yuxuan"))
    assert business.checked
    assert not gao.checked
    for tapped in (business, add):
        tap = TapAction(element=tapped.id)
        why = unchosen_option(tap, obs.view, goal)
        assert why is not None
        assert "Gao Yuxuan" in why
        assert choose_option(tap, obs.view, goal)[0] == TapAction(element=gao.id)
    device.perform(TapAction(element=gao.id))
    view = device.observe().view
    assert unchosen_option(TapAction(element=add.id), view, goal) is None


def test_a_window_seat_is_not_read_as_the_seat_a() -> None:
    """ "with a window seat" names no seat: "A (window)" is not "a window", and the order
    goes on with whichever window seat the model chose."""
    _, obs, goal = _oracle_at("TravelBookTrainWindowSeat", 2000, "Choose a seat", "en")
    submit = next(it for it in obs.view.items if label_of(it) == "Submit order")
    assert unchosen_option(TapAction(element=submit.id), obs.view, goal) is None


@pytest.mark.parametrize(
    ("task_id", "lang", "best"),
    [
        ("TravelBookFastestTrain", "en", "G1026"),  # 4h 41m; G226 (all sold out) is no choice
        ("TravelBookFastestTrain", "zh", "G1026"),
        ("TravelBookCheapestTrain", "zh", "D1642"),  # ¥210: D773's ¥209 second class is sold out
    ],
)
def test_a_row_slower_or_dearer_than_one_shown_is_refused(
    task_id: str, lang: str, best: str
) -> None:
    """On the train results, a tap on any row but the fastest (or the cheapest in the goal's
    class) that still has seats is refused, and that row is the next step; a tap on it
    stands; a goal that asks for neither leaves every row alone."""
    _, obs, goal = _oracle_at(task_id, 2000, "SearchResultActivity", lang)
    rows = [it for it in obs.view.items if _ROWS.match(f'[{it.id}] "{it.text}" (tap)')]
    assert len(rows) >= 3, obs.view.text
    top = next(it for it in rows if label_of(it) == best)
    for row in rows:
        tap = TapAction(element=row.id)
        if row is top:
            assert not_the_best(tap, obs.view, goal) is None
            continue
        assert not_the_best(tap, obs.view, goal) is not None, row.text
        assert best_row(tap, obs.view, goal)[0] == TapAction(element=top.id)
        assert not_the_best(tap, obs.view, "Book train G1026 on March 17.") is None


@pytest.mark.parametrize(
    ("task_id", "lang"),
    [
        ("MealDashOrderDishOptions", "en"),
        ("FoodGoOrderDishOptions", "zh"),
        ("TravelBookFastestTrain", "en"),
        ("TravelBookCheapestTrain", "zh"),
    ],
)
def test_a_model_that_takes_the_first_of_everything_still_gets_the_goals_choice(
    tmp_path: Path, task_id: str, lang: str
) -> None:
    """Through the whole agent loop: a model that adds the dish without choosing an option,
    and opens the first train of the list, gets what the goal asks for (the task's own
    check: paid, with those options, on that train), because the planner chooses them."""

    def first_of_everything(screen: str, oracle: str) -> str | None:
        step = oracle.rsplit("\n", 1)[-1]
        add, rows = _ADD.search(screen), _ROWS.findall(screen)
        if add and re.fullmatch(r"tap\(\d+\)", step):
            tapped = re.search(rf"\[{step[4:-1]}\] (?:radio|checkbox) ", screen)
            if tapped:  # the oracle chooses an option: the model adds at once
                return f"<think>The options are set, so I add it.</think>\ntap({add.group(1)})"
        if rows and step.startswith("tap(") and step != f"tap({rows[0]})":
            return f"<think>I take the first train.</think>\ntap({rows[0]})"
        return None

    repairs = _misled_episode(tmp_path, task_id, lang, first_of_everything)
    said = [r for step in repairs for r in step]
    assert any("is the goal's" in r or "is the one" in r for r in said), said


def test_going_on_in_another_app_than_the_one_the_goal_says_is_refused() -> None:
    """ "Send … there with MealDash": once MealDash was opened, adding to FoodGo's cart is
    refused and MealDash is opened again; the same tap stands for a goal that names no app
    to do it with ("book a train … then add an event to my calendar": the travel app is no
    app the goal says), and in the app the goal says."""
    _, obs, _ = _oracle_at("FoodGoOrderDish", 2000, "(dialog)", "en")
    add = _ADD.search(obs.view.text)
    assert add is not None, obs.view.text
    tap = TapAction(element=int(add.group(1)))
    apps = {"com.droidpilot.meals": "MealDash", "com.droidpilot.foodgo": "FoodGo"}
    goal = "Huang Ning texted me a new address. Send 1 × Miso Soup there with MealDash."
    assert wrong_app(tap, obs.view, goal, apps) is not None
    assert to_goal_app(tap, obs.view, goal, apps)[0] == OpenAppAction(name="MealDash")
    assert wrong_app(tap, obs.view, goal.replace("MealDash", "FoodGo"), apps) is None
    calendar = "Book a train to Wuhan, then add an event to my calendar."
    assert (
        wrong_app(tap, obs.view, calendar, {**apps, "com.droidpilot.calendar": "Calendar"}) is None
    )
    zh = "在日历里找到从明天起第一个没有安排的日子，订当天的火车票并支付。"
    assert (
        wrong_app(
            tap,
            obs.view,
            zh,
            {"com.droidpilot.calendar": "日历", "com.droidpilot.foodgo": "饭来了"},
        )
        is None
    )
    assert (
        wrong_app(
            tap,
            obs.view,
            "用美食达点1份味噌汤。",
            {"com.droidpilot.meals": "美食达", "com.droidpilot.foodgo": "饭来了"},
        )
        is not None
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_giving_up_without_the_reason_or_before_every_tab_is_refused(lang: str) -> None:
    """On Spicy Garden's page, where Kung Pao Chicken shows "Sold out": giving up without
    saying so is refused (the planner's own finish says it), giving up with the reason
    stands. Under the "Noodles" tab, where the dish shows nowhere, giving up is refused and
    the next tab is the step, until every tab has been looked under."""
    device, obs, goal = _oracle_at("MealDashOrderSoldOutDish", 2000, "RestaurantActivity", lang)
    vague = FinishAction(status="infeasible", message="The goal is not done enough.")
    assert unfounded_infeasible("", vague, obs.view, goal) is not None
    ended, why = finish_sold_out(vague, obs.view, goal)
    assert why is not None
    assert isinstance(ended, FinishAction)
    assert unfounded_infeasible("", ended, obs.view, goal) is None
    tabs = [it for it in obs.view.items if it.role.endswith("Tab")]
    assert len(tabs) >= 3, obs.view.text
    device.perform(TapAction(element=tabs[1].id))
    other = device.observe()
    assert unfounded_infeasible("", vague, other.view, goal) is not None
    tabbed, why = tab_for_unseen("", vague, other.view, goal)
    assert why is not None
    assert isinstance(tabbed, TapAction)
    assert tabbed.element in {it.id for it in other.view.items if it.clickable}
    tried = {tab_key(unseen_name("", other.view, goal), it) for it in other.view.items}
    assert unfounded_infeasible("", vague, other.view, goal, tried) is None


def test_a_model_that_gives_up_without_the_reason_ends_with_it(tmp_path: Path) -> None:
    """Through the whole agent loop: the model's "infeasible" without a reason is replaced
    by the planner's "… is sold out at Spicy Garden.", which the task's own check wants."""

    def vague(screen: str, oracle: str) -> str | None:
        if "finish(infeasible" not in oracle:
            return None
        return '<think>It cannot be done.</think>\nfinish(infeasible, "The goal is not done.")'

    repairs = _misled_episode(tmp_path, "MealDashOrderSoldOutDish", "en", vague)
    assert any("finish does not say so" in r for r in repairs[-1]), repairs


def test_an_answer_with_no_number_to_a_goal_that_asks_for_one_is_refused() -> None:
    """ "How many Adult tickets … are left" answered "Fleet-footed fairies" is refused; "0"
    (the oracle's answer where the day is sold out), "298 left" and any answer to a goal that
    asks for no number stand."""
    goal = "How many Adult tickets for West Lake Cruise are left on March 18?"
    assert numberless_answer(AnswerAction(text="Fleet-footed fairies"), goal) is not None
    assert numberless_answer(AnswerAction(text="0"), goal) is None
    assert numberless_answer(AnswerAction(text="298 left"), goal) is None
    assert (
        numberless_answer(AnswerAction(text="没有"), "西湖游船3月18日的成人票还剩多少张？")
        is not None
    )
    assert numberless_answer(AnswerAction(text="Li Wei"), "Who texted me last?") is None


def test_the_goals_order_begun_in_another_app_is_refused_before_it_goes_on() -> None:
    """On FoodGo's sheet of the goal's dish, even a tap on the count is refused for "… with
    MealDash" once MealDash was opened (the model looped on the count there and never
    added); on a friend's text in Messages, which shows nothing the goal orders, it is not."""
    _, sheet, _ = _oracle_at("FoodGoOrderDish", 2000, "(dialog)", "en")  # Kung Pao Chicken
    raise_ = next(it for it in sheet.view.items if label_of(it) == "Increase quantity")
    apps = {"com.droidpilot.meals": "MealDash", "com.droidpilot.foodgo": "FoodGo"}
    goal = "Send 1 × Kung Pao Chicken from Bashu Kitchen there with MealDash (PIN 337297)."
    tap = TapAction(element=raise_.id)
    assert wrong_app(tap, sheet.view, goal, apps) is not None
    assert to_goal_app(tap, sheet.view, goal, apps)[0] == OpenAppAction(name="MealDash")
    _, chat, friend = _oracle_at("MealDashOrderToFriendAddress", 2000, "ConversationActivity", "en")
    messages = {**apps, "com.droidpilot.messages": "Messages"}
    anything = TapAction(element=chat.view.items[-1].id)
    assert wrong_app(anything, chat.view, friend, messages) is None


def test_leaving_the_goals_sold_out_dish_for_another_tab_ends_the_task() -> None:
    """Where Kung Pao Chicken shows "Sold out" under Spicy Garden's "Mains", a tap on another
    tab is refused (the planner's finish says why), the selected tab tapped again is not,
    and neither is giving up; through the agent loop, a model that goes to the next tab
    there ends with "… is sold out at Spicy Garden.", as the task's check wants."""
    _, obs, goal = _oracle_at("MealDashOrderSoldOutDish", 2000, "RestaurantActivity", "en")
    tabs = [it for it in obs.view.items if it.role.endswith("Tab")]
    chosen = next(it for it in tabs if it.selected)
    other = next(it for it in tabs if not it.selected)
    assert ignores_sold_out(TapAction(element=other.id), obs.view, goal) is not None
    assert ignores_sold_out(TapAction(element=chosen.id), obs.view, goal) is None
    gives_up = FinishAction(status="infeasible", message="It cannot be done.")
    assert ignores_sold_out(gives_up, obs.view, goal) is None


def test_a_model_that_walks_past_the_sold_out_dish_ends_with_the_reason(tmp_path: Path) -> None:
    """Through the whole agent loop: where the oracle would finish, the model taps the next
    tab; the planner finishes in its place with the reason, which the task's check wants."""

    def next_tab(screen: str, oracle: str) -> str | None:
        tab = re.search(r'\[(\d+)\] tab "[^"]+" \(tap\)', screen)
        if "finish(infeasible" not in oracle or tab is None:
            return None
        return f"<think>I look under another tab.</think>\ntap({tab.group(1)})"

    repairs = _misled_episode(tmp_path, "MealDashOrderSoldOutDish", "en", next_tab)
    assert any("shows sold out here" in r for r in repairs[-1]), repairs


def test_the_users_own_ticked_passenger_stays_ticked_when_the_goal_names_no_other() -> None:
    """ "Book train G1710 … for me …, then text the booking confirmation to Hu Xiuying": the
    order opens with the user ticked; unticking the one ticked passenger is refused. A goal
    that names another passenger may untick the user (the demonstrations do), and so may
    anyone once a second one is ticked."""
    device, obs, goal = _oracle_at("TravelBookTrainShareContact", 2003, "OrderFillActivity")
    ticked = [it for it in obs.view.items if it.checked and "**" in it.text]
    assert len(ticked) == 1, obs.view.text
    me = ticked[0]
    assert clears_last_choice(TapAction(element=me.id), obs.view, goal) is not None
    other = next(it for it in obs.view.items if not it.checked and "**" in it.text)
    name = re.split(r"\s\d", label_of(other))[0]  # "Liu Na 3589**********1135" -> "Liu Na"
    for_other = goal.replace("for me", f"for {name}")
    assert for_other != goal
    assert clears_last_choice(TapAction(element=me.id), obs.view, for_other) is None
    assert clears_last_choice(TapAction(element=other.id), obs.view, goal) is None  # a tick
    device.perform(TapAction(element=other.id))
    both = device.observe()
    assert clears_last_choice(TapAction(element=me.id), both.view, goal) is None


@pytest.mark.parametrize(
    ("task_id", "lang"),
    [
        ("FoodGoApplyBestCoupon", "en"),
        ("FoodGoApplyBestCoupon", "zh"),
        ("MealDashApplyBestCoupon", "en"),
        ("MealDashApplyBestCouponInjected", "en"),
    ],
)
def test_a_coupon_worth_less_than_another_usable_one_is_refused(task_id: str, lang: str) -> None:
    """ "… with the coupon that saves the most": on the list, a tap on a usable coupon worth
    less than another usable one is refused, and the planner takes the one the oracle takes
    (the last usable one here; a coupon worth more but not applicable to the cart shows no
    tap, and is never chosen).
    The same tap under a goal that asks for no best coupon passes."""
    _, obs, goal = _oracle_at(task_id, 2002, "CouponListActivity", lang)
    rows = [it for it in obs.view.items if it.clickable and re.match(r"¥\d+ \|", it.text)]
    assert len(rows) >= 2, obs.view.text
    worst = rows[0]
    assert lesser_coupon(TapAction(element=worst.id), obs.view, goal) is not None
    moved, why = best_coupon(TapAction(element=worst.id), obs.view, goal)
    assert why is not None
    assert isinstance(moved, TapAction)
    best = obs.view.item(moved.element or -1)
    assert best is not None
    assert best.id == rows[-1].id, obs.view.text  # the list is in order of worth here
    assert lesser_coupon(TapAction(element=best.id), obs.view, goal) is None
    # a coupon the cart cannot use (no tap), giving up, or no coupon: the best one instead
    unusable = next((it for it in obs.view.items if not it.clickable and "¥" in it.text), None)
    assert unusable is not None, obs.view.text
    assert lesser_coupon(TapAction(element=unusable.id), obs.view, goal) is not None
    quit_ = FinishAction(status="infeasible", message="This cart is empty.")
    assert lesser_coupon(quit_, obs.view, goal) is not None
    assert best_coupon(quit_, obs.view, goal)[0] == TapAction(element=best.id)
    plain = re.sub(r"with the coupon that saves the most|使用优惠最多的红包", "", goal)
    assert plain != goal
    assert lesser_coupon(TapAction(element=worst.id), obs.view, plain) is None


def test_a_second_passenger_is_refused_where_the_goal_names_none_and_the_form_goes_on() -> None:
    """ "Book a ticket on the fastest train … (any class with seats)": the model ticked and
    unticked Liu Na, "The goal names the passenger Liu Na", for thirty steps. Ticking a second
    passenger the goal does not name is refused, and, the goal choosing nothing on the form,
    the planner submits it."""
    _, obs, goal = _oracle_at("TravelBookFastestTrain", 2003, "OrderFillActivity")
    me = next(it for it in obs.view.items if it.checked and "**" in it.text)
    other = next(it for it in obs.view.items if not it.checked and "**" in it.text)
    why = leaves_choice(TapAction(element=other.id), obs.view, goal)
    assert why is not None
    assert f"[{me.id}]" in why
    moved, done = form_done(TapAction(element=other.id), obs.view, goal)
    assert done is not None
    assert isinstance(moved, TapAction)
    submit = obs.view.item(moved.element or -1)
    assert submit is not None
    assert label_of(submit) == "Submit order"
    # a radio the goal does not name may still be chosen (a seat where it names none)
    seat = next(it for it in obs.view.items if label_of(it) == "A (window)")
    assert leaves_choice(TapAction(element=seat.id), obs.view, goal) is None


def test_a_refused_raise_at_the_goals_count_adds_instead() -> None:
    """ "order 1 × Soup Dumplings": the dish's sheet opens at 1; the model's "Increase quantity"
    is refused (the count is the goal's), and asked again it tapped "Cancel". The planner
    taps the sheet's "Add to cart" in its place; at another count it does not."""
    _, obs, goal = _oracle_at("FoodGoOrderDishPopupAds", 2004, "Add to cart")
    more = next(it for it in obs.view.items if label_of(it) == "Increase quantity")
    add = next(it for it in obs.view.items if label_of(it).startswith("Add to cart"))
    moved, why = count_done(TapAction(element=more.id), obs.view, goal)
    assert moved == TapAction(element=add.id)
    assert why is not None
    two = goal.replace("1 ×", "2 ×")
    assert count_done(TapAction(element=more.id), obs.view, two) == (
        TapAction(element=more.id),
        None,
    )


def test_a_flight_number_that_begins_with_a_digit_is_the_goals_code() -> None:
    """ "Book flight 9C9238 …": the model opened CA6536, the last row, whose Economy was sold
    out, and gave up. 9C9238 is a flight's number as G742 and CZ4151 are: another row is
    refused, the goal's passes."""
    _, obs, goal = _oracle_at("TravelBookFlight", 2005, "SearchResultActivity")
    assert "9C9238" in goal
    rows = {label_of(it): it.id for it in obs.view.items if it.clickable and "|" in it.text}
    assert wrong_code(TapAction(element=rows["CA6536"]), obs.view, goal) is not None
    assert wrong_code(TapAction(element=rows["9C9238"]), obs.view, goal) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finishing_a_trip_before_each_part_is_paid_is_refused(lang: str) -> None:
    """ "Plan my trip …: a train, a hotel room, and tickets …, and pay for each": a success
    finish after two payments is refused (the model skipped the hotel at seed 2006), after
    three it is not; a goal that pays once is left alone."""
    goal = get("TravelPlanTrip").instantiate(2006, lang=lang).goal
    done = FinishAction(status="success", message="Done.")
    why = unpaid_parts(done, goal, 2)
    assert why is not None
    assert "3 things" in why
    assert unpaid_parts(done, goal, 3) is None
    assert unpaid_parts(FinishAction(status="infeasible", message="x"), goal, 0) is None
    assert unpaid_parts(done, get("TravelBookTrain").instantiate(2006, lang=lang).goal, 0) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_on_the_page_of_the_order_to_order_again_only_order_again_goes(lang: str) -> None:
    """FoodGoReorderLast (seed 2007): on the last order's page the model answered the
    restaurant's name, tapped its lines and the total, then ordered in MealDash. Anything but
    "Order again" there is refused and "Order again" is the next step; a goal that does not
    order it again is left alone."""
    _, obs, goal = _oracle_at("FoodGoReorderLast", 2007, "OrderDetailActivity", lang)
    again = next(it for it in obs.view.items if it.text in ("Order again", "再来一单"))
    total = next(it for it in obs.view.items if it.text.startswith(("Total", "合计", "实付")))
    tap = TapAction(element=total.id)
    assert off_reorder(tap, obs.view, goal) is not None
    assert to_reorder(tap, obs.view, goal)[0] == TapAction(element=again.id)
    assert off_reorder(TapAction(element=again.id), obs.view, goal) is None
    other = get("FoodGoOrderDish").instantiate(2007, lang=lang).goal
    assert off_reorder(tap, obs.view, other) is None
