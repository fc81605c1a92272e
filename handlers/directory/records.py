"""The directory's file format (CSV or XLSX, one row per mission): read, validate every row, and write safely."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from knowledge.missions import KINDS

COLUMNS = ("key", "kind", "country_th", "country_en", "name_th", "name_en", "aliases", "city", "address_th",
           "address_en", "phones", "email", "website", "hours", "notes", "source_url", "source_name", "checked_on")
REQUIRED = ("key", "kind", "country_th", "country_en", "name_th", "name_en", "city", "source_url", "source_name",
            "checked_on")
CONTACT_FIELDS = ("address_th", "address_en", "phones", "email", "website")
# every string from a file is bounded here, where it enters (the same caps as the table's columns)
MAX_LENGTH = {
    "key": 64, "kind": 32, "country_th": 120, "country_en": 120, "name_th": 200, "name_en": 200, "aliases": 2000,
    "city": 64, "address_th": 500, "address_en": 500, "phones": 300, "email": 200, "website": 300, "hours": 500,
    "notes": 1000, "source_url": 500, "source_name": 200, "checked_on": 10,
}
MAX_FILE_BYTES = 2_000_000
MAX_ROWS = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[a-z]{2,}$", re.IGNORECASE)
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
PHONE_RE = re.compile(r"^[0-9+()\-./ ;,]*[0-9][0-9+()\-./ ;,A-Za-z\u0e00-\u0e7f]*$")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class MissionRecord:
    """One row of the directory file, validated: what the table stores for a mission."""

    key: str
    kind: str
    country_th: str
    country_en: str
    name_th: str
    name_en: str
    aliases: str
    city: str
    address_th: str
    address_en: str
    phones: str
    email: str
    website: str
    hours: str
    notes: str
    source_url: str
    source_name: str
    checked_on: dt.date

    def values(self) -> dict[str, object]:
        """The record as column -> value (what the table and the export take)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row: its row number in the file (the header is row 1) and the reason, in Thai."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"แถว {self.row}: {self.message}"


class DirectoryFileError(ValueError):
    """The file cannot be imported; `problems` names every bad row."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:20]))


def read_file(data: bytes, filename: str) -> list[dict[str, str]]:
    """The raw rows of a CSV or XLSX file (by its name), as column -> text; a file in neither form is an error."""
    if len(data) > MAX_FILE_BYTES:
        raise DirectoryFileError([RowProblem(0, f"ไฟล์ใหญ่เกิน {MAX_FILE_BYTES // 1_000_000} MB")])
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if filename.lower().endswith(".csv"):
        return _read_csv(data)
    raise DirectoryFileError([RowProblem(0, "รับเฉพาะไฟล์ .csv หรือ .xlsx")])


def _read_csv(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DirectoryFileError([RowProblem(0, "ไฟล์ CSV ต้องเข้ารหัส UTF-8")]) from None
    reader = csv.reader(io.StringIO(text))
    return _rows(list(reader))


def _read_xlsx(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise DirectoryFileError([RowProblem(0, "เปิดไฟล์ XLSX ไม่ได้ (ไฟล์เสียหรือไม่ใช่ XLSX)")]) from None
    sheet = workbook.worksheets[0]
    table = []
    for count, row in enumerate(sheet.iter_rows(values_only=True)):
        if count > MAX_ROWS + 1:
            break
        table.append(["" if v is None else (v.isoformat()[:10] if isinstance(v, dt.date) else str(v))
                      for v in row])
    workbook.close()
    return _rows(table)


def _rows(table: list[list[str]]) -> list[dict[str, str]]:
    """Header row to column names; the other rows as dicts (blank lines skipped, row numbers kept)."""
    if not table:
        raise DirectoryFileError([RowProblem(1, "ไฟล์ว่าง ไม่มีแถวหัวตาราง")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DirectoryFileError([RowProblem(1, "ไม่มีคอลัมน์ " + ", ".join(missing))])
    if len(table) - 1 > MAX_ROWS:
        raise DirectoryFileError([RowProblem(0, f"มีเกิน {MAX_ROWS} แถว")])
    rows = []
    for number, cells in enumerate(table[1:], 2):
        if not any(str(c).strip() for c in cells):
            continue
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS}
        row["__row__"] = str(number)
        rows.append(row)
    return rows


def _clean(value: str) -> str:
    """One cell as stored: control characters dropped, the export's formula guard undone, spaces trimmed."""
    value = _CONTROL.sub("", str(value)).strip()
    if value.startswith("'") and value[1:2] in FORMULA_START:
        value = value[1:]
    return value


