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

# ---- end block: sim ----

# ---- block: model (planner) ----

# ---- end block: model ----

# ---- block: tasks ----

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
