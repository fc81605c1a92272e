"""In Debian's chromium: after `flask richmenu deploy`, linesim's chat page shows the menu under the chat, and a
tap on its "ถามเจ้าหน้าที่" area reaches the real bot (gunicorn) as that request and gets its answer; a tap on
"เกร็ดความรู้" arrives as its postback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linesim.client import SimClient
from tests.conftest import SMALL_KB
from tests.console.test_browser import browser  # noqa: F401  (the shared headless-chromium fixture)
from tests.e2e.test_gunicorn_linesim import wait_for_texts
from tests.servers import ROOT, TOKEN, Stack, bot_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    with bot_stack(database_url, workers=1, knowledge_dir=SMALL_KB) as running:
        yield running


def _deploy(stack: Stack) -> str:
    """The documented command, with the data host pointed at linesim too (as `localhost`, to tell it apart)."""
    env = {**os.environ, "IAO_ENV": "production", "DATABASE_URL": stack.database_url, "SECRET_KEY": "e2e-secret-key",
           "LINE_CHANNEL_SECRET": "e2e-channel-secret", "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
           "LINE_API_BASE_URL": stack.sim_url, "LINE_API_DATA_URL": stack.sim_url.replace("127.0.0.1", "localhost"),
           "PYTHAINLP_OFFLINE": "1", "KNOWLEDGE_DIR": str(SMALL_KB), "LOG_LEVEL": "WARNING"}
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "app", "richmenu", "deploy"], text=True, capture_output=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_chat_page_shows_the_menu_and_a_tap_asks_an_officer(stack: Stack, browser: object) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver: WebDriver = browser  # type: ignore[assignment]
    wait = WebDriverWait(driver, 20)
    assert "set as the default" in _deploy(stack)
    sim = SimClient(stack.sim_url)
    user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.send_text(user, "เขตบางรัก")
    assert wait_for_texts(sim, user, 1)

    driver.get(stack.sim_url + "/")
    image = wait.until(ec.visibility_of_element_located((By.ID, "richmenu-img")))
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", image) == 2500)
    buttons = driver.find_elements(By.CSS_SELECTOR, "#richmenu-areas button")
    assert [b.get_attribute("aria-label") for b in buttons] == ["เมนู", "เกร็ดความรู้", "เปลี่ยนเขต", "ถามเจ้าหน้าที่"]
    assert driver.find_element(By.ID, "richmenu-bar").text.startswith("เมนู @IAO")
    # the areas lie over the picture as LINE's bounds say: four equal columns of its full height
    img_box, boxes = image.rect, [b.rect for b in buttons]
    assert all(abs(b["height"] - img_box["height"]) <= 1 for b in boxes)
    assert abs(sum(b["width"] for b in boxes) - img_box["width"]) <= 2
    shot = os.environ.get("IAO_RICHMENU_SCREENSHOT")
    if shot:
        driver.save_screenshot(shot)

    driver.find_element(By.ID, "richmenu-bar").click()  # the chat bar closes and opens the menu
    assert not image.is_displayed()
    driver.find_element(By.ID, "richmenu-bar").click()
    wait.until(ec.visibility_of(image))

    seen = len(sim.texts(user))
    driver.find_element(By.CSS_SELECTOR, "#richmenu-areas button[aria-label='เกร็ดความรู้']").click()
    wait.until(lambda _: len(sim.texts(user)) == seen + 1)  # the bot's tips reply reached the chat
    tips = sim.webhooks()[-1]
    assert tips["status"] == 200 and tips["events"][0]["postback"]["data"] == "action=tips"
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".row.bot .bubble")) >= 2)
    assert driver.find_elements(By.CSS_SELECTOR, ".row.user .bubble")[-1].text == "เกร็ดความรู้"  # displayText

    seen = len(sim.texts(user))
    driver.find_element(By.CSS_SELECTOR, "#richmenu-areas button[aria-label='ถามเจ้าหน้าที่']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "chat"), "ส่งเรื่องให้เจ้าหน้าที่"))
    users_said = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".row.user .bubble")]
    assert users_said[-1] == "ถามเจ้าหน้าที่"  # the area's text, sent as the user's message
    assert len(sim.texts(user)) == seen + 1
    last = sim.webhooks()[-1]
    assert last["status"] == 200 and last["events"][0]["message"]["text"] == "ถามเจ้าหน้าที่"
