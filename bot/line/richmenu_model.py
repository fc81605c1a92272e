"""@IAO's rich menu as data: its definition and its image (Thai, shaped by HarfBuzz through libraqm); no SDK here,
so the command line may use it (bot/line/richmenu.py deploys it through line-bot-sdk).

LINE's documented limits this module keeps (checked where the menu is built, and again by linesim):
- Rich menu object: `size` 2500x1686 or 2500x843 px; `name` at most 300 characters; `chatBarText` at most 14
  characters; `areas` at most 20 (line-bot-sdk's RichMenu type docs,
  https://line.github.io/line-bot-sdk-nodejs/apidocs/type-aliases/RichMenu.html; the current reference also allows
  width 800-2500, height >= 250, width/height >= 1.45).
- Image: JPEG or PNG, at most 1 MB, uploaded to the data host `api-data.line.me`
  (https://developers.line.biz/en/reference/messaging-api/#upload-rich-menu-image-requirements, steps in
  https://developers.line.biz/en/docs/messaging-api/using-rich-menus/). An uploaded image cannot be replaced:
  a changed image means a new rich menu, so a deploy creates one and deletes the stale one.
- Action label at most 20 characters; postback `data` and `displayText` at most 300 (handlers/limits.py).
- Rich menus are not shown on LINE for PC (https://developers.line.biz/en/docs/messaging-api/rich-menus-overview/),
  which is why everything here can also be typed ("เมนู", "เกร็ดความรู้", "เปลี่ยนเขต", "ถามเจ้าหน้าที่").
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features

from handlers.chat import postbacks
from handlers.chat.conversation import ASK_OFFICER
from handlers.limits import DATA_MAX, LABEL_MAX
from handlers.reports.fonts import font_path

NAME_PREFIX = "iao-helpdesk "  # every rich menu this module made is named PREFIX + digest; others are left alone
SIZES = ((2500, 1686), (2500, 843))  # LINE's two documented rich menu sizes
MAX_IMAGE_BYTES = 1024 * 1024  # LINE: at most 1 MB
MAX_AREAS = 20
MAX_CHAT_BAR = 14
MAX_NAME = 300
CHAT_BAR_TEXT = "เมนู @IAO"
SCALE = 2  # drawn at twice the size and scaled down: smooth edges on shapes that PIL draws without antialiasing

BACKGROUND = (11, 61, 92)
PANEL = (255, 255, 255)
INK = (11, 61, 92)
HINT = (84, 98, 112)
ACCENTS = ((6, 199, 85), (240, 160, 20), (32, 128, 200), (220, 72, 72))


class LineRefused(RuntimeError):
    """LINE (or linesim) refused a rich-menu call: its status and LINE's own message, which names no user."""


class ThaiShapingMissing(RuntimeError):
    """Pillow cannot shape Thai here (no libraqm/fribidi): tone marks would collide, so nothing is drawn."""


@dataclass(frozen=True)
class Tile:
    """One tappable area: the label drawn on the image is the label LINE reads out and the text the chat shows."""

    label: str  # drawn large; the action's label (screen readers) and the text the chat shows after a tap
    hint: str  # drawn small under the label
    icon: str
    data: str | None = None  # postback data for Conversation._on_postback; None: the label is sent as typed text

    def action(self) -> dict[str, str]:
        """LINE's action object for the area."""
        if self.data is None:
            return {"type": "message", "label": self.label, "text": self.label}
        return {"type": "postback", "label": self.label, "data": self.data, "displayText": self.label}


# What already works in handlers/chat/conversation.py: the postbacks of the topic menu, the latest tips and
# changing the district (`_on_postback`), and "ถามเจ้าหน้าที่" as typed (`_on_text` -> `_typed_officer`). The
# officer area sends that text, not the bare `action=officer` postback: typed, it hands over the question just
# asked (or the one a "did you mean" was about), so the inbox and the KPI's `handed_over` see that question;
# the bare postback would file a separate request. It is also what LINE PC users, who see no rich menu, type.
TILES: tuple[Tile, ...] = (
    Tile("เมนู", "เลือกหัวข้อคำถาม", "menu", postbacks.menu()),
    Tile("เกร็ดความรู้", "เรื่องน่ารู้ล่าสุด", "tips", postbacks.tips()),
    Tile("เปลี่ยนเขต", "เปลี่ยนสำนักงานเขต", "district", postbacks.change_district()),
    Tile(ASK_OFFICER, "ส่งคำถามให้เจ้าหน้าที่", "officer"),
)


