"""The directory in the app: seeded by init-db, answered in LINE, kept by officers (console and CLI),
on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from handlers.directory.models import Mission, MissionChange
from handlers.directory.service import card_text, export_file, import_file, seed_missions
from handlers.models import Interaction
from handlers.officers import AuditLog
from tests.conftest import Line
from tests.console.conftest import add_officer, login, token_on
from tests.directory.test_records import csv_of, row
from tests.fakes import FakeMessenger, postback_event, text_event

USER = "U" + "d" * 32


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["iao"].sessions


def register(line: Line, user: str = USER) -> None:
    assert line.post(text_event(user, "บางรัก")) == 200


def question_row(app: Flask, text: str) -> Interaction:
    with sessions(app)() as session:
        found = session.scalars(select(Interaction).where(Interaction.text == text, Interaction.direction == "in")
                                .order_by(Interaction.id.desc())).first()
        assert found is not None
        return found


def test_init_db_seeds_missions_once_and_keeps_edits(app: Flask) -> None:
    with sessions(app).begin() as session:
        count = session.scalar(select(func.count()).select_from(Mission))
        assert count >= 8
        japan = session.scalars(select(Mission).where(Mission.key == "jp-embassy-bangkok")).one()
        japan.phones = "+66 2 111 1111"
        assert seed_missions(session) == 0  # a second run adds nothing and overwrites nothing
    with sessions(app)() as session:
        assert session.scalars(select(Mission.phones).where(Mission.key == "jp-embassy-bangkok")).one() \
            == "+66 2 111 1111"


def test_the_five_questions_of_the_issue(app: Flask, line: Line) -> None:
    register(line)
    expected = {
        "เบอร์สถานทูตญี่ปุ่น": ("jp-embassy-bangkok", "+66 2 207 8500"),
        "embassy of Myanmar address": ("mm-embassy-bangkok", "132 Sathorn Nua Road"),
        "สถานกงสุลจีนเชียงใหม่": ("cn-consulate-chiangmai", "+66 53 280 380"),
        "ขอเบอร์ UNHCR": ("unhcr-bangkok", "+66 2 288 2180"),
    }
    for question, (key, detail) in expected.items():
        event = text_event(USER, question)
        assert line.post(event) == 200
        reply = line.replies(event)[0]
        assert detail in reply
        assert ("Source:" if question.startswith("embassy") else "แหล่งข้อมูล:") in reply
        assert ("Last checked:" if question.startswith("embassy") else "ตรวจสอบล่าสุด:") in reply
        logged = question_row(app, question)
        assert (logged.outcome, logged.answered_by, logged.entry_id, logged.category, logged.handoff) == \
            ("answer", "bot", f"mission:{key}", "directory", False)
    # Laos: no sourced row is shipped, so the request goes to an officer rather than a guess
    event = text_event(USER, "สถานทูตลาวอยู่ไหน")
    assert line.post(event) == 200
    assert "ส่งคำถามของท่านให้เจ้าหน้าที่" in line.replies(event)[0] or "ส่งคำถามให้เจ้าหน้าที่" in line.replies(event)[0]
    logged = question_row(app, "สถานทูตลาวอยู่ไหน")
    assert logged.handoff and logged.answered_by is None and logged.category == "directory"


def test_thai_card_has_buddhist_era_date_and_stale_warning(app: Flask, line: Line) -> None:
    register(line)
    event = text_event(USER, "เบอร์สถานทูตยี่ปุ่น")
    assert line.post(event) == 200
    reply = line.replies(event)[0]
    assert "ตรวจสอบล่าสุด: 27 กันยายน 2561" in reply  # 2018-09-27 in the Buddhist Era
    assert "⚠️" in reply  # checked over a year ago


def test_ambiguous_request_asks_which_and_a_tap_answers(app: Flask, line: Line, messenger: FakeMessenger) -> None:
    register(line)
    event = text_event(USER, "กงสุลจีน")
    assert line.post(event) == 200
    message = next(ms for token, ms in messenger.replies if token == event["replyToken"])[0]
    assert "1." in message.text and "Chiang Mai" in message.text
    choices = [q for q in message.quick_replies if q.data and "action=mission" in q.data]
    assert len(choices) == 3 and all(len(q.label) <= 20 for q in message.quick_replies)
    assert question_row(app, "กงสุลจีน").outcome == "suggest"
    tap = postback_event(USER, next(q.data for q in choices if "chiangmai" in q.data))
    assert line.post(tap) == 200
    assert "111 ถนนช้างหล่อ" in line.replies(tap)[0]


def test_a_question_that_is_not_a_directory_request_goes_to_the_matcher(app: Flask, line: Line) -> None:
    register(line)
    question = "ชาวต่างชาติเสียชีวิต ต้องแจ้งสถานทูตไหม"
    assert line.post(text_event(USER, question)) == 200
    logged = question_row(app, question)
    assert logged.category != "directory" and not (logged.entry_id or "").startswith("mission:")


def test_import_good_file_updates_and_audits(app: Flask) -> None:
    with sessions(app).begin() as session:
        result = import_file(session, csv_of(row()), "se.csv", username="somchai")
        assert result.created == ["se-embassy-bangkok"]
    with sessions(app).begin() as session:
        result = import_file(session, csv_of(row(phones="+66 2 999 9999")), "se.csv", username="somchai")
        assert result.updated == ["se-embassy-bangkok"]
        mission = session.scalars(select(Mission).where(Mission.key == "se-embassy-bangkok")).one()
        changes = session.scalars(select(MissionChange).where(MissionChange.mission_id == mission.id)
                                  .order_by(MissionChange.id)).all()
        assert [c.action for c in changes] == ["create", "update"] and "+66 2 999 9999" in changes[1].changes
        assert "สวีเดน" in card_text(mission)


def test_bad_import_changes_nothing(app: Flask) -> None:
    with sessions(app)() as session:
        before = export_file(session, "csv")
    data = csv_of(row(), row(key="bad", kind="castle", city="Phuket"))
    with sessions(app).begin() as session:
        try:
            import_file(session, data, "bad.csv", username="somchai")
        except ValueError as error:
            assert "แถว 3" in str(error)
        else:
            raise AssertionError("a bad row must stop the import")
    with sessions(app)() as session:
        assert export_file(session, "csv") == before


def test_export_round_trip_changes_nothing(app: Flask) -> None:
    for fmt in ("csv", "xlsx"):
        with sessions(app).begin() as session:
            body = export_file(session, fmt)
            result = import_file(session, body, f"all.{fmt}", username="somchai")
            assert not result.created and not result.updated and len(result.unchanged) >= 8


def test_cli_import_dry_run_export(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    good = tmp_path / "se.csv"
    good.write_bytes(csv_of(row()))
    out = runner.invoke(args=["directory", "import", str(good), "--dry-run"])
    assert out.exit_code == 0 and "dry run" in out.output
    with sessions(app)() as session:
        assert session.scalars(select(Mission).where(Mission.key == "se-embassy-bangkok")).first() is None
    assert runner.invoke(args=["directory", "import", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of(row(key="x-2", city="Phuket", website="ftp://nope")))
    out = runner.invoke(args=["directory", "import", str(bad)])
    assert out.exit_code == 1 and "แถว 2" in out.output and "nothing was imported" in out.output
    target = tmp_path / "all.xlsx"
    assert runner.invoke(args=["directory", "export", "--format", "xlsx", "--output", str(target)]).exit_code == 0
    assert target.read_bytes()[:2] == b"PK"


def test_console_page_edit_and_import(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    assert login(client).status_code == 302
    page = client.get("/console/directory").get_data(as_text=True)
    assert "สถานเอกอัครราชทูตญี่ปุ่น" in page and "เกิน 1 ปี" in page
    assert "UNHCR" in client.get("/console/directory?q=unhcr").get_data(as_text=True)
    token = token_on(client, "/console/directory")
    response = client.post("/console/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv_of(row(), row(key="b", kind="castle"))), "x.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and "แถว 3" in response.get_data(as_text=True)
    response = client.post("/console/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv_of(row())), "x.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with sessions(app)() as session:
        mission = session.scalars(select(Mission).where(Mission.key == "se-embassy-bangkok")).one()
        form = {c: str(getattr(mission, c)) for c in ("kind", "country_th", "country_en", "name_th", "name_en",
                                                        "aliases", "city", "address_th", "address_en", "phones",
                                                        "email", "website", "hours", "notes", "source_url",
                                                        "source_name", "checked_on")}
        mission_id = mission.id
    form.update(phones="+66 2 555 5555", csrf_token=token)
    assert client.post(f"/console/directory/{mission_id}", data=form).status_code == 302
    page = client.get(f"/console/directory/{mission_id}").get_data(as_text=True)
    assert "+66 2 555 5555" in page and "somchai" in page
    form.update(email="broken")
    assert client.post(f"/console/directory/{mission_id}", data=form).status_code == 400
    export = client.post("/console/directory/export", data={"csrf_token": token, "format": "csv"})
    assert export.status_code == 200 and b"se-embassy-bangkok" in export.data
    with sessions(app)() as session:
        actions = set(session.scalars(select(AuditLog.action)))
    assert {"directory-import", "directory-edit", "directory-export"} <= actions
