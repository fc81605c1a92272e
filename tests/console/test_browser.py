"""In a real browser: sign in, answer a handed-off question in the inbox, and see the push reach LINE (linesim)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linesim.client import SimClient
from tests.browser import sign_in
from tests.conftest import SMALL_KB
from tests.console.conftest import HANDED_OFF
from tests.e2e.test_gunicorn_linesim import wait_for_texts
from tests.servers import ROOT, Stack, bot_stack, free_port, run_flask
from tests.smtpd import SmtpServer, notice_env, smtp_server_running

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PASSWORD = "e2e officer password"
ANSWER = "ใบขับขี่สากลออกโดยกรมการขนส่งทางบก ไม่ใช่สำนักงานเขตค่ะ (ตอบจากเบราว์เซอร์)"
PHONE = (390, 844)  # a common phone viewport, CSS pixels


def _require_browser() -> None:
    """The browser test must run in CI: a missing browser is a failure that says how to fix it."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: install Debian's browser with "
                    "`apt-get install -y chromium chromium-driver` (the console's browser test needs it)")


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    """gunicorn (production settings: Secure cookies) and the LINE simulator."""
    with bot_stack(database_url, workers=2, knowledge_dir=SMALL_KB) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Debian chromium through Debian's chromedriver (nothing downloaded)."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="iao-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 f"--user-data-dir={profile}", f"--window-size={PHONE[0]},{PHONE[1]}", "--lang=th-TH"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _create_officer(stack: Stack) -> None:
    """The documented way: `flask --app app create-officer USERNAME --password-stdin`."""
    env = {**os.environ, "DATABASE_URL": stack.database_url, "SECRET_KEY": "e2e-secret-key", "IAO_ENV": "production",
           "PYTHAINLP_OFFLINE": "1", "KNOWLEDGE_DIR": str(SMALL_KB), "LOG_LEVEL": "WARNING"}
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "app", "create-officer", "e2e.officer", "--password-stdin"],
                            input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _a_handed_off_question(stack: Stack) -> tuple[SimClient, str]:
    """An officer account, and a district user whose question the bot handed to an officer."""
    _create_officer(stack)
    sim = SimClient(stack.sim_url)
    user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    assert sim.send_text(user, HANDED_OFF)["status"] == 200
    return sim, user


def test_officer_answers_in_the_browser_and_the_push_reaches_line(stack: Stack, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver: WebDriver = browser  # type: ignore[assignment]
    wait = WebDriverWait(driver, 20)
    sim, user = _a_handed_off_question(stack)
    # the bot answers after its 200: wait until it said it handed the question over
    assert wait_for_texts(sim, user, 1) and any("เจ้าหน้าที่" in t for t in sim.texts(user))

    driver.get(f"{stack.bot_url}/console/inbox")  # a stranger is sent to the login page
    wait.until(ec.presence_of_element_located((By.ID, "login-button")))
    assert "/console/login" in driver.current_url
    driver.find_element(By.ID, "username").send_keys("e2e.officer")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-button").click()

    link = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "a[id^='answer-']")))
    assert HANDED_OFF in driver.page_source
    shot = os.environ.get("IAO_CONSOLE_SCREENSHOT")
    if shot:
        driver.save_screenshot(shot)
    link.click()
    box = wait.until(ec.presence_of_element_located((By.ID, "answer-text")))
    box.send_keys(ANSWER)
    assert driver.find_element(By.ID, "mode-push").is_selected()
    driver.find_element(By.ID, "send-answer").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "ส่งคำตอบถึงผู้ใช้แล้ว"))

    assert any(ANSWER in t for t in sim.texts(user)), sim.texts(user)
    pushes = sim.requests(path="/v2/bot/message/push")
    assert len(pushes) == 1 and pushes[0]["status"] == 200
    assert pushes[0]["headers"].get("X-Line-Retry-Key")
    assert "ไม่มีคำถามค้างตอบ" in driver.page_source  # answered questions leave the inbox


