"""Reading the chat log: per-user transcripts, search, and a month's export as evidence (CSV, XLSX)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from handlers.clock import BANGKOK
from handlers.kpi.periods import month_days, parse_month
from handlers.models import District, Interaction, LineUser
from handlers.safe_text import safe_cell

SEARCH_LIMIT = 200

EXPORT_COLUMNS = (
    "id", "time_bangkok", "day", "user", "display_name", "district_code", "district", "direction", "kind",
    "text", "outcome", "answered_by", "entry_id", "category", "handoff", "in_reply_to_id", "delivery",
)


@dataclass(frozen=True)
class UserSummary:
    """A LINE user in the conversation list: who, which district, how much and how recently."""

    user: LineUser
    district: District | None
    messages: int
    last_at: dt.datetime | None


def pseudonym(line_user_id: str, secret: str) -> str:
    """A stable stand-in for a LINE user id (HMAC-SHA256 with the app's secret): rows of one user stay linked."""
    digest = hmac.new(secret.encode(), line_user_id.encode(), hashlib.sha256).hexdigest()
    return f"u-{digest[:16]}"


def _like(term: str) -> str:
    """A LIKE pattern that matches `term` literally (% and _ escaped)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_users(session: Session, *, query: str = "", district_id: int | None = None,
               limit: int = 200) -> list[UserSummary]:
    """Users with their message count and last activity, most recent first; `query` matches the name."""
    stats = (select(Interaction.user_id, func.count().label("n"), func.max(Interaction.occurred_at).label("last"))
             .where(Interaction.user_id.is_not(None)).group_by(Interaction.user_id).subquery())
    stmt = (select(LineUser, stats.c.n, stats.c.last).join(stats, stats.c.user_id == LineUser.id)
            .order_by(stats.c.last.desc()).limit(limit))
    if query.strip():
        stmt = stmt.where(LineUser.display_name.ilike(_like(query.strip()), escape="\\"))
    if district_id:
        stmt = stmt.where(LineUser.district_id == district_id)
    rows = session.execute(stmt).all()
    return [UserSummary(user, user.district, int(n), _aware(last)) for user, n, last in rows]


def _aware(value: object) -> dt.datetime | None:
    """max() over a UTC column comes back naive on some databases: make it aware UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def get_user(session: Session, user_id: int) -> LineUser | None:
    """One LINE user by database id."""
    return session.get(LineUser, user_id)


def transcript(session: Session, user_id: int, *, limit: int = 500) -> list[Interaction]:
    """One user's conversation in order (the newest `limit` lines)."""
    rows = session.scalars(select(Interaction).where(Interaction.user_id == user_id)
                           .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def search(session: Session, term: str, *, limit: int = SEARCH_LIMIT) -> list[tuple[Interaction, LineUser | None]]:
    """Log lines whose text contains `term` (case-insensitive), newest first, with their user."""
    term = term.strip()
    if not term:
        return []
    rows = session.execute(
        select(Interaction, LineUser).outerjoin(LineUser, LineUser.id == Interaction.user_id)
        .where(or_(Interaction.text.ilike(_like(term), escape="\\"),
                   Interaction.entry_id.ilike(_like(term), escape="\\")))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit)
    ).all()
    return [(row, user) for row, user in rows]


def districts(session: Session) -> list[District]:
    """The 50 district offices, for the filter."""
    return list(session.scalars(select(District).order_by(District.name_th)))


# ----------------------------------------------------------------------------- export
def month_range(month: str) -> tuple[dt.date, dt.date]:
    """First and last Bangkok day of a "YYYY-MM" month; MonthError (a ValueError) on anything else."""
    return month_days(*parse_month(month))


def export_rows(session: Session, month: str, *, secret: str, real_ids: bool = False,
                batch: int = 2000) -> Iterator[tuple[object, ...]]:
    """The month's log lines as rows of EXPORT_COLUMNS; user ids pseudonymised and names left out unless real_ids."""
    first, last = month_range(month)
    district_by_id = {d.id: d for d in session.scalars(select(District))}
    stmt = (select(Interaction, LineUser.line_user_id, LineUser.display_name)
            .outerjoin(LineUser, LineUser.id == Interaction.user_id)
            .where(Interaction.bkk_day >= first, Interaction.bkk_day <= last)
            .order_by(Interaction.occurred_at, Interaction.id)
            .execution_options(yield_per=batch))
    for row, line_user_id, display_name in session.execute(stmt):
        district = district_by_id.get(row.district_id) if row.district_id else None
        if line_user_id is None:
            who = ""
        else:
            who = line_user_id if real_ids else pseudonym(line_user_id, secret)
        yield tuple(safe_cell(v) for v in (
            row.id, row.occurred_at.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M:%S"), row.bkk_day.isoformat(),
            who, (display_name or "") if real_ids else "", district.code if district else "",
            district.name_th if district else "", row.direction, row.kind, row.text or "", row.outcome or "",
            row.answered_by or "", row.entry_id or "", row.category or "", int(bool(row.handoff)),
            row.in_reply_to_id or "", row.delivery or "",
        ))


def export_csv(session: Session, month: str, *, secret: str, real_ids: bool = False) -> Iterator[bytes]:
    """The month as CSV, UTF-8 with a BOM so Excel shows Thai, streamed in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    for count, row in enumerate(export_rows(session, month, secret=secret, real_ids=real_ids), 1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def export_xlsx(session: Session, month: str, *, secret: str, real_ids: bool = False) -> bytes:
    """The month as an Excel workbook (write-only mode keeps memory flat on a big month)."""
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=f"chat-log {month}")
    sheet.append(list(EXPORT_COLUMNS))
    for row in export_rows(session, month, secret=secret, real_ids=real_ids):
        sheet.append(list(row))  # export_rows made every cell safe
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

