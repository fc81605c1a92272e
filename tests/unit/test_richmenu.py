"""The rich menu's definition and image: LINE's sizes and limits, postbacks the bot handles, Thai drawn shaped."""

from __future__ import annotations

import inspect
import io
from dataclasses import replace
from urllib.parse import parse_qs

import pytest
from linebot.v3.messaging import RichMenuRequest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from app import Settings
from bot.line.richmenu_model import (
    CHAT_BAR_TEXT,
    MAX_IMAGE_BYTES,
    NAME_PREFIX,
    SIZES,
    TILES,
    RichMenuDraft,
    Tile,
    build,
    definition,
    thai_font,
)
from handlers.chat.conversation import ASK_OFFICER, Conversation
from handlers.chat.prompts import officer_request
from handlers.reports.fonts import font_path
from linesim.richmenu import image_size, validate_rich_menu


@pytest.fixture(scope="module")
def draft() -> RichMenuDraft:
    return build()


def test_definition_is_a_valid_line_rich_menu(draft: RichMenuDraft) -> None:
    body = draft.definition
    assert (body["size"]["width"], body["size"]["height"]) in SIZES
    assert body["selected"] is True
    assert 1 <= len(body["chatBarText"]) <= 14 and body["chatBarText"] == CHAT_BAR_TEXT
    assert draft.name.startswith(NAME_PREFIX) and len(draft.name) <= 300
    assert 1 <= len(body["areas"]) <= 20
    assert validate_rich_menu(body) == []  # the simulator's LINE checks agree
    RichMenuRequest.from_dict(body)  # and the SDK's own model accepts it (max lengths are in its pydantic types)


