"""The simulated phone as the adb shell sees it: :class:`SimPhone` behind the small
:class:`~droidpilot.device.sim.shell.ShellPhone` protocol, plus its content providers.

Content URIs answered (``content query --uri ...``), so a task can be checked over adb the
way AndroidWorld checks a real phone:

- ``content://sms``, ``content://sms/inbox``, ``content://sms/sent``: the Messages app, with
  the AOSP column set;
- ``content://contacts/phones`` and ``content://com.android.contacts/data/phones``:
  ``display_name``, ``number``;
- ``content://<package>/<collection>``: any app's model attribute that holds a collection of
  records (``content://com.droidpilot.food/orders``), one row per record, scalar fields only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from droidpilot.device.sim.dump import dump_u2, dump_xml
from droidpilot.device.sim.phone import SimPhone
from droidpilot.device.sim.shell import Row
from droidpilot.errors import ActionFailed

__all__ = ["SimShellPhone"]

logger = logging.getLogger(__name__)

SYSTEM_PACKAGES = (
    "android",
    "com.android.systemui",
    "com.android.shell",
    "com.android.inputmethod.latin",
    "com.android.adbkeyboard",
    "com.android.providers.settings",
)
_KEYS = {"home", "back", "app_switch", "enter", "delete", "tab", "search", "menu"}


class SimShellPhone:
    """Adapts a :class:`SimPhone` to what the shell commands and the u2 server need."""

    def __init__(self, phone: SimPhone) -> None:
        self.sim = phone

    def screen_size(self) -> tuple[int, int]:
        return (self.sim.width, self.sim.height)

    def density(self) -> int:
        return self.sim.density

    def locale(self) -> str:
        return "zh-CN" if self.sim.lang == "zh" else "en-US"

    def hierarchy_xml(self, form: str) -> str | None:
        phone = self.sim
        if form != "query":
            if phone.state.dump_fail:
                phone.state.dump_fail = False
                return None
            if phone.state.faults.roll("dump_fail"):
                return None
        xml = dump_xml(phone.active_window()) if form == "classic" else dump_u2(phone.windows())
        if form != "query":
            phone.observed()
        return xml

    def screenshot_png(self) -> bytes:
        phone = self.sim
        try:
            from droidpilot.device.sim.render import render_png  # type: ignore[import-not-found,unused-ignore]
        except ImportError:  # the renderer is optional: a plain screen of the right size
            from PIL import Image

            out = io.BytesIO()
            Image.new("RGB", (phone.width, phone.height), (250, 250, 250)).save(out, format="PNG")
            return out.getvalue()
        png: bytes = render_png(
            phone.windows(), (phone.width, phone.height), dark=phone.state.settings.dark
        )
        return png

    def tap(self, x: int, y: int) -> None:
        self.sim.tap(x, y)

    def long_press(self, x: int, y: int, ms: int) -> None:
        self.sim.long_press(x, y)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        self.sim.swipe(x1, y1, x2, y2)

    def press_key(self, key: str) -> bool:
        if key not in _KEYS:
            return key in ("power", "up", "down", "left", "right", "move_home", "move_end", "paste")
        self.sim.key(key)
        return True

    def commit_text(self, text: str) -> bool:
        try:
            self.sim.input_text(text)
        except ActionFailed as exc:
            logger.debug("text not committed: %s", exc)
            return False
        return True

    def clear_text(self) -> bool:
        try:
            self.sim.input_text("", clear=True)
        except ActionFailed:
            return False
        return True

    def focus(self) -> tuple[str, str]:
        pkg, act = self.sim.current_package(), self.sim.current_activity()
        if "/" in act:  # "pkg/.Act" or "pkg/full.Act": the full class name is what follows
            owner, _, act = act.partition("/")
            act = owner + act if act.startswith(".") else act
        if act.startswith("."):
            act = pkg + act
        return (pkg, act)

    def keyboard_shown(self) -> bool:
        return self.sim.keyboard_shown()

    def launch(self, package: str, activity: str | None = None) -> str | None:
        if package not in self.sim.apps:
            return None
        self.sim.launch(package)
        return self.sim.current_activity()

    def force_stop(self, package: str) -> None:
        if package in self.sim.apps:
            self.sim.kill(package)

    def packages(self) -> Sequence[str]:
        return [*self.sim.apps, *SYSTEM_PACKAGES]

    def get_clipboard(self) -> str:
        return self.sim.state.clipboard

    def set_clipboard(self, text: str) -> None:
        self.sim.set_clipboard(text)

    def now(self) -> float:
        return self.sim.clock.now().replace(tzinfo=dt.UTC).timestamp()

    # ----------------------------------------------------------------- providers

    def query(self, uri: str) -> list[Row] | None:
        rest = uri.removeprefix("content://").rstrip("/")
        authority, _, path = rest.partition("/")
        lang = self.sim.lang
        models = self.sim.state.models
        if authority == "sms":
            msgs: Any = next((m for m in models.values() if hasattr(m, "sent_messages")), None)
            if msgs is None:
                return []
            seen: dict[str, Any] = {}
            for sms in [*msgs.messages, *msgs.sent_messages]:
                seen.setdefault(sms.id, sms)
            want = {"inbox": "in", "sent": "out"}.get(path)
            return [
                _sms_row(n, s, lang)
                for n, s in enumerate(sorted(seen.values(), key=lambda s: s.at, reverse=True))
                if want is None or s.direction == want
            ]
        if authority in ("contacts", "com.android.contacts"):
            book = next((m for m in models.values() if hasattr(m, "contacts")), None)
            contacts = getattr(book, "contacts", ()) if book is not None else ()
            return [
                {"_id": n + 1, "display_name": _scalar(c.name, lang), "number": c.phone}
                for n, c in enumerate(contacts)
            ]
        model = models.get(authority)
        if model is None:
            return None
        if not path:
            return [{"name": name} for name in _collections(model)]
        value = _attr(model, path.split("/", 1)[0])
        if value is None:
            return []
        return [_record(item, lang) for item in _items(value)]


def _sms_row(n: int, sms: Any, lang: str) -> Row:
    ms = int(sms.at.replace(tzinfo=dt.UTC).timestamp() * 1000)
    return {
        "_id": n + 1,
        "thread_id": abs(hash(sms.address)) % 1000,
        "address": sms.address,
        "person": None,
        "date": ms,
        "date_sent": ms if sms.direction == "in" else 0,
        "protocol": 0,
        "read": int(bool(sms.read)),
        "status": -1,
        "type": 1 if sms.direction == "in" else 2,
        "reply_path_present": 0,
        "subject": None,
        "body": _scalar(sms.body, lang),
        "service_center": None,
        "locked": 0,
        "sub_id": 1,
        "error_code": 0,
        "creator": "com.android.messaging",
        "seen": 1,
    }


def _attr(model: object, name: str) -> Any:
    if name.startswith("_"):
        return None
    try:
        value = getattr(model, name)
    except Exception:  # a property that needs arguments or state: not a collection
        return None
    return None if callable(value) else value


def _collections(model: object) -> list[str]:
    names = []
    for name in dir(model):
        value = _attr(model, name)
        if isinstance(value, list | tuple | dict) and value:
            names.append(name)
    return names


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        return value.values()
    if isinstance(value, list | tuple | set | frozenset):
        return value
    return [value]


def _record(item: Any, lang: str) -> Row:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {f.name: _scalar(getattr(item, f.name), lang) for f in dataclasses.fields(item)}
    if hasattr(item, "__dict__"):
        return {k: _scalar(v, lang) for k, v in vars(item).items() if not k.startswith("_")}
    return {"value": _scalar(item, lang)}


def _scalar(v: Any, lang: str) -> str | int | float | None:
    if v is None or isinstance(v, str | int | float):
        return v
    if isinstance(v, enum.Enum):
        return _scalar(v.value, lang)
    if isinstance(v, dt.datetime):
        return int(v.replace(tzinfo=v.tzinfo or dt.UTC).timestamp() * 1000)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if hasattr(v, "get") and hasattr(v, "en") and hasattr(v, "zh"):
        return str(v.get(lang))
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        for key in ("id", "name", "title"):
            if hasattr(v, key):
                return _scalar(getattr(v, key), lang)
    if isinstance(v, list | tuple | set | frozenset):
        return ",".join(str(_scalar(x, lang)) for x in v)
    return str(v)[:200]
