"""Issue 13 item 5 end to end: `flask richmenu deploy` through the real line-bot-sdk against linesim (API host and
data host), idempotent and replacing; a tap on the menu in linesim reaches the real bot as the area's postback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from app import create_app
from bot.line.messenger import LineMessenger
from bot.line.richmenu import RichMenuDeployer
from bot.line.richmenu_model import build
from handlers.models import Interaction
from linesim.client import SimClient
from tests.conftest import make_settings
from tests.linesim.conftest import TOKEN, Server, serve
from tests.linesim.test_line_channel import texts_after

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def bot_app(database_url: str, servers: tuple[Server, Server, object], sim: SimClient) -> Iterator[Flask]:
    """The real bot served on loopback; its SDK talks to linesim as api.line.me and (as localhost) api-data."""
    sim_url = servers[0].url
    app = create_app(make_settings(database_url, line_api_base_url=sim_url, line_channel_access_token=TOKEN,
                                   line_api_data_url=sim_url.replace("127.0.0.1", "localhost")),
                     messenger=LineMessenger(TOKEN, sim_url))
    server = serve(app)
    sim.config(webhook_url=server.url + "/callback")
    yield app
    server.stop()
    app.extensions["iao_worker"].stop()
    app.extensions["iao"].engine.dispose()


def run(app: Flask, *args: str) -> str:
    """`flask --app app richmenu ARGS`, as an officer types it; fails the test on a non-zero exit."""
    result = app.test_cli_runner().invoke(args=["richmenu", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def writes(sim: SimClient) -> list[tuple[str, str]]:
    """Every call that could change LINE's state (anything but GET)."""
    return [(r["method"], r["path"]) for r in sim.requests() if r["method"] != "GET"]


def deployer(app: Flask) -> RichMenuDeployer:
    return app.extensions["iao_richmenu"]()  # type: ignore[no-any-return]


def test_deploy_creates_uploads_to_the_data_host_and_sets_default_then_changes_nothing(
        bot_app: Flask, sim: SimClient) -> None:
    draft = build()
    dry = run(bot_app, "deploy", "--dry-run")
    assert "would be created" in dry and writes(sim) == []

    first = run(bot_app, "deploy")
    assert "created" in first and "set as the default" in first
    shown = sim.shown_rich_menu()
    assert shown is not None and shown["name"] == draft.name and shown["chatBarText"] == "เมนู @IAO"
    assert [a["action"].get("data") or a["action"]["text"] for a in shown["areas"]] == [
        "action=menu", "action=tips", "action=change-district", "ถามเจ้าหน้าที่"]
    image = requests.get(f"{sim.base_url}/v2/bot/richmenu/{shown['richMenuId']}/content", headers=AUTH, timeout=5)
    assert image.content == draft.image
    upload = sim.requests(path=f"/v2/bot/richmenu/{shown['richMenuId']}/content", method="POST")
    assert [r["status"] for r in upload] == [200] and upload[0]["host"].startswith("localhost:")  # LINE_API_DATA_URL
    assert upload[0]["headers"]["Content-Type"] == "image/png"
    assert all(r["host"].startswith("127.0.0.1:") for r in sim.requests() if not r["path"].endswith("/content"))
    assert writes(sim) == [("POST", "/v2/bot/richmenu/validate"), ("POST", "/v2/bot/richmenu"),
                           ("POST", f"/v2/bot/richmenu/{shown['richMenuId']}/content"),
                           ("POST", f"/v2/bot/user/all/richmenu/{shown['richMenuId']}")]

    before = writes(sim)
    second = run(bot_app, "deploy")
    assert "nothing changed" in second and writes(sim) == before  # idempotent: no call that changes anything
    assert sim.shown_rich_menu()["richMenuId"] == shown["richMenuId"]


