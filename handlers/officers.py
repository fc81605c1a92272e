"""IAO officers who use the web console: accounts, password hashing, lock-out and the audit log."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from pathlib import Path
from types import EllipsisType

from sqlalchemy import ForeignKey, Index, Integer, String, false, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from handlers.clock import utcnow
from handlers.models import Base, BigId, UtcDateTime

ROLES = ("officer", "admin")
MAX_FAILURES = 5  # consecutive wrong passwords before the account locks
LOCK_FOR = dt.timedelta(minutes=15)
MIN_PASSWORD = 12
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
# An address an SMTP server takes: one local part and a dotted domain, no spaces, quotes or controls
# (so it can never carry a second header or recipient).
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
EMAIL_MAX = 254

# scrypt at n=2**15, r=8: ~32 MiB and a few tens of milliseconds per guess (OWASP's minimum is n=2**17 at r=8,
# p=1 or the equivalent 2**15 with more memory; these are stored per hash, so they can be raised later).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024


class Officer(Base):
    """A person who signs in to the console: an IAO officer, or an admin who also manages accounts."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="officer")
    active: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Bumped on logout and password change: a copied session cookie of an older version stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Hand-off notices (handlers/notify): sent to active officers on duty who have an address.
    email: Mapped[str | None] = mapped_column(String(254))
    on_duty: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_admin(self) -> bool:
        """Admins may export real LINE ids and manage officer accounts."""
        return self.role == "admin"

    @property
    def label(self) -> str:
        """How the console names this officer."""
        return self.display_name or self.username


