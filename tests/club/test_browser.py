"""In headless Debian chromium: an officer records a held session's attendance by district and schedules the
next session's reminder on the English Club page (real forms, real CSRF tokens)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask

from handlers.clock import BANGKOK
from handlers.club import service
from handlers.tips.models import Broadcast
from tests.browser import sign_in, wait_for_text
from tests.console.conftest import PASSWORD, add_officer, app, kb_dir  # noqa: F401  (fixtures)
from tests.console.test_browser import browser  # noqa: F401  (fixture: Debian chromium + chromedriver)
from tests.linesim.conftest import serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def console_url(app: Flask) -> Iterator[str]:  # noqa: F811
    """The app served on loopback for the browser."""
    server = serve(app)
    yield server.url
    server.stop()


def test_officer_records_attendance_and_schedules_a_reminder_in_the_browser(
        app: Flask, console_url: str, browser: object) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    add_officer(app)
    today = dt.datetime.now(BANGKOK).date()
    with app.extensions["iao"].sessions.begin() as db:
        held = service.create_session(db, service.SessionInput("2021-05-21", "ภาษาอังกฤษในชีวิตประจำวัน",
                                                               "https://meet.example.org/a", "13:30"), by="t").id
        upcoming = service.create_session(db, service.SessionInput(
            (today + dt.timedelta(days=8)).isoformat(), "การทักทาย", "https://meet.example.org/b", "13:30"), by="t").id
    driver = browser
    sign_in(driver, console_url, "somchai", PASSWORD)

    def wait_for(text: str) -> str:
        return wait_for_text(driver, text)

    wait_for("ออกจากระบบ")
    driver.get(f"{console_url}/console/kpi/club/{held}")  # type: ignore[attr-defined]
    driver.find_element(By.NAME, "d1004").send_keys("3")  # type: ignore[attr-defined]
    driver.find_element(By.NAME, "d1007").send_keys("2")  # type: ignore[attr-defined]
    driver.find_element(By.XPATH, "//button[text()='บันทึกผู้เข้าร่วม']").click()  # type: ignore[attr-defined]
    page = wait_for("บันทึกผู้เข้าร่วม 5 คนแล้ว")
    assert 'id="club-attended">5<' in page
    driver.get(f"{console_url}/console/kpi/club/{upcoming}")  # type: ignore[attr-defined]
    driver.find_element(By.XPATH, "//button[text()='ตั้งเวลาส่งแจ้งเตือน']").click()  # type: ignore[attr-defined]
    wait_for("ตั้งเวลาส่งแจ้งเตือนพร้อมปุ่มลงทะเบียนแล้ว")
    with app.extensions["iao"].sessions() as db:
        assert service.attendance(db, held) == {"1004": 3, "1007": 2}
        send = db.get(Broadcast, service.get_session(db, upcoming).reminder_broadcast_id or 0)  # type: ignore[union-attr]
        assert send is not None and send.status == "scheduled" and service.register_data(upcoming) in send.payload
