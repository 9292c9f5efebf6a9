"""The reasoning text of a demonstration step: why the oracle's action serves the goal.

The oracle (:mod:`droidpilot.tasks.oracle`) only acts; a model distilled from its episodes
must also learn to think in ``<think>...</think>`` first. :func:`explain` writes that thought,
deterministically, from the task's parameters and the screen the step saw, in the task's
language (English or Chinese), in three short parts:

1. what the goal needs now (a parameter the target matches, or the stage: a pop-up in the way,
   a PIN to enter, an app to open, a question to answer);
2. what on this screen serves it (the target's id and its words, as the screen shows them);
3. why this action (tap it, type it, scroll to find it, go back, finish).

Only what is on the screen and in the goal is named (the oracle's private ``_`` parameters never
are), so a model can learn to write the same thought from its prompt. Thoughts are kept short
(about 25-45 tokens): the CPU model's step latency grows with every generated token.
"""

from __future__ import annotations

import re

from droidpilot.planner.ground import dates_in, label_of, pin_entered
from droidpilot.tasks.answers import fold
from droidpilot.tasks.oracle import interruption
from droidpilot.tasks.spec import Bi, Task
from droidpilot.types import (
    Action,
    AnswerAction,
    AskUserAction,
    FinishAction,
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    RememberAction,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
    ViewItem,
    WaitAction,
)

__all__ = ["explain", "label_of", "matching_param"]

#: Parameter names in words (en, zh); others read as their name with ``_`` as spaces.
_NAMES: dict[str, tuple[str, str]] = {
    "app": ("app", "应用"),
    "shop": ("restaurant", "餐厅"),
    "restaurant": ("restaurant", "餐厅"),
    "dish": ("dish", "菜品"),
    "qty": ("quantity", "数量"),
    "pin": ("PIN", "支付密码"),
    "from": ("departure city", "出发地"),
    "to": ("destination", "目的地"),
    "date": ("date", "日期"),
    "day": ("day", "日期"),
    "number": ("train", "车次"),
    "class": ("seat class", "座位等级"),
    "who": ("passenger", "乘客"),
    "friend": ("friend", "朋友"),
    "contact": ("contact", "联系人"),
    "note": ("note", "备注"),
    "address": ("address", "地址"),
    "place": ("place", "地点"),
    "attraction": ("attraction", "景点"),
    "city": ("city", "城市"),
    "hotel": ("hotel", "酒店"),
    "option": ("option", "选项"),
    "size": ("size", "规格"),
    "budget": ("budget", "预算"),
    "in": ("check-in date", "入住日期"),
    "out": ("check-out date", "离店日期"),
}

_STAGES: dict[str, tuple[str, str]] = {
    "ad": ("A pop-up ad covers the app", "弹窗广告挡住了应用"),
    "permission": ("The app asks for a permission", "应用在请求权限"),
    "anr": ("The app is not responding", "应用无响应"),
    "login": ("The session has expired", "登录已过期"),
    "network_error": ("The page failed to load", "页面加载失败"),
    "loading": ("The screen is still loading", "页面还在加载"),
}

_DATE_LABEL = re.compile(r"\d{4}-\d{2}-\d{2}")

