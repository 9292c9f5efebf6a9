"""Contacts: names in English and Chinese, phone numbers, relations, favourites.

Content rules tasks can rely on: ``CONTACT_COUNT`` contacts built from the seed alone (so the
messages, travel and calendar models agree on who is who), listed by English name; the first
contact generated is the *friend* who sends an address in Messages, the second the
*colleague*, the third the owner's *mother* (relation "Mom"/"妈妈"); the rest are friends.
Names never repeat the owner's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.world import Text, make_names, make_phone, owner_for, sub_rng
from droidpilot.errors import ValidationError

__all__ = ["CONTACT_COUNT", "Contact", "ContactsModel", "seed_contacts"]

CONTACT_COUNT = 10
_RELATIONS = (
    Text("Friend", "朋友"),
    Text("Colleague", "同事"),
    Text("Mom", "妈妈"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Static):
    id: str
    name: Text
    phone: str
    email: str = ""
    relation: Text | None = None
    favorite: bool = False

    def label(self, lang: str) -> str:
        return self.name.get(lang)


def seed_contacts(seed: int) -> tuple[Contact, ...]:
    """The seeded contacts, in the fixed role order (friend, colleague, mother, others)."""
    owner = owner_for(seed)
    rng = sub_rng(seed, "contacts")
    names = make_names(rng, CONTACT_COUNT, avoid=(owner.name,))
    out = []
    phones: set[str] = {owner.phone}
    for i, name in enumerate(names):
        phone = make_phone(rng)
        while phone in phones:
            phone = make_phone(rng)
        phones.add(phone)
        relation = _RELATIONS[i] if i < len(_RELATIONS) else _RELATIONS[0]
        if i == 2:  # the mother shares the owner's surname
            name = _mother_name(owner.name, names)
        email = f"{name.en.lower().replace(' ', '.')}@example.com"
        out.append(
            Contact(
                id=f"C{i + 1}",
                name=name,
                phone=phone,
                email=email,
                relation=relation,
                favorite=i < 3,
            )
        )
    return tuple(out)


def _mother_name(owner: Text, others: list[Text]) -> Text:
    surname_en, surname_zh = owner.en.split()[0], owner.zh[0]
    taken = {n.en for n in others} | {owner.en}
    for g_en, g_zh in (("Xiuying", "秀英"), ("Lan", "兰"), ("Mei", "梅"), ("Fang", "芳")):
        name = Text(f"{surname_en} {g_en}", surname_zh + g_zh)
        if name.en not in taken:
            return name
    return Text(f"{surname_en} Shufen", surname_zh + "淑芬")


class ContactsModel(Model):
    """The address book."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._contacts: list[Contact] = list(seed_contacts(seed))

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """Every contact, sorted by English name."""
        return tuple(sorted(self._contacts, key=lambda c: c.name.en))

    @property
    def friend(self) -> Contact:
        """The friend who sends an address (see the module docstring)."""
        return self.contact("C1")

    @property
    def colleague(self) -> Contact:
        return self.contact("C2")

    @property
    def mother(self) -> Contact:
        return self.contact("C3")

    def contact(self, contact_id: str) -> Contact:
        for c in self._contacts:
            if c.id == contact_id:
                return c
        raise ValidationError(f"no such contact: {contact_id!r}")

    def find(self, query: str) -> Contact | None:
        """The contact whose name (either language) or phone number is ``query``."""
        q = query.replace(" ", "").replace("-", "")
        for c in self._contacts:
            if c.name.equals(query) or (q and c.phone == q):
                return c
        return None

    def search(self, query: str) -> tuple[Contact, ...]:
        return tuple(c for c in self.contacts if c.name.matches(query) or query in c.phone)

    def by_phone(self, phone: str) -> Contact | None:
        return next((c for c in self._contacts if c.phone == phone), None)

    def add(self, name: str, phone: str, email: str = "") -> Contact:
        name, phone = name.strip(), phone.replace(" ", "").replace("-", "")
        if not name:
            raise ValidationError("a contact needs a name")
        if not phone or not phone.lstrip("+").isdigit():
            raise ValidationError("a phone number has only digits")
        c = Contact(
            id=f"C{len(self._contacts) + 1}", name=Text.same(name), phone=phone, email=email
        )
        self._contacts.append(c)
        return c
