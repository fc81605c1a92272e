"""Rich menus as LINE serves them: create, validate, list, get, delete, image upload/download on the data host,
the default menu; plus what the LINE app does with one (the chat page shows it, a tap sends its action).

Limits checked like LINE (400 with `details`): size 800-2500 wide, at least 250 high, width/height >= 1.45
(2500x1686 and 2500x843 are LINE's two templates); `selected` a boolean; `name` 1-300 characters;
`chatBarText` 1-14; 1-20 `areas`, each inside the menu with an action (postback `data` <= 300, `displayText`
<= 300, `label` <= 20; message `text` 1-300; uri <= 1000). Images: `image/jpeg` or `image/png` whose bytes are
that format, at most 1 MB, at most one per menu (LINE cannot replace one). The simulator also requires the
image's pixel size to equal the menu's size, since the areas are given in the menu's pixels.
"""

from __future__ import annotations

import secrets
import struct
from typing import Any

from flask import Blueprint, Response, jsonify, request

from linesim.admin import bad, send_event
from linesim.api import error, state

bp = Blueprint("linesim_richmenu", __name__)

MAX_IMAGE_BYTES = 1024 * 1024
MAX_AREAS = 20
ACTION_TYPES = {"postback", "message", "uri", "datetimepicker", "richmenuswitch", "clipboard"}
NO_IMAGE = "must upload richmenu image before applying it to user"
IMAGE_TAKEN = "An image has already been uploaded to the richmenu"


def rich_menu_id() -> str:
    """A LINE-shaped rich menu id: richmenu- and 32 hex digits."""
    return "richmenu-" + secrets.token_hex(16)


def _detail(message: str, prop: str) -> dict[str, str]:
    return {"message": message, "property": prop}


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any, prop: str, low: int, high: int, details: list[dict[str, str]], *, required: bool) -> None:
    """A string property of `low`..`high` characters (absent is fine unless required)."""
    if value is None:
        if required:
            details.append(_detail("must be specified", prop))
        return
    if not isinstance(value, str):
        details.append(_detail("must be a string", prop))
    elif not low <= len(value) <= high:
        details.append(_detail(f"Length must be between {low} and {high}", prop))


def _action(action: Any, prop: str, details: list[dict[str, str]]) -> None:
    """The checks LINE makes of a rich menu area's action."""
    if not isinstance(action, dict):
        details.append(_detail("must be specified", prop))
        return
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        details.append(_detail("invalid action type", f"{prop}.type"))
        return
    _text(action.get("label"), f"{prop}.label", 0, 20, details, required=False)
    if kind == "postback":
        _text(action.get("data"), f"{prop}.data", 0, 300, details, required=True)
        _text(action.get("displayText"), f"{prop}.displayText", 1, 300, details, required=False)
    elif kind == "message":
        _text(action.get("text"), f"{prop}.text", 1, 300, details, required=True)
    elif kind == "uri":
        uri = action.get("uri")
        _text(uri, f"{prop}.uri", 1, 1000, details, required=True)
        if isinstance(uri, str) and not uri.startswith(("http://", "https://", "line://", "tel:")):
            details.append(_detail("invalid uri scheme", f"{prop}.uri"))


