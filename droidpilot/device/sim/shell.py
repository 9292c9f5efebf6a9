"""The simulated phone's ``/system/bin/sh``: a small mksh that ``adb shell`` talks to.

It parses what adb clients send: ``;``, ``&&``, ``||``, ``|``, ``&``, newlines, single and
double quotes, backslashes, ``$?``, ``$VAR``/``${VAR}``, ``NAME=value`` prefixes, command
substitution (``$(...)`` and backticks: a client that forgets to quote typed text gets its
text *run*, as on a real phone), and redirections (``>``, ``>>``, ``<``, ``2>``, ``2>&1``,
``&>``) into the phone's :class:`~droidpilot.device.sim.shell_fs.VirtualFS`. No globbing,
no ``if``/``for``/functions/subshells: those print mksh's ``syntax error``.

The Android commands (``input``, ``uiautomator``, ``am``, ``dumpsys``, ...) live in
:mod:`droidpilot.device.sim.shell_android`; they act on a :class:`ShellPhone`, the small
protocol below that the simulated phone implements (and test stubs fake).
"""

from __future__ import annotations

import collections
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from droidpilot.device.sim.shell_fs import FsError, VirtualFS

__all__ = [
    "CommandFn",
    "Handset",
    "HeldProcess",
    "Row",
    "Shell",
    "ShellPhone",
    "ShellResult",
    "ShellSyntaxError",
]

logger = logging.getLogger(__name__)

SH = "/system/bin/sh"
Row = dict[str, "str | int | float | None"]


@runtime_checkable
class ShellPhone(Protocol):
    """What the Android commands need from a phone."""

    def screen_size(self) -> tuple[int, int]:
        """Physical (portrait) width and height in pixels."""
        ...

    def density(self) -> int: ...

    def locale(self) -> str:
        """``en-US`` or ``zh-CN``."""
        ...

    def hierarchy_xml(self, form: str) -> str | None:
        """The view tree as ``classic`` (``uiautomator dump``) or ``u2`` XML; ``None`` when
        the screen never went idle (a dump fault). Both count as an observation (toasts
        fade, spinners count down); ``query`` is the u2 form for selector lookups, which
        neither fails nor counts."""
        ...

    def screenshot_png(self) -> bytes: ...

    def tap(self, x: int, y: int) -> None: ...

    def long_press(self, x: int, y: int, ms: int) -> None: ...

    def swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None: ...

    def press_key(self, key: str) -> bool:
        """back, home, enter, app_switch, delete, tab, search, menu, ...; False if unknown."""
        ...

    def commit_text(self, text: str) -> bool:
        """Insert text into the focused field at the cursor; False when no field has focus."""
        ...

    def clear_text(self) -> bool: ...

    def focus(self) -> tuple[str, str]:
        """The package and full activity class name in front."""
        ...

    def keyboard_shown(self) -> bool: ...

    def launch(self, package: str, activity: str | None = None) -> str | None:
        """Bring an app to the front (its launcher activity unless named); the activity
        started, or ``None`` when there is no such package/activity."""
        ...

    def force_stop(self, package: str) -> None: ...

    def packages(self) -> Sequence[str]:
        """Installed packages, system apps included."""
        ...

    def query(self, uri: str) -> list[Row] | None:
        """Rows of a content provider URI, ``None`` for an unknown authority."""
        ...

    def get_clipboard(self) -> str: ...

    def set_clipboard(self, text: str) -> None: ...

    def now(self) -> float:
        """The phone's clock, epoch seconds."""
        ...


class HeldProcess(Protocol):
    """A long-running foreground process (``app_process`` of the uiautomator2 server)."""

    def stop(self) -> None: ...


class ShellSyntaxError(Exception):
    pass


@dataclass(slots=True)
class ShellResult:
    """What a command line did: stdout, stderr, both in order, the exit code."""

    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    merged: bytearray = field(default_factory=bytearray)
    rc: int = 0
    held: HeldProcess | None = None

    def out(self, data: bytes) -> None:
        self.stdout += data
        self.merged += data

    def err(self, data: bytes) -> None:
        self.stderr += data
        self.merged += data


@dataclass(slots=True)
class CmdOut:
    out: bytes = b""
    err: bytes = b""
    rc: int = 0


CommandFn = Callable[["Ctx", list[str], bytes], CmdOut]


