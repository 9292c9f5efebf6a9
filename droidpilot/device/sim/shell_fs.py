"""The simulated phone's virtual filesystem: what ``adb push/pull/ls`` and the shell see.

Paths are POSIX and absolute. Only ``/sdcard`` (also reachable as ``/storage/emulated/0``
and ``/storage/self/primary``) and ``/data/local/tmp`` are writable, as for the ``shell``
user on a real phone; everything else answers ``Permission denied`` or ``Read-only file
system``. ``/dev/null`` swallows writes and reads empty.
"""

from __future__ import annotations

import posixpath
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

__all__ = ["FsError", "Node", "VirtualFS"]

S_DIR = stat.S_IFDIR | 0o771
S_FILE = stat.S_IFREG | 0o660
WRITABLE = ("/sdcard", "/data/local/tmp")
ALIASES = {
    "/storage/emulated/0": "/sdcard",
    "/storage/self/primary": "/sdcard",
    "/mnt/sdcard": "/sdcard",
}
DEFAULT_DIRS = (
    "/",
    "/sdcard",
    "/sdcard/Download",
    "/sdcard/Pictures",
    "/sdcard/DCIM",
    "/sdcard/Documents",
    "/data",
    "/data/local",
    "/data/local/tmp",
    "/system",
    "/system/bin",
    "/storage",
    "/storage/emulated",
    "/dev",
    "/proc",
    "/vendor",
)


class FsError(Exception):
    """A filesystem operation failed; ``str()`` is the errno text (``No such file ...``)."""


@dataclass(slots=True)
class Node:
    """A file or a directory."""

    mode: int
    mtime: int
    data: bytearray = field(default_factory=bytearray)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def size(self) -> int:
        return 4096 if self.is_dir else len(self.data)


class VirtualFS:
    """A small in-memory tree of files and directories."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._nodes: dict[str, Node] = {}
        now = int(clock())
        for d in DEFAULT_DIRS:
            self._nodes[d] = Node(mode=S_DIR, mtime=now)
        for tool in ("sh", "toybox", "input", "am", "pm", "wm", "uiautomator", "screencap"):
            self._nodes[f"/system/bin/{tool}"] = Node(mode=stat.S_IFREG | 0o755, mtime=now)

    # ------------------------------------------------------------------ paths

    @staticmethod
    def normalize(path: str, cwd: str = "/") -> str:
        if not path.startswith("/"):
            path = posixpath.join(cwd, path)
        norm = posixpath.normpath(path)
        if norm.startswith("//"):
            norm = "/" + norm.lstrip("/")
        for alias, target in ALIASES.items():
            if norm == alias or norm.startswith(alias + "/"):
                norm = target + norm[len(alias) :]
        return norm

    @staticmethod
    def _writable(path: str) -> bool:
        return any(path == w or path.startswith(w + "/") for w in WRITABLE)

    # ------------------------------------------------------------------ queries

    def lookup(self, path: str) -> Node | None:
        if path == "/dev/null":
            return Node(mode=stat.S_IFCHR | 0o666, mtime=0)
        return self._nodes.get(self.normalize(path))

    def exists(self, path: str) -> bool:
        return self.lookup(path) is not None

    def is_dir(self, path: str) -> bool:
        node = self.lookup(path)
        return node is not None and node.is_dir

    def read(self, path: str) -> bytes:
        if path == "/dev/null":
            return b""
        node = self.lookup(path)
        if node is None:
            raise FsError("No such file or directory")
        if node.is_dir:
            raise FsError("Is a directory")
        return bytes(node.data)

    def listdir(self, path: str) -> list[tuple[str, Node]]:
        norm = self.normalize(path)
        node = self._nodes.get(norm)
        if node is None:
            raise FsError("No such file or directory")
        if not node.is_dir:
            raise FsError("Not a directory")
        prefix = norm.rstrip("/") + "/"
        out = []
        for p, n in self._nodes.items():
            if p != norm and p.startswith(prefix) and "/" not in p[len(prefix) :]:
                out.append((p[len(prefix) :], n))
        return sorted(out)

    def walk_files(self) -> Iterator[tuple[str, Node]]:
        yield from sorted(self._nodes.items())

    # ------------------------------------------------------------------ changes

    def write(self, path: str, data: bytes, *, append: bool = False, mode: int = 0) -> None:
        if path == "/dev/null":
            return
        norm = self.normalize(path)
        if not self._writable(norm):
            raise FsError(
                "Read-only file system" if norm.startswith("/system") else "Permission denied"
            )
        parent = posixpath.dirname(norm)
        pnode = self._nodes.get(parent)
        if pnode is None:
            raise FsError("No such file or directory")
        if not pnode.is_dir:
            raise FsError("Not a directory")
        node = self._nodes.get(norm)
        if node is not None and node.is_dir:
            raise FsError("Is a directory")
        now = int(self._clock())
        if node is None or not append:
            perm = (mode & 0o7777) or (S_FILE & 0o7777)
            node = Node(mode=stat.S_IFREG | perm, mtime=now)
            self._nodes[norm] = node
        node.data.extend(data)
        node.mtime = now

    def mkdirs(self, path: str) -> None:
        norm = self.normalize(path)
        parts = norm.strip("/").split("/") if norm != "/" else []
        cur = ""
        for part in parts:
            cur = f"{cur}/{part}"
            node = self._nodes.get(cur)
            if node is None:
                if not self._writable(cur):
                    raise FsError("Permission denied")
                self._nodes[cur] = Node(mode=S_DIR, mtime=int(self._clock()))
            elif not node.is_dir:
                raise FsError("Not a directory")

    def remove(self, path: str, *, recursive: bool = False) -> None:
        norm = self.normalize(path)
        node = self._nodes.get(norm)
        if node is None:
            raise FsError("No such file or directory")
        if not self._writable(norm) or norm in WRITABLE:
            raise FsError("Permission denied")
        if node.is_dir:
            if not recursive:
                raise FsError("Is a directory")
            prefix = norm + "/"
            for p in [p for p in self._nodes if p.startswith(prefix)]:
                del self._nodes[p]
        del self._nodes[norm]
