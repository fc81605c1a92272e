"""The directory's one implementation of each use case: seed, import, export, edit with audit, and look up.

The CLI, the console and the conversation all call these; none of them commits (the caller owns the
transaction), and nothing here talks to the network.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from handlers.clock import BANGKOK, utcnow
from handlers.directory.models import Mission, MissionChange
from handlers.directory.records import (
    COLUMNS,
    DirectoryFileError,
    MissionRecord,
    RowProblem,
    parse,
    to_csv,
    to_xlsx,
    validate,
)
from handlers.reports.thai import date_th
from knowledge.missions import KIND_EN, KIND_TH, SEED_FILE, DirectoryMatcher, DirectoryRequest, MissionRef

STALE_AFTER = dt.timedelta(days=365)
EDITABLE = tuple(c for c in COLUMNS if c != "key")


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary_th(self) -> str:
        verb = "จะ" if self.dry_run else ""
        return (f"{verb}เพิ่ม {len(self.created)} แห่ง {verb}แก้ไข {len(self.updated)} แห่ง "
                f"ไม่เปลี่ยน {len(self.unchanged)} แห่ง")


def today_bangkok() -> dt.date:
    """Today's date in Bangkok (checked-on dates are Bangkok calendar days)."""
    return dt.datetime.now(BANGKOK).date()


def is_stale(mission: Mission, today: dt.date | None = None) -> bool:
    """A row not checked for over a year: the console warns and the card asks the reader to confirm."""
    return (today or today_bangkok()) - mission.checked_on > STALE_AFTER


def _value_of(mission: Mission, name: str) -> object:
    return getattr(mission, name)


def _record_change(session: Session, mission: Mission, *, username: str, via: str, action: str,
                   changes: dict[str, tuple[object, object]]) -> None:
    """One line of the audit trail, in the caller's transaction."""
    session.add(MissionChange(
        mission_id=mission.id, occurred_at=utcnow(), username=username[:40], via=via, action=action,
        changes=json.dumps({k: [_jsonable(a), _jsonable(b)] for k, (a, b) in changes.items()}, ensure_ascii=False),
    ))


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _apply(session: Session, record: MissionRecord, *, username: str, via: str,
           existing: Mission | None) -> str:
    """Create or update one mission from a record, with its audit line; returns created/updated/unchanged."""
    values = record.values()
    if existing is None:
        mission = Mission(**values, updated_at=utcnow(), updated_by=username[:40])
        session.add(mission)
        session.flush()
        _record_change(session, mission, username=username, via=via, action="create",
                       changes={k: (None, v) for k, v in values.items() if v not in ("", None)})
        return "created"
    changes = {k: (_value_of(existing, k), v) for k, v in values.items()
               if k != "key" and _value_of(existing, k) != v}
    if not changes:
        return "unchanged"
    for name, (_, after) in changes.items():
        setattr(existing, name, after)
    existing.updated_at = utcnow()
    existing.updated_by = username[:40]
    session.flush()
    _record_change(session, existing, username=username, via=via, action="update", changes=changes)
    return "updated"


# ----------------------------------------------------------------------------- seed, import, export
def seed_missions(session: Session) -> int:
    """Insert the shipped seed rows whose key is absent; an officer's edit of a row is never overwritten."""
    records = parse(SEED_FILE.read_bytes(), SEED_FILE.name, today=today_bangkok())
    known = set(session.scalars(select(Mission.key)))
    added = 0
    for record in records:
        if record.key not in known:
            _apply(session, record, username="seed", via="seed", existing=None)
            added += 1
    return added


def import_file(session: Session, data: bytes, filename: str, *, username: str,
                dry_run: bool = False) -> ImportResult:
    """Validate every row, then create or update missions by key; one bad row and nothing changes."""
    records = parse(data, filename, today=today_bangkok())  # raises DirectoryFileError naming every bad row
    existing = {m.key: m for m in session.scalars(select(Mission).where(Mission.key.in_([r.key for r in records])))}
    result = ImportResult(dry_run=dry_run)
    for record in records:
        mission = existing.get(record.key)
        if dry_run:
            outcome = "created" if mission is None else (
                "unchanged" if all(_value_of(mission, k) == v for k, v in record.values().items()) else "updated")
        else:
            outcome = _apply(session, record, username=username, via="import", existing=mission)
        getattr(result, outcome).append(record.key)
    return result


def all_missions(session: Session) -> list[Mission]:
    """Every mission, by country then kind then city."""
    return list(session.scalars(select(Mission).order_by(Mission.country_en, Mission.kind, Mission.city)))


def export_file(session: Session, fmt: str) -> bytes:
    """The directory in the import format (CSV or XLSX), cells safe for spreadsheets."""
    rows = [{c: getattr(m, c) for c in COLUMNS} for m in all_missions(session)]
    if fmt == "xlsx":
        return to_xlsx(rows)
    if fmt == "csv":
        return to_csv(rows)
    raise ValueError("format must be csv or xlsx")


# ----------------------------------------------------------------------------- console
def search(session: Session, query: str = "", *, limit: int = 500) -> list[Mission]:
    """Missions whose names, aliases or city contain the query (all of them for an empty query)."""
    stmt = select(Mission).order_by(Mission.country_en, Mission.kind, Mission.city).limit(limit)
    term = query.strip()[:100]
    if term:
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(func.lower(col).like(like.lower(), escape="\\") for col in (
            Mission.name_th, Mission.name_en, Mission.country_th, Mission.country_en, Mission.aliases,
            Mission.city, Mission.key))))
    return list(session.scalars(stmt))


