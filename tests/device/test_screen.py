"""Reading real uiautomator dumps, and the model's view of them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from droidpilot.device.screen import parse_hierarchy, render_diff, render_screen
from droidpilot.device.view import ViewBuilder
from droidpilot.errors import ScreenParseError
from droidpilot.types import Element, Screen, ScreenView
from tests.conftest import FIXTURES, fixture_files
from tests.device import actionables

FILES = fixture_files()
IDS = [p.stem for p in FILES]


def fixture(prefix: str) -> bytes:
    (path,) = FIXTURES.glob(f"{prefix}*.xml")
    return path.read_bytes()


def same_elements(a: Screen, b: Screen) -> None:
    assert len(a.elements) == len(b.elements)
    assert a.elements == b.elements
    assert a.windows == b.windows
    assert (a.width, a.height, a.rotation) == (b.width, b.height, b.rotation)


def visible_actionable(xml: bytes) -> Iterator[int]:
    """Depth-first indexes of visible clickable/editable/scrollable nodes (with xml.etree)."""
    return actionables.visible_actionable(actionables.hierarchy(xml))


def without_node(xml: bytes, pick: str) -> tuple[bytes, bytes]:
    """The dump re-serialised as is, and without the first leaf node matching ``pick``."""
    text = xml.decode("utf-8", errors="replace")
    start = text.index("<hierarchy")
    root = ET.fromstring(text[start : text.index("</hierarchy>") + len("</hierarchy>")])
    before = ET.tostring(root, encoding="utf-8")
    for parent in root.iter():
        for child in list(parent):
            if child.tag == "node" and not len(child) and pick in ET.tostring(child, "unicode"):
                parent.remove(child)
                return before, ET.tostring(root, encoding="utf-8")
    raise AssertionError(f"no leaf node with {pick!r}")


def key(screen: Screen, index: int) -> tuple[str, str, str, str, str]:
    e = screen.elements[index]
    return (e.resource_id, e.class_name, e.text, e.content_desc, str(e.bounds))


def ids_by_key(screen: Screen, view: ScreenView) -> dict[tuple[str, str, str, str, str], int]:
    return {key(screen, it.element): it.id for it in view.items}


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_fixture_parses(path: Path) -> None:
    screen = parse_hierarchy(path.read_bytes())
    assert screen.elements
    assert screen.width > 0
    assert screen.height > 0
    assert screen.windows
    for e in screen.elements:
        assert 0 <= e.window < len(screen.windows)
        if e.parent is None:
            assert e.depth == 0
        else:
            assert e.parent < e.index
            assert e.depth == screen.elements[e.parent].depth + 1
            assert e.window == screen.elements[e.parent].window
    # the node count is what the fixture list says
    sources = (FIXTURES / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()
    row = next(line.split("\t") for line in sources if line.startswith(path.name))
    assert len(screen.elements) == int(row[4])


def test_parse_accepts_str_and_bytes() -> None:
    data = fixture("23_")
    same_elements(parse_hierarchy(data), parse_hierarchy(data.decode("utf-8")))


@pytest.mark.parametrize(
    ("prefix", "kinds"),
    [
        (
            "27_",
            [
                ("com.android.systemui", "system"),
                ("com.google.android.gm", "app"),
                ("com.miui.home", "system"),
                ("com.google.android.inputmethod.latin", "ime"),
            ],
        ),
        (
            "07_",
            [
                ("com.android.systemui", "system"),
                ("com.android.systemui", "system"),
                ("com.android.browser", "app"),
            ],
        ),
        (
            "04_",
            [
                ("com.miui.home", "app"),
                ("com.android.systemui", "system"),
                ("com.miui.notes", "dialog"),
            ],
        ),
        (
            "31_",
            [
                ("com.android.systemui", "system"),
                ("com.android.systemui", "system"),
                ("com.android.launcher", "app"),
            ],
        ),
        ("42_", [("android", "dialog")]),
        ("32_", [("android", "dialog")]),
        ("23_", [("com.whatsapp", "app")]),
    ],
)
def test_window_kinds(prefix: str, kinds: list[tuple[str, str]]) -> None:
    screen = parse_hierarchy(fixture(prefix))
    assert [(w.package, w.kind) for w in screen.windows] == kinds


def test_window_roots_in_any_order() -> None:
    text = fixture("27_").decode("utf-8")
    root = ET.fromstring(text[text.index("<hierarchy") :])
    windows = list(root)
    for w in windows:
        root.remove(w)
    for w in reversed(windows):
        root.append(w)
    screen = parse_hierarchy(ET.tostring(root, encoding="utf-8"))
    kinds = {(w.package, w.kind) for w in screen.windows}
    assert ("com.google.android.inputmethod.latin", "ime") in kinds
    assert ("com.google.android.gm", "app") in kinds
    view = render_screen(screen)
    assert view.package == "com.google.android.gm"
    assert view.keyboard


@pytest.mark.parametrize(
    ("prefix", "size", "rotation"),
    [
        ("18_", (2000, 1128), 1),  # landscape tablet
        ("34_", (900, 1600), 1),  # rotation 1 yet portrait-shaped bounds: bounds win
        ("15_", (240, 320), 0),
        ("38_", (1600, 2560), 0),
        ("07_", (1080, 2400), 0),  # nav bar below the app window
        ("42_", (1080, 2528), 0),  # a dialog-only dump: centred dialog assumed
    ],
)
def test_screen_size_and_rotation(prefix: str, size: tuple[int, int], rotation: int) -> None:
    screen = parse_hierarchy(fixture(prefix))
    assert (screen.width, screen.height) == size
    assert screen.rotation == rotation


def test_attributes_and_flags() -> None:
    gmail = parse_hierarchy(fixture("27_"))
    subject = next(e for e in gmail.elements if e.resource_id.endswith("/subject"))
    assert subject.editable
    assert subject.clickable
    assert subject.long_clickable
    assert subject.text == "Subject"
    assert subject.short_class == "EditText"
    assert subject.package == "com.google.android.gm"
    assert subject.bounds.as_list() == [44, 570, 1036, 708]
    compose = next(e for e in gmail.elements if e.text == "Compose email")
    assert compose.focused
    assert compose.editable
    # NAF nodes parse like any other
    chips = next(e for e in gmail.elements if e.resource_id.endswith("chip_group"))
    assert chips.clickable

    login = parse_hierarchy(fixture("41_"))
    password = next(e for e in login.elements if e.password)
    assert password.editable  # a Flutter field: a focusable View marked password
    user = next(e for e in login.elements if e.text == "eissa")
    assert user.editable  # a Flutter field: a focusable plain View with text
    assert not user.enabled
    title = next(e for e in login.elements if e.content_desc == "تسجيل الدخول")
    assert not title.editable


def test_off_screen_nodes_are_not_visible() -> None:
    screen = parse_hierarchy(fixture("05_"))
    zero = [e for e in screen.elements if e.bounds.as_list() == [0, 0, 0, 0]]
    assert zero
    assert not any(e.visible for e in zero)


def test_visible_to_user_false_is_respected() -> None:
    text = fixture("38_").decode("utf-8")
    hidden = text.replace('visible-to-user="true"', 'visible-to-user="false"', 1)
    screen = parse_hierarchy(hidden)
    assert not screen.elements[0].visible
    assert parse_hierarchy(text).elements[0].visible


def test_hint_attribute() -> None:
    text = fixture("38_").decode("utf-8")
    text = text.replace('class="android.widget.EditText"', 'class="android.widget.EditText"', 1)
    edited = re.sub(r'hint=""', 'hint="Search tasks"', text, count=1)
    screen = parse_hierarchy(edited)
    assert any(e.hint == "Search tasks" for e in screen.elements)


# --------------------------------------------------------------------------- quirks


def test_cr_cr_lf_line_ends() -> None:
    data = fixture("07_")
    assert b"\r\r\n" in data
    same_elements(parse_hierarchy(data), parse_hierarchy(data.replace(b"\r\r\n", b"\n")))


def test_crlf_line_ends() -> None:
    data = fixture("38_")
    assert b"\r\n" in data
    same_elements(parse_hierarchy(data), parse_hierarchy(data.replace(b"\r\n", b"\n")))


def test_single_quoted_values() -> None:
    data = fixture("31_")
    screen = parse_hierarchy(data)
    assert any(e.content_desc == 'Successfully updated "Google Drive"' for e in screen.elements)
    # a whole dump written with single quotes
    text = fixture("23_").decode("utf-8")
    assert "'" not in text[text.index("<hierarchy") :]
    single = text[: text.index("<hierarchy")] + text[text.index("<hierarchy") :].replace('"', "'")
    same_elements(parse_hierarchy(text), parse_hierarchy(single))


def test_no_declaration() -> None:
    data = fixture("05_")
    assert data.startswith(b"<hierarchy")
    assert len(parse_hierarchy(data).elements) == 795
    text = fixture("23_").decode("utf-8")
    same_elements(parse_hierarchy(text), parse_hierarchy(text[text.index("<hierarchy") :]))


def test_log_line_before_the_declaration() -> None:
    data = fixture("23_")
    noisy = b"WARNING: linker: /system/bin/uiautomator: unused DT entry: type 0xf\r\n" + data
    same_elements(parse_hierarchy(data), parse_hierarchy(noisy))


def test_junk_after_the_hierarchy() -> None:
    data = fixture("24_")
    noisy = data + b"UI hierchary dumped to: /dev/tty\n"
    same_elements(parse_hierarchy(data), parse_hierarchy(noisy))
    # `uiautomator dump /dev/tty` prints the message right after the closing tag
    same_elements(parse_hierarchy(data), parse_hierarchy(data.rstrip() + b"UI hierchary dumped"))


def test_invalid_utf8_byte() -> None:
    data = fixture("23_")
    m = re.search(rb'text="([A-Za-z][^"]{2,})"', data)
    assert m is not None
    broken = data[: m.start(1) + 1] + b"\xff" + data[m.start(1) + 1 :]
    screen = parse_hierarchy(broken)
    assert len(screen.elements) == len(parse_hierarchy(data).elements)
    assert any("\ufffd" in e.text for e in screen.elements)


def test_entity_encoded_emoji_and_newlines() -> None:
    screen = parse_hierarchy(fixture("16_"))
    news = next(e for e in screen.elements if e.text.startswith("📰"))
    assert "\n" in news.text
    assert "🔗" in news.text
    view = render_screen(screen)
    line = next(line for line in view.text.splitlines() if "📰" in line)
    assert "\n" not in line


def test_surrogate_pair_entities() -> None:
    # Some Android versions write astral characters as two UTF-16 surrogate references.
    data = fixture("16_").replace(b"&#128240;", b"&#55357;&#56560;")
    screen = parse_hierarchy(data)
    assert any(e.text.startswith("📰") for e in screen.elements)


def test_control_characters_and_bare_ampersands() -> None:
    text = fixture("23_").decode("utf-8")
    m = re.search(r'text="([A-Za-z][^"]{2,})"', text)
    assert m is not None
    broken = text[: m.start(1)] + "R&D \x01" + text[m.start(1) :]
    screen = parse_hierarchy(broken)
    assert any(e.text.startswith("R&D ") for e in screen.elements)


def test_empty_hierarchy_is_an_empty_screen() -> None:
    screen = parse_hierarchy("<?xml version='1.0' ?><hierarchy rotation=\"0\"/>")
    assert screen.elements == ()
    view = render_screen(screen)
    assert view.items == ()
    assert "no elements" in view.text


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        ("", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (bytes(range(256)) * 8, "binary"),
        (b"<!DOCTYPE html><html><head><title>404</title></head><body>x</body></html>", "HTML"),
        (
            b'{"jsonrpc": "2.0", "id": 1, "error": {"code": -32001, "message": "<hierarchy"}}',
            "JSON",
        ),
        (b'{"error": "no such method"}', "JSON"),
        (b"ERROR: null root node returned by UiTestAutomationBridge.\n", "error message"),
        (b"hello world", "no <hierarchy>"),
        (b'<hierarchy rotation="0"><node index="0" text="a" bounds="[0,0][1,1]">', "truncated"),
        (b'<hierarchy rotation="0"><node index="0"></nod></hierarchy>', "malformed"),
        (b'<hierarchy rotation="0"><node text="a></hierarchy>', "malformed"),
        (b'<hierarchy rotation="0"><node index="0" text="a" /><</hierarchy>', "malformed"),
    ],
    ids=[
        "empty",
        "blank",
        "empty-str",
        "png",
        "random-bytes",
        "html",
        "json-rpc",
        "json",
        "uiautomator-error",
        "text",
        "truncated",
        "mismatched",
        "unclosed-quote",
        "stray-lt",
    ],
)
def test_garbage_is_a_screen_parse_error(data: bytes | str, says: str) -> None:
    with pytest.raises(ScreenParseError, match=re.escape(says)):
        parse_hierarchy(data)


def test_json_rpc_reply_is_unwrapped() -> None:
    import json

    data = fixture("23_").decode("utf-8")
    reply = json.dumps({"jsonrpc": "2.0", "id": 1, "result": data})
    same_elements(parse_hierarchy(data), parse_hierarchy(reply))


def test_truncated_real_dump() -> None:
    data = fixture("39_")
    with pytest.raises(ScreenParseError, match="truncated"):
        parse_hierarchy(data[: len(data) // 2])


def test_wrong_input_type() -> None:
    with pytest.raises(ScreenParseError, match="str or bytes"):
        parse_hierarchy(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the view


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_visible_actionable_element_has_an_id(path: Path) -> None:
    data = path.read_bytes()
    view = render_screen(parse_hierarchy(data))
    rendered = {it.element for it in view.items}
    wanted = list(visible_actionable(data))
    missing = [i for i in wanted if i not in rendered]
    assert not missing, f"{len(missing)} of {len(wanted)} visible actionable nodes have no id"
    for it in view.items:
        assert f"[{it.id}]" in view.text


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_tap_points_lie_in_visible_bounds(path: Path) -> None:
    screen = parse_hierarchy(path.read_bytes())
    view = render_screen(screen)
    assert view.items
    assert len(set(view.ids)) == len(view.ids)
    for it in view.items:
        e = screen.elements[it.element]
        assert it.bounds.contains(*it.tap)
        assert e.bounds.contains(*it.tap), "tap point outside the element's own bounds"
        assert 0 <= it.tap[0] < screen.width
        assert 0 <= it.tap[1] < screen.height
        assert not it.bounds.empty
        assert e.visible


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_rendering_is_compact(path: Path) -> None:
    screen = parse_hierarchy(path.read_bytes())
    view = render_screen(screen)
    lines = view.text.splitlines()
    assert lines[0].startswith("app: ")
    item_lines = [line for line in lines if line.startswith("[")]
    assert len(item_lines) == len(view.items)
    assert len(view.items) < len(screen.elements)
    # mean line length: ~20 tokens a line (the bench counts real tokens)
    assert sum(map(len, item_lines)) / len(item_lines) <= 90


def test_view_of_a_compose_screen_with_keyboard() -> None:
    screen = parse_hierarchy(fixture("27_"))
    view = render_screen(screen, activity="com.google.android.gm/.ComposeActivityGmail")
    header = view.text.splitlines()[0]
    assert header.startswith("app: com.google.android.gm/.ComposeActivityGmail")
    assert "keyboard shown" in header
    assert view.keyboard
    assert view.package == "com.google.android.gm"
    ime = {w.index for w in screen.windows if w.kind == "ime"}
    assert not any(screen.elements[it.element].window in ime for it in view.items)
    assert view.focused is not None
    focused = view.item(view.focused)
    assert focused is not None
    assert focused.editable
    assert f"focused: [{view.focused}]" in header
    subject = next(it for it in view.items if it.text == "Subject")
    assert subject.editable
    assert any(
        line.startswith(f'[{subject.id}] input "Subject"') for line in view.text.splitlines()
    )
    # keyboard=False from the caller wins over the IME window
    assert not render_screen(screen, keyboard=False).keyboard


def test_activity_in_header_is_shortened() -> None:
    screen = parse_hierarchy(fixture("23_"))
    view = render_screen(screen, activity="com.whatsapp.Conversation")
    assert view.text.startswith("app: com.whatsapp/.Conversation")
    assert view.activity == "com.whatsapp.Conversation"


def test_children_text_folds_into_clickable_parent() -> None:
    screen = parse_hierarchy(fixture("28_"))
    view = render_screen(screen)
    row = next(it for it in view.items if it.text.startswith("Kodek dźwięku Bluetooth |"))
    assert row.clickable
    assert "SBC" in row.text
    # the folded children are not lines of their own
    assert not any(it.text == "SBC" for it in view.items)
    assert sum("Kodek dźwięku Bluetooth" in line for line in view.text.splitlines()) == 2


def test_status_bar_dropped_nav_bar_kept() -> None:
    screen = parse_hierarchy(fixture("07_"))
    view = render_screen(screen)
    system = {w.index for w in screen.windows if w.kind == "system"}
    sys_items = [it for it in view.items if screen.elements[it.element].window in system]
    assert sys_items
    assert all(it.clickable for it in sys_items)
    assert {it.text for it in sys_items} >= {"返回", "主屏幕"}
    assert "~ system bars" in view.text


def test_dialog_screen() -> None:
    view = render_screen(parse_hierarchy(fixture("42_")))
    assert view.text.splitlines() == [
        "app: android (dialog)",
        '[1] "System UI isn\'t responding"',
        '[2] button "Close app" (tap)',
        '[3] button "Wait" (tap)',
    ]


def test_flags_only_when_true() -> None:
    view = render_screen(parse_hierarchy(fixture("11_")))
    lines = view.text.splitlines()
    assert '[2] "新建日程"' in lines  # plain text: no flags at all
    assert any(line.endswith("(tap, off)") and "switch" in line for line in lines)
    assert any("disabled" in line for line in lines)


def test_thin_webview_is_flagged() -> None:
    view = render_screen(parse_hierarchy(fixture("37_")))
    assert view.webview_thin
    assert "missing" in view.text
    assert not render_screen(parse_hierarchy(fixture("23_"))).webview_thin


def test_unlabelled_actionable_elements_say_their_resource_id() -> None:
    view = render_screen(parse_hierarchy(fixture("27_")))
    assert "#body_wrapper (tap)" in view.text


# --------------------------------------------------------------------------- ids and diffs


def test_ids_stable_across_two_renderings_of_one_screen() -> None:
    screen = parse_hierarchy(fixture("01_"))
    builder = ViewBuilder()
    first = builder.build(screen)
    second = builder.build(parse_hierarchy(fixture("01_")))
    assert first.ids == second.ids
    assert first.text == second.text
    assert first.diff is None
    assert second.diff is not None
    assert second.diff.same_screen
    assert second.diff.appeared == ()
    assert second.diff.disappeared == ()
    assert render_diff(second).endswith("(same screen as before)")
    assert render_diff(first) == first.text


@pytest.mark.parametrize(
    ("prefix", "pick"),
    [
        ("28_", 'content-desc="Szukaj"'),  # a toolbar button
        ("23_", 'content-desc="Attach"'),  # a button in the compose bar
        ("01_", "com.tencent.wework:id/ni8"),  # an unlabelled tappable icon
        ("38_", 'content-desc="Add star"'),  # one of many look-alike buttons in a list
    ],
)
def test_ids_stable_when_one_element_is_removed(prefix: str, pick: str) -> None:
    before_xml, after_xml = without_node(fixture(prefix), pick)
    builder = ViewBuilder()
    before = parse_hierarchy(before_xml)
    after = parse_hierarchy(after_xml)
    assert len(after.elements) == len(before.elements) - 1
    v1 = builder.build(before)
    v2 = builder.build(after)
    ids1, ids2 = ids_by_key(before, v1), ids_by_key(after, v2)
    gone = set(ids1) - set(ids2)
    assert len(gone) <= 1
    for k, vid in ids2.items():
        if k in ids1:
            assert ids1[k] == vid, f"id of {k} changed"
    # the diff says exactly what went away, and nothing appeared
    assert v2.diff is not None
    assert not v2.diff.same_screen
    assert v2.diff.appeared == ()
    removed = [vid for k, vid in ids1.items() if k in gone]
    assert len(v2.diff.disappeared) == len(removed) == 1
    assert v2.diff.disappeared[0].startswith(f"[{removed[0]}]")
    diff_text = render_diff(v2)
    assert f"- [{removed[0]}]" in diff_text
    assert "unchanged" in diff_text


def test_new_element_gets_a_fresh_id_and_shows_in_the_diff() -> None:
    before_xml, after_xml = without_node(fixture("23_"), 'content-desc="Camera"')
    builder = ViewBuilder()
    v1 = builder.build(parse_hierarchy(after_xml))  # without the camera button
    v2 = builder.build(parse_hierarchy(before_xml))  # and now with it
    assert v2.diff is not None
    assert len(v2.diff.appeared) == 1
    new = v2.diff.appeared[0]
    assert new > max(v1.ids)
    assert set(v2.ids) - {new} == set(v1.ids)
    assert f"+ [{new}]" in render_diff(v2)


def test_ids_are_never_reused_in_an_episode() -> None:
    builder = ViewBuilder()
    a1 = builder.build(parse_hierarchy(fixture("23_")))
    b = builder.build(parse_hierarchy(fixture("24_")))
    a2 = builder.build(parse_hierarchy(fixture("23_")))
    assert not set(a1.ids) & set(b.ids)
    assert not set(a2.ids) & (set(a1.ids) | set(b.ids))
    assert b.diff is not None
    assert len(b.diff.disappeared) == len(a1.items)
    assert set(b.diff.appeared) == set(b.ids)
    builder.reset()
    again = builder.build(parse_hierarchy(fixture("23_")))
    assert again.ids == a1.ids
    assert again.diff is None


def test_typing_into_a_field_keeps_its_id() -> None:
    text = fixture("27_").decode("utf-8")
    typed = text.replace('text="Subject"', 'text="Lunch on Friday?"')
    builder = ViewBuilder()
    v1 = builder.build(parse_hierarchy(text))
    v2 = builder.build(parse_hierarchy(typed))
    assert v1.ids == v2.ids
    field = next(it for it in v2.items if it.text == "Lunch on Friday?")
    assert v1.item(field.id) is not None
    assert v1.item(field.id).text == "Subject"  # type: ignore[union-attr]
    assert v2.diff is not None
    assert not v2.diff.same_screen


def test_a_changed_counter_keeps_its_id() -> None:
    text = fixture("37_").decode("utf-8")
    more = text.replace('text="3" resource-id=""', 'text="4" resource-id=""').replace(
        'content-desc="3 tabs"', 'content-desc="4 tabs"'
    )
    assert more != text
    builder = ViewBuilder()
    v1 = builder.build(parse_hierarchy(text))
    v2 = builder.build(parse_hierarchy(more))
    assert v1.ids == v2.ids
    assert any(it.text == "4 tabs" for it in v2.items)


def test_element_type_is_the_one_of_types() -> None:
    screen = parse_hierarchy(fixture("32_"))
    assert all(isinstance(e, Element) for e in screen.elements)


def test_ids_stable_when_a_list_row_goes_and_the_rows_below_move_up() -> None:
    text = fixture("38_").decode("utf-8")
    root = ET.fromstring(text[text.index("<hierarchy") :])
    before = ET.tostring(root, encoding="utf-8")
    parent_of = {c: p for p in root.iter() for c in p}
    row = next(n for n in root.iter("node") if n.get("text") == "Task 17")
    while parent_of[row].get("resource-id", "").endswith("tasks_list") is False:
        row = parent_of[row]
    _, y1, _, y2 = actionables.box(row.get("bounds"))
    height = y2 - y1
    parent_of[row].remove(row)
    for n in root.iter("node"):  # everything below the gap moves up by one row
        a, b, c, d = actionables.box(n.get("bounds"))
        if b >= y2 and n.get("package") == "com.google.android.apps.tasks" and d - b < 400:
            n.set("bounds", f"[{a},{b - height}][{c},{d - height}]")
    after = ET.tostring(root, encoding="utf-8")

    builder = ViewBuilder()
    s1, s2 = parse_hierarchy(before), parse_hierarchy(after)
    v1, v2 = builder.build(s1), builder.build(s2)

    # map each item to (row title, own words) to compare like with like
    def by_row(screen: Screen, view: ScreenView) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        title = ""
        for it in view.items:
            if it.text.startswith("Task "):
                title = it.text
            out[(title, it.text)] = it.id
        return out

    r1, r2 = by_row(s1, v1), by_row(s2, v2)
    assert ("Task 17", "Add star") in r1
    assert ("Task 17", "Add star") not in r2
    for k, vid in r2.items():
        assert r1.get(k) == vid, f"{k} changed id"
    assert v2.diff is not None
    assert v2.diff.appeared == ()
    assert len(v2.diff.disappeared) == 3


def test_a_screen_without_windows_renders() -> None:
    # A Screen built by hand (a fake, a test) may name no windows.
    parsed = parse_hierarchy(fixture("42_"))
    bare = Screen(elements=parsed.elements, windows=(), width=1080, height=2528)
    view = render_screen(bare)
    assert [it.text for it in view.items] == [
        "System UI isn't responding",
        "Close app",
        "Wait",
    ]
    assert view.package == ""
