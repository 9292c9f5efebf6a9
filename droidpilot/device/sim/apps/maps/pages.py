"""The maps app's pages: search, results with distance, place details (address, distance,
ETA by car, transit and on foot), share to another app and copy the address."""

from __future__ import annotations

from collections.abc import Callable

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.maps.model import MapsModel, Place
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    column,
    edit_text,
    image,
    list_view,
    row,
    scroll,
    text,
)

__all__ = ["MapPage", "PlacePage"]

C = Ctx[MapsModel]


def _km(ctx: C, p: Place) -> str:
    return (
        f"{ctx.model.distance_km(p):.1f} km"
        if ctx.lang == "en"
        else (f"{ctx.model.distance_km(p):.1f}公里")
    )


class MapPage(Page[MapsModel]):
    """The map with a search box; submitting the box lists the matching places."""

    activity = ".MapsActivity"

    def __init__(self, query: str = "", **_: object) -> None:
        super().__init__()
        self.query = query

    def build(self, ctx: C) -> View:
        m, lang = ctx.model, ctx.lang
        results: list[View] = []
        if self.query:
            hits = m.search(self.query)
            results = [
                card(
                    text(p.name, id="place_name", bold=True),
                    text(
                        f"{p.category_name.get(lang)} · {_km(ctx, p)} · ★{p.rating:.1f}",
                        id="place_info",
                        size=12,
                    ),
                    text(p.address, id="place_address", size=12, lines=1),
                    id="result",
                    on_click=self._open(p.id),
                )
                for p in hits
            ] or [text(Text("No results", "无结果"), id="empty")]
        else:
            results = [
                text(Text("Saved", "已保存"), bold=True),
                card(
                    text(m.home.name, id="place_name"),
                    text(m.home.address, size=12),
                    id="saved_home",
                    on_click=self._open("HOME"),
                ),
                card(
                    text(m.work.name, id="place_name"),
                    text(m.work.address, size=12),
                    id="saved_work",
                    on_click=self._open("WORK"),
                ),
                *([text(Text("Recent", "最近搜索"), bold=True)] if m.recent else []),
                *[
                    card(text(q, id="recent_query"), id="recent", on_click=self._search(q))
                    for q in m.recent
                ],
            ]
        return column(
            edit_text(
                "search_box",
                hint=Text("Search here", "搜索地点"),
                value=self.query or None,
                on_submit=self.submit,
            ),
            image(Text("Map", "地图"), id="map", w=MATCH, h=160, color="#C8E6C9")
            if not self.query
            else None,
            list_view("results", results, weight=1),
            h=MATCH,
        )

    def submit(self, ctx: C, typed: str) -> None:
        self.query = typed.strip()
        ctx.model.remember_search(self.query)

    def on_back(self, ctx: C) -> bool:
        if self.query:
            self.query = ""
            ctx.set_field("search_box", "")
            return True
        return False

    def _search(self, q: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.set_field("search_box", q)
            self.submit(ctx, q)

        return handler

    def _open(self, pid: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(PlacePage(pid))

        return handler


class PlacePage(Page[MapsModel]):
    activity = ".PlaceActivity"

    def __init__(self, place_id: str) -> None:
        super().__init__()
        self.place_id = place_id

    def place(self, ctx: C) -> Place:
        p = ctx.model.place(self.place_id)
        assert p is not None
        return p

    def build(self, ctx: C) -> View:
        m, lang = ctx.model, ctx.lang
        p = self.place(ctx)
        eta = ctx.t(
            f"Drive {m.eta_min(p, 'drive')} min · Transit {m.eta_min(p, 'transit')} min · "
            f"Walk {m.eta_min(p, 'walk')} min",
            f"驾车{m.eta_min(p, 'drive')}分钟 · 公交{m.eta_min(p, 'transit')}分钟 · "
            f"步行{m.eta_min(p, 'walk')}分钟",
        )
        return column(
            image(Text("Map", "地图"), id="map", w=MATCH, h=200, color="#C8E6C9"),
            scroll(
                "place_sheet",
                text(p.name, id="place_title", bold=True, size=20),
                text(f"{p.category_name.get(lang)} · ★{p.rating:.1f}", id="place_category"),
                text(p.address, id="place_address"),
                text(ctx.t("Distance ", "距离 ") + _km(ctx, p), id="distance"),
                text(eta, id="eta"),
                text(p.hours, id="hours", size=12),
                text(p.phone, id="phone", size=12),
                weight=1,
            ),
            row(
                button(Text("Share", "分享"), self.share, id="share", w=0, weight=1),
                button(
                    Text("Copy address", "复制地址"),
                    self.copy,
                    id="copy_address",
                    w=0,
                    weight=1,
                    primary=False,
                ),
                pad=8,
            ),
            h=MATCH,
        )

    def share(self, ctx: C) -> None:
        p = self.place(ctx)
        t = ctx.model.share_text(p, ctx.lang)
        ctx.model.record_share(p, t)
        ctx.share(t)

    def copy(self, ctx: C) -> None:
        ctx.copy(self.place(ctx).address.get(ctx.lang))
