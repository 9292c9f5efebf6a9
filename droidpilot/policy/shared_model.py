"""One model for many episodes: requests of several episode actors batched into one generate.

:class:`BatchingModel` is an asyncio micro-batcher over a planner :class:`Backend`: a request
waits up to ``max_wait_s`` for others (up to ``max_batch``), then the batch goes to
:func:`~droidpilot.planner.backends.complete_many` (one ``generate`` on the transformers
backend) in a thread, while the next batch fills. So under load a batch holds about as many
requests as there are episodes waiting for the model, and a GPU serves them all at once.
A batch shares its sampling: requests are grouped by it. Every batch's size is counted.

:class:`ModelServer` is the body of the Ray actor that holds it (an async actor: its event loop
takes requests while a batch generates). :class:`RemoteBackend` is the :class:`Backend` an
episode's :class:`~droidpilot.planner.Planner` uses inside an episode actor: each ``complete``
is a call to that actor. Ray is imported only inside the calls that need it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from droidpilot.errors import BackendUnavailable, ConfigError, ModelTimeout, PlannerError
from droidpilot.planner.backends import Backend, CompletionRequest, complete_many
from droidpilot.planner.default import planner_for
from droidpilot.planner.planner import Planner
from droidpilot.tasks.spec import Task
from droidpilot.types import Completion, Sampling

__all__ = [
    "BatchStats",
    "BatchingModel",
    "ModelServer",
    "RemoteBackend",
    "shared_planner",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchStats:
    """The sizes of the batches a shared model generated, in order."""

    sizes: tuple[int, ...] = ()

    @property
    def requests(self) -> int:
        return sum(self.sizes)

    @property
    def batches(self) -> int:
        return len(self.sizes)

    @property
    def mean(self) -> float:
        return self.requests / self.batches if self.sizes else 0.0

    @property
    def largest(self) -> int:
        return max(self.sizes, default=0)


_Item = tuple[CompletionRequest, "asyncio.Future[Completion]"]


class BatchingModel:
    """Batches concurrent ``complete`` calls into ``complete_many`` calls of one backend."""

    def __init__(self, backend: Backend, *, max_batch: int = 16, max_wait_s: float = 0.005):
        if max_batch < 1:
            raise ConfigError(f"max_batch must be at least 1, got {max_batch}")
        if max_wait_s < 0:
            raise ConfigError(f"max_wait_s must be >= 0, got {max_wait_s}")
        self.backend = backend
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._sizes: list[int] = []
        self._queue: asyncio.Queue[_Item] | None = None
        self._worker: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.backend.name

    def stats(self) -> BatchStats:
        return BatchStats(sizes=tuple(self._sizes))

    async def complete(self, request: CompletionRequest) -> Completion:
        """One completion, generated in a batch with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain(self._queue))
        fut: asyncio.Future[Completion] = loop.create_future()
        await self._queue.put((request, fut))
        return await fut

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self.backend.close()

    async def _drain(self, queue: asyncio.Queue[_Item]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + self.max_wait_s
            while len(batch) < self.max_batch:
                try:
                    batch.append(queue.get_nowait())
                    continue
                except asyncio.QueueEmpty:
                    pass
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), left))
                except TimeoutError:
                    break
            for group in _by_sampling(batch):
                await self._generate(group)

    async def _generate(self, group: Sequence[_Item]) -> None:
        live = [(r, f) for r, f in group if not f.done()]  # a caller may have given up
        if not live:
            return
        self._sizes.append(len(live))
        try:
            out = await asyncio.to_thread(complete_many, self.backend, [r for r, _ in live])
        except Exception as exc:  # the model's boundary: every waiting caller gets the error
            logger.exception("shared model: a batch of %d failed", len(live))
            err = (
                exc
                if isinstance(exc, PlannerError)
                else PlannerError(f"{type(exc).__name__}: {exc}")
            )
            for _, fut in live:
                if not fut.done():
                    fut.set_exception(err)
            return
        for (_, fut), completion in zip(live, out, strict=True):
            if not fut.done():
                fut.set_result(completion)


def _by_sampling(batch: Sequence[_Item]) -> list[list[_Item]]:
    groups: dict[Sampling, list[_Item]] = {}
    for item in batch:
        groups.setdefault(item[0].sampling, []).append(item)
    return list(groups.values())


class ModelServer:
    """The shared model actor's body (``ray.remote(ModelServer)``): builds the backend once."""

    def __init__(
        self, make_backend: Callable[[], Backend], max_batch: int = 16, max_wait_s: float = 0.005
    ) -> None:
        self._model = BatchingModel(make_backend(), max_batch=max_batch, max_wait_s=max_wait_s)

    async def name(self) -> str:
        return self._model.name

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._model.complete(request)

    async def stats(self) -> BatchStats:
        return self._model.stats()


class RemoteBackend:
    """A :class:`Backend` whose completions come from a :class:`ModelServer` actor."""

    def __init__(self, handle: Any, name: str, *, timeout_s: float | None = None) -> None:
        self._handle = handle
        self._name = name
        self.timeout_s = timeout_s

    @property
    def name(self) -> str:
        return self._name

    def complete(self, request: CompletionRequest) -> Completion:
        return self.complete_batch([request])[0]

    def complete_batch(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        import ray
        from ray.exceptions import GetTimeoutError, RayError

        refs = [self._handle.complete.remote(r) for r in requests]
        try:
            out: list[Completion] = ray.get(refs, timeout=self.timeout_s)
        except GetTimeoutError as exc:
            for ref in refs:
                with contextlib.suppress(Exception):
                    ray.cancel(ref)
            raise ModelTimeout(
                f"the shared model {self._name} gave no answer in {self.timeout_s} s"
            ) from exc
        except RayError as exc:
            raise remote_model_error(exc, self._name) from exc
        return out

    def close(self) -> None:
        return None


def remote_model_error(exc: BaseException, name: str) -> PlannerError:
    """A PlannerError for what went wrong at the shared model actor (its own error, or death)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, PlannerError):
        return type(cause)(str(cause))
    if cause is not None:
        return PlannerError(f"the shared model {name} failed: {type(cause).__name__}: {cause}")
    return BackendUnavailable(f"the shared model {name} is gone: {type(exc).__name__}: {exc}")


def shared_planner(backend: Backend, task: Task | None) -> Planner:
    """The decider of an episode over the shared model (``WorkerSpec.make_decider``)."""
    del task
    return planner_for(backend)
