"""Property-based: random text and shapes in the console's forms never produce a 500 or a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from tests.conftest import SMALL_KB, make_settings
from tests.console.conftest import add_officer, login, token_on
from tests.fakes import FakeMessenger

field = st.text(max_size=300) | st.sampled_from(["", " ", "<script>alert(1)</script>", "=1+1", "\x00", "๑๒๓"])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app with one officer for all examples."""
    import shutil

    base = Path(tmp_path_factory.mktemp("forms"))
    kb_dir = base / "kb"
    shutil.copytree(SMALL_KB, kb_dir)
    application = create_app(make_settings(f"sqlite:///{base / 'f.db'}", knowledge_dir=kb_dir),
                             messenger=FakeMessenger())
    add_officer(application, "prop.officer", role="admin")
    yield application
    application.extensions["iao_worker"].stop()
    application.extensions["iao"].engine.dispose()


@pytest.fixture(scope="module")
def officer(app: Flask) -> FlaskClient:
    """A signed-in admin's browser."""
    client = app.test_client()
    assert login(client, "prop.officer").status_code == 302
    return client


@SETTINGS
@given(username=field, password=field)
def test_login_form(app: Flask, officer: FlaskClient, username: str, password: str) -> None:
    """(`officer` signs in first: past 30 attempts the address is rate limited, which is answered 429.)"""
    client = app.test_client()
    token = token_on(client, "/console/login")
    response = client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code in (302, 400, 401, 429)
    assert b"Traceback" not in response.data


@SETTINGS
@given(text=field, mode=field, link=field, entry=field, when=field, time=field)
def test_tip_form(officer: FlaskClient, text: str, mode: str, link: str, entry: str, when: str, time: str) -> None:
    token = token_on(officer, "/console/tips")
    response = officer.post("/console/tips", data={"text": text, "mode": mode, "link": link, "entry": entry,
                                                   "at": when, "time": time, "days": [mode], "csrf_token": token})
    assert response.status_code in (200, 302, 400)


@SETTINGS
@given(query=field, month=field)
def test_search_and_month_arguments(officer: FlaskClient, query: str, month: str) -> None:
    for path in ("/console/conversations", "/console/kb", "/console/tips", "/console/kpi"):
        response = officer.get(path, query_string={"q": query, "month": month})
        assert response.status_code in (200, 302, 400, 404), path


@SETTINGS
@given(text=field, mode=field)
def test_answer_form_on_a_missing_question(officer: FlaskClient, text: str, mode: str) -> None:
    token = token_on(officer, "/console/inbox")
    response = officer.post("/console/inbox/999999/answer", data={"text": text, "mode": mode, "csrf_token": token})
    assert response.status_code in (302, 400, 404)


def _club_session(app: Flask) -> int:
    """One English Club session to post the session forms to (made once)."""
    import datetime as dt

    from sqlalchemy import select

    from handlers.club import service
    from handlers.club.models import ClubSession

    with app.extensions["iao"].sessions.begin() as db:
        row = db.scalars(select(ClubSession).order_by(ClubSession.id)).first()
        if row is None:
            row = service.create_session(db, service.SessionInput(
                held_on=dt.date(2021, 5, 21).isoformat(), topic="ทดสอบ", meeting_url="https://meet.example.org/x",
                starts_at="", duration_minutes="", note=""), by="prop.officer")
        return row.id


@SETTINGS
@given(mode=field, first=field, topic=field, url=field, at=field, audience=field, note=field, count=field)
def test_club_forms(app: Flask, officer: FlaskClient, mode: str, first: str, topic: str, url: str, at: str,
                    audience: str, note: str, count: str) -> None:
    session_id = _club_session(app)
    token = token_on(officer, "/console/kpi/club")
    posts = {
        "/console/kpi/club": {"mode": mode, "first": first, "last": first, "held_on": first, "topic": topic,
                              "meeting_url": url, "starts_at": at, "duration_minutes": count},
        f"/console/kpi/club/{session_id}": {"held_on": first, "topic": topic, "meeting_url": url, "note": note},
        f"/console/kpi/club/{session_id}/note": {"note": note},
        f"/console/kpi/club/{session_id}/remind": {"at": at, "audience": audience},
        f"/console/kpi/club/{session_id}/attendance": {"d1004": count, "d1007": note},
    }
    for path, data in posts.items():
        response = officer.post(path, data={**data, "csrf_token": token})
        assert response.status_code in (302, 400), path
        assert b"Traceback" not in response.data


@SETTINGS
@given(user_id=field, fmt=field, phones=field, remedy=field, month=field)
def test_privacy_directory_and_plan_forms(officer: FlaskClient, user_id: str, fmt: str, phones: str, remedy: str,
                                          month: str) -> None:
    token = token_on(officer, "/console/privacy")
    for path in ("/console/privacy/export", "/console/privacy/forget"):  # forget without the confirmation tick
        assert officer.post(path, data={"line_user_id": user_id, "csrf_token": token}).status_code == 302
    export = officer.post("/console/directory/export", data={"format": fmt, "csrf_token": token})
    assert export.status_code in (200, 400)
    response = officer.post("/console/directory/1", data={"phones": phones, "kind": fmt, "csrf_token": token})
    assert response.status_code in (302, 400, 404)
    response = officer.post("/console/tips/plan", data={"remedy": remedy, "month": month, "csrf_token": token})
    assert response.status_code in (302, 400)
    assert officer.post("/console/kpi/close", data={"month": month + "x", "csrf_token": token}).status_code == 400


@SETTINGS
@given(year=field | st.just("2567"), kind=field | st.just("2567-1.3-1|hosted_event"), date=field, count=field,
       title=field, link=field, level=field, reason=field, clear=field)
def test_activity_forms(officer: FlaskClient, year: str, kind: str, date: str, count: str, title: str, link: str,
                        level: str, reason: str, clear: str) -> None:
    token = token_on(officer, "/console/kpi/activities")
    posts = {
        "/console/kpi/activities": {"year": year, "indicator_kind": kind, "date": date, "count": count,
                                    "title": title, "note": reason, "link": link},
        "/console/kpi/activities/override": {"year": year, "indicator": kind.partition("|")[0], "level": level,
                                             "reason": reason, "clear": clear},
        "/console/kpi/activities/1/delete": {"year": year},
    }
    for path, data in posts.items():
        response = officer.post(path, data={**data, "csrf_token": token}, content_type="multipart/form-data")
        assert response.status_code in (302, 404), path
        assert b"Traceback" not in response.data
