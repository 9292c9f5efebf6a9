"""``serve --ray``: the REST service's device pool on a Ray cluster.

The service (its queue, agent loops, approvals and live events) stays in the server process;
only the devices move to the cluster:

- **Device actors**, one per cluster device (:class:`DeviceActor`): a simulated phone built
  inside the actor, or an emulator/phone that a node's adb server lists (one actor per serial,
  pinned to that node). An actor holds its device and answers one call at a time.
- **A proxy** per actor (:class:`RayDevice`), which is a :class:`~droidpilot.device.Device`:
  ``observe`` / ``perform`` / ``current_app`` / ``shell`` / ``screenshot`` / ``reset`` /
  ``close`` run in the actor. Errors come back as the ``DeviceError`` the device raised; an
  actor that dies (or restarts) is a ``DeviceDisconnected`` and the proxy stays dead, so the
  service marks the device dead and fails its task with that reason. When the service opens
  the device again, :meth:`RayDevicePool.open` waits for the restarted actor (or starts a new
  one) and hands out a fresh proxy.
- **Catalog tasks** run on the cluster's simulated phones: a task's setup, milestone state and
  check read the phone, so they run inside the actor. The proxy's ``phone`` is a
  :class:`RemotePhone` stand-in and :meth:`RayDevice.bind_task` turns the service's task into a
  :class:`ClusterTask`, whose ``setup`` / ``state`` / ``check`` / ``expected`` send the task's
  key (id, seed, language, parameters) to the actor and get the (picklable) results back.
  Tasks on adb devices are free-form goals, as without Ray.

:class:`RayDevicePool` connects to the cluster (or starts a local Ray), discovers the pool
(``sims`` simulated phones; with ``adb``, every ready device of every node), starts the
actors, and gives ``create_app`` the pool (:attr:`~RayDevicePool.devices`) and the factory
(:meth:`~RayDevicePool.open`). Ray is an optional extra: it is imported inside the calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import math
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from droidpilot.device.base import ActionResult, Device
from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.errors import (
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    DroidpilotError,
    TaskError,
)
from droidpilot.policy.distributed import adb_serials, connect
from droidpilot.policy.service import PoolDevice
from droidpilot.tasks.answers import Expected
from droidpilot.tasks.registry import get as get_spec
from droidpilot.tasks.reward import CheckResult
from droidpilot.tasks.spec import Baseline, Params, Task, TaskState, sim_phone
from droidpilot.types import Action, Observation

__all__ = [
    "ClusterTask",
    "DeviceActor",
    "RayDevice",
    "RayDevicePool",
    "RayPoolOptions",
    "RemotePhone",
    "TaskKey",
    "sim_device",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_PNGS = 4  # lazy screenshots an actor keeps (of its latest observations)


def sim_device(name: str) -> Device:
    """A fresh simulated phone named ``name`` (what a pool's ``sim`` actor holds)."""
    return SimDevice(SimPhone(), serial=name)


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskKey:
    """A catalog task instance as it travels to a device actor (the spec by its id)."""

    task_id: str
    seed: int
    lang: str
    explicit_lang: bool
    params: Params

    @classmethod
    def of(cls, task: Task) -> TaskKey:
        return cls(
            task_id=task.id, seed=task.seed, lang=task.lang, explicit_lang=task.explicit_lang,
            params=task.params,
        )  # fmt: skip

    def task(self) -> Task:
        return Task(
            spec=get_spec(self.task_id), seed=self.seed, lang=self.lang, params=self.params,
            explicit_lang=self.explicit_lang,
        )  # fmt: skip


class RemotePhone(SimPhone):
    """Stands for the simulated phone inside a device actor: ``sim_phone(proxy)`` accepts it,
    and a :class:`ClusterTask` reads the real one through it. Nothing of it is in this process:
    reading its state directly raises ``AttributeError`` (saying so)."""

    def __init__(self, device: RayDevice) -> None:  # no SimPhone state here, on purpose
        object.__setattr__(self, "remote", device)

    def __getattr__(self, name: str) -> Any:
        remote = self.__dict__.get("remote")
        where = remote.serial if remote is not None else "a device actor"
        raise AttributeError(
            f"the simulated phone of {where} lives in a Ray actor; {name!r} is read there "
            "(through ClusterTask), not in this process"
        )

    def __repr__(self) -> str:
        return f"RemotePhone({self.__dict__.get('remote')!r})"


class ClusterTask(Task):
    """A :class:`Task` whose phone-side calls run where the phone is: in the device actor when
    it gets a :class:`RemotePhone` (through ``sim_phone``), else in this process as usual."""

    __slots__ = ()

    @classmethod
    def of(cls, task: Task) -> ClusterTask:
        return cls(
            spec=task.spec, seed=task.seed, lang=task.lang, params=task.params,
            explicit_lang=task.explicit_lang,
        )  # fmt: skip

    def setup(self, device: Device) -> Baseline:
        phone = getattr(device, "phone", None)
        if isinstance(phone, RemotePhone):
            base: Baseline = phone.remote.task_call("setup", TaskKey.of(self))
            return base
        return super().setup(device)

    def state(self, phone: SimPhone, base: Baseline) -> TaskState:
        if isinstance(phone, RemotePhone):
            state: TaskState = phone.remote.task_call("state", TaskKey.of(self), base)
            return state
        return super().state(phone, base)

    def check(self, phone: SimPhone, base: Baseline, final: Action | None) -> CheckResult:
        if isinstance(phone, RemotePhone):
            if phone.remote.died is not None:  # the episode ends on it: say so, do not raise
                return CheckResult(success=False, reward=0.0,
                                   reason=f"cannot check: {phone.remote.died}")  # fmt: skip
            out: CheckResult = phone.remote.task_call("check", TaskKey.of(self), base, final)
            return out
        return super().check(phone, base, final)

    def expected(self, phone: SimPhone, base: Baseline) -> Expected | None:
        if isinstance(phone, RemotePhone):
            out: Expected | None = phone.remote.task_call("expected", TaskKey.of(self), base)
            return out
        return super().expected(phone, base)


# --------------------------------------------------------------------------- the actor


class DeviceActor:
    """A device actor's body (``ray.remote(DeviceActor)``): builds its device with ``make``
    (a picklable factory) and answers the proxy's calls, one at a time."""

    def __init__(self, make: Callable[[], Device], name: str) -> None:
        logging.getLogger("droidpilot").setLevel(logging.WARNING)
        self.make = make
        self.name = name
        self.device: Device | None = None
        self.pngs: dict[int, Callable[[], bytes]] = {}
        self.seen = 0
        self.tasks: dict[TaskKey, Task] = {}

    def _device(self) -> Device:
        if self.device is None:
            try:
                self.device = self.make()
            except DroidpilotError:
                raise
            except Exception as exc:  # a factory's own error: the device cannot be opened
                raise DeviceNotFound(
                    f"{self.name}: cannot open the device: {type(exc).__name__}: {exc}"
                ) from exc
        return self.device

    def ready(self) -> tuple[str, int, bool]:
        """Open the device and check that it answers: (node, pid, whether it has ``settle``)."""
        device = self._device()
        self._guard(device.current_app)
        return socket.gethostname(), os.getpid(), callable(getattr(device, "settle", None))

    def call(self, method: str, *args: Any) -> Any:
        """``device.<method>(*args)``; errors as ``DeviceError``."""
        device = self._device()
        if method == "observe":
            obs: Observation = self._guard(device.observe)
            self.seen += 1
            if obs.screenshot is not None:
                self.pngs[self.seen] = obs.screenshot
                self.pngs.pop(self.seen - _PNGS, None)
            return self.seen, dataclasses.replace(obs, screenshot=None)
        if method not in ("perform", "current_app", "shell", "screenshot", "reset", "settle"):
            raise DeviceError(f"{self.name}: no device call {method!r}")
        fn = getattr(device, method, None)
        if not callable(fn):
            return None  # settle on a device without one
        return self._guard(lambda: fn(*args))

    def png(self, seen: int) -> bytes:
        """The screenshot of observation ``seen`` (one of the latest few)."""
        shot = self.pngs.get(seen)
        if shot is None:
            raise DeviceError(f"{self.name}: the screenshot of observation {seen} is gone")
        return self._guard(shot)

    def task(self, what: str, key: TaskKey, base: Baseline | None, final: Action | None) -> Any:
        """A catalog task's phone-side call on this actor's simulated phone."""
        task = self.tasks.get(key)
        if task is None:
            self.tasks.clear()  # one task at a time on a device
            task = self.tasks[key] = key.task()
        device = self._device()
        if what == "setup":
            self.pngs.clear()
            return self._guard(lambda: task.setup(device))
        assert base is not None
        phone = sim_phone(device)
        if what == "state":
            return task.state(phone, base)
        if what == "check":
            return task.check(phone, base, final)
        if what == "expected":
            return task.expected(phone, base)
        raise TaskError(f"no task call {what!r}")

    def close(self) -> None:
        device, self.device = self.device, None
        if device is not None:
            with contextlib.suppress(DroidpilotError):
                device.close()

    def _guard(self, fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except DroidpilotError:
            raise
        except Exception as exc:  # a backend's unmapped error: a device failure, said so
            raise DeviceError(f"{self.name}: {type(exc).__name__}: {exc}") from exc


# --------------------------------------------------------------------------- the proxy

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _short(exc: BaseException) -> str:
    text = " ".join(_ANSI.sub("", str(exc)).split())
    return f"{type(exc).__name__}: {text[:300]}"


class RayDevice:
    """A :class:`~droidpilot.device.Device` whose device lives in a :class:`DeviceActor`.

    An actor that dies, restarts or stops answering makes the proxy dead for good (``died``;
    every later call raises it again): the pool hands out a new proxy when the service opens
    the device again, so no episode goes on on a fresh phone.
    """

    def __init__(
        self, actor: Any, *, name: str, serial: str, sim: bool, settles: bool = False,
        timeout_s: float | None = 120.0,
    ) -> None:  # fmt: skip
        self.actor = actor
        self.name = name
        self.serial = serial
        self.timeout_s = timeout_s
        self.settles = settles
        self.phone: RemotePhone | None = RemotePhone(self) if sim else None
        self.died: DeviceDisconnected | DeviceTimeout | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"RayDevice({self.name})"

    def _get(self, ref: Any) -> Any:
        import ray
        from ray.exceptions import GetTimeoutError, RayError, RayTaskError

        if self.died is not None:
            raise self.died
        if self._closed:
            raise DeviceDisconnected(f"{self.name} is closed", serial=self.serial)
        try:
            return ray.get(ref, timeout=self.timeout_s)
        except RayTaskError as exc:  # the call raised in the actor: the device's own error
            cause = getattr(exc, "cause", None)
            if isinstance(cause, DroidpilotError):
                raise cause from None
            raise DeviceError(f"{self.name}: {_short(cause or exc)}", serial=self.serial) from None
        except GetTimeoutError:
            self.died = DeviceTimeout(
                f"device actor {self.name} did not answer within {self.timeout_s:g}s",
                serial=self.serial,
            )
        except RayError as exc:  # the actor died, restarted or its node went away
            self.died = DeviceDisconnected(
                f"device actor {self.name} died: {_short(exc)}", serial=self.serial
            )
        raise self.died

    def _call(self, method: str, *args: Any) -> Any:
        if self.died is not None:
            raise self.died
        return self._get(self.actor.call.remote(method, *args))

    # ------------------------------------------------------------------ Device

    def observe(self) -> Observation:
        seen, obs = self._call("observe")
        out: Observation = dataclasses.replace(obs, screenshot=functools.partial(self._png, seen))
        return out

    def _png(self, seen: int) -> bytes:
        if self.died is not None:
            raise self.died
        data: bytes = self._get(self.actor.png.remote(seen))
        return data

    def perform(self, action: Action) -> ActionResult:
        out: ActionResult = self._call("perform", action)
        return out

    def current_app(self) -> str:
        return str(self._call("current_app"))

    def shell(self, cmd: str) -> str:
        return str(self._call("shell", cmd))

    def screenshot(self) -> bytes:
        data: bytes = self._call("screenshot")
        return data

    def reset(self) -> None:
        self._call("reset")

    def settle(self) -> None:
        if self.settles:
            self._call("settle")

    def close(self) -> None:
        """Forget the actor (it stays up for the next proxy; the pool stops it)."""
        self._closed = True

    # ------------------------------------------------------------------ catalog tasks

    def bind_task(self, task: Task) -> Task:
        """The task as it runs on this device (phone-side calls in the actor)."""
        return ClusterTask.of(task) if self.phone is not None else task

    def task_call(
        self, what: str, key: TaskKey, base: Baseline | None = None, final: Action | None = None
    ) -> Any:
        if self.died is not None:
            raise self.died
        return self._get(self.actor.task.remote(what, key, base, final))


# --------------------------------------------------------------------------- the pool


@dataclass(frozen=True, slots=True, kw_only=True)
class RayPoolOptions:
    """What :class:`RayDevicePool` puts on the cluster.

    ``address``: as :class:`~droidpilot.policy.distributed.RayOptions` (``None``: the cluster
    ``RAY_ADDRESS`` or a local ``ray start`` names, else a local instance). ``sims``: simulated
    phones (each in an actor of its own). ``adb``: also one actor per ready adb device of
    every node (at most ``max_adb``; 0 = all), built by ``device_for_serial``.
    """

    address: str | None = None
    sims: int = 1
    adb: bool = False
    max_adb: int = 0
    device_for_serial: Callable[[str], Device] | None = None
    list_serials: Callable[[], Sequence[str]] = adb_serials
    make_sim: Callable[[str], Device] = sim_device
    actor_cpus: float = 1.0
    call_timeout_s: float | None = 120.0
    start_timeout_s: float = 120.0
    init_kwargs: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        from droidpilot.errors import ConfigError

        if self.sims < 0 or self.max_adb < 0:
            raise ConfigError("sims and max_adb must be at least 0")
        if not self.sims and not self.adb:
            raise ConfigError("the cluster pool is empty: give simulated phones or adb devices")
        if self.adb and self.device_for_serial is None:
            raise ConfigError("adb devices need device_for_serial (a serial -> Device factory)")
        if self.actor_cpus <= 0 or self.start_timeout_s <= 0:
            raise ConfigError("actor_cpus and start_timeout_s must be positive")


@dataclass(kw_only=True)
class _Member:
    device: PoolDevice
    make: Callable[[], Device]
    node_id: str | None = None
    node: str = ""
    actor: Any = None
    spawns: int = 0


class RayDevicePool:
    """The cluster's devices as the service's pool: ``devices`` and ``open`` go to
    ``create_app(settings, devices=pool.devices, device_factory=pool.open)``.

    ``start()`` connects (or starts a local Ray) and starts the actors; ``close()`` stops them
    (and the Ray it started). Also a context manager.
    """

    def __init__(self, options: RayPoolOptions) -> None:
        self.options = options
        self.devices: tuple[PoolDevice, ...] = ()
        self.address = ""
        self._members: dict[str, _Member] = {}
        self._started = False
        self._lock = threading.Lock()
        self._run = uuid.uuid4().hex[:6]
        self._cpus = options.actor_cpus

    def __enter__(self) -> RayDevicePool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ life

    def start(self) -> tuple[PoolDevice, ...]:
        """Connect, discover the devices, start one actor each; the pool."""
        self._started = connect(self.options.address, **dict(self.options.init_kwargs))
        try:
            import ray

            self.address = str(ray.get_runtime_context().gcs_address)
            members = self._sims() + (self._adb() if self.options.adb else [])
            if not members:
                raise DeviceNotFound("no devices on the cluster's nodes (adb lists none)")
            self._members = {m.device.name: m for m in members}
            self.devices = tuple(m.device for m in members)
            self._cpus = self._fit_cpus(len(members))
            for member in members:
                self._spawn(member)
        except BaseException:
            self.close()
            raise
        logger.info("Ray device pool on %s: %s", self.address,
                    ", ".join(d.name for d in self.devices))  # fmt: skip
        return self.devices

    def close(self) -> None:
        """Stop every actor of the pool, and Ray if :meth:`start` started it."""
        import ray

        for member in self._members.values():
            if member.actor is not None:
                with contextlib.suppress(Exception):  # gone already
                    ray.kill(member.actor, no_restart=True)
                member.actor = None
        if self._started:
            self._started = False
            ray.shutdown()

    # ------------------------------------------------------------------ the factory

    def open(self, spec: PoolDevice) -> Device:
        """The service's device factory: a proxy over the device's actor, once that answers
        (a restarted actor is waited for; one that is gone for good is started again)."""
        import ray
        from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError

        member = self._members.get(spec.name)
        if member is None:
            raise DeviceNotFound(f"no cluster device named {spec.name!r}", serial=spec.serial)
        for _ in range(2):
            with self._lock:
                if member.actor is None:
                    self._spawn(member)
                actor = member.actor
            try:
                node, pid, settles = ray.get(
                    actor.ready.remote(), timeout=self.options.start_timeout_s
                )
            except ActorUnavailableError as exc:  # restarting: the service asks again later
                raise DeviceDisconnected(
                    f"device actor {spec.name} is restarting: {_short(exc)}", serial=spec.serial
                ) from None
            except GetTimeoutError:  # stuck (or never placed): restart it, ask again later
                with contextlib.suppress(Exception):
                    ray.kill(actor, no_restart=False)
                raise DeviceTimeout(
                    f"device actor {spec.name} did not come up within "
                    f"{self.options.start_timeout_s:g}s (does the cluster have the CPUs?)",
                    serial=spec.serial,
                ) from None
            except RayActorError as exc:  # dead for good: start a fresh one, once
                logger.warning("device actor %s is gone (%s): starting it again", spec.name,
                               _short(exc))  # fmt: skip
                with self._lock:
                    if member.actor is actor:
                        member.actor = None
                continue
            except ray.exceptions.RayTaskError as exc:  # the device itself would not open
                cause = getattr(exc, "cause", None)
                if isinstance(cause, DroidpilotError):
                    raise cause from None
                raise DeviceError(f"{spec.name}: {_short(cause or exc)}") from None
            member.node = member.node or str(node)
            logger.info("device %s: actor pid %s on %s", spec.name, pid, node)
            return RayDevice(
                actor, name=spec.name, serial=spec.serial or spec.name, sim=spec.kind == "sim",
                settles=bool(settles), timeout_s=self.options.call_timeout_s,
            )  # fmt: skip
        raise DeviceDisconnected(f"device actor {spec.name} keeps dying", serial=spec.serial)

    def actor(self, name: str) -> Any:
        """The actor handle of a pool device (tests kill it; ``ray`` tools inspect it)."""
        return self._members[name].actor

    # ------------------------------------------------------------------ discovery

    def _sims(self) -> list[_Member]:
        out = []
        for i in range(self.options.sims):
            name = f"ray-sim-{i}"
            out.append(
                _Member(
                    device=PoolDevice(name=name, kind="sim"),
                    make=functools.partial(self.options.make_sim, name),
                )
            )
        return out

    def _adb(self) -> list[_Member]:
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
        out: list[_Member] = []
        for node, ref in zip(nodes, refs, strict=True):
            ip = str(node.get("NodeManagerAddress", ""))
            try:
                serials = ray.get(ref, timeout=opts.start_timeout_s)
            except Exception as exc:  # a node that cannot list its devices: skip it, say so
                logger.warning("node %s: cannot list adb devices: %s", ip or node["NodeID"][:8],
                               _short(exc))  # fmt: skip
                continue
            for serial in serials:
                out.append(
                    _Member(
                        device=PoolDevice(name=f"{serial}@{ip}", kind="adb", serial=serial),
                        make=functools.partial(opts.device_for_serial, serial),
                        node_id=str(node["NodeID"]), node=ip,
                    )
                )  # fmt: skip
        if opts.max_adb:
            out = out[: opts.max_adb]
        return out

    def _fit_cpus(self, actors: int) -> float:
        """CPUs per actor: as asked, or less so that every actor fits the cluster."""
        import ray

        total = float(ray.cluster_resources().get("CPU", 0.0))  # type: ignore[no-untyped-call]
        if total and actors * self.options.actor_cpus > total:
            fit = max(0.01, math.floor(100 * total / actors) / 100)
            logger.warning("%d device actors need %.2f CPUs each but the cluster has %g: using "
                           "%.2f each", actors, self.options.actor_cpus, total, fit)  # fmt: skip
            return fit
        return self.options.actor_cpus

    def _spawn(self, member: _Member) -> None:
        import ray

        options: dict[str, Any] = {
            "num_cpus": self._cpus, "max_restarts": -1, "max_task_retries": 0,
            "name": f"dp-serve-{self._run}-{member.device.name}-{member.spawns}",
        }  # fmt: skip
        if member.node_id is not None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(
                member.node_id, soft=False
            )
        member.spawns += 1
        member.actor = (
            ray.remote(DeviceActor).options(**options).remote(member.make, member.device.name)
        )


def _list_on_node(lister: Callable[[], Sequence[str]]) -> list[str]:
    return list(lister())