def test_officer_claims_inserts_a_canned_reply_edits_and_sends_it(stack: Stack, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver: WebDriver = browser  # type: ignore[assignment]
    wait = WebDriverWait(driver, 20)
    sim, user = _a_handed_off_question(stack)
    assert wait_for_texts(sim, user, 1)
    sign_in(driver, stack.bot_url, "e2e.officer", PASSWORD)
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "a[id^='answer-']"))).click()

    wait.until(ec.element_to_be_clickable((By.ID, "claim"))).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "claim-state"), "ท่านรับเรื่องนี้ไว้"))
    insert = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "button.insert-canned")))
    canned = insert.get_attribute("data-text") or ""
    assert canned
    insert.click()
    box = driver.find_element(By.ID, "answer-text")
    assert box.get_attribute("value") == canned  # inserted whole, into the box the officer edits
    box.send_keys(" (แก้ไขโดยเจ้าหน้าที่)")
    assert driver.find_element(By.ID, "answer-count").text == str(len(canned) + len(" (แก้ไขโดยเจ้าหน้าที่)"))
    driver.find_element(By.ID, "send-answer").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "ส่งคำตอบถึงผู้ใช้แล้ว"))
    delivered = [t for t in sim.texts(user) if "(แก้ไขโดยเจ้าหน้าที่)" in t]
    assert len(delivered) == 1 and canned.split("\n")[0] in delivered[0]


def test_the_inbox_shows_a_users_photo_to_a_signed_in_officer_and_refuses_a_stranger(stack: Stack,
                                                                                      browser: object) -> None:
    import requests
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.images import png

    photo = png(12, 7, (20, 160, 90))
    driver: WebDriver = browser  # type: ignore[assignment]
    wait = WebDriverWait(driver, 20)
    _create_officer(stack)
    sim = SimClient(stack.sim_url)
    user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    assert sim.send_image(user, photo, "image/png")["status"] == 200  # a signed webhook, the bot downloads it
    assert wait_for_texts(sim, user, 1) and "ได้รับรูปภาพ" in sim.texts(user)[0]

    sign_in(driver, stack.bot_url, "e2e.officer", PASSWORD)
    image = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "img.attachment-image")))
    # the browser really fetched and decoded it through the signed-in route (a refused request has no pixels)
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 12)
    assert driver.execute_script("return arguments[0].naturalHeight", image) == 7
    assert "(ผู้ใช้ส่งรูปภาพ)" in driver.page_source
    src = image.get_attribute("src") or ""
    assert src.startswith(f"{stack.bot_url}/console/attachments/")

    stranger = requests.get(src, allow_redirects=False, timeout=10)  # no session cookie
    assert stranger.status_code == 302 and "/console/login" in stranger.headers["Location"]
    assert photo not in stranger.content
    driver.delete_all_cookies()
    driver.get(src)
    wait.until(ec.presence_of_element_located((By.ID, "login-button")))  # signed out: the login page, no image


def test_a_person_sends_a_photo_from_the_chat_page_and_an_officer_gets_it(stack: Stack, browser: object,
                                                                         tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.images import png

    photo = tmp_path / "passport-page.png"
    photo.write_bytes(png(9, 6, (200, 180, 20)))
    driver: WebDriver = browser  # type: ignore[assignment]
    wait = WebDriverWait(driver, 20)
    driver.get(f"{stack.sim_url}/")
    wait.until(ec.presence_of_element_located((By.ID, "new-name"))).send_keys("เจ้าหน้าที่เขตบางรัก")
    driver.find_element(By.CSS_SELECTOR, "#new-user button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "user-select"), "เจ้าหน้าที่เขตบางรัก"))
    driver.find_element(By.ID, "follow-btn").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "chat"), "สำนักงานเขตใด"))  # the welcome arrived
    driver.find_element(By.ID, "file-input").send_keys(str(photo))  # what the 📎 button's file picker does
    wait.until(ec.text_to_be_present_in_element((By.ID, "chat"), "ได้รับรูปภาพของท่านแล้ว"))
    thumb = driver.find_element(By.CSS_SELECTOR, "#chat img.thumb")
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", thumb) == 9)

    _create_officer(stack)
    sign_in(driver, stack.bot_url, "e2e.officer", PASSWORD)
    image = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "img.attachment-image")))
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 9)


