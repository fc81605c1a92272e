"""Photos and files users send (a passport page, a foreign certificate): checked, capped, kept with the hand-off.

The content lives in the database, in the `attachments` row of the inbound log line it came with, so it is
written, forgotten and expired in the same transaction as the message text, backed up with the same pg_dump,
and served by whichever worker process an officer reaches. Only the types officers can open safely are kept:
JPEG, PNG, GIF, WebP and PDF, recognised by their first bytes (never by a name or a declared type).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import ColumnElement, ForeignKey, Integer, LargeBinary, String, func, select, update
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from handlers.chat.events import FetchedContent
from handlers.clock import BANGKOK, utcnow
from handlers.models import Base, BigId, UtcDateTime
from handlers.transactions import changed_rows

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # ATTACHMENT_MAX_BYTES: a phone photo of a page is 1-4 MB
CONTENT_KINDS = ("image", "file", "video", "audio")  # LINE message types whose content is on the data host
FILE_NAME_MAX = 200
KIND_TH = {"image": "รูปภาพ", "file": "ไฟล์", "video": "วิดีโอ", "audio": "ข้อความเสียง", "sticker": "สติกเกอร์",
           "location": "ตำแหน่งที่ตั้ง"}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
ACCEPTED_TH = "รูปภาพ (JPEG, PNG, GIF, WebP) หรือไฟล์ PDF"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
              "application/pdf": "pdf"}
# status: stored (content kept) | too_large | unsupported (refused, nothing kept) | failed (LINE did not give it)
# | deleted (kept once, removed by `user forget` or the retention rule)
STORED, TOO_LARGE, UNSUPPORTED, FAILED, DELETED = "stored", "too_large", "unsupported", "failed", "deleted"


class Attachment(Base):
    """The content of one inbound image, file, video or audio message, or why there is none."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("line_users.id"), index=True)
    message_type: Mapped[str] = mapped_column(String(16))  # LINE's message type: image, file, video, audio
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))  # why not stored, for officers (no personal data)
    content_type: Mapped[str | None] = mapped_column(String(64))  # from the magic bytes, never from the sender
    file_name: Mapped[str | None] = mapped_column(String(FILE_NAME_MAX))  # the sender's name for a file message
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # loaded only when served or exported
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    @property
    def is_image(self) -> bool:
        """Whether the console may show it inline (an <img>); anything else is a download."""
        return self.status == STORED and self.content_type in IMAGE_TYPES

    @property
    def download_name(self) -> str:
        """A name for the saved file made only of our own words (the sender's name never enters a header)."""
        return f"iao-attachment-{self.id}.{EXTENSIONS.get(self.content_type or '', 'bin')}"

    @property
    def status_th(self) -> str:
        """What officers read about it, in Thai."""
        return status_th(self)


def sniff(data: bytes) -> str | None:
    """The content type the first bytes prove, or None for anything outside the accepted five."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether content may be kept: `status` STORED with its type, else why not."""

    status: str
    content_type: str | None = None
    reason: str | None = None


def check(data: bytes | None, max_bytes: int) -> Verdict:
    """The size cap first (nothing over it is inspected further), then the type by magic bytes."""
    if data is None or not data:
        return Verdict(FAILED, reason="empty content")
    if len(data) > max_bytes:
        return Verdict(TOO_LARGE, reason=f"larger than {max_bytes} bytes")
    found = sniff(data)
    if found is None:
        return Verdict(UNSUPPORTED, reason="not JPEG, PNG, GIF, WebP or PDF")
    return Verdict(STORED, content_type=found)


def _bounded_name(name: str | None) -> str | None:
    """The sender's file name, bounded and without control characters (it is shown, never trusted)."""
    if not name:
        return None
    cleaned = "".join(ch for ch in name if ch.isprintable()).strip()
    return cleaned[:FILE_NAME_MAX] or None


