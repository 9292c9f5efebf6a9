"""U2Device: a phone driven through uiautomator2 (its JSON-RPC server on the phone).

Dumps come from ``dumpWindowHierarchy`` (every window, fast), taps and swipes from the
server's ``click``/``swipe``, keys from ``pressKey``; text goes in with ``setText`` on the
focused field (any unicode, never through the device shell) or, to append, the clipboard
and ``pasteClipboard``. Connection handling, settling, retries and error mapping are those of
:class:`~droidpilot.device.adb.AdbBackend`.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from droidpilot.device.adb import FOCUS_CMD, AdbBackend, map_error
from droidpilot.errors import ActionFailed, DeviceDisconnected, DeviceError, DeviceTimeout

__all__ = ["U2Device"]

logger = logging.getLogger(__name__)

_PRESS = {
    "back": "back",
    "home": "home",
    "enter": "enter",
    "app_switch": "recent",
    "delete": "delete",
    "search": "search",
    "menu": "menu",
}


class U2Device(AdbBackend):
    """A phone driven through uiautomator2 3.7.x."""

    kind = "u2"
    _d: Any = None

    def _on_connect(self) -> None:
        super()._on_connect()
        import uiautomator2

        try:
            self._d = uiautomator2.connect(self._dev)
            self._d.settings["operation_delay"] = (0, 0)
        except Exception as exc:
            raise self._map(exc, "start the uiautomator2 server") from exc

    def _map(self, exc: BaseException, what: str) -> DeviceError:
        from uiautomator2 import exceptions as ue

        if isinstance(exc, ue.UiObjectNotFoundError):
            return ActionFailed(f"{what}: no such element ({exc})", serial=self.serial)
        if isinstance(exc, ue.HTTPTimeoutError):
            return DeviceTimeout(f"{what}: {exc}", serial=self.serial)
        if isinstance(
            exc,
            ue.HTTPError
            | ue.ConnectError
            | ue.UiAutomationNotConnectedError
            | ue.LaunchUiAutomationError,
        ):
            return DeviceDisconnected(f"{what}: {exc}", serial=self.serial)
        if isinstance(exc, ue.BaseException):
            return DeviceError(f"{what}: {exc}", serial=self.serial)
        return map_error(exc, self.serial, what)

    def _retryable(self, exc: BaseException) -> bool:
        from uiautomator2 import exceptions as ue

        if isinstance(exc, ue.HTTPError | ue.ConnectError | ue.UiAutomationNotConnectedError):
            return True
        return super()._retryable(exc)

    def _rpc(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            return fn(*args, **kwargs)

        try:
            return self._call(what, run)
        except DeviceError as exc:
            cause = exc.__cause__
            if cause is not None and not isinstance(cause, DeviceError):
                raise self._map(cause, what) from cause
            raise

    # ----------------------------------------------------------------- seeing

    def _dump_once(self) -> tuple[str | None, str]:
        from uiautomator2 import exceptions as ue

        try:
            xml = str(self._call("dump", lambda: self._d.dump_hierarchy()))
        except DeviceError as exc:
            if isinstance(exc.__cause__, ue.RPCError):
                logger.debug("[%s] dump failed: %s", self.serial, exc)
                return None, ""
            raise
        tail: str = self._sh(FOCUS_CMD)
        return xml, tail

    def screenshot(self) -> bytes:
        self._check()
        img = self._rpc("screenshot", lambda: self._d.screenshot())
        out = io.BytesIO()
        img.save(out, format="PNG")
        return out.getvalue()

    # ----------------------------------------------------------------- primitives

    def _tap(self, x: int, y: int) -> None:
        self._rpc("click", lambda: self._d.click(x, y))

    def _long_press(self, x: int, y: int, ms: int) -> None:
        self._rpc("long click", lambda: self._d.long_click(x, y, ms / 1000))

    def _swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        self._rpc("swipe", lambda: self._d.swipe(x1, y1, x2, y2, duration=ms / 1000))

    def _key(self, key: str) -> None:
        name = _PRESS.get(key)
        if name is None:
            self._rpc("press key", lambda: self._d.press(61 if key == "tab" else 66))
        else:
            self._rpc("press key", lambda: self._d.press(name))

    def _type(self, text: str, *, clear: bool, current: str) -> None:
        from uiautomator2._selector import Selector

        if clear:
            self._rpc("set text", lambda: self._d.jsonrpc.setText(Selector(focused=True), text))
            return
        if text:
            self._rpc("set clipboard", lambda: self._d.set_clipboard(text))
            self._rpc("paste", lambda: self._d.jsonrpc.pasteClipboard())

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        if self._closed:
            return
        if self._d is not None:
            try:
                self._d.stop_uiautomator(wait=False)
            except Exception as exc:  # closing must not fail on a dead phone
                logger.debug("[%s] stopping the uiautomator2 server: %s", self.serial, exc)
        super().close()
