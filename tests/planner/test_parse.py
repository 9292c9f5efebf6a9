from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from droidpilot.planner.parse import ParseFailure, parse_action, parse_reply, split_think
from droidpilot.types import (
    ACTION_KINDS,
    AnswerAction,
    AskUserAction,
    FinishAction,
    KeyAction,
    LongPressAction,
    OpenAppAction,
    RememberAction,
    ScreenView,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
    WaitAction,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tap(3)", TapAction(element=3)),
        ('{"action": "tap", "element": 3}', TapAction(element=3)),
        ('```json\n{"action": "tap", "element": 3}\n```', TapAction(element=3)),
        ("<think>the cart button</think>\ntap(3)", TapAction(element=3)),
        ("<think>x</think>```\ntap(3)\n```", TapAction(element=3)),
        ("tap(x=540, y=1200)", TapAction(x=540, y=1200)),
        ("tap(540, 1200)", TapAction(x=540, y=1200)),
        ("click([540.4, 1200])", TapAction(x=540, y=1200)),
        ("long_press(2)", LongPressAction(element=2)),
        ('type("milk tea", 1, submit=true)', TypeAction(text="milk tea", element=1, submit=True)),
        ("type(1, 'milk tea')", TypeAction(text="milk tea", element=1)),
        (
            '{"action_type": "input_text", "text": "hi", "index": 1}',
            TypeAction(text="hi", element=1),
        ),
        ("scroll(down)", ScrollAction(direction="down")),
        ("scroll_up()", ScrollAction(direction="up")),
        (
            '{"action": "scroll", "direction": "left", "element": 5}',
            ScrollAction(direction="left", element=5),
        ),
        ("swipe(1, 2, 300, 400)", SwipeAction(x1=1, y1=2, x2=300, y2=400)),
        ("key(back)", KeyAction(key="back")),
        ("navigate_back()", KeyAction(key="back")),
        ("back", KeyAction(key="back")),
        ('open_app("Wallet")', OpenAppAction(name="Wallet")),
        ("wait(2)", WaitAction(seconds=2.0)),
        ('remember("order #4411 costs ¥36")', RememberAction(fact="order #4411 costs ¥36")),
        ('answer("It opens at 9:00")', AnswerAction(text="It opens at 9:00")),
        (
            'ask_user("Pay ¥36 with the wallet?")',
            AskUserAction(question="Pay ¥36 with the wallet?"),
        ),
        ('finish(success, "ordered")', FinishAction(status="success", message="ordered")),
        (
            '{"action": "finish", "status": "infeasible", "message": "sold out"}',
            FinishAction(status="infeasible", message="sold out"),
        ),
        ('{"name": "tap", "arguments": "{\\"element\\": 2}"}', TapAction(element=2)),
        ('{"tap": {"element": 2}}', TapAction(element=2)),
        ('{"thought": "go", "action": {"kind": "tap", "element": 2}}', TapAction(element=2)),
        ('type("点一杯奶茶", 1)', TypeAction(text="点一杯奶茶", element=1)),
        ("Thought: the search box.\nAction: tap(1)", TapAction(element=1)),
    ],
)
def test_parses_json_and_call_syntax(text: str, expected: object, view: ScreenView) -> None:
    assert parse_action(text, view) == expected


@pytest.mark.parametrize(
    ("text", "repair"),
    [
        ("{'action': 'tap', 'element': 3}", "single or curly quotes"),
        ('{"action": "tap", "element": 3,}', "trailing comma"),
        ('{"action": "tap", "element": 3', "missing closing brace"),
        ("{action: 'tap', element: 3}", "unquoted key"),
        ('{"action": "type", "text": "x", "submit": True}', "python literal"),
        ('type("milk tea', "unterminated string"),
        ("tap(3", "missing closing parenthesis"),
    ],
)
def test_repairs_are_made_and_recorded(text: str, repair: str, view: ScreenView) -> None:
    reply = parse_reply(text, view)
    assert reply.ok, reply.action
    assert repair in reply.repairs