#: The date field's reason (its words are the date it holds, not the goal's).
_DATE_FIELD = (
    "The goal's date is {date}; {ref} opens the date picker, so I tap it.",
    "目标日期是{date}，{ref}打开日期选择，点击它。",
)
#: Why the oracle taps an app's own flow buttons, which name no goal parameter: the button's
#: words (folded; a key ending in "*" matches as a prefix: "Add to cart · ¥25") and what
#: tapping it does for the goal, in en and zh. {ref} is the item; {pin}, {count}, {date} are
#: the goal's, when it has them (a reason that needs one the goal lacks is not used).
_PURPOSES: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"done", "完成"}),
     "The PIN {pin} is entered, so I confirm the payment with {ref}.",
     "支付密码{pin}已输入，点击{ref}确认付款。"),
    (frozenset({"increasequantity", "增加数量", "moreadult", "增加成人票", "morechild",
                "增加儿童票"}),
     "The goal wants {count}, more than shown, so I raise the count with {ref}.",
     "目标要{count}份，比现在多，点击{ref}加一。"),
    (frozenset({"viewcart", "basket", "去购物车", "购物袋"}),
     "What the goal orders is added, so I open the cart with {ref}.",
     "目标要的已加入，点击{ref}打开购物车。"),
    (frozenset({"checkout", "revieworder", "去结算", "确认下单"}),
     "The cart holds the order, so I go on to checkout with {ref}.",
     "购物车里是要下的单，点击{ref}去结算。"),
    (frozenset({"submitorder", "placeorder", "提交订单", "下单"}),
     "The order is filled in as the goal says, so I place it with {ref}.",
     "订单已按目标填好，点击{ref}提交。"),
    (frozenset({"pay*", "支付*"}),
     "The order is ready to pay, so I pay for it with {ref}.",
     "订单待付款，点击{ref}付款。"),
    (frozenset({"addtocart*", "addtobasket*", "加入购物车*", "加入购物袋*"}),
     "The options are set as the goal says, so I add it with {ref}.",
     "规格已按目标选好，点击{ref}加入。"),
    (frozenset({"search", "searchhotels", "查询", "搜索酒店", "搜索"}),
     "The search form holds what the goal gives, so I search with {ref}.",
     "查询条件已按目标填好，点击{ref}查询。"),
    (frozenset({"ok", "confirm", "save", "确定", "确认", "保存"}),
     "What this screen asks for is set, so I confirm it with {ref}.",
     "这一页要填的已设好，点击{ref}确认。"),
    (frozenset({"buy", "book", "立即购买", "预订"}),
     "Everything the goal chose is set here, so I book it with {ref}.",
     "目标要的都已选好，点击{ref}预订。"),
    (frozenset({"addaddress", "newaddress", "新增地址", "添加新地址"}),
     "The goal's address is not in the list, so I add it with {ref}.",
     "列表里没有目标的地址，点击{ref}新增。"),
    (frozenset({"deliveryaddress", "deliverto", "收货地址", "配送地址"}),
     "The order must go to the goal's address, so I open {ref} to choose it.",
     "订单要送到目标的地址，点击{ref}去选择。"),
    (frozenset({"cancelorder", "yescancel", "cancelbooking", "取消订单", "确认取消", "退订"}),
     "The goal asks to cancel it, so I tap {ref}.",
     "目标要取消它，点击{ref}。"),
    (frozenset({"send", "发送"}),
     "The message says what the goal asks, so I send it with {ref}.",
     "消息已按目标写好，点击{ref}发送。"),
    (frozenset({"myorders", "orders", "我的订单", "订单", "mytrips", "我的行程"}),
     "The goal is about an earlier order, so I open the list with {ref}.",
     "目标涉及之前的订单，点击{ref}打开列表。"),
)  # fmt: skip


def _param_words(task: Task) -> list[tuple[str, str]]:
    """The goal's parameters as (name, words in the task's language), solution knowledge out."""
    out: list[tuple[str, str]] = []
    for name, value in task.params.values:
        if name.startswith("_") or value is None or isinstance(value, bool):
            continue
        words = value.get(task.lang) if isinstance(value, Bi) else str(value)
        if words.strip():
            out.append((name, words.strip()))
    return out


def matching_param(task: Task, text: str) -> tuple[str, str] | None:
    """The goal parameter whose words ``text`` shows (the longest match), if any."""
    target = fold(text)
    if not target:
        return None
    best: tuple[str, str] | None = None
    for name, words in _param_words(task):
        key = fold(words)
        if len(key) < 2 or key not in target:
            continue
        if best is None or len(key) > len(fold(best[1])):
            best = (name, words)
    return best


def _name(param: str, zh: bool) -> str:
    en, cn = _NAMES.get(param, (param.replace("_", " "), param.replace("_", " ")))
    return cn if zh else en


def _item(action: Action, obs: Observation) -> ViewItem | None:
    element = getattr(action, "element", None)
    return obs.view.item(element) if isinstance(element, int) else None


