"""``collect`` on a Ray cluster: one episode actor per device, an optional shared model actor,
health checks, retries, and one writer of the run directory.

:func:`ray_collect` is :func:`droidpilot.policy.rollout.collect` (the same plan, manifest,
resume and report) with a :class:`RayRunner` as its runner:

- **Episode actors**, one per device: each builds its device once (``WorkerSpec.make_device``:
  a simulated phone inside the actor), or, with ``devices="adb"``, one actor per adb device that
  each node of the cluster lists, pinned to that node. An actor runs a job with the same
  :func:`~droidpilot.policy.rollout.run_job` as a local worker, into a staging folder of its own,
  and ships the finished episode folder back as bytes.
- **One writer**: the driver alone writes the run directory. A shipped episode is written under
  ``RUN_DIR/.incoming/`` and renamed into place, and only if that episode is not there already,
  so no two workers clobber each other and no episode is there twice (nodes need no shared
  file system). An episode cut off by an earlier collect is shipped to the actor that resumes it.
- **Shared model** (optional): one :class:`~droidpilot.policy.shared_model.ModelServer` actor
  (on a GPU with ``model_gpus``) batches the generation requests of every episode actor; each
  episode's planner talks to it through a :class:`~droidpilot.policy.shared_model.RemoteBackend`.
  Without it the planner lives inside each episode actor (small model, CPU), as ``WorkerSpec``
  builds it.
- **Health**: an actor whose device does not answer its check (``current_app``), whose episode
  ends on a device error or runs past ``episode_timeout_s``, or whose process dies, is restarted
  (a fresh process and device) and its episode runs again, on whichever actor is free. A device
  that fails ``quarantine_after`` times in a row is quarantined (its actor stopped) and reported
  in :attr:`RayCollectReport.devices`. An episode is tried at most ``max_attempts`` times; one that
  never finished is left out of the run directory (the next collect runs it), so the dataset
  holds exactly the planned episodes, none twice.

Ray is an optional extra (``pip install 'droidpilot[ray]'``): it is imported inside the calls.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import math
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from droidpilot.device.base import Device
from droidpilot.errors import ConfigError, DeviceError, DeviceNotFound, DroidpilotError
from droidpilot.planner.backends import Backend
from droidpilot.policy.rollout import (
    CollectReport,
    EpisodeJob,
    JobResult,
    WorkerSpec,
    collect,
    run_job,
    worker_device,
)
from droidpilot.policy.shared_model import (
    ModelServer,
    RemoteBackend,
    remote_model_error,
    shared_planner,
)
from droidpilot.policy.trajectory import EPISODE
from droidpilot.tasks.spec import TaskSpec

__all__ = [
    "INCOMING",
    "DeviceHealth",
    "EpisodeFiles",
    "EpisodeWorker",
    "RayCollectReport",
    "RayOptions",
    "RayRunner",
    "adb_serials",
    "commit_episode",
    "connect",
    "ray_collect",
]

logger = logging.getLogger(__name__)

#: Where the driver writes a shipped episode before renaming it into the run directory.
INCOMING = ".incoming"
#: How long to wait before asking a restarting actor again whether it is up.
RETRY_READY_S = 0.25


def adb_serials() -> list[str]:
    """The serials of the devices the adb server of this node lists as ``device`` (ready)."""
    try:
        import adbutils

        return sorted(d.serial for d in adbutils.adb.device_list() if d.serial)
    except Exception as exc:  # adbutils' own errors, a missing server: map at the boundary
        raise DeviceNotFound(f"cannot list adb devices on {socket.gethostname()}: {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class RayOptions:
    """How :func:`ray_collect` uses the cluster.

    ``address``: ``None`` joins the cluster ``RAY_ADDRESS`` or a local ``ray start`` names, else
    starts a Ray instance on this machine; ``"local"`` always starts one; otherwise a cluster
    address (``HOST:6379``, ``ray://HOST:10001``). ``workers``: episode actors (with
    ``devices="adb"``: the most devices to use; 0 = all). ``model``: a picklable factory of the
    backend of the shared model actor (``None``: the planner lives in each episode actor).
    """

    address: str | None = None
    workers: int = 2
    devices: Literal["worker", "adb"] = "worker"
    device_for_serial: Callable[[str], Device] | None = None
    list_serials: Callable[[], Sequence[str]] = adb_serials
    model: Callable[[], Backend] | None = None
    model_gpus: float = 0.0
    model_cpus: float = 1.0
    actor_cpus: float = 1.0
    max_batch: int = 16
    batch_wait_s: float = 0.005
    model_timeout_s: float | None = 600.0
    episode_timeout_s: float | None = 900.0
    start_timeout_s: float = 300.0
    max_attempts: int = 3
    quarantine_after: int = 3
    init_kwargs: tuple[tuple[str, Any], ...] = ()  # extra ray.init arguments (a local instance)

    def __post_init__(self) -> None:
        if self.workers < 0 or (self.workers == 0 and self.devices == "worker"):
            raise ConfigError(f"workers must be at least 1, got {self.workers}")
        if self.devices == "adb" and self.device_for_serial is None:
            raise ConfigError('devices="adb" needs device_for_serial (a serial -> Device factory)')
        if self.max_attempts < 1 or self.quarantine_after < 1:
            raise ConfigError("max_attempts and quarantine_after must be at least 1")
        for name in ("episode_timeout_s", "model_timeout_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"{name} must be positive, got {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceHealth:
    """One device (and its actor) at the end of a Ray collect."""

    name: str
    serial: str  # "worker" (the WorkerSpec's own device, e.g. a simulated phone) or adb serial
    node: str = ""
    episodes: int = 0  # episodes it finished
    failures: int = 0  # failures in all (restarts, timeouts, device errors, deaths)
    restarts: int = 0
    quarantined: bool = False
    last_error: str | None = None
    state: str = ""  # at the end: idle, starting (never came up, or restarting), quarantined


@dataclass(frozen=True, slots=True, kw_only=True)
class RayCollectReport:
    """A :class:`CollectReport` plus what the cluster did."""

    report: CollectReport
    address: str = ""
    devices: tuple[DeviceHealth, ...] = ()
    retries: int = 0  # episode runs that were thrown away and run again
    duplicates: int = 0  # shipped episodes dropped because the run dir had them already
    batch_sizes: tuple[int, ...] = ()  # of the shared model actor, in order

    @property
    def quarantined(self) -> tuple[DeviceHealth, ...]:
        return tuple(d for d in self.devices if d.quarantined)


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeFiles:
    """An episode folder as (relative path, bytes) pairs, shipped between nodes."""

    files: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def pack(cls, folder: Path) -> EpisodeFiles:
        folder = Path(folder)
        if not folder.is_dir():
            return cls()
        return cls(
            files=tuple(
                (p.relative_to(folder).as_posix(), p.read_bytes())
                for p in sorted(folder.rglob("*"))
                if p.is_file()
            )
        )

    def unpack(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files:
            path = (folder / rel).resolve()
            if not path.is_relative_to(folder.resolve()):
                raise DeviceError(f"refusing to write {rel!r} outside {folder}")
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())

    @property
    def size(self) -> int:
        return sum(len(d) for _, d in self.files)


def commit_episode(run_dir: Path, episode_id: str, files: EpisodeFiles) -> bool:
    """Put a finished episode into the run directory, all at once; ``False`` if it is there
    already (with its ``episode.json``). Call from one process only (the driver)."""
    run_dir = Path(run_dir)
    target = run_dir / episode_id
    if (target / EPISODE).exists():
        return False
    incoming = run_dir / INCOMING
    tmp = incoming / f"{episode_id}.{uuid.uuid4().hex[:8]}"
    files.unpack(tmp)
    if not (tmp / EPISODE).exists():
        shutil.rmtree(tmp, ignore_errors=True)
        raise DeviceError(f"episode {episode_id} came back without its {EPISODE}")
    stale = None
    if target.exists():  # the cut-off folder the actor resumed from: replaced
        stale = incoming / f"{episode_id}.stale.{uuid.uuid4().hex[:8]}"
        os.rename(target, stale)
    os.rename(tmp, target)
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if stale is not None:
        shutil.rmtree(stale, ignore_errors=True)
    return True


# --------------------------------------------------------------------------- the actor


def _family(cls: type[BaseException]) -> frozenset[str]:
    return frozenset({cls.__name__}).union(*(_family(c) for c in cls.__subclasses__()))


_DEVICE_ERRORS = _family(DeviceError)


def _device_failure(error: str | None) -> bool:
    """Whether an episode's error (``"Kind: message"``) is the device's fault."""
    return bool(error) and str(error).split(":", 1)[0].strip() in _DEVICE_ERRORS


@dataclass(frozen=True, slots=True, kw_only=True)
class Shipment:
    """What an episode actor returns for a job: the result, and the folder when it finished."""

    result: JobResult
    files: EpisodeFiles = field(default_factory=EpisodeFiles)


class EpisodeWorker:
    """The episode actor's body (``ray.remote(EpisodeWorker)``): one device, jobs one by one."""

    def __init__(self, spec: WorkerSpec, run_id: str, name: str) -> None:
        logging.getLogger("droidpilot").setLevel(logging.WARNING)
        self.spec = spec
        self.run_id = run_id
        self.name = name
        self.stage = Path(tempfile.gettempdir()) / "droidpilot-ray" / f"{name}-{os.getpid()}"
        shutil.rmtree(self.stage, ignore_errors=True)
        self.stage.mkdir(parents=True)

    def ready(self) -> tuple[str, str]:
        """Build the device and check that it answers; (node, pid) of this actor."""
        self._check()
        return socket.gethostname(), str(os.getpid())

    def run(self, job: EpisodeJob, partial: EpisodeFiles) -> Shipment:
        """Check the device, then run (or resume, from ``partial``) one job."""
        self._check()
        ep_dir = self.stage / job.episode_id
        shutil.rmtree(ep_dir, ignore_errors=True)
        if partial.files:
            partial.unpack(ep_dir)
        try:
            res = run_job(job, self.spec, self.stage, self.run_id)
            files = EpisodeFiles.pack(ep_dir) if res.crashed is None else EpisodeFiles()
            return Shipment(result=res, files=files)
        finally:
            shutil.rmtree(ep_dir, ignore_errors=True)

    def _check(self) -> None:
        try:
            worker_device(self.spec).current_app()
        except DroidpilotError:
            raise
        except Exception as exc:  # a device factory's own error: a device failure
            raise DeviceError(
                f"{self.name}: the device failed: {type(exc).__name__}: {exc}"
            ) from exc


