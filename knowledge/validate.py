"""Checks on the knowledge files that the loader does not enforce: editors run it before every commit."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.base import (
    Entry,
    KnowledgeError,
    entry_files,
    parse_entry,
    read_yaml,
)
from knowledge.index import char_ngrams
from knowledge.normalize import normalize

ANSWER_LIMIT = 1_500  # what a phone shows comfortably (SCHEMA.md)
LINE_HARD_LIMIT = 5_000  # LINE rejects longer text messages
MIN_QUESTIONS_TH = 3
MAX_QUESTIONS_TH = 16
MAX_QUESTIONS_EN = 8
# Two phrasings of *different* entries this similar (char 2-4-gram cosine) make the matcher guess.
NEAR_DUPLICATE_SIMILARITY = 0.92
NEAR_DUPLICATE_MIN_CHARS = 12

ENTRY_KEYS = frozenset(
    {
        "id",
        "kind",
        "title_th",
        "title_en",
        "questions_th",
        "questions_en",
        "answer_th",
        "answer_en",
        "sources",
        "related",
        "reviewed_on",
        "status",
    }
)
FILE_KEYS = frozenset({"category", "category_th", "category_en", "entries"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file, located by file and (when known) entry id."""

    file: str
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        """Human-readable form for the command line: file, entry, message."""
        where = f"{self.file}: {self.entry_id}" if self.entry_id else self.file
        return f"{where}: {self.message}"


def _strip_location(message: str, file: str, entry_id: str | None) -> str:
    """KnowledgeError messages start with "file: entry id:"; Problem keeps those apart."""
    for prefix in (f"{file}: entry {entry_id}: ", f"{file}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _check_file_shape(path: Path, data: Any) -> tuple[list[Problem], str | None, list[Any]]:
    file = path.name
    if not isinstance(data, dict):
        return [Problem(file, None, "top level must be a mapping with category and entries")], None, []
    problems: list[Problem] = []
    for key in sorted(set(data) - FILE_KEYS):
        problems.append(Problem(file, None, f"unknown top-level key {key!r}"))
    category = data.get("category")
    for key in ("category_th", "category_en"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(Problem(file, None, f"missing {key}"))
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append(Problem(file, None, "entries must be a non-empty list"))
        raw_entries = []
    if not isinstance(category, str) or not category:
        problems.append(Problem(file, None, "missing category"))
        category = None
    return problems, category, raw_entries


def _check_entry(entry: Entry, raw: dict[str, Any], seeds_dir: Path | None) -> list[Problem]:
    file, eid = entry.file, entry.id
    problems: list[Problem] = []

    def add(message: str) -> None:
        problems.append(Problem(file, eid, message))

    for key in sorted(set(raw) - ENTRY_KEYS):
        add(f"unknown key {key!r}")
    if "kind" not in raw:
        add("missing kind (faq or out_of_scope)")
    if not entry.sources:
        add("no sources: every entry needs at least one")
    for source in entry.sources:
        if not (source.url or source.ref or source.seed):
            add(f"source {source.agency!r} needs a url, ref or seed")
        if source.url and not source.url.startswith(("http://", "https://")):
            add(f"source url {source.url!r} is not an http(s) address")
        if source.seed and seeds_dir is not None and not (seeds_dir / source.seed).is_file():
            add(f"seed file {source.seed!r} does not exist in {seeds_dir}")
    for key, text in (("answer_th", entry.answer_th), ("answer_en", entry.answer_en)):
        if text is None:
            continue
        if len(text) > LINE_HARD_LIMIT:
            add(f"{key} is {len(text):,} characters: over LINE's hard limit of {LINE_HARD_LIMIT:,}")
        elif len(text) > ANSWER_LIMIT:
            add(f"{key} is {len(text):,} characters: over the {ANSWER_LIMIT:,} limit")
    if not MIN_QUESTIONS_TH <= len(entry.questions_th) <= MAX_QUESTIONS_TH:
        add(f"questions_th has {len(entry.questions_th)} items: {MIN_QUESTIONS_TH}-{MAX_QUESTIONS_TH} expected")
    if len(entry.questions_en) > MAX_QUESTIONS_EN:
        add(f"questions_en has {len(entry.questions_en)} items: at most {MAX_QUESTIONS_EN} expected")
    if entry.id in entry.related:
        add("related lists the entry itself")
    return problems


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(f, 0.0) for f, w in a.items())


def _unit(counts: dict[str, int]) -> dict[str, float]:
    norm = math.sqrt(sum(c * c for c in counts.values())) or 1.0
    return {f: c / norm for f, c in counts.items()}


def _check_phrasings(entries: list[Entry]) -> list[Problem]:
    """Phrasings of different entries that are equal, or nearly equal, after normalisation."""
    problems: list[Problem] = []
    owners: dict[str, Entry] = {}
    vectors: list[tuple[Entry, str, str, dict[str, float]]] = []
    for entry in entries:
        for phrasing in (*entry.questions_th, *entry.questions_en):
            norm = normalize(phrasing)
            if not norm:
                problems.append(Problem(entry.file, entry.id, f"question {phrasing!r} is empty after normalisation"))
                continue
            other = owners.get(norm)
            if other is not None and other.id != entry.id:
                problems.append(
                    Problem(
                        entry.file, entry.id, f"question {phrasing!r} is the same as one of {other.id} ({other.file})"
                    )
                )
                continue
            owners[norm] = entry
            if len(norm) >= NEAR_DUPLICATE_MIN_CHARS:
                vectors.append((entry, phrasing, norm, _unit(char_ngrams(norm.replace(" ", ""), 2, 4))))
    # near duplicates: compare only pairs sharing a rare-ish 4-gram, via an inverted index
    postings: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, _, vec) in enumerate(vectors):
        for feat in vec:
            if len(feat) == 4:
                postings[feat].append(i)
    candidates: set[tuple[int, int]] = set()
    for ids in postings.values():
        if len(ids) > 50:
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                candidates.add((ids[x], ids[y]))
    for i, j in sorted(candidates):
        ei, pi, ni, vi = vectors[i]
        ej, pj, nj, vj = vectors[j]
        if ei.id == ej.id or ni == nj:
            continue
        sim = _cosine(vi, vj)
        if sim >= NEAR_DUPLICATE_SIMILARITY:
            problems.append(
                Problem(
                    ej.file,
                    ej.id,
                    f"question {pj!r} is nearly the same as {pi!r} of {ei.id} (similarity {sim:.2f})",
                )
            )
    return problems


