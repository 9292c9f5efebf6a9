"""Visible actionable nodes of a uiautomator dump, counted independently of the renderer.

Used by the screen tests and by ``bench/screen.py`` to check that the model's view loses no
element a user could reach; it reads the XML with ``xml.etree`` and shares no code with
``droidpilot.device.screen`` or ``view``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator


def box(value: str | None) -> tuple[int, int, int, int]:
    """``[x1,y1][x2,y2]`` as four integers."""
    a, b, c, d = (value or "[0,0][0,0]")[1:-1].replace("][", ",").split(",")
    return int(a), int(b), int(c), int(d)


def hierarchy(data: bytes) -> ET.Element:
    """The ``<hierarchy>`` element of a dump (log lines before, junk after are cut off)."""
    text = data.decode("utf-8", errors="replace")
    start = text.index("<hierarchy")
    end = text.index("</hierarchy>", start) + len("</hierarchy>")
    return ET.fromstring(text[start:end])


IME_HINTS = ("inputmethod", "keyboard", "honeyboard", "swiftkey", "com.baidu.input")


def visible_actionable(root: ET.Element) -> Iterator[int]:
    """Depth-first indexes of visible clickable/editable/scrollable nodes a user can reach.

    Independent of the renderer: clipped to the screen and to ancestors with a size; the
    keyboard's keys are left out (the view says "keyboard shown"), and so is a node that lies
    wholly under a smaller window root (a bar, a dialog or the keyboard drawn over it).
    """
    roots = root.findall("node")
    root_boxes = [box(r.get("bounds")) for r in roots]
    width = max((b[2] for b in root_boxes), default=0)
    height = max((b[3] for b in root_boxes), default=0)
    counter = iter(range(1 << 30))

    def area(b: tuple[int, int, int, int]) -> int:
        return max(0, b[2] - b[0]) * max(0, b[3] - b[1])

    def walk(
        node: ET.Element, clip: tuple[int, int, int, int], win: int, ime: bool
    ) -> Iterator[int]:
        index = next(counter)
        b = box(node.get("bounds"))
        if b[2] > b[0] and b[3] > b[1]:
            clip = (max(b[0], clip[0]), max(b[1], clip[1]), min(b[2], clip[2]), min(b[3], clip[3]))
        actionable = (
            node.get("clickable") == "true"
            or node.get("scrollable") == "true"
            or (node.get("class") or "").endswith("EditText")
        )
        shown = (
            b[2] > b[0]
            and b[3] > b[1]
            and clip[2] > clip[0]
            and clip[3] > clip[1]
            and node.get("visible-to-user") != "false"
        )
        covered = any(
            k != win
            and area(o) < area(root_boxes[win])
            and o[0] <= clip[0]
            and o[1] <= clip[1]
            and clip[2] <= o[2]
            and clip[3] <= o[3]
            for k, o in enumerate(root_boxes)
        )
        if actionable and shown and not ime and not covered:
            yield index
        for child in node.findall("node"):
            yield from walk(child, clip, win, ime)

    for w, r in enumerate(roots):
        pkg = (r.get("package") or "").lower()
        yield from walk(r, (0, 0, width, height), w, any(h in pkg for h in IME_HINTS))
