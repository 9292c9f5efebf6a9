"""The toybox commands of the simulated shell: echo, cat, grep, head, rm, ls, md5sum, ...

Each command takes the session, its argv and its stdin bytes and returns stdout, stderr and
an exit code, with toybox's messages (``md5sum: PATH: No such file or directory``).
"""

from __future__ import annotations

import re
import stat
import time

from droidpilot.device.sim.shell import CmdOut, CommandFn, Ctx, md5_hex
from droidpilot.device.sim.shell_fs import FsError

__all__ = ["BASIC_COMMANDS"]


def _path(ctx: Ctx, p: str) -> str:
    return ctx.fs.normalize(p, ctx.cwd)


def _echo(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    newline = True
    escapes = False
    while args and args[0] in ("-n", "-e", "-ne", "-en", "-E"):
        flag = args.pop(0)
        newline = newline and "n" not in flag
        escapes = escapes or "e" in flag
    text = " ".join(args)
    if escapes:
        text = text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
    return CmdOut(out=(text + ("\n" if newline else "")).encode())


def _cat(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    files = [a for a in argv[1:] if a != "-u"]
    if not files:
        return CmdOut(out=stdin)
    out, err, rc = bytearray(), bytearray(), 0
    for f in files:
        if f == "-":
            out += stdin
            continue
        try:
            out += ctx.fs.read(_path(ctx, f))
        except FsError as exc:
            err += f"cat: {f}: {exc}\n".encode()
            rc = 1
    return CmdOut(out=bytes(out), err=bytes(err), rc=rc)


def _inputs(
    ctx: Ctx, name: str, files: list[str], stdin: bytes
) -> tuple[list[tuple[str, bytes]], bytes, int]:
    if not files:
        return [("-", stdin)], b"", 0
    got, err, rc = [], bytearray(), 0
    for f in files:
        try:
            got.append((f, stdin if f == "-" else ctx.fs.read(_path(ctx, f))))
        except FsError as exc:
            err += f"{name}: {f}: {exc}\n".encode()
            rc = 2 if name == "grep" else 1
    return got, bytes(err), rc


def _grep(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    flags: set[str] = set()
    patterns: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-e" and i + 1 < len(args):
            patterns.append(args[i + 1])
            i += 2
            continue
        if a.startswith("-") and len(a) > 1 and not rest and not (patterns and a == "-"):
            flags.update(a[1:])
        else:
            rest.append(a)
        i += 1
    if not patterns:
        if not rest:
            return CmdOut(err=b"usage: grep [-EFHIabcdhilnoqrsvwxZz] PATTERN [FILE...]\n", rc=2)
        patterns.append(rest.pop(0))
    reflags = re.IGNORECASE if "i" in flags else 0
    regexes = []
    for p in patterns:
        src = re.escape(p) if "F" in flags else _bre_to_python(p, extended="E" in flags)
        if "w" in flags:
            src = rf"\b(?:{src})\b"
        if "x" in flags:
            src = rf"^(?:{src})$"
        try:
            regexes.append(re.compile(src, reflags))
        except re.error:
            return CmdOut(err=f"grep: bad regex '{p}'\n".encode(), rc=2)
    inputs, err, rc = _inputs(ctx, "grep", rest, stdin)
    out = bytearray()
    matched = 0
    for name, data in inputs:
        text = data.decode("utf-8", "surrogateescape")
        count = 0
        for n, line in enumerate(text.split("\n")[: -1 if text.endswith("\n") else None], 1):
            hit = any(r.search(line) for r in regexes)
            if hit != ("v" in flags):
                count += 1
                if "q" in flags or "c" in flags or "l" in flags:
                    continue
                prefix = f"{name}:" if len(inputs) > 1 else ""
                if "n" in flags:
                    prefix += f"{n}:"
                if "o" in flags and "v" not in flags:
                    for r in regexes:
                        for m in r.finditer(line):
                            out += (prefix + m.group(0) + "\n").encode("utf-8", "surrogateescape")
                else:
                    out += (prefix + line + "\n").encode("utf-8", "surrogateescape")
        matched += count
        if "c" in flags:
            out += (f"{name}:{count}\n" if len(inputs) > 1 else f"{count}\n").encode()
        elif "l" in flags and count:
            out += f"{name}\n".encode()
    if "q" in flags:
        out = bytearray()
    return CmdOut(out=bytes(out), err=err, rc=rc or (0 if matched else 1))


def _bre_to_python(p: str, *, extended: bool) -> str:
    if extended:
        return p
    # basic regex: \| \( \) \{ \} \+ \? are operators, bare ones are literal
    out = []
    i = 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p) and p[i + 1] in "|(){}+?":
            out.append(p[i + 1])
            i += 2
            continue
        if c in "|(){}+?":
            out.append("\\" + c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _head_tail(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    name = argv[0]
    n = 10
    files = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-n" and i + 1 < len(args):
            n = int(args[i + 1]) if args[i + 1].lstrip("-+").isdigit() else 10
            i += 2
            continue
        if re.fullmatch(r"-\d+", a):
            n = int(a[1:])
        elif a.startswith("-n") and a[2:].isdigit():
            n = int(a[2:])
        else:
            files.append(a)
        i += 1
    inputs, err, rc = _inputs(ctx, name, files, stdin)
    out = bytearray()
    for _fname, data in inputs:
        lines = data.splitlines(keepends=True)
        out += b"".join(lines[:n] if name == "head" else lines[-n:] if n else [])
    return CmdOut(out=bytes(out), err=err, rc=rc)


def _rm(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    force = recursive = False
    err, rc = bytearray(), 0
    for a in argv[1:]:
        if a.startswith("-") and len(a) > 1:
            force = force or "f" in a
            recursive = recursive or "r" in a or "R" in a
            continue
        try:
            ctx.fs.remove(_path(ctx, a), recursive=recursive)
        except FsError as exc:
            if force and str(exc).startswith("No such"):
                continue
            err += f"rm: {a}: {exc}\n".encode()
            rc = 1
    return CmdOut(err=bytes(err), rc=rc)


def _mkdir(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    err, rc = bytearray(), 0
    parents = "-p" in argv
    for a in argv[1:]:
        if a.startswith("-"):
            continue
        p = _path(ctx, a)
        if ctx.fs.exists(p) and not parents:
            err += f"mkdir: {a}: File exists\n".encode()
            rc = 1
            continue
        try:
            ctx.fs.mkdirs(p)
        except FsError as exc:
            err += f"mkdir: {a}: {exc}\n".encode()
            rc = 1
    return CmdOut(err=bytes(err), rc=rc)


def _touch(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    err, rc = bytearray(), 0
    for a in argv[1:]:
        if a.startswith("-"):
            continue
        try:
            ctx.fs.write(_path(ctx, a), b"", append=True)
        except FsError as exc:
            err += f"touch: {a}: {exc}\n".encode()
            rc = 1
    return CmdOut(err=bytes(err), rc=rc)


def _mode_string(mode: int) -> str:
    return stat.filemode(mode)


def _ls(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-") and len(a) > 1)
    targets = [a for a in argv[1:] if not (a.startswith("-") and len(a) > 1)] or ["."]
    out, err, rc = bytearray(), bytearray(), 0
    long = "l" in flags
    show_all = "a" in flags

    def line(name: str, mode: int, size: int, mtime: int) -> str:
        if not long:
            return name
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(mtime))
        owner = "shell" if not stat.S_ISDIR(mode) else "root"
        return f"{_mode_string(mode)} 1 {owner} shell {size:>8} {when} {name}"

    for t in targets:
        p = _path(ctx, t)
        node = ctx.fs.lookup(p)
        if node is None:
            err += f"ls: {t}: No such file or directory\n".encode()
            rc = 1
            continue
        if not node.is_dir or "d" in flags:
            out += (line(t, node.mode, node.size, node.mtime) + "\n").encode()
            continue
        if len(targets) > 1:
            out += f"{t}:\n".encode()
        entries = ctx.fs.listdir(p)
        if long:
            out += f"total {len(entries) * 8}\n".encode()
        if show_all:
            out += (line(".", node.mode, node.size, node.mtime) + "\n").encode()
            out += (line("..", node.mode, node.size, node.mtime) + "\n").encode()
        for name, child in entries:
            if name.startswith(".") and not show_all:
                continue
            out += (line(name, child.mode, child.size, child.mtime) + "\n").encode()
    return CmdOut(out=bytes(out), err=bytes(err), rc=rc)


def _md5sum(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    files = [a for a in argv[1:] if not a.startswith("-")]
    if not files:
        return CmdOut(out=f"{md5_hex(stdin)}  -\n".encode())
    out, err, rc = bytearray(), bytearray(), 0
    for f in files:
        p = _path(ctx, f)
        node = ctx.fs.lookup(p)
        if node is None:
            err += f"md5sum: {f}: No such file or directory\n".encode()
            rc = 1
            continue
        data = b"" if node.is_dir else bytes(node.data)
        out += f"{md5_hex(data)}  {f}\n".encode()
    return CmdOut(out=bytes(out), err=bytes(err), rc=rc)


def _wc(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    files = [a for a in argv[1:] if not a.startswith("-")]
    inputs, err, rc = _inputs(ctx, "wc", files, stdin)
    out = bytearray()
    for name, data in inputs:
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        shown = [counts[k] for k in "lwc" if k in flags] or [counts["l"], counts["w"], counts["c"]]
        cols = " ".join(str(c) for c in shown)
        out += (f"{cols} {name}\n" if name != "-" else f"{cols}\n").encode()
    return CmdOut(out=bytes(out), err=err, rc=rc)


def _cd(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    target = argv[1] if len(argv) > 1 else "/"
    p = _path(ctx, target)
    if not ctx.fs.is_dir(p):
        return CmdOut(
            err=f"/system/bin/sh: cd: {target}: No such file or directory\n".encode(), rc=2
        )
    ctx.cwd = p
    return CmdOut()


def _export(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    for a in argv[1:]:
        if "=" in a:
            k, v = a.split("=", 1)
            ctx.env[k] = v
    return CmdOut()


def _const(out: str = "", rc: int = 0) -> CommandFn:
    def fn(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
        return CmdOut(out=out.encode(), rc=rc)

    return fn


def _exit(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    rc = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else ctx.last_rc
    return CmdOut(rc=rc & 0xFF)


def _pwd(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    return CmdOut(out=(ctx.cwd + "\n").encode())


def _base64(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    import base64

    files = [a for a in argv[1:] if not a.startswith("-")]
    inputs, err, rc = _inputs(ctx, "base64", files, stdin)
    data = b"".join(d for _n, d in inputs)
    if "-d" in argv:
        try:
            return CmdOut(out=base64.b64decode(data), err=err, rc=rc)
        except ValueError:
            return CmdOut(err=b"base64: bad input\n", rc=1)
    return CmdOut(out=base64.b64encode(data) + b"\n", err=err, rc=rc)


def _ps(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    rows = ["USER           PID  PPID        VSZ    RSS WCHAN            ADDR S NAME"]
    fixed = [
        ("root", 1, 0, "init"),
        ("system", 419, 1, "surfaceflinger"),
        ("shell", 445, 1, "adbd"),
        ("system", 558, 369, "system_server"),
        ("u0_a167", 1167, 369, "com.android.systemui"),
    ]
    procs = list(fixed)
    for pkg in ctx.phone.packages()[:40]:
        procs.append((f"u0_a{100 + len(procs)}", 2000 + len(procs), 369, pkg))
    for pid, name in sorted(ctx.handset.processes.items()):
        procs.append(("shell", pid, 445, name))
    for user, pid, ppid, name in procs:
        rows.append(
            f"{user[:12]:<12} {pid:>6} {ppid:>5} {10857084:>10} {1600:>6} 0 {0:>19} S {name}"
        )
    return CmdOut(out=("\n".join(rows) + "\n").encode())


def _pidof(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    pids = [str(2000 + i) for i, p in enumerate(ctx.phone.packages()) if p in argv[1:]]
    pids += [str(pid) for pid, name in ctx.handset.processes.items() if name in argv[1:]]
    return CmdOut(out=(" ".join(pids) + "\n").encode() if pids else b"", rc=0 if pids else 1)


BASIC_COMMANDS: dict[str, CommandFn] = {
    "echo": _echo,
    "cat": _cat,
    "grep": _grep,
    "head": _head_tail,
    "tail": _head_tail,
    "rm": _rm,
    "mkdir": _mkdir,
    "touch": _touch,
    "ls": _ls,
    "md5sum": _md5sum,
    "wc": _wc,
    "cd": _cd,
    "export": _export,
    "true": _const(),
    ":": _const(),
    "false": _const(rc=1),
    "exit": _exit,
    "pwd": _pwd,
    "sleep": _const(),
    "sync": _const(),
    "id": _const(
        "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),"
        "1011(adb),1015(sdcard_rw),3003(inet) context=u:r:shell:s0\n"
    ),
    "whoami": _const("shell\n"),
    "uname": _const("Linux\n"),
    "base64": _base64,
    "ps": _ps,
    "pidof": _pidof,
}
