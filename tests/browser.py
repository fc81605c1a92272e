"""Steps every console browser test takes in Debian chromium: sign in, and wait for a text on the page."""

from __future__ import annotations

import time
from typing import Any


def sign_in(driver: Any, base_url: str, username: str, password: str) -> None:
    """Open the console's login page and sign in as an officer would (the form's own fields and button)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}/console/login")
    WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "login-button")))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-button").click()


def wait_for_text(driver: Any, text: str, timeout: float = 10.0) -> str:
    """The page source once `text` is on it; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = str(driver.page_source)
        if text in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not on the page")
