"""Who a question is about: a message that names only Thai parties is not a foreign-affairs question.

Most foreigner entries have a domestic twin that the same words would match ("คู่รักคนไทยทั้งคู่จะจดทะเบียน
สมรสนอกสำนักงาน" reads like marriage outside the office with a foreigner). The matcher uses this to keep a
question that says the people are Thai, and mentions no foreigner, away from a foreigner answer.
Works on normalised text (knowledge/normalize.py: lower case, no dots).
"""

from __future__ import annotations

import re

# Countries by their common names (not facts to source: only how people name them). The directory uses them
# (a request naming one it does not hold is "unknown": an officer answers), and so does EVENT_ABROAD_RE.
COUNTRY_NAMES: tuple[tuple[str, ...], ...] = (
    ("ลาว", "สปปลาว", "laos", "lao"), ("กัมพูชา", "เขมร", "cambodia", "cambodian"),
    ("เวียดนาม", "vietnam", "viet nam", "vietnamese"), ("พม่า", "เมียนมา", "เมียนมาร์", "myanmar", "burma"),
    ("มาเลเซีย", "malaysia", "malaysian"), ("สิงคโปร์", "singapore"), ("อินโดนีเซีย", "indonesia"),
    ("ฟิลิปปินส์", "philippines", "filipino"), ("บรูไน", "brunei"), ("ติมอร์", "timor"),
    ("จีน", "china", "chinese"), ("ญี่ปุ่น", "japan", "japanese"), ("เกาหลี", "korea", "korean"),
    ("ไต้หวัน", "taiwan"), ("ฮ่องกง", "hong kong"), ("มองโกเลีย", "mongolia"),
    ("อินเดีย", "india", "indian"), ("ปากีสถาน", "pakistan"), ("บังกลาเทศ", "บังคลาเทศ", "bangladesh"),
    ("ศรีลังกา", "sri lanka"), ("เนปาล", "nepal"), ("ภูฏาน", "bhutan"), ("อัฟกานิสถาน", "afghanistan"),
    ("อิหร่าน", "iran"), ("อิรัก", "iraq"), ("อิสราเอล", "israel"), ("ซาอุ", "saudi"), ("กาตาร์", "qatar"),
    ("ตุรกี", "turkey", "türkiye"), ("อียิปต์", "egypt"), ("ยูเออี", "เอมิเรตส์", "uae", "emirates"),
    ("อเมริกา", "สหรัฐ", "usa", "united states", "american"), ("แคนาดา", "canada"), ("เม็กซิโก", "mexico"),
    ("บราซิล", "brazil"), ("อาร์เจนตินา", "argentina"), ("ชิลี", "chile"), ("เปรู", "peru"),
    ("อังกฤษ", "สหราชอาณาจักร", "uk", "united kingdom", "british"), ("ฝรั่งเศส", "france", "french"),
    ("เยอรมนี", "เยอรมัน", "germany", "german"), ("อิตาลี", "italy", "italian"), ("สเปน", "spain"),
    ("โปรตุเกส", "portugal"), ("เนเธอร์แลนด์", "ฮอลแลนด์", "netherlands", "dutch"), ("เบลเยียม", "belgium"),
    ("สวิส", "สวิตเซอร์แลนด์", "switzerland", "swiss"), ("ออสเตรีย", "austria"), ("สวีเดน", "sweden"),
    ("นอร์เวย์", "norway"), ("เดนมาร์ก", "denmark"), ("ฟินแลนด์", "finland"), ("ไอร์แลนด์", "ireland"),
    ("โปแลนด์", "poland"), ("เช็ก", "czech"), ("ฮังการี", "hungary"), ("กรีซ", "greece"),
    ("รัสเซีย", "russia", "russian"), ("ยูเครน", "ukraine"), ("ออสเตรเลีย", "australia", "australian"),
    ("นิวซีแลนด์", "new zealand"), ("แอฟริกาใต้", "south africa"), ("ไนจีเรีย", "nigeria"), ("เคนยา", "kenya"),
    ("ไอซ์แลนด์", "iceland"), ("จาเมกา", "jamaica"),
)
# Words that say a Thai person or Thai people are the parties.
THAI_PARTY_RE = re.compile(
    r"(คนไทย|ชาวไทย|สัญชาติไทย|ไทยทั้งคู่|ไทยกับไทย|ไทยล้วน|เจ้าของคนไทย|สามีไทย|ภรรยาไทย|สามีคนไทย|"
    r"ภรรยาคนไทย|แฟนคนไทย|พ่อแม่คนไทย|\bi(?:'m| am) thai\b|"
    r"thai (?:[a-z]+ )?(?:citizen|national|person|people|owner|couple|husband|wife|"
    r"worker|shop|family|parents|friend|man|woman|girl|guy|resident|villager|staff|boy|child|baby|landlord|"
    r"seller|vendor|student|employee|employer|company|director|grandpa|grandma|grandfather|grandmother|mother|father|"
    r"son|daughter|kid|teenager|uncle|aunt|lady|elderly|old man|old woman|nurse|teacher|officer)s?|both thai|\bthais\b)"
)

