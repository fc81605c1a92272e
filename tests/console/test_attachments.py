"""Photos and files users send: kept with the hand-off, shown to signed-in officers only, exported and erased."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.inbox.attachments import DELETED, FAILED, STORED, UNSUPPORTED, Attachment
from handlers.models import Interaction
from handlers.privacy import export_user, purge_text
from tests.conftest import Line
from tests.console.conftest import ASKER
from tests.fakes import FakeFetcher, media_event, text_event
from tests.images import HTML_AS_IMAGE, PDF, png

PHOTO = png(6, 4)


def _rows(app: Flask) -> list[Attachment]:
    with app.extensions["iao"].sessions() as db:
        return list(db.scalars(select(Attachment).order_by(Attachment.id)))


def _line_of(app: Flask, attachment: Attachment) -> Interaction:
    with app.extensions["iao"].sessions() as db:
        return db.get_one(Interaction, attachment.interaction_id)


def send_photo(line: Line, fetcher: FakeFetcher, data: bytes = PHOTO, user: str = ASKER) -> dict:
    event = media_event(user, "image")
    fetcher.contents[event["message"]["id"]] = data
    assert line.post(event) == 200
    return event


def test_a_photo_is_kept_handed_over_and_the_user_told_honestly(app: Flask, line: Line, fetcher: FakeFetcher,
                                                               officer_client: FlaskClient) -> None:
    assert line.post(text_event(ASKER, "หนังสือเดินทางเล่มนี้ใช้แจ้งย้ายเข้าได้ไหมคะ")) == 200
    event = send_photo(line, fetcher)
    assert fetcher.calls == [event["message"]["id"]]
    (row,) = _rows(app)
    assert row.status == STORED and row.content_type == "image/png" and row.size == len(PHOTO)
    assert _line_of(app, row).handoff
    reply = "\n".join(line.replies(event))
    assert "ได้รับรูปภาพของท่านแล้ว" in reply and "เฉพาะเจ้าหน้าที่ที่เข้าสู่ระบบ" in reply
    assert "ไม่เกิน 365 วัน" in reply and "ไม่มีลิงก์สาธารณะ" in reply

    inbox = officer_client.get("/console/inbox").get_data(as_text=True)
    assert "(ผู้ใช้ส่งรูปภาพ)" in inbox and "(image)" not in inbox
    assert "หนังสือเดินทางเล่มนี้" in inbox  # what they typed before, as context
    url = f"/console/attachments/{row.id}"
    assert f'src="{url}"' in inbox
    response = officer_client.get(url)
    assert response.status_code == 200 and response.data == PHOTO
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "no-store" in response.headers["Cache-Control"]
    transcript = officer_client.get(f"/console/conversations/{row.user_id}").get_data(as_text=True)
    assert f'src="{url}"' in transcript
    question = officer_client.get(f"/console/inbox/{row.interaction_id}").get_data(as_text=True)
    assert f'src="{url}"' in question and 'id="send-answer"' in question  # answered like any question


def test_nobody_signed_out_gets_a_file(app: Flask, line: Line, fetcher: FakeFetcher, client: FlaskClient) -> None:
    send_photo(line, fetcher)
    (row,) = _rows(app)
    response = client.get(f"/console/attachments/{row.id}")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert PHOTO not in response.data
    assert client.get(f"/console/attachments/{row.id + 1}").status_code == 302  # not even whether it exists


def test_a_pdf_is_a_download_under_our_own_name(app: Flask, line: Line, fetcher: FakeFetcher,
                                               officer_client: FlaskClient) -> None:
    event = media_event(ASKER, "file", file_name='ใบสำคัญ"; evil=.html', file_size=len(PDF))
    fetcher.contents[event["message"]["id"]] = PDF
    assert line.post(event) == 200
    (row,) = _rows(app)
    assert row.status == STORED and row.content_type == "application/pdf"
    response = officer_client.get(f"/console/attachments/{row.id}")
    assert response.data == PDF and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="iao-attachment-{row.id}.pdf"'
    page = officer_client.get("/console/inbox").get_data(as_text=True)
    assert "ใบสำคัญ&#34;; evil=.html" in page or "ใบสำคัญ&quot;; evil=.html" in page  # shown escaped


def test_a_forged_photo_is_refused_and_not_handed_over(app: Flask, line: Line, fetcher: FakeFetcher,
                                                      officer_client: FlaskClient) -> None:
    event = send_photo(line, fetcher, HTML_AS_IMAGE)
    (row,) = _rows(app)
    assert row.status == UNSUPPORTED and row.content_type is None
    with app.extensions["iao"].sessions() as db:
        assert db.get_one(Attachment, row.id).data is None
    assert not _line_of(app, row).handoff
    assert "ไม่ได้เก็บไว้" in line.replies(event)[0] and "PDF" in line.replies(event)[0]
    assert officer_client.get(f"/console/attachments/{row.id}").status_code == 404


def test_a_file_over_the_cap_is_refused_with_the_limit_named(app: Flask, line: Line, fetcher: FakeFetcher) -> None:
    fetcher.max_bytes = 1000
    event = send_photo(line, fetcher, png(200, 200, (1, 2, 3)) + b"\x00" * 2000)
    (row,) = _rows(app)
    assert row.status == "too_large" and not _line_of(app, row).handoff
    assert "เกิน" in line.replies(event)[0]


def test_a_failed_download_loses_nothing_and_the_officer_is_told(app: Flask, line: Line, fetcher: FakeFetcher,
                                                               officer_client: FlaskClient) -> None:
    fetcher.fail_next.append("ReadTimeoutError")
    event = send_photo(line, fetcher)
    (row,) = _rows(app)
    assert row.status == FAILED and row.reason == "ReadTimeoutError"
    assert _line_of(app, row).handoff  # the message is in the inbox all the same
    assert "ดึงรูปภาพจาก LINE ไม่สำเร็จ" in line.replies(event)[0] and "อีกครั้ง" in line.replies(event)[0]
    inbox = officer_client.get("/console/inbox").get_data(as_text=True)
    assert "ดึงไฟล์จาก LINE ไม่สำเร็จ (ReadTimeoutError)" in inbox


def test_an_external_provider_url_is_never_fetched(app: Flask, line: Line, fetcher: FakeFetcher) -> None:
    assert line.post(media_event(ASKER, "image", provider="external")) == 200
    assert fetcher.calls == []
    (row,) = _rows(app)
    assert row.status == FAILED and "external" in (row.reason or "")


def test_a_photo_in_a_group_is_neither_fetched_nor_kept(app: Flask, line: Line, fetcher: FakeFetcher) -> None:
    event = media_event(ASKER, "image")
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": ASKER}
    fetcher.contents[event["message"]["id"]] = PHOTO
    assert line.post(event) == 200
    assert fetcher.calls == [] and _rows(app) == []


def test_export_carries_the_file_and_forget_erases_it(app: Flask, line: Line, fetcher: FakeFetcher,
                                                     officer_client: FlaskClient) -> None:
    send_photo(line, fetcher)
    event = media_event(ASKER, "file", file_name="passport-somchai.pdf", file_size=len(PDF))
    fetcher.contents[event["message"]["id"]] = PDF
    assert line.post(event) == 200
    with app.extensions["iao"].sessions() as db:
        exported = export_user(db, ASKER)["attachments"]
    assert [base64.b64decode(a["content_base64"]) for a in exported] == [PHOTO, PDF]
    assert exported[1]["file_name"] == "passport-somchai.pdf" and exported[0]["content_type"] == "image/png"
    assert exported[0]["created_at"].endswith("+07:00")
    cli = app.test_cli_runner().invoke(args=["user", "export", ASKER])
    assert cli.exit_code == 0 and json.loads(cli.output)["attachments"][1]["content_base64"]

    result = app.test_cli_runner().invoke(args=["user", "forget", ASKER, "--yes"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 photo(s) or file(s)" in result.output
    for row in _rows(app):
        assert row.status == DELETED and row.file_name is None and row.sha256 is None
        with app.extensions["iao"].sessions() as db:
            assert db.get_one(Attachment, row.id).data is None
        assert officer_client.get(f"/console/attachments/{row.id}").status_code == 404
    page = officer_client.get("/console/inbox").get_data(as_text=True)
    assert "passport-somchai" not in page and "ลบแล้ว" in page


def test_retention_deletes_old_files_and_keeps_new_ones(app: Flask, line: Line, fetcher: FakeFetcher) -> None:
    send_photo(line, fetcher)
    sessions = app.extensions["iao"].sessions
    with sessions.begin() as db:
        dry = purge_text(db, 1, dt.datetime.now(dt.UTC) + dt.timedelta(days=2), dry_run=True)
        assert dry.attachments == 1
    assert _rows(app)[0].status == STORED  # a dry run changes nothing
    with sessions.begin() as db:
        assert purge_text(db, 1, dt.datetime.now(dt.UTC)).attachments == 0  # a day old it is not
        assert purge_text(db, 1, dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).attachments == 1
    (row,) = _rows(app)
    assert row.status == DELETED and row.deleted_at is not None
    with sessions() as db:
        assert db.get_one(Attachment, row.id).data is None
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "1", "--dry-run"])
    assert result.exit_code == 0 and re.search(r"0 photo\(s\) or file\(s\)", result.output)


def test_a_redelivered_photo_is_neither_fetched_nor_kept_twice(app: Flask, line: Line, fetcher: FakeFetcher) -> None:
    event = send_photo(line, fetcher)
    assert line.post(dict(event, deliveryContext={"isRedelivery": True})) == 200
    assert fetcher.calls == [event["message"]["id"]]
    assert len(_rows(app)) == 1
