"""``droidpilot view RUN_DIR``: a self-contained HTML report per episode, and an index.

Each ``EPISODE_ID/report.html`` shows, per step: the screenshot (scaled down, embedded as a
data URI) with the tapped point drawn, the thought, the action, the guard's decision, the
reward with its components, and a progress bar. ``RUN_DIR/index.html`` lists the episodes.
No file outside the report is needed to show it: no scripts, no links to the network.
"""

from __future__ import annotations

import base64
import html
import io
import logging
from pathlib import Path

from droidpilot.errors import ConfigError
from droidpilot.planner.prompt import render_action
from droidpilot.policy.trajectory import episode_dirs, read_episode, read_steps
from droidpilot.types import EpisodeRecord, StepRecord

__all__ = ["REPORT", "render_episode", "write_reports"]

logger = logging.getLogger(__name__)

REPORT = "report.html"
THUMB_WIDTH = 300

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px} .meta{color:#555;margin-bottom:16px}
.ok{color:#0a7d32;font-weight:600} .bad{color:#b3261e;font-weight:600}
.step{display:flex;gap:16px;background:#fff;border:1px solid #ddd;border-radius:8px;
padding:12px;margin:12px 0} .step img{width:300px;border:1px solid #ccc;border-radius:6px}
.noimg{width:300px;height:120px;background:#eee;display:flex;align-items:center;
justify-content:center;color:#888;border-radius:6px}
.body{flex:1;min-width:0} .act{font-family:ui-monospace,monospace;background:#f1f3f4;
padding:2px 6px;border-radius:4px} .thought{color:#333;white-space:pre-wrap;margin:6px 0}
.bar{height:8px;background:#e6e6e6;border-radius:4px;overflow:hidden;width:240px;
display:inline-block;vertical-align:middle} .bar i{display:block;height:100%;background:#1a73e8}
.comp{color:#555;font-size:12px} .guard{font-size:12px;color:#8a5a00} .err{color:#b3261e}
table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ddd;padding:4px 8px}
"""


def _thumb(png_path: Path, point: tuple[int, int] | None) -> str | None:
    """The screenshot scaled to :data:`THUMB_WIDTH`, the point drawn, as a data URI."""
    try:
        from PIL import Image, ImageDraw

        with Image.open(png_path) as im:
            img = im.convert("RGB")
    except (OSError, ImportError) as exc:
        logger.debug("no thumbnail for %s: %s", png_path, exc)
        return None
    scale = THUMB_WIDTH / img.width
    img = img.resize((THUMB_WIDTH, max(1, round(img.height * scale))))
    if point is not None:
        draw = ImageDraw.Draw(img)
        x, y = point[0] * scale, point[1] * scale
        for r, width in ((11, 3), (4, 0)):
            box = (x - r, y - r, x + r, y + r)
            if width:
                draw.ellipse(box, outline="#e8453c", width=width)
            else:
                draw.ellipse(box, fill="#e8453c")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _outcome(ep: EpisodeRecord | None) -> str:
    if ep is None:
        return '<span class="bad">unfinished</span>'
    if ep.success is None:
        return "no checker"
    return '<span class="ok">success</span>' if ep.success else '<span class="bad">failed</span>'


def _step_html(ep_dir: Path, rec: StepRecord, top: float) -> str:
    img = None
    if rec.screenshot_path:
        img = _thumb(ep_dir / rec.screenshot_path, rec.point)
    pic = (
        f'<img src="{img}" alt="step {rec.step}">'
        if img
        else '<div class="noimg">no screenshot</div>'
    )
    action = render_action(rec.action) if rec.action is not None else "(no valid action)"
    flags = []
    if (
        not rec.executed
        and rec.action is not None
        and rec.action.kind not in ("remember", "answer", "ask_user", "finish")
    ):
        flags.append("not executed")
    if rec.terminated:
        flags.append("terminated")
    if rec.truncated:
        flags.append("truncated")
    parts = [
        f"<b>Step {rec.step}</b> · {_esc(rec.app)}"
        + (f" · {_esc(', '.join(flags))}" if flags else ""),
        f'<div class="thought">{_esc(rec.reasoning or rec.completion)}</div>',
        f'<div>Action: <span class="act">{_esc(action)}</span>'
        + (f" at ({rec.point[0]}, {rec.point[1]})" if rec.point else "")
        + "</div>",
    ]
    if rec.guard is not None and rec.guard.sensitive:
        parts.append(
            f'<div class="guard">guard: {_esc(rec.guard.decision)} — {_esc(rec.guard.reason)}</div>'
        )
    if rec.error:
        parts.append(f'<div class="err">{_esc(rec.error)}</div>')
    if rec.reward is not None:
        comps = "; ".join(f"{c.name} {c.value:+g} ({c.evidence})" for c in rec.reward_components)
        parts.append(
            f"<div>Reward {rec.reward:+.3g}"
            + (f' <span class="comp">{_esc(comps)}</span>' if comps else "")
            + "</div>"
        )
    if rec.progress is not None:
        pct = 100.0 * rec.progress / top if top > 0 else 0.0
        parts.append(
            f'<div>Progress <span class="bar"><i style="width:{pct:.0f}%"></i></span> '
            f"{rec.progress:.2f}</div>"
        )
    t = rec.timings_ms
    parts.append(
        f'<div class="comp">observe {t.observe:.0f} ms · model {t.model:.0f} ms · '
        f"act {t.act:.0f} ms · settle {t.settle:.0f} ms</div>"
    )
    return f'<div class="step">{pic}<div class="body">{"".join(parts)}</div></div>'


def render_episode(ep_dir: Path) -> str:
    """The HTML report of one episode folder."""
    ep_dir = Path(ep_dir)
    ep = read_episode(ep_dir)
    steps = read_steps(ep_dir)
    goal = ep.goal if ep is not None else (steps[0].goal if steps else "")
    top = max([1.0, *(s.progress for s in steps if s.progress is not None)])
    meta = [f"{_outcome(ep)}", f"{len(steps)} steps"]
    if ep is not None:
        if ep.return_ is not None:
            meta.append(f"return {ep.return_:.3g}")
        if ep.task_id:
            meta.append(f"task {_esc(ep.task_id)} seed {ep.seed}")
        meta.append(f"model {_esc(ep.model or '?')}")
        if ep.reason:
            meta.append(_esc(ep.reason))
    body = "".join(_step_html(ep_dir, s, top) for s in steps)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{_esc(ep_dir.name)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_esc(goal)}</h1><div class="meta">{" · ".join(meta)}</div>{body}'
        "</body></html>"
    )


def write_reports(run_dir: Path) -> Path:
    """Write ``report.html`` in every episode folder of ``run_dir`` (or of a single episode
    folder) and ``index.html`` beside them; returns the index (or the single report)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is not a run directory")
    if (run_dir / "steps.jsonl").exists():  # a single episode folder
        out = run_dir / REPORT
        out.write_text(render_episode(run_dir), encoding="utf-8")
        return out
    rows = []
    for ep_dir in episode_dirs(run_dir):
        if not (ep_dir / "steps.jsonl").exists():
            continue
        (ep_dir / REPORT).write_text(render_episode(ep_dir), encoding="utf-8")
        ep = read_episode(ep_dir)
        ret = "" if ep is None or ep.return_ is None else f"{ep.return_:.3g}"
        rows.append(
            f'<tr><td><a href="{_esc(ep_dir.name)}/{REPORT}">{_esc(ep_dir.name)}</a></td>'
            f"<td>{_esc(ep.goal if ep else '')}</td><td>{_outcome(ep)}</td>"
            f"<td>{ep.steps if ep else ''}</td><td>{ret}</td></tr>"
        )
    if not rows:
        raise ConfigError(f"{run_dir} holds no episodes")
    index = run_dir / "index.html"
    index.write_text(
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{_esc(run_dir.name)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_esc(run_dir.name)}</h1><table><tr><th>episode</th><th>goal</th>"
        f"<th>outcome</th><th>steps</th><th>return</th></tr>{''.join(rows)}</table>"
        "</body></html>",
        encoding="utf-8",
    )
    return index
