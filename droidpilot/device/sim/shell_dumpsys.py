"""``dumpsys`` of the simulated phone: window, activity, display, input_method, power, battery,
package, input and SurfaceFlinger, in Android 14 shapes (see the shell reference)."""

from __future__ import annotations

import hashlib

from droidpilot.device.sim.shell import CmdOut, Ctx
from droidpilot.device.sim.shell_android import short_activity

__all__ = ["dumpsys"]


def _h(*parts: object) -> str:
    return hashlib.md5(repr(parts).encode()).hexdigest()[:7]


def _focus_lines(ctx: Ctx) -> list[str]:
    pkg, act = ctx.phone.focus()
    return [
        f"  mCurrentFocus=Window{{{_h('w', pkg, act)} u0 {pkg}/{act}}}",
        f"  mFocusedApp=ActivityRecord{{{_h('a', pkg, act)} u0 {pkg}/{short_activity(pkg, act)} t{_task(pkg)}}}",  # noqa: E501
    ]


def _task(pkg: str) -> int:
    return 2 + int(hashlib.md5(pkg.encode()).hexdigest()[:3], 16) % 300


def _display_lines(ctx: Ctx) -> list[str]:
    w, h = ctx.phone.screen_size()
    dpi = ctx.phone.density()
    return [
        "WINDOW MANAGER DISPLAY CONTENTS (dumpsys window displays)",
        "  Display: mDisplayId=0 (organized)",
        f"    init={w}x{h} {dpi}dpi mMinSizeOfResizeableTaskDp=220 cur={w}x{h} app={w}x{h - 126} "
        f"rng={w}x{w - 63}-{h - 126}x{h - 126}",
        f"    deferred=false mLayoutNeeded=false mTouchExcludeRegion=SkRegion((0,0,{w},{h}))",
        "",
        "  mLayoutSeq=412",
        "  mDeferredRotationPauseCount=0",
        *_focus_lines(ctx),
        "  mLastStatusBarVisibility=0x8008",
        "",
    ]


def _windows(ctx: Ctx) -> list[str]:
    pkg, act = ctx.phone.focus()
    lines = ["WINDOW MANAGER WINDOWS (dumpsys window windows)"]
    shown = [("com.android.systemui", "StatusBar", "STATUS_BAR")]
    if ctx.phone.keyboard_shown():
        shown.append(("com.android.inputmethod.latin", "InputMethod", "INPUT_METHOD"))
    shown.append((pkg, f"{pkg}/{act}", "BASE_APPLICATION"))
    for n, (owner, title, ty) in enumerate(reversed(shown)):
        lines += [
            f"  Window #{len(shown) - 1 - n} Window{{{_h(title)} u0 {title}}}:",
            f"    mDisplayId=0 rootTaskId={_task(owner)} mSession=Session{{{_h(owner)} 1234:u0a10100}}",  # noqa: E501
            f"    mOwnerUid=10100 showForAllUsers=false package={owner} appop=NONE",
            f"    mAttrs={{(0,0)(fillxfill) ty={ty} wanim=0x10302fd}}",
        ]
    lines += [
        "",
        *_focus_lines(ctx),
        "  mGlobalConfiguration={1.0 ?mcc?mnc [en_US] ldltr}",
        "  mHasPermanentDpad=false",
        "  mTopFocusedDisplayId=0",
    ]
    return lines


def _window(ctx: Ctx, args: list[str]) -> list[str]:
    what = args[0] if args else ""
    if what in ("windows", "w"):
        return _windows(ctx)
    if what in ("displays", "d"):
        return _display_lines(ctx)
    if what in ("policy", "p"):
        return [
            "WINDOW MANAGER POLICY STATE (dumpsys window policy)",
            "    mCurrentRotation=ROTATION_0",
        ]
    return [
        "WINDOW MANAGER LAST ANR (dumpsys window lastanr)",
        "  <no ANR has occurred since boot>",
        "",
        "WINDOW MANAGER POLICY STATE (dumpsys window policy)",
        "    mCurrentRotation=ROTATION_0",
        "",
        *_display_lines(ctx),
        *_windows(ctx),
    ]


def _activity(ctx: Ctx, args: list[str]) -> list[str]:
    pkg, act = ctx.phone.focus()
    short = short_activity(pkg, act)
    rec = f"ActivityRecord{{{_h('a', pkg, act)} u0 {pkg}/{short} t{_task(pkg)}}}"
    what = args[0] if args else "activities"
    if what == "top":
        launcher = "com.android.launcher3"
        out = []
        if pkg != launcher:
            out += [
                f"TASK {launcher} id=2 userId=0",
                f"  ACTIVITY {launcher}/.Launcher {_h('l')} pid=1080",
                "    Local Activity 1a2b3c4 State:",
                "      mResumed=false mStopped=true mFinished=false",
            ]
        out += [
            f"TASK 10100:{pkg} id={_task(pkg)} userId=0",
            f"  ACTIVITY {pkg}/{short} {_h('t', pkg, act)} pid={2000 + _task(pkg)}",
            "    Local Activity 7553594 State:",
            "      mResumed=true mStopped=false mFinished=false",
        ]
        return out
    if what in ("activities", "a"):
        return [
            "ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)",
            "Display #0 (activities from top to bottom):",
            f"  * Task{{{_h('task', pkg)} #{_task(pkg)} type=standard A=10100:{pkg} U=0 visible=true "  # noqa: E501
            f"visibleRequested=true mode=fullscreen translucent=false sz=1}}",
            "    isSleeping=false",
            f"    topResumedActivity={rec}",
            f"    * Hist  #0: {rec}",
            f"      packageName={pkg} processName={pkg}",
            "",
            "  Resumed activities in task display areas (from top to bottom):",
            f"    Resumed: {rec}",
            "",
            f"  ResumedActivity: {rec}",
        ]
    if what == "recents":
        return [
            "ACTIVITY MANAGER RECENT TASKS (dumpsys activity recents)",
            f"  * Recent #0: Task{{{_h('task', pkg)} #{_task(pkg)} type=standard A=10100:{pkg}}}",
            f"    id={_task(pkg)} userId=0",
        ]
    return [f"Bad activity command, or no activities match: {what}"]


