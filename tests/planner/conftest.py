from __future__ import annotations

from pathlib import Path

import pytest

from droidpilot.types import Bounds, ScreenDiff, ScreenView, ViewItem


def item(
    vid: int,
    text: str,
    *,
    role: str = "button",
    clickable: bool = True,
    editable: bool = False,
    scrollable: bool = False,
) -> ViewItem:
    b = Bounds(x1=0, y1=vid * 100, x2=1080, y2=vid * 100 + 90)
    return ViewItem(
        id=vid,
        element=vid,
        role=role,
        text=text,
        bounds=b,
        tap=b.center,
        clickable=clickable,
        editable=editable,
        scrollable=scrollable,
    )


def make_view(
    items: list[ViewItem] | None = None,
    *,
    package: str = "com.example.food",
    diff: ScreenDiff | None = None,
) -> ScreenView:
    items = (
        items
        if items is not None
        else [
            item(1, "Search", role="input", editable=True),
            item(2, "Milk tea  ¥12"),
            item(3, "Add to cart"),
            item(4, "Today's specials", role="text", clickable=False),
            item(5, "Checkout"),
        ]
    )
    flags = {True: "tap"}
    lines = [f"app: {package}"]
    for it in items:
        what = "type" if it.editable else flags.get(it.clickable, "")
        lines.append(f'[{it.id}] {it.role} "{it.text}"' + (f" ({what})" if what else ""))
    return ScreenView(package=package, items=tuple(items), text="\n".join(lines), diff=diff)


@pytest.fixture
def view() -> ScreenView:
    return make_view()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from droidpilot.planner.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen2")


@pytest.fixture(scope="session")
def tiny_onnx(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("onnxruntime_genai")
    pytest.importorskip("onnx_ir")
    from droidpilot.planner.backends.ort import export_onnx

    return export_onnx(tiny_model, tmp_path_factory.mktemp("tiny") / "onnx")
