"""Recognise a request for an embassy's, consulate's or UN office's contacts, and which mission it names.

Pure functions over plain records (no database): the handlers load the directory rows and ask here.
A request needs a mission word (สถานทูต, กงสุล, embassy ...) or an organisation's own name (UNHCR), and
either a contact word (เบอร์, ที่อยู่, อยู่ไหน, phone ...) or little else in the message, so a question
*about* embassies ("ต้องแจ้งสถานทูตไหมเมื่อชาวต่างชาติเสียชีวิต") still goes to the knowledge base.
Countries are found by alias (Thai, English, demonyms, misspellings) with an edit distance of one or two.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.normalize import THAI_RE, is_english, normalize
from knowledge.parties import COUNTRY_NAMES

SEED_FILE = Path(__file__).resolve().parent / "directory" / "missions.csv"  # the sourced seed rows
KINDS = ("embassy", "consulate-general", "consulate", "honorary-consulate", "international-organisation",
         "non-resident")
CONSULAR_KINDS = ("consulate-general", "consulate", "honorary-consulate")
KIND_TH = {
    "embassy": "สถานเอกอัครราชทูต", "consulate-general": "สถานกงสุลใหญ่", "consulate": "สถานกงสุล",
    "honorary-consulate": "สถานกงสุลกิตติมศักดิ์", "international-organisation": "องค์การระหว่างประเทศ",
    "non-resident": "ไม่มีสำนักงานในไทย (ดูแลจากต่างประเทศ)",
}
KIND_EN = {
    "embassy": "Embassy", "consulate-general": "Consulate-General", "consulate": "Consulate",
    "honorary-consulate": "Honorary consulate", "international-organisation": "International organisation",
    "non-resident": "No office in Thailand (covered from abroad)",
}

EMBASSY_WORDS = ("สถานเอกอัครราชทูต", "สถานทูต", "ทูต", "embassy", "embassies", "chancery")
CONSULATE_WORDS = ("สถานกงสุลใหญ่", "สถานกงสุล", "กงสุล", "consulate", "consulates", "consul")
ORGANISATION_WORDS = ("องค์การระหว่างประเทศ", "สำนักงานสหประชาชาติ", "หน่วยงานสหประชาชาติ")
CONTACT_WORDS = (
    "เบอร์", "เบอ", "โทร", "หมายเลข", "ที่อยู่", "อยู่ไหน", "อยู่ที่ไหน", "อยู่ตรงไหน", "ตั้งอยู่", "ติดต่อ",
    "อีเมล", "อีเมล์", "เมล", "เว็บไซต์", "เว็บ", "เวลาทำการ", "เปิดกี่โมง", "เปิดทำการ", "แผนที่", "ช่องทาง",
    "address", "phone", "telephone", "tel", "contact", "contacts", "email", "e-mail", "website", "hours",
    "location", "where", "number", "call", "is there", "are there", "มีไหม", "มีที่ไหน",
)
# words that carry no topic of their own in a directory request, removed before judging "little else"
FILLER_WORDS = (
    "ขอ", "ของ", "ประจำ", "ประเทศไทย", "ประเทศ", "ไทย", "ใน", "ที่", "ณ", "ครับ", "ค่ะ", "คะ", "หน่อย", "ด้วย",
    "สำนักงาน", "แห่ง", "สาธารณรัฐ", "ราชอาณาจักร", "หา", "อยาก", "ทราบ", "รู้", "ได้", "ไหม", "มั้ย", "บ้าง",
    "of", "the", "in", "for", "thailand", "please", "what", "is", "s", "office", "and", "to", "a", "me", "give",
)
# "a country with no embassy here": the knowledge base answers that, not the directory
NO_MISSION_WORDS = ("ไม่มีสถานทูต", "ไม่มีกงสุล", "ไม่มีสถานกงสุล", "no embassy", "without an embassy",
                    "without embassy", "no consulate", "no mission")
RESIDUE_LIMIT = 6  # characters left over after the known words: more means the message is about something else
# A request with this much else in it tells a case ("an American died at home: the death certificate, and must I
# tell his embassy?"): the knowledge base answers the case when it is sure, and the mission's card rides along.
STORY_RESIDUE = 40

CITY_ALIASES: dict[str, tuple[str, ...]] = {
    "Bangkok": ("กรุงเทพมหานคร", "กรุงเทพฯ", "กรุงเทพ", "กทม", "bangkok", "bkk"),
    "Chiang Mai": ("เชียงใหม่", "เชียงไหม่", "chiang mai", "chiangmai", "chiengmai"),
    "Chiang Rai": ("เชียงราย", "chiang rai", "chiangrai"),
    "Songkhla": ("สงขลา", "songkhla", "songkla"),
    "Hat Yai": ("หาดใหญ่", "hat yai", "hatyai"),
    "Khon Kaen": ("ขอนแก่น", "ขอนแก่นน", "khon kaen", "khonkaen"),
    "Phuket": ("ภูเก็ต", "phuket"),
    "Udon Thani": ("อุดรธานี", "อุดร", "udon thani", "udon"),
    "Pattaya": ("พัทยา", "pattaya"),
    "Sa Kaeo": ("สระแก้ว", "sa kaeo", "sakaeo"),
    "Mae Sot": ("แม่สอด", "mae sot", "maesot"),
    "Ranong": ("ระนอง", "ranong"),
}

_LATIN_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class MissionRef:
    """What matching needs of one directory row: its key, kind, city and every name it answers to."""

    key: str
    kind: str
    city: str
    names: tuple[str, ...]  # country or organisation names and aliases, as typed by officers


@dataclass(frozen=True)
class DirectoryRequest:
    """A message read as a directory request: the rows it may mean, and what narrowed them."""

    candidates: tuple[MissionRef, ...]
    matched_name: str | None
    city: str | None
    wants: str | None  # "embassy" | "consulate" | None
    english: bool
    residue: str = ""

    @property
    def outcome(self) -> str:
        """'card' (one row), 'choose' (several), 'unknown' (a request naming nothing the directory holds)."""
        if not self.candidates:
            return "unknown"
        return "card" if len(self.candidates) == 1 else "choose"

    @property
    def tells_a_story(self) -> bool:
        """Whether the message asks about a case naming one mission (or one the directory lacks), not only for
        its contacts (see STORY_RESIDUE); several candidates still need the user's choice first."""
        return self.outcome != "choose" and len(self.residue) > STORY_RESIDUE


