"""The directory file format: good files parse, bad rows are named, duplicates refused, exports are safe."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from handlers.directory.records import COLUMNS, DirectoryFileError, parse, to_csv, to_xlsx
from knowledge.missions import SEED_FILE

TODAY = dt.date(2026, 12, 2)  # the day the newest seed rows were checked


def row(**overrides: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(key="se-embassy-bangkok", kind="embassy", country_th="สวีเดน", country_en="Sweden",
                name_th="สถานเอกอัครราชทูตสวีเดน", name_en="Embassy of Sweden", aliases="สวีเดน|swedish|sweden",
                city="Bangkok", address_en="Test Road 1", phones="+66 2 000 0000",
                source_url="https://example.org/se", source_name="test", checked_on="2026-11-30")
    base.update(overrides)
    return base


def csv_of(*rows: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_seed_file_is_valid_and_every_row_cites_a_source() -> None:
    records = parse(SEED_FILE.read_bytes(), SEED_FILE.name, today=TODAY)
    assert len(records) >= 8
    assert all(r.source_url.startswith("http") and r.source_name and r.checked_on <= TODAY for r in records)
    assert all(r.phones or r.email or r.website for r in records)


def test_good_file() -> None:
    records = parse(csv_of(row(), row(key="se-consulate-x", kind="honorary-consulate", city="Phuket")), "a.csv",
                    today=TODAY)
    assert [r.key for r in records] == ["se-embassy-bangkok", "se-consulate-x"]
    assert records[0].checked_on == dt.date(2026, 11, 30)


def test_bad_rows_are_named_by_row_number() -> None:
    data = csv_of(row(), row(key="x-1", kind="palace", city="Chiang Mai"),
                  row(key="x-2", city="Songkhla", checked_on="2569-01-01", email="not-an-email"),
                  row(key="x-3", city="Phuket", source_url=""))
    with pytest.raises(DirectoryFileError) as caught:
        parse(data, "a.csv", today=TODAY)
    text = [str(p) for p in caught.value.problems]
    assert any(t.startswith("แถว 3:") and "kind" in t for t in text)
    assert any(t.startswith("แถว 4:") and "checked_on" in t for t in text)
    assert any(t.startswith("แถว 4:") and "email" in t for t in text)
    assert any(t.startswith("แถว 5:") and "source_url" in t for t in text)
    assert not any(t.startswith("แถว 2:") for t in text)


def test_duplicates_are_an_error() -> None:
    with pytest.raises(DirectoryFileError) as caught:
        parse(csv_of(row(), row(), row(key="other")), "a.csv", today=TODAY)
    text = [str(p) for p in caught.value.problems]
    assert any(t.startswith("แถว 3:") and "ซ้ำกับแถว 2" in t for t in text)
    assert any(t.startswith("แถว 4:") and "ซ้ำกับแถว 2" in t for t in text)  # same country, kind and city


def test_fields_are_capped_where_they_enter() -> None:
    with pytest.raises(DirectoryFileError) as caught:
        parse(csv_of(row(notes="x" * 1001)), "a.csv", today=TODAY)
    assert "notes ยาวเกิน 1000" in str(caught.value)


def test_missing_column_and_unknown_format() -> None:
    with pytest.raises(DirectoryFileError, match="ไม่มีคอลัมน์ .*source_url"):
        parse(b"key,kind\nx,embassy\n", "a.csv", today=TODAY)
    with pytest.raises(DirectoryFileError, match=".csv"):
        parse(b"whatever", "a.txt", today=TODAY)


@pytest.mark.parametrize("writer,name", [(to_csv, "x.csv"), (to_xlsx, "x.xlsx")])
def test_export_is_formula_safe_and_round_trips(writer, name: str) -> None:  # type: ignore[no-untyped-def]
    original = parse(csv_of(row(hours="=HYPERLINK(\"http://evil\")", notes="@SUM(A1)\x07 bell")), "a.csv",
                     today=TODAY)
    body = writer([r.values() for r in original])
    if name.endswith(".csv"):
        cells = body.decode("utf-8-sig")
        assert "'=HYPERLINK" in cells and "'+66 2 000 0000" in cells
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body)).worksheets[0]
        values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
        assert all(not str(v).startswith(("=", "+", "@")) for v in values if v)
        assert sheet["N2"].data_type == "s"
    again = parse(body, name, today=TODAY)
    assert [r.values() for r in again] == [r.values() for r in original]
