"""How to write an app for the simulated phone.

An app is one module under ``droidpilot/device/sim/apps/`` (or a package with an
``__init__``) that defines a module-level ``APP`` (an :class:`App` subclass *instance*).
The phone finds every such module by itself (sorted by module name); nothing else to register.
``apps/settings.py`` is a complete small example; read it beside this text.

The pieces
==========

**Model** (your state). A mutable class, usually a ``@dataclass``, subclassing
:class:`Model`. Everything the app remembers lives here (cart, orders, balance, sent
messages): the screen is always built *from* it, and tasks read it. Content generated from the
seed that never changes (restaurants, menus, timetables) should be frozen dataclasses that
subclass :class:`Static` (or tuples of them): snapshots share them instead of copying, which
keeps ``snapshot()``/``restore()`` within a few milliseconds. Keep plain data in models
(numbers, strings, lists, dicts, dataclasses, ``datetime``), never functions or views.

**App** (the declaration)::

    class SettingsApp(App[SettingsModel]):
        package = "com.android.settings"
        label = Text("Settings", "设置")         # launcher name, en/zh
        launcher = MainPage                        # the launcher activity's page class
        intents = {"pay": PayPage}                 # optional: intent actions this app handles
        color = "#607D8B"                          # its icon colour
        network = False                            # True: pages load over the network
        login = False                              # True: the expired-login fault may hit it
        permissions = ()                           # e.g. ("location",): fault prompts on launch

        def create_model(self, env: ModelEnv) -> SettingsModel:
            return SettingsModel(...)              # from env.rng only: deterministic per seed

    APP = SettingsApp()

``env.rng`` is a ``random.Random`` seeded from the phone seed and the package, ``env.seed`` the
phone seed (use it with your own sub-generators), ``env.now`` the phone's clock and
``env.injection(where)`` the adversarial-text hook (see Faults): a ``views.Text`` (en, zh) or
None.

**Page** (an activity). Subclass ``Page[YourModel]``; its ``__init__`` takes the page's own
arguments (call ``super().__init__()``), and ``build(ctx)`` returns the view tree *from state*,
every time the screen is drawn::

    class DetailPage(Page[FoodModel]):
        activity = ".ui.RestaurantActivity"       # shown as <package>/.ui.RestaurantActivity

        def __init__(self, restaurant: int) -> None:
            super().__init__()
            self.restaurant = restaurant
            self.tab = 0                             # page-local UI state: plain attributes

        def build(self, ctx: Ctx[FoodModel]) -> View:
            r = ctx.model.restaurants[self.restaurant]
            return column(
                toolbar(r.name),                     # "Navigate up" acts as back
                tabs("tabs", [Text("Menu", "菜单"), Text("Reviews", "评价")], self.tab,
                     self.pick_tab),
                lazy_list("menu", len(r.dishes), lambda i: self.dish_row(ctx, r.dishes[i]),
                          item_h=72, weight=1),
                button(Text("Go to cart", "去结算"), lambda c: c.start(CartPage()), id="cart"),
                h=MATCH,
            )

        def pick_tab(self, ctx: Ctx[FoodModel], i: int) -> None:
            self.tab = i

Builders (``droidpilot.device.sim.views``; sizes in dp, ``MATCH``/``WRAP``): ``column``,
``row``, ``frame``, ``card`` (a clickable list entry), ``spacer``, ``divider``, ``text``,
``button``, ``icon_button`` (content-desc only), ``image``, ``edit_text`` (hint, password,
multiline, ``on_text_change``, ``on_submit``), ``checkbox``, ``switch``, ``radio``, ``spinner``
(a popup of choices), ``date_picker`` (a month-grid dialog), ``progress``, ``scroll``
(ScrollView), ``list_view`` (RecyclerView of ready rows), ``lazy_list`` (RecyclerView that
builds only the rows on screen: use it for long lists), ``toolbar``, ``tabs``, ``bottom_nav``,
``webview`` (a thin accessibility tree), ``dialog`` and ``bottom_sheet`` (for
``build_dialog``). Words are ``str`` or anything with ``.get(lang)`` (``views.Text`` or the
apps' ``world.Text``); the phone's locale picks the language. Give every control a stable
``id`` (``"search"`` becomes ``<package>:id/search``) and icon buttons a content-desc.
Scrolling containers fill the height they get: give them ``weight=1`` inside a ``column(...,
h=MATCH)`` so the page's bottom buttons stay on screen.

**Handlers** are plain callables the phone calls with a :class:`Ctx` of the page that owns the
view: ``on_click(ctx)``, ``on_long_click(ctx)``, ``on_text_change(ctx, text)``,
``on_submit(ctx, text)``, ``on_checked(ctx, checked)``, ``on_select(ctx, index)`` (spinner,
tabs, bottom nav), ``on_date(ctx, date)``. They mutate ``ctx.model`` (or page attributes) and
navigate; the next frame is rebuilt from the new state. Never store a handler or a view in
the model.

**Ctx** (what a handler can do):

- ``ctx.model`` (your model), ``ctx.page``, ``ctx.lang`` (``"en"``/``"zh"``),
  ``ctx.t(en, zh)``, ``ctx.now`` (phone clock), ``ctx.system`` (wifi, dark mode, ...);
- fields: ``ctx.field(id)`` (an EditText's text), ``ctx.set_field(id, text)``;
- navigation: ``ctx.start(Page(...), request="pick")`` (push; with ``request`` the page's
  ``finish(result)`` comes back to ``on_result(ctx, request, result)`` of the page below),
  ``ctx.replace(Page(...))``, ``ctx.finish(Result.ok(order=3))`` / ``ctx.finish()``,
  ``ctx.home()``;
- other apps: ``ctx.send("pay", request="pay", amount_cents=2350, merchant="...")`` starts
  the page another app declares for that intent action, in this task, and its result comes
  back to ``on_result`` (the wallet's payment screen does ``ctx.finish(Result.ok(txn=...))``;
  back gives ``Result.canceled()``); ``ctx.share(text)`` opens the share sheet (apps with a
  ``"share"`` intent); ``ctx.open_location(query)`` opens maps (``"view_location"``);
  ``ctx.launch(package)`` opens another app's launcher page in its own task;
- feedback: ``ctx.toast(text)`` (fades after a few observations), ``ctx.show_dialog(name,
  **args)`` (then the page's ``build_dialog(ctx, name, args)`` draws it; the dialog's buttons
  close it), ``ctx.alert(title, message)``, ``ctx.dismiss()``, ``ctx.notify(title, text,
  page=SomePage(...))`` (a notification in the shade that opens ``page``);
- loading: ``ctx.load(k)`` shows a spinner instead of the page for the next ``k``
  observations; ``ctx.network_error()`` shows "No connection" with a Retry button, which
  calls the page's ``on_retry(ctx)``; ``ctx.online()`` is False when Wi-Fi is off;
- system: ``ctx.copy(text)`` / ``ctx.clipboard``, ``ctx.set_locale("zh")``,
  ``ctx.request_permission("location")`` (a system prompt; the answer arrives in
  ``on_permission(ctx, permission, granted)``), ``ctx.rng`` (seeded, for UI randomness).

Page hooks you may override: ``on_start(ctx)`` (once, when the page is first shown),
``on_result(ctx, request, result)``, ``on_back(ctx) -> bool`` (True: handled, stay),
``on_retry(ctx)``, ``on_permission(ctx, permission, granted)``, ``on_swipe(ctx, direction)
-> bool``, ``build_dialog(ctx, name, args)``. A page class with ``network = True`` (or any
page of an app with ``network = True``) gets the slow-load and network-error faults when it
starts, and the network error for real when Wi-Fi is off.

Faults (all off by default, seeded): the phone injects pop-up ads, permission prompts, slow
loads, network errors, the ANR dialog, the expired login and failing dumps by itself. The one
hook apps call is ``env.injection(where)`` in ``create_model``: it returns an adversarial
sentence (or None) to append to a dish description, a message, a review, so tasks can check
that the agent ignores it.

Tasks read state through the phone: ``phone.read(SettingsApp)`` gives the model behind a
read-only proxy (writes raise); ``phone.model(SettingsApp)`` gives the mutable model for task
*setup* only. Test an app through the Device API (``SimDevice``): find elements by text, tap,
type, scroll, and check ``phone.read(...)``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from droidpilot.device.sim.views import Text, TextLike, View, tr

if TYPE_CHECKING:
    from droidpilot.device.sim.phone import SimPhone

__all__ = [
    "App",
    "Ctx",
    "Model",
    "ModelEnv",
    "Overlay",
    "Page",
    "PageFrame",
    "Result",
    "Static",
    "SystemSettings",
]


class Model:
    """Base of an app's mutable state (subclass it, usually as a ``@dataclass``)."""


