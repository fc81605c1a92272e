"""Word segmentation for normalised text: newmm with domain words, then a variant lexicon to one spelling.

pythainlp is imported with PYTHAINLP_OFFLINE / PYTHAINLP_READ_ONLY set, so nothing is ever downloaded.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from functools import lru_cache  # noqa: E402

from pythainlp.corpus import thai_words  # noqa: E402
from pythainlp.tokenize import word_tokenize  # noqa: E402
from pythainlp.util import Trie, dict_trie  # noqa: E402

# Domain words the stock dictionary splits badly, in their *normalised* spelling (no dots, Arabic digits).
DOMAIN_WORDS: frozenset[str] = frozenset(
    {
        "ทร13",
        "ทร14",
        "ทร38",
        "ทร38ก",
        "ทร38ข",
        "ทร12",
        "ตม30",
        "ตม47",
        "ตม7",
        "ตม8",
        "ตม",
        "สตม",
        "คร2",
        "คร3",
        "คร22",
        "คร14",
        "ทร",
        "กต",
        "บป",
        "มท",
        "บัตรสีชมพู",
        "บัตรชมพู",
        "ทะเบียนสมรส",
        "จดทะเบียนสมรส",
        "ทะเบียนบ้าน",
        "ทะเบียนบ้านกลาง",
        "สถานทูต",
        "สถานกงสุล",
        "กงสุล",
        "กรมการกงสุล",
        "นิติกรณ์",
        "รับรองเอกสาร",
        "ผู้แทนโดยชอบธรรม",
        "หนังสือเดินทาง",
        "พาสปอร์ต",
        "พาสปอต",
        "พาสปอร์ท",
        "วีซ่า",
        "วีซา",
        "ต่างด้าว",
        "คนต่างด้าว",
        "ต่างชาติ",
        "ชาวต่างชาติ",
        "คนต่างชาติ",
        "ชาวต่างประเทศ",
        "ต่างประเทศ",
        "สัญชาติ",
        "ถือสัญชาติ",
        "สองสัญชาติ",
        "ไร้สัญชาติ",
        "บุคคลไร้สัญชาติ",
        "เลข13หลัก",
        "เลขประจำตัว",
        "บัตรประชาชน",
        "สูติบัตร",
        "มรณบัตร",
        "ใบมรณบัตร",
        "ใบเกิด",
        "ใบตาย",
        "ใบสำคัญ",
        "ใบถิ่นที่อยู่",
        "ถิ่นที่อยู่",
        "ตรวจคนเข้าเมือง",
        "แรงงานต่างด้าว",
        "ใบอนุญาตทำงาน",
        "เวิร์คเพอร์มิต",
        "เวิร์กเพอร์มิต",
        "หนังสือรับรองความเป็นโสด",
        "รับรองโสด",
        "ความเป็นโสด",
        "หนังสือรับรอง",
        "คำรับรอง",
        "แปลเอกสาร",
        "ผู้แปล",
        "นักแปล",
        "แรงงาน",
        "เมียนมา",
        "เมียนมาร์",
        "พม่า",
        "กัมพูชา",
        "ลาว",
        "อุปการะ",
        "บุตรบุญธรรม",
        "รับบุตรบุญธรรม",
        "หย่า",
        "จดทะเบียนหย่า",
        "ทะเบียนหย่า",
        "เปลี่ยนชื่อ",
        "ชื่อสกุล",
        "นามสกุล",
        "สำนักงานเขต",
        "ฝ่ายทะเบียน",
        "นายทะเบียน",
        "อำเภอ",
        "อาเซียน",
        "ถิ่นที่อยู่ถาวร",
        "เวิคเพอมิต",
        "เวิร์คเพอมิต",
        "เวิกเพอมิต",
        "พีอาร์",
        "เอ็มโอยู",
        "พรีนัป",
        "สัญญาก่อนสมรส",
        "แจ้งเกิด",
        "แจ้งตาย",
        "คนไทย",
        "ฝรั่ง",
        "เมืองนอก",
        "ลีกัลไลซ์",
        "อพอสทิล",
        "กรมการปกครอง",
        "ทะเบียนราษฎร",
        "แปลงสัญชาติ",
        "ลูกครึ่ง",
        "ศูนย์บริการ",
    }
)

# Spelling variants and synonyms, mapped token by token to one canonical form (never inside a word:
# "ฝรั่งเศส" must stay France).  A canonical form may be several words.
VARIANTS: dict[str, str] = {
    "passport": "หนังสือเดินทาง",
    "พาสปอร์ต": "หนังสือเดินทาง",
    "พาสปอต": "หนังสือเดินทาง",
    "พาสปอร์ท": "หนังสือเดินทาง",
    "พาสปอร์ต์": "หนังสือเดินทาง",
    "พาส": "หนังสือเดินทาง",
    "visa": "วีซ่า",
    "วีซา": "วีซ่า",
    "วีซ่าร์": "วีซ่า",
    "ฝรั่ง": "ต่างชาติ",
    "ชาวต่างชาติ": "ต่างชาติ",
    "คนต่างชาติ": "ต่างชาติ",
    "ชาวต่างประเทศ": "ต่างชาติ",
    "คนต่างด้าว": "ต่างด้าว",
    "foreigner": "ต่างชาติ",
    "foreigners": "ต่างชาติ",
    "foreign": "ต่างชาติ",
    "เมืองนอก": "ต่างประเทศ",
    "abroad": "ต่างประเทศ",
    "แต่งงาน": "สมรส",
    "จดทะเบียนสมรส": "จดทะเบียน สมรส",
    "ทะเบียนสมรส": "ทะเบียน สมรส",
    "marriage": "สมรส",
    "marry": "สมรส",
    "married": "สมรส",
    "จดทะเบียนหย่า": "จดทะเบียน หย่า",
    "divorce": "หย่า",
    "embassy": "สถานทูต",
    "สถานเอกอัครราชทูต": "สถานทูต",
    "consulate": "สถานกงสุล",
    "immigration": "ตรวจคนเข้าเมือง",
    "ตม": "ตรวจคนเข้าเมือง",
    "สตม": "ตรวจคนเข้าเมือง",
    "legalize": "นิติกรณ์",
    "legalise": "นิติกรณ์",
    "legalization": "นิติกรณ์",
    "legalisation": "นิติกรณ์",
    "ลีกัลไลซ์": "นิติกรณ์",
    "apostille": "นิติกรณ์",
    "อพอสทิล": "นิติกรณ์",
    "translate": "แปล",
    "translation": "แปล",
    "translator": "ผู้แปล",
    "นักแปล": "ผู้แปล",
    "ใบเกิด": "สูติบัตร",
    "birth": "เกิด",
    "death": "ตาย",
    "ใบตาย": "มรณบัตร",
    "ใบมรณบัตร": "มรณบัตร",
    "เสียชีวิต": "ตาย",
    "died": "ตาย",
    "dies": "ตาย",
    "dead": "ตาย",
    "เวิร์คเพอร์มิต": "ใบอนุญาตทำงาน",
    "เวิร์กเพอร์มิต": "ใบอนุญาตทำงาน",
    "เวิคเพอมิต": "ใบอนุญาตทำงาน",
    "เวิร์คเพอมิต": "ใบอนุญาตทำงาน",
    "เวิกเพอมิต": "ใบอนุญาตทำงาน",
    "เวิร์คเพอร์มิท": "ใบอนุญาตทำงาน",
    "พีอาร์": "ถิ่นที่อยู่ถาวร",
    "เอ็มโอยู": "mou",
    "พรีนัป": "สัญญาก่อนสมรส",
    "พรีนัพ": "สัญญาก่อนสมรส",
    "prenup": "สัญญาก่อนสมรส",
    "prenuptial": "สัญญาก่อนสมรส",
    "work permit": "ใบอนุญาตทำงาน",
    "บัตรชมพู": "บัตรสีชมพู",
    "pink card": "บัตรสีชมพู",
    "เมียนมาร์": "เมียนมา",
    "พม่า": "เมียนมา",
    "myanmar": "เมียนมา",
    "burmese": "เมียนมา",
    "มั้ย": "ไหม",
    "มั๊ย": "ไหม",
    "ไม๊": "ไหม",
    "ป่ะ": "ไหม",
    "หรือเปล่า": "ไหม",
    "หรือไม่": "ไหม",
    "ป่าว": "ไหม",
    "รึเปล่า": "ไหม",
    "ยังไง": "อย่างไร",
    "ยังงัย": "อย่างไร",
    "ไง": "อย่างไร",
    "how": "อย่างไร",
    "เท่าไหร่": "เท่าไร",
    "เท่าไร": "เท่าไร",
    "กี่บาท": "เท่าไร บาท",
    "ที่ไหน": "ที่ไหน",
    "where": "ที่ไหน",
    "เอกสาร": "เอกสาร",
    "documents": "เอกสาร",
    "document": "เอกสาร",
    "papers": "เอกสาร",
    "ลูก": "บุตร",
    "child": "บุตร",
    "children": "บุตร",
    "kid": "บุตร",
    "baby": "บุตร",
    "เด็ก": "บุตร",
    "สามี": "คู่สมรส",
    "ภรรยา": "คู่สมรส",
    "ภริยา": "คู่สมรส",
    "เมีย": "คู่สมรส",
    "ผัว": "คู่สมรส",
    "husband": "คู่สมรส",
    "wife": "คู่สมรส",
    "spouse": "คู่สมรส",
    "เขต": "สำนักงานเขต",
    "อำเภอ": "สำนักงานเขต",
    "district": "สำนักงานเขต",
    "ทร13": "ทร13",
    "ทร14": "ทร14",
    "lost": "หาย",
    "หายไป": "หาย",
    "ทำหาย": "หาย",
    "fee": "ค่าธรรมเนียม",
    "fees": "ค่าธรรมเนียม",
    "cost": "ค่าธรรมเนียม",
    "thai": "ไทย",
    "thailand": "ไทย",
}

# Tokens that carry no topic for the word channel (question words are kept on purpose).
STOP_TOKENS: frozenset[str] = frozenset(
    {
        "ที่",
        "จะ",
        "ได้",
        "ไหม",
        "ก็",
        "และ",
        "หรือ",
        "ของ",
        "ให้",
        "ใน",
        "การ",
        "ความ",
        "เป็น",
        "มี",
        "ว่า",
        "นี้",
        "นั้น",
        "แล้ว",
        "อยู่",
        "ไป",
        "มา",
        "กับ",
        "แบบ",
        "ต้อง",
        "บ้าง",
        "อะไร",
        "คือ",
        "ไม่",
        "ยัง",
        "ถ้า",
        "จาก",
        "ซึ่ง",
        "โดย",
        "เรา",
        "เขา",
        "คน",
        "ผม",
        "ดิฉัน",
        "หนู",
        "พี่",
        "เค้า",
        "the",
        "a",
        "an",
        "to",
        "of",
        "for",
        "in",
        "on",
        "is",
        "are",
        "do",
        "does",
        "can",
        "i",
        "we",
        "my",
        "what",
        "it",
        "be",
        "at",
        "with",
        "and",
        "or",
        "if",
        "you",
        "should",
        "need",
        "there",
        "this",
    }
)


@lru_cache(maxsize=1)
def domain_trie() -> Trie:
    """The newmm dictionary: pythainlp's word list plus domain words and the lexicon's Thai variants."""
    extra = set(DOMAIN_WORDS) | {k for k in VARIANTS if " " not in k and not k.isascii()}
    return dict_trie(set(thai_words()) | extra)


def segment(normalized: str) -> list[str]:
    """Split normalised text into raw newmm words (no lexicon), whitespace dropped."""
    if not normalized:
        return []
    return [
        t
        for t in word_tokenize(normalized, custom_dict=domain_trie(), engine="newmm", keep_whitespace=False)
        if t.strip()
    ]


LATIN_PHRASES = {k: v for k, v in VARIANTS.items() if " " in k}
LATIN_PHRASE_RE = re.compile(r"\b(" + "|".join(map(re.escape, sorted(LATIN_PHRASES, key=len, reverse=True))) + r")\b")


def canonical_tokens(normalized: str) -> list[str]:
    """Words of normalised text with spelling variants and synonyms mapped to one canonical form."""
    out: list[str] = []
    if LATIN_PHRASES and " " in normalized:
        normalized = LATIN_PHRASE_RE.sub(lambda m: f" {LATIN_PHRASES[m.group(1)]} ", normalized)
    for tok in segment(normalized):
        mapped = VARIANTS.get(tok)
        if mapped is None:
            out.append(tok)
        else:
            out.extend(mapped.split())
    return out


def content_tokens(tokens: list[str]) -> list[str]:
    """Drop function words, keeping topic words and question words, for the word channel."""
    kept = [t for t in tokens if t not in STOP_TOKENS]
    return kept or tokens
