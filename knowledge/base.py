"""The knowledge base: typed entries loaded from the YAML files in knowledge/entries/."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

Kind = Literal["faq", "out_of_scope"]
Status = Literal["approved", "draft"]

KINDS: tuple[str, ...] = ("faq", "out_of_scope")
STATUSES: tuple[str, ...] = ("approved", "draft")
CATEGORY_ID_RE = re.compile(r"^[a-z0-9_]+$")
ENTRY_ID_RE = re.compile(r"^[a-z0-9-]+$")
LINE_TEXT_LIMIT = 5_000  # LINE rejects longer text messages, so such an answer could never be sent
# Bounds on what an editor types (README "Reliability"): an id fits the database's String(100) columns; a title
# becomes a button's displayText (LINE's limit 300) behind a prefix, so 100; the longest real phrasing is ~100
# characters and each one is embedded for the e5 channel (about 0.7 ms a character), so 300.
MAX_ID = 100
MAX_TITLE = 100
MAX_PHRASING = 300
MAX_SOURCE_TEXT = 500
MAX_URL = 1_000  # LINE's limit for a URI action


class KnowledgeError(ValueError):
    """Raised when a knowledge file cannot be turned into entries; the message names file and entry."""


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: an agency plus a url, a legal reference and/or a seed file."""

    agency: str | None
    ref: str | None
    url: str | None
    seed: str | None


@dataclass(frozen=True)
class Category:
    """A topic area; one YAML file holds the entries of one category."""

    id: str
    title_th: str
    title_en: str


@dataclass(frozen=True)
class Entry:
    """One question-and-answer pair (or an out-of-scope decoy) with its phrasings and sources."""

    id: str
    category: str
    kind: Kind
    title_th: str
    title_en: str
    questions_th: tuple[str, ...]
    questions_en: tuple[str, ...]
    answer_th: str
    answer_en: str | None
    sources: tuple[Source, ...]
    related: tuple[str, ...]
    reviewed_on: datetime.date
    status: Status
    file: str

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every text the matcher indexes for this entry: titles first, then the questions."""
        return (self.title_th, self.title_en, *self.questions_th, *self.questions_en)


@dataclass(frozen=True)
class KnowledgeBase:
    """All entries and categories, in file order, with lookups the bot needs."""

    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]

    def get(self, entry_id: str) -> Entry | None:
        """Find an entry by id (for quick-reply postbacks that carry an id)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None

    def by_category(self, category_id: str) -> tuple[Entry, ...]:
        """List a category's entries, for browsing menus."""
        return tuple(e for e in self.entries if e.category == category_id)

    def category(self, category_id: str) -> Category | None:
        """Find a category by id, for labels in menus and reports."""
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        return None


def default_entries_dir() -> Path:
    """The knowledge/entries directory shipped next to this package."""
    return Path(__file__).resolve().parent / "entries"


def entry_files(directory: Path) -> list[Path]:
    """The YAML files of a knowledge directory, in a stable order."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def read_yaml(path: Path) -> Any:
    """Parse one knowledge file, turning YAML syntax errors into a KnowledgeError naming the file."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc


