"""Curating the knowledge base from the console: the YAML files stay the one source of truth.

An edit rewrites only the entry's block in its file (the rest of the file stays byte for byte), is
validated with knowledge.validate on a scratch copy of the whole directory, lands with an atomic
os.replace under a file lock, and is recorded with its before/after text in kb_changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from handlers.clock import BANGKOK, utcnow
from handlers.filelock import file_lock
from handlers.models import Base, BigId, UtcDateTime
from handlers.officers import Officer, audit
from handlers.safe_text import safe_text
from knowledge.base import ENTRY_ID_RE, MAX_ID, STATUSES, Entry, KnowledgeBase, entry_files, read_yaml
from knowledge.validate import validate_directory

KINDS_TH = {"faq": "คำถามที่ตอบได้", "out_of_scope": "งานนอกขอบเขต (ส่งต่อ)"}
FIELD_ORDER = ("id", "kind", "title_th", "title_en", "questions_th", "questions_en", "answer_th", "answer_en",
               "sources", "related", "reviewed_on", "status")
OFFICE = "สำนักงานการต่างประเทศ กรุงเทพมหานคร"


class KbChange(Base):
    """One change an officer made to the knowledge base, with the entry's YAML before and after."""

    __tablename__ = "kb_changes"
    __table_args__ = (Index("ix_kb_changes_entry", "entry_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    username: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[str] = mapped_column(String(100))
    file: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # create | edit | approve
    before_text: Mapped[str | None] = mapped_column(Text)
    after_text: Mapped[str] = mapped_column(Text)


class EditError(ValueError):
    """An edit that was refused; `problems` lists what validation found (Thai message first)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class EntryForm:
    """The editable fields of an entry, as the console's form holds them (lists one item per line)."""

    id: str = ""
    category_file: str = ""
    kind: str = "faq"
    title_th: str = ""
    title_en: str = ""
    questions_th: list[str] = field(default_factory=list)
    questions_en: list[str] = field(default_factory=list)
    answer_th: str = ""
    answer_en: str = ""
    sources: list[dict[str, str]] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    status: str = "draft"
    reviewed_on: str = ""

    @classmethod
    def from_entry(cls, entry: Entry) -> EntryForm:
        """The form filled from a loaded entry."""
        return cls(
            id=entry.id, category_file=entry.file, kind=entry.kind, title_th=entry.title_th, title_en=entry.title_en,
            questions_th=list(entry.questions_th), questions_en=list(entry.questions_en), answer_th=entry.answer_th,
            answer_en=entry.answer_en or "",
            sources=[{k: v for k, v in (("agency", s.agency), ("ref", s.ref), ("url", s.url), ("seed", s.seed)) if v}
                     for s in entry.sources],
            related=list(entry.related), status=entry.status, reviewed_on=entry.reviewed_on.isoformat(),
        )

    @property
    def sources_text(self) -> str:
        """Sources as editable lines: หน่วยงาน | อ้างอิง | url | seed."""
        return "\n".join(" | ".join(s.get(k, "") for k in ("agency", "ref", "url", "seed")).rstrip(" |")
                         for s in self.sources)

    def to_raw(self) -> dict[str, Any]:
        """The entry as the mapping written to YAML, keys in the schema's order, empty optional keys left out.

        Control characters, U+FFFE/U+FFFF and lone surrogates are dropped where the text enters: LINE and
        every export would have to drop them anyway.
        """
        c = safe_text
        raw: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "title_th": c(self.title_th).strip(),
            "title_en": c(self.title_en).strip(),
            "questions_th": [c(q).strip() for q in self.questions_th if c(q).strip()],
            "questions_en": [c(q).strip() for q in self.questions_en if c(q).strip()],
            "answer_th": _block(c(self.answer_th)), "answer_en": _block(c(self.answer_en)),
            "sources": [{k: c(v).strip() for k, v in s.items() if v and c(v).strip()} for s in self.sources],
            "related": [r.strip() for r in self.related if r.strip()],
            "reviewed_on": dt.date.fromisoformat(self.reviewed_on) if self.reviewed_on else today(),
            "status": self.status,
        }
        for optional in ("questions_en", "answer_en", "related"):
            if not raw[optional]:
                del raw[optional]
        return raw


def _block(text: str) -> str:
    """Normalise a multi-line answer: Unix newlines, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")]
    return "\n".join(lines) + "\n" if any(lines) else ""


def parse_lines(text: str) -> list[str]:
    """A textarea with one item per line into a list."""
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def parse_sources(text: str) -> list[dict[str, str]]:
    """Source lines "หน่วยงาน | อ้างอิง | url | seed" into source mappings (an http(s) cell is always the url)."""
    sources = []
    for line in parse_lines(text):
        cells = [c.strip() for c in line.split("|")] + ["", "", "", ""]
        source = dict(zip(("agency", "ref", "url", "seed"), cells[:4], strict=True))
        for key in ("agency", "ref", "seed"):
            if source[key].startswith(("http://", "https://")) and not source["url"]:
                source["url"], source[key] = source[key], ""
        sources.append({k: v for k, v in source.items() if v})
    return sources


def today() -> dt.date:
    """Today in Bangkok, for reviewed_on."""
    return dt.datetime.now(BANGKOK).date()


# ----------------------------------------------------------------------------- YAML in the files' style
class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as the hand-written files do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:  # noqa: ARG002
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_entry(raw: dict[str, Any]) -> str:
    """One entry as a list item indented like the files ("  - id: ..."), ending in a newline."""
    text = yaml.dump([raw], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096, indent=2)
    return "".join("  " + line if line.strip() else line for line in text.splitlines(keepends=True))


def _spans(text: str) -> dict[str, tuple[int, int]]:
    """Each entry's [start, end) line span in a file, found by the YAML parser (never by matching lines).

    A line such as "- id: other" inside an answer is text of a block scalar to the parser, so it can neither
    be taken for the other entry nor end this one. Trailing blank lines and comments before the next entry
    stay outside the span. An unparsable file has no spans.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    items = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "entries"), None)
    if not isinstance(items, yaml.SequenceNode):
        return {}
    lines = text.splitlines(keepends=True)
    spans: dict[str, tuple[int, int]] = {}
    for item in items.value:
        if not isinstance(item, yaml.MappingNode) or not item.value:
            continue
        entry_id = next((v.value for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "id"
                         and isinstance(v, yaml.ScalarNode)), None)
        if not isinstance(entry_id, str) or entry_id in spans:
            continue
        last = item.value[-1][1].end_mark
        end = last.line + (1 if last.column > 0 else 0)
        while end > item.start_mark.line + 1 and not lines[end - 1].strip():
            end -= 1
        spans[entry_id] = (item.start_mark.line, end)
    return spans


