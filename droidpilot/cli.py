"""The ``droidpilot`` command: thin over the package.

Every command that reports a result takes ``--json`` and then prints exactly one JSON document
on stdout; logs go to stderr. Exit codes: 0 success, 1 task failed, 2 usage error,
3 infeasible reported, 4 device/model error.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, NoReturn

import click

from droidpilot import __version__
from droidpilot.errors import (
    ConfigError,
    DeviceError,
    DroidpilotError,
    PlannerError,
    ScreenParseError,
    TaskError,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INFEASIBLE = 3
EXIT_DEVICE = 4

logger = logging.getLogger(__name__)


def emit_json(doc: Any) -> None:
    """Print exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int, *, as_json: bool = False) -> NoReturn:
    """Report an error (as JSON on stdout with --json, else on stderr) and exit."""
    if as_json:
        emit_json({"error": message, "exit_code": code})
    else:
        click.echo(f"droidpilot: error: {message}", err=True)
    sys.exit(code)


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, DeviceError | PlannerError):
        return EXIT_DEVICE
    if isinstance(exc, ConfigError | TaskError | ScreenParseError):
        return EXIT_USAGE
    return EXIT_FAILED


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="droidpilot")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """droidpilot: an Android cross-app control agent with on-device reasoning."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


# --------------------------------------------------------------------------- commands
# (each command is thin: parse flags, call the package, print the result)
# Each area keeps its commands in its own block below; edit only your block.

# ---- block: screen (device/screen.py) ----


@cli.command("screen")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--activity", default="", help="The activity in front, for the header.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def screen_cmd(file: str, activity: str, as_json: bool) -> None:
    """Show a uiautomator dump FILE as the model sees it (ids, lines, tokens)."""
    from pathlib import Path

    from droidpilot.device.screen import parse_hierarchy, render_screen

    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}", EXIT_USAGE, as_json=as_json)
    try:
        screen = parse_hierarchy(data)
    except ScreenParseError as exc:
        fail(f"{file}: {exc}", EXIT_USAGE, as_json=as_json)
    view = render_screen(screen, activity=activity)
    try:
        from droidpilot.planner.tokens import count_tokens

        tokens: int | None = count_tokens(view.text)
    except (DroidpilotError, ImportError) as exc:  # no tokenizer: say so, show the view
        logger.warning("cannot count tokens: %s", exc)
        tokens = None
    if not as_json:
        click.echo(view.text)
        if tokens is not None:
            click.echo(
                f"-- {len(view.items)} items from {len(screen.elements)} nodes, "
                f"{tokens} tokens",
                err=True,
            )
        return
    els = screen.elements
    emit_json(
        {
            "file": file,
            "package": view.package,
            "activity": view.activity,
            "keyboard": view.keyboard,
            "focused": view.focused,
            "webview_thin": view.webview_thin,
            "width": screen.width,
            "height": screen.height,
            "rotation": screen.rotation,
            "windows": [
                {"package": w.package, "kind": w.kind, "bounds": w.bounds.as_list()}
                for w in screen.windows
            ],
            "nodes": len(els),
            "elements": [
                {
                    "id": it.id,
                    "bounds": it.bounds.as_list(),
                    "tap": list(it.tap),
                    "role": it.role,
                    "text": it.text,
                    "clickable": it.clickable,
                    "editable": it.editable,
                    "scrollable": it.scrollable,
                    "checkable": it.checkable,
                    "checked": it.checked,
                    "selected": it.selected,
                    "focused": it.focused,
                    "password": it.password,
                    "enabled": it.enabled,
                    "resource_id": it.resource_id,
                    "class": els[it.element].class_name,
                    "package": it.package,
                    "node": it.element,
                }
                for it in view.items
            ],
            "text": view.text,
            "tokens": tokens,
        }
    )


# ---- end block: screen ----

# ---- block: sim (device/sim) ----


@cli.group("sim")
def sim() -> None:
    """The simulated phone: look at it, poke it, serve it over ADB."""


def _sim_action(cmd: str) -> Any:
    """``tap 12`` | ``tap 540,1200`` | ``long 12`` | ``type [@ID] TEXT`` | ``scroll DIR [ID]``
    | ``swipe X1 Y1 X2 Y2`` | ``back`` | ``home`` | ``app_switch`` | ``enter`` | ``open NAME``
    | ``wait S`` as an Action."""
    from droidpilot import types as t

    verb, _, rest = cmd.strip().partition(" ")
    rest = rest.strip()

    def target(value: str) -> dict[str, int]:
        if "," in value:
            x, y = value.split(",", 1)
            return {"x": int(x), "y": int(y)}
        return {"element": int(value)}

    try:
        match verb:
            case "tap":
                return t.TapAction(**target(rest))
            case "long" | "long_press":
                return t.LongPressAction(**target(rest))
            case "type":
                if rest.startswith("@"):
                    ident, _, text = rest[1:].partition(" ")
                    return t.TypeAction(text=text, element=int(ident))
                return t.TypeAction(text=rest)
            case "scroll":
                direction, _, ident = rest.partition(" ")
                return t.ScrollAction(direction=direction,  # type: ignore[arg-type]
                                      element=int(ident) if ident else None)
            case "swipe":
                x1, y1, x2, y2 = (int(v) for v in rest.split())
                return t.SwipeAction(x1=x1, y1=y1, x2=x2, y2=y2)
            case "back" | "home" | "app_switch" | "enter" | "delete" | "tab":
                return t.KeyAction(key=verb)
            case "open":
                return t.OpenAppAction(name=rest)
            case "wait":
                return t.WaitAction(seconds=float(rest or 1))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read action {cmd!r}: {exc}") from exc
    raise ConfigError(f"unknown action {cmd!r} (tap, long, type, scroll, swipe, back, home, "
                      "app_switch, enter, open, wait)")


def _sim_doc(obs: Any) -> dict[str, Any]:
    screen, view = obs.screen, obs.view
    els = screen.elements
    return {
        "package": view.package, "activity": view.activity, "keyboard": view.keyboard,
        "focused": view.focused, "webview_thin": view.webview_thin, "width": screen.width,
        "height": screen.height, "rotation": screen.rotation,
        "windows": [{"package": w.package, "kind": w.kind, "bounds": w.bounds.as_list()}
                    for w in screen.windows],
        "nodes": len(els),
        "elements": [
            {"id": it.id, "bounds": it.bounds.as_list(), "tap": list(it.tap), "role": it.role,
             "text": it.text, "clickable": it.clickable, "editable": it.editable,
             "scrollable": it.scrollable, "checkable": it.checkable, "checked": it.checked,
             "selected": it.selected, "focused": it.focused, "password": it.password,
             "enabled": it.enabled, "resource_id": it.resource_id,
             "class": els[it.element].class_name, "package": it.package, "node": it.element}
            for it in view.items
        ],
        "text": view.text,
        "tokens": None,
    }


@sim.command("screen")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--app", "app", default=None, help="Open this app (package or name) first.")
@click.option("--do", "actions", multiple=True,
              help='An action to perform first, e.g. --do "tap 12" --do "type hello" '
                   '--do back (repeatable).')
@click.option("-i", "--interactive", is_flag=True, help="Then read actions from stdin.")
@click.option("--png", type=click.Path(dir_okay=False), default=None,
              help="Write a screenshot here.")
@click.option("--xml", "xml_out", type=click.Path(dir_okay=False), default=None,
              help="Write the uiautomator dump (active window) here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def sim_screen(seed: int, lang: str, app: str | None, actions: tuple[str, ...],
               interactive: bool, png: str | None, xml_out: str | None, as_json: bool) -> None:
    """Show the simulated phone's screen as the model sees it, after optional actions."""
    from pathlib import Path

    from droidpilot.config import DeviceConfig
    from droidpilot.device.sim import SimDevice

    dev = SimDevice.from_config(DeviceConfig(kind="sim", seed=seed,
                                             lang="zh" if lang == "zh" else "en"))
    try:
        obs = dev.observe()
        if app:
            dev.perform(_sim_action(f"open {app}"))
            obs = dev.observe()
        for cmd in actions:
            dev.perform(_sim_action(cmd))
            obs = dev.observe()
        if interactive:
            click.echo(obs.view.text, err=as_json)
            for line in sys.stdin:
                if line.strip() in ("", "q", "quit", "exit"):
                    break
                try:
                    dev.perform(_sim_action(line))
                except (ConfigError, DeviceError) as exc:
                    click.echo(f"error: {exc}", err=True)
                obs = dev.observe()
                click.echo(obs.view.text, err=as_json)
        if png:
            Path(png).write_bytes(dev.screenshot())
        if xml_out:
            Path(xml_out).write_text(dev.dump(), encoding="utf-8")
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE, as_json=as_json)
    except DeviceError as exc:
        fail(str(exc), EXIT_DEVICE, as_json=as_json)
    if as_json:
        emit_json(_sim_doc(obs))
    elif not interactive:
        click.echo(obs.view.text)


