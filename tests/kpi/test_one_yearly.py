"""Issue 11: the yearly result form is built once (handlers/reports/yearly_pack.py): `report yearly` writes it
with its evidence files, and the console's download carries the same files (a ZIP of the same folder).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask import Flask

from tests.console.conftest import add_officer, login


def test_cli_and_console_give_the_same_evidence(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "iao-yearly-FY2570.pdf"
    result = app.test_cli_runner().invoke(args=["report", "yearly", "--fiscal-year", "2570", "--format", "pdf",
                                                "--output", str(output)])
    assert result.exit_code == 0, result.output
    from_cli = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert "iao-yearly-FY2570.pdf" in from_cli
    assert any(name.startswith("iao-yearly-FY2570_evidence/monthly-") for name in from_cli)
    assert {"iao-yearly-FY2570_evidence/survey-FY2570.csv", "iao-yearly-FY2570_evidence/chat-log-FY2570.csv",
            "iao-yearly-FY2570_evidence/published-FY2570.csv"} <= set(from_cli)

    add_officer(app)
    client = app.test_client()
    assert login(client).status_code == 302
    assert 'id="yearly-pack-pdf"' in client.get("/console/kpi?month=2026-10").get_data(as_text=True)
    response = client.get("/console/kpi/report/yearly-evidence/2570.pdf.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == from_cli  # the same form and the same evidence files
    assert archive.read("iao-yearly-FY2570.pdf").startswith(b"%PDF")