def _display(ctx: Ctx) -> list[str]:
    w, h = ctx.phone.screen_size()
    dpi = ctx.phone.density()
    return [
        "DISPLAY MANAGER (dumpsys display)",
        "  mOnlyCode=false",
        "  mSafeMode=false",
        "  mPendingTraversal=false",
        "  mViewports=[DisplayViewport{type=INTERNAL, valid=true, isActive=true, displayId=0, "
        f"uniqueId='local:4619827259835644672', physicalPort=0, orientation=0, logicalFrame=Rect(0, 0 - {w}, {h}), "  # noqa: E501
        f"physicalFrame=Rect(0, 0 - {w}, {h}), deviceWidth={w}, deviceHeight={h}}}]",
        f"  mStableDisplaySize=Point({w}, {h})",
        "",
        "Display States: size=1",
        "  Display Id=0",
        "  Display State=ON",
        "",
        "Display Devices: size=1",
        f'  DisplayDeviceInfo{{"Built-in Screen": uniqueId="local:4619827259835644672", {w} x {h}, modeId 1, '  # noqa: E501
        f"density {dpi}, {dpi}.0 x {dpi}.0 dpi, rotation 0, type INTERNAL, state ON}}",
        "",
        "Logical Displays: size=1",
        f'  mBaseDisplayInfo=DisplayInfo{{"Built-in Screen", displayId 0, real {w} x {h}, rotation 0, '  # noqa: E501
        'state ON, type INTERNAL, uniqueId "local:4619827259835644672"}',
    ]


def dumpsys(ctx: Ctx, args: list[str]) -> CmdOut:
    service = args[0] if args else ""
    rest = args[1:]
    phone = ctx.phone
    lines: list[str]
    match service:
        case "window":
            lines = _window(ctx, rest)
        case "activity":
            lines = _activity(ctx, rest)
        case "display":
            lines = _display(ctx)
        case "input_method":
            shown = str(phone.keyboard_shown()).lower()
            lines = [
                "Current Input Method Manager state:",
                f"  mCurMethodId={ctx.handset.current_ime}",
                f"  mInputShown={shown}",
                f"  mIsInputViewShown={shown}",
            ]
        case "power":
            lines = [
                "POWER MANAGER (dumpsys power)",
                "  mWakefulness=Awake",
                "  mHoldingDisplaySuspendBlocker=true",
                "  Display Power: state=ON",
            ]
        case "battery":
            lines = [
                "Current Battery Service state:",
                "  AC powered: false",
                "  USB powered: true",
                "  Wireless powered: false",
                "  status: 2",
                "  health: 2",
                "  present: true",
                "  level: 85",
                "  scale: 100",
                "  voltage: 4203",
                "  temperature: 240",
                "  technology: Li-poly",
            ]
        case "package":
            pkg = rest[-1] if rest else ""
            if pkg not in phone.packages():
                lines = [f"Unable to find package: {pkg}"] if pkg else ["Package manager dump"]
            else:
                lines = [
                    "Packages:",
                    f"  Package [{pkg}] ({_h(pkg)}):",
                    "    userId=10100",
                    "    versionCode=1 minSdk=24 targetSdk=34",
                    "    versionName=1.0",
                    "    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]",
                    "    firstInstallTime=2024-01-01 00:00:00",
                    "    lastUpdateTime=2024-01-01 00:00:00",
                    f"    signatures=PackageSignatures{{{_h('sig', pkg)} version:3, signatures:[{_h('s')}], "  # noqa: E501
                    "past signatures:[]}",
                ]
        case "input":
            w, h = phone.screen_size()
            lines = [
                "INPUT MANAGER (dumpsys input)",
                "",
                "Input Reader State:",
                "      OrientationAware: true",
                "      SurfaceOrientation: 0",
                f"    Viewport INTERNAL: displayId=0, uniqueId=local:0, port=0, orientation=0, "
                f"logicalFrame=[0, 0, {w}, {h}], physicalFrame=[0, 0, {w}, {h}], "
                f"deviceSize=[{w}, {h}], isActive=[1]",
            ]
        case "SurfaceFlinger":
            lines = [
                'Display 4619827259835644672 (HWC display 0): port=0 pnpId=GGL displayName="EMU_display_0"'  # noqa: E501
            ]
        case "":
            lines = [
                "Currently running services:",
                "  activity",
                "  battery",
                "  display",
                "  input",
                "  input_method",
                "  package",
                "  power",
                "  window",
            ]
        case _:
            return CmdOut(err=f"Can't find service: {service}\n".encode())
    return CmdOut(out=("\n".join(lines) + "\n").encode())
