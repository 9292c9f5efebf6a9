"""The notes app's pages: the list and the editor (saves on back, as real note apps do)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.notes.model import NotesModel
from droidpilot.device.sim.apps.ui import format_date
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.views import (
    MATCH,
    View,
    button,
    card,
    column,
    dialog,
    edit_text,
    icon_button,
    list_view,
    text,
    toolbar,
)

__all__ = ["NoteEditorPage", "NotesPage"]

C = Ctx[NotesModel]


class NotesPage(Page[NotesModel]):
    activity = ".NotesListActivity"

    def build(self, ctx: C) -> View:
        lang = ctx.lang
        items = [
            card(
                text(n.title, id="note_title", bold=True),
                text(
                    n.body.get(lang).splitlines()[0] if n.body.get(lang) else "",
                    id="note_preview",
                    size=13,
                    lines=1,
                ),
                text(format_date(n.modified.date(), lang, weekday=False), id="note_date", size=11),
                id="note",
                on_click=self._open(n.id),
            )
            for n in ctx.model.listing()
        ]
        return column(
            toolbar(Text("Notes", "备忘录"), back=False),
            list_view("notes_list", items, weight=1),
            button(
                Text("New note", "新建备忘录"),
                lambda c: c.start(NoteEditorPage(None)),
                id="new_note",
            ),
            h=MATCH,
        )

    def _open(self, nid: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            ctx.start(NoteEditorPage(nid))

        return handler


class NoteEditorPage(Page[NotesModel]):
    activity = ".NoteEditorActivity"

    def __init__(self, note_id: str | None) -> None:
        super().__init__()
        self.note_id = note_id

    def build(self, ctx: C) -> View:
        title = body = None
        if self.note_id is not None:
            n = ctx.model.note(self.note_id)
            title, body = n.title.get(ctx.lang), n.body.get(ctx.lang)
        actions = [button(Text("Done", "完成"), self.done, id="done", w=96)]
        if self.note_id is not None:
            actions.append(
                icon_button(Text("Delete", "删除"), lambda c: c.show_dialog("delete"), id="delete")
            )
        return column(
            toolbar(Text("Note", "备忘录"), actions=actions),
            edit_text("note_title", hint=Text("Title", "标题"), value=title),
            edit_text("note_body", hint=Text("Note", "内容"), value=body, multiline=True),
            column(weight=1),
            h=MATCH,
        )

    def _save(self, ctx: C) -> None:
        frame = self.frame.fields
        if "note_title" not in frame and "note_body" not in frame:
            return  # nothing typed
        if self.note_id is None:
            t, b = ctx.field("note_title"), ctx.field("note_body")
            if t.strip() or b.strip():
                self.note_id = ctx.model.create(t, b, now=ctx.now).id
            return
        ctx.model.edit(
            self.note_id,
            title=ctx.field("note_title") if "note_title" in frame else None,
            body=ctx.field("note_body") if "note_body" in frame else None,
            now=ctx.now,
        )

    def done(self, ctx: C) -> None:
        self._save(ctx)
        ctx.finish()

    def on_back(self, ctx: C) -> bool:
        self._save(ctx)
        return False

    def build_dialog(self, ctx: C, name: str, args: Mapping[str, object]) -> View | None:
        return dialog(
            Text("Delete this note?", "删除此备忘录？"),
            positive=(Text("Delete", "删除"), self.delete),
            negative=(Text("Cancel", "取消"), None),
        )

    def delete(self, ctx: C) -> None:
        if self.note_id is not None:
            ctx.model.delete(self.note_id)
        self.note_id = None
        self.frame.fields.clear()
        ctx.finish()
