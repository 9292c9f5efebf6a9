"""The contacts app (``com.droidpilot.contacts``): names in both languages, phone numbers,
search, create. See :mod:`.model` for the seeded roles (friend, colleague, mother)."""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.contacts.model import Contact, ContactsModel, seed_contacts
from droidpilot.device.sim.apps.contacts.pages import ContactsPage
from droidpilot.device.sim.apps.world import Text

__all__ = ["APP", "PACKAGE", "Contact", "ContactsApp", "ContactsModel", "seed_contacts"]

PACKAGE = "com.droidpilot.contacts"


class ContactsApp(App[ContactsModel]):
    package = PACKAGE
    label = Text("Contacts", "通讯录")
    launcher = ContactsPage
    color = "#1A73E8"

    def create_model(self, env: ModelEnv) -> ContactsModel:
        return ContactsModel(env.seed)


APP = ContactsApp()