def _locate(text: str, entry_id: str) -> tuple[int, int] | None:
    """The [start, end) line span of an entry's list item in a file's text, or None."""
    return _spans(text).get(entry_id)


def entry_block(directory: Path, entry_id: str) -> tuple[Path, str] | None:
    """The file holding an entry and the entry's text as it stands in that file."""
    for path in entry_files(directory):
        text = path.read_text(encoding="utf-8")
        span = _locate(text, entry_id)
        if span is not None:
            lines = text.splitlines(keepends=True)
            return path, "".join(lines[span[0]:span[1]])
    return None


def fingerprint(text: str) -> str:
    """A short hash of an entry's text: the form carries it so a concurrent edit is noticed, not overwritten."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _splice(original: str, entry_id: str, new_block: str) -> str:
    """The file text with one entry's block replaced, or the block appended when the entry is new."""
    lines = original.splitlines(keepends=True)
    span = _locate(original, entry_id)
    if span is None:
        body = original if original.endswith("\n") or not original else original + "\n"
        return body + "\n" + new_block
    if not new_block.endswith("\n"):
        new_block += "\n"
    return "".join(lines[: span[0]]) + new_block + "".join(lines[span[1]:])


def _replace_in_data(data: Any, entry_id: str, raw: dict[str, Any]) -> Any:
    """The parsed file with the entry replaced (or appended), to check the text splice parsed the same."""
    entries = list(data.get("entries") or [])
    for index, item in enumerate(entries):
        if isinstance(item, dict) and item.get("id") == entry_id:
            entries[index] = raw
            break
    else:
        entries.append(raw)
    return {**data, "entries": entries}


