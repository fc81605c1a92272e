"""Evidence for seed 001's component 5.2 (a database used in operations): its data dictionary and open data."""

from __future__ import annotations

import csv
import datetime as dt
import html
import inspect
import io
import json
import re
from dataclasses import dataclass
from typing import Any, cast

from openpyxl import Workbook
from sqlalchemy import Table
from sqlalchemy.orm import Session

from handlers.clock import BANGKOK
from handlers.kpi.counts import MonthlyCounts, compute_month, current_record
from handlers.kpi.periods import fiscal_year_months, month_key
from handlers.models import Base
from handlers.safe_text import safe_row, safe_text

# Columns that hold personal data (PDPA): named in the dictionary, never in the open data.
PERSONAL = {("line_users", "line_user_id"), ("line_users", "display_name"), ("interactions", "text"),
            ("interactions", "user_id"), ("officers", "username"), ("officers", "display_name"),
            ("officers", "password_hash"), ("handoff_answers", "text"), ("satisfaction_surveys", "comment"),
            ("audit_log", "remote_addr"), ("audit_log", "username"), ("webhook_queue", "payload"),
            ("attachments", "data"), ("attachments", "file_name"), ("attachments", "user_id"),
            ("club_registrations", "user_id"),
            ("kpi_activities", "recorded_by"), ("kpi_activity_evidence", "data")}  # officers; photos of people
_COMMENT = re.compile(r"^\s+(\w+): Mapped\[.*#\s*(.+)$")
OPEN_FIELDS = ("month", "fiscal_year_be", "district_code", "district_name_th", "district_name_en",
               "district_group_th", "registered_users", "questions", "active", "source")
DATASET_TH = "สถิติการใช้บริการบัญชีไลน์ @IAO รายเดือน แยกตามสำนักงานเขต"
LICENSE = "Open Data Common (ข้อมูลเปิดภาครัฐ)"


@dataclass(frozen=True)
class ColumnDoc:
    """One row of the data dictionary."""

    table: str
    table_doc: str
    column: str
    type: str
    nullable: bool
    primary_key: bool
    foreign_key: str
    personal: bool
    description: str