class Static:
    """Mixin for frozen, seed-generated content: snapshots share it instead of copying it."""

    __slots__ = ()

    def __copy__(self) -> Static:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Static:
        return self


M = TypeVar("M", bound=Model)


@dataclass(kw_only=True)
class SystemSettings(Model):
    """The phone-wide settings: the model of the Settings app, read by the whole phone."""

    wifi: bool = True
    lang: str = "en"
    notifications: bool = True
    dark: bool = False
    wifi_network: str = "HomeNet-5G"


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """What a page started for a result hands back: ``ok`` and named values."""

    ok: bool
    data: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def success(cls, **data: object) -> Result:
        return cls(ok=True, data=dict(data))

    @classmethod
    def canceled(cls, **data: object) -> Result:
        return cls(ok=False, data=dict(data))

    def get(self, name: str, default: object = None) -> object:
        return self.data.get(name, default)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelEnv:
    """What ``App.create_model`` may use: a seeded generator, the clock, the fault hook."""

    seed: int
    rng: random.Random
    now: dt.datetime
    injection: Callable[[str], Text | None]


@dataclass(slots=True, kw_only=True)
class Overlay:
    """A window a page shows above itself: an app dialog, an alert, a spinner popup, a date
    picker or a bottom sheet (plain data, so snapshots copy it)."""

    kind: str  # dialog | alert | spinner | date | sheet
    name: str = ""
    args: dict[str, object] = field(default_factory=dict)