def _comparable(value: Any) -> Any:
    """Parsed YAML with text stripped, so "a\\n" and "a" compare equal."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value.strip() if isinstance(value, str) else value


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer at a time across processes (gunicorn workers) for the read-validate-replace sequence."""
    key = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    with file_lock(Path(tempfile.gettempdir()) / f"iao-kb-edit-{key}.lock"):  # not in the entries folder (git)
        yield


def _atomic_write(path: Path, text: str) -> None:
    """Write a file so readers see the old or the new content, never half (temp file + fsync + os.replace)."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _new_problems(directory: Path, file_name: str, new_text: str, seeds_dir: Path | None) -> list[str]:
    """Problems the change would add: validate a scratch copy of the directory, minus what was already wrong."""
    before = {str(p) for p in validate_directory(directory, seeds_dir)}
    with tempfile.TemporaryDirectory(prefix="kb-check-") as scratch:
        scratch_dir = Path(scratch)
        for path in entry_files(directory):
            shutil.copy2(path, scratch_dir / path.name)
        (scratch_dir / file_name).write_text(new_text, encoding="utf-8")
        after = [str(p) for p in validate_directory(scratch_dir, seeds_dir)]
    return [p for p in after if p not in before]


# ----------------------------------------------------------------------------- the operations
@dataclass(frozen=True)
class Saved:
    """What a successful save did, for the flash message and the tests."""

    change: KbChange
    path: Path


def save_entry(session: Session, directory: Path, form: EntryForm, officer: Officer, *, action: str = "edit",
               expected: str | None = None, seeds_dir: Path | None = None) -> Saved:
    """Write an entry (new or changed) into its YAML file after validation, and record the change.

    `expected` is the fingerprint of the entry text the officer started from; if the file changed since,
    the edit is refused rather than silently overwriting someone else's.
    """
    directory = directory.resolve()
    if not ENTRY_ID_RE.match(form.id or ""):
        raise EditError("รหัสเรื่อง (id) ใช้ได้เฉพาะ a-z 0-9 และ -")
    if len(form.id) > MAX_ID:
        raise EditError(f"รหัสเรื่อง (id) ยาวได้ไม่เกิน {MAX_ID} ตัวอักษร")
    if form.status not in STATUSES:
        raise EditError("สถานะไม่ถูกต้อง")
    if form.kind not in KINDS_TH:
        raise EditError("ประเภทไม่ถูกต้อง")
    try:
        raw = form.to_raw()
    except ValueError as exc:
        raise EditError("วันที่ตรวจทานต้องเป็นรูปแบบ YYYY-MM-DD") from exc
    with _locked(directory):
        found = entry_block(directory, form.id)
        if action == "create":
            if found is not None:
                raise EditError("มีรหัสเรื่องนี้แล้ว กรุณาเปลี่ยน id")
            path = _file_named(directory, form.category_file)
            before_text = None
        else:
            if found is None:
                raise EditError("ไม่พบเรื่องนี้ในไฟล์ความรู้")
            path, before_text = found
            if expected is not None and fingerprint(before_text) != expected:
                raise EditError("มีผู้แก้ไขเรื่องนี้ก่อนหน้าท่าน กรุณาเปิดหน้านี้ใหม่แล้วแก้ไขอีกครั้ง")
        original = path.read_text(encoding="utf-8")
        block = render_entry(raw)
        new_text = _splice(original, form.id, block)
        data = read_yaml(path)
        parsed_new = yaml.safe_load(new_text)
        if not isinstance(data, dict) or _comparable(parsed_new) != _comparable(_replace_in_data(data, form.id, raw)):
            raise EditError("แก้ไขไฟล์ไม่ได้อย่างปลอดภัย (รูปแบบไฟล์ไม่คาดคิด) กรุณาแจ้งผู้ดูแลระบบ")
        problems = _new_problems(directory, path.name, new_text, seeds_dir)
        if problems:
            raise EditError("ข้อมูลยังไม่ผ่านการตรวจสอบ", problems)
        # History and audit reach the database first: if it refuses them, the file stays as it was and the
        # bot never serves an entry that has no history.
        change = KbChange(changed_at=utcnow(), officer_id=officer.id, username=officer.username, entry_id=form.id,
                          file=path.name, action=action, before_text=before_text, after_text=block)
        session.add(change)
        audit(session, officer, f"kb-{action}", target=f"entry:{form.id}", detail=path.name)
        session.flush()
        _atomic_write(path, new_text)
    return Saved(change, path)


def approve_entry(session: Session, directory: Path, kb: KnowledgeBase, entry_id: str, officer: Officer, *,
                  seeds_dir: Path | None = None) -> Saved:
    """Mark an entry approved and reviewed today, by this officer (who and when go to the history)."""
    entry = kb.get(entry_id)
    if entry is None:
        raise EditError("ไม่พบเรื่องนี้")
    form = EntryForm.from_entry(entry)
    form.status = "approved"
    form.reviewed_on = today().isoformat()
    return save_entry(session, directory, form, officer, action="approve", seeds_dir=seeds_dir)


def _file_named(directory: Path, name: str) -> Path:
    """An existing entry file of the directory by name (never a path from the form)."""
    for path in entry_files(directory):
        if path.name == name:
            return path
    raise EditError("เลือกหมวดหมู่ (ไฟล์) ที่มีอยู่")


def category_files(directory: Path, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(file name, Thai category label) for the new-entry form."""
    labels = {e.file: getattr(kb.category(e.category), "title_th", e.category) for e in kb.entries}
    return [(p.name, labels.get(p.name, p.stem)) for p in entry_files(directory)]