def _text(raw: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise KnowledgeError(f"{where}: missing {key}")
        return None
    if not isinstance(value, str):
        raise KnowledgeError(f"{where}: {key} must be text, got {type(value).__name__}")
    return value.strip()


def _texts(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{where}: {key} must be a list of text")
    return tuple(v.strip() for v in value if v.strip())


def _date(raw: dict[str, Any], where: str) -> datetime.date:
    value = raw.get("reviewed_on")
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise KnowledgeError(f"{where}: reviewed_on must be an ISO date (YYYY-MM-DD), got {value!r}")


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: each source must be a mapping")
    unknown = set(raw) - {"agency", "ref", "url", "seed"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown source field(s) {sorted(unknown)}")
    values = {k: (str(raw[k]).strip() if raw.get(k) is not None else None) for k in ("agency", "ref", "url", "seed")}
    if not any(values.values()):
        raise KnowledgeError(f"{where}: empty source")
    return Source(**values)


def parse_entry(raw: Any, category: str, file: str, index: int) -> Entry:
    """Turn one YAML mapping into an Entry, raising KnowledgeError that names the file and entry."""
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{file}: entry #{index + 1} is not a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ENTRY_ID_RE.match(entry_id):
        raise KnowledgeError(f"{file}: entry #{index + 1}: id must match [a-z0-9-]+, got {entry_id!r}")
    if len(entry_id) > MAX_ID:
        raise KnowledgeError(f"{file}: entry #{index + 1}: รหัสเรื่อง (id) ยาว {len(entry_id):,} ตัวอักษร "
                             f"(ไม่เกิน {MAX_ID} ตัวอักษร)")
    where = f"{file}: entry {entry_id}"
    kind = raw.get("kind", "faq")
    if kind not in KINDS:
        raise KnowledgeError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    status = raw.get("status")
    if status not in STATUSES:
        raise KnowledgeError(f"{where}: status must be one of {STATUSES}, got {status!r}")
    sources_raw = raw.get("sources") or []
    if not isinstance(sources_raw, list):
        raise KnowledgeError(f"{where}: sources must be a list")
    related_raw = raw.get("related") or []
    if not isinstance(related_raw, list) or not all(isinstance(r, str) for r in related_raw):
        raise KnowledgeError(f"{where}: related must be a list of entry ids")
    questions_th = _texts(raw, "questions_th", where)
    if not questions_th:
        raise KnowledgeError(f"{where}: questions_th must list at least one question")
    answer_th = _text(raw, "answer_th", where) or ""
    answer_en = _text(raw, "answer_en", where, required=False)
    for key, answer in (("answer_th", answer_th), ("answer_en", answer_en or "")):
        if len(answer) > LINE_TEXT_LIMIT:
            raise KnowledgeError(f"{where}: {key} has {len(answer):,} characters, LINE accepts {LINE_TEXT_LIMIT:,}")
    entry = Entry(
        id=entry_id,
        category=category,
        kind=kind,
        title_th=_text(raw, "title_th", where) or "",
        title_en=_text(raw, "title_en", where) or "",
        questions_th=questions_th,
        questions_en=_texts(raw, "questions_en", where),
        answer_th=answer_th,
        answer_en=answer_en,
        sources=tuple(_source(s, where) for s in sources_raw),
        related=tuple(related_raw),
        reviewed_on=_date(raw, where),
        status=status,
        file=file,
    )
    too_long = length_problems(entry)
    if too_long:
        raise KnowledgeError(f"{where}: ข้อความยาวเกินกำหนด: " + "; ".join(too_long))
    return entry


def length_problems(entry: Entry) -> list[str]:
    """Fields over their bound, in Thai (bounded where the text enters: the files, the console, kb validate)."""
    found = []

    def check(label: str, text: str | None, limit: int) -> None:
        if text is not None and len(text) > limit:
            found.append(f"{label} ยาว {len(text):,} ตัวอักษร (ไม่เกิน {limit:,} ตัวอักษร)")

    check("title_th", entry.title_th, MAX_TITLE)
    check("title_en", entry.title_en, MAX_TITLE)
    for key, phrasings in (("questions_th", entry.questions_th), ("questions_en", entry.questions_en)):
        for number, phrasing in enumerate(phrasings, 1):
            check(f"{key} ข้อ {number}", phrasing, MAX_PHRASING)
    for source in entry.sources:
        check("sources agency", source.agency, MAX_SOURCE_TEXT)
        check("sources ref", source.ref, MAX_SOURCE_TEXT)
        check("sources seed", source.seed, MAX_SOURCE_TEXT)
        check("sources url", source.url, MAX_URL)
    return found


def parse_file(path: Path) -> tuple[Category, list[Entry]]:
    """Read one knowledge file into its category and entries."""
    data = read_yaml(path)
    file = path.name
    if not isinstance(data, dict):
        raise KnowledgeError(f"{file}: top level must be a mapping with category and entries")
    cat_id = data.get("category")
    if not isinstance(cat_id, str) or not CATEGORY_ID_RE.match(cat_id):
        raise KnowledgeError(f"{file}: category must match [a-z0-9_]+, got {cat_id!r}")
    category = Category(
        id=cat_id,
        title_th=_text(data, "category_th", file) or "",
        title_en=_text(data, "category_en", file) or "",
    )
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise KnowledgeError(f"{file}: entries must be a non-empty list")
    return category, [parse_entry(raw, cat_id, file, i) for i, raw in enumerate(raw_entries)]


def build_knowledge_base(parsed: Iterable[tuple[Category, list[Entry]]]) -> KnowledgeBase:
    """Assemble parsed files into a KnowledgeBase, rejecting duplicate ids and unknown related ids."""
    categories: list[Category] = []
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    seen_categories: dict[str, Category] = {}
    for category, file_entries in parsed:
        if category.id in seen_categories:
            file = file_entries[0].file if file_entries else "?"
            raise KnowledgeError(f"{file}: category {category.id} is also used by another file")
        seen_categories[category.id] = category
        categories.append(category)
        for entry in file_entries:
            if entry.id in seen:
                raise KnowledgeError(f"{entry.file}: entry {entry.id}: duplicate id (also in {seen[entry.id]})")
            seen[entry.id] = entry.file
            entries.append(entry)
    for entry in entries:
        for rel in entry.related:
            if rel not in seen:
                raise KnowledgeError(f"{entry.file}: entry {entry.id}: related id {rel!r} does not exist")
    return KnowledgeBase(entries=tuple(entries), categories=tuple(categories))


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """Load every knowledge file of a directory (default: the shipped entries) into a KnowledgeBase."""
    directory = Path(directory) if directory is not None else default_entries_dir()
    if not directory.is_dir():
        raise KnowledgeError(f"{directory}: knowledge directory does not exist")
    return build_knowledge_base(parse_file(path) for path in entry_files(directory))
