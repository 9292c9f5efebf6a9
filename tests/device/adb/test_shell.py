"""The simulated shell language and Android commands, on a stub phone (no adb needed)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from droidpilot.device.sim.shell import Handset, Row, Shell
from droidpilot.device.sim.u2rpc import match_selector, parse_nodes

XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"
    '<node index="0" text="" class="android.widget.FrameLayout" package="p" bounds="[0,0][100,200]">'  # noqa: E501
    '<node index="0" text="Title" class="android.widget.TextView" package="p" bounds="[0,0][100,20]" />'  # noqa: E501
    '<node index="1" text="" class="android.widget.LinearLayout" package="p" bounds="[0,20][100,60]">'  # noqa: E501
    '<node index="0" text="Buy" resource-id="p:id/buy" class="android.widget.Button" package="p" '
    'clickable="true" bounds="[0,20][50,60]" />'
    '<node index="1" text="Buy later" class="android.widget.Button" package="p" clickable="true" '
    'bounds="[50,20][100,60]" /></node></node></hierarchy>'
)


class StubPhone:
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []
        self.text = ""

    def screen_size(self) -> tuple[int, int]:
        return (100, 200)

    def density(self) -> int:
        return 160

    def locale(self) -> str:
        return "en-US"

    def hierarchy_xml(self, form: str) -> str | None:
        return XML

    def screenshot_png(self) -> bytes:
        import io

        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (100, 200)).save(out, format="PNG")
        return out.getvalue()

    def tap(self, x: int, y: int) -> None:
        self.events.append(("tap", x, y))

    def long_press(self, x: int, y: int, ms: int) -> None:
        self.events.append(("long", x, y))

    def swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        self.events.append(("swipe", x1, y1, x2, y2))

    def press_key(self, key: str) -> bool:
        self.events.append(("key", key))
        return True

    def commit_text(self, text: str) -> bool:
        self.text += text
        return True

    def clear_text(self) -> bool:
        self.text = ""
        return True

    def focus(self) -> tuple[str, str]:
        return ("p", "p.Main")

    def keyboard_shown(self) -> bool:
        return False

    def launch(self, package: str, activity: str | None = None) -> str | None:
        return "p.Main" if package == "p" else None

    def force_stop(self, package: str) -> None:
        self.events.append(("stop", package))

    def packages(self) -> Sequence[str]:
        return ["p", "com.android.settings"]

    def query(self, uri: str) -> list[Row] | None:
        return [{"_id": 1, "name": "a, b", "v": None}] if uri == "content://p/items" else None

    def get_clipboard(self) -> str:
        return ""

    def set_clipboard(self, text: str) -> None:
        pass

    def now(self) -> float:
        return 1_700_000_000.0


@pytest.fixture
def sh() -> tuple[Shell, StubPhone]:
    phone = StubPhone()
    return Shell(Handset(phone, serial="STUB")), phone


def run(sh: tuple[Shell, StubPhone], line: str) -> tuple[str, int]:
    res = sh[0].run(line)
    return res.merged.decode(), res.rc


@pytest.mark.parametrize(
    ("line", "out", "rc"),
    [
        ("echo a; echo b", "a\nb\n", 0),
        ("false && echo no || echo yes", "yes\n", 0),
        ("false; echo $?", "1\n", 0),
        ("echo 'a  b' \"c $?\" d\\ e", "a  b c 0 d e\n", 0),
        ("echo one two | grep two", "one two\n", 0),
        ("echo x > /sdcard/f; echo y >> /sdcard/f; cat /sdcard/f", "x\ny\n", 0),
        ("echo $(echo in) `echo tick`", "in tick\n", 0),
        ("A=1; echo ${A}$A", "11\n", 0),
        ("nope", "/system/bin/sh: nope: not found\n", 127),
        (
            "echo x > /system/f",
            "/system/bin/sh: can't create /system/f: Read-only file system\n",
            1,
        ),
        ("cat /sdcard/missing", "cat: /sdcard/missing: No such file or directory\n", 1),
        ("echo 'unterminated", "/system/bin/sh: no closing quote\n", 1),
        ("toybox md5sum /sdcard/none", "md5sum: /sdcard/none: No such file or directory\n", 1),
        ("printf 1 2>/dev/null; echo $?", "127\n", 0),
        ("echo hi 2>&1 | head -n 1", "hi\n", 0),
    ],
)
def test_shell_language(sh: tuple[Shell, StubPhone], line: str, out: str, rc: int) -> None:
    assert run(sh, line) == (out, rc)


def test_android_commands(sh: tuple[Shell, StubPhone]) -> None:
    shell, phone = sh
    assert run(sh, "input tap 10.5 20") == ("", 0)
    assert run(sh, "input swipe 1 2 3 4 100; input keyevent KEYCODE_BACK 3")[1] == 0
    assert phone.events == [
        ("tap", 10, 20),
        ("swipe", 1, 2, 3, 4),
        ("key", "back"),
        ("key", "home"),
    ]
    out, rc = run(sh, "input text 宫保")
    assert rc == 255
    assert "NullPointerException" in out
    assert run(sh, "input text hello%sworld") == ("", 0)
    assert phone.text == "hello world"
    assert run(sh, "uiautomator dump") == ("UI hierchary dumped to: /sdcard/window_dump.xml\n", 0)
    assert shell.handset.fs.read("/sdcard/window_dump.xml").decode() == XML
    assert run(sh, "wm size") == ("Physical size: 100x200\n", 0)
    assert run(sh, "getprop ro.build.version.sdk; getprop no.such.prop") == ("34\n\n", 0)
    assert run(sh, "settings get secure nope") == ("null\n", 0)
    assert run(sh, "pm path nope") == ("", 1)
    assert run(sh, "monkey -p p -c android.intent.category.LAUNCHER 1")[0].endswith(
        "Events injected: 1\n## Network stats: elapsed time=9ms (0ms mobile, 0ms wifi, 9ms not connected)\n"  # noqa: E501
    )
    assert run(sh, "monkey -p zz 1")[1] == 252
    assert run(sh, "content query --uri content://p/items") == (
        "Row: 0 _id=1, name=a, b, v=NULL\n",
        0,
    )
    assert run(sh, "date +%s") == ("1700000000\n", 0)
    assert run(sh, "am broadcast -a ADB_INPUT_B64 --es msg 5a6r")[0].endswith(
        "Broadcast completed: result=0\n"
    )
    phone.text = ""
    run(sh, "ime enable com.android.adbkeyboard/.AdbIME; ime set com.android.adbkeyboard/.AdbIME")
    run(sh, "am broadcast -a ADB_INPUT_B64 --es msg 5a6r5L+d")
    assert phone.text == "宫保"


def test_selectors() -> None:
    nodes = parse_nodes(XML)
    assert [n.attrs["text"] for n in match_selector(nodes, {"textContains": "Buy"})] == [
        "Buy",
        "Buy later",
    ]
    assert [
        n.attrs["text"] for n in match_selector(nodes, {"textStartsWith": "Buy", "instance": 1})
    ] == ["Buy later"]
    assert match_selector(nodes, {"resourceId": "p:id/buy"})[0].attrs["text"] == "Buy"
    assert match_selector(nodes, {"textMatches": "B.y"})[0].attrs["text"] == "Buy"
    child = {
        "className": "android.widget.LinearLayout",
        "childOrSibling": ["child"],
        "childOrSiblingSelector": [{"text": "Buy later"}],
    }
    assert match_selector(nodes, child)[0].attrs["text"] == "Buy later"
    sibling = {
        "text": "Buy",
        "childOrSibling": ["sibling"],
        "childOrSiblingSelector": [{"clickable": True}],
    }
    assert [n.attrs["text"] for n in match_selector(nodes, sibling)] == ["Buy later"]