# What people of other countries are called in English ("a Nigerian customer", "lao worker"): how staff name
# them, not facts. Words that are also everyday English ("polish", "kiwi", "english") are left out.
DEMONYMS_EN = (
    "american|british|scottish|welsh|irish|chinese|taiwanese|hongkonger|japanese|korean|mongolian|burmese|myanmar|"
    "lao|laotian|cambodian|khmer|vietnamese|malaysian|singaporean|indonesian|filipino|filipina|bruneian|"
    "timorese|indian|pakistani|bangladeshi|sri lankan|nepali|nepalese|bhutanese|afghan|iranian|iraqi|"
    "israeli|saudi|emirati|qatari|turkish|egyptian|moroccan|nigerian|kenyan|ghanaian|ethiopian|cameroonian|"
    "south african|french|german|italian|spanish|portuguese|dutch|belgian|swiss|austrian|swedish|"
    "norwegian|danish|finnish|icelandic|czech|hungarian|greek|romanian|bulgarian|ukrainian|russian|"
    "belarusian|australian|new zealander|canadian|mexican|brazilian|argentin(?:e|ian)|chilean|peruvian|"
    "colombian|jamaican|uzbek|kazakh"
)

# A foreign *person* among the parties (not merely a visa or an embassy: a Thai going abroad has those too):
# the Thai names of nationalities, after "คน", "ชาว", "สามี" ... or "เป็น".
NATIONALITY = (
    r"(?:จีน|ญี่ปุ่น|เกาหลี|พม่า|เมียนมา|ลาว|กัมพูชา|เขมร|เวียดนาม|อินเดีย|อเมริกัน|อเมริกา|อังกฤษ|ฝรั่งเศส|เยอรมัน|"
    r"รัสเซีย|ออสเตรเลีย|สิงคโปร์|มาเลเซีย|ฟิลิปปินส์|อินโดนีเซีย|ไต้หวัน|อิตาลี|สวีเดน|ดัตช์|ฮอลแลนด์|สวิส|แคนาดา|"
    r"ปากีสถาน|บังกลาเทศ|บังคลาเทศ|เนปาล|ยุโรป|แอฟริกา|อาหรับ|อิหร่าน|ตุรกี|อิสราเอล|ออสซี่|ฮ่องกง|มองโกเลีย|"
    r"ศรีลังกา|ภูฏาน|อัฟกัน|อิรัก|ซาอุ|กาตาร์|อียิปต์|ไนจีเรีย|เคนยา|กานา|แคเมอรูน|ยูเครน|โปแลนด์|เช็ก|ฮังการี|กรีก|"
    r"สเปน|โปรตุเกส|เบลเยียม|ออสเตรีย|นอร์เวย์|เดนมาร์ก|ฟินแลนด์|ไอร์แลนด์|นิวซีแลนด์|เม็กซิกัน|เม็กซิโก|บราซิล|"
    r"อาร์เจนตินา|โคลอมเบีย|บรูไน|ติมอร์)"
)


