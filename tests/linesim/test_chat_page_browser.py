"""In Debian's chromium: linesim's chat page draws the bot's answer card as LINE does and its buttons work."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from handlers.models import Interaction
from linesim.client import SimClient
from tests.console.test_browser import browser  # noqa: F401 - the headless chromium fixture
from tests.linesim.conftest import Server
from tests.linesim.test_answer_cards import QUESTION, bot_app, knowledge  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e


def test_the_chat_page_draws_the_card_and_a_tap_posts_back(bot_app: Flask, sim: SimClient,  # noqa: F811
                                                           servers: tuple[Server, Server, object],
                                                           browser: object) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก", follow=True)["userId"]
    sim.send_text(uid, "บางรัก")
    browser.get(servers[0].url + "/")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.execute_script("return document.getElementById('user-select').value") == uid)
    wait.until(ec.text_to_be_present_in_element((By.ID, "chat"), "บางรัก"))
    box = browser.find_element(By.ID, "text")
    box.send_keys(QUESTION)
    browser.find_element(By.ID, "send-btn").click()

    card = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".row.bot .flex")))
    parts = [s.get_attribute("data-part") for s in card.find_elements(By.CSS_SELECTOR, ":scope > .flex-section")]
    assert parts == ["header", "body", "footer"]
    header = card.find_element(By.CSS_SELECTOR, ".flex-section.header")
    assert "การแจ้งที่พักอาศัยของคนต่างด้าว (ตม.30)" in header.text
    assert header.value_of_css_property("background-color") == "rgba(11, 83, 148, 1)"  # the card's own colour
    body = card.find_element(By.CSS_SELECTOR, ".flex-section.body").text
    assert "24 ชั่วโมง" in body and "ที่มา: สำนักงานตรวจคนเข้าเมือง" in body and "พิมพ์หมายเลข" in body
    assert card.get_attribute("data-alt-text").startswith("คำตอบจาก @IAO เรื่อง")
    labels = [b.text for b in card.find_elements(By.CSS_SELECTOR, ".flex-section.footer button")]
    assert {"👍 ตรงคำถาม", "👎 ไม่ตรง", "English version", "ถามเจ้าหน้าที่"} <= set(labels)
    thumbs = next(b for b in card.find_elements(By.CSS_SELECTOR, ".flex-section.footer button")
                  if b.text == "👍 ตรงคำถาม")
    thumbs.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "chat"), "ขอบคุณสำหรับความคิดเห็น"))
    mine = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".row.user .bubble")]
    assert mine[-1] == "👍"  # the postback's displayText, shown as the user's message
    with bot_app.extensions["iao"].sessions() as session:
        votes = list(session.scalars(select(Interaction).where(Interaction.kind == "feedback")))
    assert [(v.outcome, v.entry_id) for v in votes] == [("feedback-up", "tm30-basics")]