def _comments(cls: type) -> dict[str, str]:
    """The `# ...` comments beside a model's columns: the developers' own description of each."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    return {m.group(1): m.group(2).strip() for m in map(_COMMENT.match, source.splitlines()) if m}


def data_dictionary() -> list[ColumnDoc]:
    """Every table and column of the models (the schema Alembic migrates), with docstrings and comments."""
    rows: list[ColumnDoc] = []
    for mapper in sorted(Base.registry.mappers, key=lambda m: cast(Table, m.local_table).name):
        cls, table = mapper.class_, cast(Table, mapper.local_table)  # a declarative model maps one Table
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        comments = _comments(cls)
        for column in table.columns:
            attribute = next((p.key for p in mapper.column_attrs if column in p.columns), column.name)
            rows.append(ColumnDoc(
                table=table.name, table_doc=doc, column=column.name, type=str(column.type),
                nullable=bool(column.nullable), primary_key=bool(column.primary_key),
                foreign_key=", ".join(f.target_fullname for f in column.foreign_keys),
                personal=(table.name, column.name) in PERSONAL,
                description=comments.get(attribute, "")))
    return rows


DICT_HEADERS = ("ตาราง (table)", "คอลัมน์ (column)", "ชนิด (type)", "ว่างได้ (nullable)", "คีย์หลัก (PK)",
                "อ้างอิง (FK)", "ข้อมูลส่วนบุคคล", "คำอธิบาย")


def _dict_row(c: ColumnDoc) -> list[object]:
    return [c.table, c.column, c.type, "ได้" if c.nullable else "ไม่ได้", "ใช่" if c.primary_key else "",
            c.foreign_key, "ใช่" if c.personal else "", c.description]


def dictionary_markdown(rows: list[ColumnDoc]) -> str:
    """The dictionary as Markdown: a section per table with its docstring."""
    out = ["# พจนานุกรมข้อมูล (data dictionary) ของระบบ @IAO", "",
           "สร้างจากโมเดล SQLAlchemy ของระบบโดยอัตโนมัติ (คอลัมน์ที่ระบุว่าเป็นข้อมูลส่วนบุคคลไม่เผยแพร่)", ""]
    for table in dict.fromkeys(r.table for r in rows):
        cols = [r for r in rows if r.table == table]
        out += [f"## `{table}`", "", cols[0].table_doc, "", "| " + " | ".join(DICT_HEADERS[1:]) + " |",
                "|" + "---|" * (len(DICT_HEADERS) - 1)]
        out += ["| " + " | ".join(str(v).replace("|", "\\|") for v in _dict_row(c)[1:]) + " |" for c in cols]
        out.append("")
    return "\n".join(out)


def dictionary_html(rows: list[ColumnDoc]) -> str:
    """The dictionary as one HTML page (escaped)."""
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in _dict_row(c)) + "</tr>" for c in rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in DICT_HEADERS)
    return ("<!doctype html><html lang=\"th\"><meta charset=\"utf-8\"><title>พจนานุกรมข้อมูล @IAO</title>"
            f"<h1>พจนานุกรมข้อมูล (data dictionary) ของระบบ @IAO</h1><table border=\"1\"><tr>{head}</tr>{body}"
            "</table></html>")


def dictionary_xlsx(rows: list[ColumnDoc]) -> bytes:
    """The dictionary as a spreadsheet, one row per column, cells made safe."""
    book = Workbook()
    sheet = book.active
    sheet.title = "data dictionary"
    sheet.append(list(DICT_HEADERS))
    for c in rows:
        sheet.append(safe_row(_dict_row(c)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def open_data_rows(session: Session, be_year: int, now: dt.datetime) -> list[dict[str, Any]]:
    """One row per begun month per district: counts only, from the closed record (else computed now)."""
    today = now.astimezone(BANGKOK).date()
    rows: list[dict[str, Any]] = []
    for year, month in fiscal_year_months(be_year):
        if dt.date(year, month, 1) > today:
            break
        record = current_record(session, month_key(year, month))
        counts = MonthlyCounts.from_dict(record.figures) if record else compute_month(session, year, month)
        source = f"closed v{record.version}" if record else "provisional"
        for d in counts.by_district:
            rows.append({"month": counts.month, "fiscal_year_be": counts.fiscal_year, "district_code": d["code"],
                         "district_name_th": d["name_th"], "district_name_en": d["name_en"],
                         "district_group_th": d["group_th"], "registered_users": d["registered_users"],
                         "questions": d["questions"], "active": bool(d["active"]), "source": source})
    return rows


def open_data_csv(rows: list[dict[str, Any]]) -> str:
    """UTF-8 CSV with a header row (the portal's usual upload form)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(OPEN_FIELDS)
    for row in rows:
        writer.writerow(safe_row(row[f] for f in OPEN_FIELDS))
    return buffer.getvalue()


def open_data_json(rows: list[dict[str, Any]], be_year: int, now: dt.datetime) -> str:
    """JSON with the metadata a portal asks for (title, publisher, licence, fields) and the rows."""
    return json.dumps({
        "title": DATASET_TH, "publisher": "สำนักงานการต่างประเทศ สำนักปลัดกรุงเทพมหานคร",
        "fiscal_year_be": be_year, "license": LICENSE, "generated_at": now.astimezone(BANGKOK).isoformat(
            timespec="seconds"), "personal_data": "none: counts per district and month only",
        "fields": list(OPEN_FIELDS), "rows": [{k: (safe_text(v) if isinstance(v, str) else v)
                                               for k, v in r.items()} for r in rows],
    }, ensure_ascii=False, indent=2)