# What a Thai citizen has too when going abroad: beside a Thai party, these do not bring in a foreigner.
TRAVEL_DOCUMENTS = r"วีซ่า|วีซา|พาสปอร์ต|พาสปอต|หนังสือเดินทาง|visa|passport"
# Words that bring a foreigner (or the foreign side of the work) into the question, travel documents aside.
FOREIGN_BESIDES_TRAVEL_RE = re.compile(
    r"(ต่างชาติ|ต่างด้าว|ตางชาติ|ตางด้าว|ต่างชาต|ต่างประเทศ|ตปท|ฝรั่ง|ชาวต่าง|ลูกครึ่ง|แรงงานข้ามชาติ|บัตรชมพู|บัตรสีชมพู|ทร13|ทร38|"
    r"ตม30|ตม47|ตม|สถานทูต|สถานกงสุล|กงสุล|ทูต|ผู้ลี้ภัย|"
    r"นักท่องเที่ยว|เวิร์คเพอร์มิ|ใบอนุญาตทำงาน|"
    r"สัญชาติ(?!ไทย)|"
    r"(?:คน|ชาว|สามี|ภรรยา|แฟน|เมีย|ผัว|พ่อ|แม่|แรงงาน|เด็ก|ลูก|นักเรียน|นักศึกษา|ผู้ปกครอง|ครู|หนุ่ม|สาว|ลุง|"
    r"ป้า|คนไข้|ผู้ป่วย|นักธุรกิจ|บริษัท|ผู้หญิง|ผู้ชาย)" + NATIONALITY + r"|"
    r"foreign|alien|expat|migrant|tourist|embassy|consul|pink card|work permit|tm30|tm 30|"
    r"immigration|refugee|non-thai|"
    r"\b(?:english|uk|us|usa|" + DEMONYMS_EN + r")\b)"
)
FOREIGN_RE = re.compile(f"(?:{TRAVEL_DOCUMENTS}|{FOREIGN_BESIDES_TRAVEL_RE.pattern})")


FOREIGN_PERSON_RE = re.compile(
    r"(ต่างชาติ|ต่างด้าว|ตางชาติ|ตางด้าว|ต่างชาต|ฝรั่ง|ชาวต่าง|ลูกครึ่ง|แรงงานข้ามชาติ|บัตรชมพู|บัตรสีชมพู|ผู้ลี้ภัย|สัญชาติ(?!ไทย)|"
    r"เป็น(?:คน|ชาว)?" + NATIONALITY + r"|"
    r"(?:คน|ชาว|สามี|ภรรยา|แฟน|เมีย|ผัว|พ่อ|แม่|แรงงาน|เด็ก|ลูก|นักเรียน|ผู้ปกครอง|หนุ่ม|สาว|ลุง|ป้า|ผู้หญิง|ผู้ชาย)"
    + NATIONALITY
    + r"|foreigner|foreign (?:man|woman|guy|lady|husband|wife|owner|worker|national|citizen)|alien|expat|migrant|"
    r"refugee|tourist|non-thai|\bfa?rangs?\b|\bfalangs?\b|"
    # "my Thai wife" is said by her foreign husband (a Thai would not say "Thai"): the speaker is the foreigner
    r"\b(?:my|our) thai (?:wife|husband|girlfriend|boyfriend|partner|spouse|fianc\w*|mother-in-law|in-laws)\b|"
    r"\b(?:" + DEMONYMS_EN + r")\b)"
)


def mentions_foreign_person(normalized: str) -> bool:
    """True when a foreign person is among the parties, so a Thai-only twin cannot be what is asked."""
    return bool(FOREIGN_PERSON_RE.search(normalized))


