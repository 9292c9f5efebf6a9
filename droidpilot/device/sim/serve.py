"""``droidpilot sim serve``: simulated phones reachable over the real ADB protocol.

Each phone listens on its own port (``127.0.0.1:5555``, ``:5556``, ...); ``adb connect
127.0.0.1:5555`` brings it online for the Debian ``adb``, adbutils and uiautomator2.
:class:`SimServer` runs the phones on one asyncio loop, either in the foreground
(:meth:`SimServer.serve_forever`, stopped cleanly by Ctrl-C or SIGTERM) or on a background
thread (:meth:`SimServer.start` / :meth:`SimServer.stop`, for tests and benchmarks).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from droidpilot.device.sim.adbd import Adbd
from droidpilot.device.sim.adbphone import SimShellPhone
from droidpilot.device.sim.phone import SimPhone
from droidpilot.device.sim.shell import Handset, ShellPhone

__all__ = ["SimServer"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SimServer:
    """K simulated phones, one adbd each, on consecutive ports (``port=0``: any free ones)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 5555,
        count: int = 1,
        seed: int = 0,
        lang: str = "en",
        phones: Sequence[SimPhone | ShellPhone] | None = None,
    ) -> None:
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if phones is None:
            phones = [SimPhone(seed=seed + i, lang=lang) for i in range(count)]
        self.host = host
        self.sims: list[SimPhone | None] = [p if isinstance(p, SimPhone) else None for p in phones]
        self.adbds: list[Adbd] = []
        for i, p in enumerate(phones):
            shell_phone: ShellPhone = SimShellPhone(p) if isinstance(p, SimPhone) else p
            want = port + i if port else 0
            handset = Handset(shell_phone, serial=f"DPSIM{want or 0:04d}{i}", port=want)
            self.adbds.append(Adbd(handset, host=host, port=want))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def addresses(self) -> list[str]:
        """``host:port`` of each phone, what ``adb connect`` takes."""
        return [f"{self.host}:{a.port}" for a in self.adbds]

    @property
    def handsets(self) -> list[Handset]:
        return [a.handset for a in self.adbds]

    async def _start_all(self) -> None:
        for a in self.adbds:
            await a.start()
            if a.handset.port == 0:
                a.handset.port = a.port
                a.handset.serial = f"DPSIM{a.port:05d}"

    async def _stop_all(self) -> None:
        for a in self.adbds:
            await a.stop()

    # ----------------------------------------------------------------- background thread

    def start(self) -> SimServer:
        """Serve on a background thread; returns once every port listens."""
        if self._thread is not None:
            return self
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_all())
            except BaseException as exc:
                ready.set_exception(exc)
                return
            ready.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self._stop_all())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="sim-serve", daemon=True)
        self._thread.start()
        ready.result(timeout=30)
        return self

    def call(self, fn: Callable[[], T], timeout: float = 30) -> T:
        """Run ``fn`` on the server's loop (the phones are not thread-safe) and return its value."""
        if self._loop is None:
            return fn()

        async def go() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(go(), self._loop).result(timeout)

    def stop(self) -> None:
        """Stop serving and close every connection (idempotent)."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- foreground

    def serve_forever(self, on_ready: Callable[[SimServer], None] | None = None) -> None:
        """Serve until Ctrl-C or SIGTERM, then shut down cleanly."""

        async def main() -> None:
            await self._start_all()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
            if on_ready is not None:
                on_ready(self)
            try:
                await stop.wait()
            finally:
                logger.info("shutting down %d simulated phone(s)", len(self.adbds))
                await self._stop_all()

        asyncio.run(main())
