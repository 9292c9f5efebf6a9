"""Screenshots: the windows' laid-out nodes drawn with Pillow (legible, Chinese included).

The same nodes the dumps list are drawn, window by window from the bottom: backgrounds,
buttons, fields, checkboxes and switches, images as coloured blocks, app icons, keyboard keys,
and every node's words inside its bounds. Chinese needs a CJK font: WenQuanYi Zen Hei
(Debian ``fonts-wqy-zenhei``) or Noto Sans CJK (``fonts-noto-cjk``); without one, Latin text
still renders and CJK shows as boxes (a warning is logged once).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from droidpilot.device.sim.layout import text_width
from droidpilot.device.sim.window import Window

__all__ = ["FONT_PATHS", "font_path", "render_image", "render_png"]

logger = logging.getLogger(__name__)

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)

_LIGHT = {
    "bg": "#FFFFFF",
    "fg": "#1F1F1F",
    "sub": "#5F6368",
    "@primary": "#E8EAF6",
    "@surface": "#F5F5F5",
    "@dialog": "#FFFFFF",
    "@shade": "#ECEFF1",
    "@recents": "#37474F",
    "@ime": "#E8EAED",
    "@onbar": "#1F1F1F",
    "accent": "#3F51B5",
    "status": "#F1F3F4",
    "key": "#FFFFFF",
    "line": "#9E9E9E",
}
_DARK = {
    "bg": "#121212",
    "fg": "#EDEDED",
    "sub": "#B0B0B0",
    "@primary": "#1E2A4A",
    "@surface": "#1E1E1E",
    "@dialog": "#2A2A2A",
    "@shade": "#202124",
    "@recents": "#101010",
    "@ime": "#303134",
    "@onbar": "#EDEDED",
    "accent": "#8AB4F8",
    "status": "#000000",
    "key": "#4A4B4E",
    "line": "#757575",
}


@lru_cache(maxsize=1)
def font_path() -> str | None:
    """The first font found that can draw Chinese (or at least Latin)."""
    for p in FONT_PATHS:
        if Path(p).is_file():
            if "dejavu" in p:
                logger.warning(
                    "no CJK font found (install fonts-wqy-zenhei): Chinese text "
                    "will not render in screenshots"
                )
            return p
    logger.warning("no TrueType font found: screenshots use Pillow's default font")
    return None


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    if path is None:
        return ImageFont.load_default()
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=4096)
def _mask(line: str, size: int) -> Image.Image:
    """One line of text as a 1-bit mask (cached: screens repeat their words)."""
    font = _font(size)
    _, _, right, bottom = font.getbbox(line)
    mask = Image.new("1", (max(1, int(right)), max(1, int(bottom))), 0)
    ImageDraw.Draw(mask).text((0, 0), line, fill=1, font=font)
    return mask


def _color(value: str | None, theme: dict[str, str], default: str) -> str:
    if not value:
        return default
    return theme.get(value, value) if value.startswith("@") else value


def _wrap(text: str, width: int, size: int) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        if text_width(para, size) <= width or len(para) <= 1:
            lines.append(para)
            continue
        cur = ""
        for ch in para:
            if text_width(cur + ch, size) > width and cur:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
    return lines


def _text(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    text: str,
    size: int,
    color: str,
    *,
    center: bool = False,
) -> None:
    x1, y1, x2, y2 = box
    if not text or x2 - x1 < 4 or y2 - y1 < 4:
        return
    size = max(8, min(size, y2 - y1))
    line_h = round(size * 1.3)
    fit = max(1, (y2 - y1) // line_h)
    lines = [text.replace("\n", " ")] if fit == 1 else _wrap(text, max(1, x2 - x1), size)
    lines = lines[:fit]
    total = len(lines) * line_h
    y = y1 + max(0, (y2 - y1 - total) // 2)
    for line in lines:
        tw = min(text_width(line, size), x2 - x1)
        x = x1 + max(0, (x2 - x1 - tw) // 2) if center else x1
        if line:
            draw.bitmap((x, y), _mask(line, size), fill=color)
        y += line_h


def render_image(
    windows: Sequence[Window], size: tuple[int, int], *, dark: bool = False
) -> Image.Image:
    """The screen as a Pillow image."""
    theme = _DARK if dark else _LIGHT
    # a palette image: a phone screen has few colours, and palette PNGs encode fast
    img = Image.new("P", size, 0)
    bg = theme["bg"]
    img.putpalette([int(bg[1:3], 16), int(bg[3:5], 16), int(bg[5:7], 16)])
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"
    for win in windows:
        if win.kind == "dialog" and win.modal:
            x1, y1, x2, y2 = win.rect
            draw.rectangle((x1 - 6, y1 - 6, x2 + 5, y2 + 5), outline="#000000", width=6)
            draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=theme["@dialog"])
        if win.kind == "system" and win.rect[1] == 0 and win.rect[3] < size[1] // 4:
            draw.rectangle(win.rect, fill=theme["status"])
        _draw_window(draw, win, theme, size)
    return img


def render_png(windows: Sequence[Window], size: tuple[int, int], *, dark: bool = False) -> bytes:
    """The screen as PNG bytes."""
    buf = io.BytesIO()
    render_image(windows, size, dark=dark).save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def _draw_window(
    draw: ImageDraw.ImageDraw, win: Window, theme: dict[str, str], size: tuple[int, int]
) -> None:
    fg, sub, accent = theme["fg"], theme["sub"], theme["accent"]
    for n in win.nodes:
        v = n.view
        box = (n.x1, n.y1, n.x2 - 1, n.y2 - 1)
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        role = v.role
        label = v.text if isinstance(v.text, str) else ""
        size_px = max(10, round(v.size * 2.75 * size[0] / 1080))
        color = _color(v.color, theme, fg)
        if v.bg and role not in ("app_icon",):
            draw.rectangle(box, fill=_color(v.bg, theme, theme["bg"]))
        if role in ("primary", "secondary"):
            fill = accent if role == "primary" and v.enabled else theme["@surface"]
            draw.rounded_rectangle(
                box, radius=min(40, (box[3] - box[1]) // 2), fill=fill, outline=theme["line"]
            )
            tc = "#FFFFFF" if role == "primary" and v.enabled else fg
            _text(draw, box, label, size_px, tc, center=True)
        elif role == "flat":
            _text(draw, box, label, size_px, accent, center=True)
        elif role == "edit":
            draw.line(
                (box[0], box[3] - 2, box[2], box[3] - 2),
                fill=accent if v.focused else theme["line"],
                width=4 if v.focused else 2,
            )
            shown = label
            c = sub if (not v.value and label) else fg
            _text(draw, (box[0] + 12, box[1], box[2] - 12, box[3] - 4), shown, size_px, c)
        elif role in ("check", "radio", "switch"):
            mid = (box[1] + box[3]) // 2
            s = min(44, box[3] - box[1] - 4)
            if role == "switch":
                tx = box[2] - 110
                track = (tx, mid - 18, tx + 96, mid + 18)
                draw.rounded_rectangle(
                    track, radius=18, fill=accent if v.checked else theme["line"]
                )
                kx = tx + 60 if v.checked else tx + 2
                draw.ellipse((kx, mid - 17, kx + 34, mid + 17), fill="#FFFFFF")
                _text(draw, (box[0] + 16, box[1], tx - 8, box[3]), label, size_px, fg)
            else:
                sq = (box[0] + 8, mid - s // 2, box[0] + 8 + s, mid + s // 2)
                if role == "radio":
                    draw.ellipse(sq, outline=accent, width=4)
                    if v.checked:
                        draw.ellipse((sq[0] + 10, sq[1] + 10, sq[2] - 10, sq[3] - 10), fill=accent)
                else:
                    draw.rectangle(sq, outline=accent, width=4, fill=accent if v.checked else None)
                    if v.checked:
                        draw.line(
                            (sq[0] + 8, mid, sq[0] + s // 2 - 2, sq[3] - 8, sq[2] - 6, sq[1] + 8),
                            fill="#FFFFFF",
                            width=5,
                        )
                _text(draw, (sq[2] + 16, box[1], box[2], box[3]), label, size_px, fg)
        elif role == "app_icon":
            w = box[2] - box[0]
            s = min(w - 16, (box[3] - box[1]) * 3 // 5)
            cx = (box[0] + box[2]) // 2
            icon = (cx - s // 2, box[1] + 6, cx + s // 2, box[1] + 6 + s)
            draw.rounded_rectangle(icon, radius=s // 4, fill=_color(v.bg, theme, accent))
            _text(draw, icon, label[:1].upper(), s // 2, "#FFFFFF", center=True)
            _text(draw, (box[0], icon[3] + 4, box[2], box[3]), label, size_px, fg, center=True)
        elif role == "key":
            draw.rounded_rectangle(
                (box[0] + 4, box[1] + 6, box[2] - 4, box[3] - 6), radius=10, fill=theme["key"]
            )
            key = v.value if isinstance(v.value, str) else ""
            _text(draw, box, key, min(52, (box[3] - box[1]) // 2), fg, center=True)
        elif role in ("image",):
            if not v.bg:
                draw.rectangle(box, fill=theme["line"])
        elif role in ("icon", "up"):
            draw.ellipse(box, outline=theme["line"], width=2)
            glyph = (
                v.value
                if isinstance(v.value, str) and v.value
                else ((v.desc if isinstance(v.desc, str) else "")[:1])
            )
            _text(draw, box, glyph, (box[3] - box[1]) // 2, fg, center=True)
        elif role == "progress":
            draw.arc(box, start=30, end=300, fill=accent, width=8)
        elif role == "card":
            draw.rectangle(box, outline=theme["line"], width=1)
        elif role in ("tab", "navitem") and v.selected:
            draw.line((box[0], box[3] - 3, box[2], box[3] - 3), fill=accent, width=6)
        elif role == "day" and v.checked:
            draw.ellipse(box, fill=accent)
        elif role == "spinner":
            draw.rectangle(box, outline=theme["line"], width=2)
            draw.polygon(
                (
                    (box[2] - 50, box[1] + 40),
                    (box[2] - 20, box[1] + 40),
                    (box[2] - 35, box[1] + 60),
                ),
                fill=sub,
            )
        if role in ("", "title", "spinner_text", "date", "day", "toolbar") and label:
            c = "#FFFFFF" if role == "day" and v.checked else color
            _text(
                draw,
                (box[0] + 8, box[1], box[2] - 8, box[3]),
                label,
                size_px,
                c,
                center="center" in v.gravity,
            )
            if role == "date":
                draw.line((box[0], box[3] - 2, box[2], box[3] - 2), fill=theme["line"], width=2)
