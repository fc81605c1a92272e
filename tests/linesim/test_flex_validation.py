"""linesim checks Flex messages as LINE does: a valid card is delivered, a malformed or oversized one gets 400."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests
from linebot.v3.messaging import (
    ApiException,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexText,
    MessagingApi,
    PostbackAction,
    PushMessageRequest,
)

from linesim.client import SimClient, readable_text
from tests.linesim.conftest import TOKEN

CARD: dict[str, Any] = {
    "type": "flex",
    "altText": "คำตอบจาก @IAO เรื่อง ตม.30",
    "contents": {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "backgroundColor": "#0B5394",
                   "contents": [{"type": "text", "text": "ตม.30", "weight": "bold", "wrap": True}]},
        "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "แจ้งภายใน 24 ชั่วโมง", "wrap": True}, {"type": "separator"},
            {"type": "box", "layout": "baseline", "contents": [{"type": "text", "text": "ที่มา: สตม."}]}]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary", "height": "sm",
             "action": {"type": "postback", "label": "👍 ตรงคำถาม", "data": "action=feedback&v=up",
                        "displayText": "👍"}}]},
    },
}


def _validate(sim: SimClient, message: dict[str, Any]) -> requests.Response:
    """POST /v2/bot/message/validate/push with one message, as a client would."""
    return requests.post(sim.base_url + "/v2/bot/message/validate/push", json={"messages": [message]},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)


def _broken(path: str, value: Any) -> dict[str, Any]:
    """The valid card with one thing changed: `path` is a dotted path into it, `value` None deletes it."""
    message = copy.deepcopy(CARD)
    *parents, last = path.split(".")
    node: Any = message
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is None:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return message


def test_a_valid_card_is_accepted_and_delivered_through_the_sdk(sim: SimClient, api: MessagingApi) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    assert _validate(sim, CARD).status_code == 200
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=[
        FlexText(text="ตม.30", wrap=True),
        FlexButton(action=PostbackAction(label="👍", data="action=feedback&v=up", displayText="👍"))]))
    api.push_message(PushMessageRequest(to=uid, messages=[FlexMessage(altText="คำตอบ ตม.30", contents=bubble)]))
    delivered = sim.messages(uid)[0]["messages"][0]
    assert delivered["type"] == "flex" and delivered["contents"]["body"]["contents"][1]["action"]["data"] == \
        "action=feedback&v=up"
    assert readable_text(delivered) == "ตม.30\n👍"


@pytest.mark.parametrize(("path", "value", "message", "where"), [
    ("contents.body.contents.0.text", None, "must be specified", "/body/contents/0/text"),
    ("contents.body.contents.0.text", "", "must be specified", "/body/contents/0/text"),
    ("contents.header.layout", "grid", "must be one of [horizontal, vertical, baseline]", "/header/layout"),
    ("contents.body.contents.2.contents.0", {"type": "button", "action": {"type": "postback", "label": "x",
                                                                          "data": "a"}},
     "button is not allowed in a baseline box", "/body/contents/2/contents/0/type"),
    ("contents.footer.contents.0.action", None, "must be specified", "/footer/contents/0/action"),
    ("contents.footer.contents.0.action.label", None, "must be specified", "/footer/contents/0/action/label"),
    ("contents.footer.contents.0.action.label", "ก" * 41, "Length must be between 0 and 40",
     "/footer/contents/0/action/label"),
    ("contents.footer.contents.0.action.data", "d" * 301, "Length must be between 0 and 300",
     "/footer/contents/0/action/data"),
    ("contents.footer.contents.0.action.type", "teleport", "invalid action type", "/footer/contents/0/action/type"),
    ("contents.footer.contents.0.style", "loud", "must be one of [primary, secondary, link]",
     "/footer/contents/0/style"),
    ("contents.body.contents.1", {"type": "hologram"}, "Invalid component type", "/body/contents/1/type"),
    ("contents.body", {"type": "image", "url": "https://example.com/a.png"}, "must be one of ['box']",
     "/body/type"),
    ("contents.type", "bubbles", "must be one of [bubble, carousel]", "/type"),
])
def test_a_malformed_card_is_refused_with_lines_details(sim: SimClient, path: str, value: Any, message: str,
                                                        where: str) -> None:
    response = _validate(sim, _broken(path, value))
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "A message (messages[0]) in the request body is invalid"
    assert {"message": message, "property": where} in body["details"]


def test_a_bubble_with_no_block_is_refused(sim: SimClient) -> None:
    response = _validate(sim, {"type": "flex", "altText": "x", "contents": {"type": "bubble"}})
    assert response.status_code == 400
    assert response.json()["details"] == [{"message": "At least one block must be specified", "property": "/"}]


def test_alt_text_is_required_and_at_most_1500(sim: SimClient) -> None:
    missing = _validate(sim, _broken("altText", None))
    assert missing.status_code == 400
    assert missing.json()["details"] == [{"message": "must be specified", "property": "messages[0].altText"}]
    assert _validate(sim, _broken("altText", "ก" * 1500)).status_code == 200
    long = _validate(sim, _broken("altText", "ก" * 1501))
    assert long.status_code == 400 and long.json()["details"][0]["property"] == "messages[0].altText"


def test_a_bubble_over_30_kb_is_refused_and_one_under_is_taken(sim: SimClient) -> None:
    def with_body(size: int) -> dict[str, Any]:
        return _broken("contents.body.contents.0.text", "ก" * size)

    empty = len(json.dumps(with_body(0)["contents"], ensure_ascii=False, separators=(",", ":")).encode())
    fits = (30 * 1024 - empty) // 3  # a Thai letter is 3 bytes of UTF-8: exactly 30 KB or just under
    assert _validate(sim, with_body(fits)).status_code == 200
    too_big = _validate(sim, with_body(fits + 10))
    assert too_big.status_code == 400
    assert too_big.json()["details"][0]["message"].startswith("Too large flex message")


def test_a_carousel_holds_at_most_12_bubbles(sim: SimClient) -> None:
    carousel = {"type": "flex", "altText": "x", "contents": {"type": "carousel",
                                                             "contents": [CARD["contents"]] * 12}}
    assert _validate(sim, carousel).status_code == 200
    carousel["contents"]["contents"] = [CARD["contents"]] * 13
    response = _validate(sim, carousel)
    assert response.status_code == 400 and response.json()["details"][0]["property"] == "/contents"


def test_a_refused_card_is_not_delivered_and_the_sdk_sees_400(sim: SimClient, api: MessagingApi) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตสาทร", follow=True)["userId"]
    bad = FlexBubble(body=FlexBox(layout="vertical", contents=[
        FlexButton(action=PostbackAction(label="ก" * 41, data="action=feedback&v=up"))]))
    with pytest.raises(ApiException) as refused:
        api.push_message(PushMessageRequest(to=uid, messages=[FlexMessage(altText="x", contents=bad)]))
    assert refused.value.status == 400
    assert "in the request body is invalid" in json.loads(refused.value.body)["message"]
    assert sim.messages(uid) == [] and sim.state()["consumption"] == 0