def test_unknown_id_is_a_failure_with_the_reason(view: ScreenView) -> None:
    got = parse_action("tap(99)", view)
    assert isinstance(got, ParseFailure)
    assert "element 99 is not on the current screen" in got.reason
    assert "1-5" in got.reason
    assert parse_action("tap(99)") == TapAction(element=99)  # no screen, no check


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("I think I should look around.", "no action found"),
        ("<think>still thinking about the menu", "inside <think>"),
        ("tap(-1)", "non-negative"),
        ("scroll(sideways)", "direction"),
        ("key(volume_up)", "unknown key"),
        ('{"element": 3}', "without an action name"),
        ("fly(3)", "no action found"),
        ("tap(1, 2, 3)", "element id or x, y"),
        ("type(3)", "text"),
    ],
)
def test_failures_say_why(text: str, why: str, view: ScreenView) -> None:
    got = parse_action(text, view)
    assert isinstance(got, ParseFailure), got
    assert why in got.reason


def test_the_last_action_wins_and_thought_is_kept(view: ScreenView) -> None:
    reply = parse_reply("I could tap(2) but the cart is better.\ntap(3)", view)
    assert reply.action == TapAction(element=3)
    assert "cart is better" in reply.thought
    reply = parse_reply("<think>Open the cart.</think>tap(3)", view)
    assert reply.thought == "Open the cart."
    assert reply.reasoning == "Open the cart."


def test_split_think() -> None:
    assert split_think("<think>a</think>b") == ("a", "b", True)
    assert split_think("a</think>b") == ("a", "b", True)  # the template opened <think>
    assert split_think("<think>a") == ("a", "", False)
    assert split_think("b") == ("", "b", True)


# --------------------------------------------------------------------------- property tests

_ids = st.integers(min_value=1, max_value=5)
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)
_actions = st.one_of(
    st.builds(lambda i: TapAction(element=i), _ids),
    st.builds(lambda x, y: TapAction(x=x, y=y), st.integers(0, 3000), st.integers(0, 3000)),
    st.builds(
        lambda t, i, s: TypeAction(text=t, element=i, submit=s),
        _text.filter(str.strip),
        _ids,
        st.booleans(),
    ),
    st.builds(
        lambda d: ScrollAction(direction=d), st.sampled_from(["up", "down", "left", "right"])
    ),
    st.builds(lambda k: KeyAction(key=k), st.sampled_from(["back", "home", "enter", "app_switch"])),
    st.builds(lambda f: RememberAction(fact=f), _text.filter(str.strip)),
    st.builds(lambda m: FinishAction(status="success", message=m), _text),
)


@settings(max_examples=400, deadline=None)
@given(_actions, st.sampled_from(["call", "json", "fenced", "think"]))
def test_round_trip_of_rendered_actions(action: object, form: str) -> None:
    from droidpilot.planner.prompt import render_action
    from droidpilot.types import to_json

    from .conftest import make_view

    assert not isinstance(action, ParseFailure)
    call = render_action(action)  # type: ignore[arg-type]
    data = to_json(action)
    data["action"] = data.pop("kind")
    text = {
        "call": call,
        "json": json.dumps(data, ensure_ascii=False),
        "fenced": "```json\n" + json.dumps(data) + "\n```",
        "think": f"<think>{call} looks right</think>\n{call}",
    }[form]
    assert parse_action(text, make_view()) == action


_fragments = st.sampled_from(
    [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        '"',
        "'",
        ",",
        ":",
        "=",
        "<think>",
        "</think>",
        "```",
        "```json",
        "tap",
        "type",
        "scroll",
        "finish",
        "action",
        "element",
        "\\",
        "\\u12",
        "1",
        "-3",
        "1e999",
        "99999999999999",
        "NaN",
        "true",
        "None",
        " ",
        "\n",
        "点",
        "😀",
        "click",
        '{"action":',
        "tap(",
        "key(",
        "swipe(",
        *ACTION_KINDS,
    ]
)
_adversarial = st.lists(st.one_of(_fragments, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=6000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), _adversarial))
def test_never_raises_on_random_and_adversarial_text(text: str) -> None:
    from .conftest import make_view

    reply = parse_reply(text, make_view())
    if isinstance(reply.action, ParseFailure):
        assert reply.action.reason
        assert "internal parser error" not in reply.action.reason
    else:
        assert reply.action.kind in ACTION_KINDS


def test_deep_nesting_and_huge_input_do_not_blow_up(view: ScreenView) -> None:
    assert isinstance(parse_action("[" * 50_000, view), ParseFailure)
    assert isinstance(parse_action("{" * 50_000, view), ParseFailure)
    assert isinstance(parse_action("tap(" * 20_000, view), ParseFailure)
    assert parse_action("x" * 100_000 + " tap(3)", view) is not None