@dataclass
class _Alias:
    text: str  # normalised, spaces removed for Thai
    latin: bool
    refs: list[MissionRef] = field(default_factory=list)
    label: str = ""


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The project's normal form, lower case, with spaces dropped between Thai letters.

    Cached: every message folds the same few hundred mission, contact and country words again.
    """
    text = normalize(text or "")
    return re.sub(r"(?<=[\u0e00-\u0e7f])\s+(?=[\u0e00-\u0e7f])", "", text)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            current.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _allowed_typos(alias: str) -> int:
    """How many typing mistakes an alias forgives: none for short names (ลาว, US), two for long ones."""
    if len(alias) < 4:
        return 0
    return 1 if len(alias) < 9 else 2


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


class DirectoryMatcher:
    """Finds directory requests in messages, over the rows handed in (rebuilt when the rows change)."""

    def __init__(self, refs: Iterable[MissionRef]) -> None:
        self.refs = tuple(refs)
        aliases: dict[str, _Alias] = {}
        for ref in self.refs:
            for name in ref.names:
                folded = fold(name)
                if len(folded) < 2:
                    continue
                latin = not THAI_RE.search(folded)
                entry = aliases.setdefault(folded, _Alias(folded, latin, label=name.strip()))
                if ref not in entry.refs:
                    entry.refs.append(ref)
        # longest first, so "สาธารณรัฐประชาชนจีน" is taken before "จีน"
        self._aliases = sorted(aliases.values(), key=lambda a: len(a.text), reverse=True)
        self._cities = sorted(((fold(alias), city) for city, names in CITY_ALIASES.items() for alias in names),
                              key=lambda pair: len(pair[0]), reverse=True)
        for ref in self.refs:
            folded_city = fold(ref.city)
            if folded_city and all(folded_city != alias for alias, _ in self._cities):
                self._cities.append((folded_city, ref.city))

    # ------------------------------------------------------------------ reading a message
    def read(self, text: str) -> DirectoryRequest | None:
        """The directory request in `text`, or None when the message is not one (the matcher answers it)."""
        folded = fold(text[:300])
        if not folded:
            return None
        if any(word in folded for word, _ in _folded_words(NO_MISSION_WORDS)):
            return None
        rest = folded
        wants, rest = self._kind_word(rest)
        contact, rest = _take_any(rest, CONTACT_WORDS)
        city, rest = self._city(rest)
        # a misspelt country counts only beside a mission or organisation word; without one, only a misspelt
        # organisation's name can make a request, so the costly typo search skips the countries
        every_typo = wants is not None or _take_any(rest, ORGANISATION_WORDS)[0]
        names, name_label, rest = self._names(rest, every_typo=every_typo)
        organisation_named = any(ref.kind == "international-organisation" for ref in names)
        org_word, rest = _take_any(rest, ORGANISATION_WORDS)
        if wants is None and not organisation_named and not org_word:
            return None  # no mission word and no organisation's name: not a directory request
        country_only = None
        if not names:
            country_only, rest = self._country(rest)  # a country the directory does not hold (yet)
        residue = _residue(rest)
        if not contact and len(residue) > RESIDUE_LIMIT:
            return None  # "สถานทูต" inside a question about something else
        if contact and not names and not country_only and len(residue) > 3 * RESIDUE_LIMIT:
            return None  # a long question that merely mentions contacting an embassy
        if country_only:
            return DirectoryRequest((), country_only, city, wants, is_english(text), residue)
        if not names and not residue:
            return None  # no country named at all: the knowledge base's general answer fits ("สถานทูต")
        candidates = self._narrow(names, city, wants)
        return DirectoryRequest(tuple(candidates), name_label, city, wants, is_english(text), residue)

    @staticmethod
    def _country(text: str) -> tuple[str | None, str]:
        """A country named in the message (by COUNTRY_NAMES), and the text without it."""
        for names in COUNTRY_NAMES:
            for name in sorted(names, key=len, reverse=True):
                hit = _find(text, fold(name), latin=not THAI_RE.search(name))
                if hit is not None:
                    return names[0], text[:hit[0]] + " " + text[hit[1]:]
        return None, text

    def _kind_word(self, text: str) -> tuple[str | None, str]:
        """Which kind of mission the message asks for, and the text without that word."""
        found_consulate, text = _take_any(text, CONSULATE_WORDS)
        found_embassy, text = _take_any(text, EMBASSY_WORDS)
        if found_consulate:
            return "consulate", text
        if found_embassy:
            return "embassy", text
        return None, text

    def _city(self, text: str) -> tuple[str | None, str]:
        """The city named in the message (consulates outside Bangkok), and the text without it."""
        for alias, city in self._cities:
            hit = _find(text, alias, latin=not THAI_RE.search(alias))
            if hit is not None:
                return city, text[:hit[0]] + " " + text[hit[1]:]
        return None, text

    def _names(self, text: str, *, every_typo: bool = True) -> tuple[list[MissionRef], str | None, str]:
        """The rows whose country or organisation the message names (exactly, else with typos; with
        `every_typo` off, typos only in an organisation's name)."""
        found: list[MissionRef] = []
        label: str | None = None
        for alias in self._aliases:
            hit = _find(text, alias.text, latin=alias.latin)
            if hit is None:
                continue
            text = text[:hit[0]] + " " + text[hit[1]:]
            label = label or alias.label
            found.extend(ref for ref in alias.refs if ref not in found)
        if found:
            return found, label, text
        best: tuple[int, _Alias, tuple[int, int]] | None = None
        for alias in self._aliases:
            limit = _allowed_typos(alias.text)
            if not limit:
                continue
            if not every_typo and not any(ref.kind == "international-organisation" for ref in alias.refs):
                continue
            near = _fuzzy_find(text, alias, limit)
            if near is not None and (best is None or near[0] < best[0]):
                best = (near[0], alias, near[1])
        if best is None:
            return [], None, text
        start, end = best[2]
        return list(best[1].refs), best[1].label, text[:start] + " " + text[end:]

    @staticmethod
    def _narrow(names: Sequence[MissionRef], city: str | None, wants: str | None) -> list[MissionRef]:
        """Keep the rows in the city asked for (none there: nothing), else of the kind asked for."""
        rows = list(names)
        if city:
            in_city = [r for r in rows if r.city == city]
            if not in_city and city != "Bangkok":
                return []  # a mission asked for in a city where the directory holds none: an officer answers
            if in_city:
                rows = in_city
        elif wants == "embassy":
            embassies = [r for r in rows if r.kind in ("embassy", "non-resident", "international-organisation")]
            rows = embassies or rows
        if wants == "consulate" and len(rows) > 1:
            consulates = [r for r in rows if r.kind in CONSULAR_KINDS]
            rows = consulates or rows
        return rows


def _find(text: str, alias: str, *, latin: bool) -> tuple[int, int] | None:
    """Where an alias occurs: anywhere for Thai (no spaces between words), as whole words for Latin."""
    if latin:
        if alias not in text:  # most aliases are absent: skip the whole-word search (every message tries them all)
            return None
        match = re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])", text)
        return (match.start(), match.end()) if match else None
    index = text.find(alias)
    return (index, index + len(alias)) if index >= 0 else None


