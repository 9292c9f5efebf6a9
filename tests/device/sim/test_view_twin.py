"""The builders' fast View initialiser (``positional_twin`` of ``View.__init__``) makes the
very view ``View(...)`` makes, and keeps the public constructor keyword-only."""

from __future__ import annotations

from typing import Any

import pytest

from droidpilot.device._construct import positional_twin
from droidpilot.device.sim import views
from droidpilot.device.sim.views import Text, View


def _slots(v: View) -> dict[str, object]:
    return {name: getattr(v, name) for name in View.__slots__}


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"kind": "col", "id": "list", "children": [View("TextView")], "pad": 4, "margin": 2},
        {"text": Text("Hi", "你好"), "size": 20.0, "bold": True, "clickable": True, "role": "t"},
        {"editable": True, "hint": "Search", "password": True, "lines": 1, "enabled": False},
        {"checkable": True, "checked": True, "focusable": True, "selected": True, "bg": "#fff"},
    ],
)
def test_twin_makes_the_same_view(kw: dict[str, Any]) -> None:
    fast = views._new(View)
    views._init(fast, "TextView", **kw)
    assert _slots(fast) == _slots(View("TextView", **kw))


def test_twin_takes_keywords_positionally_and_the_class_does_not() -> None:
    v = views._new(View)
    views._init(v, "Button", "row", "go")  # type: ignore[call-arg]
    assert (v.kind, v.id) == ("row", "go")
    with pytest.raises(TypeError):
        View("Button", "row")  # type: ignore[call-arg]


def test_twin_refuses_keyword_only_parameters_without_defaults() -> None:
    def f(a: int, *, b: int) -> int:
        return a + b

    with pytest.raises(TypeError):
        positional_twin(f)
