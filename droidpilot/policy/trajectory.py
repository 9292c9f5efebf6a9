"""Run directories: one folder per episode, one JSON line per step, flushed before the next.

Layout (DESIGN.md "The command line")::

    RUN_DIR/
      EPISODE_ID/episode.json        written when the episode ends (atomically)
      EPISODE_ID/steps.jsonl         one StepRecord per line, fsynced line by line
      EPISODE_ID/screens/NNNN.png    the screenshot the step saw
      EPISODE_ID/screens/NNNN.xml    the hierarchy the step saw

A process killed mid-episode leaves at most one partial line at the end of ``steps.jsonl``;
:func:`read_steps` drops it (with a log line) and :meth:`EpisodeWriter.resume` cuts it off so
the episode can go on from the last whole step.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from droidpilot.errors import DroidpilotError, ValidationError
from droidpilot.types import EpisodeRecord, StepRecord, from_json, to_json

__all__ = [
    "EpisodeWriter",
    "TrajectoryError",
    "episode_dirs",
    "read_episode",
    "read_steps",
    "write_json_atomic",
]

logger = logging.getLogger(__name__)

STEPS = "steps.jsonl"
EPISODE = "episode.json"
SCREENS = "screens"


class TrajectoryError(DroidpilotError):
    """A run directory that cannot be read or written."""


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, doc: object) -> None:
    """Write JSON to ``path`` so that a reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _whole_lines(path: Path) -> tuple[list[bytes], int]:
    """The complete lines of a JSONL file and the byte length they cover."""
    raw = path.read_bytes() if path.exists() else b""
    end = raw.rfind(b"\n") + 1
    if end < len(raw):
        logger.warning(
            "%s: dropping a partial last line of %d bytes (the writer was killed mid-step)",
            path,
            len(raw) - end,
        )
    return [line for line in raw[:end].split(b"\n") if line.strip()], end


def read_steps(episode_dir: Path) -> list[StepRecord]:
    """The step records of an episode, in order, without a partial last line."""
    path = Path(episode_dir) / STEPS
    lines, _ = _whole_lines(path)
    steps = []
    for n, line in enumerate(lines, start=1):
        try:
            steps.append(from_json(StepRecord, json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise TrajectoryError(f"{path}:{n}: not a step record: {exc}") from exc
    return steps


def read_episode(episode_dir: Path) -> EpisodeRecord | None:
    """``episode.json`` of an episode, or ``None`` if it never finished."""
    path = Path(episode_dir) / EPISODE
    if not path.exists():
        return None
    try:
        return from_json(EpisodeRecord, json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise TrajectoryError(f"{path}: not an episode record: {exc}") from exc


def episode_dirs(run_dir: Path) -> Iterator[Path]:
    """The episode folders of a run directory, sorted by name."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return
    for child in sorted(run_dir.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            yield child


class EpisodeWriter:
    """Appends the steps of one episode; each step is on disk before ``append`` returns."""

    def __init__(self, episode_dir: Path, *, next_step: int = 0) -> None:
        self.dir = Path(episode_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / SCREENS).mkdir(exist_ok=True)
        self.next_step = next_step
        self._fh = open(self.dir / STEPS, "ab")  # noqa: SIM115 - kept open across steps
        self._closed = False

    @classmethod
    def create(cls, run_dir: Path, episode_id: str) -> EpisodeWriter:
        path = Path(run_dir) / episode_id
        if (path / STEPS).exists() or (path / EPISODE).exists():
            raise TrajectoryError(f"episode {episode_id} already exists in {run_dir}")
        return cls(path)

    @classmethod
    def resume(cls, episode_dir: Path) -> tuple[EpisodeWriter, list[StepRecord]]:
        """Reopen an unfinished episode: cut off a partial last line, go on after the last step."""
        episode_dir = Path(episode_dir)
        if (episode_dir / EPISODE).exists():
            raise TrajectoryError(f"{episode_dir} is finished; nothing to resume")
        steps = read_steps(episode_dir)
        path = episode_dir / STEPS
        if path.exists():
            _, end = _whole_lines(path)
            with open(path, "r+b") as fh:
                fh.truncate(end)
                fh.flush()
                os.fsync(fh.fileno())
        for k, rec in enumerate(steps):
            if rec.step != k:
                raise TrajectoryError(f"{path}: step {rec.step} found where {k} was expected")
        return cls(episode_dir, next_step=len(steps)), steps

    def save_screen(
        self, step: int, *, png: bytes | None, xml: str | None
    ) -> tuple[str | None, str | None, str]:
        """Write a step's screenshot and hierarchy; returns their relative paths and the sha256."""
        png_rel = xml_rel = None
        sha = ""
        if png is not None:
            png_rel = f"{SCREENS}/{step:04d}.png"
            (self.dir / png_rel).write_bytes(png)
        if xml is not None:
            data = xml.encode("utf-8")
            sha = hashlib.sha256(data).hexdigest()
            xml_rel = f"{SCREENS}/{step:04d}.xml"
            (self.dir / xml_rel).write_bytes(data)
        return png_rel, xml_rel, sha

    def append(self, record: StepRecord) -> StepRecord:
        """Write one step record (its ``step`` must be the next one) and fsync it."""
        if self._closed:
            raise TrajectoryError(f"{self.dir}: the episode writer is closed")
        if record.step != self.next_step:
            raise TrajectoryError(
                f"{self.dir}: step {record.step} written where {self.next_step} was expected"
            )
        line = json.dumps(to_json(record), ensure_ascii=False, separators=(",", ":"))
        self._fh.write(line.encode("utf-8") + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.next_step += 1
        return record

    def finish(self, episode: EpisodeRecord) -> EpisodeRecord:
        """Write ``episode.json`` (atomically) and close; the step count is filled in."""
        episode = replace(episode, steps=self.next_step)
        self.close()
        write_json_atomic(self.dir / EPISODE, to_json(episode))
        return episode

    def close(self) -> None:
        if not self._closed:
            self._fh.close()
            self._closed = True

    def __enter__(self) -> EpisodeWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
