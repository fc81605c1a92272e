"""The chat page, its static assets, and the command line entry point."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import requests

from linesim.client import SimClient

STATIC = pathlib.Path(__file__).resolve().parents[2] / "linesim" / "static"


def test_chat_page_serves_html_and_assets(sim: SimClient) -> None:
    page = requests.get(sim.base_url + "/", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'name="viewport"' in page.text and "/static/chat.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    js = requests.get(sim.base_url + "/static/chat.js", timeout=5)
    css = requests.get(sim.base_url + "/static/chat.css", timeout=5)
    assert js.status_code == 200 and css.status_code == 200
    assert "Noto Sans Thai" in css.text


def test_chat_script_never_uses_html_sinks() -> None:
    source = (STATIC / "chat.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source
    assert "cdn" not in source.lower() and "import " not in source


def test_chat_timeline_has_user_and_bot_entries(sim: SimClient) -> None:
    uid = sim.add_user("เจ้าหน้าที่เขตบางรัก")["userId"]
    sim.send_text(uid, "echo ตอบกลับ")
    data = requests.get(sim.base_url + "/_sim/chat", params={"userId": uid}, timeout=5).json()
    assert [e["via"] for e in data["entries"]] == ["user", "reply"]
    assert data["user"]["displayName"] == "เจ้าหน้าที่เขตบางรัก"


def test_command_line_prints_chat_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "linesim", "--port", "0", "--channel-secret", "S", "--access-token", "T",
         "--webhook-url", "http://127.0.0.1:9/callback"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "chat page http://127.0.0.1:" in line
        url = line.split("chat page ")[1].split()[0]
        assert requests.get(url, timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()
