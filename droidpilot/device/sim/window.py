"""A window on the simulated screen: its laid-out tree and who owns it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from droidpilot.device.sim.layout import Node
from droidpilot.device.sim.views import View

if TYPE_CHECKING:
    from droidpilot.device.sim.app import Overlay, Page
    from droidpilot.types import Element, WindowInfo

__all__ = ["Window"]


class Window:
    """One window: ``kind`` is app, dialog, system, ime or toast; ``nodes`` are on screen."""

    __slots__ = (
        "fields",
        "focusable",
        "kind",
        "modal",
        "nodes",
        "on_outside",
        "overlay",
        "package",
        "page",
        "rect",
        "root",
        "screen_cache",
        "title",
    )

    def __init__(
        self,
        *,
        kind: str,
        package: str,
        root: View,
        nodes: list[Node],
        rect: tuple[int, int, int, int],
        page: Page[Any] | None = None,
        overlay: Overlay | None = None,
        fields: dict[str, object] | None = None,
        focusable: bool = True,
        modal: bool = False,
        on_outside: Callable[[], None] | None = None,
        title: str = "",
    ) -> None:
        self.kind = kind
        self.package = package
        self.root = root
        self.nodes = nodes
        self.rect = rect
        self.page = page
        self.overlay = overlay
        self.fields: dict[str, object] = fields if fields is not None else {}
        self.focusable = focusable
        self.modal = modal
        self.on_outside = on_outside
        self.title = title
        # what dump.screen_of made of this window last time (windows reused across frames,
        # such as the system bars, give the same elements again)
        self.screen_cache: (
            tuple[tuple[int, int, int, int], tuple[WindowInfo, tuple[Element, ...]]] | None
        ) = None

    def contains(self, x: int, y: int) -> bool:
        x1, y1, x2, y2 = self.rect
        return x1 <= x < x2 and y1 <= y < y2

    def find(self, view_id: str) -> View | None:
        """The view with short id ``view_id`` in this window's tree (laid out or not)."""
        stack = [self.root]
        while stack:
            v = stack.pop()
            if v.id == view_id:
                return v
            stack.extend(v.children)
        return None

    def __repr__(self) -> str:
        return f"Window({self.kind} {self.package} {self.rect})"