class AuditLog(Base):
    """One thing an officer did (or tried): who, when, what, on which object."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_time", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    username: Mapped[str] = mapped_column(String(40))  # as typed for failed logins, kept if the account goes
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(1000))
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class AccountError(ValueError):
    """A username, password or role that cannot be used; the message is Thai for the console and CLI."""


# ----------------------------------------------------------------------------- passwords
def hash_password(password: str) -> str:
    """A self-describing scrypt hash with a random salt: scrypt$n$r$p$salt$hash (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=SCRYPT_MAXMEM, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Check a password against a stored hash in constant time; any malformed hash fails."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
KEYBOARD_RUNS = ("1234567890", "0987654321", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz",
                 "zyxwvutsrqponmlkjihgfedcba", "poiuytrewq", "lkjhgfdsa", "mnbvcxz")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The list of common passwords shipped with the code (read once)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_pattern(text: str) -> bool:
    """A keyboard run, a repeated short block ("abcabcabcabc") or too few different characters."""
    if len(set(text)) < 5:
        return True
    for size in range(1, 5):
        block = text[:size]
        if block * (len(text) // size) + block[: len(text) % size] == text:
            return True
    return any(text in run * 3 for run in KEYBOARD_RUNS)


def check_password_rules(password: str, *, username: str | None = None) -> None:
    """Refuse guessable passwords: too short, the username, a common one or a keyboard pattern (NIST 800-63B)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD} ตัวอักษร")
    if len(password) > 256:
        raise AccountError("รหัสผ่านยาวเกินไป")
    lowered = password.lower()
    name = (username or "").strip().lower()
    if name and (name in lowered or lowered in name):
        raise AccountError("รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น")
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)  # "!Password2026" -> "password"
    common = common_passwords()
    if lowered in common or core in common or _is_pattern(lowered) or (core and _is_pattern(core)) \
            or re.fullmatch(r"[\W\d_]+", lowered):
        raise AccountError("รหัสผ่านนี้เดาง่ายเกินไป (เป็นรหัสผ่านที่ใช้กันทั่วไปหรือเป็นรูปแบบแป้นพิมพ์) "
                           "กรุณาใช้วลีที่ยาวและเดายาก")


# ----------------------------------------------------------------------------- accounts
def create_officer(session: Session, username: str, password: str, *, role: str = "officer",
                   display_name: str | None = None) -> Officer:
    """Add an officer account; raises AccountError on a bad or taken username, a weak password or role."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError("ชื่อผู้ใช้ต้องเป็น a-z 0-9 . _ - ยาว 2-40 ตัว")
    if role not in ROLES:
        raise AccountError(f"บทบาทต้องเป็น {' หรือ '.join(ROLES)}")
    check_password_rules(password, username=username)
    if session.scalar(select(Officer.id).where(Officer.username == username)) is not None:
        raise AccountError("มีชื่อผู้ใช้นี้แล้ว")
    officer = Officer(username=username, password_hash=hash_password(password), role=role,
                      display_name=(display_name or "").strip()[:100] or None, active=True,
                      failed_attempts=0, session_version=1)
    session.add(officer)
    session.flush()
    return officer


def set_password(officer: Officer, password: str) -> None:
    """Replace an officer's password, unlock the account and end their other sessions."""
    check_password_rules(password, username=officer.username)
    officer.password_hash = hash_password(password)
    officer.failed_attempts = 0
    officer.locked_until = None
    officer.session_version += 1


def authenticate(sessions: sessionmaker[Session], username: str, password: str, *,
                 now: dt.datetime | None = None, remote_addr: str | None = None) -> Officer | None:
    """The officer if the password is right and the account usable; failures count towards a lock-out.

    A guess first reserves one of the MAX_FAILURES slots with a single atomic UPDATE, in its own short
    transaction, and only then pays for scrypt outside any transaction: parallel guesses cannot read the
    same count, so at most MAX_FAILURES passwords are ever checked per lock period. Every outcome takes one
    scrypt computation, so timing does not tell which usernames exist.
    """
    now = now or utcnow()
    typed = username.strip().lower()[:40]
    with sessions.begin() as session:
        officer_id = session.scalar(select(Officer.id).where(Officer.username == typed)) if typed else None
        slot = None
        if officer_id is not None:
            slot = session.scalar(
                update(Officer)
                .where(Officer.id == officer_id, Officer.active.is_(True), Officer.failed_attempts < MAX_FAILURES,
                       or_(Officer.locked_until.is_(None), Officer.locked_until <= now))
                .values(failed_attempts=Officer.failed_attempts + 1)
                .returning(Officer.failed_attempts)
            )
        stored_hash = session.scalar(select(Officer.password_hash).where(Officer.id == officer_id)) \
            if officer_id is not None else None
    good = verify_password(password, stored_hash if slot is not None and stored_hash else _DUMMY_HASH) \
        and slot is not None
    with sessions.begin() as session:
        if officer_id is None:
            audit(session, None, "login-failed", target=typed or "-", detail="unknown user",
                  remote_addr=remote_addr, username=typed or "-")
            return None
        officer = session.get_one(Officer, officer_id)
        if slot is None:
            locked = officer.locked_until is not None and officer.locked_until > now
            reason = "inactive" if not officer.active else ("locked" if locked else "locked: guesses in progress")
            audit(session, officer, "login-failed", target=officer.username, detail=reason, remote_addr=remote_addr)
            return None
        if not good:
            reason = "wrong password"
            if slot >= MAX_FAILURES:
                session.execute(update(Officer).where(Officer.id == officer_id).values(
                    locked_until=now + LOCK_FOR, failed_attempts=0))
                reason = f"wrong password; locked for {int(LOCK_FOR.total_seconds() // 60)} min"
            audit(session, officer, "login-failed", target=officer.username, detail=reason, remote_addr=remote_addr)
            return None
        session.execute(update(Officer).where(Officer.id == officer_id).values(
            failed_attempts=0, locked_until=None, last_login_at=now))
        session.refresh(officer)
        audit(session, officer, "login", target=officer.username, remote_addr=remote_addr)
        return officer


def officer_for_session(session: Session, officer_id: object, version: object) -> Officer | None:
    """The signed-in officer behind a session cookie, or None if the account is gone, off, or logged out."""
    if not isinstance(officer_id, int) or not isinstance(version, int):
        return None
    officer = session.get(Officer, officer_id)
    if officer is None or not officer.active or officer.session_version != version:
        return None
    return officer


def log_out(session: Session, officer: Officer) -> None:
    """End every session of this officer (the cookie's version no longer matches)."""
    officer.session_version += 1
    audit(session, officer, "logout", target=officer.username)


def list_officers(session: Session) -> list[Officer]:
    """All accounts, for the admin page."""
    return list(session.scalars(select(Officer).order_by(Officer.username)))


def update_officer(session: Session, admin: Officer, officer_id: int, *, role: str | None = None,
                   active: bool | None = None, unlock: bool = False, password: str | None = None) -> Officer:
    """Change an account as an admin; an admin cannot demote or disable themself (someone must stay admin)."""
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise AccountError("ไม่พบบัญชีนี้")
    changes = []
    if role is not None and role != officer.role:
        if role not in ROLES:
            raise AccountError("บทบาทไม่ถูกต้อง")
        if officer.id == admin.id:
            raise AccountError("ลดสิทธิ์ของตนเองไม่ได้")
        officer.role = role
        changes.append(f"role={role}")
    if active is not None and active != officer.active:
        if officer.id == admin.id:
            raise AccountError("ปิดบัญชีของตนเองไม่ได้")
        officer.active = active
        officer.session_version += 1
        changes.append(f"active={active}")
    if unlock:
        officer.failed_attempts = 0
        officer.locked_until = None
        changes.append("unlocked")
    if password:
        set_password(officer, password)
        changes.append("password reset")
    if changes:
        audit(session, admin, "officer-update", target=officer.username, detail=", ".join(changes))
    return officer


def check_email(email: str | None) -> str | None:
    """A usable e-mail address (trimmed, domain lower-cased), None for an empty one; AccountError otherwise."""
    value = (email or "").strip()
    if not value:
        return None
    if len(value) > EMAIL_MAX or not EMAIL_RE.match(value):
        raise AccountError("อีเมลไม่ถูกต้อง (เช่น somchai@bangkok.go.th)")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def set_notice_contact(session: Session, actor: Officer | None, officer_id: int, *,
                       email: str | None | EllipsisType = ..., on_duty: bool | None = None,
                       via: str = "console") -> Officer:
    """Set where and whether an officer is told of hand-offs; an officer on duty needs an address.

    `email` left out keeps the address; an empty one removes it (and takes the officer off duty).
    """
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise AccountError("ไม่พบบัญชีนี้")
    changes = []
    if email is not ...:
        address = check_email(email)
        if address != officer.email:
            officer.email = address
            changes.append("email " + ("set" if address else "removed"))
    if on_duty is not None and on_duty != officer.on_duty:
        officer.on_duty = on_duty
        changes.append(f"on_duty={on_duty}")
    if officer.on_duty and not officer.email:
        raise AccountError("เจ้าหน้าที่เวรต้องมีอีเมลสำหรับรับการแจ้งเตือน")
    if changes:
        audit(session, actor, "officer-notice", target=officer.username, detail=f"{', '.join(changes)} ({via})",
              username=None if actor else via)
    session.flush()
    return officer


def officers_on_duty(session: Session) -> list[Officer]:
    """Active officers on duty with an address: the people a hand-off notice goes to."""
    return list(session.scalars(select(Officer).where(
        Officer.active.is_(True), Officer.on_duty.is_(True), Officer.email.is_not(None)).order_by(Officer.id)))


def count_admins(session: Session) -> int:
    """How many active admins exist (the CLI warns when there is none)."""
    return int(session.scalar(select(func.count()).select_from(Officer).where(
        Officer.role == "admin", Officer.active.is_(True))) or 0)


# ----------------------------------------------------------------------------- audit
def audit(session: Session, officer: Officer | None, action: str, *, target: str | None = None,
          detail: str | None = None, remote_addr: str | None = None, username: str | None = None) -> AuditLog:
    """Record one action in the audit log, in the caller's transaction (it commits with the action)."""
    row = AuditLog(occurred_at=utcnow(), officer_id=officer.id if officer else None,
                   username=(officer.username if officer else (username or "-"))[:40], action=action[:32],
                   target=target[:200] if target else None, detail=detail[:1000] if detail else None,
                   remote_addr=remote_addr[:64] if remote_addr else None)
    session.add(row)
    session.flush()
    return row


def recent_audit(session: Session, limit: int = 200, *, action: str | None = None) -> list[AuditLog]:
    """The newest audit rows, for the admin page."""
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if action:
        query = query.where(AuditLog.action == action)
    return list(session.scalars(query))
