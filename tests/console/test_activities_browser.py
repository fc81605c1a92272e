"""In headless Debian chromium: an officer records FY2567 activities and overrides the Joint KPI with a reason on
the activities page (real forms, real CSRF tokens), and sees the levels and points they add up to."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

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


def test_officer_records_activities_and_overrides_in_the_browser(app: Flask, console_url: str,  # noqa: F811
                                                                 browser: object) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    add_officer(app)
    driver = browser
    sign_in(driver, console_url, "somchai", PASSWORD)

    def wait_for(text: str) -> str:
        return wait_for_text(driver, text)

    def record(kind: str, day: str, count: str = "", title: str = "") -> str:
        driver.get(f"{console_url}/console/kpi/activities?year=2567")  # type: ignore[attr-defined]
        Select(driver.find_element(By.NAME, "indicator_kind")).select_by_value(kind)  # type: ignore[attr-defined]
        date = driver.find_element(By.NAME, "date")  # type: ignore[attr-defined]
        driver.execute_script("arguments[0].value = arguments[1]", date, day)  # type: ignore[attr-defined]
        if count:
            driver.find_element(By.NAME, "count").send_keys(count)  # type: ignore[attr-defined]
        if title:
            driver.find_element(By.NAME, "title").send_keys(title)  # type: ignore[attr-defined]
        driver.find_element(By.XPATH, "//button[text()='บันทึก']").click()  # type: ignore[attr-defined]
        return wait_for("บันทึกกิจกรรมแล้ว")

    wait_for("ออกจากระบบ")
    record("2567-1.3-1|plan", "2023-11-20")
    page = record("2567-1.3-1|hosted_event", "2024-02-14", "6", "สัมมนาเมืองน่าอยู่")
    row = re.search(r'<tr id="score-2567-1.3-1">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "ระดับ 4" in row and '<td class="points">8</td>' in row

    section = driver.find_element(By.ID, "indicator-2567-1.2-1")  # type: ignore[attr-defined]
    Select(section.find_element(By.NAME, "level")).select_by_value("3")
    section.find_element(By.NAME, "reason").send_keys("สถิติ Google Analytics ตามหนังสือสำนักงานการคลัง")
    section.find_element(By.XPATH, ".//button[text()='ปรับผล']").click()
    page = wait_for("ปรับผลตัวชี้วัด 1.2-๑ เป็นระดับ 3 แล้ว")
    row = re.search(r'<tr id="score-2567-1.2-1">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "ปรับโดยเจ้าหน้าที่" in row and '<td class="points">12</td>' in row
    assert '<td id="total-points">20</td>' in page