@dataclass(frozen=True)
class TextBox:
    """Where a piece of text was drawn, in menu pixels (tests check it stays inside its area)."""

    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class RichMenuDraft:
    """A rich menu ready to deploy: LINE's JSON object, its image, and the name that identifies both."""

    definition: dict[str, Any]  # the rich menu object as LINE's JSON, `name` included
    image: bytes
    content_type: str
    digest: str  # sha256 of the definition (without name) and the image
    texts: tuple[TextBox, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """The rich menu's name: the prefix and the digest, so an identical menu is recognised on LINE."""
        return str(self.definition["name"])


def _areas(tiles: Sequence[Tile], size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Tile rectangles (x, y, width, height): one row on the compact size, two rows on the large one."""
    width, height = size
    rows = 1 if height < 1000 or len(tiles) <= 3 else 2
    per_row = -(-len(tiles) // rows)
    rects = []
    for i in range(len(tiles)):
        row, col = divmod(i, per_row)
        x0, x1 = col * width // per_row, (col + 1) * width // per_row
        y0, y1 = row * height // rows, (row + 1) * height // rows
        rects.append((x0, y0, x1 - x0, y1 - y0))
    return rects


def definition(tiles: Sequence[Tile], size: tuple[int, int], chat_bar_text: str) -> dict[str, Any]:
    """The rich menu object (without its name), every string held to LINE's limits or refused."""
    if size not in SIZES:
        raise ValueError(f"rich menu size must be one of {SIZES}, not {size}")
    if not 1 <= len(tiles) <= MAX_AREAS:
        raise ValueError(f"a rich menu has 1 to {MAX_AREAS} areas, not {len(tiles)}")
    if not 1 <= len(chat_bar_text) <= MAX_CHAT_BAR:
        raise ValueError(f"chatBarText must be 1 to {MAX_CHAT_BAR} characters: {chat_bar_text!r}")
    areas = []
    for tile, (x, y, w, h) in zip(tiles, _areas(tiles, size), strict=True):
        if not 1 <= len(tile.label) <= LABEL_MAX or len(tile.data or "") > DATA_MAX:
            raise ValueError(f"label over {LABEL_MAX} or data over {DATA_MAX} characters: {tile.label!r}")
        areas.append({"bounds": {"x": x, "y": y, "width": w, "height": h}, "action": tile.action()})
    return {"size": {"width": size[0], "height": size[1]}, "selected": True, "chatBarText": chat_bar_text,
            "areas": areas}


def thai_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Laksaman with complex layout (libraqm: HarfBuzz shaping, so tone marks sit where Thai puts them)."""
    if not features.check_feature("raqm"):
        raise ThaiShapingMissing(
            "Pillow has no libraqm here, so Thai tone marks and vowels would be misplaced: install Debian's "
            "`libfribidi0` (Pillow's wheels bundle raqm and HarfBuzz but load fribidi from the system)")
    return ImageFont.truetype(str(font_path(bold)), size, layout_engine=ImageFont.Layout.RAQM)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, start: int, *, bold: bool) -> ImageFont.FreeTypeFont:
    """The largest font, from `start` down, at which `text` fits `width` pixels."""
    size = start
    while True:
        font = thai_font(size, bold=bold)
        left, _, right, _ = draw.textbbox((0, 0), text, font=font)
        if right - left <= width or size <= 24:
            return font
        size -= 4


def _icon(draw: ImageDraw.ImageDraw, kind: str, cx: int, cy: int, r: int, color: tuple[int, int, int]) -> None:
    """A plain pictogram inside a circle of radius r: list, light bulb, map pin or person."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)
    w = PANEL
    u = r // 10
    if kind == "menu":
        for i in (-1, 0, 1):
            y = cy + i * 3 * u
            draw.ellipse((cx - 5 * u, y - u, cx - 3 * u, y + u), fill=w)
            draw.rounded_rectangle((cx - 2 * u, y - u, cx + 5 * u, y + u), radius=u, fill=w)
    elif kind == "tips":
        draw.ellipse((cx - 4 * u, cy - 6 * u, cx + 4 * u, cy + 2 * u), fill=w)
        draw.rectangle((cx - 2 * u, cy + u, cx + 2 * u, cy + 4 * u), fill=w)
        draw.rounded_rectangle((cx - 2 * u, cy + 4 * u + u // 2, cx + 2 * u, cy + 6 * u), radius=u // 2, fill=w)
    elif kind == "district":
        draw.ellipse((cx - 4 * u, cy - 7 * u, cx + 4 * u, cy + u), fill=w)
        draw.polygon(((cx - 3 * u - u // 2, cy - u), (cx + 3 * u + u // 2, cy - u), (cx, cy + 6 * u)), fill=w)
        draw.ellipse((cx - 2 * u, cy - 5 * u, cx + 2 * u, cy - u), fill=color)
    else:  # officer
        draw.ellipse((cx - 3 * u, cy - 7 * u, cx + 3 * u, cy - u), fill=w)
        draw.chord((cx - 6 * u, cy, cx + 6 * u, cy + 12 * u), 180, 360, fill=w)


def draw_image(tiles: Sequence[Tile], size: tuple[int, int]) -> tuple[bytes, str, tuple[TextBox, ...]]:
    """The menu picture: one white panel per area with a pictogram, its Thai label and a hint; PNG bytes."""
    width, height = size
    canvas = Image.new("RGB", (width * SCALE, height * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    texts: list[TextBox] = []
    for i, (tile, (x, y, w, h)) in enumerate(zip(tiles, _areas(tiles, size), strict=True)):
        gap = 14
        left, top, right, bottom = ((x + gap) * SCALE, (y + gap) * SCALE, (x + w - gap) * SCALE,
                                    (y + h - gap) * SCALE)
        draw.rounded_rectangle((left, top, right, bottom), radius=36 * SCALE, fill=PANEL)
        cx = (left + right) // 2
        inner = right - left - 2 * 36 * SCALE
        _icon(draw, tile.icon, cx, top + int(h * 0.30 * SCALE), int(h * 0.17 * SCALE), ACCENTS[i % len(ACCENTS)])
        for text, ratio, start, bold, color in ((tile.label, 0.72, 112, True, INK),
                                                (tile.hint, 0.88, 60, False, HINT)):
            font = _fit(draw, text, inner, start * SCALE, bold=bold)
            anchor = (cx, top + int(h * ratio * SCALE))
            draw.text(anchor, text, font=font, fill=color, anchor="ms")
            box = draw.textbbox(anchor, text, font=font, anchor="ms")
            texts.append(TextBox(text, tuple(v // SCALE for v in box)))  # type: ignore[arg-type]
    picture = canvas.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:  # flat colours stay far below; a photo-like design would go to JPEG
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=88)
        data = out.getvalue()
        if len(data) > MAX_IMAGE_BYTES:
            raise ValueError(f"rich menu image is {len(data)} bytes, over LINE's 1 MB")
        return data, "image/jpeg", tuple(texts)
    return data, "image/png", tuple(texts)


def build(tiles: Sequence[Tile] = TILES, *, size: tuple[int, int] = (2500, 843),
          chat_bar_text: str = CHAT_BAR_TEXT) -> RichMenuDraft:
    """The menu to deploy: definition and image, named by the digest of both."""
    body = definition(tiles, size, chat_bar_text)
    image, content_type, texts = draw_image(tiles, size)
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    digest = hashlib.sha256(canonical + b"\0" + image).hexdigest()
    named = {**body, "name": f"{NAME_PREFIX}{digest[:24]}"}
    assert len(named["name"]) <= MAX_NAME
    return RichMenuDraft(named, image, content_type, digest, texts)


@dataclass
class DeployReport:
    """What a deploy did (or, dry, would do); nothing at all when the same menu is already the default."""

    rich_menu_id: str | None
    created: bool = False
    uploaded: bool = False
    default_set: bool = False
    deleted: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # rich menus not made by @IAO's deploy: left alone

    @property
    def changed(self) -> bool:
        """Whether anything on LINE changed."""
        return self.created or self.uploaded or self.default_set or bool(self.deleted)
