"""Life at risk now: a message that says so gets the emergency entry that opens with the number to call.

Issue 10: "where life may be at risk, the answer must open with the number to call (1669, 191, 1155)". Such
messages are rare and worded every which way ("on the bridge want to jump", "ลูกหายที่จตุจักร"), so the nearest
phrasing is often too far to answer and the matcher would hand over: an officer's reply minutes later is too
late. A short list of signals of a danger happening now decides instead; a message about a death already
registered or a body ("แจ้งตาย", "death certificate") is paperwork, not an emergency, and is left to the matcher.
"""

from __future__ import annotations

import re

# (entry id, signals): the first entry whose signals match is the one answered; each entry's answer opens with
# its number (knowledge/entries/emergency.yaml).
SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("emergency-mental-health-1323", re.compile(
        r"ฆ่าตัวตาย|จะกระโดด|กระโดด(?:ตึก|สะพาน|น้ำ)|ทำร้ายตัวเอง|กรีดข้อมือ|อยากตาย"
        r"|suicid|kill (?:him|her|them)sel(?:f|ves)|(?:want|wants|going|trying|try) to jump|jump (?:off|from)"
        r"|cut(?:ting)? (?:his|her) wrist|self[- ]harm")),
    ("emergency-medical-1669", re.compile(
        r"หมดสติ|ไม่หายใจ|หายใจไม่ออก|หัวใจวาย|หัวใจหยุด|ชักเกร็ง|ชักกระตุก|เป็นลมล้ม|ล้มหมดสติ|เลือดออกมาก|เลือดไหลไม่หยุด"
        r"|จมน้ำ|กินยาเกินขนาด"
        r"|unconscious|not breathing|can'?t breathe|cannot breathe|heart attack|collaps|seizure|fainted|passed out"
        r"|bleeding (?:a lot|heavily|badly)|drown|overdos|stroke")),
    ("emergency-fire-199", re.compile(
        r"ไฟไหม้(?:อยู่|ตอนนี้)|กำลังไหม้|ไฟลุก|ควันเต็ม|on fire|(?:building|room|house) (?:is )?burning|fire!")),
    ("emergency-police-191", re.compile(
        r"เด็กหาย|ลูกหาย|ถูกลักพาตัว|ลักพาตัว|ถูกแทง|ถูกยิง|มีปืน|ขู่ฆ่า|กำลังทำร้าย|ถูกทำร้ายอยู่"
        r"|ทะเลาะวิวาท(?:กัน)?อยู่"
        r"|lost (?:her|his|their|a|the) (?:child|kid|son|daughter|baby)"
        r"|(?:child|kid) (?:is )?missing|missing (?:child|kid)"
        r"|kidnap|stabbed|being attacked|attacking|has a gun|with a knife|threaten(?:s|ed|ing)? to kill")),
)

# Paperwork after a death, help after a disaster that is over, or talk about these things in general: not a
# danger happening now.
NOT_NOW = re.compile(
    r"เสียชีวิตแล้ว|ตายแล้ว|แจ้งตาย|มรณบัตร|ศพ|ใบมรณะ|สถิติ|อบรม|ซ้อม|ประกัน|ผู้ประสบภัย|เงินช่วยเหลือ|เมื่อคืน|เมื่อวาน"
    r"|\b(?:died|is dead|death certificate|death registration|body|corpse|statistics?|training|drill|insurance"
    r"|relief|compensation|last night|yesterday)\b")


def life_at_risk(text: str) -> str | None:
    """The emergency entry a message about a danger to life happening now should get, or None."""
    folded = " ".join(text.lower().split())
    if NOT_NOW.search(folded):
        return None
    for entry_id, signals in SIGNALS:
        if signals.search(folded):
            return entry_id
    return None