# ---- end block: sim ----

# ---- block: adb (device/adb.py, sim serve, devices) ----


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=5555, show_default=True,
              help="Port of the first phone; phone i listens on PORT+i (0: any free ports).")
@click.option("--count", type=click.IntRange(1, 64), default=1, show_default=True,
              help="How many phones.")
@click.option(
    "--seed", type=int, default=0, show_default=True,
    help="Seed of phone 0 (phone i: SEED+i).",
)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback unless you say otherwise).")
@click.option("--json", "as_json", is_flag=True, help="Print the addresses as one JSON document.")
def sim_serve(port: int, count: int, seed: int, lang: str, host: str, as_json: bool) -> None:
    """Serve simulated phones over the ADB protocol (then: adb connect HOST:PORT)."""
    from droidpilot.device.sim.serve import SimServer

    def ready(server: SimServer) -> None:
        if as_json:
            emit_json({"phones": [{"address": a, "serial": h.serial}
                                  for a, h in zip(server.addresses, server.handsets, strict=True)]})
        else:
            for a in server.addresses:
                click.echo(f"serving a simulated phone on {a}  (adb connect {a})")
            click.echo("Ctrl-C to stop", err=True)

    try:
        SimServer(host=host, port=port, count=count, seed=seed, lang=lang).serve_forever(ready)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}", EXIT_DEVICE, as_json=as_json)


