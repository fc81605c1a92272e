"""Small dict-based sparse TF-IDF index with cosine scoring: enough for thousands of short phrasings."""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

Features = Callable[[str], Counter[str]]


def char_ngrams(text: str, lo: int = 2, hi: int = 4) -> Counter[str]:
    """Character n-grams inside each space-separated word, padded with spaces (like sklearn's char_wb)."""
    grams: Counter[str] = Counter()
    for word in text.split():
        padded = f" {word} "
        n_chars = len(padded)
        for n in range(lo, hi + 1):
            if n > n_chars:
                break
            for i in range(n_chars - n + 1):
                grams[padded[i : i + n]] += 1
    return grams


def word_features(tokens: Sequence[str], bigrams: bool = True) -> Counter[str]:
    """Word unigrams (and adjacent bigrams) of a token list, for the word channel."""
    feats: Counter[str] = Counter(tokens)
    if bigrams:
        feats.update(f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return feats


# Query features found in more than this share of documents are skipped in the first pass: their long
# postings are what makes a big KB slow.  The best RESCORED documents of that pass then get their exact
# cosine, so the scores the thresholds were calibrated on do not change.
COMMON_FEATURE_SHARE = 0.01
MIN_SKIPPED_POSTINGS = 64
RESCORED = 100


class SparseIndex:
    """TF-IDF vectors (sublinear tf, smoothed idf, L2-normalised) with an inverted index for cosine search."""

    def __init__(self, documents: Sequence[Counter[str]]) -> None:
        """Index a list of feature counts; document i is later reported by its position i."""
        self.size = len(documents)
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(doc.keys())
        self.idf: dict[str, float] = {f: math.log((1 + self.size) / (1 + n)) + 1.0 for f, n in df.items()}
        self._unseen_idf = math.log(1 + self.size) + 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.vectors: list[dict[str, float]] = []
        for i, doc in enumerate(documents):
            vector = self._weigh(doc, known_only=True)
            self.vectors.append(vector)
            for feat, weight in vector.items():
                postings[feat].append((i, weight))
        self.postings = dict(postings)

    def _weigh(self, counts: Counter[str], known_only: bool = False) -> dict[str, float]:
        vec: dict[str, float] = {}
        for feat, tf in counts.items():
            idf = self.idf.get(feat)
            if idf is None:
                if known_only:
                    continue
                idf = self._unseen_idf
            vec[feat] = (1.0 + math.log(tf)) * idf
        norm = math.sqrt(sum(w * w for w in vec.values()))
        if norm == 0.0:
            return {}
        return {f: w / norm for f, w in vec.items()}

    def cosine(self, counts: Counter[str]) -> dict[int, float]:
        """Cosine similarity of a query's features with every document sharing at least one feature."""
        scores: dict[int, float] = defaultdict(float)
        limit = max(MIN_SKIPPED_POSTINGS, int(COMMON_FEATURE_SHARE * self.size))
        query = self._weigh(counts)
        skipped: list[tuple[str, float]] = []
        for feat, qw in query.items():
            postings = self.postings.get(feat, ())
            if len(postings) > limit:
                skipped.append((feat, qw))
                continue
            for doc, dw in postings:
                scores[doc] += qw * dw
        if skipped and not scores:
            # every feature of the query is common ("worker lost pink card what to do" in a base full of pink
            # cards): score their postings in full rather than give every document nothing
            for feat, qw in skipped:
                for doc, dw in self.postings[feat]:
                    scores[doc] += qw * dw
        elif skipped:
            for doc in heapq.nlargest(RESCORED, scores, key=scores.__getitem__):
                vector = self.vectors[doc]
                scores[doc] += sum(qw * vector.get(feat, 0.0) for feat, qw in skipped)
        return scores
