"""The Android commands of the simulated shell, with real output formats.

Formats follow ``../shared/reference/android-shell.md`` (an Android 14 emulator, API 34),
with one deliberate difference: ``dumpsys window windows`` also carries the
``mCurrentFocus=``/``mFocusedApp=`` lines (as Android <= 9 and the full ``dumpsys window``
do), so both old and new client parsers find the focused app.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import io
import re

from droidpilot.device.sim.shell import CmdOut, CommandFn, Ctx, Handset
from droidpilot.device.sim.shell_content import content_cmd
from droidpilot.device.sim.shell_fs import FsError

__all__ = ["ADB_KEYBOARD", "ANDROID_COMMANDS", "KEYCODES", "build_props", "short_activity"]

ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"

#: key code -> (KEYCODE_ name, the phone's key name or "" when the phone ignores it)
KEYCODES: dict[int, tuple[str, str]] = {
    3: ("HOME", "home"),
    4: ("BACK", "back"),
    19: ("DPAD_UP", "up"),
    20: ("DPAD_DOWN", "down"),
    21: ("DPAD_LEFT", "left"),
    22: ("DPAD_RIGHT", "right"),
    23: ("DPAD_CENTER", "enter"),
    24: ("VOLUME_UP", ""),
    25: ("VOLUME_DOWN", ""),
    26: ("POWER", "power"),
    61: ("TAB", "tab"),
    62: ("SPACE", "space"),
    66: ("ENTER", "enter"),
    67: ("DEL", "delete"),
    82: ("MENU", "menu"),
    84: ("SEARCH", "search"),
    111: ("ESCAPE", "back"),
    112: ("FORWARD_DEL", "forward_delete"),
    122: ("MOVE_HOME", "move_home"),
    123: ("MOVE_END", "move_end"),
    164: ("VOLUME_MUTE", ""),
    187: ("APP_SWITCH", "app_switch"),
    223: ("SLEEP", ""),
    224: ("WAKEUP", ""),
    277: ("CUT", ""),
    278: ("COPY", ""),
    279: ("PASTE", "paste"),
}
_KEY_BY_NAME = {name: code for code, (name, _k) in KEYCODES.items()}

_TRACE = "\tat com.android.server.input.InputShellCommand.onCommand(InputShellCommand.java:283)\n"


def _hash(*parts: object) -> str:
    return hashlib.md5(repr(parts).encode()).hexdigest()[:7]


def short_activity(package: str, activity: str) -> str:
    return activity[len(package) :] if activity.startswith(package + ".") else activity


def build_props(handset: Handset) -> dict[str, str]:
    width, height = handset.phone.screen_size()
    serial = handset.serial
    base = {
        "ro.build.version.release": "14",
        "ro.build.version.release_or_codename": "14",
        "ro.build.version.sdk": "34",
        "ro.build.version.codename": "REL",
        "ro.build.version.security_patch": "2023-09-05",
        "ro.build.id": "UE1A.230829.050",
        "ro.build.type": "userdebug",
        "ro.build.tags": "dev-keys",
        "ro.build.characteristics": "emulator",
        "ro.build.fingerprint": "droidpilot/droidpilot_sim/sim:14/UE1A.230829.050/1:userdebug/dev-keys",  # noqa: E501
        "ro.product.brand": "droidpilot",
        "ro.product.manufacturer": "droidpilot",
        "ro.product.model": "DroidpilotSim",
        "ro.product.name": "droidpilot_sim",
        "ro.product.device": "sim",
        "ro.product.cpu.abi": "x86_64",
        "ro.product.cpu.abilist": "x86_64,arm64-v8a",
        "ro.product.locale": handset.phone.locale(),
        "persist.sys.locale": handset.phone.locale(),
        "persist.sys.timezone": "UTC",
        "ro.serialno": serial,
        "ro.boot.serialno": serial,
        "ro.secure": "1",
        "ro.debuggable": "1",
        "ro.adb.secure": "0",
        "ro.sf.lcd_density": str(handset.phone.density()),
        "qemu.sf.lcd_density": str(handset.phone.density()),
        "sys.boot_completed": "1",
        "dev.bootcomplete": "1",
        "init.svc.adbd": "running",
        "sys.usb.config": "adb",
        "sys.usb.state": "adb",
        "ro.hardware": "ranchu",
        "gsm.operator.alpha": "droidpilot",
        "service.adb.tcp.port": str(handset.port or 5555),
        "droidpilot.screen.size": f"{width}x{height}",
    }
    base.update(handset.props)
    return base


def _java_error(sub: str, exc: str, msg: str) -> CmdOut:
    text = f"\nException occurred while executing '{sub}':\n{exc}: {msg}\n{_TRACE}"
    return CmdOut(err=text.encode(), rc=255)


# ---------------------------------------------------------------------------- input


def _num(v: str) -> int:
    return round(float(v))


def _input(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    sources = {
        "keyboard",
        "touchscreen",
        "mouse",
        "touchpad",
        "dpad",
        "stylus",
        "trackball",
        "gamepad",
        "joystick",
        "touchnavigation",
        "rotaryencoder",
    }
    if args and args[0] in sources:
        args = args[1:]
    if len(args) >= 2 and args[0] == "-d":
        args = args[2:]
    if not args or args[0] in ("help", "-h"):
        return CmdOut(out=b"Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]\n")
    sub, rest = args[0], args[1:]
    phone = ctx.phone
    try:
        match sub:
            case "tap":
                if len(rest) < 2:
                    raise ValueError
                phone.tap(_num(rest[0]), _num(rest[1]))
            case "swipe" | "draganddrop":
                if len(rest) < 4:
                    raise ValueError
                x1, y1, x2, y2 = (_num(v) for v in rest[:4])
                ms = int(rest[4]) if len(rest) > 4 else 300
                if (x1, y1) == (x2, y2) and ms >= 400:
                    phone.long_press(x1, y1, ms)
                else:
                    phone.swipe(x1, y1, x2, y2, ms)
            case "text":
                if not rest:
                    return _java_error(
                        "text",
                        "java.lang.IllegalArgumentException",
                        'Argument expected after "text"',
                    )
                text = rest[0].replace("%s", " ")
                if any(ord(c) > 126 or (ord(c) < 32 and c not in "\n\t") for c in text):
                    return _java_error(
                        "text",
                        "java.lang.NullPointerException",
                        "Attempt to get length of null array",
                    )
                for i, chunk in enumerate(text.split("\n")):
                    if i:
                        phone.press_key("enter")
                    if chunk:
                        phone.commit_text(chunk)
            case "keyevent" | "keycombination":
                keys = [k for k in rest if not k.startswith("--")]
                if not keys:
                    raise ValueError
                for k in keys:
                    code = _keycode(k)
                    if code is None:
                        return _java_error(
                            sub,
                            "java.lang.IllegalArgumentException",
                            f"Error: Unknown keycode: {k}",
                        )
                    name = KEYCODES.get(code, ("", ""))[1]
                    if name == "space":
                        phone.commit_text(" ")
                    elif name:
                        phone.press_key(name)
            case "press" | "roll" | "motionevent" | "scroll":
                pass
            case _:
                return CmdOut(out=f"Unknown command: {sub}\n".encode())
    except ValueError:
        return _java_error(
            sub,
            "java.lang.IllegalArgumentException",
            f"Error: Invalid arguments for command: {sub}",
        )
    return CmdOut()


def _keycode(k: str) -> int | None:
    if k.isdigit():
        return int(k)
    name = k.upper().removeprefix("KEYCODE_")
    return _KEY_BY_NAME.get(name)


# ---------------------------------------------------------------------------- screen


def _uiautomator(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    if not args or args[0] != "dump":
        usage = (
            "Usage: uiautomator <subcommand> [options]\n\nAvailable subcommands:\n\n"
            "help: displays help message\n\nruntest: executes UI automation tests\n\n"
            "dump: creates an XML dump of current UI hierarchy\n\nevents: prints out accessibility events\n"  # noqa: E501
        )
        return CmdOut(out=usage.encode(), rc=0 if args and args[0] == "help" else 1)
    files = [a for a in args[1:] if not a.startswith("--")]
    target = files[0] if files else "/sdcard/window_dump.xml"
    xml = ctx.phone.hierarchy_xml("classic")
    if xml is None:
        return CmdOut(err=b"ERROR: could not get idle state.\n")
    if target == "/dev/tty":
        return CmdOut(out=xml.encode() + b"UI hierchary dumped to: /dev/tty\n")
    path = ctx.fs.normalize(target, ctx.cwd)
    try:
        ctx.fs.write(path, xml.encode())
    except FsError as exc:
        return CmdOut(err=f"java.io.FileNotFoundException: {path}: open failed: {exc}\n".encode())
    return CmdOut(out=f"UI hierchary dumped to: {target}\n".encode())


def _screencap(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    png_flag = False
    files: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-p":
            png_flag = True
        elif a == "-d":
            i += 1
        elif a in ("-h", "--help") or (a.startswith("-") and a != "-"):
            usage = (
                "usage: screencap [-hp] [-d display-id] [FILENAME]\n   -h: this message\n"
                "   -p: save the file as a png.\n   -d: specify the physical display ID to capture"
                ' (default: 4619827259835644672)\n       see "dumpsys SurfaceFlinger --display-id"'
                " for valid display IDs.\nIf FILENAME ends with .png it will be saved as a png.\n"
                "If FILENAME is not given, the results will be printed to stdout.\n"
            )
            return CmdOut(err=usage.encode(), rc=0 if a == "-h" else 1)
        else:
            files.append(a)
        i += 1
    png = ctx.phone.screenshot_png()
    if files:
        data = png if (png_flag or files[0].endswith(".png")) else _raw(png)
        try:
            ctx.fs.write(ctx.fs.normalize(files[0], ctx.cwd), data)
        except FsError as exc:
            return CmdOut(err=f"Error opening file: {files[0]} ({exc})\n".encode(), rc=1)
        return CmdOut()
    return CmdOut(out=png if png_flag else _raw(png))


def _raw(png: bytes) -> bytes:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGBA")
    header = img.width.to_bytes(4, "little") + img.height.to_bytes(4, "little")
    return header + (1).to_bytes(4, "little") + (0).to_bytes(4, "little") + img.tobytes()


# ---------------------------------------------------------------------------- am / monkey


def _intent_args(args: list[str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    opts: dict[str, str] = {}
    extras: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    takes_one = {
        "-a",
        "-c",
        "-d",
        "-t",
        "-n",
        "-p",
        "-f",
        "--user",
        "-e",
        "--es",
        "--ei",
        "--el",
        "--ez",
        "--ef",
        "--eia",
        "--esa",
        "--eu",
    }
    while i < len(args):
        a = args[i]
        if a in ("-e", "--es", "--ei", "--el", "--ez", "--ef", "--eia", "--esa", "--eu"):
            if i + 2 < len(args) + 1 and i + 1 < len(args):
                key = args[i + 1]
                extras[key] = args[i + 2] if i + 2 < len(args) else ""
            i += 3
            continue
        if a == "--esn":
            if i + 1 < len(args):
                extras[args[i + 1]] = ""
            i += 2
            continue
        if a in takes_one:
            opts[a] = args[i + 1] if i + 1 < len(args) else ""
            i += 2
            continue
        if a.startswith("-"):
            opts[a] = ""
        else:
            positional.append(a)
        i += 1
    return opts, extras, positional


def _intent_string(
    opts: dict[str, str], extras: dict[str, str], positional: list[str], *, flg: str = ""
) -> str:
    fields = []
    if "-a" in opts:
        fields.append(f"act={opts['-a']}")
    if "-c" in opts:
        fields.append(f"cat=[{opts['-c']}]")
    data = opts.get("-d") or (positional[0] if positional and "://" in positional[0] else "")
    if data:
        scheme, _, rest = data.partition("://")
        host = rest.split("/", 1)[0]
        fields.append(f"dat={scheme}://{host}/..." if rest else f"dat={data}")
    if flg:
        fields.append(f"flg={flg}")
    if "-p" in opts:
        fields.append(f"pkg={opts['-p']}")
    elif positional and "://" not in positional[0]:
        fields.append(f"pkg={positional[0]}")
    if "-n" in opts:
        fields.append(f"cmp={opts['-n']}")
    if extras:
        fields.append("(has extras)")
    return "Intent { " + " ".join(fields) + " }"


def _am(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    if len(argv) < 2:
        return CmdOut(
            out=b"Activity manager (activity) commands:\n  help\n  start [options] INTENT\n"
        )
    sub, args = argv[1], argv[2:]
    phone = ctx.phone
    match sub:
        case "start" | "start-activity":
            opts, extras, positional = _intent_args(args)
            intent = _intent_string(opts, extras, positional)
            out = []
            comp = opts.get("-n", "")
            if "-S" in opts and comp:
                pkg = comp.split("/", 1)[0]
                phone.force_stop(pkg)
                out.append(f"Stopping: {pkg}")
            out.append(f"Starting: {intent}")
            if comp:
                if "/" not in comp:
                    return _java_error(
                        "start", "java.lang.IllegalArgumentException", f"Bad component name: {comp}"
                    )
                pkg, act = comp.split("/", 1)
                full = pkg + act if act.startswith(".") else act
                if phone.launch(pkg, full) is None:
                    err = f"Error type 3\nError: Activity class {{{pkg}/{full}}} does not exist.\n"
                    return CmdOut(out=("\n".join(out) + "\n").encode(), err=err.encode(), rc=1)
            elif "-p" in opts and phone.launch(opts["-p"]) is not None:
                pass
            else:
                err = f"Error: Activity not started, unable to resolve {intent}\n"
                return CmdOut(out=("\n".join(out) + "\n").encode(), err=err.encode(), rc=1)
            if "-W" in opts:
                pkg_, act_ = phone.focus()
                out += [
                    "Status: ok",
                    "LaunchState: COLD",
                    f"Activity: {pkg_}/{short_activity(pkg_, act_)}",
                    "TotalTime: 120",
                    "WaitTime: 125",
                    "Complete",
                ]
            return CmdOut(out=("\n".join(out) + "\n").encode())
        case "force-stop" | "kill":
            if not args:
                return _java_error(
                    sub, "java.lang.IllegalArgumentException", f'Argument expected after "{sub}"'
                )
            phone.force_stop(args[-1])
            return CmdOut()
        case "broadcast":
            opts, extras, positional = _intent_args(args)
            intent = _intent_string(opts, extras, positional, flg="0x400000")
            code = _adb_keyboard(ctx, opts.get("-a", ""), extras)
            text = f"Broadcasting: {intent}\nBroadcast completed: result={code}\n"
            return CmdOut(out=text.encode())
        case "stack" | "task":
            pkg, act = phone.focus()
            line = (
                f"RootTask id=1 bounds=[0,0][{phone.screen_size()[0]},{phone.screen_size()[1]}] "
                f"displayId=0 userId=0\n  taskId=1: {pkg}/{act} visible=true "
                f"topActivity=ComponentInfo{{{pkg}/{act}}}\n"
            )
            return CmdOut(out=line.encode())
    return CmdOut(out=f"Unknown command: {sub}\n".encode())


def _adb_keyboard(ctx: Ctx, action: str, extras: dict[str, str]) -> int:
    """The ADB keyboard's receiver: acts only while it is the current IME (like the real one)."""
    if ctx.handset.current_ime != ADB_KEYBOARD or not action.startswith("ADB_"):
        return 0
    phone = ctx.phone
    match action:
        case "ADB_INPUT_TEXT":
            if "msg" in extras:
                phone.commit_text(extras["msg"])
        case "ADB_INPUT_B64":
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                phone.commit_text(
                    base64.b64decode(extras.get("msg", ""), validate=True).decode("utf-8")
                )
        case "ADB_INPUT_CHARS":
            chars = "".join(
                chr(int(c)) for c in extras.get("chars", "").split(",") if c.strip().isdigit()
            )
            phone.commit_text(chars)
        case "ADB_INPUT_CODE":
            code = int(extras.get("code", "0") or 0)
            key = KEYCODES.get(code, ("", ""))[1]
            if key:
                phone.press_key(key)
        case "ADB_CLEAR_TEXT":
            phone.clear_text()
        case (
            "ADB_EDITOR_CODE"
            | "ADB_ACTION_GO"
            | "ADB_ACTION_SEARCH"
            | "ADB_ACTION_DONE"
            | "ADB_ACTION_SEND"
        ):
            phone.press_key("enter")
    return 0