def explain(task: Task, action: Action, obs: Observation) -> str:
    """The thought for the oracle's ``action`` on the screen ``obs`` of ``task`` (en or zh)."""
    zh = task.lang == "zh"
    item = _item(action, obs)
    ref = f'[{item.id}] "{label_of(item)}"' if item is not None else ""
    blocked = interruption(obs)
    if blocked is not None and blocked[1] == action and blocked[0] in _STAGES:
        stage = _STAGES[blocked[0]][1 if zh else 0]
        if isinstance(action, WaitAction):
            return f"{stage}，先等待。" if zh else f"{stage}, so I wait for it."
        if zh:
            return f"{stage}，要先处理它才能继续。点击{ref}。"
        return f"{stage}; it must be cleared first. {ref} does that, so I tap it."
    match action:
        case TapAction() | LongPressAction() if item is not None:
            return _tap(task, item, ref, obs, zh)
        case TypeAction():
            return _type(task, action, ref, zh)
        case ScrollAction():
            return _scroll(task, action, ref, obs, zh)
        case OpenAppAction():
            if zh:
                return f"目标要用{action.name}，当前不在该应用，所以打开{action.name}。"
            return f"The goal needs {action.name}, which is not open here, so I open it."
        case KeyAction() if action.key == "back" and obs.view.keyboard:
            if zh:
                return "键盘挡住了屏幕，按返回键收起键盘。"
            return "The keyboard covers the screen, so I close it with back."
        case KeyAction() if action.key == "back":
            if zh:
                return "这个页面对目标没有用处，返回上一页。"
            return "This screen does not serve the goal now, so I go back."
        case KeyAction():
            return f"按{action.key}键。" if zh else f"The next step needs the {action.key} key."
        case AnswerAction():
            return _answer(task, action, obs, zh)
        case FinishAction() if action.status == "success":
            if zh:
                return "目标要求的都已完成，屏幕上可以确认，结束任务。"
            return "Everything the goal asked for is done and the screen confirms it, so I finish."
        case FinishAction():
            why = action.message or ("做不到" if zh else "it cannot be done")
            if zh:
                return f"屏幕显示这个目标无法完成：{why}。报告无法完成。"
            return f"The screen shows the goal cannot be done: {why}. So I report it infeasible."
        case RememberAction():
            if zh:
                return f"后面的步骤需要“{action.fact}”，先记下来。"
            return f'A later step needs "{action.fact}", so I remember it.'
        case WaitAction():
            return "页面还在变化，先等待。" if zh else "The screen is still changing, so I wait."
        case AskUserAction():
            return "需要用户确认。" if zh else "Only the user can decide this, so I ask."
        case SwipeAction():
            return "滑动屏幕。" if zh else "I swipe to reach the rest of the screen."
        case _:
            kind = action.kind.replace("_", " ")
            return f"执行{kind}。" if zh else f"The next step is {kind}."


def _tap(task: Task, item: ViewItem, ref: str, obs: Observation, zh: bool) -> str:
    pin = next((w for n, w in _param_words(task) if n == "pin"), "")
    label = label_of(item)
    if pin and label.isdigit() and len(label) == 1 and label in pin:
        entered = pin_entered(obs.view.text)  # the dots, in zh too ("●○○○○○ | 已输入1位")
        k = entered[0] + 1 if entered else 0
        if zh:
            nth = f"第{k}位是{label}，" if k else ""
            return f"付款需要输入支付密码{pin}。{nth}点击{ref}。"
        nth = f"digit {k} is {label}, so " if k else ""
        return f"Paying needs the PIN {pin}; {nth}I tap {ref}."
    hit = matching_param(task, label) or matching_param(task, item.text)
    if hit is not None:
        name, words = hit
        if zh:
            return f"目标指定的{_name(name, True)}是{words}。{ref}正是它，点击它。"
        return f"The goal names the {_name(name, False)} {words}. {ref} shows it, so I tap it."
    # a date picker's day (not a date field, which opens the picker): the goal's date it is
    day = set() if _DATE_LABEL.fullmatch(label) else dates_in(label)
    said = [(n, w) for n, w in _param_words(task) if len(day) == 1 and dates_in(w) == day]
    if said:
        name, words = said[0]
        if zh:
            return f"目标的{_name(name, True)}是{words}，{ref}就是这一天，点击它。"
        return f"The goal's {_name(name, False)} is {words}; {ref} is that day, so I tap it."
    if item.checkable:
        if zh:
            return f"目标需要选中{ref}，点击它。"
        return f"The goal needs {ref} set, so I tap it."
    if "Tab" in item.role:
        # a menu's tabs: the oracle opens another only while the open one lacks the dish
        want = _missing(task, obs, ("dish",))
        if want:
            if zh:
                return f"目标需要的“{want}”不在这个标签页。{ref}是另一个标签页，打开它。"
            return f'"{want}" is not on this tab. {ref} is another tab, so I open it.'
        stem = fold(label).removesuffix("s")  # "Flights" for "Book flight CZ4151"
        if len(stem) >= 3 and stem in fold(task.goal):
            if zh:
                return f"目标要的是{label}，点击{ref}打开。"
            return f"The goal asks for {label.lower()}, so I open {ref}."
    purpose = _purpose(task, label, ref, zh)
    if purpose:
        return purpose
    if zh:
        return f"下一步要继续完成目标：{ref}是这里推进的按钮，点击它。"
    return f"The next step toward the goal is {ref} on this screen, so I tap it."


