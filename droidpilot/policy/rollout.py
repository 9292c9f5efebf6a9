"""Many episodes in parallel, into one run directory (``droidpilot collect``, ``eval``).

The plan is fixed by (specs, seed, languages): episode ``i`` is spec ``i % len(specs)`` with
seed ``seed + i // len(specs)``, in folder ``{i:06d}-{task}-s{seed}``. So a second call with the
same arguments finds what is done (``episode.json``), resumes what was cut off (a folder with
steps but no ``episode.json``: replayed, then continued) and runs the rest: exactly N episodes
at the end, none twice. ``collect.json`` in the run directory keeps the plan's arguments.

The worker seam is :func:`run_job`: a pure function of (job, :class:`WorkerSpec`, run dir) that
runs in whatever process it is sent to. :func:`collect` sends jobs to local worker processes
(``concurrent.futures`` with the ``spawn`` start method; one worker runs in-process); a
:data:`Runner` given to :func:`collect` sends the same jobs elsewhere (the Ray cluster of
:mod:`droidpilot.policy.distributed`). A :class:`WorkerSpec` holds picklable factories (a
top-level function or a ``functools.partial`` of one) that build a device once per worker and
a decider per episode; choosing backends from configuration stays with the CLI and the server.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from droidpilot.device.base import Device
from droidpilot.errors import ConfigError
from droidpilot.policy.agent import START, Agent, AgentConfig, Decider, EpisodeResult
from droidpilot.policy.trajectory import EPISODE, STEPS, read_episode, write_json_atomic
from droidpilot.tasks.registry import get as get_spec
from droidpilot.tasks.spec import Task, TaskSpec
from droidpilot.types import EpisodeRecord

__all__ = [
    "MANIFEST",
    "CollectReport",
    "EpisodeJob",
    "JobResult",
    "Runner",
    "WorkerSpec",
    "collect",
    "finished_episodes",
    "plan_jobs",
    "run_job",
    "unfinished_episodes",
    "worker_device",
]

logger = logging.getLogger(__name__)

MANIFEST = "collect.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSpec:
    """What a worker needs: factories (picklable) and the loop's settings."""

    make_device: Callable[[], Device]
    make_decider: Callable[[Task], Decider]
    agent: AgentConfig = field(default_factory=lambda: AgentConfig(guard="allow"))
    reconnect: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeJob:
    index: int
    episode_id: str
    task_id: str
    seed: int
    lang: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobResult:
    """What a worker reports for one job."""

    job: EpisodeJob
    success: bool | None = None
    terminated: bool = False
    truncated: bool = False
    steps: int = 0
    return_: float | None = None
    error: str | None = None  # the episode ended on a device/model error
    crashed: str | None = None  # no episode.json: the job must run again
    resumed: bool = False
    seconds: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectReport:
    run_dir: Path
    planned: int
    already_done: int
    results: tuple[JobResult, ...]
    seconds: float

    @property
    def finished(self) -> int:
        """Episodes with an ``episode.json`` now (done before plus done now)."""
        return self.already_done + sum(r.crashed is None for r in self.results)

    @property
    def crashed(self) -> tuple[JobResult, ...]:
        return tuple(r for r in self.results if r.crashed is not None)

    @property
    def episodes_per_minute(self) -> float:
        done = sum(r.crashed is None for r in self.results)
        return 60.0 * done / self.seconds if self.seconds > 0 else 0.0


def plan_jobs(
    specs: Sequence[TaskSpec],
    episodes: int,
    *,
    seed: int = 0,
    langs: Sequence[str | None] = (None,),
) -> list[EpisodeJob]:
    """The first ``episodes`` jobs of the plan (a prefix of every longer plan)."""
    if not specs:
        raise ConfigError("no tasks to collect")
    if episodes < 0:
        raise ConfigError(f"episodes must be >= 0, got {episodes}")
    jobs = []
    for i in range(episodes):
        spec = specs[i % len(specs)]
        rnd = i // len(specs)
        s = seed + rnd
        lang = langs[rnd % len(langs)]
        jobs.append(
            EpisodeJob(
                index=i, episode_id=f"{i:06d}-{spec.id}-s{s}", task_id=spec.id, seed=s, lang=lang
            )
        )
    return jobs


# --------------------------------------------------------------------------- a worker

_WORKER: dict[str, object] = {}


def _worker_device(spec: WorkerSpec) -> Device:
    dev = _WORKER.get("device")
    if dev is None:
        dev = spec.make_device()
        _WORKER["device"] = dev
    assert isinstance(dev, Device)
    return dev


def worker_device(spec: WorkerSpec) -> Device:
    """This process's device, built once by ``spec.make_device`` (what :func:`run_job` uses)."""
    return _worker_device(spec)


def run_job(job: EpisodeJob, spec: WorkerSpec, run_dir: Path, run_id: str) -> JobResult:
    """Run (or resume) one planned episode in this process. Never raises: a failure that left
    no ``episode.json`` comes back as ``crashed`` (the next collect runs it again)."""
    t0 = time.perf_counter()
    ep_dir = Path(run_dir) / job.episode_id
    try:
        done = read_episode(ep_dir)
        if done is not None:
            return _result(job, done, None, resumed=False, t0=t0)
        task = get_spec(job.task_id).instantiate(job.seed, lang=job.lang)
        device = _worker_device(spec)
        agent = Agent(
            device,
            spec.make_decider(task),
            config=spec.agent,
            reconnect=_reconnector(spec) if spec.reconnect else None,
        )
        resumed = False
        if (ep_dir / START).exists():
            resumed = True
            res: EpisodeResult = agent.resume(ep_dir, task=task)
        else:
            if ep_dir.exists():  # killed before its start was written: nothing to keep
                shutil.rmtree(ep_dir)
            res = agent.run(Path(run_dir), task=task, episode_id=job.episode_id, run_id=run_id)
        _WORKER["device"] = agent.device  # a reconnect may have replaced it
        return _result(job, res.episode, res.error, resumed=resumed, t0=t0)
    except Exception as exc:  # the worker's boundary: report, never take the pool down
        logger.exception("episode %s crashed", job.episode_id)
        _WORKER.pop("device", None)
        return JobResult(
            job=job, crashed=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - t0
        )