@pytest.fixture
def notice_stack(database_url: str) -> Iterator[tuple[Stack, SmtpServer, dict[str, str]]]:
    """gunicorn and linesim with hand-off notices on, mailing a real SMTP server (aiosmtpd) on loopback."""
    with smtp_server_running() as smtp:
        port = free_port()
        env = notice_env(smtp, f"http://127.0.0.1:{port}")
        with bot_stack(database_url, workers=2, knowledge_dir=SMALL_KB, extra_env=env, bot_port=port) as running:
            yield running, smtp, env


def test_the_inbox_shows_which_officers_were_told_by_mail_and_when(
        notice_stack: tuple[Stack, SmtpServer, dict[str, str]], browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    stack, smtp, env = notice_stack
    driver: WebDriver = browser  # type: ignore[assignment]
    wait = WebDriverWait(driver, 20)
    for args in (("create-officer", "e2e.admin", "--admin", "--password-stdin"),
                 ("create-officer", "malee", "--password-stdin", "--email", "malee@iao.example.go.th", "--on-duty")):
        made = run_flask(stack.database_url, *args, env=env, stdin=PASSWORD + "\n", knowledge_dir=SMALL_KB)
        assert made.returncode == 0, made.stdout + made.stderr

    sign_in(driver, stack.bot_url, "e2e.admin", PASSWORD)
    wait.until(ec.presence_of_element_located((By.ID, "notices-status")))
    # the admin puts themself on duty with an address, on the accounts page, as an office would
    driver.get(f"{stack.bot_url}/console/officers")
    form = wait.until(ec.presence_of_element_located((By.ID, "notice-e2e.admin")))
    form.find_element(By.NAME, "email").send_keys("e2e.admin@iao.example.go.th")
    form.find_element(By.NAME, "on_duty").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "บันทึกแล้ว"))

    sim = SimClient(stack.sim_url)
    user = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    urgent = "ถามเจ้าหน้าที่ ด่วนค่ะ ชาวต่างชาติทำหนังสือเดินทางหายที่เขต ต้องทำอย่างไร"  # mailed at any hour
    assert sim.send_text(user, urgent)["status"] == 200
    deadline = time.monotonic() + 30
    while not any("ส่งเรื่องให้เจ้าหน้าที่" in t for t in sim.texts(user)) and time.monotonic() < deadline:
        time.sleep(0.1)
    sent = run_flask(stack.database_url, "notify", "send-due", "--json", env=env, knowledge_dir=SMALL_KB)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    mails = smtp.sink.wait_for(2)
    assert sorted(r[0] for r, _ in mails) == ["e2e.admin@iao.example.go.th", "malee@iao.example.go.th"]

    driver.get(f"{stack.bot_url}/console/inbox")
    told = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.told")))
    assert "แจ้งแล้ว: e2e.admin (" in told.text and "แจ้งแล้ว: malee (" in told.text, told.text
    assert "ด่วน" in told.text
    # the mail's link opens the question in the console
    link = re.search(r"เปิดดูและตอบ: (\S+)", str(mails[0][1].get_body(preferencelist=("plain",)).get_content()))
    assert link and link.group(1).startswith(stack.bot_url)
    driver.get(link.group(1))
    wait.until(ec.presence_of_element_located((By.ID, "answer-text")))
    assert "ทำหนังสือเดินทางหาย" in driver.page_source and "แจ้งแล้ว: malee" in driver.page_source