def _purpose(task: Task, label: str, ref: str, zh: bool) -> str:
    """The flow button's reason (:data:`_PURPOSES`), or ``""`` when it has none here."""
    params = dict(_param_words(task))
    values = {
        "ref": ref,
        "pin": params.get("pin", ""),
        "count": params.get("qty") or params.get("count") or "",
        "date": params.get("date") or params.get("day") or "",
    }
    template = ""
    if _DATE_LABEL.fullmatch(label):  # the date field shows the date it holds
        template = _DATE_FIELD[1 if zh else 0]
    elif key := fold(label):
        for keys, en, cn in _PURPOSES:
            if key in keys or any(k.endswith("*") and key.startswith(k[:-1]) for k in keys):
                template = cn if zh else en
                break
    if not template or any(not values[n] for n in re.findall(r"\{(\w+)\}", template)):
        return ""
    return template.format(**values)


def _type(task: Task, action: TypeAction, ref: str, zh: bool) -> str:
    hit = matching_param(task, action.text)
    where = ref or ("当前输入框" if zh else "the focused field")
    if hit is not None:
        name = _name(hit[0], zh)
        if zh:
            return f"目标给出{name}“{action.text}”，{where}是填写它的地方，输入它。"
        return f'The goal gives the {name} "{action.text}". {where} is the field for it, so I type.'
    if zh:
        return f"这里需要填写“{action.text}”，{where}是对应的输入框，输入它。"
    return f'This step needs "{action.text}" entered. {where} takes it, so I type it.'


def _missing(task: Task, obs: Observation, names: tuple[str, ...] = ()) -> str:
    """The words of the first goal parameter the screen does not show (the PIN, the app and the
    count aside; only those ``names``, when given), or ""."""
    seen = fold(obs.view.text)
    missing = [(n, w) for n, w in _param_words(task) if len(fold(w)) >= 2 and fold(w) not in seen]
    return next(
        (w for n, w in missing if n not in ("pin", "app", "qty") and (not names or n in names)),
        "",
    )


def _scroll(task: Task, action: ScrollAction, ref: str, obs: Observation, zh: bool) -> str:
    want = _missing(task, obs)
    where = ref or ("屏幕" if zh else "the screen")
    if zh:
        what = f"“{want}”" if want else "需要的内容"
        way = _dir_zh(action.direction)
        return f"目标需要的{what}不在当前屏幕上。{where}可以滚动，向{way}滚动查找。"
    what = f'"{want}"' if want else "what the goal needs"
    return (
        f"{what[0].upper()}{what[1:]} is not on this screen. {where} scrolls, so I scroll "
        f"{action.direction} to find it."
    )


def _dir_zh(direction: str) -> str:
    return {"down": "下", "up": "上", "left": "左", "right": "右"}.get(direction, direction)


def _answer_source(task: Task, answer: str, obs: Observation) -> ViewItem | None:
    """The item the answer is read from: of those that show it, first one that also shows
    the thing the goal asks about (a parameter's words: the dish of "How much is Cola?") and
    shows the answer whole ("¥5", not inside "¥15"), then one of the two, then the first."""
    key = fold(answer)
    if not key:
        return None
    whole = re.compile(r"(?<![\w.])" + re.escape(answer.strip()) + r"(?![\w.])")

    def named(item: ViewItem) -> bool:
        found = matching_param(task, item.text)
        return found is not None and found[0] not in ("pin", "app")

    candidates = [it for it in obs.view.items if key in fold(it.text)]
    ranked = sorted(
        enumerate(candidates),
        key=lambda pair: (-named(pair[1]) - bool(whole.search(pair[1].text)), pair[0]),
    )
    return ranked[0][1] if ranked else None


def _answer(task: Task, action: AnswerAction, obs: Observation, zh: bool) -> str:
    shown = _answer_source(task, action.text, obs)
    if shown is not None:
        ref = f'[{shown.id}] "{label_of(shown)}"'
        if zh:
            return f"目标是一个问题，{ref}给出了答案，回答它。"
        return f"The goal asks a question and {ref} shows the answer, so I answer."
    if zh:
        return "目标是一个问题，答案已经找到，回答它。"
    return "The goal asks a question and I have found the answer, so I answer."