def _reconnector(spec: WorkerSpec) -> Callable[[], Device]:
    return spec.make_device


def _result(
    job: EpisodeJob, ep: EpisodeRecord, error: str | None, *, resumed: bool, t0: float
) -> JobResult:
    return JobResult(
        job=job,
        success=ep.success,
        terminated=ep.terminated,
        truncated=ep.truncated,
        steps=ep.steps,
        return_=ep.return_,
        error=error,
        resumed=resumed,
        seconds=time.perf_counter() - t0,
    )


def _init_worker(spec: WorkerSpec) -> None:
    logging.getLogger("droidpilot").setLevel(logging.WARNING)
    _worker_device(spec)


# --------------------------------------------------------------------------- the pool

#: What runs the jobs that are not done yet: ``(todo, worker, run_dir, run_id, on_result)``,
#: yielding one :class:`JobResult` per job (after calling ``on_result`` with it). The default
#: is local worker processes; :mod:`droidpilot.policy.distributed` has a Ray one.
Runner = Callable[
    [Sequence[EpisodeJob], WorkerSpec, Path, str, Callable[[JobResult], None] | None],
    Iterable[JobResult],
]


def _check_manifest(run_dir: Path, doc: dict[str, object]) -> str:
    """Write ``collect.json`` or check that it plans the same episodes; the run id."""
    path = run_dir / MANIFEST
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        for key in ("tasks", "seed", "langs"):
            if old.get(key) != doc.get(key):
                raise ConfigError(
                    f"{run_dir} was collected with {key}={old.get(key)!r}, not {doc.get(key)!r}; "
                    "use another --out or the same arguments"
                )
        return str(old.get("run_id") or uuid.uuid4().hex[:12])
    run_id = uuid.uuid4().hex[:12]
    write_json_atomic(path, {**doc, "run_id": run_id})
    return run_id


def collect(
    run_dir: Path,
    *,
    specs: Sequence[TaskSpec],
    episodes: int,
    worker: WorkerSpec,
    workers: int = 1,
    seed: int = 0,
    langs: Sequence[str | None] = (None,),
    on_result: Callable[[JobResult], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    runner: Runner | None = None,
) -> CollectReport:
    """Run the first ``episodes`` jobs of the plan that are not done yet, ``workers`` at once.

    ``on_plan(planned, already_done)`` is called once; ``on_result`` after each job.
    ``runner`` runs the jobs somewhere else than local worker processes.
    """
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    run_id = _check_manifest(run_dir, {
        "tasks": [s.id for s in specs], "seed": seed, "langs": list(langs),
    })  # fmt: skip
    jobs = plan_jobs(specs, episodes, seed=seed, langs=langs)
    todo = [j for j in jobs if not (run_dir / j.episode_id / EPISODE).exists()]
    already = len(jobs) - len(todo)
    if on_plan is not None:
        on_plan(len(jobs), already)
    logger.info(
        "collect: %d planned, %d done, %d to run on %d workers",
        len(jobs),
        already,
        len(todo),
        workers,
    )
    t0 = time.perf_counter()
    if runner is not None:
        results = list(runner(todo, worker, run_dir, run_id, on_result))
    else:
        results = list(_run_all(todo, worker, run_dir, run_id, workers, on_result))
    results.sort(key=lambda r: r.job.index)
    return CollectReport(
        run_dir=run_dir,
        planned=len(jobs),
        already_done=already,
        results=tuple(results),
        seconds=time.perf_counter() - t0,
    )


def _context() -> multiprocessing.context.BaseContext:
    """``spawn``: workers start clean (no copied threads or locks of the parent)."""
    return multiprocessing.get_context("spawn")


def _run_all(
    todo: Sequence[EpisodeJob],
    worker: WorkerSpec,
    run_dir: Path,
    run_id: str,
    workers: int,
    on_result: Callable[[JobResult], None] | None,
) -> Iterable[JobResult]:
    if not todo:
        return
    if workers == 1 or len(todo) == 1:
        for job in todo:
            res = run_job(job, worker, run_dir, run_id)
            if on_result is not None:
                on_result(res)
            yield res
        return
    ctx = _context()
    with ProcessPoolExecutor(
        max_workers=min(workers, len(todo)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(worker,),
    ) as pool:
        futures: dict[Future[JobResult], EpisodeJob] = {
            pool.submit(run_job, job, worker, run_dir, run_id): job for job in todo
        }
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # a worker process died: the job runs again next time
                logger.exception("worker failed on %s", futures[fut].episode_id)
                res = JobResult(job=futures[fut], crashed=f"{type(exc).__name__}: {exc}")
            if on_result is not None:
                on_result(res)
            yield res


def finished_episodes(run_dir: Path) -> list[Path]:
    """Episode folders of a run with an ``episode.json``."""
    return sorted(p.parent for p in Path(run_dir).glob(f"*/{EPISODE}"))


def unfinished_episodes(run_dir: Path) -> list[Path]:
    """Episode folders with steps but no ``episode.json`` (resumable)."""
    return sorted(
        p.parent for p in Path(run_dir).glob(f"*/{STEPS}") if not (p.parent / EPISODE).exists()
    )