def validate_rich_menu(body: Any) -> list[dict[str, str]]:
    """LINE-style error details for a rich menu object (empty when valid)."""
    if not isinstance(body, dict):
        return [_detail("must be specified", "body")]
    details: list[dict[str, str]] = []
    size = body.get("size")
    width = height = 0
    if not isinstance(size, dict) or not _int(size.get("width")) or not _int(size.get("height")):
        details.append(_detail("must be specified", "size"))
    else:
        width, height = size["width"], size["height"]
        if not 800 <= width <= 2500:
            details.append(_detail("must be between 800 and 2500", "size.width"))
        if height < 250:
            details.append(_detail("must be 250 or more", "size.height"))
        if height and width / height < 1.45:
            details.append(_detail("aspect ratio (width / height) must be 1.45 or more", "size"))
    if not isinstance(body.get("selected"), bool):
        details.append(_detail("must be specified", "selected"))
    _text(body.get("name"), "name", 1, 300, details, required=True)
    _text(body.get("chatBarText"), "chatBarText", 1, 14, details, required=True)
    areas = body.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= MAX_AREAS:
        details.append(_detail(f"Size must be between 1 and {MAX_AREAS}", "areas"))
        return details
    for i, area in enumerate(areas):
        prop = f"areas[{i}]"
        bounds = area.get("bounds") if isinstance(area, dict) else None
        if not isinstance(bounds, dict) or not all(_int(bounds.get(k)) for k in ("x", "y", "width", "height")):
            details.append(_detail("must be specified", f"{prop}.bounds"))
        elif (bounds["x"] < 0 or bounds["y"] < 0 or bounds["width"] <= 0 or bounds["height"] <= 0
              or (width and bounds["x"] + bounds["width"] > width)
              or (height and bounds["y"] + bounds["height"] > height)):
            details.append(_detail("bounds must lie inside the rich menu", f"{prop}.bounds"))
        _action(area.get("action") if isinstance(area, dict) else None, f"{prop}.action", details)
    return details


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """Pixel size of PNG or JPEG bytes, or None when the bytes are not the format the Content-Type names."""
    if content_type == "image/png":
        if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if content_type == "image/jpeg":
        if data[:2] != b"\xff\xd8":
            return None
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


def _public(menu: dict[str, Any]) -> dict[str, Any]:
    """The rich menu response object (no image bytes)."""
    return {k: v for k, v in menu.items() if not k.startswith("_")}


def _invalid(details: list[dict[str, str]]) -> Response:
    return error(400, f"The request body has {len(details)} error(s)", details)


@bp.post("/v2/bot/richmenu/validate")
def validate() -> Response:
    """Check a rich menu object without creating it."""
    details = validate_rich_menu(request.get_json(silent=True))
    return _invalid(details) if details else jsonify({})


@bp.post("/v2/bot/richmenu")
def create() -> Response:
    """Create a rich menu (no image yet) and return its id."""
    body = request.get_json(silent=True)
    details = validate_rich_menu(body)
    if details:
        return _invalid(details)
    st = state()
    menu_id = rich_menu_id()
    menu = {"richMenuId": menu_id, "size": body["size"], "selected": body["selected"], "name": body["name"],
            "chatBarText": body["chatBarText"], "areas": body["areas"], "_image": None, "_type": None}
    with st.lock:
        if len(st.rich_menus) >= 1000:
            return error(400, "The number of rich menus has reached the upper limit (1000)")
        st.rich_menus[menu_id] = menu
    return jsonify({"richMenuId": menu_id})


@bp.get("/v2/bot/richmenu/list")
def list_menus() -> Response:
    """Every rich menu of the channel, oldest first."""
    st = state()
    with st.lock:
        return jsonify({"richmenus": [_public(m) for m in st.rich_menus.values()]})


@bp.get("/v2/bot/richmenu/<menu_id>")
def get_menu(menu_id: str) -> Response:
    """One rich menu, or 404."""
    st = state()
    with st.lock:
        menu = st.rich_menus.get(menu_id)
        return jsonify(_public(menu)) if menu else error(404, "Not found")


@bp.delete("/v2/bot/richmenu/<menu_id>")
def delete_menu(menu_id: str) -> Response:
    """Delete a rich menu; if it was the default, there is no default any more."""
    st = state()
    with st.lock:
        if st.rich_menus.pop(menu_id, None) is None:
            return error(404, "Not found")
        if st.default_rich_menu == menu_id:
            st.default_rich_menu = None
    return jsonify({})


@bp.post("/v2/bot/richmenu/<menu_id>/content")
def upload_image(menu_id: str) -> Response:
    """Attach the image (served by the data host, api-data.line.me, on LINE): once, JPEG or PNG, <= 1 MB."""
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type not in ("image/jpeg", "image/png"):
        return error(415, "Unsupported Media Type: use image/jpeg or image/png")
    data = request.get_data(cache=False)
    if len(data) > MAX_IMAGE_BYTES:
        return error(413, "The image must be 1 MB or less")
    size = image_size(data, content_type)
    if size is None:
        return error(400, f"The image is not a valid {content_type.split('/')[1].upper()} file")
    st = state()
    with st.lock:
        menu = st.rich_menus.get(menu_id)
        if menu is None:
            return error(404, "Not found")
        if menu["_image"] is not None:
            return error(400, IMAGE_TAKEN)
        want = (menu["size"]["width"], menu["size"]["height"])
        if size != want:
            return error(400, f"The image is {size[0]}x{size[1]} px but the rich menu is {want[0]}x{want[1]} px")
        menu["_image"], menu["_type"] = data, content_type
    return jsonify({})