def draft_from_answer(question: str, answer: str, *, question_id: int, category_file: str = "",
                      entry_id: str | None = None) -> EntryForm:
    """A draft entry from a handed-off question and an officer's answer, for the new-entry form."""
    stamp = today().strftime("%Y%m%d")
    title = " ".join(question.split())[:80]
    return EntryForm(
        id=entry_id or f"officer-{stamp}-{question_id}", category_file=category_file, kind="faq", title_th=title,
        questions_th=[" ".join(question.split())], answer_th=answer.strip(),
        sources=[{"agency": OFFICE, "ref": f"คำตอบของเจ้าหน้าที่ต่อคำถาม #{question_id} (@IAO)"}],
        status="draft", reviewed_on=today().isoformat(),
    )


def search_entries(kb: KnowledgeBase, *, query: str = "", status: str = "", category: str = "") -> list[Entry]:
    """Entries matching a free-text query (id, titles, questions, answers), a status and a category."""
    words = query.lower().split()
    found = []
    for entry in kb.entries:
        if status and entry.status != status:
            continue
        if category and entry.category != category:
            continue
        haystack = " ".join((entry.id, entry.title_th, entry.title_en, entry.answer_th, entry.answer_en or "",
                             *entry.questions_th, *entry.questions_en)).lower()
        if all(word in haystack for word in words):
            found.append(entry)
    return found


def history(session: Session, *, entry_id: str | None = None, limit: int = 200) -> list[KbChange]:
    """The newest knowledge-base changes (of one entry, or all)."""
    query = select(KbChange).order_by(KbChange.id.desc()).limit(limit)
    if entry_id:
        query = query.where(KbChange.entry_id == entry_id)
    return list(session.scalars(query))


def get_change(session: Session, change_id: int) -> KbChange | None:
    """One recorded change, for its before/after view."""
    return session.get(KbChange, change_id)


# ----------------------------------------------------------------------------- forgetting a person (PDPA)
REDACTED_TH = "[ลบตามคำขอของเจ้าของข้อมูล]"
MIN_QUOTE = 8  # shorter texts ("ขอบคุณ", "ok") are everyone's words, not a quote of one person


def _flat(text: str) -> str:
    """Whitespace collapsed, as draft_from_answer joins a question."""
    return " ".join(text.split())


def _quotes(value: object, words: list[str]) -> bool:
    """True when a text contains one of the person's words, or is one cut short (a draft's 80-character title)."""
    if not isinstance(value, str):
        return False
    flat = _flat(value)
    return len(flat) >= MIN_QUOTE and any(w in flat or w.startswith(flat) for w in words)


