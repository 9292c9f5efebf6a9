"""The contacts app's pages: the list with search, a contact, and a new contact."""

from __future__ import annotations

from collections.abc import Callable

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.contacts.model import ContactsModel
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    column,
    edit_text,
    lazy_list,
    text,
    toolbar,
)
from droidpilot.errors import ValidationError

__all__ = ["AddContactPage", "ContactPage", "ContactsPage"]

C = Ctx[ContactsModel]


class ContactsPage(Page[ContactsModel]):
    activity = ".activities.PeopleActivity"

    def build(self, ctx: C) -> View:
        q = ctx.field("search").strip()
        people = ctx.model.search(q) if q else ctx.model.contacts
        rows = [
            card(text(c.name, id="contact_name"), id="contact", on_click=self._open(c.id))
            for c in people
        ]
        return column(
            toolbar(Text("Contacts", "通讯录"), back=False),
            edit_text("search", hint=Text("Search contacts", "搜索联系人")),
            lazy_list("contact_list", len(rows), lambda i: rows[i], item_h=56, weight=1),
            button(
                Text("Create contact", "新建联系人"),
                lambda c: c.start(AddContactPage()),
                id="create_contact",
            ),
            h=MATCH,
        )

    def _open(self, cid: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(ContactPage(cid))

        return handler


class ContactPage(Page[ContactsModel]):
    activity = ".activities.ContactDetailActivity"

    def __init__(self, contact_id: str) -> None:
        super().__init__()
        self.contact_id = contact_id

    def build(self, ctx: C) -> View:
        c = ctx.model.contact(self.contact_id)
        return column(
            toolbar(c.name),
            text(c.name, id="large_title", size=24, bold=True),
            text(c.relation, id="relation") if c.relation else None,
            text(ctx.t("Mobile ", "手机 ") + c.phone, id="phone"),
            text(c.email, id="email") if c.email else None,
            button(Text("Message", "发信息"), self.message, id="message"),
            button(Text("Call", "呼叫"), self.call, id="call", primary=False),
            h=MATCH,
        )

    def message(self, ctx: C) -> None:
        c = ctx.model.contact(self.contact_id)
        ctx.send("compose", to=c.name.get(ctx.lang))

    def call(self, ctx: C) -> None:
        ctx.toast(Text("Calling is not available", "暂不支持通话"))


class AddContactPage(Page[ContactsModel]):
    activity = ".activities.ContactEditorActivity"

    def build(self, ctx: C) -> View:
        return column(
            toolbar(Text("Create contact", "新建联系人")),
            edit_text("name", hint=Text("Name", "姓名")),
            edit_text("phone", hint=Text("Phone", "电话")),
            edit_text("email", hint=Text("Email", "邮箱")),
            button(Text("Save", "保存"), self.save, id="save"),
            h=MATCH,
        )

    def save(self, ctx: C) -> None:
        try:
            ctx.model.add(ctx.field("name"), ctx.field("phone"), ctx.field("email").strip())
        except ValidationError:
            ctx.toast(Text("Enter a name and a phone number", "请输入姓名和电话号码"))
            return
        ctx.finish()
