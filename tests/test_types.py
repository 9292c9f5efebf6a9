from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from droidpilot.errors import ValidationError
from droidpilot.types import (
    ACTION_KINDS,
    MAX_TEXT,
    Action,
    AnswerAction,
    AskUserAction,
    Bounds,
    Completion,
    Element,
    EpisodeRecord,
    FinishAction,
    GuardDecision,
    KeyAction,
    LongPressAction,
    Message,
    Observation,
    OpenAppAction,
    RememberAction,
    RewardComponent,
    Sampling,
    Screen,
    ScreenDiff,
    ScreenView,
    ScrollAction,
    StepRecord,
    StepTimings,
    SwipeAction,
    TapAction,
    TypeAction,
    ViewItem,
    WaitAction,
    WindowInfo,
    action_from_json,
    from_json,
    to_json,
)


def roundtrip(value: Any) -> Any:
    text = json.dumps(to_json(value), ensure_ascii=False)
    back = from_json(type(value), json.loads(text))
    assert back == value
    return back


coords = st.integers(min_value=0, max_value=5000)
texts = st.text(max_size=60)
nonempty = texts.filter(lambda s: bool(s.strip()))
ids = st.integers(min_value=0, max_value=500)

actions: st.SearchStrategy[Action] = st.one_of(
    st.builds(TapAction, element=ids),
    st.builds(TapAction, x=coords, y=coords),
    st.builds(LongPressAction, element=ids, ms=st.integers(100, 10_000)),
    st.builds(LongPressAction, x=coords, y=coords),
    st.builds(
        TypeAction,
        text=texts,
        element=st.none() | ids,
        clear=st.booleans(),
        submit=st.booleans(),
    ),
    st.builds(
        ScrollAction,
        direction=st.sampled_from(["up", "down", "left", "right"]),
        element=st.none() | ids,
    ),
    st.builds(SwipeAction, x1=coords, y1=coords, x2=coords, y2=coords, ms=st.integers(10, 10_000)),
    st.builds(KeyAction, key=st.sampled_from(["back", "home", "enter", "app_switch"])),
    st.builds(OpenAppAction, name=nonempty),
    st.builds(WaitAction, seconds=st.floats(0, 60)),
    st.builds(RememberAction, fact=nonempty),
    st.builds(AnswerAction, text=nonempty),
    st.builds(AskUserAction, question=nonempty),
    st.builds(FinishAction, status=st.sampled_from(["success", "infeasible"]), message=texts),
)


def test_every_action_kind_is_covered() -> None:
    assert len(ACTION_KINDS) == len(get_args(Action)) == 12
    assert set(ACTION_KINDS) == {
        "tap", "long_press", "type", "scroll", "swipe", "key", "open_app", "wait",
        "remember", "answer", "ask_user", "finish",
    }  # fmt: skip


@settings(max_examples=400)
@given(actions)
def test_action_roundtrip(action: Action) -> None:
    data = to_json(action)
    assert data["kind"] == action.kind
    assert action_from_json(json.loads(json.dumps(data))) == action


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "tap"}, "needs an element id or both x and y"),
        ({"kind": "tap", "x": 3}, "needs an element id or both x and y"),
        ({"kind": "tap", "x": -1, "y": 4}, "non-negative"),
        ({"kind": "tap", "element": 3, "x": 1, "y": 1}, "not both"),
        ({"kind": "tap", "element": -2}, "non-negative integer id"),
        ({"kind": "tap", "element": "7"}, "expected an integer"),
        ({"kind": "tap", "x": 1.5, "y": 2}, "expected an integer"),
        ({"kind": "scroll", "direction": "sideways"}, "'sideways' is not one of 'up', 'down'"),
        ({"kind": "type", "text": "x" * (MAX_TEXT + 1)}, "the cap is"),
        ({"kind": "key", "key": "power"}, "power"),
        ({"kind": "swipe", "x1": 0, "y1": 0, "x2": 5, "y2": -5}, "non-negative"),
        ({"kind": "wait", "seconds": 3600}, "seconds must be"),
        ({"kind": "wait", "seconds": float("nan")}, "seconds must be"),
        ({"kind": "open_app", "name": "  "}, "must not be empty"),
        ({"kind": "finish", "status": "done"}, "'done' is not one of 'success', 'infeasible'"),
        ({"kind": "answer"}, "text"),
        ({"kind": "dance"}, "unknown action kind"),
        ({"element": 3}, "unknown action kind"),
        ({"kind": "tap", "element": 1, "force": True}, "unknown field"),
    ],
)
def test_bad_actions_are_refused_with_a_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        action_from_json(data)


def test_actions_validate_on_construction() -> None:
    with pytest.raises(ValidationError):
        TapAction()
    with pytest.raises(ValidationError):
        ScrollAction(direction="diagonal")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        TypeAction(text="a" * (MAX_TEXT + 1))
    assert isinstance(ValidationError("x"), ValueError)


def _screen() -> Screen:
    b = Bounds(x1=0, y1=0, x2=1080, y2=2400)
    return Screen(
        elements=(
            Element(index=0, bounds=b, class_name="android.widget.FrameLayout", package="p"),
            Element(
                index=1,
                parent=0,
                depth=1,
                text="支付 ¥58 🍜",
                resource_id="p:id/pay",
                class_name="android.widget.Button",
                package="p",
                bounds=Bounds(x1=10, y1=20, x2=300, y2=120),
                clickable=True,
            ),
        ),
        windows=(WindowInfo(index=0, package="p", bounds=b),),
        width=1080,
        height=2400,
    )