def test_areas_cover_the_menu_without_gaps_or_overlaps(draft: RichMenuDraft) -> None:
    width, height = draft.definition["size"]["width"], draft.definition["size"]["height"]
    covered = [[0] * (width // 25) for _ in range(height // 25 + 1)]
    for area in draft.definition["areas"]:
        b = area["bounds"]
        assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= width and b["y"] + b["height"] <= height
        for gy in range(b["y"] // 25, (b["y"] + b["height"]) // 25):
            for gx in range(b["x"] // 25, (b["x"] + b["width"]) // 25):
                covered[gy][gx] += 1
    assert all(cell == 1 for row in covered[: height // 25] for cell in row)


def test_every_area_does_what_the_conversation_already_handles(draft: RichMenuDraft) -> None:
    actions = [a["action"] for a in draft.definition["areas"]]
    postbacks = {parse_qs(a["data"])["action"][0]: a for a in actions if a["type"] == "postback"}
    # handlers/chat/conversation.py `_on_postback` handles these three
    assert list(postbacks) == ["menu", "tips", "change-district"]
    source = inspect.getsource(Conversation._on_postback)
    for action in postbacks:
        assert f'action == "{action}"' in source
    for action in postbacks.values():
        assert action["label"] == action["displayText"]  # what the chat shows is what the image says
        assert len(action["label"]) <= 20 and len(action["data"]) <= 300
    # ask an officer: the typed request (hands over the question just asked), as LINE PC users type it
    typed = [a for a in actions if a["type"] == "message"]
    assert typed == [{"type": "message", "label": ASK_OFFICER, "text": ASK_OFFICER}]
    assert officer_request(typed[0]["text"]) == "only"


def test_the_labels_drawn_are_the_area_labels_inside_their_areas(draft: RichMenuDraft) -> None:
    labels = [a["action"]["label"] for a in draft.definition["areas"]]
    drawn = [t for t in draft.texts if t.text in labels]
    assert [t.text for t in drawn] == labels
    for area, text in zip(draft.definition["areas"], drawn, strict=True):
        b = area["bounds"]
        left, top, right, bottom = text.box
        assert b["x"] < left < right < b["x"] + b["width"] and b["y"] < top < bottom < b["y"] + b["height"]
    picture = Image.open(io.BytesIO(draft.image)).convert("RGB")
    for text in drawn:  # ink of the label colour really is where the box says
        crop = picture.crop(text.box)
        raw = crop.tobytes()
        dark = sum(1 for i in range(0, len(raw), 3) if raw[i] < 80 and raw[i + 1] < 110 and raw[i + 2] < 140)
        assert dark > 0.08 * crop.width * crop.height


def test_image_is_a_png_of_the_menu_size_under_one_megabyte(draft: RichMenuDraft) -> None:
    assert draft.content_type == "image/png" and draft.image[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(draft.image) <= MAX_IMAGE_BYTES
    size = (draft.definition["size"]["width"], draft.definition["size"]["height"])
    assert Image.open(io.BytesIO(draft.image)).size == size
    assert image_size(draft.image, "image/png") == size


def test_the_large_size_draws_two_rows() -> None:
    big = build(size=(2500, 1686))
    assert Image.open(io.BytesIO(big.image)).size == (2500, 1686) and len(big.image) <= MAX_IMAGE_BYTES
    assert sorted({a["bounds"]["y"] for a in big.definition["areas"]}) == [0, 843]
    assert big.name != build().name


def test_digest_is_stable_and_follows_any_change(draft: RichMenuDraft) -> None:
    assert build().name == draft.name and build().image == draft.image  # a second deploy finds the same menu
    renamed = (replace(TILES[0], hint="เลือกหัวข้อ"), *TILES[1:])
    assert build(renamed).name != draft.name  # a changed image
    assert build(chat_bar_text="เปิดเมนู").name != draft.name  # a changed definition, same image


def test_limits_are_refused_where_the_menu_is_built() -> None:
    with pytest.raises(ValueError, match="chatBarText"):
        definition(TILES, (2500, 843), "เมนูของ @IAO ทั้งหมด")  # 19 characters
    with pytest.raises(ValueError, match="areas"):
        definition([TILES[0]] * 21, (2500, 1686), CHAT_BAR_TEXT)
    with pytest.raises(ValueError, match="size"):
        definition(TILES, (1200, 405), CHAT_BAR_TEXT)
    with pytest.raises(ValueError, match="label"):
        definition([Tile("ก" * 21, "", "menu", "action=menu")], (2500, 843), CHAT_BAR_TEXT)


def _ink_top(text: str, layout: ImageFont.Layout) -> int:
    """Top row of ink of `text` drawn at a fixed baseline."""
    font = ImageFont.truetype(str(font_path(True)), 200, layout_engine=layout)
    img = Image.new("L", (900, 400), 255)
    ImageDraw.Draw(img).text((20, 300), text, font=font, fill=0, anchor="ls")
    bbox = ImageChops.invert(img).getbbox()
    assert bbox is not None
    return bbox[1]


def test_thai_is_shaped_tone_marks_drop_where_no_upper_vowel() -> None:
    # Laksaman's tone marks sit high by default and are lowered by the font's OpenType rules when there is no
    # upper vowel ("เจ้า"); only a shaping engine (HarfBuzz through libraqm) applies them. Over an upper
    # vowel ("ที่") both agree, so the difference is the shaping, not the font.
    assert thai_font(40).layout_engine == ImageFont.Layout.RAQM
    shaped, unshaped = _ink_top("จ้", ImageFont.Layout.RAQM), _ink_top("จ้", ImageFont.Layout.BASIC)
    assert shaped > unshaped + 15  # the mark is lower, resting on the consonant
    assert abs(_ink_top("ที่", ImageFont.Layout.RAQM) - _ink_top("ที่", ImageFont.Layout.BASIC)) <= 2


def test_the_data_host_is_a_setting_with_lines_default() -> None:
    assert Settings.from_env({"IAO_ENV": "development"}).line_api_data_url == "https://api-data.line.me"
    custom = Settings.from_env({"IAO_ENV": "development", "LINE_API_DATA_URL": "http://127.0.0.1:8900/"})
    assert custom.line_api_data_url == "http://127.0.0.1:8900"