class PageFrame:
    """The phone's bookkeeping for one page on a back stack (not for app authors)."""

    __slots__ = ("error", "fields", "focus", "loading", "overlays", "package", "request", "started")

    def __init__(self) -> None:
        self.package = ""
        self.request: str | None = None
        self.fields: dict[str, object] = {}
        self.overlays: list[Overlay] = []
        self.loading = 0
        self.error = False
        self.focus: str | None = None
        self.started = False


class Page(Generic[M]):
    """One screen (activity) of an app. Subclass, call ``super().__init__()``, write ``build``."""

    activity: ClassVar[str] = ""
    network: ClassVar[bool | None] = None  # None: as the app says

    def __init__(self) -> None:
        self.frame = PageFrame()

    def build(self, ctx: Ctx[M]) -> View:
        raise NotImplementedError

    def build_dialog(self, ctx: Ctx[M], name: str, args: Mapping[str, object]) -> View | None:
        """Draw the dialog ``ctx.show_dialog(name, **args)`` asked for (None: nothing)."""
        return None

    def on_start(self, ctx: Ctx[M]) -> None:
        """Called once, when the page is first shown."""

    def on_result(self, ctx: Ctx[M], request: str, result: Result) -> None:
        """A page started with ``request`` finished (or was backed out of: not ``ok``)."""

    def on_back(self, ctx: Ctx[M]) -> bool:
        """Back was pressed on this page: return True to stay (handled), False to finish."""
        return False

    def on_retry(self, ctx: Ctx[M]) -> None:
        """Retry on the network-error screen: by default, load again for one frame."""
        ctx.load(1)

    def on_permission(self, ctx: Ctx[M], permission: str, granted: bool) -> None:
        """The answer to ``ctx.request_permission``."""

    def on_swipe(self, ctx: Ctx[M], direction: str) -> bool:
        """A swipe (``up``/``down``/``left``/``right``: where the finger went) that no
        scrolling container took; return True if the page used it."""
        return False


class App(Generic[M]):
    """An app's declaration; see the module docstring. Instances hold no state."""

    package: ClassVar[str] = ""
    label: ClassVar[TextLike] = ""
    launcher: ClassVar[type[Page[Any]]]
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = {}
    permissions: ClassVar[tuple[str, ...]] = ()
    color: ClassVar[str] = "#3F51B5"
    network: ClassVar[bool] = False
    login: ClassVar[bool] = False
    system: ClassVar[bool] = False  # a system app: not in the drawer (the launcher itself)

    def create_model(self, env: ModelEnv) -> M:
        raise NotImplementedError

    def launch_page(self) -> Page[M]:
        """The page the launcher icon opens."""
        return self.launcher()

    def name(self, lang: str) -> str:
        return tr(self.label, lang)

    def __deepcopy__(self, memo: dict[int, object]) -> App[M]:
        return self