def _view() -> ScreenView:
    item = ViewItem(
        id=4,
        element=1,
        role="Button",
        text="支付 ¥58 🍜",
        bounds=Bounds(x1=10, y1=20, x2=300, y2=120),
        tap=(155, 70),
        clickable=True,
    )
    return ScreenView(
        package="p",
        items=(item,),
        text='[4] Button "支付 ¥58 🍜"',
        diff=ScreenDiff(appeared=(4,), disappeared=("[1] TextView x",)),
    )


def test_screen_types_roundtrip() -> None:
    roundtrip(_screen())
    view = roundtrip(_view())
    assert view.item(4) is not None
    assert view.item(5) is None
    assert view.ids == (4,)


def test_view_item_tap_must_lie_inside_bounds() -> None:
    with pytest.raises(ValidationError, match="outside"):
        ViewItem(
            id=1, element=0, role="Button", text="", bounds=Bounds(x1=0, y1=0, x2=10, y2=10),
            tap=(10, 5),
        )  # fmt: skip


def test_observation_roundtrip_drops_the_lazy_screenshot() -> None:
    calls = []

    def shot() -> bytes:
        calls.append(1)
        return b"\x89PNG"

    obs = Observation(screen=_screen(), view=_view(), app="p", screenshot=shot)
    assert calls == []  # lazy
    data = to_json(obs)
    assert "screenshot" not in data
    back = from_json(Observation, data)
    assert back == obs  # the screenshot does not take part in equality
    assert back.png() is None
    assert obs.png() == b"\x89PNG"


def _step(**kw: Any) -> StepRecord:
    base: dict[str, Any] = dict(
        run_id="r1",
        episode_id="e1",
        step=0,
        ts=1.5,
        goal="点一份宫保鸡丁",
        task_id="FoodOrderDish",
        prompt=(Message(role="system", content="s"), Message(role="user", content="u")),
        sampling=Sampling(temperature=0.6, top_p=0.95, max_tokens=256, seed=3),
        prompt_token_ids=(1, 2, 3),
        completion_token_ids=(4, 5),
        completion_logprobs=(-0.1, -2.5),
        action=TapAction(element=4),
        guard=GuardDecision(decision="ask", reason="payment", sensitive=True),
        reward=0.25,
        reward_components=(RewardComponent(name="cart", value=0.25, evidence="cart has 1"),),
        progress=0.25,
        timings_ms=StepTimings(observe=1.0, model=2.0, guard=0.1, act=0.5, settle=3.0),
    )
    base.update(kw)
    return StepRecord(**base)


def test_step_record_roundtrip_and_keys() -> None:
    rec = roundtrip(_step())
    data = to_json(rec)
    assert data["schema_version"] == 1
    assert data["action"] == {"kind": "tap", "element": 4, "x": None, "y": None}
    for key in (
        "schema_version", "run_id", "episode_id", "step", "ts", "task_id", "goal", "app",
        "activity", "screen_text", "hierarchy_sha256", "hierarchy_path", "screenshot_path",
        "prompt", "completion", "reasoning", "model", "sampling", "prompt_token_ids",
        "completion_token_ids", "completion_logprobs", "action", "action_valid", "repairs",
        "executed",
        "error", "guard", "reward", "reward_components", "progress", "terminated", "truncated",
        "success", "timings_ms",
    ):  # fmt: skip
        assert key in data, key
    # a step with no checker keeps reward null, and no action after a parse failure
    roundtrip(_step(reward=None, action=None, action_valid=False, error="no action found"))


def test_step_record_rejects_other_schema_versions() -> None:
    data = to_json(_step())
    data["schema_version"] = 99
    with pytest.raises(ValidationError, match="schema_version"):
        from_json(StepRecord, data)


def test_episode_record_roundtrip_uses_return_key() -> None:
    ep = EpisodeRecord(
        run_id="r",
        episode_id="e",
        goal="g",
        params=(("dish", "宫保鸡丁"), ("qty", 2), ("budget", 40.5), ("spicy", True), ("x", None)),
        return_=1.25,
        success=True,
    )
    data = to_json(ep)
    assert data["return"] == 1.25
    assert "return_" not in data
    assert roundtrip(ep).params[1] == ("qty", 2)


def test_completion_and_errors_in_json() -> None:
    roundtrip(Completion(text="tap(3)", reasoning="…", completion_logprobs=(-0.5,)))
    with pytest.raises(ValidationError, match="non-finite"):
        to_json(RewardComponent(name="x", value=float("inf")))
    with pytest.raises(ValidationError, match="expected an object"):
        from_json(Bounds, [1, 2, 3, 4])
    with pytest.raises(ValidationError, match="expected true or false"):
        from_json(Element, {**to_json(_screen().elements[1]), "clickable": "yes"})


def test_bounds_geometry() -> None:
    b = Bounds(x1=10, y1=20, x2=30, y2=60)
    assert (b.width, b.height, b.area, b.center) == (20, 40, 800, (20, 40))
    assert b.contains(10, 20)
    assert not b.contains(30, 60)
    assert b.intersect(Bounds(x1=25, y1=0, x2=100, y2=30)) == Bounds(x1=25, y1=20, x2=30, y2=30)
    assert b.intersect(Bounds(x1=100, y1=100, x2=200, y2=200)).empty
    assert str(b) == "[10,20][30,60]"
