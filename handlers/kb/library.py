"""The knowledge base and its matcher, loaded on first use and swapped whole on reload."""

from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path

from knowledge.base import KnowledgeBase, KnowledgeError, default_entries_dir, load_knowledge_base
from knowledge.matcher import Matcher

log = logging.getLogger(__name__)


class Library:
    """Holds the current (KnowledgeBase, Matcher) pair; a reload never leaves a half-built index."""

    def __init__(self, directory: Path | None = None, semantic: bool | None = None, *,
                 cache_dir: Path | None = None, e5_threads: int = 1) -> None:
        self.directory = directory
        self.semantic = semantic  # None: the e5 channel when its optional extra is installed
        self.cache_dir = cache_dir  # None: ~/.cache/iao-helpdesk
        self.e5_threads = e5_threads
        self._lock = threading.Lock()
        self._current: tuple[KnowledgeBase, Matcher] | None = None
        self._fingerprint: tuple[Path, tuple[tuple[str, int, int], ...]] | None = None
        self._checked_at = 0.0

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

    def refresh_if_changed(self, min_interval: float = 2.0) -> bool:
        """Reload when the entry files changed on disk (an officer's edit in another worker); True if reloaded.

        Cheap enough for every webhook event: at most one directory stat every `min_interval` seconds, and
        a file that does not load keeps the knowledge base in force (logged) instead of failing the bot.
        """
        now = time.monotonic()
        if self._current is None or now - self._checked_at < min_interval:
            return False
        self._checked_at = now
        try:
            if self._scan() == self._fingerprint:
                return False
            self.reload()
        except (KnowledgeError, OSError) as error:
            log.error("knowledge files changed but do not load; keeping the previous ones: %s", error)
            return False
        return True

    def _scan(self) -> tuple[Path, tuple[tuple[str, int, int], ...]]:
        """The directory and a fingerprint of its entry files (name, mtime, size)."""
        directory = (self.directory or default_entries_dir()).resolve()
        fingerprint = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.y*ml"))
        )
        return directory, fingerprint

    def _load(self) -> tuple[KnowledgeBase, Matcher]:
        """Parse the files and build the matcher's index (shared by apps in one process while unchanged)."""
        scanned = self._scan()
        built = _build(*scanned, self.semantic, self.cache_dir, self.e5_threads)
        self._fingerprint = scanned
        return built


@functools.lru_cache(maxsize=4)
def _build(directory: Path, fingerprint: tuple[tuple[str, int, int], ...], semantic: bool | None,
           cache_dir: Path | None, e5_threads: int) -> tuple[KnowledgeBase, Matcher]:
    """Build once per directory content: the index is immutable, so apps and tests can share it."""
    kb = load_knowledge_base(directory)
    return kb, Matcher(kb, semantic=semantic, cache_dir=cache_dir, e5_threads=e5_threads)