class Handset:
    """The phone as the shell sees it: the phone, its files, properties, settings, IMEs,
    the TCP services started on it (``tcp:PORT`` goes there), and a log of commands run."""

    def __init__(self, phone: ShellPhone, *, serial: str, port: int = 0) -> None:
        self.phone = phone
        self.serial = serial
        self.port = port
        self.fs = VirtualFS(clock=phone.now)
        self.settings: dict[tuple[str, str], str] = {
            ("secure", "default_input_method"): "com.android.inputmethod.latin/.LatinIME",
            ("secure", "enabled_input_methods"): "com.android.inputmethod.latin/.LatinIME",
            ("system", "user_rotation"): "0",
            ("system", "screen_brightness"): "102",
            ("global", "airplane_mode_on"): "0",
            ("global", "wifi_on"): "1",
        }
        self.imes: list[str] = [
            "com.android.inputmethod.latin/.LatinIME",
            "com.android.adbkeyboard/.AdbIME",
        ]
        self.enabled_imes: set[str] = {"com.android.inputmethod.latin/.LatinIME"}
        # port -> async handler factory (see adbd); typed loosely to keep shell free of asyncio
        self.services: dict[int, object] = {}
        self.history: collections.deque[str] = collections.deque(maxlen=500)
        self.processes: dict[int, str] = {}
        self.props: dict[str, str] = {}
        self.launcher_activities: dict[str, str] = {}
        self._next_pid = 4000

    def new_pid(self, name: str) -> int:
        self._next_pid += 1
        self.processes[self._next_pid] = name
        return self._next_pid

    @property
    def current_ime(self) -> str:
        return self.settings[("secure", "default_input_method")]


@dataclass(slots=True)
class Ctx:
    """One shell session's state."""

    handset: Handset
    shell: Shell
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    last_rc: int = 0
    held: HeldProcess | None = None
    depth: int = 0

    @property
    def fs(self) -> VirtualFS:
        return self.handset.fs

    @property
    def phone(self) -> ShellPhone:
        return self.handset.phone


# ---------------------------------------------------------------------------- parsing

# A word is a list of parts: ("lit", text, quoted), ("var", name, quoted), ("sub", src, quoted)
Part = tuple[str, str, bool]
Word = list[Part]


@dataclass(slots=True)
class Redir:
    fd: int
    op: str  # ">", ">>", "<", ">&"
    target: Word


@dataclass(slots=True)
class Simple:
    assigns: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirs: list[Redir] = field(default_factory=list)


Pipeline = list[Simple]
AndOr = list[tuple[str, Pipeline]]  # ("", first), ("&&", next), ("||", next)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
_META = set(" \t\n;&|<>()")