def get_mission(session: Session, mission_id: int) -> Mission | None:
    return session.get(Mission, mission_id)


def update_mission(session: Session, mission: Mission, form: dict[str, str], *, username: str) -> str:
    """An officer's edit from the console: validated like an import row, audited; returns the outcome."""
    row = {c: str(form.get(c, ""))[:5000] for c in EDITABLE}
    row["key"] = mission.key
    row["__row__"] = "2"
    records, problems = validate([row], today=today_bangkok())
    if problems:
        raise DirectoryFileError([RowProblem(0, p.message) for p in problems])
    clash = session.scalars(select(Mission).where(
        Mission.id != mission.id, func.lower(Mission.country_en) == records[0].country_en.lower(),
        Mission.kind == records[0].kind, func.lower(Mission.city) == records[0].city.lower())).first()
    if clash is not None:
        raise DirectoryFileError([RowProblem(0, f"ซ้ำกับ {clash.key} (ประเทศ ประเภท และเมืองเดียวกัน)")])
    return _apply(session, records[0], username=username, via="console", existing=mission)


def history(session: Session, mission_id: int) -> list[tuple[MissionChange, dict[str, list[object]]]]:
    """A mission's audit trail, newest first, with each change's fields decoded."""
    rows = session.scalars(select(MissionChange).where(MissionChange.mission_id == mission_id)
                           .order_by(MissionChange.id.desc()))
    return [(row, json.loads(row.changes)) for row in rows]


# ----------------------------------------------------------------------------- lookup and the card
def mission_ref(mission: Mission | MissionRecord) -> MissionRef:
    """What the matcher needs of a row or of a file record (they share these fields)."""
    names = (mission.country_th, mission.country_en, *(a for a in mission.aliases.split("|") if a.strip()))
    return MissionRef(mission.key, mission.kind, mission.city, tuple(n.strip() for n in names if n.strip()))


_SIGNATURE = select(func.count(Mission.id), func.max(Mission.updated_at))  # read on every message: built once


class DirectoryLookup:
    """Reads directory requests against the table; the matcher is rebuilt only when the rows change."""

    def __init__(self) -> None:
        self._signature: tuple[object, ...] | None = None
        self._matcher = DirectoryMatcher(())

    def matcher(self, session: Session) -> DirectoryMatcher:
        """The matcher over the rows in force now (an edit in another worker shows at the next message)."""
        signature = tuple(session.execute(_SIGNATURE).one())
        if signature != self._signature:
            self._matcher = DirectoryMatcher(mission_ref(m) for m in session.scalars(select(Mission)))
            self._signature = signature
        return self._matcher

    def read(self, session: Session, text: str) -> tuple[DirectoryRequest, list[Mission]] | None:
        """The request in a message and its missions (in order), or None when it is not a directory request."""
        request = self.matcher(session).read(text)
        if request is None:
            return None
        keys = [ref.key for ref in request.candidates]
        by_key = {m.key: m for m in session.scalars(select(Mission).where(Mission.key.in_(keys)))} if keys else {}
        return request, [by_key[k] for k in keys if k in by_key]


def card_text(mission: Mission, *, english: bool = False, today: dt.date | None = None) -> str:
    """The answer a district officer reads: names, contacts, hours, the source and when it was checked."""
    phones = "; ".join(p.strip() for p in mission.phones.split(";") if p.strip())
    if english:
        lines = [mission.name_en, f"({mission.name_th})", f"Type: {KIND_EN.get(mission.kind, mission.kind)}"]
        address = mission.address_en or mission.address_th
        labels = ("Address", "Phone", "E-mail", "Website", "Hours", "Note", "Source", "Last checked")
        checked = f"{mission.checked_on.day} {mission.checked_on.strftime('%B %Y')}"
    else:
        lines = [mission.name_th, f"({mission.name_en})", f"ประเภท: {KIND_TH.get(mission.kind, mission.kind)}"]
        address = mission.address_th or mission.address_en
        labels = ("ที่อยู่", "โทร", "อีเมล", "เว็บไซต์", "เวลาทำการ", "หมายเหตุ", "แหล่งข้อมูล", "ตรวจสอบล่าสุด")
        checked = date_th(mission.checked_on)
    if mission.kind != "international-organisation" and mission.city:
        lines[2] += f" · {mission.city}"
    for label, value in zip(labels[:6], (address, phones, mission.email, mission.website, mission.hours,
                                         mission.notes), strict=True):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(f"{labels[6]}: {mission.source_name} {mission.source_url}")
    lines.append(f"{labels[7]}: {checked}")
    if is_stale(mission, today):
        lines.append("⚠️ Checked over a year ago: please confirm by phone before relying on it."
                     if english else "⚠️ ข้อมูลตรวจสอบไว้นานกว่า 1 ปี โปรดโทรยืนยันก่อนใช้")
    return "\n".join(lines)


def choice_label(mission: Mission, *, english: bool = False) -> str:
    """How a mission is named in a list of choices: kind and city ("สถานกงสุลใหญ่ · Chiang Mai")."""
    kind = KIND_EN.get(mission.kind, mission.kind) if english else KIND_TH.get(mission.kind, mission.kind)
    country = mission.country_en if english else mission.country_th
    return f"{kind} {country} · {mission.city}"