def record(session: Session, *, interaction_id: int, user_id: int | None, message_type: str,
           fetched: FetchedContent | None, max_bytes: int, file_name: str | None = None) -> Attachment:
    """Store what the worker fetched (or why it could not) against the inbound log line, in the caller's unit."""
    if fetched is None:
        verdict = Verdict(FAILED, reason="not fetched")
    elif fetched.error:
        status = TOO_LARGE if fetched.error == "too-large" else FAILED
        verdict = Verdict(status, reason=fetched.error[:200])
    else:
        verdict = check(fetched.data, max_bytes)
    data = fetched.data if fetched is not None and verdict.status == STORED else None
    row = Attachment(
        interaction_id=interaction_id, user_id=user_id, message_type=message_type[:16], status=verdict.status,
        reason=verdict.reason, content_type=verdict.content_type, file_name=_bounded_name(file_name),
        size=len(data) if data is not None else (fetched.size if fetched is not None else None),
        sha256=hashlib.sha256(data).hexdigest() if data is not None else None, data=data, created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def status_th(row: Attachment) -> str:
    """One Thai line for officers: what the file is, or why it is not here."""
    kind = KIND_TH.get(row.message_type, row.message_type)
    if row.status == STORED:
        size = f"{(row.size or 0) / 1024:,.0f} KB" if (row.size or 0) < 1024 * 1024 else \
            f"{(row.size or 0) / 1024 / 1024:,.1f} MB"
        return f"{kind} {EXTENSIONS.get(row.content_type or '', '').upper()} {size}"
    if row.status == TOO_LARGE:
        return f"{kind}: ใหญ่เกินขนาดที่รับได้ จึงไม่ได้เก็บไว้ (ผู้ใช้ได้รับแจ้งแล้ว)"
    if row.status == UNSUPPORTED:
        return f"{kind}: ไม่ใช่{ACCEPTED_TH} จึงไม่ได้เก็บไว้ (ผู้ใช้ได้รับแจ้งแล้ว)"
    if row.status == DELETED:
        return f"{kind}: ลบแล้วตามระยะเวลาเก็บข้อมูลหรือตามคำขอของผู้ใช้"
    return f"{kind}: ดึงไฟล์จาก LINE ไม่สำเร็จ ({row.reason or '-'}) กรุณาขอให้ผู้ใช้ส่งใหม่"


def for_lines(session: Session, interaction_ids: list[int] | set[int]) -> dict[int, Attachment]:
    """The attachments of these log lines, by line id, without their content."""
    ids = list(interaction_ids)
    if not ids:
        return {}
    return {a.interaction_id: a for a in session.scalars(select(Attachment).where(Attachment.interaction_id.in_(ids)))}


def stored(session: Session, attachment_id: int) -> Attachment | None:
    """One kept attachment with its content, for an officer's browser; None when absent or not kept."""
    row = session.get(Attachment, attachment_id)
    if row is None or row.status != STORED or row.data is None:
        return None
    return row


def _erase(session: Session, *where: ColumnElement[bool]) -> int:
    """Remove the content and the sender's file name of matching rows; the row, its type and size stay."""
    return changed_rows(session.execute(
        update(Attachment).where(*where, Attachment.status != DELETED)
        .values(data=None, file_name=None, sha256=None, status=DELETED, deleted_at=utcnow())
        .execution_options(synchronize_session=False)))


def forget_user_files(session: Session, user_id: int) -> int:
    """`user forget`: every file of this person goes, kept or not (a refused file's name is theirs too)."""
    return _erase(session, Attachment.user_id == user_id)


def purge_before(session: Session, cutoff: dt.datetime, *, dry_run: bool = False) -> int:
    """The retention rule: files older than the cutoff go, like message text of the same age."""
    old = (Attachment.created_at < cutoff, Attachment.status != DELETED)
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(Attachment).where(*old)) or 0)
    return _erase(session, Attachment.created_at < cutoff)


def export_user_files(session: Session, user_id: int) -> list[dict[str, object]]:
    """`user export`: each file with its content (base64), so the person gets back exactly what was kept."""
    rows = session.scalars(select(Attachment).where(Attachment.user_id == user_id).order_by(Attachment.id)).all()
    out: list[dict[str, object]] = []
    for row in rows:
        out.append({
            "id": row.id, "interaction_id": row.interaction_id, "message_type": row.message_type,
            "status": row.status, "content_type": row.content_type, "file_name": row.file_name, "size": row.size,
            "sha256": row.sha256, "created_at": row.created_at.astimezone(BANGKOK).isoformat(),
            "content_base64": base64.b64encode(row.data).decode("ascii") if row.data is not None else None,
        })
    return out