# Anything foreign at all, countries and the English language included: what a foreigner entry's title names.
FOREIGN_SIDE_RE = re.compile(
    FOREIGN_RE.pattern + "|" + NATIONALITY + r"|อังกฤษ|ต่างแดน|นานาชาติ|ระหว่างประเทศ|เมืองพี่เมืองน้อง|"
    r"abroad|overseas|international|english|sister cit|delegation|country|countries"
)


def mentions_foreign_side(normalized: str) -> bool:
    """True when anything foreign is in the message: a foreigner, a country, a visa, an embassy, English."""
    return bool(FOREIGN_SIDE_RE.search(normalized))


def names_only_thai_parties(normalized: str) -> bool:
    """True when the message says the people are Thai and mentions no foreigner at all.

    "แม่เป็นเมียนมา ... เด็กจะได้สัญชาติไทยไหม" names a Thai nationality but a Myanmar mother: not Thai-only.
    """
    if not THAI_PARTY_RE.search(normalized) or FOREIGN_PERSON_RE.search(normalized):
        return False
    # a Thai's own passport or a foreign embassy's visa (a Thai going abroad) keeps the message Thai-only
    return not FOREIGN_BESIDES_TRAVEL_RE.search(normalized)


_COUNTRY_WORDS = sorted((n for names in COUNTRY_NAMES for n in names), key=len, reverse=True)
_TH_COUNTRIES = "|".join(n for n in _COUNTRY_WORDS if re.search("[\u0e00-\u0e7f]", n))
_EN_COUNTRIES = "|".join(re.escape(n) for n in _COUNTRY_WORDS if not re.search("[\u0e00-\u0e7f]", n))
# A birth, marriage or divorce that took place abroad: Thai parties, but the district's foreign-affairs work
# (recording a marriage made abroad, adding a child born abroad to a house registration).
EVENT_ABROAD_RE = re.compile(
    r"(?:เกิด|คลอด|สมรส|แต่งงาน|จดทะเบียน|หย่า)\S{0,12}?\s?(?:ที่|ใน|ณ)\s?(?:ประเทศ\s?)?(?:ต่างประเทศ|ต่างแดน|"
    + _TH_COUNTRIES
    + r")|\b(?:born|married|divorced|registered)\b(?:\s\w+){0,3}?\s(?:in|at)\s(?:abroad|overseas|"
    + _EN_COUNTRIES
    + r")\b|\b(?:born|married|divorced) (?:abroad|overseas)\b"
)


def mentions_event_abroad(normalized: str) -> bool:
    """True when a birth, marriage or divorce happened abroad ("เด็กเกิดที่เกาหลี", "we married in Germany")."""
    return bool(EVENT_ABROAD_RE.search(normalized))


# Words only this work uses: the Immigration Bureau and its forms (ตม., ตม.30), the registers of foreigners
# (ทร.13, ทร.38/1; not ทร.14, the register of Thais), the pink card, an embassy or a consul in Thai, a foreigner
# or a migrant. A short message with one ("ตม30 ยังไง") is a question for @IAO even if the rest looks like chatter.
WORK_TERM_RE = re.compile(
    r"(?<![ก-๙])ตม(?=[ก-๙\d\s]|$)|ทร\s?(?:13|38)|บัตร(?:สี)?ชมพู|สถาน[ทฑ]ูต|กงสุล|ต่างชาติ|ต่างด้าว|ฝรั่ง"
    r"|แรงงานข้ามชาติ|ใบอนุญาตทำงาน|เวิร์คเพอร์มิ|\btm\s?(?:30|47)\b|pink card|work permit|foreigner|migrant"
)


def names_a_work_term(normalized: str) -> bool:
    """True when the message names a term only foreign-affairs work at a district uses (ตม.30, ทร.13, บัตรชมพู)."""
    return bool(WORK_TERM_RE.search(normalized))

