"""The phone side of the ADB wire protocol (what ``adbd`` does), over TCP, with asyncio.

A host (the Debian ``adb`` server, after ``adb connect HOST:PORT``) sends ``CNXN``; we answer
``CNXN`` with our banner (product, model, device, features) and never ask for ``AUTH``.
Streams are ``OPEN``/``OKAY``/``WRTE``/``CLSE`` with one-packet-in-flight flow control per
stream and payload-size negotiation. Services: ``shell:`` (v1, merged output),
``shell,v2:`` (framed stdin/stdout/stderr/exit), ``exec:``, ``sync:`` (STAT/STA2/LST2,
LIST/LIS2, SEND, RECV, QUIT), ``tcp:PORT`` (to servers started on the phone, such as the
uiautomator2 server) and ``abb_exec:``. An unknown service is accepted and answered with
``FAIL<len><message>`` before the stream closes. Malformed packets close that one
connection with a log line; the server keeps serving the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Awaitable, Callable

from droidpilot.device.sim.adbd_sync import serve_sync
from droidpilot.device.sim.shell import Ctx, Handset, HeldProcess, Shell, ShellSyntaxError, parse
from droidpilot.device.sim.shell_android import build_props

__all__ = ["AdbStream", "Adbd", "ProtocolError", "make_header"]

logger = logging.getLogger(__name__)

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_STLS = 0x534C5453
COMMANDS = {A_SYNC, A_CNXN, A_OPEN, A_OKAY, A_CLSE, A_WRTE, A_AUTH, A_STLS}

VERSION = 0x01000001
MAX_PAYLOAD = 1024 * 1024
MAX_INBOX = 32 * 1024 * 1024
MAX_STREAMS = 512
FEATURES = (
    "shell_v2,cmd,stat_v2,ls_v2,fixed_push_mkdir,apex,abb,fixed_push_symlink_timestamp,"
    "abb_exec,remount_shell"
)
STDIN_READERS = {"cat", "sh", "md5sum", "base64", "wc", "head", "tail", "grep"}

ID_STDIN, ID_STDOUT, ID_STDERR, ID_EXIT, ID_CLOSE_STDIN, ID_WINDOW = 0, 1, 2, 3, 4, 5


class ProtocolError(Exception):
    """The peer broke the ADB protocol; the connection is dropped."""


def make_header(cmd: int, arg0: int, arg1: int, data: bytes, *, checksum: bool = False) -> bytes:
    crc = sum(data) & 0xFFFFFFFF if checksum else 0
    return struct.pack("<6I", cmd, arg0, arg1, len(data), crc, cmd ^ 0xFFFFFFFF)


class AdbStream:
    """One ADB stream, seen by a service: read what the host wrote, write back."""

    def __init__(self, conn: _Connection, local_id: int, remote_id: int) -> None:
        self.conn = conn
        self.local_id = local_id
        self.remote_id = remote_id
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._buffered = 0
        self._can_send = asyncio.Event()
        self._can_send.set()
        self.closed = False
        self.on_close: list[Callable[[], None]] = []

    # host -> phone
    def _deliver(self, data: bytes) -> None:
        self._buffered += len(data)
        if self._buffered > MAX_INBOX:
            raise ProtocolError(f"stream {self.local_id}: host wrote {self._buffered} unread bytes")
        self._inbox.put_nowait(data)

    async def read(self) -> bytes:
        """The next chunk the host wrote; ``b""`` once the stream is closed."""
        if self.closed and self._inbox.empty():
            return b""
        data = await self._inbox.get()
        self._buffered -= len(data)
        return data

    # phone -> host
    async def write(self, data: bytes) -> None:
        size = self.conn.max_payload
        for i in range(0, len(data), size):
            if self.closed:
                return
            await self._can_send.wait()
            if self._closed_now():
                return
            self._can_send.clear()
            self.conn.send(A_WRTE, self.local_id, self.remote_id, data[i : i + size])
            await self.conn.drain()

    def _closed_now(self) -> bool:
        return self.closed  # re-read after an await (mypy narrows the attribute otherwise)

    def _acked(self) -> None:
        self._can_send.set()

    def close(self) -> None:
        """Close our side (sends CLSE once)."""
        if not self.closed:
            self.conn.send(A_CLSE, self.local_id, self.remote_id, b"")
        self._closed_by_any()

    def _closed_by_any(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._can_send.set()
        self._inbox.put_nowait(b"")
        self.conn.streams.pop(self.local_id, None)
        for cb in self.on_close:
            try:
                cb()
            except Exception:
                logger.exception("stream close callback failed")


class _Connection:
    def __init__(
        self, adbd: Adbd, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.adbd = adbd
        self.reader = reader
        self.writer = writer
        self.max_payload = 4096
        self.online = False
        self.streams: dict[int, AdbStream] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._next_id = 1
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    def send(self, cmd: int, arg0: int, arg1: int, data: bytes) -> None:
        if self.writer.is_closing():
            return
        self.writer.write(make_header(cmd, arg0, arg1, data, checksum=cmd == A_CNXN) + data)

    async def drain(self) -> None:
        transport = self.writer.transport
        if transport.get_write_buffer_size() > 256 * 1024:
            with contextlib.suppress(ConnectionError):
                await self.writer.drain()

    async def run(self) -> None:
        serial = self.adbd.handset.serial
        logger.debug("[%s] connection from %s", serial, self.peer)
        try:
            while True:
                header = await self.reader.readexactly(24)
                cmd, arg0, arg1, length, _crc, magic = struct.unpack("<6I", header)
                if cmd not in COMMANDS or magic != cmd ^ 0xFFFFFFFF:
                    raise ProtocolError(f"bad packet header {header[:8].hex()}...")
                limit = (
                    MAX_PAYLOAD if cmd in (A_CNXN, A_AUTH) or not self.online else self.max_payload
                )
                if length > limit:
                    raise ProtocolError(f"payload of {length} bytes exceeds {limit}")
                data = await self.reader.readexactly(length) if length else b""
                self.dispatch(cmd, arg0, arg1, data)
                await self.drain()
        except asyncio.IncompleteReadError:
            logger.debug("[%s] %s disconnected", serial, self.peer)
        except ProtocolError as exc:
            logger.warning("[%s] closing connection from %s: %s", serial, self.peer, exc)
        except (ConnectionError, OSError) as exc:
            logger.debug("[%s] connection from %s lost: %s", serial, self.peer, exc)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        for stream in list(self.streams.values()):
            stream._closed_by_any()
        for task in list(self.tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            self.writer.close()

    def dispatch(self, cmd: int, arg0: int, arg1: int, data: bytes) -> None:
        if cmd == A_CNXN:
            self.max_payload = max(256, min(arg1 or 4096, MAX_PAYLOAD))
            self.online = True
            self.send(A_CNXN, VERSION, self.max_payload, self.adbd.banner())
            logger.info(
                "[%s] host %s connected (max payload %d)",
                self.adbd.handset.serial,
                self.peer,
                self.max_payload,
            )
            return
        if cmd in (A_AUTH, A_STLS, A_SYNC):
            return  # we never ask for AUTH; a stray one is harmless
        if not self.online:
            raise ProtocolError(f"{cmd:#x} before CNXN")
        if cmd == A_OPEN:
            self.open(arg0, data)
        elif cmd == A_OKAY:
            stream = self.streams.get(arg1)
            if stream is not None:
                stream._acked()
        elif cmd == A_WRTE:
            stream = self.streams.get(arg1)
            if stream is None:
                self.send(A_CLSE, 0, arg0, b"")
                return
            stream._deliver(data)
            self.send(A_OKAY, stream.local_id, stream.remote_id, b"")
        elif cmd == A_CLSE:
            stream = self.streams.get(arg1)
            if stream is not None and (arg0 == 0 or arg0 == stream.remote_id):
                stream._closed_by_any()

    def open(self, remote_id: int, data: bytes) -> None:
        if remote_id == 0:
            raise ProtocolError("OPEN with local-id 0")
        if len(self.streams) >= MAX_STREAMS:
            logger.warning("[%s] too many streams from %s", self.adbd.handset.serial, self.peer)
            self.send(A_CLSE, 0, remote_id, b"")
            return
        name = data.rstrip(b"\x00").decode("utf-8", "replace")
        handler = self.adbd.service_for(name)
        if handler is None:  # e.g. tcp:PORT with nothing listening: refused, as adbd does
            logger.info("[%s] refused service %r", self.adbd.handset.serial, name[:80])
            self.send(A_CLSE, 0, remote_id, b"")
            return
        local_id = self._next_id
        self._next_id = (self._next_id % 0x7FFFFFFF) + 1
        stream = AdbStream(self, local_id, remote_id)
        self.streams[local_id] = stream
        self.send(A_OKAY, local_id, remote_id, b"")
        task = asyncio.get_running_loop().create_task(self._serve(stream, handler, name))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _serve(
        self, stream: AdbStream, handler: Callable[[AdbStream], Awaitable[None]], name: str
    ) -> None:
        try:
            await handler(stream)
        except asyncio.CancelledError:
            raise
        except ProtocolError as exc:
            logger.warning("[%s] service %r: %s", self.adbd.handset.serial, name[:40], exc)
        except Exception:
            logger.exception("[%s] service %r failed", self.adbd.handset.serial, name[:40])
        finally:
            stream.close()


class Adbd:
    """One simulated phone's adbd, listening on ``host:port``."""

    def __init__(self, handset: Handset, *, host: str = "127.0.0.1", port: int = 5555) -> None:
        self.handset = handset
        self.shell = Shell(handset)
        self.host = host
        self.port = port
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[_Connection] = set()
        self._held: set[HeldProcess] = set()

    def banner(self) -> bytes:
        props = build_props(self.handset)
        return (
            f"device::ro.product.name={props['ro.product.name']};ro.product.model={props['ro.product.model']};"
            f"ro.product.device={props['ro.product.device']};features={FEATURES}"
        ).encode()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, limit=MAX_PAYLOAD * 2
        )
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        logger.info("[%s] adbd listening on %s:%d", self.handset.serial, self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            conn.shutdown()
        for held in list(self._held):
            held.stop()
        self._held.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(self, reader, writer)
        self._conns.add(conn)
        try:
            await conn.run()
        finally:
            self._conns.discard(conn)

    # ----------------------------------------------------------------- services

    def service_for(self, name: str) -> Callable[[AdbStream], Awaitable[None]] | None:
        if name.startswith(("shell:", "shell,")) or name == "shell":
            head, _, cmd = name.partition(":")
            opts = head.split(",")[1:]
            return lambda s: self._shell(s, cmd, v2="v2" in opts)
        if name.startswith("exec:"):
            return lambda s: self._exec(s, name[5:])
        if name.startswith("sync:"):
            return lambda s: serve_sync(s, self.handset)
        if name.startswith("tcp:"):
            port_text = name[4:].split(":", 1)[0]
            svc = self.handset.services.get(int(port_text)) if port_text.isdigit() else None
            if svc is None:
                return None  # nothing listening there: refused, as adbd does
            handler: Callable[[AdbStream], Awaitable[None]] = svc  # type: ignore[assignment]
            return handler
        if name.startswith(("abb_exec:", "abb:")):
            return lambda s: self._abb(s, name)
        return lambda s: self._unknown(s, name)

    async def _unknown(self, stream: AdbStream, name: str) -> None:
        logger.info("[%s] unknown service %r", self.handset.serial, name[:80])
        msg = f"unknown service: {name[:200]}".encode()
        await stream.write(b"FAIL" + f"{len(msg):04x}".encode() + msg)

    def _hold(self, stream: AdbStream, held: HeldProcess) -> None:
        self._held.add(held)

        def stop() -> None:
            held.stop()
            self._held.discard(held)

        stream.on_close.append(stop)

    async def _collect_stdin(self, stream: AdbStream, *, framed: bool) -> bytes:
        data = bytearray()
        buf = bytearray()
        while True:
            chunk = await stream.read()
            if not chunk:
                return bytes(data)
            if not framed:
                data += chunk
                continue
            buf += chunk
            while len(buf) >= 5:
                kind, length = buf[0], int.from_bytes(buf[1:5], "little")
                if len(buf) < 5 + length:
                    break
                payload = bytes(buf[5 : 5 + length])
                del buf[: 5 + length]
                if kind == ID_STDIN:
                    data += payload
                elif kind == ID_CLOSE_STDIN:
                    return bytes(data)

    async def _shell(self, stream: AdbStream, cmd: str, *, v2: bool) -> None:
        ctx = self.shell.session()
        if not cmd.strip():
            await self._interactive(stream, ctx, v2=v2)
            return
        stdin = await self._collect_stdin(stream, framed=True) if v2 and _wants_stdin(cmd) else b""
        result = self.shell.run(cmd, stdin, ctx)
        if result.held is not None:
            self._hold(stream, result.held)
        if v2:
            out = bytearray()
            if result.stdout:
                out += bytes([ID_STDOUT]) + len(result.stdout).to_bytes(4, "little") + result.stdout
            if result.stderr:
                out += bytes([ID_STDERR]) + len(result.stderr).to_bytes(4, "little") + result.stderr
            if result.held is not None:
                await stream.write(bytes(out))
                await self._until_closed(stream)
                return
            out += bytes([ID_EXIT]) + (1).to_bytes(4, "little") + bytes([result.rc & 0xFF])
            await stream.write(bytes(out))
        else:
            await stream.write(bytes(result.merged))
            if result.held is not None:
                await self._until_closed(stream)

    async def _until_closed(self, stream: AdbStream) -> None:
        while await stream.read():
            pass

    async def _exec(self, stream: AdbStream, cmd: str) -> None:
        stdin = await self._collect_stdin(stream, framed=False) if _wants_stdin(cmd) else b""
        result = self.shell.run(cmd, stdin)
        if result.held is not None:
            self._hold(stream, result.held)
        await stream.write(bytes(result.merged))
        if result.held is not None:
            await self._until_closed(stream)

    async def _abb(self, stream: AdbStream, name: str) -> None:
        head, _, rest = name.partition(":")
        argv = [a for a in rest.split("\x00") if a]
        if not argv:
            return
        out, err, rc = self.shell.exec_argv(self.shell.session(), ["cmd", *argv], b"")
        if head == "abb_exec":
            await stream.write(out + err)
            return
        frame = bytearray()
        for kind, payload in ((ID_STDOUT, out), (ID_STDERR, err)):
            if payload:
                frame += bytes([kind]) + len(payload).to_bytes(4, "little") + payload
        frame += bytes([ID_EXIT]) + (1).to_bytes(4, "little") + bytes([rc & 0xFF])
        await stream.write(bytes(frame))

    async def _interactive(self, stream: AdbStream, ctx: Ctx, *, v2: bool) -> None:
        prompt = b"sim:/ $ "

        def frame(kind: int, payload: bytes) -> bytes:
            return bytes([kind]) + len(payload).to_bytes(4, "little") + payload if v2 else payload

        await stream.write(frame(ID_STDOUT, prompt))
        line = bytearray()
        buf = bytearray()
        while True:
            chunk = await stream.read()
            if not chunk:
                return
            if v2:
                buf += chunk
                data = bytearray()
                while len(buf) >= 5 and len(buf) >= 5 + int.from_bytes(buf[1:5], "little"):
                    length = int.from_bytes(buf[1:5], "little")
                    if buf[0] == ID_STDIN:
                        data += buf[5 : 5 + length]
                    elif buf[0] == ID_CLOSE_STDIN:
                        data += b"\nexit\n"
                    del buf[: 5 + length]
            else:
                data = bytearray(chunk)
            for byte in data:
                if byte in (10, 13):
                    text = line.decode("utf-8", "replace").strip()
                    line.clear()
                    if text == "exit":
                        if v2:
                            await stream.write(frame(ID_EXIT, bytes([ctx.last_rc & 0xFF])))
                        return
                    if text:
                        res = self.shell.run(text, b"", ctx)
                        if res.held is not None:
                            res.held.stop()
                        await stream.write(
                            frame(ID_STDOUT, bytes(res.merged)) if res.merged else b""
                        )
                    await stream.write(frame(ID_STDOUT, prompt))
                else:
                    line.append(byte)


def _wants_stdin(cmd: str) -> bool:
    """Whether a command line starts by reading stdin (``cat > f``, ``md5sum``, ``sh``)."""
    try:
        tree = parse(cmd)
    except ShellSyntaxError:
        return False
    if not tree:
        return False
    first = tree[0][0][0][1][0]
    if any(r.op == "<" for r in first.redirs) or not first.words:
        return False
    words = ["".join(p[1] for p in w) for w in first.words]
    name = words[0].rsplit("/", 1)[-1]
    if name == "toybox" and len(words) > 1:
        words = words[1:]
        name = words[0]
    if name not in STDIN_READERS:
        return False
    operands = [w for w in words[1:] if not w.startswith("-") or w == "-"]
    return len(operands) <= (1 if name == "grep" else 0) or "-" in operands