def validate_directory(directory: Path, seeds_dir: Path | None) -> list[Problem]:
    """Every problem in a knowledge directory (empty list = fine); seeds are checked when seeds_dir is given."""
    directory = Path(directory)
    problems: list[Problem] = []
    files = entry_files(directory) if directory.is_dir() else []
    if not files:
        return [Problem(str(directory), None, "no knowledge files (*.yaml) found")]
    entries: list[Entry] = []
    raw_by_id: dict[str, tuple[Entry, dict[str, Any]]] = {}
    categories: dict[str, str] = {}
    for path in files:
        file = path.name
        try:
            data = read_yaml(path)
        except KnowledgeError as exc:
            problems.append(Problem(file, None, _strip_location(str(exc), file, None)))
            continue
        shape_problems, category, raw_entries = _check_file_shape(path, data)
        problems.extend(shape_problems)
        if category is not None:
            if category in categories:
                problems.append(Problem(file, None, f"category {category!r} is also used by {categories[category]}"))
            categories[category] = file
        for index, raw in enumerate(raw_entries):
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            try:
                entry = parse_entry(raw, category or "?", file, index)
            except KnowledgeError as exc:
                entry_id = raw_id if isinstance(raw_id, str) else None
                problems.append(Problem(file, entry_id, _strip_location(str(exc), file, entry_id)))
                continue
            if entry.id in raw_by_id:
                first = raw_by_id[entry.id][0]
                problems.append(Problem(file, entry.id, f"duplicate id (first defined in {first.file})"))
                continue
            raw_by_id[entry.id] = (entry, raw)
            entries.append(entry)
            problems.extend(_check_entry(entry, raw, seeds_dir))
    known = set(raw_by_id)
    for entry in entries:
        for rel in entry.related:
            if rel not in known:
                problems.append(Problem(entry.file, entry.id, f"related id {rel!r} does not exist"))
    problems.extend(_check_phrasings(entries))
    return problems
