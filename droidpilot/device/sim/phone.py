"""SimPhone: the simulated Android phone (state, back stacks, windows, input).

All mutable state lives in one :class:`PhoneState` (app models, tasks with their pages, system
overlays, notifications, toasts, clipboard, settings, generators), so ``snapshot()`` is one
``deepcopy`` and ``restore()`` puts a copy back. The screen is rebuilt from state whenever it
changed: :meth:`SimPhone.windows` returns the windows bottom to top, laid out; input goes to
the topmost window that takes it. The system windows (status bar, keyboard, dialogs, shade,
recents) are drawn by :mod:`droidpilot.device.sim.system`.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import random
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from droidpilot.device.sim.app import (
    App,
    Ctx,
    Model,
    ModelEnv,
    Page,
    Result,
    SystemSettings,
)
from droidpilot.device.sim.faults import FaultConfig, FaultRoller
from droidpilot.device.sim.launcher import LAUNCHER, LAUNCHER_PACKAGE, app_by_name
from droidpilot.device.sim.readonly import readonly
from droidpilot.device.sim.window import Window
from droidpilot.errors import ActionFailed, ConfigError

__all__ = ["Notification", "PhoneState", "SimClock", "SimPhone", "SysOverlay", "Task"]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)
DEFAULT_START = dt.datetime(2025, 3, 14, 9, 30, 0)


class SimClock:
    """The phone's clock: settable, advanced only by ``wait`` and ``advance`` (deterministic)."""

    __slots__ = ("_now",)

    def __init__(self, start: dt.datetime = DEFAULT_START) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when

    def advance(self, seconds: float) -> None:
        self._now += dt.timedelta(seconds=seconds)


