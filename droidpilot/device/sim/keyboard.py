"""The soft keyboard: an IME window of key nodes (content-desc per key), as Gboard exposes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from droidpilot.device.sim.views import MATCH, WRAP, View, column, row

if TYPE_CHECKING:
    from droidpilot.device.sim.app import Ctx
    from droidpilot.device.sim.phone import SimPhone

__all__ = ["IME_PACKAGE", "build_keyboard"]

IME_PACKAGE = "com.google.android.inputmethod.latin"
_LETTERS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_SYMBOLS = ("1234567890", "@#$_&-+()/", "*\"':;!?")


def _key(desc: str, vid: str, on: Any, weight: float = 1.0, label: str = "") -> View:
    v = View(
        "FrameLayout",
        id=f"{IME_PACKAGE}:id/{vid}",
        desc=desc,
        clickable=True,
        w=WRAP,
        weight=weight,
        h=MATCH,
        role="key",
        text="",
    )
    v.value = label or desc
    v.on_click = on
    return v


def build_keyboard(phone: SimPhone) -> View:
    from droidpilot.device.sim import input as inp

    st = phone.state
    layers = _SYMBOLS if st.symbols else _LETTERS

    def typer(ch: str) -> Any:
        def go(c: Ctx[Any]) -> None:
            inp.insert(phone, ch.upper() if st.shift and not st.symbols else ch)
            st.shift = False

        return go

    def shift(c: Ctx[Any]) -> None:
        st.shift = not st.shift

    def symbols(c: Ctx[Any]) -> None:
        st.symbols = not st.symbols

    def delete(c: Ctx[Any]) -> None:
        inp.backspace(phone)

    def action(c: Ctx[Any]) -> None:
        inp.submit(phone)

    rows: list[View] = []
    for r, letters in enumerate(layers):
        keys = [
            _key(ch.upper() if st.shift and not st.symbols else ch, f"key_pos_{r}_{i}", typer(ch))
            for i, ch in enumerate(letters)
        ]
        if r == 2:
            keys.insert(0, _key("Shift", "key_pos_shift", shift, 1.5, "shift"))
            keys.append(_key("Delete", "key_pos_del", delete, 1.5, "del"))
        rows.append(row(*keys, weight=1.0, h=MATCH))
    rows.append(
        row(
            _key(
                "Letters keyboard" if st.symbols else "Symbol keyboard",
                "key_pos_switch_to_symbol",
                symbols,
                1.5,
                "ABC" if st.symbols else "?123",
            ),
            _key(",", "key_pos_bottom_symbol_1", typer(",")),
            _key("Space", "key_pos_space", typer(" "), 5.0, " "),
            _key(".", "key_pos_bottom_symbol_2", typer(".")),
            _key("Done", "key_pos_ime_action", action, 1.5, "go"),
            weight=1.0,
            h=MATCH,
        )
    )
    inner = column(*rows, h=MATCH, pad=4, id=f"{IME_PACKAGE}:id/keyboard_holder", bg="@ime")
    return View("FrameLayout", kind="frame", children=[inner], h=MATCH)