sim.add_command(sim_serve)


def _adb_devices(host: str | None, port: int | None) -> list[dict[str, str]]:
    import adbutils

    client = adbutils.AdbClient(host=host, port=port)
    with client.make_connection(timeout=10) as c:
        c.send_command("host:devices-l")
        c.check_okay()
        listing = c.read_string_block()
    out = []
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        tags = dict(f.split(":", 1) for f in fields[2:] if ":" in f)
        out.append({"serial": fields[0], "state": fields[1], "model": tags.get("model", ""),
                    "product": tags.get("product", ""), "kind": "adb"})
    return out


@cli.command("devices")
@click.option("--adb-host", default=None,
              help="adb server host (default: ANDROID_ADB_SERVER_HOST or 127.0.0.1).")
@click.option("--adb-port", type=int, default=None,
              help="adb server port (default: ANDROID_ADB_SERVER_PORT or 5037).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def devices(adb_host: str | None, adb_port: int | None, as_json: bool) -> None:
    """What adb sees (serial, model, state), plus the built-in simulated phone."""
    found = [{"serial": "sim", "state": "device", "model": "droidpilot simulated phone",
              "product": "droidpilot_sim", "kind": "sim"}]
    adb_error = None
    try:
        found += _adb_devices(adb_host, adb_port)
    except Exception as exc:  # CLI boundary: no adb server is not an error, just no devices
        logger.debug("adb devices failed", exc_info=True)
        adb_error = str(exc) or type(exc).__name__
    if as_json:
        emit_json({"devices": found, "adb_error": adb_error})
        return
    for d in found:
        click.echo(f"{d['serial']:<24} {d['state']:<12} {d['model']}")
    if adb_error:
        click.echo(f"(adb: {adb_error})", err=True)


# ---- end block: adb ----

# ---- block: model (planner) ----


@cli.group("model")
def model_group() -> None:
    """Planner models: export, inspect."""


@model_group.command("export-onnx")
@click.argument("src")
@click.argument("dst", type=click.Path(file_okay=False))
@click.option(
    "--precision",
    type=click.Choice(["fp32", "int4", "int8", "fp16", "bf16"]),
    default="fp32",
    show_default=True,
    help="fp32 matches transformers exactly; int4 is the fast CPU choice.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def model_export_onnx(src: str, dst: str, precision: str, as_json: bool) -> None:
    """Export SRC (a transformers directory, a .gguf, or `smollm2`) to an ONNX dir DST."""
    from pathlib import Path

    from droidpilot.planner.backends.ort import export_onnx

    try:
        out = export_onnx(src, Path(dst), precision=precision)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    if as_json:
        emit_json(
            {"src": src, "dst": str(out), "precision": precision, "files": files, "bytes": size}
        )
    else:
        click.echo(f"exported {src} -> {out} ({precision}, {size / 1e6:.1f} MB)")


# ---- end block: model ----

# ---- block: tasks ----


@cli.group("tasks")
def tasks_group() -> None:
    """The task catalog: list, show and verify the task specs (their oracles)."""


@tasks_group.command("list")
@click.option("--suite", default=None, help="Only the tasks of this suite.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def tasks_list(suite: str | None, as_json: bool) -> None:
    """List the task templates (id, suites, apps, kind, difficulty)."""
    from droidpilot.tasks import all_specs, by_suite

    try:
        specs = by_suite(suite) if suite else all_specs()
    except TaskError as exc:
        fail(str(exc), EXIT_USAGE, as_json=as_json)
    rows = [
        {
            "id": s.id,
            "suites": list(s.suites),
            "apps": list(s.apps),
            "lang": ["en", "zh"],
            "kind": s.kind,
            "difficulty": s.difficulty,
            "tags": list(s.tags),
            "budget": s.budget,
            "checker": s.checker is not None,
        }
        for s in specs
    ]
    if as_json:
        emit_json(rows)
        return
    for s in specs:
        apps = " ".join(a.rsplit(".", 1)[-1] for a in s.apps)
        click.echo(f"{s.id:<40} {','.join(s.suites):<24} {s.kind:<10} {s.difficulty:<6} {apps}")
    click.echo(f"{len(rows)} task templates")


@tasks_group.command("show")
@click.argument("task_id")
@click.option("--seed", default=0, show_default=True, type=int, help="The instance's seed.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def tasks_show(task_id: str, seed: int, lang: str, as_json: bool) -> None:
    """Show one task instance: goal in both languages, params, milestones, budget, oracle."""
    from droidpilot.device.sim import SimDevice, SimPhone
    from droidpilot.tasks import get, run_oracle

    try:
        spec = get(task_id)
        phone = SimPhone(seed=seed, lang=lang)
        task = spec.instantiate(seed, lang=lang, phone=phone)
        doc = task.describe()
        run = run_oracle(task, SimDevice(phone))
    except TaskError as exc:
        fail(str(exc), EXIT_USAGE, as_json=as_json)
    doc["oracle"] = {
        "steps": run.steps,
        "success": run.success,
        "reason": run.reason,
        "return": round(run.returned, 6),
        "error": run.error,
    }
    if as_json:
        emit_json(doc)
        return
    goals = doc["goal"]
    assert isinstance(goals, dict)
    click.echo(f"{spec.id}  ({spec.kind}, {spec.difficulty}; suites {', '.join(spec.suites)})")
    click.echo(f"  goal en: {goals['en']}")
    click.echo(f"  goal zh: {goals['zh']}")
    click.echo(f"  params:  {json.dumps(doc['params'], ensure_ascii=False)}")
    for m in spec.milestones:
        click.echo(f"  milestone {m.name} ({m.weight:g})")
    click.echo(
        f"  budget {spec.budget} steps; oracle {run.steps} steps, "
        f"{'success' if run.success else 'FAILED'}: {run.reason}"
    )
    if spec.checker is not None:
        click.echo(f"  real-phone checker: {spec.checker.describe()}")


@tasks_group.command("verify")
@click.option("--suite", default=None, help="Only this suite.")
@click.option("--tasks", "pattern", default=None, help="Only ids matching this glob.")
@click.option(
    "--seeds",
    default=5,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Seeds 0..K-1 per template (languages alternate).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def tasks_verify(suite: str | None, pattern: str | None, seeds: int, as_json: bool) -> None:
    """Run every oracle on the in-process simulated phone; exit 1 if any fails."""
    import time

    from droidpilot.tasks import all_specs, by_pattern, by_suite, verify

    t0 = time.perf_counter()
    try:
        specs = by_pattern(pattern) if pattern else by_suite(suite) if suite else all_specs()
    except TaskError as exc:
        fail(str(exc), EXIT_USAGE, as_json=as_json)
    results = verify(specs, range(seeds))
    seconds = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    steps = sum(r.steps for r in results)
    doc = {
        "templates": len(results),
        "seeds": seeds,
        "failed": [r.task_id for r in failed],
        "passed": len(results) - len(failed),
        "steps": steps,
        "seconds": round(seconds, 3),
        "results": [
            {
                "id": r.task_id,
                "passes": r.passes,
                "runs": len(r.runs),
                "steps": [x.steps for x in r.runs],
                "problems": [p for x in r.runs for p in x.problems()][:5],
            }
            for r in results
        ],
    }
    if as_json:
        emit_json(doc)
    else:
        for r in results:
            mark = "ok  " if r.ok else "FAIL"
            click.echo(
                f"{mark} {r.task_id:<40} {r.passes}/{len(r.runs)}  "
                f"steps {'/'.join(str(x.steps) for x in r.runs)}"
            )
            for x in r.runs:
                for problem in x.problems()[:2]:
                    click.echo(f"       seed {x.seed} ({x.lang}): {problem[:200]}")
        click.echo(
            f"{len(results) - len(failed)}/{len(results)} templates pass all {seeds} "
            f"seeds; {steps} oracle steps in {seconds:.1f} s"
        )
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


# ---- end block: tasks ----

# ---- block: agent (run, eval, collect, export, view) ----

# ---- end block: agent ----


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    try:
        cli.main(args=argv, prog_name="droidpilot", standalone_mode=True)
    except DroidpilotError as exc:  # a command let one through: report it, never a traceback
        logger.debug("command failed", exc_info=True)
        fail(str(exc), exit_code_for(exc))


if __name__ == "__main__":
    main()
