"""Bangkok's 50 district offices (reference data) and matching what staff type to one of them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictInfo:
    """One district office: DOPA geocode, Thai and English (RTGS) names, BMA district group."""

    code: str
    name_th: str
    name_en: str
    group_th: str


GROUPS: tuple[tuple[str, str], ...] = (
    ("กรุงเทพกลาง", "Central Bangkok"),
    ("กรุงเทพใต้", "South Bangkok"),
    ("กรุงเทพเหนือ", "North Bangkok"),
    ("กรุงเทพตะวันออก", "East Bangkok"),
    ("กรุงธนเหนือ", "North Krung Thon"),
    ("กรุงธนใต้", "South Krung Thon"),
)

_C, _S, _N, _E, _TN, _TS = (g for g, _ in GROUPS)

# Geocodes are DOPA's (10xx). Groups follow the BMA's six district groups (กลุ่มเขต); an officer can
# correct a district's group in the database, and init-db never overwrites a changed group.
DISTRICTS: tuple[DistrictInfo, ...] = tuple(
    DistrictInfo(code, th, en, group)
    for code, th, en, group in (
        ("1001", "พระนคร", "Phra Nakhon", _C),
        ("1002", "ดุสิต", "Dusit", _C),
        ("1003", "หนองจอก", "Nong Chok", _E),
        ("1004", "บางรัก", "Bang Rak", _S),
        ("1005", "บางเขน", "Bang Khen", _N),
        ("1006", "บางกะปิ", "Bang Kapi", _E),
        ("1007", "ปทุมวัน", "Pathum Wan", _C),
        ("1008", "ป้อมปราบศัตรูพ่าย", "Pom Prap Sattru Phai", _C),
        ("1009", "พระโขนง", "Phra Khanong", _S),
        ("1010", "มีนบุรี", "Min Buri", _E),
        ("1011", "ลาดกระบัง", "Lat Krabang", _E),
        ("1012", "ยานนาวา", "Yan Nawa", _S),
        ("1013", "สัมพันธวงศ์", "Samphanthawong", _C),
        ("1014", "พญาไท", "Phaya Thai", _C),
        ("1015", "ธนบุรี", "Thon Buri", _TN),
        ("1016", "บางกอกใหญ่", "Bangkok Yai", _TN),
        ("1017", "ห้วยขวาง", "Huai Khwang", _C),
        ("1018", "คลองสาน", "Khlong San", _TN),
        ("1019", "ตลิ่งชัน", "Taling Chan", _TN),
        ("1020", "บางกอกน้อย", "Bangkok Noi", _TN),
        ("1021", "บางขุนเทียน", "Bang Khun Thian", _TS),
        ("1022", "ภาษีเจริญ", "Phasi Charoen", _TS),
        ("1023", "หนองแขม", "Nong Khaem", _TS),
        ("1024", "ราษฎร์บูรณะ", "Rat Burana", _TS),
        ("1025", "บางพลัด", "Bang Phlat", _TN),
        ("1026", "ดินแดง", "Din Daeng", _C),
        ("1027", "บึงกุ่ม", "Bueng Kum", _E),
        ("1028", "สาทร", "Sathon", _S),
        ("1029", "บางซื่อ", "Bang Sue", _N),
        ("1030", "จตุจักร", "Chatuchak", _N),
        ("1031", "บางคอแหลม", "Bang Kho Laem", _S),
        ("1032", "ประเวศ", "Prawet", _S),
        ("1033", "คลองเตย", "Khlong Toei", _S),
        ("1034", "สวนหลวง", "Suan Luang", _S),
        ("1035", "จอมทอง", "Chom Thong", _TS),
        ("1036", "ดอนเมือง", "Don Mueang", _N),
        ("1037", "ราชเทวี", "Ratchathewi", _C),
        ("1038", "ลาดพร้าว", "Lat Phrao", _N),
        ("1039", "วัฒนา", "Watthana", _S),
        ("1040", "บางแค", "Bang Khae", _TS),
        ("1041", "หลักสี่", "Lak Si", _N),
        ("1042", "สายไหม", "Sai Mai", _N),
        ("1043", "คันนายาว", "Khan Na Yao", _E),
        ("1044", "สะพานสูง", "Saphan Sung", _E),
        ("1045", "วังทองหลาง", "Wang Thonglang", _N),
        ("1046", "คลองสามวา", "Khlong Sam Wa", _E),
        ("1047", "บางนา", "Bang Na", _S),
        ("1048", "ทวีวัฒนา", "Thawi Watthana", _TN),
        ("1049", "ทุ่งครุ", "Thung Khru", _TS),
        ("1050", "บางบอน", "Bang Bon", _TS),
    )
)

_PREFIXES = ("สำนักงานเขต", "สนง.เขต", "สนงเขต", "เขต", "สำนักงาน", "อยู่", "ที่", "จาก", "khet")
_SUFFIXES = ("districtoffice", "district", "khet", "office", "ครับ", "คับ", "ค่ะ", "คะ", "ค่า", "นะ", "จ้า")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _key(text: str) -> str:
    """Reduce a typed district name to a comparable key: no spaces, punctuation, 'เขต' or 'district'."""
    key = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH).lower()
    key = re.sub(r"[\s\-_.,'’()\"!?]+", "", key)
    changed = True
    while changed and key:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, changed = key[len(prefix):], True
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)], True
    return key


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds `limit` (names are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def match_district(text: str, districts: Iterable[DistrictInfo] = DISTRICTS) -> DistrictInfo | None:
    """Find the district office a user means, forgiving 'เขต', spaces, English and one small typo."""
    key = _key(text)
    if len(key) < 3 or len(key) > 40:
        return None
    candidates: Sequence[DistrictInfo] = tuple(districts)
    for district in candidates:
        if key in (_key(district.name_th), _key(district.name_en)):
            return district
    best: list[tuple[int, DistrictInfo]] = []
    for district in candidates:
        for name in (_key(district.name_th), _key(district.name_en)):
            limit = 1 if len(name) < 8 else 2
            d = _distance(key, name, limit)
            if d <= limit:
                best.append((d, district))
    if not best:
        return None
    best.sort(key=lambda pair: pair[0])
    top = [district for d, district in best if d == best[0][0]]
    return top[0] if len({district.code for district in top}) == 1 else None


def districts_in_group(group_th: str) -> list[DistrictInfo]:
    """The district offices of one BMA district group, for a quick-reply menu (at most 13 items)."""
    return [d for d in DISTRICTS if d.group_th == group_th]
