"""Life at risk now gets the emergency entry that opens with the number to call; paperwork and past events do not."""

from __future__ import annotations

import pytest

from knowledge.base import load_knowledge_base
from knowledge.matcher import Matcher
from knowledge.urgency import SIGNALS, life_at_risk


@pytest.mark.parametrize(("text", "entry_id"), [
    ("urgent - foreign man on the bridge want to jump, he speak only Russian. which number?",
     "emergency-mental-health-1323"),
    ("ฝรั่งยืนบนสะพานลอยบอกว่าจะกระโดด ทำไงดีคะ", "emergency-mental-health-1323"),
    ("tourist lost her child at Chatuchak, who we call??", "emergency-police-191"),
    ("นักท่องเที่ยวจีนลูกหายในตลาด ช่วยด้วยค่ะ", "emergency-police-191"),
    ("มีฝรั่งหมดสติอยู่หน้าเขต เรียกรถพยาบาลเบอร์ไหน", "emergency-medical-1669"),
    ("a japanese lady collapsed at the counter and is not breathing", "emergency-medical-1669"),
    ("ไฟไหม้อยู่ที่ห้องเช่าคนพม่า มีคนติดข้างใน", "emergency-fire-199"),
    ("somebody collapsed in the queue, an old german man, not breathing", "emergency-medical-1669"),  # "body"
])
def test_a_danger_now_names_its_emergency_entry(text: str, entry_id: str) -> None:
    assert life_at_risk(text) == entry_id


@pytest.mark.parametrize("text", [
    "ฝรั่งหมดสติแล้วเสียชีวิตแล้วที่โรงพยาบาล แจ้งตายที่เขตใช้เอกสารอะไร",  # paperwork after a death
    "Foreigner died in hospital, how to get the death certificate?",
    "ไฟไหม้ชุมชนเมื่อคืน ผู้เช่าต่างชาติขอเงินช่วยเหลือผู้ประสบภัยได้ไหม",  # help after a fire that is over
    "อบรมการช่วยชีวิตคนหมดสติให้เจ้าหน้าที่เขตเมื่อไหร่",  # training, not an emergency
    "ต่างชาติจดทะเบียนสมรสใช้เอกสารอะไรบ้าง",
])
def test_paperwork_past_events_and_everyday_questions_are_left_to_the_matcher(text: str) -> None:
    assert life_at_risk(text) is None


def test_every_signal_names_a_real_emergency_entry() -> None:
    kb = load_knowledge_base()
    for entry_id, _ in SIGNALS:
        entry = kb.get(entry_id)
        assert entry is not None and entry.category == "emergency" and entry.kind == "faq", entry_id


def test_the_matcher_answers_a_danger_with_the_emergency_entry_even_far_from_any_phrasing() -> None:
    matcher = Matcher(load_knowledge_base(), semantic=False)
    decision = matcher.decide("tourist lost her child at Chatuchak, who we call??")
    assert decision.outcome == "answer" and decision.entry is not None
    assert decision.entry.id == "emergency-police-191" and "191" in decision.entry.answer_th.split("\n")[0]
