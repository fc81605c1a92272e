"""linesim's rich-menu endpoints refuse what LINE refuses, and serve what LINE serves, through the real SDK."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, MessagingApiBlob, RichMenuRequest
from PIL import Image

from linesim.client import SimClient
from tests.linesim.conftest import TOKEN, Server

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def menu(**overrides: Any) -> dict[str, Any]:
    """A valid compact rich menu object with two areas."""
    body: dict[str, Any] = {
        "size": {"width": 2500, "height": 843}, "selected": False, "name": "test menu", "chatBarText": "เมนู",
        "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
             "action": {"type": "postback", "data": "action=menu", "displayText": "เมนู", "label": "เมนู"}},
            {"bounds": {"x": 1250, "y": 0, "width": 1250, "height": 843},
             "action": {"type": "message", "text": "ถามเจ้าหน้าที่"}},
        ],
    }
    body.update(overrides)
    return body


def picture(size: tuple[int, int] = (2500, 843), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 61, 92)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def sdk(servers: tuple[Server, Server, object], sim: SimClient) -> Iterator[tuple[MessagingApi, MessagingApiBlob]]:
    url = servers[0].url
    with ApiClient(Configuration(host=url, access_token=TOKEN)) as main, \
            ApiClient(Configuration(host=url.replace("127.0.0.1", "localhost"), access_token=TOKEN)) as data:
        yield MessagingApi(main), MessagingApiBlob(data)


def post(sim: SimClient, path: str, body: Any) -> requests.Response:
    return requests.post(sim.base_url + path, json=body, headers=AUTH, timeout=5)


@pytest.mark.parametrize(("change", "prop"), [
    ({"chatBarText": "เมนูของ @IAO ทั้งหมด"}, "chatBarText"),  # 19 characters, LINE allows 14
    ({"chatBarText": ""}, "chatBarText"),
    ({"name": "x" * 301}, "name"),
    ({"size": {"width": 2600, "height": 843}}, "size.width"),
    ({"size": {"width": 1000, "height": 843}}, "size"),  # width / height under 1.45
    ({"selected": "yes"}, "selected"),
    ({"areas": []}, "areas"),
    ({"areas": [menu()["areas"][0]] * 21}, "areas"),
    ({"areas": [{"bounds": {"x": 2000, "y": 0, "width": 600, "height": 843},
                 "action": {"type": "postback", "data": "a"}}]}, "areas[0].bounds"),
    ({"areas": [{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                 "action": {"type": "postback", "data": "a", "label": "ก" * 21}}]}, "areas[0].action.label"),
    ({"areas": [{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                 "action": {"type": "postback", "data": "a" * 301}}]}, "areas[0].action.data"),
    ({"areas": [{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10}, "action": {"type": "message"}}]},
     "areas[0].action.text"),
    ({"areas": [{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10}, "action": {"type": "camera"}}]},
     "areas[0].action.type"),
])
def test_invalid_rich_menus_get_400_with_details(sim: SimClient, change: dict[str, Any], prop: str) -> None:
    for path in ("/v2/bot/richmenu/validate", "/v2/bot/richmenu"):
        resp = post(sim, path, menu(**change))
        assert resp.status_code == 400, resp.text
        assert prop in [d["property"] for d in resp.json()["details"]]
    assert requests.get(sim.base_url + "/v2/bot/richmenu/list", headers=AUTH, timeout=5).json() == {"richmenus": []}


def test_without_a_token_it_is_401(sim: SimClient) -> None:
    assert requests.post(sim.base_url + "/v2/bot/richmenu", json=menu(), timeout=5).status_code == 401


def test_create_upload_default_list_delete_through_the_sdk(sdk: tuple[MessagingApi, MessagingApiBlob],
                                                           sim: SimClient) -> None:
    api, blob = sdk
    api.validate_rich_menu_object(RichMenuRequest.from_dict(menu()))
    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu())).rich_menu_id
    assert menu_id.startswith("richmenu-") and len(menu_id) == 41
    with pytest.raises(ApiException) as no_image:
        api.set_default_rich_menu(menu_id)  # LINE wants the image first
    assert no_image.value.status == 400 and "upload richmenu image" in str(no_image.value.body)
    with pytest.raises(ApiException) as missing:
        blob.get_rich_menu_image(menu_id)
    assert missing.value.status == 404
    with pytest.raises(ApiException) as none:
        api.get_default_rich_menu_id()
    assert none.value.status == 404

    image = picture()
    blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": "image/png"})
    assert bytes(blob.get_rich_menu_image(menu_id)) == image
    with pytest.raises(ApiException) as again:  # LINE cannot replace an image
        blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": "image/png"})
    assert again.value.status == 400 and "already been uploaded" in str(again.value.body)
    uploads = sim.requests(path=f"/v2/bot/richmenu/{menu_id}/content", method="POST")
    assert uploads and all(r["host"].startswith("localhost:") for r in uploads)  # the data host

    api.set_default_rich_menu(menu_id)
    assert api.get_default_rich_menu_id().rich_menu_id == menu_id
    got = api.get_rich_menu(menu_id)
    assert got.name == "test menu" and got.chat_bar_text == "เมนู" and len(got.areas) == 2
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [menu_id]
    api.delete_rich_menu(menu_id)
    with pytest.raises(ApiException) as gone:
        api.get_default_rich_menu_id()  # deleting the default leaves none
    assert gone.value.status == 404
    with pytest.raises(ApiException) as unknown:
        api.delete_rich_menu(menu_id)
    assert unknown.value.status == 404


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (picture(), "image/gif", 415),
    (picture(fmt="JPEG"), "image/png", 400),  # the bytes are not the type named
    (picture((1250, 421)), "image/png", 400),  # not the menu's size
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), "image/png", 413),  # over 1 MB
])
def test_bad_images_are_refused(sim: SimClient, data: bytes, content_type: str, status: int) -> None:
    menu_id = post(sim, "/v2/bot/richmenu", menu()).json()["richMenuId"]
    resp = requests.post(f"{sim.base_url}/v2/bot/richmenu/{menu_id}/content", data=data, timeout=5,
                         headers={**AUTH, "Content-Type": content_type})
    assert resp.status_code == status, resp.text
    assert requests.get(f"{sim.base_url}/v2/bot/richmenu/{menu_id}/content", headers=AUTH, timeout=5).status_code == 404


def test_a_jpeg_is_accepted_and_served_with_its_type(sim: SimClient) -> None:
    menu_id = post(sim, "/v2/bot/richmenu", menu()).json()["richMenuId"]
    jpeg = picture(fmt="JPEG")
    resp = requests.post(f"{sim.base_url}/v2/bot/richmenu/{menu_id}/content", data=jpeg, timeout=5,
                         headers={**AUTH, "Content-Type": "image/jpeg"})
    assert resp.status_code == 200
    got = requests.get(f"{sim.base_url}/v2/bot/richmenu/{menu_id}/content", headers=AUTH, timeout=5)
    assert got.content == jpeg and got.headers["Content-Type"] == "image/jpeg"


def test_tap_sends_the_area_action_to_the_bot(sim: SimClient, bot: Any) -> None:
    menu_id = post(sim, "/v2/bot/richmenu", menu()).json()["richMenuId"]
    requests.post(f"{sim.base_url}/v2/bot/richmenu/{menu_id}/content", data=picture(), timeout=5,
                  headers={**AUTH, "Content-Type": "image/png"})
    assert sim.shown_rich_menu() is None  # not the default yet: the chat shows nothing
    assert post(sim, f"/v2/bot/user/all/richmenu/{menu_id}", None).status_code == 200
    assert sim.shown_rich_menu()["richMenuId"] == menu_id
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    left = sim.tap_rich_menu(uid, 10, 10)
    right = sim.tap_rich_menu(uid, 2499, 842)
    assert left["area"] == 0 and right["area"] == 1
    kinds = [(e["type"], e.get("postback", {}).get("data") or e.get("message", {}).get("text")) for b in bot.bodies
             for e in b["events"]]
    assert kinds == [("postback", "action=menu"), ("message", "ถามเจ้าหน้าที่")]
    chat = requests.get(sim.base_url + "/_sim/chat", params={"userId": uid}, timeout=5).json()["entries"]
    assert [e.get("displayText") or e.get("message", {}).get("text") for e in chat] == ["เมนู", "ถามเจ้าหน้าที่"]
    image = requests.get(sim.base_url + sim.shown_rich_menu()["imageUrl"], timeout=5)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