def _fuzzy_find(text: str, alias: _Alias, limit: int) -> tuple[int, tuple[int, int]] | None:
    """The closest stretch of text within `limit` edits of the alias (words for Latin, windows for Thai)."""
    grams = _bigrams(alias.text)
    if grams and len(grams & _bigrams(text)) * 2 < len(grams) - 2 * limit:
        return None  # too few shared letter pairs to be a misspelling of this alias
    best: tuple[int, tuple[int, int]] | None = None
    if alias.latin:
        spans = [(m.start(), m.end()) for m in _LATIN_WORD.finditer(text)]
        words = alias.text.count(" ") + 1
        candidates = [(spans[i][0], spans[i + words - 1][1]) for i in range(len(spans) - words + 1)]
    else:
        size = len(alias.text)
        candidates = [(i, i + n) for n in range(size - limit, size + limit + 1)
                      for i in range(0, max(len(text) - n + 1, 0))]
    for start, end in candidates:
        piece = text[start:end]
        if alias.latin is bool(THAI_RE.search(piece)):
            continue
        distance = edit_distance(piece, alias.text, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, (start, end))
    return best


@functools.cache
def _folded_words(words: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """The words in normal form, longest first, each with whether it is Latin; folded once, not per message.
    A particle the normal form already drops ("ครับ") is left out."""
    folded = (fold(word) for word in sorted(words, key=len, reverse=True))
    return tuple((f, not THAI_RE.search(f)) for f in folded if f)


def _take_any(text: str, words: Sequence[str]) -> tuple[bool, str]:
    """Remove every occurrence of the words (longest first); True when any was there."""
    found = False
    for folded, latin in _folded_words(tuple(words)):
        while (hit := _find(text, folded, latin=latin)) is not None:
            found = True
            text = text[:hit[0]] + " " + text[hit[1]:]
    return found, text


def _residue(text: str) -> str:
    """What is left of a message after the directory words: fillers and particles removed."""
    _, text = _take_any(text, FILLER_WORDS)
    return "".join(text.split())