@dataclass(kw_only=True)
class Task:
    """An app task: a back stack of pages (possibly of several apps), bottom first."""

    package: str
    stack: list[Page[Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class Notification:
    id: int
    package: str
    title: str
    text: str
    page: Page[Any] | None = None


@dataclass(kw_only=True)
class SysOverlay:
    """A system window above the apps: chooser, permission, anr, ad, login, recents, paste."""

    kind: str
    package: str = ""
    args: dict[str, object] = field(default_factory=dict)


@dataclass(kw_only=True)
class PhoneState:
    """Everything about the phone that changes; one deepcopy is a snapshot."""

    models: dict[str, Model]
    settings: SystemSettings
    tasks: list[Task]
    rng: random.Random
    faults: FaultRoller
    now: dt.datetime = DEFAULT_START
    sys: list[SysOverlay] = field(default_factory=list)
    sys_fields: dict[str, object] = field(default_factory=dict)
    shade: bool = False
    toasts: list[list[object]] = field(default_factory=list)  # [text, package, ttl]
    notifications: list[Notification] = field(default_factory=list)
    next_notification: int = 1
    clipboard: str = ""
    ime_hidden: bool = False
    shift: bool = False
    symbols: bool = False
    battery: int = 87
    granted: set[tuple[str, str]] = field(default_factory=set)
    dump_fail: bool = False
    actions: int = 0


class SimPhone:
    """A simulated phone with its apps. Drive it through ``SimDevice`` (or these methods)."""

    TOAST_FRAMES = 3

    def __init__(
        self,
        *,
        seed: int = 0,
        lang: str = "en",
        width: int = 1080,
        height: int = 2400,
        density: int = 440,
        faults: FaultConfig | None = None,
        clock: SimClock | None = None,
        apps: tuple[App[Any], ...] | None = None,
    ) -> None:
        if lang not in ("en", "zh"):
            raise ConfigError(f"unknown language {lang!r}; use en or zh")
        if width < 240 or height < 320:
            raise ConfigError(f"screen {width}x{height} is too small (at least 240x320)")
        self.width = width
        self.height = height
        self.density = density
        self.scale = density / 160.0
        self.status_h = round(24 * self.scale)
        self.nav_h = round(16 * self.scale)
        self.ime_h = round(height * 0.32)
        self.fault_config = faults or FaultConfig()
        self.clock = clock or SimClock()
        self._start_time = self.clock.now()
        if apps is None:
            from droidpilot.device.sim.apps import discover

            apps = discover()
        self.apps: dict[str, App[Any]] = {LAUNCHER_PACKAGE: LAUNCHER}
        for app in apps:
            self.apps[app.package] = app
        self.seed = seed
        self.lang0 = lang
        self._windows: list[Window] | None = None
        #: Bumped whenever state the windows are drawn from may have changed (``changed()``,
        #: an action that did something, ``model()``, ``restore()``...): the app window, its
        #: dialogs and the system overlays are rebuilt only when it moved (system.py).
        self.version = 0
        # those windows, kept while the state object, the version and the clock stay
        self.frame_cache: tuple[PhoneState, tuple[object, ...], list[Window]] | None = None
        # the keyboard window, kept while nothing it is drawn from changes (system.py)
        self.ime_window: tuple[PhoneState, tuple[object, ...], Window] | None = None
        self.state = self._fresh_state(seed, lang)

    # ------------------------------------------------------------------ state
    def _fresh_state(self, seed: int, lang: str) -> PhoneState:
        self.clock.set(self._start_time)
        roller = FaultRoller(self.fault_config, seed)
        models: dict[str, Model] = {}
        for pkg, app in self.apps.items():
            env = ModelEnv(
                seed=seed,
                rng=random.Random(f"{seed}:{pkg}"),
                now=self.clock.now(),
                injection=roller.injection,
            )
            models[pkg] = app.create_model(env)
        settings = models.get("com.android.settings")
        if not isinstance(settings, SystemSettings):
            settings = SystemSettings()
        settings.lang = lang
        rng = random.Random(f"{seed}:phone")
        state = PhoneState(
            models=models,
            settings=settings,
            tasks=[],
            rng=rng,
            faults=roller,
            now=self.clock.now(),
            battery=rng.randint(35, 98),
        )
        self.state = state
        home = LAUNCHER.launch_page()
        home.frame.package = LAUNCHER_PACKAGE
        state.tasks.append(Task(package=LAUNCHER_PACKAGE, stack=[home]))
        self.changed()
        return state

    def reset(self, seed: int | None = None) -> None:
        """A fresh phone: every app's model from ``seed`` (default: the phone's), home screen."""
        if seed is not None:
            self.seed = seed
        self.state = self._fresh_state(self.seed, self.lang0)

    def snapshot(self) -> PhoneState:
        """A copy of the whole phone's state (restore it with :meth:`restore`)."""
        self.state.now = self.clock.now()
        return copy.deepcopy(self.state)

    def restore(self, snap: PhoneState) -> None:
        """Put a snapshot back (the snapshot stays usable for later restores)."""
        self.state = copy.deepcopy(snap)
        self.clock.set(self.state.now)
        self.changed()

    def changed(self) -> None:
        """Mark the screen stale (after any change of state)."""
        self._windows = None
        self.version += 1

    def touch(self) -> None:
        """Note a change of state without dropping the windows already built (they are
        rebuilt, with it, at the next change or action, as before)."""
        self.version += 1

    # ------------------------------------------------------------------ task-facing API
    @overload
    def read(self, app: type[App[M]]) -> M: ...
    @overload
    def read(self, app: str) -> Model: ...
    def read(self, app: type[App[Any]] | str) -> Any:
        """An app's model behind a read-only proxy (writes raise): for tasks and checks."""
        return readonly(self._model_of(app))

    @overload
    def model(self, app: type[App[M]]) -> M: ...
    @overload
    def model(self, app: str) -> Model: ...
    def model(self, app: type[App[Any]] | str) -> Any:
        """An app's mutable model: for task *setup* only (marks the screen stale).

        Change it before the next observation or action: the screen is drawn again from it
        then, and only after a change the phone sees (a call of this, an action that does
        something, ``changed()``)."""
        self.changed()
        return self._model_of(app)

    def _model_of(self, app: type[App[Any]] | str) -> Model:
        pkg = app if isinstance(app, str) else app.package
        try:
            return self.state.models[pkg]
        except KeyError:
            raise ConfigError(f"no app {pkg!r} on the phone") from None

    @property
    def lang(self) -> str:
        return self.state.settings.lang

    def set_locale(self, lang: str) -> None:
        if lang not in ("en", "zh"):
            raise ConfigError(f"unknown language {lang!r}; use en or zh")
        self.state.settings.lang = lang
        self.changed()

    # ------------------------------------------------------------------ where we are
    @property
    def front(self) -> Task:
        return self.state.tasks[-1]

    def top_page(self) -> Page[Any]:
        return self.front.stack[-1]

    def current_package(self) -> str:
        return self.top_page().frame.package

    def current_activity(self) -> str:
        page = self.top_page()
        act = type(page).activity or "." + type(page).__name__
        return f"{page.frame.package}/{act}"

    def ctx(self, page: Page[Any] | None, package: str | None = None) -> Ctx[Any]:
        pkg = package if package is not None else (page.frame.package if page else "")
        return Ctx(self, page, pkg)

    def keyboard_shown(self) -> bool:
        if self.state.ime_hidden or self.state.shade or self.state.sys:
            return False
        return self.top_page().frame.focus is not None

    # ------------------------------------------------------------------ navigation
    def push_page(self, page: Page[Any], package: str, *, request: str | None) -> None:
        page.frame.package = package
        page.frame.request = request
        self.front.stack.append(page)
        self._start(page)

    def _start(self, page: Page[Any]) -> None:
        self.state.ime_hidden = False
        if page.frame.started:
            return
        page.frame.started = True
        app = self.apps.get(page.frame.package)
        ctx = self.ctx(page)
        network = type(page).network
        if network is None:
            network = app.network if app is not None else False
        if network:
            if not self.state.settings.wifi or self.state.faults.roll("network_error"):
                page.frame.error = True
            elif self.state.faults.roll("slow_load"):
                page.frame.loading = self.state.faults.rng.randint(2, 4)
        page.on_start(ctx)
        self.changed()

    def finish_page(self, page: Page[Any], result: Result | None, *, deliver: bool = True) -> None:
        task = next((t for t in self.state.tasks if page in t.stack), None)
        if task is None:
            return
        idx = task.stack.index(page)
        del task.stack[idx:]
        request = page.frame.request
        if not task.stack:
            self.state.tasks.remove(task)
            if task.package == LAUNCHER_PACKAGE:
                self._ensure_launcher()
            self.go_home()
        elif deliver and request is not None:
            caller = task.stack[-1]
            caller.on_result(self.ctx(caller), request, result or Result.canceled())
        self.state.ime_hidden = False
        self.changed()

    def _ensure_launcher(self) -> Task:
        for t in self.state.tasks:
            if t.package == LAUNCHER_PACKAGE:
                return t
        home = LAUNCHER.launch_page()
        home.frame.package = LAUNCHER_PACKAGE
        home.frame.started = True
        task = Task(package=LAUNCHER_PACKAGE, stack=[home])
        self.state.tasks.insert(0, task)
        return task

    def go_home(self) -> None:
        task = self._ensure_launcher()
        del task.stack[1:]
        task.stack[0].frame.overlays.clear()
        task.stack[0].frame.focus = None
        self.state.tasks.remove(task)
        self.state.tasks.append(task)
        self.state.sys.clear()
        self.state.shade = False
        self.changed()

    def launch(self, package: str) -> None:
        """Open an app (its existing task if it has one), as tapping its icon does."""
        if package == LAUNCHER_PACKAGE:
            self.go_home()
            return
        app = self.apps.get(package)
        if app is None:
            raise ActionFailed(f"no app {package!r} on the phone")
        # nothing over the apps and the app's task already in front: only the keyboard goes
        # (it is drawn apart from the versioned windows)
        quiet = not self.state.sys and not self.state.shade
        self.state.sys.clear()
        self.state.shade = False
        for task in self.state.tasks:
            if task.package == package:
                quiet = quiet and self.state.tasks[-1] is task
                self.state.tasks.remove(task)
                self.state.tasks.append(task)
                self.state.ime_hidden = True
                if quiet:
                    self._windows = None
                else:
                    self.changed()
                return
        page = app.launch_page()
        page.frame.package = package
        self.state.tasks.append(Task(package=package, stack=[page]))
        self._start(page)
        self._launch_faults(app)
        self.changed()

    def kill(self, package: str) -> None:
        """Force-stop an app: its tasks and its pages in other tasks go away."""
        for task in list(self.state.tasks):
            if task.package == package:
                self.state.tasks.remove(task)
            else:
                keep = [p for p in task.stack if p.frame.package != package]
                if len(keep) != len(task.stack):
                    task.stack[:] = keep
                    if not keep:
                        self.state.tasks.remove(task)
        self.go_home()

    def open_app(self, name: str) -> str:
        """Open an app by label (either language) or package; returns its package."""
        app = app_by_name(self.apps, name)
        if app is None:
            raise ActionFailed(f"no app called {name!r} on the phone")
        self.launch(app.package)
        return app.package

    def _launch_faults(self, app: App[Any]) -> None:
        f = self.state.faults
        if app.login and f.roll("expired_login"):
            self.state.sys.append(SysOverlay(kind="login", package=app.package))
        if app.permissions and f.roll("permissions"):
            perm = f.rng.choice(app.permissions)
            if (app.package, perm) not in self.state.granted:
                self.state.sys.append(
                    SysOverlay(
                        kind="permission",
                        package=app.package,
                        args={"permission": perm, "page": None},
                    )
                )
        if f.roll("ads"):
            self.state.sys.append(
                SysOverlay(kind="ad", package=app.package, args={"ad": f.rng.randrange(3)})
            )

    def send_intent(
        self, action: str, extras: dict[str, object], *, package: str | None, request: str | None
    ) -> bool:
        targets = [
            a
            for a in self.apps.values()
            if action in a.intents and (package is None or a.package == package)
        ]
        if not targets:
            self.toast(
                "No app can perform this action" if self.lang == "en" else "没有应用可执行此操作",
                "android",
            )
            return False
        if len(targets) > 1:
            self.state.sys.append(
                SysOverlay(
                    kind="chooser",
                    package="android",
                    args={
                        "action": action,
                        "extras": dict(extras),
                        "request": request,
                        "targets": [a.package for a in targets],
                    },
                )
            )
            self.changed()
            return True
        self.start_intent(targets[0], action, extras, request)
        return True

    def start_intent(
        self, app: App[Any], action: str, extras: dict[str, object], request: str | None
    ) -> None:
        page = app.intents[action](**extras)
        self.push_page(page, app.package, request=request)

    # ------------------------------------------------------------------ system feedback
    def toast(self, text: str, package: str) -> None:
        self.state.toasts = [[text, package, self.TOAST_FRAMES]]
        self.changed()

    def notify(self, package: str, title: str, text: str, page: Page[Any] | None) -> None:
        if not self.state.settings.notifications:
            return
        n = Notification(
            id=self.state.next_notification, package=package, title=title, text=text, page=page
        )
        self.state.next_notification += 1
        self.state.notifications.insert(0, n)
        self.changed()

    def open_notification(self, n: Notification) -> None:
        self.state.notifications.remove(n)
        self.state.shade = False
        self.launch(n.package)
        if n.page is not None:
            self.push_page(n.page, n.package, request=None)
        self.changed()

    def request_permission(self, package: str, permission: str, page: Page[Any] | None) -> bool:
        if (package, permission) in self.state.granted:
            return True
        self.state.sys.append(
            SysOverlay(
                kind="permission", package=package, args={"permission": permission, "page": page}
            )
        )
        self.changed()
        return False

    def answer_permission(self, ov: SysOverlay, granted: bool) -> None:
        self.state.sys.remove(ov)
        perm = str(ov.args.get("permission", ""))
        if granted:
            self.state.granted.add((ov.package, perm))
        page = ov.args.get("page")
        if isinstance(page, Page):
            page.on_permission(self.ctx(page), perm, granted)
        self.changed()

    def observed(self) -> None:
        """One observation happened: toasts fade, loading spinners count down."""
        st = self.state
        if st.toasts:
            ttl = st.toasts[0][2]
            if isinstance(ttl, int) and ttl > 1:
                st.toasts[0][2] = ttl - 1
            else:
                st.toasts.clear()
            # the toast window is drawn apart from the versioned windows (system.py)
            self._windows = None
        page = self.top_page()
        if page.frame.loading > 0:
            page.frame.loading -= 1
            self.changed()

    # ------------------------------------------------------------------ windows & input
    def windows(self) -> list[Window]:
        """The windows on screen, bottom to top, laid out (cached until state changes)."""
        if self._windows is None:
            from droidpilot.device.sim.system import build_windows

            self._windows = build_windows(self)
        return self._windows

    def active_window(self) -> Window:
        """The window that has input focus (what a classic ``uiautomator dump`` shows)."""
        wins = self.windows()
        for w in reversed(wins):
            if w.focusable:
                return w
        return next(w for w in wins if w.kind == "app")

    def after_action(self, changed: bool = True) -> None:
        """After an action: the windows are rebuilt; ``changed=False`` (the input layer saw
        that the action ran no handler and changed nothing they are drawn from) lets them be
        rebuilt from the windows of last time."""
        self.state.actions += 1
        self._windows = None
        if changed:
            self.version += 1
        pkg = self.current_package()
        if pkg != LAUNCHER_PACKAGE and not self.state.sys and self.state.faults.roll("anr"):
            self.state.sys.append(SysOverlay(kind="anr", package=pkg))
            self.version += 1

    def tap(self, x: int, y: int) -> None:
        from droidpilot.device.sim import input as inp

        self.after_action(inp.tap(self, x, y, long=False))

    def long_press(self, x: int, y: int) -> None:
        from droidpilot.device.sim import input as inp

        self.after_action(inp.tap(self, x, y, long=True))

    def swipe(self, x1: int, y1: int, x2: int, y2: int) -> None:
        from droidpilot.device.sim import input as inp

        self.after_action(inp.swipe(self, x1, y1, x2, y2))

    def key(self, name: str) -> None:
        from droidpilot.device.sim import input as inp

        self.after_action(inp.key(self, name))

    def input_text(self, text: str, *, clear: bool = False) -> None:
        from droidpilot.device.sim import input as inp

        inp.input_text(self, text, clear=clear)
        self.after_action()

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.changed()

    def set_clipboard(self, text: str) -> None:
        self.state.clipboard = text
        self.touch()

    def fail_next_dump(self) -> None:
        self.state.dump_fail = True

    def take_dump_failure(self) -> bool:
        """Whether this dump fails ("could not get idle state"): once when one is pending, or
        by the ``dump_fail`` fault's roll."""
        if self.state.dump_fail:
            self.state.dump_fail = False
            return True
        return self.state.faults.roll("dump_fail")