# --------------------------------------------------------------------------- the driver


@dataclass(kw_only=True)
class _Slot:
    """The driver's bookkeeping of one episode actor."""

    name: str
    serial: str
    spec: WorkerSpec
    node_id: str | None = None
    node: str = ""
    actor: Any = None
    state: Literal["starting", "idle", "busy", "quarantined"] = "starting"
    ref: Any = None
    job: tuple[EpisodeJob, int] | None = None
    deadline: float | None = None
    retry_at: float = 0.0  # when to ask a restarting actor whether it is ready again
    strikes: int = 0  # failures in a row
    failures: int = 0
    restarts: int = 0
    episodes: int = 0
    last_error: str | None = None

    def health(self) -> DeviceHealth:
        return DeviceHealth(
            name=self.name, serial=self.serial, node=self.node, episodes=self.episodes,
            failures=self.failures, restarts=self.restarts,
            quarantined=self.state == "quarantined", last_error=self.last_error,
            state=self.state,
        )  # fmt: skip


def connect(address: str | None, **init_kwargs: Any) -> bool:
    """Connect to (or start) Ray; ``True`` when this call started it (and should stop it)."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("Ray is not installed: pip install 'droidpilot[ray]'") from exc
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING}
    kwargs.update(init_kwargs)
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Ray cluster at {address or 'auto'}: {exc}") from exc
    return True


class RayRunner:
    """A :data:`~droidpilot.policy.rollout.Runner` over Ray actors (see the module docstring).

    ``clock`` and ``sleep`` are injected (deadlines, waits); ``on_event`` sees health events
    (``restarted``, ``quarantined``).
    """

    def __init__(
        self,
        options: RayOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_event: Callable[[str, DeviceHealth], None] | None = None,
    ) -> None:
        self.options = options
        self.clock = clock
        self.sleep = sleep
        self.on_event = on_event
        self.slots: list[_Slot] = []
        self.retries = 0
        self.duplicates = 0
        self.batch_sizes: tuple[int, ...] = ()
        self._model: Any = None
        self._run_id = ""
        self._cpus = options.actor_cpus

    # ------------------------------------------------------------------ public

    def __call__(
        self,
        todo: Sequence[EpisodeJob],
        worker: WorkerSpec,
        run_dir: Path,
        run_id: str,
        on_result: Callable[[JobResult], None] | None,
    ) -> Iterator[JobResult]:
        if not todo:
            return
        run_dir = Path(run_dir)
        shutil.rmtree(run_dir / INCOMING, ignore_errors=True)  # a killed driver's leftovers
        try:
            self._run_id = run_id
            spec = self._start_model(worker)
            self._start_actors(spec, run_id)
            for res in self._loop(todo, run_dir):
                if on_result is not None:
                    on_result(res)
                yield res
            self._collect_stats()
        finally:
            self.close()

    def devices(self) -> tuple[DeviceHealth, ...]:
        return tuple(s.health() for s in self.slots)

    def close(self) -> None:
        """Stop every actor this runner started."""
        import ray

        for slot in self.slots:
            if slot.actor is not None:
                with contextlib.suppress(Exception):  # gone already
                    ray.kill(slot.actor, no_restart=True)
                slot.actor = None
        if self._model is not None:
            with contextlib.suppress(Exception):
                ray.kill(self._model, no_restart=True)
            self._model = None

    # ------------------------------------------------------------------ start-up

    def _start_model(self, worker: WorkerSpec) -> WorkerSpec:
        import ray

        opts = self.options
        if opts.model is None:
            return worker
        actor_cls = ray.remote(ModelServer)
        self._model = actor_cls.options(
            num_cpus=opts.model_cpus, num_gpus=opts.model_gpus, max_restarts=0,
            max_concurrency=1000,
        ).remote(opts.model, opts.max_batch, opts.batch_wait_s)  # fmt: skip
        try:
            name = str(ray.get(self._model.name.remote(), timeout=opts.start_timeout_s))
        except Exception as exc:  # the actor's creation failed: say why, as a PlannerError
            raise remote_model_error(exc, "model") from exc
        logger.info("shared model actor up: %s", name)
        backend = RemoteBackend(self._model, name, timeout_s=opts.model_timeout_s)
        return replace(worker, make_decider=functools.partial(shared_planner, backend))

    def _start_actors(self, spec: WorkerSpec, run_id: str) -> None:
        opts = self.options
        if opts.devices == "worker":
            self.slots = [
                _Slot(name=f"dp-{run_id}-{i}", serial="worker", spec=spec)
                for i in range(opts.workers)
            ]
        else:
            self.slots = self._adb_slots(spec, run_id)
        if not self.slots:
            raise DeviceNotFound("no devices on the cluster's nodes (adb lists none)")
        self._cpus = self._fit_cpus(len(self.slots))
        for slot in self.slots:
            self._spawn(slot)
        logger.info("started %d episode actors", len(self.slots))

    def _adb_slots(self, spec: WorkerSpec, run_id: str) -> list[_Slot]:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        opts = self.options
        assert opts.device_for_serial is not None
        lister = ray.remote(num_cpus=0)(_list_on_node)
        nodes = [n for n in ray.nodes() if n.get("Alive")]  # type: ignore[no-untyped-call]
        refs = [
            lister.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
            ).remote(opts.list_serials)
            for n in nodes
        ]
        slots: list[_Slot] = []
        for node, ref in zip(nodes, refs, strict=True):
            try:
                serials = ray.get(ref, timeout=opts.start_timeout_s)
            except Exception as exc:  # a node that cannot list its devices: skip it, say so
                logger.warning("node %s: cannot list adb devices: %s", node["NodeID"][:8], exc)
                continue
            for serial in serials:
                slots.append(
                    _Slot(
                        name=f"dp-{run_id}-{len(slots)}", serial=serial, node_id=node["NodeID"],
                        node=str(node.get("NodeManagerAddress", "")),
                        spec=replace(spec, make_device=functools.partial(
                            opts.device_for_serial, serial)),
                    )
                )  # fmt: skip
        if opts.workers:
            slots = slots[: opts.workers]
        return slots

    def _fit_cpus(self, actors: int) -> float:
        """CPUs per episode actor: as asked, or less so that every actor fits the cluster (an
        actor that cannot be placed would wait for ever)."""
        import ray

        opts = self.options
        total = float(ray.cluster_resources().get("CPU", 0.0))  # type: ignore[no-untyped-call]
        free = total - (opts.model_cpus if opts.model is not None else 0.0)
        if total and actors * opts.actor_cpus > free:
            fit = max(0.01, math.floor(100 * free / actors) / 100)
            logger.warning("%d episode actors need %.2f CPUs each but the cluster has %g: using "
                           "%.2f each", actors, opts.actor_cpus, total, fit)  # fmt: skip
            return fit
        return opts.actor_cpus

    def _spawn(self, slot: _Slot) -> None:
        import ray

        options: dict[str, Any] = {
            "num_cpus": self._cpus, "max_restarts": -1, "max_task_retries": 0,
        }  # fmt: skip
        if slot.node_id is not None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(
                slot.node_id, soft=False
            )
        slot.actor = (
            ray.remote(EpisodeWorker).options(**options).remote(slot.spec, self._run_id, slot.name)
        )
        self._await_ready(slot)

    def _await_ready(self, slot: _Slot) -> None:
        slot.state = "starting"
        slot.job = None
        slot.ref = None  # asked by the loop (again, while Ray restarts it)
        slot.retry_at = self.clock() + (RETRY_READY_S if slot.restarts else 0.0)
        slot.deadline = self.clock() + self.options.start_timeout_s

    # ------------------------------------------------------------------ the loop

    def _loop(self, todo: Sequence[EpisodeJob], run_dir: Path) -> Iterator[JobResult]:
        import ray

        pending: collections.deque[tuple[EpisodeJob, int]] = collections.deque(
            (job, 1) for job in todo
        )
        while True:
            now = self.clock()
            for slot in self.slots:
                if slot.state == "starting" and slot.ref is None and now >= slot.retry_at:
                    slot.ref = slot.actor.ready.remote()
                elif slot.state == "idle" and pending:
                    self._dispatch(slot, pending.popleft(), run_dir)
            busy = any(s.state == "busy" for s in self.slots)
            if not busy and (not pending or all(s.state == "quarantined" for s in self.slots)):
                break  # all done, or no healthy device left
            live = {s.ref: s for s in self.slots if s.ref is not None}
            if live:
                ready, _ = ray.wait(list(live), num_returns=1, timeout=self._poll())
            else:
                ready = []
                self.sleep(self._poll())
            for ref in ready:
                slot = live[ref]
                slot.ref = None
                yield from self._settle(slot, ref, pending, run_dir)
            now = self.clock()
            for slot in self.slots:
                if (
                    slot.state in ("starting", "busy")
                    and slot.deadline is not None
                    and (now > slot.deadline)
                ):
                    what = "episode" if slot.state == "busy" else "start-up"
                    yield from self._failed(
                        slot, f"{what} timed out", pending, kill=True, count_attempt=True
                    )
        for job, _ in pending:
            yield JobResult(job=job, crashed="no healthy device left (all quarantined)")

    def _poll(self) -> float:
        now = self.clock()
        times = [s.deadline for s in self.slots if s.ref is not None and s.deadline is not None]
        times += [s.retry_at for s in self.slots if s.state == "starting" and s.ref is None]
        if not times:
            return 1.0
        return max(0.02, min(1.0, min(times) - now))

    def _dispatch(self, slot: _Slot, item: tuple[EpisodeJob, int], run_dir: Path) -> None:
        job, _ = item
        partial = EpisodeFiles.pack(run_dir / job.episode_id)  # a cut-off episode, to resume
        slot.state = "busy"
        slot.job = item
        slot.ref = slot.actor.run.remote(job, partial)
        timeout = self.options.episode_timeout_s
        slot.deadline = None if timeout is None else self.clock() + timeout

    def _settle(
        self, slot: _Slot, ref: Any, pending: collections.deque[tuple[EpisodeJob, int]],
        run_dir: Path,
    ) -> Iterator[JobResult]:  # fmt: skip
        import ray
        from ray.exceptions import ActorUnavailableError, RayError, RayTaskError

        try:
            value = ray.get(ref)
        except ActorUnavailableError:
            if slot.state == "starting":  # still restarting: ask again shortly (until deadline)
                slot.retry_at = self.clock() + RETRY_READY_S
                return
            yield from self._failed(
                slot, "its process died mid-episode", pending, kill=False, count_attempt=True
            )
            return
        except RayTaskError as exc:  # the actor's check or run raised: its device failed
            cause = getattr(exc, "cause", None)
            yield from self._failed(
                slot, _short(cause or exc), pending, kill=True,
                count_attempt=not isinstance(cause, DeviceError),
            )  # fmt: skip
            return
        except RayError as exc:  # the actor died (killed, crashed, its node lost)
            yield from self._failed(slot, _short(exc), pending, kill=False, count_attempt=True)
            return
        if slot.state == "starting":
            slot.node = slot.node or str(value[0])
            slot.state = "idle"
            slot.deadline = None
            return
        assert slot.job is not None
        job, attempt = slot.job
        shipment: Shipment = value
        res = shipment.result
        if res.crashed is not None or _device_failure(res.error):
            reason = res.crashed or str(res.error)
            if attempt < self.options.max_attempts:
                yield from self._failed(slot, reason, pending, kill=True, count_attempt=True)
                return
            # the last try: keep what it gave (an episode that ended on the error, or nothing)
            self._strike(slot, reason, kill=True)
            if res.crashed is None:
                self._commit(job, shipment, run_dir)
            yield res
            return
        slot.state = "idle"
        slot.job = None
        slot.deadline = None
        slot.strikes = 0
        if self._commit(job, shipment, run_dir):
            slot.episodes += 1
            yield res

    def _commit(self, job: EpisodeJob, shipment: Shipment, run_dir: Path) -> bool:
        if commit_episode(run_dir, job.episode_id, shipment.files):
            return True
        self.duplicates += 1
        logger.warning("episode %s is in the run dir already: dropped a copy", job.episode_id)
        return False

    def _failed(
        self, slot: _Slot, reason: str, pending: collections.deque[tuple[EpisodeJob, int]],
        *, kill: bool, count_attempt: bool,
    ) -> Iterator[JobResult]:  # fmt: skip
        """A failure of ``slot``: its job (if any) runs again or is given up; the actor is
        restarted or quarantined."""
        item = slot.job if slot.state == "busy" else None
        slot.job = None
        slot.ref = None
        self._strike(slot, reason, kill=kill)
        if item is None:
            return
        job, attempt = item
        attempt = attempt + 1 if count_attempt else attempt
        if attempt > self.options.max_attempts:
            logger.error("episode %s given up after %d tries: %s", job.episode_id, attempt - 1,
                         reason)  # fmt: skip
            yield JobResult(job=job, crashed=f"gave up after {attempt - 1} tries: {reason}")
            return
        self.retries += 1
        logger.warning("episode %s runs again (try %d): %s", job.episode_id, attempt, reason)
        pending.appendleft((job, attempt))

    def _strike(self, slot: _Slot, reason: str, *, kill: bool) -> None:
        import ray

        slot.strikes += 1
        slot.failures += 1
        slot.last_error = reason
        slot.job = None
        slot.ref = None
        if slot.strikes >= self.options.quarantine_after:
            logger.error("device %s (%s) quarantined after %d failures in a row: %s",
                         slot.name, slot.serial, slot.strikes, reason)  # fmt: skip
            slot.state = "quarantined"
            slot.deadline = None
            if slot.actor is not None:
                ray.kill(slot.actor, no_restart=True)
                slot.actor = None
            self._event("quarantined", slot)
            return
        logger.warning("device %s (%s): %s; restarting its actor", slot.name, slot.serial, reason)
        if kill:  # alive but unhealthy (or stuck): a fresh process builds a fresh device
            ray.kill(slot.actor, no_restart=False)
        slot.restarts += 1
        self._await_ready(slot)
        self._event("restarted", slot)

    def _event(self, what: str, slot: _Slot) -> None:
        if self.on_event is not None:
            try:
                self.on_event(what, slot.health())
            except Exception:  # a broken listener never stops collection
                logger.exception("on_event callback failed")

    def _collect_stats(self) -> None:
        import ray

        if self._model is None:
            return
        try:
            stats = ray.get(self._model.stats.remote(), timeout=30)
            self.batch_sizes = tuple(stats.sizes)
        except Exception:  # stats are a report's extra: never fail the collect for them
            logger.exception("cannot read the shared model's batch sizes")


def _list_on_node(lister: Callable[[], Sequence[str]]) -> list[str]:
    return list(lister())


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _short(exc: BaseException) -> str:
    text = " ".join(_ANSI.sub("", str(exc)).split())
    return f"{type(exc).__name__}: {text[:300]}"


def ray_collect(
    run_dir: Path,
    *,
    specs: Sequence[TaskSpec],
    episodes: int,
    worker: WorkerSpec,
    options: RayOptions,
    seed: int = 0,
    langs: Sequence[str | None] = (None,),
    on_result: Callable[[JobResult], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_event: Callable[[str, DeviceHealth], None] | None = None,
) -> RayCollectReport:
    """:func:`~droidpilot.policy.rollout.collect` on a Ray cluster (see the module docstring).

    Connects to the cluster (or starts a local one, stopped again at the end); the episode and
    model actors it starts are stopped at the end, whatever happens.
    """
    started = connect(options.address, **dict(options.init_kwargs))
    try:
        import ray

        address = str(ray.get_runtime_context().gcs_address)
        runner = RayRunner(options, on_event=on_event)
        report = collect(
            run_dir, specs=specs, episodes=episodes, worker=worker, workers=max(1, options.workers),
            seed=seed, langs=langs, on_result=on_result, on_plan=on_plan, runner=runner,
        )  # fmt: skip
        return RayCollectReport(
            report=report, address=address, devices=runner.devices(), retries=runner.retries,
            duplicates=runner.duplicates, batch_sizes=runner.batch_sizes,
        )  # fmt: skip
    finally:
        if started:
            import ray

            ray.shutdown()
