"""AdbDevice: a phone, an emulator or ``droidpilot sim serve`` driven through adbutils.

Everything goes through plain shell commands on one adb connection:

- ``observe()`` is one shell round trip: ``uiautomator dump`` into a file, ``cat`` it, and the
  focus and keyboard lines of ``dumpsys``; a failed dump is retried with backoff.
- Actions are ``input tap|swipe|keyevent``; after each one the device waits until two
  consecutive dumps agree (or ``settle_timeout_s`` passes) instead of sleeping.
- Text goes through the ADB keyboard (``ADB_INPUT_B64``, base64: any unicode, and nothing in
  it can reach the device shell) when the phone has it; otherwise ``input text`` with the
  text single-quoted (ASCII only, as ``input text`` is on real phones). Typed text is read
  back from the field and typed once more if it does not match.
- A dropped connection is reconnected once (``adb connect`` again for ``host:port``);
  library errors become ``DeviceError`` subclasses that name the serial.

:class:`AdbBackend` holds what AdbDevice and :class:`~droidpilot.device.u2.U2Device` share.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import shlex
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar, assert_never

from droidpilot.config import DeviceConfig
from droidpilot.device.base import ActionResult, resolve_point, scroll_vector, wait_for_settle
from droidpilot.device.screen import parse_hierarchy
from droidpilot.device.view import ViewBuilder
from droidpilot.errors import (
    ActionFailed,
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    NotSupportedError,
    ScreenParseError,
)
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
    Screen,
    ScreenView,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
    WaitAction,
)

__all__ = ["ADB_KEYBOARD", "KEYCODES", "AdbBackend", "AdbDevice", "map_error", "parse_focus"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
KEYCODES = {
    "back": 4,
    "home": 3,
    "enter": 66,
    "app_switch": 187,
    "delete": 67,
    "tab": 61,
    "search": 84,
    "menu": 82,
}
DUMP_FILE = "/data/local/tmp/droidpilot_dump.xml"
MARK = "--droidpilot-focus--"
FOCUS_CMD = (
    "dumpsys window displays | grep -E 'mCurrentFocus|mFocusedApp'; "
    "dumpsys input_method | grep mInputShown"
)
_FOCUS = re.compile(r"mCurrentFocus=Window\{\S+ \S+ (?P<pkg>[^\s/}]+)/(?P<act>[^\s}]+)\}")
_FOCUSED_APP = re.compile(r"mFocusedApp=\S*Record\{\S+ \S+ (?P<pkg>[^\s/}]+)/(?P<act>[^\s},]+)")


def parse_focus(text: str) -> tuple[str, str]:
    """The package and full activity from ``dumpsys window`` focus lines (``("", "")`` if none)."""
    m = _FOCUS.search(text) or _FOCUSED_APP.search(text)
    if not m:
        return ("", "")
    pkg, act = m.group("pkg"), m.group("act")
    return (pkg, pkg + act if act.startswith(".") else act)


def map_error(exc: BaseException, serial: str, what: str) -> DeviceError:
    """A library exception as the DeviceError subclass that says what happened."""
    import adbutils

    text = str(exc) or type(exc).__name__
    message = f"{what}: {text}"
    if isinstance(exc, DeviceError):
        return exc
    if isinstance(exc, adbutils.AdbTimeout | socket.timeout | TimeoutError):
        return DeviceTimeout(message, serial=serial)
    low = text.lower()
    if "not found" in low and "device" in low:
        return DeviceNotFound(message, serial=serial)
    if isinstance(exc, ConnectionError | OSError | EOFError) or any(
        w in low for w in ("offline", "closed", "connection", "refused", "reset", "not found")
    ):
        return DeviceDisconnected(message, serial=serial)
    return DeviceError(message, serial=serial)


def _fast_device(client: Any, serial: str) -> Any:
    """An adbutils device that opens transports in one connection (the server version is
    asked once, not per call) with TCP_NODELAY, so that small requests (uiautomator2's HTTP
    head and body) are not held back by Nagle's algorithm against delayed ACKs."""
    import adbutils

    tport = client.server_version() >= 41

    class _FastDevice(adbutils.AdbDevice):  # type: ignore[misc]
        def open_transport(self, command: str | None = None, timeout: float | None = 600) -> Any:
            if command is not None or not tport:
                return super().open_transport(command, timeout)
            c = self._client.make_connection(timeout=timeout)
            try:
                c.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                c.send_command(f"host:tport:serial:{self._serial}")
                c.check_okay()
                c.read(8)
            except BaseException:
                c.conn.close()
                raise
            return c

    return _FastDevice(client, serial)


