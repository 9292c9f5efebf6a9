"""The messages app's pages: conversation list, a conversation, and compose (also the target
of the ``share`` and ``compose`` intents, so maps or travel can send text to a contact)."""

from __future__ import annotations

from collections.abc import Callable

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.contacts.model import Contact
from droidpilot.device.sim.apps.messages.model import MessagesModel, Sms
from droidpilot.device.sim.apps.ui import format_date, model_of
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    column,
    edit_text,
    icon_button,
    list_view,
    row,
    text,
    toolbar,
)
from droidpilot.errors import ValidationError

__all__ = ["CONTACTS", "ComposePage", "ConversationPage", "ThreadsPage", "contacts_of"]

C = Ctx[MessagesModel]
CONTACTS = "com.droidpilot.contacts"


def contacts_of(ctx: C) -> tuple[Contact, ...]:
    """The live address book (the Contacts app's), else the seeded one."""
    book = model_of(ctx, CONTACTS)
    return tuple(book.contacts) if book is not None else ctx.model.contacts


def _when(ctx: C, m: Sms) -> str:
    if m.at.date() == ctx.now.date():
        return f"{m.at:%H:%M}"
    return format_date(m.at.date(), ctx.lang, weekday=False)


class ThreadsPage(Page[MessagesModel]):
    activity = ".ui.ConversationListActivity"

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        items = [
            card(
                row(
                    text(t.name, id="conversation_name", bold=t.unread > 0, w=0, weight=3),
                    text(_when(ctx, t.last), id="conversation_time", size=12, w=0, weight=1),
                ),
                text(t.last.body.get(lang), id="conversation_snippet", size=13, lines=1),
                id="conversation",
                on_click=self._open(t.address),
            )
            for t in ctx.model.threads(contacts_of(ctx))
        ]
        return column(
            toolbar(Text("Messages", "信息"), back=False),
            list_view("conversation_list", items, weight=1),
            button(
                Text("Start chat", "发起聊天"), lambda c: c.start(ComposePage()), id="start_chat"
            ),
            h=MATCH,
        )

    def _open(self, address: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(ConversationPage(address))

        return handler


class ConversationPage(Page[MessagesModel]):
    activity = ".ui.ConversationActivity"

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def on_start(self, ctx: C) -> None:
        ctx.model.mark_read(self.address)

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        bubbles = [
            column(
                text(
                    m.body.get(lang),
                    id="message_text",
                    gravity="end" if m.direction == "out" else "",
                    on_long_click=self._copy(m.body.get(lang)),
                ),
                text(
                    _when(ctx, m) + (ctx.t(" · Sent", " · 已发送") if m.direction == "out" else ""),
                    id="message_time",
                    size=11,
                    color="#888888",
                    gravity="end" if m.direction == "out" else "",
                ),
                pad=8,
                id="message_out" if m.direction == "out" else "message_in",
            )
            for m in ctx.model.thread(self.address)
        ]
        return column(
            toolbar(ctx.model.name_for(self.address, contacts_of(ctx))),
            list_view("messages", bubbles, weight=1),
            row(
                edit_text("compose_message", hint=Text("Text message", "短信"), w=0, weight=1),
                icon_button(Text("Send", "发送"), self.send, id="send"),
            ),
            h=MATCH,
        )

    @staticmethod
    def _copy(words: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.copy(words)

        return handler

    def send(self, ctx: C) -> None:
        body = ctx.field("compose_message")
        if not body.strip():
            return
        ctx.model.send(self.address, body, now=ctx.now, contacts=contacts_of(ctx))
        ctx.set_field("compose_message", "")


class ComposePage(Page[MessagesModel]):
    """A new message; ``text`` and ``to`` come from a share or compose intent."""

    activity = ".ui.ComposeMessageActivity"

    def __init__(self, text: str = "", to: str = "", **_: object) -> None:
        super().__init__()
        self.text = text
        self.to = to

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        typed = ctx.field("recipient").strip()
        matches = [
            c for c in contacts_of(ctx) if typed and (c.name.matches(typed) or typed in c.phone)
        ]
        suggestions = [
            card(
                text(c.name, id="suggestion_name"),
                text(c.phone, size=12),
                id="suggestion",
                on_click=self._pick(c.name.get(lang)),
            )
            for c in matches[:5]
        ]
        return column(
            toolbar(Text("New message", "新信息")),
            edit_text(
                "recipient",
                hint=Text("To: name or number", "收件人：姓名或号码"),
                value=self.to or None,
            ),
            list_view("suggestions", suggestions, h=0, weight=1) if suggestions else None,
            edit_text(
                "compose_message",
                hint=Text("Text message", "短信"),
                value=self.text or None,
                multiline=True,
            ),
            button(Text("Send", "发送"), self.send, id="send"),
            None if suggestions else column(weight=1),
            h=MATCH,
        )

    def _pick(self, name: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.set_field("recipient", name)

        return handler

    def send(self, ctx: C) -> None:
        to = ctx.field("recipient") or self.to
        body = ctx.field("compose_message") or self.text
        if not body.strip():
            ctx.toast(Text("Type a message first", "请输入信息内容"))
            return
        try:
            m = ctx.model.send(to, body, now=ctx.now, contacts=contacts_of(ctx))
        except ValidationError:
            ctx.toast(Text("Unknown recipient", "无效的收件人"))
            return
        ctx.toast(Text("Sent", "已发送"))
        ctx.replace(ConversationPage(m.address))