def _redact(raw: dict[str, Any], words: list[str]) -> dict[str, Any] | None:
    """The entry without the person's words (None when nothing of its own is left); the same dict if untouched."""
    out = dict(raw)
    for key in ("questions_th", "questions_en"):
        items = raw.get(key)
        if isinstance(items, list):
            kept = [q for q in items if not _quotes(q, words)]
            if len(kept) != len(items):
                out[key] = kept
    for key in ("title_th", "title_en", "answer_th", "answer_en"):
        if _quotes(raw.get(key), words):
            out[key] = REDACTED_TH
    if out == raw:
        return raw
    if not out.get("questions_th"):
        return None
    if not out.get("questions_en"):
        out.pop("questions_en", None)
    return out


def _redact_block(text: str | None, words: list[str]) -> str | None:
    """A recorded entry block (kb_changes) without the person's words."""
    if not text:
        return text
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        parsed = None
    raw = parsed[0] if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict) else None
    if raw is None:
        return REDACTED_TH if any(w in _flat(text) for w in words) else text
    redacted = _redact(raw, words)
    if redacted is raw:
        return text
    return render_entry(redacted) if redacted is not None else f"  - id: {raw.get('id')}\n    # {REDACTED_TH}\n"


@dataclass(frozen=True)
class ForgottenInKb:
    """How many draft entries and recorded changes lost a person's words (numbers only: it is logged)."""

    drafts: int
    changes: int


def forget_words(session: Session, directory: Path | None, words: list[str]) -> ForgottenInKb:
    """Take a person's words out of draft entries (the YAML) and the recorded history, in the caller's transaction.

    A draft made from someone's question carries it as a phrasing and in its title; approved entries are the
    IAO's reviewed text and are left alone. A draft with no phrasing of its own left is removed from its file.
    Rewriting the file again is harmless, so a rolled-back forget can simply be run again.
    """
    words = sorted({w for w in (_flat(x) for x in words if x) if len(w) >= MIN_QUOTE})
    if not words:
        return ForgottenInKb(0, 0)
    changes = 0
    for row in session.scalars(select(KbChange)):
        before, after = _redact_block(row.before_text, words), _redact_block(row.after_text, words)
        if (before, after) != (row.before_text, row.after_text):
            row.before_text, row.after_text = before, after or REDACTED_TH
            changes += 1
    session.flush()
    drafts = _forget_in_files(directory.resolve(), words) if directory is not None and directory.is_dir() else 0
    return ForgottenInKb(drafts, changes)


def _forget_in_files(directory: Path, words: list[str]) -> int:
    """Rewrite the draft entries of every file that quote the person; returns how many entries changed."""
    changed = 0
    with _locked(directory):
        for path in entry_files(directory):
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
            entries = data.get("entries") if isinstance(data, dict) else None
            if not isinstance(entries, list):
                continue
            spans = _spans(text)
            edits: list[tuple[int, int, str]] = []
            for raw in entries:
                if not isinstance(raw, dict) or raw.get("status") != "draft" or raw.get("id") not in spans:
                    continue
                redacted = _redact(raw, words)
                if redacted is raw:
                    continue
                if redacted is None and len(entries) - sum(1 for *_, b in edits if not b) <= 1:
                    redacted = {**raw, "questions_th": [REDACTED_TH], "title_th": REDACTED_TH}  # a file keeps one
                start, end = spans[raw["id"]]
                edits.append((start, end, render_entry(redacted) if redacted is not None else ""))
            if not edits:
                continue
            lines = text.splitlines(keepends=True)
            for start, end, block in sorted(edits, reverse=True):
                if not block:
                    while end < len(lines) and not lines[end].strip():
                        end += 1  # the blank line that separated the removed entry
                lines[start:end] = [block] if block else []
            new_text = "".join(lines)
            if not isinstance(yaml.safe_load(new_text), dict):
                raise EditError("แก้ไขไฟล์ไม่ได้อย่างปลอดภัย (รูปแบบไฟล์ไม่คาดคิด) กรุณาแจ้งผู้ดูแลระบบ")
            _atomic_write(path, new_text)
            changed += len(edits)
    return changed
