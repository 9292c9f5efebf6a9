from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from droidpilot.policy.trajectory import (
    EpisodeWriter,
    TrajectoryError,
    episode_dirs,
    read_episode,
    read_steps,
)
from droidpilot.types import EpisodeRecord, StepRecord, TapAction


def rec(step: int, **kw: object) -> StepRecord:
    return StepRecord(
        run_id="r", episode_id="e1", step=step, ts=float(step), goal="点外卖",
        action=TapAction(element=step), reward=0.1, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_write_read_finish(tmp_path: Path) -> None:
    w = EpisodeWriter.create(tmp_path, "e1")
    png, xml, sha = w.save_screen(0, png=b"\x89PNG", xml="<hierarchy/>")
    assert (png, xml) == ("screens/0000.png", "screens/0000.xml")
    assert len(sha) == 64
    w.append(rec(0, screenshot_path=png, hierarchy_path=xml, hierarchy_sha256=sha))
    w.append(rec(1))
    with pytest.raises(TrajectoryError, match="expected"):
        w.append(rec(5))
    ep = w.finish(EpisodeRecord(run_id="r", episode_id="e1", goal="点外卖", success=True))
    assert ep.steps == 2
    assert [s.step for s in read_steps(tmp_path / "e1")] == [0, 1]
    assert read_episode(tmp_path / "e1") == ep
    assert json.loads((tmp_path / "e1" / "episode.json").read_text())["return"] is None
    assert list(episode_dirs(tmp_path)) == [tmp_path / "e1"]
    with pytest.raises(TrajectoryError, match="already exists"):
        EpisodeWriter.create(tmp_path, "e1")
    with pytest.raises(TrajectoryError, match="finished"):
        EpisodeWriter.resume(tmp_path / "e1")


def test_partial_last_line_is_dropped_and_resume_continues(tmp_path: Path) -> None:
    w = EpisodeWriter.create(tmp_path, "e1")
    w.append(rec(0))
    w.append(rec(1))
    w.close()
    steps = tmp_path / "e1" / "steps.jsonl"
    with open(steps, "ab") as fh:
        fh.write(b'{"schema_version": 1, "run_id": "r", "epis')  # killed mid-write
    assert [s.step for s in read_steps(tmp_path / "e1")] == [0, 1]
    w2, done = EpisodeWriter.resume(tmp_path / "e1")
    assert [s.step for s in done] == [0, 1]
    w2.append(rec(2))
    w2.close()
    assert [s.step for s in read_steps(tmp_path / "e1")] == [0, 1, 2]


def test_a_corrupt_whole_line_is_an_error_not_silence(tmp_path: Path) -> None:
    d = tmp_path / "e1"
    d.mkdir()
    (d / "steps.jsonl").write_text('{"not": "a step"}\n')
    with pytest.raises(TrajectoryError, match=r"steps\.jsonl:1"):
        read_steps(d)


def test_sigkill_mid_episode_loses_at_most_the_step_in_flight(tmp_path: Path) -> None:
    """A writer process is SIGKILLed while it writes; every step it reported is on disk."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from droidpilot.policy.trajectory import EpisodeWriter
        from droidpilot.types import StepRecord, TapAction
        w = EpisodeWriter.create(Path({str(tmp_path)!r}), "e1")
        for k in range(100000):
            w.save_screen(k, png=b"x" * 2000, xml=None)
            w.append(StepRecord(run_id="r", episode_id="e1", step=k, ts=0.0, goal="g" * 3000,
                                action=TapAction(element=1)))
            print(k, flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert proc.stdout is not None
    reported = -1
    deadline = time.monotonic() + 30
    while reported < 30 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        reported = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert reported >= 30, "the writer did not get going"
    steps = read_steps(tmp_path / "e1")
    assert len(steps) >= reported + 1  # every step it said it wrote is there
    assert [s.step for s in steps] == list(range(len(steps)))
    w, done = EpisodeWriter.resume(tmp_path / "e1")
    assert len(done) == len(steps)
    w.append(StepRecord(run_id="r", episode_id="e1", step=len(done), ts=0.0, goal="g"))
    w.close()
    assert len(read_steps(tmp_path / "e1")) == len(steps) + 1