def validate(rows: Iterable[dict[str, str]], *, today: dt.date | None = None) -> tuple[list[MissionRecord],
                                                                                         list[RowProblem]]:
    """Every row checked; the records of the good rows and one problem per bad field (duplicates included)."""
    today = today or dt.date.today()
    records: list[MissionRecord] = []
    problems: list[RowProblem] = []
    seen_keys: dict[str, int] = {}
    seen_places: dict[tuple[str, str, str], int] = {}
    for raw in rows:
        number = int(raw.get("__row__", "0"))
        values: dict[str, Any] = {c: _clean(raw.get(c, "")) for c in COLUMNS}
        row_problems = _check(values, today)
        key = values["key"].lower()
        if key and key in seen_keys:
            row_problems.append(f"รหัส (key) \"{key[:64]}\" ซ้ำกับแถว {seen_keys[key]}")
        place = (values["country_en"].lower(), values["kind"], values["city"].lower())
        if all(place) and place in seen_places:
            row_problems.append(f"{values['kind']} ของ {values['country_en'][:60]} ใน {values['city'][:40]} "
                                f"ซ้ำกับแถว {seen_places[place]}")
        seen_keys.setdefault(key, number)
        seen_places.setdefault(place, number)
        if row_problems:
            problems.extend(RowProblem(number, p) for p in row_problems)
            continue
        values["key"] = key
        records.append(MissionRecord(**{**values, "checked_on": dt.date.fromisoformat(values["checked_on"])}))
    return records, problems


def _check(values: dict[str, str], today: dt.date) -> list[str]:
    """The problems of one row's fields, in Thai for the officer."""
    out = []
    for name in COLUMNS:
        if len(values[name]) > MAX_LENGTH[name]:
            out.append(f"{name} ยาวเกิน {MAX_LENGTH[name]} ตัวอักษร")
    for name in REQUIRED:
        if not values[name]:
            out.append(f"ต้องกรอก {name}")
    if values["key"] and not KEY_RE.match(values["key"].lower()):
        out.append("key ใช้ได้เฉพาะ a-z 0-9 และ - (2–64 ตัว) เช่น jp-embassy-bangkok")
    if values["kind"] and values["kind"] not in KINDS:
        out.append(f"kind ต้องเป็นหนึ่งใน {', '.join(KINDS)}")
    if values["kind"] != "non-resident" and not any(values[f] for f in CONTACT_FIELDS):
        out.append("ต้องมีช่องทางติดต่ออย่างน้อยหนึ่งอย่าง (ที่อยู่ โทรศัพท์ อีเมล หรือเว็บไซต์)")
    if values["email"] and not EMAIL_RE.match(values["email"]):
        out.append("email ไม่ถูกรูปแบบ")
    for name in ("website", "source_url"):
        if values[name] and not URL_RE.match(values[name]):
            out.append(f"{name} ต้องขึ้นต้นด้วย http:// หรือ https://")
    if values["phones"] and not PHONE_RE.match(values["phones"]):
        out.append("phones ต้องเป็นหมายเลขโทรศัพท์ คั่นหลายหมายเลขด้วย ;")
    if values["checked_on"]:
        try:
            checked = dt.date.fromisoformat(values["checked_on"])
        except ValueError:
            out.append("checked_on ต้องเป็นวันที่แบบ YYYY-MM-DD (ค.ศ.)")
        else:
            if checked > today:
                out.append("checked_on เป็นวันในอนาคต")
            elif checked.year < 1990:
                out.append("checked_on เก่าเกินไป (ใช้ปี ค.ศ. ไม่ใช่ พ.ศ.?)")
    return out


def parse(data: bytes, filename: str, *, today: dt.date | None = None) -> list[MissionRecord]:
    """Read and validate a whole file; DirectoryFileError names every bad row and nothing is returned then."""
    records, problems = validate(read_file(data, filename), today=today)
    if problems:
        raise DirectoryFileError(problems)
    return records


# ----------------------------------------------------------------------------- writing
def _safe(value: object) -> str:
    """A cell as exported: text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_rows(records: Iterable[dict[str, object]]) -> Iterator[list[str]]:
    """The header and one safe row per mission, in the file format's column order."""
    yield list(COLUMNS)
    for record in records:
        yield [_safe(record.get(c, "")) for c in COLUMNS]


def to_csv(records: Iterable[dict[str, object]]) -> bytes:
    """The directory as CSV, UTF-8 with a BOM so Excel shows Thai."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(export_rows(records))
    return buffer.getvalue().encode("utf-8")


def to_xlsx(records: Iterable[dict[str, object]]) -> bytes:
    """The directory as an Excel workbook, control characters XML cannot hold removed."""
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="missions")
    for row in export_rows(records):
        sheet.append([_ILLEGAL_XML.sub("", cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
