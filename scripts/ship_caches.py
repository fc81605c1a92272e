"""Write the caches the repository ships for its own knowledge base: e5 vectors and the classifier's fit.

A fresh install then starts in seconds instead of embedding thousands of phrasings and fitting the classifier.
Run after changing knowledge/entries (or knowledge/training) and commit knowledge/embeddings/:
    .venv/bin/python scripts/ship_caches.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from knowledge import semantic  # noqa: E402
from knowledge.base import load_knowledge_base  # noqa: E402
from knowledge.matcher import SHIPPED_CLASSIFIER, Matcher  # noqa: E402


def main() -> None:
    """Embed what is missing, keep exactly the current texts' vectors, then fit and store the classifier."""
    kb = load_knowledge_base()
    with tempfile.TemporaryDirectory() as scratch:
        # a matcher whose private cache is empty: it reads the shipped vectors and embeds only what is new
        matcher = Matcher(kb, semantic=True, classifier=False, cache_dir=Path(scratch))
        index = matcher._semantic
        assert index is not None
        from knowledge.matcher import _classifier_extras  # noqa: PLC0415 - the same extras the matcher uses

        extra, _, _ = _classifier_extras(kb)
        keys = [semantic.vector_key(t) for t in (*matcher._texts, *extra)]
        vectors = np.vstack([index.vectors, index.extra_vectors]).astype(np.float32)
        unique = dict(zip(keys, vectors, strict=True))
        semantic.SHIPPED_CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            semantic.SHIPPED_CACHE, keys=np.array(list(unique)), vectors=np.stack(list(unique.values()))
        )
        SHIPPED_CLASSIFIER.unlink(missing_ok=True)
        # fitting with save_to the shipped file: the key hashes exactly these vectors, as a fresh install sees them
        fresh = Matcher(kb, semantic=True, cache_dir=Path(scratch) / "fit")
        assert fresh._classifier is not None
        cached = Path(scratch) / "fit" / SHIPPED_CLASSIFIER.name
        cached.replace(SHIPPED_CLASSIFIER)
    size = sum(p.stat().st_size for p in semantic.SHIPPED_CACHE.parent.iterdir())
    print(f"{len(unique)} vectors and the classifier for {len(kb.entries)} entries: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
