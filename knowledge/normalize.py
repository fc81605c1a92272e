"""Text normalisation shared by the index and the queries, so that spelling noise does not change a match.

Design notes (see shared/research/thai_retrieval.md, section 3):
- NFC for Thai, NFKC only for non-Thai characters: NFKC would split sara am (U+0E33) into nikhahit + sara aa.
- invisible characters (ZWSP, ZWJ, BOM, soft hyphen, bidi marks) are removed, they break matching.
- Thai digits become Arabic digits, Latin letters become lower case.
- runs of 3+ identical letters collapse ("ครับบบ", "มากกกก", "hellooo").
- dots inside abbreviations are dropped ("ท.ร.13" -> "ทร13", "ตม." -> "ตม"), and form numbers are glued
  to their prefix ("ท.ร. ๑๓" -> "ทร13", "TM.30" / "tm 30" -> "ตม30").
- polite particles and fillers are dropped where they end a word ("ครับ", "นะคะ", "หน่อย", "จ้า" ...).
- punctuation and emoji become spaces; whitespace is collapsed.
"""

from __future__ import annotations

import re
import unicodedata

from pythainlp.util import normalize as thai_normalize

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
INVISIBLE_RE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
THAI_CHAR = "\u0e00-\u0e7f"
THAI_CONSONANT = "\u0e01-\u0e2e"
THAI_RE = re.compile(f"[{THAI_CHAR}]")
THAI_CONSONANT_RE = re.compile(f"[{THAI_CONSONANT}]")

# nikhahit + sara aa typed as two characters (and with a tone mark between) -> sara am.
SARA_AM_RE = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")
SARA_AM_TONE_AFTER_RE = re.compile("\u0e33([\u0e48-\u0e4b])")
DOUBLE_SARA_E_RE = re.compile("\u0e40\u0e40")
REPEAT_RE = re.compile(r"([\u0e01-\u0e4e])\1{2,}|([a-z])\2{2,}")
REPEAT_MARK_RE = re.compile(r"([\u0e31-\u0e3a\u0e47-\u0e4e])\1+")
MAI_YAMOK_RE = re.compile(r"\s*\u0e46")

# dots between Thai letters / digits are abbreviation dots: "ท.ร.13", "ตม.30", "พ.ศ.", "กทม."
THAI_ABBREV_DOT_RE = re.compile(rf"(?<=[{THAI_CONSONANT}\u0e30-\u0e4e])\.")
# government form numbers written with a space or dot before the number: "ทร 13", "ตม. 30", "คร 22"
FORM_PREFIXES = ("ทร", "ตม", "คร", "ทม", "ปค", "บป", "มท", "กต", "สตม", "คส")
FORM_NUMBER_RE = re.compile(rf"(?<![{THAI_CHAR}])({'|'.join(FORM_PREFIXES)})\s+(\d{{1,3}})(?!\d)")
LATIN_TM_RE = re.compile(r"(?<![a-z])t\.?\s*m\.?\s*(\d{1,2})(?!\d)")

# Polite particles and chat fillers.  They are removed where they end a word (before a space or the end)
# or where they stand alone, so "คะแนน" or "ครับผ่าน..." keep their letters.
PARTICLES = (
    "นะครับผม",
    "ครับผม",
    "นะครับ",
    "นะคะ",
    "นะค่ะ",
    "นะคับ",
    "นะฮะ",
    "นะจ๊ะ",
    "นะจ้ะ",
    "นะจ้า",
    "ครับ",
    "คร้าบ",
    "ค้าบ",
    "คับ",
    "ฮะ",
    "ฮับ",
    "งับ",
    "ค่ะ",
    "คะ",
    "ค๊ะ",
    "คร่ะ",
    "จ้า",
    "จ้ะ",
    "จ่ะ",
    "หน่อย",
    "ด้วยนะ",
    "เด้อ",
)
# particles only removed at the very end of the message: they are also ordinary words elsewhere
END_ONLY_PARTICLES = ("นะ", "จ๊ะ", "เนอะ", "ค่า", "น้า", "ขอรับ")
# fillers that carry no topic and commonly open a message
FILLER_PHRASES = (
    "รบกวนสอบถาม",
    "ขอสอบถาม",
    "อยากสอบถาม",
    "สอบถามหน่อย",
    "ขอถามหน่อย",
    "อยากทราบว่า",
    "ขอเรียนถาม",
    "รบกวนถาม",
    "ขออนุญาตสอบถาม",
    "ขออนุญาตถาม",
)


def _particle_pattern(words: tuple[str, ...]) -> str:
    # allow the last letter to be repeated ("ครับบ", "ค่าา")
    alts = sorted({re.escape(w[:-1]) + re.escape(w[-1]) + "+" for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(alts) + ")"


PARTICLE_RE = re.compile(rf"(?:{_particle_pattern(PARTICLES)})+(?=\s|$)")
END_PARTICLE_RE = re.compile(rf"(?:{_particle_pattern(END_ONLY_PARTICLES)})+$")
FILLER_RE = re.compile("|".join(sorted(map(re.escape, FILLER_PHRASES), key=len, reverse=True)))


def _fold_non_thai(text: str) -> str:
    """NFKC-fold everything except Thai characters (full-width Latin, ligatures, circled digits)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if "\u0e00" <= ch <= "\u0e7f" or ch.isascii():
            out.append(ch)
        else:
            out.append(unicodedata.normalize("NFKC", ch))
    return "".join(out)


def _drop_symbols(text: str) -> str:
    """Replace punctuation, emoji and other symbols by spaces; keep letters, marks and digits."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch if ch.isalnum() or ch == " " else " ")
            continue
        cat = unicodedata.category(ch)
        out.append(ch if cat[0] in "LMN" else " ")
    return "".join(out)


def normalize(text: str) -> str:
    """Canonical form of a question, so typing noise (particles, digits, dots, repeats) does not matter."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = INVISIBLE_RE.sub("", text)
    text = _fold_non_thai(text)
    text = URL_RE.sub(" ", text)
    text = text.translate(THAI_DIGITS).lower()
    text = SARA_AM_RE.sub("\\1\u0e33", text)
    text = DOUBLE_SARA_E_RE.sub("\u0e41", text)
    text = REPEAT_MARK_RE.sub(r"\1", text)
    text = REPEAT_RE.sub(lambda m: m.group(1) or m.group(2), text)
    text = thai_normalize(text)
    text = SARA_AM_TONE_AFTER_RE.sub("\\1\u0e33", text) if "\u0e33" in text else text
    text = MAI_YAMOK_RE.sub(" ", text)
    # abbreviations and form numbers
    text = THAI_ABBREV_DOT_RE.sub("", text)
    text = LATIN_TM_RE.sub(r"ตม\1", text)
    text = _drop_symbols(text)
    text = " ".join(text.split())
    text = FORM_NUMBER_RE.sub(r"\1\2", text)
    # fillers and polite particles
    text = FILLER_RE.sub(" ", text)
    text = PARTICLE_RE.sub(" ", text)
    text = " ".join(text.split())
    text = END_PARTICLE_RE.sub("", text)
    return " ".join(text.split())


def strip_tones(text: str) -> str:
    """Drop Thai tone marks, for a channel that forgives missing or wrong tone marks."""
    return re.sub("[\u0e48-\u0e4b]", "", text)


def is_english(text: str) -> bool:
    """Whether a message is written in English (most of its letters Latin), so its answer should be too.

    One rule for every answer (the matcher's and the directory's): staff type English with a Thai term in it
    ("how to say เจ้าบ้าน in english") when a foreigner stands at the counter.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if ch.isascii())
    return latin / len(letters) >= 0.6