class Ctx(Generic[M]):
    """What handlers and ``build`` get: the model, the page, and what they may do."""

    __slots__ = ("package", "page", "phone")

    def __init__(self, phone: SimPhone, page: Page[M] | None, package: str) -> None:
        self.phone = phone
        self.page = page
        self.package = package

    # ------------------------------------------------------------------ reading
    @property
    def model(self) -> M:
        m: Any = self.phone.state.models[self.package]
        return m  # type: ignore[no-any-return]

    @property
    def lang(self) -> str:
        return self.phone.state.settings.lang

    def t(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def tr(self, value: TextLike) -> str:
        return tr(value, self.lang)

    @property
    def now(self) -> dt.datetime:
        return self.phone.clock.now()

    @property
    def system(self) -> SystemSettings:
        return self.phone.state.settings

    @property
    def rng(self) -> random.Random:
        return self.phone.state.rng

    @property
    def clipboard(self) -> str:
        return self.phone.state.clipboard

    def _page(self) -> Page[M]:
        if self.page is None:
            raise RuntimeError("this handler belongs to no page")
        return self.page

    def field(self, id: str) -> str:
        """The text in this page's EditText ``id`` ("" if never typed into)."""
        value = self._page().frame.fields.get(id, "")
        return value if isinstance(value, str) else ""

    def set_field(self, id: str, value: str) -> None:
        self._page().frame.fields[id] = value

    # ------------------------------------------------------------------ navigation
    def start(self, page: Page[Any], *, request: str | None = None) -> None:
        """Push ``page`` (of this app) on the back stack; ``request``: send its result back."""
        self.phone.push_page(page, self.package, request=request)

    def replace(self, page: Page[Any]) -> None:
        """Finish this page (no result) and start ``page`` in its place."""
        self.phone.finish_page(self._page(), None, deliver=False)
        self.phone.push_page(page, self.package, request=None)

    def finish(self, result: Result | None = None) -> None:
        """Close this page; if it was started for a result, hand ``result`` back."""
        self.phone.finish_page(self._page(), result)

    def home(self) -> None:
        self.phone.go_home()

    def send(
        self,
        action: str,
        *,
        package: str | None = None,
        request: str | None = None,
        **extras: object,
    ) -> bool:
        """Start the page another app declares for intent ``action`` (in this task).

        With several apps handling it and no ``package``, a chooser (share sheet) asks.
        Returns False (and shows "No app can perform this action") when none handles it.
        """
        return self.phone.send_intent(action, extras, package=package, request=request)

    def share(self, text: str) -> bool:
        return self.send("share", text=text)

    def open_location(self, query: str) -> bool:
        return self.send("view_location", query=query)

    def launch(self, package: str) -> None:
        self.phone.launch(package)

    # ------------------------------------------------------------------ feedback
    def toast(self, value: TextLike) -> None:
        self.phone.toast(tr(value, self.lang), self.package)

    def show_dialog(self, name: str, **args: object) -> None:
        self._page().frame.overlays.append(Overlay(kind="dialog", name=name, args=dict(args)))

    def show_sheet(self, name: str, **args: object) -> None:
        """Like ``show_dialog`` but anchored to the bottom (``build_dialog`` draws it)."""
        self._page().frame.overlays.append(Overlay(kind="sheet", name=name, args=dict(args)))

    def alert(self, title: TextLike, message: TextLike = "") -> None:
        self._page().frame.overlays.append(
            Overlay(
                kind="alert",
                args={"title": tr(title, self.lang), "message": tr(message, self.lang)},
            )
        )

    def dismiss(self) -> None:
        """Close the page's top dialog, if any."""
        overlays = self._page().frame.overlays
        if overlays:
            overlays.pop()

    def notify(self, title: TextLike, body: TextLike, *, page: Page[Any] | None = None) -> None:
        self.phone.notify(self.package, tr(title, self.lang), tr(body, self.lang), page)

    def load(self, observations: int = 2) -> None:
        """Show a loading spinner instead of this page for the next ``observations`` frames."""
        p = self._page()
        p.frame.loading = max(p.frame.loading, observations)
        p.frame.error = False

    def network_error(self) -> None:
        self._page().frame.error = True

    def online(self) -> bool:
        return self.phone.state.settings.wifi

    # ------------------------------------------------------------------ system
    def copy(self, value: str) -> None:
        self.phone.state.clipboard = value
        self.phone.toast(self.t("Copied", "已复制"), self.package)

    def set_locale(self, lang: str) -> None:
        self.phone.set_locale(lang)

    def request_permission(self, permission: str) -> bool:
        """True if already granted; else show the system prompt (answer: ``on_permission``)."""
        return self.phone.request_permission(self.package, permission, self.page)


__all__ += ["Text"]
