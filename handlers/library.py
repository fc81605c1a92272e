"""The knowledge base and its matcher, loaded on first use and swapped whole on reload."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from knowledge.base import KnowledgeBase, default_entries_dir, load_knowledge_base
from knowledge.matcher import Matcher


class Library:
    """Holds the current (KnowledgeBase, Matcher) pair; a reload never leaves a half-built index."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._current: tuple[KnowledgeBase, Matcher] | None = None

    def current(self) -> tuple[KnowledgeBase, Matcher]:
        """The loaded knowledge base and matcher (loads them the first time)."""
        current = self._current
        if current is None:
            with self._lock:
                if self._current is None:
                    self._current = self._load()
                current = self._current
        return current

    def reload(self) -> KnowledgeBase:
        """Re-read the entry files, e.g. after an officer approved an edit; raises on bad files."""
        fresh = self._load()
        with self._lock:
            self._current = fresh
        return fresh[0]

    def _load(self) -> tuple[KnowledgeBase, Matcher]:
        """Parse the files and build the matcher's index (shared by apps in one process while unchanged)."""
        directory = (self.directory or default_entries_dir()).resolve()
        fingerprint = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.y*ml"))
        )
        return _build(directory, fingerprint)


@functools.lru_cache(maxsize=4)
def _build(directory: Path, fingerprint: tuple[tuple[str, int, int], ...]) -> tuple[KnowledgeBase, Matcher]:
    """Build once per directory content: the index is immutable, so apps and tests can share it."""
    kb = load_knowledge_base(directory)
    return kb, Matcher(kb)