class _Parser:
    def __init__(self, src: str) -> None:
        self.s = src
        self.i = 0

    def error(self, what: str) -> ShellSyntaxError:
        return ShellSyntaxError(f"syntax error: '{what}' unexpected")

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def skip_blanks(self) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and self.peek(2) == "\\\n":
                self.i += 2
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                break

    def parse(self) -> list[tuple[AndOr, bool]]:
        out: list[tuple[AndOr, bool]] = []
        while True:
            self.skip_blanks()
            while self.peek() and self.peek() in ";\n":
                self.i += 1
                self.skip_blanks()
            if self.i >= len(self.s):
                return out
            andor = self.parse_andor()
            self.skip_blanks()
            bg = False
            c = self.peek()
            if c == "&" and self.peek(2) != "&&":
                bg = True
                self.i += 1
            elif c in (";", "\n"):
                self.i += 1
            elif c:
                raise self.error(c)
            out.append((andor, bg))

    def parse_andor(self) -> AndOr:
        items: AndOr = [("", self.parse_pipeline())]
        while True:
            self.skip_blanks()
            op = self.peek(2)
            if op not in ("&&", "||"):
                return items
            self.i += 2
            self.skip_blanks()
            while self.peek() == "\n":
                self.i += 1
                self.skip_blanks()
            items.append((op, self.parse_pipeline()))

    def parse_pipeline(self) -> Pipeline:
        cmds = [self.parse_simple()]
        while True:
            self.skip_blanks()
            if self.peek() == "|" and self.peek(2) != "||":
                self.i += 1
                self.skip_blanks()
                cmds.append(self.parse_simple())
            else:
                return cmds

    def parse_simple(self) -> Simple:
        cmd = Simple()
        while True:
            self.skip_blanks()
            c = self.peek()
            if not c or c in ";\n|" or (c == "&" and self.peek(2) != "&>"):
                break
            if c in "()":
                raise self.error(c)
            redir = self.try_redir()
            if redir is not None:
                cmd.redirs.append(redir)
                continue
            start = self.i
            word = self.parse_word()
            raw = self.s[start : self.i]
            m = _ASSIGN.match(raw)
            if not cmd.words and m:
                name = m.group(1)
                # drop the "NAME=" prefix from the first literal part
                first = word[0]
                rest = first[1][len(name) + 1 :]
                value: Word = ([("lit", rest, first[2])] if rest else []) + word[1:]
                cmd.assigns.append((name, value))
            else:
                cmd.words.append(word)
        if not cmd.words and not cmd.assigns and not cmd.redirs:
            raise self.error(self.peek() or "newline")
        return cmd

    def try_redir(self) -> Redir | None:
        s, i = self.s, self.i
        fd = -1
        j = i
        if j < len(s) and s[j].isdigit() and j + 1 < len(s) and s[j + 1] in "<>":
            fd = int(s[j])
            j += 1
        if s.startswith("&>", j):
            self.i = j + 2
            self.skip_blanks()
            return Redir(fd=-2, op=">", target=self.parse_word())
        if j >= len(s) or s[j] not in "<>":
            return None
        if s.startswith(">>", j):
            op, j = ">>", j + 2
        elif s.startswith(">&", j):
            op, j = ">&", j + 2
        elif s.startswith("<", j):
            op, j = "<", j + 1
        else:
            op, j = ">", j + 1
        if fd < 0:
            fd = 0 if op == "<" else 1
        self.i = j
        self.skip_blanks()
        if not self.peek() or self.peek() in ";\n|&":
            raise self.error(self.peek() or "newline")
        return Redir(fd=fd, op=op, target=self.parse_word())

    def parse_word(self) -> Word:
        parts: Word = []
        buf: list[str] = []

        def flush(quoted: bool) -> None:
            if buf:
                parts.append(("lit", "".join(buf), quoted))
                buf.clear()

        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in _META:
                break
            if c == "\\":
                if self.i + 1 < len(s):
                    nxt = s[self.i + 1]
                    self.i += 2
                    if nxt != "\n":
                        flush(False)
                        buf.append(nxt)
                        flush(True)
                    continue
                self.i += 1
                buf.append("\\")
                continue
            if c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise ShellSyntaxError("no closing quote")
                flush(False)
                parts.append(("lit", s[self.i + 1 : end], True))
                self.i = end + 1
                continue
            if c == '"':
                flush(False)
                self.i += 1
                self.parse_dquoted(parts)
                continue
            if c == "$" or c == "`":
                flush(False)
                self.parse_dollar(parts, quoted=False)
                continue
            buf.append(c)
            self.i += 1
        flush(False)
        if not parts:
            raise self.error(self.peek() or "newline")
        return parts

    def parse_dquoted(self, parts: Word) -> None:
        s = self.s
        buf: list[str] = []
        had_any = False
        while True:
            if self.i >= len(s):
                raise ShellSyntaxError("no closing quote")
            c = s[self.i]
            if c == '"':
                self.i += 1
                break
            if c == "\\" and self.i + 1 < len(s) and s[self.i + 1] in '$`"\\\n':
                if s[self.i + 1] != "\n":
                    buf.append(s[self.i + 1])
                self.i += 2
                continue
            if c in "$`":
                if buf:
                    parts.append(("lit", "".join(buf), True))
                    buf.clear()
                had_any = True
                self.parse_dollar(parts, quoted=True)
                continue
            buf.append(c)
            self.i += 1
        if buf or not had_any:
            parts.append(("lit", "".join(buf), True))

    def parse_dollar(self, parts: Word, *, quoted: bool) -> None:
        s = self.s
        if s[self.i] == "`":
            end = self.i + 1
            while end < len(s) and s[end] != "`":
                end += 2 if s[end] == "\\" else 1
            if end >= len(s):
                raise ShellSyntaxError("no closing quote")
            parts.append(("sub", s[self.i + 1 : end], quoted))
            self.i = end + 1
            return
        nxt = s[self.i + 1 : self.i + 2]
        if nxt == "(":
            depth, j = 1, self.i + 2
            in_s = in_d = False
            while j < len(s) and depth:
                ch = s[j]
                if ch == "'" and not in_d:
                    in_s = not in_s
                elif ch == '"' and not in_s:
                    in_d = not in_d
                elif ch == "\\" and not in_s:
                    j += 1
                elif not in_s and not in_d:
                    depth += {"(": 1, ")": -1}.get(ch, 0)
                j += 1
            if depth:
                raise ShellSyntaxError("no closing quote")
            parts.append(("sub", s[self.i + 2 : j - 1], quoted))
            self.i = j
            return
        if nxt == "{":
            end = s.find("}", self.i + 2)
            if end < 0:
                raise ShellSyntaxError("${: bad substitution")
            parts.append(("var", s[self.i + 2 : end], quoted))
            self.i = end + 1
            return
        if nxt and nxt in "?$#!0":
            parts.append(("var", nxt, quoted))
            self.i += 2
            return
        m = _NAME.match(s, self.i + 1)
        if m:
            parts.append(("var", m.group(0), quoted))
            self.i = m.end()
            return
        parts.append(("lit", "$", quoted))
        self.i += 1


