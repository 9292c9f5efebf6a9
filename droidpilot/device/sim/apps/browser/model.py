"""Browser: a few web pages, an address bar, search, history, back and forward, bookmarks.

Pages are shown in a WebView whose accessibility tree is thin, as on real phones: headings and
paragraphs become plain ``android.view.View`` nodes with the words in content-desc, links are
clickable nodes. Content rules tasks can rely on: the start page is ``HOME_URL``; typing words
that are not a URL searches (``SEARCH_URL?q=...``) and lists the pages whose text matches;
an unknown URL shows a "can't reach this page" error page. The guide pages name each city's
attractions (matching the tickets app) and the refund-policy page states the travel app's
refund rules. With the adversarial fault on, the travel-tips page carries an injection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.world import Text

__all__ = ["HOME_URL", "SEARCH_URL", "Block", "BrowserModel", "WebPage"]

HOME_URL = "https://start.example.com/"
SEARCH_URL = "https://search.example.com/"
BlockKind = Literal["h1", "p", "link"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Block(Static):
    kind: BlockKind
    text: Text
    href: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WebPage(Static):
    url: str
    title: Text
    blocks: tuple[Block, ...]

    def matches(self, query: str) -> bool:
        return self.title.matches(query) or any(b.text.matches(query) for b in self.blocks)


def _p(en: str, zh: str) -> Block:
    return Block(kind="p", text=Text(en, zh))


def _h(en: str, zh: str) -> Block:
    return Block(kind="h1", text=Text(en, zh))


def _a(en: str, zh: str, href: str) -> Block:
    return Block(kind="link", text=Text(en, zh), href=href)


def _pages(injection: Text | str | None) -> tuple[WebPage, ...]:
    tips = [
        _h("Ten tips for train travel", "高铁出行十个小贴士"),
        _p("Book early: popular trains sell out days ahead, especially on Fridays.",
           "提前订票：热门车次常常提前几天售罄，周五尤甚。"),
        _p("Seats A and F are by the window; C and D are on the aisle.",
           "A、F座靠窗，C、D座靠过道。"),
        _a("Refund rules", "退票规则", "https://help.example.com/refunds"),
    ]  # fmt: skip
    if injection:
        tips.append(Block(kind="p", text=Text.of(injection)))
    return (
        WebPage(url=HOME_URL, title=Text("Start", "首页"), blocks=(
            _h("Good day", "你好"),
            _a("Travel news: new high-speed lines open", "旅行资讯：多条高铁新线开通",
               "https://news.example.com/rail"),
            _a("City guide: Hangzhou", "城市指南：杭州", "https://travel.example.com/hangzhou"),
            _a("City guide: Beijing", "城市指南：北京", "https://travel.example.com/beijing"),
            _a("Ten tips for train travel", "高铁出行十个小贴士",
               "https://travel.example.com/tips"),
            _a("Weather", "天气", "https://weather.example.com/"),
        )),
        WebPage(url="https://news.example.com/rail", title=Text("Rail news", "铁路新闻"), blocks=(
            _h("New high-speed lines open", "多条高铁新线开通"),
            _p("Three new lines cut journey times between major cities by up to an hour.",
               "三条新线路开通，主要城市间的旅行时间最多缩短一小时。"),
        )),
        WebPage(url="https://travel.example.com/hangzhou", title=Text("Hangzhou guide", "杭州指南"),
                blocks=(
            _h("Hangzhou in two days", "杭州两日游"),
            _p("Day one: a West Lake Cruise in the morning, Lingyin Temple after lunch.",
               "第一天：上午西湖游船，午饭后去灵隐寺。"),
            _p("Day two: Songcheng Park and its evening show.", "第二天：宋城景区和晚间演出。"),
        )),
        WebPage(url="https://travel.example.com/beijing", title=Text("Beijing guide", "北京指南"),
                blocks=(
            _h("Beijing in three days", "北京三日游"),
            _p("The Forbidden City is closed on Mondays; book tickets online in advance.",
               "故宫博物院周一闭馆，请提前在网上购票。"),
            _p("Take a morning train to the Badaling Great Wall, then visit the Summer Palace.",
               "早上乘火车去八达岭长城，之后游览颐和园。"),
        )),
        WebPage(url="https://travel.example.com/tips", title=Text("Train tips", "高铁贴士"),
                blocks=tuple(tips)),
        WebPage(url="https://help.example.com/refunds", title=Text("Refund rules", "退票规则"),
                blocks=(
            _h("Train ticket refunds", "火车票退票规则"),
            _p("8 days or more before departure: no fee. 48 hours to 8 days: 5%. 24 to 48 "
               "hours: 10%. Under 24 hours: 20%.",
               "开车前8天以上不收费；48小时至8天收5%；24至48小时收10%；24小时内收20%。"),
        )),
        WebPage(url="https://weather.example.com/", title=Text("Weather", "天气"), blocks=(
            _h("Today: sunny, 18-26°C", "今天：晴，18-26°C"),
            _p("Tomorrow: light rain in the afternoon.", "明天：午后有小雨。"),
        )),
    )  # fmt: skip


@dataclass(kw_only=True)
class BrowserModel(Model):
    pages: tuple[WebPage, ...]
    history: list[str] = field(default_factory=lambda: [HOME_URL])
    position: int = 0  # index into history of the page on screen
    bookmarks: list[str] = field(default_factory=list)

    @classmethod
    def generate(cls, injection: Text | str | None = None) -> BrowserModel:
        return cls(pages=_pages(injection))

    @property
    def url(self) -> str:
        return self.history[self.position]

    @property
    def visited(self) -> tuple[str, ...]:
        return tuple(self.history[: self.position + 1])

    def page(self, url: str) -> WebPage:
        """The page at ``url``: a known page, a search result page or an error page."""
        for p in self.pages:
            if p.url == url:
                return p
        if url.startswith(SEARCH_URL + "?q="):
            query = unquote(url.split("?q=", 1)[1])
            hits = [p for p in self.pages if p.url != HOME_URL and p.matches(query)]
            blocks = [_h(f"Results for {query}", f"“{query}”的搜索结果")]
            blocks += [Block(kind="link", text=p.title, href=p.url) for p in hits]
            if not hits:
                blocks.append(_p("No results.", "没有找到结果。"))
            return WebPage(url=url, title=Text(f"{query} - Search", f"{query} - 搜索"),
                           blocks=tuple(blocks))  # fmt: skip
        return WebPage(url=url, title=Text("Page not available", "网页无法打开"), blocks=(
            _h("This site can't be reached", "无法访问此网站"),
            _p(f"{url} could not be found.", f"找不到 {url}。"),
        ))  # fmt: skip

    @property
    def current(self) -> WebPage:
        return self.page(self.url)

    def go(self, typed: str) -> str:
        """Open what the user typed in the address bar: a URL, a bare host, or a search."""
        t = typed.strip()
        if not t:
            return self.url
        if t.startswith(("http://", "https://")):
            url = t
        elif "." in t and " " not in t:
            url = "https://" + t
        else:
            url = SEARCH_URL + "?q=" + quote(t)
        if url.count("/") == 2:
            url += "/"
        self.history = [*self.history[: self.position + 1], url]
        self.position = len(self.history) - 1
        return url

    def can_back(self) -> bool:
        return self.position > 0

    def back(self) -> None:
        self.position = max(0, self.position - 1)

    def forward(self) -> None:
        self.position = min(len(self.history) - 1, self.position + 1)

    def toggle_bookmark(self) -> bool:
        if self.url in self.bookmarks:
            self.bookmarks.remove(self.url)
            return False
        self.bookmarks.append(self.url)
        return True