def _monkey(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = argv[1:]
    out = "".join(f"  bash arg: {a}\n" for a in args)
    err = f"args: [{', '.join(args)}]\n" + "".join(f' arg: "{a}"\n' for a in args)
    pkg = args[args.index("-p") + 1] if "-p" in args and args.index("-p") + 1 < len(args) else ""
    if pkg:
        err += f'data="{pkg}"\n'
    if "-c" in args and args.index("-c") + 1 < len(args):
        err += f'data="{args[args.index("-c") + 1]}"\n'
    if not pkg or ctx.phone.launch(pkg) is None:
        return CmdOut(
            out=out.encode(),
            err=(err + "** No activities found to run, monkey aborted.\n").encode(),
            rc=252,
        )
    out += "Events injected: 1\n## Network stats: elapsed time=9ms (0ms mobile, 0ms wifi, 9ms not connected)\n"  # noqa: E501
    return CmdOut(out=out.encode(), err=err.encode())


# ---------------------------------------------------------------------------- pm / cmd


def _apk_path(pkg: str) -> str:
    a = base64.urlsafe_b64encode(hashlib.md5(pkg.encode()).digest()).decode()
    b = base64.urlsafe_b64encode(hashlib.md5(pkg[::-1].encode()).digest()).decode()
    return f"/data/app/~~{a}/{pkg}-{b}/base.apk"


def _pm(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    if len(argv) < 2:
        return CmdOut(out=b"Package manager (package) commands:\n  help\n")
    sub, args = argv[1], argv[2:]
    pkgs = list(ctx.phone.packages())
    match sub:
        case "list":
            if not args or args[0] != "packages":
                return CmdOut(
                    err=f"Error: unknown list type '{args[0] if args else ''}'\n".encode(), rc=255
                )
            flags = {a for a in args[1:] if a.startswith("-")}
            filt = [a for a in args[1:] if not a.startswith("-")]
            lines = []
            for p in pkgs:
                system = p.startswith(("com.android.", "android"))
                if ("-3" in flags and system) or ("-s" in flags and not system):
                    continue
                if filt and filt[0] not in p:
                    continue
                lines.append("package:" + (f"{_apk_path(p)}=" if "-f" in flags else "") + p)
            return CmdOut(out="".join(line + "\n" for line in lines).encode())
        case "path":
            if args and args[-1] in pkgs:
                return CmdOut(out=f"package:{_apk_path(args[-1])}\n".encode())
            return CmdOut(rc=1)
        case "clear":
            if args and args[-1] in pkgs:
                ctx.phone.force_stop(args[-1])
                return CmdOut(out=b"Success\n")
            return CmdOut(out=b"Failed\n", rc=1)
        case "install":
            return CmdOut(
                out=b"Failure [INSTALL_FAILED_INVALID_APK: simulated phone installs no APKs]\n",
                rc=1,
            )
        case "uninstall":
            return CmdOut(out=b"Failure [DELETE_FAILED_INTERNAL_ERROR]\n", rc=1)
        case "grant" | "revoke":
            return CmdOut()
    return CmdOut(out=f"Unknown command: {sub}\n".encode())


def _cmd(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    if len(argv) >= 2 and argv[1] in (
        "input",
        "activity",
        "package",
        "window",
        "input_method",
        "settings",
    ):
        tool = {"activity": "am", "package": "pm", "window": "wm", "input_method": "ime"}.get(
            argv[1], argv[1]
        )
        if argv[1] == "package" and len(argv) >= 3 and argv[2] == "resolve-activity":
            pkg = argv[-1]
            if pkg not in ctx.phone.packages():
                return CmdOut(out=b"No activity found\n")
            act = ctx.handset.launcher_activities.get(pkg, f"{pkg}.MainActivity")
            return CmdOut(
                out=(
                    "priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true\n"
                    f"{pkg}/{short_activity(pkg, act)}\n"
                ).encode()
            )
        return ctx.shell.commands[tool](ctx, [tool, *argv[2:]], stdin)
    return CmdOut(
        err=f"cmd: Can't find service: {argv[1] if len(argv) > 1 else ''}\n".encode(), rc=20
    )


# ------------------------------------------------------------------ settings, ime, wm, getprop


def _settings(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    args = [a for a in argv[1:] if not a.startswith("--user")]
    if len(args) < 2 or args[1] not in ("system", "secure", "global"):
        return CmdOut(err=b"Invalid command: settings\n", rc=255)
    verb, ns, rest = args[0], args[1], args[2:]
    store = ctx.handset.settings
    match verb:
        case "get" if rest:
            return CmdOut(out=(store.get((ns, rest[0]), "null") + "\n").encode())
        case "put" if len(rest) >= 2:
            store[(ns, rest[0])] = rest[1]
            return CmdOut()
        case "delete" if rest:
            existed = store.pop((ns, rest[0]), None) is not None
            return CmdOut(out=f"Deleted {int(existed)} rows\n".encode())
        case "list":
            lines = sorted(f"{k}={v}" for (n, k), v in store.items() if n == ns)
            return CmdOut(out="".join(line + "\n" for line in lines).encode())
    return CmdOut(err=f"Invalid command: {verb}\n".encode(), rc=255)


def _ime(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    hs = ctx.handset
    args = argv[1:]
    sub = args[0] if args else "help"
    ids = [a for a in args[1:] if not a.startswith("-")]
    match sub:
        case "list":
            shown = hs.imes if "-a" in args else [i for i in hs.imes if i in hs.enabled_imes]
            if "-s" in args:
                return CmdOut(out="".join(i + "\n" for i in shown).encode())
            text = "".join(
                f"{i}:\n  mId={i} mSettingsActivityName=null\n  mIsDefaultResId=0x0\n"
                for i in shown
            )
            return CmdOut(out=text.encode())
        case "enable" | "disable" if ids:
            ime = ids[0]
            if ime not in hs.imes:
                return CmdOut(
                    err=f"Unknown input method {ime} cannot be {sub}d for user #0\n".encode()
                )
            now = ime in hs.enabled_imes
            want = sub == "enable"
            if want:
                hs.enabled_imes.add(ime)
            else:
                hs.enabled_imes.discard(ime)
            state = "already" if now == want else "now"
            hs.settings[("secure", "enabled_input_methods")] = ":".join(sorted(hs.enabled_imes))
            return CmdOut(out=f"Input method {ime}: {state} {sub}d for user #0\n".encode())
        case "set" if ids:
            ime = ids[0]
            if ime not in hs.imes or ime not in hs.enabled_imes:
                return CmdOut(
                    err=f"Unknown input method {ime} cannot be selected for user #0\n".encode()
                )
            hs.settings[("secure", "default_input_method")] = ime
            return CmdOut(out=f"Input method {ime} selected for user #0\n".encode())
        case "reset":
            hs.enabled_imes = {LATIN_IME}
            hs.settings[("secure", "default_input_method")] = LATIN_IME
            return CmdOut(
                out=f"Reset current and enabled IMEs for user #0\n  Selected: {LATIN_IME}\n"
                f"   Enabled: {LATIN_IME}\n".encode()
            )
    return CmdOut(
        out=b"ime <command>:\n  list [-a] [-s]\n  enable [--user <USER_ID>] <ID>\n"
        b"  disable [--user <USER_ID>] <ID>\n  set [--user <USER_ID>] <ID>\n"
    )


def _wm(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    hs = ctx.handset
    args = argv[1:]
    w, h = ctx.phone.screen_size()
    match args:
        case ["size"]:
            text = f"Physical size: {w}x{h}\n"
            if ("wm", "size") in hs.settings:
                text += f"Override size: {hs.settings[('wm', 'size')]}\n"
            return CmdOut(out=text.encode())
        case ["size", "reset"]:
            hs.settings.pop(("wm", "size"), None)
            return CmdOut()
        case ["size", value]:
            if not re.fullmatch(r"\d+x\d+", value):
                return CmdOut(err=f"Error: bad size {value}\n".encode(), rc=255)
            hs.settings[("wm", "size")] = value
            return CmdOut()
        case ["density"]:
            text = f"Physical density: {ctx.phone.density()}\n"
            if ("wm", "density") in hs.settings:
                text += f"Override density: {hs.settings[('wm', 'density')]}\n"
            return CmdOut(out=text.encode())
        case ["density", "reset"]:
            hs.settings.pop(("wm", "density"), None)
            return CmdOut()
        case ["density", value]:
            if not value.isdigit() or int(value) < 72:
                return CmdOut(err=b"Error: density must be >= 72\n", rc=255)
            hs.settings[("wm", "density")] = value
            return CmdOut()
    return CmdOut(
        out=b"Window manager (window) commands:\n  help\n  size [reset|WxH|WdpxHdp]\n  density [reset|DENSITY]\n"  # noqa: E501
    )


def _getprop(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    props = build_props(ctx.handset)
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args:
        return CmdOut(out="".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())).encode())
    default = args[1] if len(args) > 1 else ""
    return CmdOut(out=(props.get(args[0], default) + "\n").encode())


def _setprop(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    if len(argv) != 3:
        return CmdOut(err=b"usage: setprop NAME VALUE\n", rc=1)
    ctx.handset.props[argv[1]] = argv[2]
    return CmdOut()


# ---------------------------------------------------------------------------- date


def _date(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    now = dt.datetime.fromtimestamp(ctx.phone.now(), tz=dt.UTC)
    fmt = next((a[1:] for a in argv[1:] if a.startswith("+")), "%a %b %e %H:%M:%S %Z %Y")
    text = now.strftime(
        fmt.replace("%e", f"{now.day:>2}")
        .replace("%Z", "UTC")
        .replace("%s", str(int(now.timestamp())))
    )
    return CmdOut(out=(text + "\n").encode())


# ---------------------------------------------------------------------------- app_process


def _app_process(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    classpath = ctx.env.get("CLASSPATH", "")
    args = argv[1:]
    main = next((a for a in args if "." in a and not a.startswith(("-", "/"))), "")
    if main != "com.wetest.uia2.Main" or not classpath or not ctx.fs.exists(classpath):
        return CmdOut(
            err=(
                f'Error: Could not find class "{main}"\njava.lang.ClassNotFoundException: {main}\n'
            ).encode(),
            rc=1,
        )
    port = 9008
    if "-p" in args and args.index("-p") + 1 < len(args) and args[args.index("-p") + 1].isdigit():
        port = int(args[args.index("-p") + 1])
    from droidpilot.device.sim.u2rpc import start_u2_server

    ctx.held = start_u2_server(ctx.handset, port)
    banner = "[server] INFO: [UiAutomator2Server] Starting Server\n"
    return CmdOut(out=banner.encode())


# ---------------------------------------------------------------------------- dumpsys


def _dumpsys(ctx: Ctx, argv: list[str], stdin: bytes) -> CmdOut:
    from droidpilot.device.sim.shell_dumpsys import dumpsys

    return dumpsys(ctx, argv[1:])


ANDROID_COMMANDS: dict[str, CommandFn] = {
    "input": _input,
    "uiautomator": _uiautomator,
    "screencap": _screencap,
    "am": _am,
    "monkey": _monkey,
    "pm": _pm,
    "cmd": _cmd,
    "settings": _settings,
    "ime": _ime,
    "wm": _wm,
    "getprop": _getprop,
    "setprop": _setprop,
    "content": content_cmd,
    "date": _date,
    "app_process": _app_process,
    "dumpsys": _dumpsys,
}