def parse(src: str) -> list[tuple[AndOr, bool]]:
    """Parse a command line; raises :class:`ShellSyntaxError`."""
    return _Parser(src).parse()


# ---------------------------------------------------------------------------- running


class Shell:
    """Runs command lines on one :class:`Handset`."""

    def __init__(self, handset: Handset) -> None:
        from droidpilot.device.sim.shell_android import ANDROID_COMMANDS
        from droidpilot.device.sim.shell_basic import BASIC_COMMANDS

        self.handset = handset
        self.commands: dict[str, CommandFn] = {**BASIC_COMMANDS, **ANDROID_COMMANDS}

    def session(self) -> Ctx:
        return Ctx(handset=self.handset, shell=self)

    def run(self, line: str, stdin: bytes = b"", ctx: Ctx | None = None) -> ShellResult:
        """Run one command line to completion."""
        ctx = ctx or self.session()
        result = ShellResult()
        self.handset.history.append(line)
        try:
            tree = parse(line)
        except ShellSyntaxError as exc:
            result.err(f"{SH}: {exc}\n".encode())
            result.rc = ctx.last_rc = 1
            return result
        stdin_left = stdin
        for andor, background in tree:
            rc = ctx.last_rc
            for op, pipeline in andor:
                if (op == "&&" and rc != 0) or (op == "||" and rc == 0):
                    continue
                rc = self._pipeline(ctx, pipeline, stdin_left, result)
                stdin_left = b""
                ctx.last_rc = rc
            if background:
                ctx.last_rc = 0
                if ctx.held is not None:  # a background server keeps running, detached
                    ctx.held = None
        result.rc = ctx.last_rc
        result.held, ctx.held = ctx.held, None
        return result

    def _pipeline(self, ctx: Ctx, pipeline: Pipeline, stdin: bytes, result: ShellResult) -> int:
        data = stdin
        rc = 0
        for idx, simple in enumerate(pipeline):
            last = idx == len(pipeline) - 1
            out, err, rc = self._simple(ctx, simple, data)
            if err:
                result.err(err)
            if last:
                if out:
                    result.out(out)
            else:
                data = out
        return rc

    # ----------------------------------------------------------------- one command

    def _simple(self, ctx: Ctx, cmd: Simple, stdin: bytes) -> tuple[bytes, bytes, int]:
        err_extra = bytearray()
        argv: list[str] = []
        for w in cmd.words:
            argv.extend(self.expand(ctx, w, err_extra))
        env = dict(ctx.env)
        for name, value in cmd.assigns:
            env[name] = "".join(self.expand(ctx, value, err_extra, split=False))
        if not argv:
            ctx.env = env
        # redirections: resolve targets
        fds: dict[int, tuple[str, str, bool]] = {1: ("out", "", False), 2: ("err", "", False)}
        for r in cmd.redirs:
            target = "".join(self.expand(ctx, r.target, err_extra, split=False))
            if r.op == "<":
                try:
                    stdin = ctx.fs.read(ctx.fs.normalize(target, ctx.cwd))
                except FsError as exc:
                    return b"", bytes(err_extra) + f"{SH}: can't open {target}: {exc}\n".encode(), 1
            elif r.op == ">&":
                if target in ("1", "2"):
                    fds[r.fd] = fds[int(target)]
                elif target == "-":
                    fds[r.fd] = ("null", "", False)
                else:
                    return b"", f"{SH}: {target}: illegal file descriptor name\n".encode(), 1
            else:
                path = "/dev/null" if target == "/dev/null" else ctx.fs.normalize(target, ctx.cwd)
                spec = ("null", "", False) if path == "/dev/null" else ("file", path, r.op == ">>")
                if spec[0] == "file" and not spec[2]:
                    try:
                        ctx.fs.write(path, b"")
                    except FsError as exc:
                        return b"", f"{SH}: can't create {target}: {exc}\n".encode(), 1
                if r.fd == -2:
                    fds[1] = fds[2] = spec
                else:
                    fds[r.fd] = spec
        if argv:
            out, err, rc = self.exec_argv(ctx, argv, stdin, env)
        else:
            out, err, rc = b"", b"", 0
        err = bytes(err_extra) + err
        # route the two streams
        routed = {"out": bytearray(), "err": bytearray()}
        for fd, data in ((1, out), (2, err)):
            if not data:
                continue
            kind, path, _append = fds.get(fd, ("out", "", False))
            if kind in routed:
                routed[kind] += data
            elif kind == "file":
                try:
                    ctx.fs.write(path, data, append=True)
                except FsError as exc:
                    routed["err"] += f"{SH}: can't create {path}: {exc}\n".encode()
        return bytes(routed["out"]), bytes(routed["err"]), rc

    def exec_argv(
        self, ctx: Ctx, argv: list[str], stdin: bytes, env: dict[str, str] | None = None
    ) -> tuple[bytes, bytes, int]:
        name = argv[0]
        base = name.rsplit("/", 1)[-1] if name.startswith(("/system/bin/", "/bin/")) else name
        if base == "toybox" and len(argv) > 1:
            argv = argv[1:]
            base = argv[0]
        fn = self.commands.get(base)
        if fn is None:
            return b"", f"{SH}: {name}: not found\n".encode(), 127
        saved = ctx.env
        if env is not None:
            ctx.env = env
        try:
            res = fn(ctx, [base, *argv[1:]], stdin)
        except Exception:  # a bug in a command must not take the phone down
            logger.exception("shell command %r failed", argv[:3])
            res = CmdOut(err=f"{base}: internal error\n".encode(), rc=1)
        finally:
            if env is not None:
                ctx.env = saved
        return res.out, res.err, res.rc

    def expand(self, ctx: Ctx, word: Word, err: bytearray, *, split: bool = True) -> list[str]:
        """A word's fields after parameter and command substitution and field splitting."""
        fields: list[str] = []
        cur: str | None = None
        for kind, text, quoted in word:
            if kind == "lit":
                cur = (cur or "") + text
                continue
            value = self._param(ctx, text) if kind == "var" else self._substitute(ctx, text, err)
            if quoted or not split:
                cur = (cur or "") + value
                continue
            pieces = value.split()
            if value[:1].isspace() and cur is not None:
                fields.append(cur)
                cur = None
            for k, piece in enumerate(pieces):
                if k == 0:
                    cur = (cur or "") + piece
                else:
                    assert cur is not None
                    fields.append(cur)
                    cur = piece
            if pieces and value[-1:].isspace():
                assert cur is not None
                fields.append(cur)
                cur = None
        if cur is not None:
            fields.append(cur)
        return fields

    def _param(self, ctx: Ctx, name: str) -> str:
        if name == "?":
            return str(ctx.last_rc)
        if name == "$":
            return "4242"
        if name in ("#", "!"):
            return "0"
        if name == "0":
            return SH
        return ctx.env.get(name, _DEFAULT_ENV.get(name, ""))

    def _substitute(self, ctx: Ctx, src: str, err: bytearray) -> str:
        if ctx.depth > 8:
            return ""
        sub = Ctx(
            handset=ctx.handset, shell=self, env=dict(ctx.env), cwd=ctx.cwd, depth=ctx.depth + 1
        )
        res = self.run(src, ctx=sub)
        err += res.stderr
        ctx.last_rc = res.rc
        if res.held is not None:
            res.held.stop()
        return res.stdout.decode("utf-8", "replace").rstrip("\n")


_DEFAULT_ENV = {
    "PATH": "/product/bin:/apex/com.android.runtime/bin:/apex/com.android.art/bin:"
    "/system_ext/bin:/system/bin:/system/xbin:/odm/bin:/vendor/bin:/vendor/xbin",
    "HOME": "/",
    "USER": "shell",
    "SHELL": "/bin/sh",
    "HOSTNAME": "emu64xa",
    "EXTERNAL_STORAGE": "/sdcard",
    "ANDROID_DATA": "/data",
    "ANDROID_ROOT": "/system",
    "TMPDIR": "/data/local/tmp",
}


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