def _image_response(menu_id: str) -> Response:
    st = state()
    with st.lock:
        menu = st.rich_menus.get(menu_id)
        if menu is None or menu["_image"] is None:
            return error(404, "Not found")
        return Response(menu["_image"], mimetype=menu["_type"])


@bp.get("/v2/bot/richmenu/<menu_id>/content")
def download_image(menu_id: str) -> Response:
    """The attached image, or 404 when the menu has none."""
    return _image_response(menu_id)


@bp.post("/v2/bot/user/all/richmenu/<menu_id>")
def set_default(menu_id: str) -> Response:
    """Make a rich menu (with its image) the default for every friend."""
    st = state()
    with st.lock:
        menu = st.rich_menus.get(menu_id)
        if menu is None:
            return error(404, "Not found")
        if menu["_image"] is None:
            return error(400, NO_IMAGE)
        st.default_rich_menu = menu_id
    return jsonify({})


@bp.get("/v2/bot/user/all/richmenu")
def get_default() -> Response:
    """The default rich menu's id, or 404 when none is set."""
    st = state()
    with st.lock:
        if st.default_rich_menu is None:
            return error(404, "no default richmenu")
        return jsonify({"richMenuId": st.default_rich_menu})


@bp.delete("/v2/bot/user/all/richmenu")
def cancel_default() -> Response:
    """Clear the default rich menu."""
    st = state()
    with st.lock:
        st.default_rich_menu = None
    return jsonify({})


# ------------------------------------------------------------------ what the LINE app does (admin, no auth)
@bp.get("/_sim/richmenu")
def shown() -> Response:
    """The rich menu a chat shows (the default one; per-user menus are not simulated), for the chat page."""
    st = state()
    with st.lock:
        menu = st.rich_menus.get(st.default_rich_menu or "")
        if menu is None:
            return jsonify({"richMenu": None})
        return jsonify({"richMenu": {**_public(menu), "imageUrl": f"/_sim/richmenu/{menu['richMenuId']}/image"}})


@bp.get("/_sim/richmenu/<menu_id>/image")
def shown_image(menu_id: str) -> Response:
    """The image for the chat page's <img> (no token in a browser)."""
    return _image_response(menu_id)


@bp.post("/_sim/richmenu/tap")
def tap() -> Response:
    """A tap at (x, y) in menu pixels on the shown menu: the area's action is sent as the LINE app sends it."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    x, y = body.get("x"), body.get("y")
    if not _int(x) or not _int(y):
        return bad("x and y (menu pixels) are required")
    st = state()
    with st.lock:
        menu = st.rich_menus.get(st.default_rich_menu or "")
        areas = list(menu["areas"]) if menu else []
    if menu is None:
        return bad("no rich menu is shown (set a default rich menu first)", 409)
    hit = next((i for i, a in enumerate(areas)
                if a["bounds"]["x"] <= x < a["bounds"]["x"] + a["bounds"]["width"]
                and a["bounds"]["y"] <= y < a["bounds"]["y"] + a["bounds"]["height"]), None)
    if hit is None:
        return bad(f"no area at ({x}, {y})")
    action = areas[hit]["action"]
    event: dict[str, Any] = {"userId": body.get("userId")}
    if action["type"] == "postback":
        event.update(type="postback", data=action.get("data", ""), displayText=action.get("displayText"))
    elif action["type"] == "message":
        event.update(type="text", text=action["text"])
    else:
        return jsonify({"area": hit, "action": action, "status": None, "error": "action not sent by the simulator"})
    sent = send_event(event)
    if sent.status_code >= 400:
        return sent
    return jsonify({"area": hit, "action": action, **(sent.get_json(silent=True) or {})})
