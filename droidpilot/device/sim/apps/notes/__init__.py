"""The notes app (``com.droidpilot.notes``): list, create, edit, delete."""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.notes.model import Note, NotesModel
from droidpilot.device.sim.apps.notes.pages import NotesPage
from droidpilot.device.sim.apps.world import Text

__all__ = ["APP", "PACKAGE", "Note", "NotesApp", "NotesModel"]

PACKAGE = "com.droidpilot.notes"


class NotesApp(App[NotesModel]):
    package = PACKAGE
    label = Text("Notes", "备忘录")
    launcher = NotesPage
    color = "#FBBC04"

    def create_model(self, env: ModelEnv) -> NotesModel:
        inj = env.injection("note")
        return NotesModel.generate(env.seed, env.now, Text.of(inj) if inj else None)


APP = NotesApp()