def test_a_changed_menu_replaces_the_old_one_and_leaves_others_alone(bot_app: Flask, sim: SimClient) -> None:
    foreign = requests.post(f"{sim.base_url}/v2/bot/richmenu", headers=AUTH, timeout=5, json={
        "size": {"width": 2500, "height": 843}, "selected": False, "name": "campaign (made by hand)",
        "chatBarText": "โปรโมชัน", "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                                              "action": {"type": "message", "text": "สวัสดี"}}]}).json()["richMenuId"]
    run(bot_app, "deploy")
    old = sim.shown_rich_menu()["richMenuId"]

    changed = build(chat_bar_text="เปิดเมนู")
    report = deployer(bot_app).deploy(changed)
    assert report.created and report.uploaded and report.default_set and report.deleted == [old]
    assert report.others == [foreign]
    shown = sim.shown_rich_menu()
    assert shown["richMenuId"] == report.rich_menu_id != old and shown["chatBarText"] == "เปิดเมนู"
    listed = requests.get(f"{sim.base_url}/v2/bot/richmenu/list", headers=AUTH, timeout=5).json()["richmenus"]
    assert sorted(m["richMenuId"] for m in listed) == sorted([foreign, report.rich_menu_id])
    assert requests.get(f"{sim.base_url}/v2/bot/richmenu/{old}", headers=AUTH, timeout=5).status_code == 404

    back = run(bot_app, "deploy")  # the standard menu again: the changed one is now the stale one
    assert "created" in back and f"stale rich menu {report.rich_menu_id}" in back and foreign in back
    removed = run(bot_app, "remove")
    assert "deleted" in removed and sim.shown_rich_menu() is None
    listed = requests.get(f"{sim.base_url}/v2/bot/richmenu/list", headers=AUTH, timeout=5).json()["richmenus"]
    assert [m["richMenuId"] for m in listed] == [foreign]


def test_a_deploy_that_stopped_before_its_upload_is_finished_by_the_next(bot_app: Flask, sim: SimClient) -> None:
    draft = build()
    half = requests.post(f"{sim.base_url}/v2/bot/richmenu", headers=AUTH, json=draft.definition,
                         timeout=5).json()["richMenuId"]  # created, image never uploaded
    report = deployer(bot_app).deploy(draft)
    assert report.rich_menu_id == half and not report.created and report.uploaded and report.default_set
    assert sim.shown_rich_menu()["richMenuId"] == half
    assert [m for m, p in writes(sim) if p == "/v2/bot/richmenu"] == ["POST"]  # only the test's own create


def test_without_a_token_deploy_names_the_setting(database_url: str) -> None:
    app = create_app(make_settings(database_url, line_channel_access_token=""))
    try:
        result = app.test_cli_runner().invoke(args=["richmenu", "deploy"])
        assert result.exit_code != 0 and "LINE_CHANNEL_ACCESS_TOKEN" in result.output
    finally:
        app.extensions["iao_worker"].stop()
        app.extensions["iao"].engine.dispose()


def test_a_refusal_by_line_is_one_line_not_a_traceback(bot_app: Flask, sim: SimClient) -> None:
    sim.set_fault("/v2/bot/richmenu/list", status=500)
    result = bot_app.test_cli_runner().invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 1 and "LINE answered 500" in result.output and "Traceback" not in result.output


def _center(area: dict[str, Any]) -> tuple[int, int]:
    b = area["bounds"]
    return b["x"] + b["width"] // 2, b["y"] + b["height"] // 2


def test_tapping_each_area_reaches_the_bot_as_its_action(bot_app: Flask, sim: SimClient) -> None:
    run(bot_app, "deploy")
    areas = {a["action"]["label"]: a for a in sim.shown_rich_menu()["areas"]}
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.send_text(uid, "เขตบางรัก")
    assert texts_after(sim, uid, 0)
    seen = len(sim.messages(uid))

    def tap(label: str, answer: str) -> dict[str, Any]:
        nonlocal seen
        tapped = sim.tap_rich_menu(uid, *_center(areas[label]))
        assert tapped["status"] == 200 and tapped["action"]["label"] == label
        reply = texts_after(sim, uid, seen)
        assert reply and answer in reply[0], (label, reply)
        seen = len(sim.messages(uid))
        return tapped["events"][0]  # type: ignore[no-any-return]

    for label, answer in {"เมนู": "พิมพ์หมายเลข", "เกร็ดความรู้": "เกร็ดความรู้",
                          "เปลี่ยนเขต": "สำนักงานเขตใด"}.items():
        event = tap(label, answer)
        assert event["type"] == "postback" and event["postback"]["data"] == areas[label]["action"]["data"]
    sim.send_text(uid, "เขตบางรัก")  # answer the district question
    assert texts_after(sim, uid, seen)
    sim.send_text(uid, "ตม.30 คืออะไร ต้องแจ้งภายในกี่ชั่วโมง")
    assert texts_after(sim, uid, seen + 1)
    seen = len(sim.messages(uid))
    event = tap("ถามเจ้าหน้าที่", "ส่งเรื่องให้เจ้าหน้าที่")
    assert event["type"] == "message" and event["message"]["text"] == "ถามเจ้าหน้าที่"
    assert all(d["via"] == "reply" for d in sim.messages(uid)) and sim.state()["consumption"] == 0

    with bot_app.extensions["iao"].sessions() as session:
        question = session.scalars(select(Interaction).where(Interaction.text.like("ตม.30%"))).one()
        request = session.scalars(select(Interaction).where(Interaction.outcome == "ask-officer")).one()
    # the tap handed over the question just asked, exactly as the typed request does
    assert question.handoff is True and request.in_reply_to_id == question.id
