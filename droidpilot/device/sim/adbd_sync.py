"""The ``sync:`` service of the simulated adbd: file transfer over the phone's virtual files.

Requests are a 4-byte id and a little-endian u32 length, then that many bytes. Supported:
``STAT`` (v1: mode, size, mtime), ``STA2``/``LST2`` (stat_v2), ``LIST`` (``DENT`` entries),
``LIS2`` (``DNT2`` entries; the closing ``DONE`` is padded to the ``DNT2`` size, or
``adb ls`` hangs), ``SEND`` (``DATA`` chunks up to 64 KiB, then ``DONE`` with the mtime;
parent directories are made, as the ``fixed_push_mkdir`` feature promises), ``RECV`` and
``QUIT``. Anything else answers ``FAIL`` and closes the stream.
"""

from __future__ import annotations

import errno
import logging
import struct
from typing import Protocol

from droidpilot.device.sim.shell import Handset
from droidpilot.device.sim.shell_fs import FsError, Node

__all__ = ["serve_sync"]

logger = logging.getLogger(__name__)

SYNC_DATA_MAX = 64 * 1024
MAX_PATH = 1024
_STAT_V2 = struct.Struct(
    "<4sIQQIIIIQqqq"
)  # id error dev ino mode nlink uid gid size atime mtime ctime
_DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # ... + namelen


class _Stream(Protocol):
    async def read(self) -> bytes: ...

    async def write(self, data: bytes) -> None: ...


class _SyncError(Exception):
    pass


class _Reader:
    def __init__(self, stream: _Stream) -> None:
        self.stream = stream
        self.buf = bytearray()

    async def exactly(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            chunk = await self.stream.read()
            if not chunk:
                return None
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def _fail(message: str) -> bytes:
    raw = message.encode()
    return b"FAIL" + struct.pack("<I", len(raw)) + raw


def _errno_of(exc: FsError) -> int:
    text = str(exc)
    if text.startswith("No such"):
        return errno.ENOENT
    if text.startswith("Not a dir"):
        return errno.ENOTDIR
    return errno.EACCES


async def serve_sync(stream: _Stream, handset: Handset) -> None:
    """Run one sync session until ``QUIT`` or the host closes the stream."""
    fs = handset.fs
    reader = _Reader(stream)
    while True:
        head = await reader.exactly(8)
        if head is None:
            return
        ident, length = head[:4], struct.unpack("<I", head[4:])[0]
        if ident == b"QUIT":
            return
        if ident not in (b"STAT", b"STA2", b"LST2", b"LIST", b"LIS2", b"SEND", b"RECV"):
            logger.warning("[%s] sync: unknown request %r", handset.serial, ident)
            await stream.write(_fail(f"unknown sync request {ident!r}"))
            return
        if length > MAX_PATH:
            await stream.write(_fail("path too long"))
            return
        raw = await reader.exactly(length)
        if raw is None:
            return
        path = raw.decode("utf-8", "replace")
        if ident == b"STAT":
            node = fs.lookup(path)
            await stream.write(
                b"STAT"
                + (struct.pack("<III", node.mode, node.size, node.mtime) if node else b"\x00" * 12)
            )
        elif ident in (b"STA2", b"LST2"):
            node = fs.lookup(path)
            if node is None:
                await stream.write(_STAT_V2.pack(ident, errno.ENOENT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            else:
                await stream.write(_stat_v2(ident, node, path))
        elif ident == b"LIST":
            await stream.write(_list(handset, path, v2=False))
        elif ident == b"LIS2":
            await stream.write(_list(handset, path, v2=True))
        elif ident == b"RECV":
            await _recv(stream, handset, path)
        elif ident == b"SEND" and not await _send(stream, reader, handset, path):
            return


def _stat_v2(ident: bytes, node: Node, path: str) -> bytes:
    ino = abs(hash(path)) & 0xFFFFFFFF
    return _STAT_V2.pack(
        ident,
        0,
        0xFD00,
        ino,
        node.mode,
        2 if node.is_dir else 1,
        2000,
        2000,
        node.size,
        node.mtime,
        node.mtime,
        node.mtime,
    )


def _list(handset: Handset, path: str, *, v2: bool) -> bytes:
    fs = handset.fs
    out = bytearray()
    try:
        entries = fs.listdir(path)
        me = fs.lookup(path)
        assert me is not None
        entries = [(".", me), ("..", me), *entries]
    except FsError:
        entries = []
    for name, node in entries:
        raw = name.encode()
        if v2:
            ino = abs(hash((path, name))) & 0xFFFFFFFF
            out += (
                _DENT_V2.pack(
                    b"DNT2",
                    0,
                    0xFD00,
                    ino,
                    node.mode,
                    1,
                    2000,
                    2000,
                    node.size,
                    node.mtime,
                    node.mtime,
                    node.mtime,
                    len(raw),
                )
                + raw
            )
        else:
            out += b"DENT" + struct.pack("<IIII", node.mode, node.size, node.mtime, len(raw)) + raw
    out += b"DONE" + b"\x00" * ((_DENT_V2.size if v2 else 20) - 4)
    return bytes(out)


async def _recv(stream: _Stream, handset: Handset, path: str) -> None:
    try:
        data = handset.fs.read(path)
    except FsError as exc:
        await stream.write(_fail(f"open failed: {exc}"))
        return
    out = bytearray()
    for i in range(0, len(data), SYNC_DATA_MAX):
        chunk = data[i : i + SYNC_DATA_MAX]
        out += b"DATA" + struct.pack("<I", len(chunk)) + chunk
    out += b"DONE" + b"\x00" * 4
    await stream.write(bytes(out))


async def _send(stream: _Stream, reader: _Reader, handset: Handset, spec: str) -> bool:
    path, _, mode_text = spec.rpartition(",")
    if not path:
        path, mode_text = spec, "33188"
    mode = int(mode_text) if mode_text.isdigit() else 0o644
    data = bytearray()
    while True:
        head = await reader.exactly(8)
        if head is None:
            return False
        ident, length = head[:4], struct.unpack("<I", head[4:])[0]
        if ident == b"DONE":
            break
        if ident != b"DATA" or length > SYNC_DATA_MAX:
            logger.warning("[%s] sync SEND: bad chunk %r (%d bytes)", handset.serial, ident, length)
            await stream.write(_fail(f"invalid data message: expected DATA, got {ident!r}"))
            return False
        chunk = await reader.exactly(length)
        if chunk is None:
            return False
        data += chunk
    fs = handset.fs
    try:
        norm = fs.normalize(path)
        if fs.is_dir(norm):
            raise FsError("Is a directory")
        parent = norm.rsplit("/", 1)[0] or "/"
        fs.mkdirs(parent)
        fs.write(norm, bytes(data), mode=mode & 0o7777)
    except FsError as exc:
        await stream.write(_fail(f"couldn't create file: {exc}"))
        return True
    await stream.write(b"OKAY" + b"\x00" * 4)
    return True
