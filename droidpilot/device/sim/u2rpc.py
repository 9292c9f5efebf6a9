"""The uiautomator2 server of the simulated phone (what ``app_process ... com.wetest.uia2.Main``
starts on a real phone), reached through the adb ``tcp:9008`` stream.

HTTP/1.1 with keep-alive: ``GET /ping`` answers ``pong``; ``POST /jsonrpc/0`` takes the
JSON-RPC calls uiautomator2 3.7.x makes (dumps, clicks, swipes, keys, JPEG screenshots,
deviceInfo, UiSelector queries with child/sibling/instance, setText, clipboard, ...).
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from droidpilot.device.sim.shell import Handset

__all__ = ["Conn", "U2Server", "match_selector", "start_u2_server"]

logger = logging.getLogger(__name__)

MAX_REQUEST = 8 * 1024 * 1024
NOT_FOUND = "androidx.test.uiautomator.UiObjectNotFoundException"

_PRESS_KEYS = {
    "home": "home",
    "back": "back",
    "enter": "enter",
    "delete": "delete",
    "del": "delete",
    "recent": "app_switch",
    "menu": "menu",
    "search": "search",
    "center": "enter",
    "dpad_center": "enter",
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "power": "power",
    "tab": "tab",
}


class Conn(Protocol):
    """One byte stream from the host (an adb ``tcp:`` stream)."""

    async def read(self) -> bytes:
        """The next chunk; ``b""`` once the host closed its side."""
        ...

    async def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class _Held:
    def __init__(self, handset: Handset, port: int, server: U2Server, pid: int) -> None:
        self.handset, self.port, self.server, self.pid = handset, port, server, pid

    def stop(self) -> None:
        if self.handset.services.get(self.port) is self.server:
            del self.handset.services[self.port]
        self.handset.processes.pop(self.pid, None)
        logger.info("[%s] uiautomator2 server on port %d stopped", self.handset.serial, self.port)


def start_u2_server(handset: Handset, port: int) -> _Held:
    """Start (or restart) the uiautomator2 server on ``port``; stop it through the handle."""
    server = U2Server(handset)
    handset.services[port] = server
    pid = handset.new_pid("app_process")
    logger.info("[%s] uiautomator2 server listening on device port %d", handset.serial, port)
    return _Held(handset, port, server, pid)


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------- selectors


@dataclass(slots=True)
class Node:
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def descendants(self) -> list[Node]:
        out: list[Node] = []
        stack = list(reversed(self.children))
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(n.children))
        return out

    def bounds(self) -> tuple[int, int, int, int]:
        nums = [int(v) for v in re.findall(r"-?\d+", self.attrs.get("bounds", ""))[:4]]
        return (nums[0], nums[1], nums[2], nums[3]) if len(nums) == 4 else (0, 0, 0, 0)


def parse_nodes(xml: str) -> list[Node]:
    """Every ``node`` of a dump in document order, linked to parents and children."""
    root = ET.fromstring(xml.encode("utf-8"))
    out: list[Node] = []

    def walk(el: ET.Element, parent: Node | None) -> None:
        for child in el:
            if child.tag != "node":
                continue
            node = Node(attrs=dict(child.attrib), parent=parent)
            if parent is not None:
                parent.children.append(node)
            out.append(node)
            walk(child, node)

    walk(root, None)
    return out


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value, re.DOTALL) is not None
    except re.error:
        return False


_BOOL_FIELDS = {
    "checkable": "checkable",
    "checked": "checked",
    "clickable": "clickable",
    "longClickable": "long-clickable",
    "scrollable": "scrollable",
    "enabled": "enabled",
    "focusable": "focusable",
    "focused": "focused",
    "selected": "selected",
}


def _node_matches(node: Node, sel: dict[str, Any]) -> bool:
    a = node.attrs
    text, desc = a.get("text", ""), a.get("content-desc", "")
    for key, want in sel.items():
        if key in ("mask", "childOrSibling", "childOrSiblingSelector", "instance"):
            continue
        ok = True
        match key:
            case "text":
                ok = text == want
            case "textContains":
                ok = str(want) in text
            case "textMatches":
                ok = _fullmatch(str(want), text)
            case "textStartsWith":
                ok = text.startswith(str(want))
            case "className":
                ok = a.get("class", "") == want
            case "classNameMatches":
                ok = _fullmatch(str(want), a.get("class", ""))
            case "description":
                ok = desc == want
            case "descriptionContains":
                ok = str(want) in desc
            case "descriptionMatches":
                ok = _fullmatch(str(want), desc)
            case "descriptionStartsWith":
                ok = desc.startswith(str(want))
            case "packageName":
                ok = a.get("package", "") == want
            case "packageNameMatches":
                ok = _fullmatch(str(want), a.get("package", ""))
            case "resourceId":
                ok = a.get("resource-id", "") == want
            case "resourceIdMatches":
                ok = _fullmatch(str(want), a.get("resource-id", ""))
            case "index":
                ok = a.get("index", "") == str(want)
            case _ if key in _BOOL_FIELDS:
                ok = (a.get(_BOOL_FIELDS[key], "false") == "true") == bool(want)
        if not ok:
            return False
    return True


def match_selector(nodes: list[Node], sel: dict[str, Any]) -> list[Node]:
    """The nodes a uiautomator2 ``Selector`` dict picks, in document order."""
    found = [n for n in nodes if _node_matches(n, sel)]
    if "instance" in sel:
        idx = int(sel["instance"])
        found = found[idx : idx + 1]
    kinds = sel.get("childOrSibling") or []
    subs = sel.get("childOrSiblingSelector") or []
    for kind, sub in zip(kinds, subs, strict=False):
        nxt: list[Node] = []
        seen: set[int] = set()
        for n in found:
            if kind == "child":
                scope = n.descendants()
            else:
                scope = [m for m in n.parent.descendants() if m is not n] if n.parent else []
            for m in scope:
                if id(m) not in seen and _node_matches(m, sub):
                    seen.add(id(m))
                    nxt.append(m)
        if "instance" in sub:
            idx = int(sub["instance"])
            nxt = nxt[idx : idx + 1]
        found = nxt
    return found


def _bounds_dict(b: tuple[int, int, int, int]) -> dict[str, int]:
    return {"left": b[0], "top": b[1], "right": b[2], "bottom": b[3]}


def obj_info(node: Node) -> dict[str, Any]:
    a = node.attrs

    def flag(name: str) -> bool:
        return a.get(name, "false") == "true"

    b = _bounds_dict(node.bounds())
    return {
        "bounds": b,
        "childCount": len(node.children),
        "className": a.get("class", ""),
        "contentDescription": a.get("content-desc") or None,
        "packageName": a.get("package", ""),
        "resourceName": a.get("resource-id") or None,
        "text": a.get("text", ""),
        "visibleBounds": b,
        "checkable": flag("checkable"),
        "checked": flag("checked"),
        "clickable": flag("clickable"),
        "enabled": flag("enabled"),
        "focusable": flag("focusable"),
        "focused": flag("focused"),
        "longClickable": flag("long-clickable"),
        "scrollable": flag("scrollable"),
        "selected": flag("selected"),
    }


# ---------------------------------------------------------------------------- the server


class U2Server:
    """Serves HTTP on one stream at a time (each adb ``tcp:`` stream is one connection)."""

    def __init__(self, handset: Handset, *, sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        self.handset = handset
        self.phone = handset.phone
        self._sleep = sleep

    async def __call__(self, conn: Conn) -> None:
        buf = bytearray()
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = await conn.read()
                    if not chunk:
                        return
                    buf += chunk
                    if len(buf) > MAX_REQUEST:
                        raise ValueError("request head too large")
                head, _, rest = bytes(buf).partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, *_ = [*lines[0].split(" "), "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length < 0 or length > MAX_REQUEST:
                    raise ValueError(f"bad content-length {length}")
                body = bytearray(rest)
                while len(body) < length:
                    chunk = await conn.read()
                    if not chunk:
                        return
                    body += chunk
                buf = bytearray(body[length:])
                status, ctype, payload = await self.handle(method, path, bytes(body[:length]))
                keep = headers.get("connection", "keep-alive").lower() != "close"
                reply = (
                    f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"  # noqa: E501
                    f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
                ).encode() + payload
                await conn.write(reply)
                if not keep:
                    return
        except (ValueError, UnicodeDecodeError) as exc:
            logger.warning(
                "[%s] bad request to the uiautomator2 server: %s", self.handset.serial, exc
            )
            await conn.write(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        finally:
            conn.close()

    async def handle(self, method: str, path: str, body: bytes) -> tuple[str, str, bytes]:
        if method == "GET" and path == "/ping":
            return "200 OK", "text/plain", b"pong"
        if method == "GET" and path == "/info":
            return "200 OK", "application/json", json.dumps(self.device_info()).encode()
        if method == "POST" and path.startswith("/jsonrpc/0"):
            try:
                req = json.loads(body.decode("utf-8"))
                if not isinstance(req, dict):
                    raise ValueError("not an object")
            except ValueError:
                err = {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": -32700, "message": "Parse error"},
                }
                return "200 OK", "application/json", json.dumps(err).encode()
            rid = req.get("id")
            try:
                result = await self.call(str(req.get("method", "")), req.get("params") or [])
                doc: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "result": result}
            except RpcError as exc:
                doc = {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "error": {"code": exc.code, "message": exc.message, "data": exc.message},
                }
            except (TypeError, ValueError, IndexError, KeyError) as exc:
                doc = {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "error": {
                        "code": -32602,
                        "message": f"java.lang.IllegalArgumentException: {exc}",
                        "data": str(exc),
                    },
                }
            return "200 OK", "application/json", json.dumps(doc, ensure_ascii=False).encode("utf-8")
        return "404 Not Found", "text/plain", b"Not Found"

    # ----------------------------------------------------------------- methods

    def device_info(self) -> dict[str, Any]:
        w, h = self.phone.screen_size()
        dpi = self.phone.density()
        pkg, _act = self.phone.focus()
        return {
            "currentPackageName": pkg,
            "displayHeight": h,
            "displayWidth": w,
            "displayRotation": 0,
            "displaySizeDpX": round(w * 160 / dpi),
            "displaySizeDpY": round(h * 160 / dpi),
            "naturalOrientation": True,
            "productName": "droidpilot_sim",
            "screenOn": True,
            "sdkInt": 34,
        }

    def _nodes(self) -> list[Node]:
        xml = self.phone.hierarchy_xml("query")
        if xml is None:
            raise RpcError(-32001, "java.lang.IllegalStateException: could not get idle state")
        return parse_nodes(xml)

    def _find(self, sel: dict[str, Any]) -> Node:
        found = match_selector(self._nodes(), sel)
        if not found:
            raise RpcError(-32002, f"{NOT_FOUND}: UiSelector{_sel_text(sel)}")
        return found[0]

    async def _wait(self, sel: dict[str, Any], timeout_ms: float, *, gone: bool) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(timeout_ms)) / 1000
        while True:
            present = bool(match_selector(self._nodes(), sel))
            if present != gone:
                return True
            if loop.time() >= deadline:
                return False
            await self._sleep(0.1)

    def _tap_node(self, node: Node) -> None:
        x1, y1, x2, y2 = node.bounds()
        self.phone.tap((x1 + x2) // 2, (y1 + y2) // 2)

    async def call(self, method: str, params: Any) -> Any:
        p = list(params) if isinstance(params, list | tuple) else [params]
        phone = self.phone
        match method:
            case "dumpWindowHierarchy":
                xml = phone.hierarchy_xml("u2")
                if xml is None:
                    raise RpcError(
                        -32001, "java.lang.IllegalStateException: could not get idle state"
                    )
                return xml
            case "click":
                if isinstance(p[0], dict):
                    self._tap_node(self._find(p[0]))
                elif len(p) >= 3 and p[2]:
                    phone.long_press(round(p[0]), round(p[1]), int(p[2]))
                else:
                    phone.tap(round(p[0]), round(p[1]))
                return True
            case "longClick":
                x1, y1, x2, y2 = (
                    self._find(p[0]).bounds()
                    if isinstance(p[0], dict)
                    else (p[0], p[1], p[0], p[1])
                )
                phone.long_press((x1 + x2) // 2, (y1 + y2) // 2, 800)
                return True
            case "swipe" | "drag":
                steps = int(p[4]) if len(p) > 4 else 10
                phone.swipe(round(p[0]), round(p[1]), round(p[2]), round(p[3]), max(10, steps * 5))
                return True
            case "swipePoints":
                pts = p[0]
                if len(pts) >= 4:
                    phone.swipe(round(pts[0]), round(pts[1]), round(pts[-2]), round(pts[-1]), 300)
                return True
            case "pressKey":
                key = _PRESS_KEYS.get(str(p[0]).lower())
                return phone.press_key(key) if key else False
            case "pressKeyCode":
                from droidpilot.device.sim.shell_android import KEYCODES

                name = KEYCODES.get(int(p[0]), ("", ""))[1]
                return phone.press_key(name) if name else False
            case "takeScreenshot":
                return self._jpeg(float(p[0]) if p else 1.0, int(p[1]) if len(p) > 1 else 80)
            case "deviceInfo":
                return self.device_info()
            case "objInfo":
                return obj_info(self._find(p[0]))
            case "objInfoOfAllInstances":
                return [obj_info(n) for n in match_selector(self._nodes(), p[0])]
            case "count":
                return len(match_selector(self._nodes(), p[0]))
            case "exist":
                return bool(match_selector(self._nodes(), p[0]))
            case "waitForExists":
                return await self._wait(p[0], p[1] if len(p) > 1 else 0, gone=False)
            case "waitUntilGone":
                return await self._wait(p[0], p[1] if len(p) > 1 else 0, gone=True)
            case "getText":
                return self._find(p[0]).attrs.get("text", "")
            case "setText":
                self._tap_node(self._find(p[0]))
                phone.clear_text()
                if p[1]:
                    phone.commit_text(str(p[1]))
                return True
            case "clearTextField":
                self._tap_node(self._find(p[0]))
                phone.clear_text()
                return True
            case "clearInputText":
                return phone.clear_text()
            case "setClipboard":
                phone.set_clipboard(str(p[1] if len(p) > 1 else p[0]))
                return None
            case "getClipboard":
                return phone.get_clipboard()
            case "pasteClipboard":
                return phone.commit_text(phone.get_clipboard())
            case "getLastToast" | "getLastTraversedText":
                return None
            case (
                "makeToast"
                | "clearLastToast"
                | "clearLastTraversedText"
                | "wakeUp"
                | "sleep"
                | "freezeRotation"
                | "setOrientation"
                | "injectInputEvent"
            ):
                return True
            case "openNotification" | "openQuickSettings":
                w, h = phone.screen_size()
                phone.swipe(w // 2, 5, w // 2, h * 2 // 3, 300)
                return True
        raise RpcError(-32601, f"Method not found: {method}")

    def _jpeg(self, scale: float, quality: int) -> str:
        from PIL import Image

        img = Image.open(io.BytesIO(self.phone.screenshot_png())).convert("RGB")
        if 0 < scale < 1:
            img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=max(1, min(100, quality)))
        return base64.b64encode(out.getvalue()).decode()


def _sel_text(sel: dict[str, Any]) -> str:
    return (
        "["
        + ", ".join(
            f"{k.upper()}={v}"
            for k, v in sel.items()
            if k not in ("mask", "childOrSibling", "childOrSiblingSelector")
        )
        + "]"
    )