def _extract_xml(text: str) -> str | None:
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<hierarchy")
    end = text.rfind("</hierarchy>")
    if start < 0 or end < start:
        return None
    return text[start : end + len("</hierarchy>")]


class AdbBackend:
    """What the adb-based backends share: connection, reconnect, settle, the action loop."""

    kind = "adb"

    def __init__(
        self,
        serial: str,
        *,
        host: str = "127.0.0.1",
        port: int = 5037,
        settle_timeout_s: float = 3.0,
        settle_interval_s: float = 0.02,
        dump_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.serial = serial
        self.host = host
        self.port = port
        self.settle_timeout_s = settle_timeout_s
        self.settle_interval_s = settle_interval_s
        self.dump_retries = dump_retries
        self.connect_timeout_s = connect_timeout_s
        self._clock = clock
        self._sleep = sleep
        self._closed = False
        self._builder = ViewBuilder()
        self._view: ScreenView | None = None
        self._screen: Screen | None = None
        self._client: Any = None
        self._dev: Any = None
        self._connect()

    @classmethod
    def from_config(cls: type[T], config: DeviceConfig) -> T:
        if not config.serial:
            raise DeviceNotFound("no serial or host:port given")
        return cls(
            config.serial,
            host=config.adb_host,
            port=config.adb_port,  # type: ignore[call-arg]
            settle_timeout_s=config.settle_timeout_s,
        )

    # ----------------------------------------------------------------- connection

    def _connect(self) -> None:
        import adbutils

        try:
            self._client = adbutils.AdbClient(host=self.host, port=self.port, socket_timeout=30)
            is_network = bool(re.fullmatch(r"[\w.\-\[\]:]+:\d{1,5}", self.serial))
            deadline = time.monotonic() + self.connect_timeout_s
            while True:
                if is_network:
                    self._client.connect(self.serial, timeout=5)
                states = {d.serial: d.state for d in self._client.list()}
                state = states.get(self.serial)
                if state == "device":
                    break
                if time.monotonic() >= deadline:
                    if state is None:
                        raise DeviceNotFound(
                            f"adb sees no device {self.serial!r} "
                            f"(devices: {sorted(states) or 'none'})",
                            serial=self.serial,
                        )
                    raise DeviceDisconnected(f"device is {state}", serial=self.serial)
                if is_network and state == "offline":
                    self._client.disconnect(self.serial, raise_error=False)
                time.sleep(0.2)
            self._dev = _fast_device(self._client, self.serial)
        except DeviceError:
            raise
        except (adbutils.AdbError, OSError) as exc:
            raise map_error(exc, self.serial, "connect") from exc
        self._on_connect()

    def _on_connect(self) -> None:
        """Backend-specific set-up after (re)connecting."""
        self._ime_ready = None

    def _check(self) -> None:
        if self._closed:
            raise DeviceDisconnected("the device is closed", serial=self.serial)

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run a library call; reconnect once on a dropped connection; map errors."""
        self._check()
        try:
            return fn()
        except DeviceError:
            raise
        except Exception as exc:
            if not self._retryable(exc):
                raise map_error(exc, self.serial, what) from exc
            logger.info("[%s] %s failed (%s): reconnecting once", self.serial, what, exc)
            try:
                self._connect()
                return fn()
            except DeviceError:
                raise
            except Exception as exc2:
                raise map_error(exc2, self.serial, what) from exc2

    def _retryable(self, exc: BaseException) -> bool:
        import adbutils

        return isinstance(exc, adbutils.AdbError | OSError | EOFError)

    def _sh(self, cmd: str, *, binary: bool = False, timeout: float = 30) -> Any:
        def run() -> Any:
            c = self._dev.open_transport(timeout=timeout)
            try:
                c.send_command("shell:" + cmd)
                c.check_okay()
                data: bytes = c.read_until_close(encoding=None)
            finally:
                # the phone closed the stream already; adbutils' own close() would sleep 10 ms
                with contextlib.suppress(Exception):
                    c.conn.close()
            return data if binary else data.decode("utf-8", "replace")

        return self._call(f"shell {cmd.split(' ', 1)[0]}", run)

    # ----------------------------------------------------------------- seeing

    def _dump_once(self) -> tuple[str | None, str]:
        """One dump attempt: (xml or None, the focus/keyboard text)."""
        out: str = self._sh(
            f"rm -f {DUMP_FILE}; uiautomator dump {DUMP_FILE} >/dev/null 2>&1; "
            f"cat {DUMP_FILE} 2>/dev/null; echo; echo {MARK}; {FOCUS_CMD}"
        )
        body, _, tail = out.partition(MARK)
        return _extract_xml(body), tail

    def _dump(self) -> tuple[str, str]:
        delay = 0.05
        for attempt in range(self.dump_retries + 1):
            xml, tail = self._dump_once()
            if xml is not None:
                return xml, tail
            if attempt < self.dump_retries:
                logger.debug(
                    "[%s] dump failed (attempt %d): retrying in %.2fs",
                    self.serial,
                    attempt + 1,
                    delay,
                )
                self._sleep(delay)
                delay *= 2
        raise DeviceTimeout(
            f"uiautomator dump failed {self.dump_retries + 1} times (could not get idle state)",
            serial=self.serial,
        )

    def observe(self) -> Observation:
        self._check()
        xml, tail = self._dump()
        return self._observation(xml, tail)

    def _observation(self, xml: str, tail: str) -> Observation:
        try:
            screen = parse_hierarchy(xml)
        except ScreenParseError as exc:
            raise DeviceError(f"unreadable hierarchy: {exc}", serial=self.serial) from exc
        package, activity = parse_focus(tail)
        keyboard = "mInputShown=true" in tail
        if not package:
            package = screen.windows[-1].package if screen.windows else ""
        view = self._builder.build(screen, activity=activity, keyboard=keyboard)
        self._view, self._screen = view, screen
        return Observation(
            screen=screen,
            view=view,
            app=package,
            activity=activity,
            keyboard=keyboard,
            ts=time.time(),
            hierarchy_xml=xml,
            screenshot=self.screenshot,
        )

    def _settle(self) -> bool:
        if self.settle_timeout_s <= 0:
            return True
        _xml, settled = wait_for_settle(
            lambda: self._dump()[0],
            timeout_s=self.settle_timeout_s,
            interval_s=self.settle_interval_s,
            clock=self._clock,
            sleep=self._sleep,
        )
        if not settled:
            logger.debug("[%s] screen did not settle in %.1fs", self.serial, self.settle_timeout_s)
        return settled

    def current_app(self) -> str:
        self._check()
        return parse_focus(self._sh(FOCUS_CMD))[0]

    def shell(self, cmd: str) -> str:
        self._check()
        out: str = self._sh(cmd)
        return out

    def screenshot(self) -> bytes:
        self._check()
        png: bytes = self._sh("screencap -p", binary=True)
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ActionFailed(f"screencap gave no PNG ({png[:60]!r})", serial=self.serial)
        return png

    # ----------------------------------------------------------------- primitives (U2Device: own)

    def _tap(self, x: int, y: int) -> None:
        self._sh(f"input tap {x} {y}")

    def _long_press(self, x: int, y: int, ms: int) -> None:
        self._sh(f"input swipe {x} {y} {x} {y} {ms}")

    def _swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        self._sh(f"input swipe {x1} {y1} {x2} {y2} {ms}")

    def _key(self, key: str) -> None:
        self._sh(f"input keyevent {KEYCODES[key]}")

    def _start_app(self, package: str) -> None:
        out: str = self._sh(
            f"monkey -p {shlex.quote(package)} -c android.intent.category.LAUNCHER 1"
        )
        if "No activities found" in out or "Events injected" not in out:
            raise ActionFailed(
                f"could not start {package}: {out.strip()[-200:]}", serial=self.serial
            )

    def _packages(self) -> list[str]:
        out: str = self._sh("pm list packages")
        return re.findall(r"^package:(\S+)\r?$", out, re.M)

    # ----------------------------------------------------------------- text

    _ime_ready: bool | None = None
    _previous_ime: str | None = None

    def _adb_keyboard(self) -> bool:
        """Make the ADB keyboard the current IME if the phone has it (once per connection)."""
        if self._ime_ready is None:
            imes = self._sh("ime list -s -a").split()
            self._ime_ready = ADB_KEYBOARD in imes
            if self._ime_ready:
                current = self._sh("settings get secure default_input_method").strip()
                if current != ADB_KEYBOARD:
                    self._previous_ime = current if current and current != "null" else None
                    self._sh(f"ime enable {ADB_KEYBOARD}; ime set {ADB_KEYBOARD}")
        return bool(self._ime_ready)

    def _type(self, text: str, *, clear: bool, current: str) -> None:
        if self._adb_keyboard():
            b64 = base64.b64encode(text.encode("utf-8")).decode("ascii")
            cmds = ["am broadcast -a ADB_CLEAR_TEXT"] if clear else []
            if text:
                cmds.append(f"am broadcast -a ADB_INPUT_B64 --es msg {b64}")
            if cmds:
                self._sh("; ".join(cmds))
            return
        if not text.isascii() or any(ord(c) < 32 and c != "\n" for c in text):
            raise NotSupportedError(
                f"typing non-ASCII text needs the ADB keyboard ({ADB_KEYBOARD}) on the phone",
                serial=self.serial,
            )
        cmds = []
        if clear and current:
            cmds.append("input keyevent 123")
            cmds.append("input keyevent " + " ".join(["67"] * min(len(current) + 4, 400)))
        for n, line in enumerate(text.split("\n")):
            if n:
                cmds.append("input keyevent 66")
            parts = line.split("%s")
            for i, part in enumerate(parts):
                chunk = ("s" if i else "") + part + ("%" if i < len(parts) - 1 else "")
                if chunk:
                    cmds.append(f"input text {shlex.quote(chunk)}")
        if cmds:
            self._sh("; ".join(cmds))

    def _field_text(self, point: tuple[int, int] | None) -> tuple[str | None, bool]:
        """The focused field's text (or the editable's at ``point``), and if it is a password."""
        obs = self.observe()
        els = obs.screen.elements
        fields = [e for e in els if e.editable]
        focused = [e for e in fields if e.focused]
        hit = focused or [e for e in fields if point is not None and e.bounds.contains(*point)]
        if not hit:
            return None, False
        return hit[-1].text, hit[-1].password

    def _current_text(self, point: tuple[int, int] | None) -> str:
        if self._screen is None:
            return ""
        for e in self._screen.elements:
            if e.editable and (e.focused or (point is not None and e.bounds.contains(*point))):
                return e.text
        return ""

    # ----------------------------------------------------------------- acting

    def _in_screen(self, point: tuple[int, int]) -> None:
        if self._screen is None:
            return
        x, y = point
        if not (0 <= x < self._screen.width and 0 <= y < self._screen.height):
            raise ActionFailed(
                f"point ({x}, {y}) is outside the {self._screen.width}x"
                f"{self._screen.height} screen",
                serial=self.serial,
            )

    def perform(self, action: Action) -> ActionResult:
        self._check()
        match action:
            case TapAction():
                point = resolve_point(action, self._view, serial=self.serial)
                assert point is not None
                self._in_screen(point)
                self._tap(*point)
                return ActionResult(point=point, changed=not self._settle() or None)
            case LongPressAction():
                point = resolve_point(action, self._view, serial=self.serial)
                assert point is not None
                self._in_screen(point)
                self._long_press(*point, action.ms)
                self._settle()
                return ActionResult(point=point)
            case TypeAction():
                return self._do_type(action)
            case ScrollAction():
                area = self._scroll_area(action)
                x1, y1, x2, y2 = scroll_vector(action.direction, area)
                self._swipe(x1, y1, x2, y2, 400)
                self._settle()
                return ActionResult()
            case SwipeAction():
                for p in ((action.x1, action.y1), (action.x2, action.y2)):
                    self._in_screen(p)
                self._swipe(action.x1, action.y1, action.x2, action.y2, action.ms)
                self._settle()
                return ActionResult()
            case KeyAction():
                self._key(action.key)
                self._settle()
                return ActionResult()
            case OpenAppAction():
                package = self._resolve_app(action.name)
                self._start_app(package)
                self._settle()
                return ActionResult(message=package)
            case WaitAction():
                self._sleep(action.seconds)
                return ActionResult()
            case RememberAction() | AnswerAction() | AskUserAction() | FinishAction():
                raise NotSupportedError(
                    f"{action.kind} is an agent action, not a device action", serial=self.serial
                )
            case _:
                assert_never(action)

    def _do_type(self, action: TypeAction) -> ActionResult:
        point = resolve_point(action, self._view, serial=self.serial)
        if point is not None:
            self._in_screen(point)
            self._tap(*point)
        current = self._current_text(point)
        message = ""
        for attempt in range(2):
            self._type(action.text, clear=action.clear or attempt > 0, current=current)
            got, password = self._field_text(point)
            want = action.text if (action.clear or attempt > 0) else current + action.text
            if got is None or password or got == want:
                break
            logger.info(
                "[%s] typed %r but the field shows %r: typing again", self.serial, want, got
            )
            current = got
            message = f"field showed {got!r}"
        else:
            return ActionResult(
                ok=False, point=point, message=f"typed text did not arrive ({message})"
            )
        if action.submit:
            self._key("enter")
        self._settle()
        return ActionResult(point=point)

    def _scroll_area(self, action: ScrollAction) -> tuple[int, int, int, int]:
        if action.element is not None:
            item = self._view.item(action.element) if self._view is not None else None
            if item is None:
                resolve_point(action, self._view, serial=self.serial)  # raises ActionFailed
            else:
                b = item.bounds
                return (b.x1, b.y1, b.x2, b.y2)
        w, h = (self._screen.width, self._screen.height) if self._screen else (1080, 2400)
        return (0, h // 10, w, h - h // 10)

    def _resolve_app(self, name: str) -> str:
        packages = self._packages()
        key = name.strip().casefold()
        if key in packages:
            return key
        simple = re.sub(r"[^a-z0-9]", "", key)
        for pkg in packages:
            last = pkg.rsplit(".", 1)[-1].casefold()
            if simple and (simple == last or (len(simple) >= 4 and simple in last)):
                return pkg
        # by label: look for the icon on the home screen and ask which app comes up
        self._key("home")
        self._settle()
        obs = self.observe()
        for item in obs.view.items:
            if item.clickable and item.text.strip().casefold() == key:
                self._tap(*item.tap)
                self._settle()
                return self.current_app()
        raise ActionFailed(
            f"no app called {name!r} (packages: {', '.join(packages[:30])})", serial=self.serial
        )

    # ----------------------------------------------------------------- lifecycle

    def reset(self) -> None:
        self._check()
        self._key("home")
        self._settle()
        self._builder.reset()
        self._view = None

    def close(self) -> None:
        if self._closed:
            return
        try:
            if self._previous_ime:
                self._sh(f"ime set {shlex.quote(self._previous_ime)}")
        except DeviceError as exc:
            logger.debug("[%s] could not restore the keyboard: %s", self.serial, exc)
        self._closed = True


class AdbDevice(AdbBackend):
    """A phone driven through adbutils and plain shell commands."""

    kind = "adb"
