"""The entry classifier: learns separable classes, caches its fit by content, refits when the data change."""

from __future__ import annotations

from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("sklearn")

from knowledge.classifier import ITERATIONS, EntryClassifier  # noqa: E402


def _clusters(
    seed: int = 0,
    n_classes: int = 4,
    per_class: int = 12,
    dim: int = 16,
    centre_scale: float = 3.0,
    noise: float = 0.3,
):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, dim)) * centre_scale
    vectors = np.vstack([centres[c] + rng.normal(size=(per_class, dim)) * noise for c in range(n_classes)])
    labels = np.repeat(np.arange(n_classes), per_class)
    return centres, vectors, labels


def test_probabilities_pick_the_right_class_and_sum_to_one() -> None:
    centres, vectors, labels = _clusters()
    clf = EntryClassifier.fit(vectors, labels, np.ones(len(labels)), n_entries=5)
    for c, centre in enumerate(centres):
        p = clf.probabilities(centre)
        assert p.shape == (5,)
        assert int(p.argmax()) == c
        assert p[4] == 0.0  # an entry with no training rows gets no probability
        assert abs(float(p.sum()) - 1.0) < 1e-5


def test_fit_is_cached_by_content(tmp_path: Path) -> None:
    _, vectors, labels = _clusters()
    cache = tmp_path / "clf.npz"
    first = EntryClassifier.fit(vectors, labels, np.ones(len(labels)), 4, cache_files=(cache,), save_to=cache)
    assert cache.is_file()
    stamp = cache.stat().st_mtime_ns
    again = EntryClassifier.fit(vectors, labels, np.ones(len(labels)), 4, cache_files=(cache,), save_to=cache)
    assert cache.stat().st_mtime_ns == stamp  # loaded, not refitted and rewritten
    assert np.allclose(first.probabilities(vectors[0]), again.probabilities(vectors[0]))
    changed = labels.copy()
    changed[0] = 3
    EntryClassifier.fit(vectors, changed, np.ones(len(labels)), 4, cache_files=(cache,), save_to=cache)
    assert cache.stat().st_mtime_ns != stamp  # different training data: a new fit replaces the cache


def test_unreadable_cache_is_ignored(tmp_path: Path) -> None:
    _, vectors, labels = _clusters()
    cache = tmp_path / "clf.npz"
    cache.write_bytes(b"not an npz file")
    clf = EntryClassifier.fit(vectors, labels, np.ones(len(labels)), 4, cache_files=(cache,))
    assert int(clf.probabilities(vectors[0]).argmax()) == 0


def test_every_fit_runs_the_same_number_of_steps() -> None:
    """Stopping early regularises the fit; a stop by tolerance once ended it after 2 steps and wrecked the answers."""
    # overlapping classes: a tolerance of 1e-3 stops a fit of this data after 30 steps
    _, vectors, labels = _clusters(n_classes=6, per_class=30, centre_scale=1.0, noise=1.5)
    clf = EntryClassifier.fit(vectors, labels, np.ones(len(labels)), n_entries=6)
    assert clf.iterations == ITERATIONS
    shifted = EntryClassifier.fit(vectors[:-1], labels[:-1], np.ones(len(labels) - 1), n_entries=6)
    assert shifted.iterations == ITERATIONS  # one row less changes the data, not the length of the fits
