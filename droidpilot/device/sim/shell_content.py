"""``content query`` of the simulated shell: rows of the apps' data and of the settings, in
the ``Row: N col=value, ...`` format of AOSP's ``content`` tool (``--projection``,
``--where`` with ``=``/``!=``/``<``/``>``/``LIKE`` joined by ``AND``, ``--sort``)."""

from __future__ import annotations

import contextlib
import re

from droidpilot.device.sim.shell import CmdOut, Ctx, Row

__all__ = ["content_cmd"]


def content_cmd(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    if not args or args[0] != "query":
        if args and args[0] in ("insert", "update", "delete", "call"):
            return CmdOut(
                err=b"Error while accessing provider: read-only simulated provider\n", rc=1
            )
        return CmdOut(out=b"usage: adb shell content [subcommand] [options]\n")
    opts: dict[str, str] = {}
    i = 1
    while i < len(args):
        if args[i] in ("--uri", "--projection", "--where", "--sort", "--user") and i + 1 < len(
            args
        ):
            opts[args[i]] = args[i + 1]
            i += 2
        else:
            i += 1
    uri = opts.get("--uri", "")
    if not uri:
        return CmdOut(err=b"Error: Content provider URI not specified\n", rc=1)
    if uri.startswith("content://settings/"):
        ns = uri.removeprefix("content://settings/").strip("/")
        items = sorted((k, v) for (n, k), v in ctx.handset.settings.items() if n == ns)
        rows: list[Row] | None = [
            {"_id": i + 1, "name": k, "value": v} for i, (k, v) in enumerate(items)
        ]
    else:
        rows = ctx.phone.query(uri)
    if rows is None:
        authority = uri.removeprefix("content://").split("/", 1)[0]
        return CmdOut(
            err=(
                f"Error while accessing provider:{authority}\njava.lang.IllegalArgumentException: "
                f"Unknown authority {authority}\n"
            ).encode(),
            rc=1,
        )
    if "--where" in opts:
        rows = [r for r in rows if _where(r, opts["--where"])]
    if "--sort" in opts:
        key, _, order = opts["--sort"].partition(" ")
        rows = sorted(
            rows, key=lambda r: _sort_key(r.get(key)), reverse=order.strip().upper() == "DESC"
        )
    if not rows:
        return CmdOut(out=b"No result found.\n")
    cols = opts["--projection"].split(":") if "--projection" in opts else None
    lines = []
    for n, row in enumerate(rows):
        keys = cols if cols is not None else list(row)
        parts = [f"{k}={_render(row.get(k))}" for k in keys]
        lines.append(f"Row: {n} " + ", ".join(parts))
    return CmdOut(out=("\n".join(lines) + "\n").encode())


def _sort_key(v: str | int | float | None) -> tuple[int, float, str]:
    """Comparable across types: NULLs last, numbers by value, strings by text."""
    if v is None:
        return (2, 0.0, "")
    if isinstance(v, int | float):
        return (0, float(v), "")
    return (1, 0.0, str(v))


def _render(v: str | int | float | None) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(int(v))
    return str(v)


_COND = re.compile(r"^\s*(\w+)\s*(=|==|!=|<>|>=|<=|>|<|\bLIKE\b)\s*(.+?)\s*$", re.IGNORECASE)


def _where(row: Row, clause: str) -> bool:
    for cond in re.split(r"\s+AND\s+", clause, flags=re.IGNORECASE):
        m = _COND.match(cond)
        if not m:
            return False
        col, op, raw = m.group(1), m.group(2).upper(), m.group(3)
        value: str = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else raw
        have = row.get(col)
        if op == "LIKE":
            pattern = "^" + re.escape(value).replace("%", ".*").replace("_", ".") + "$"
            if not re.match(pattern, _render(have), re.IGNORECASE):
                return False
            continue
        left, right = _sort_key(have), _sort_key(value)
        if isinstance(have, int | float):
            with contextlib.suppress(ValueError):
                right = _sort_key(float(value))
        ok = {
            "=": left == right,
            "==": left == right,
            "!=": left != right,
            "<>": left != right,
            ">": left > right,
            "<": left < right,
            ">=": left >= right,
            "<=": left <= right,
        }[op]
        if not ok:
            return False
    return True
