"""Questions that name only Thai people stay away from foreigner answers; answers follow the question's language."""

from __future__ import annotations

import pytest

from handlers.chat.answers import UNDER_REVIEW_EN, UNDER_REVIEW_TH, answer_text
from knowledge.base import KnowledgeBase
from knowledge.matcher import Matcher
from knowledge.normalize import is_english, normalize
from knowledge.parties import mentions_event_abroad, names_only_thai_parties


@pytest.mark.parametrize(
    "text",
    [
        "คู่รักคนไทยทั้งคู่จะจดทะเบียนสมรสนอกสำนักงาน ค่าธรรมเนียมเท่าไหร่",
        "สาวไทยหย่ากับสามีไทยมาได้ 3 เดือน จะจดใหม่กับแฟนคนไทย",
        "thai owner of condo got land tax bill, how many days to appeal?",
        "ร้านก๋วยเตี๋ยวเจ้าของคนไทย ขอใบอนุญาตสถานที่จำหน่ายอาหาร",
        "thai citizen passport expired, he flies next week, can he renew the same day?",  # a Thai's own passport
        "คนไทยจะไปเที่ยวญี่ปุ่น ต้องขอวีซ่าไหม",
        "thai grandpa missing for three days, where does the family report?",
    ],
)
def test_thai_only_parties_are_recognised(text: str) -> None:
    assert names_only_thai_parties(text.lower())


@pytest.mark.parametrize(
    "text",
    [
        "สามีฝรั่ง ภรรยาไทย จะจดทะเบียนสมรส",
        "thai wife and american husband want to adopt her son",
        "คนไทยแต่งงานกับคนญี่ปุ่น ต้องใช้เอกสารอะไร",
        "ภรรยาคนไทยของชาวต่างชาติขอวีซ่าให้สามี",
        "my thai wife lost her passport and i am british",
        "thai mother, baby's passport from the embassy of her german husband",
        "ตม.30 ต้องแจ้งภายในกี่ชั่วโมง",  # no party named at all: not a Thai-only question
        "farang want marry thai girl, what paper he need bring?",
        "nigerian customer wants to marry a thai lady",
        "แฟนคนยูเครนของลูกค้าคนไทยมาขอจดทะเบียนสมรส",
    ],
)
def test_a_foreigner_or_no_party_is_not_thai_only(text: str) -> None:
    assert not names_only_thai_parties(text.lower())


def test_thai_only_question_is_not_answered_with_a_foreigner_entry(fixture_matcher: Matcher) -> None:
    foreign = fixture_matcher.decide("ฝรั่งมาจดทะเบียนสมรสที่เขต ต้องใช้เอกสารอะไรบ้างครับ")
    assert foreign.outcome == "answer" and foreign.entry is not None
    thai = fixture_matcher.decide("คนไทยทั้งคู่มาจดทะเบียนสมรสที่เขต ต้องใช้เอกสารอะไรบ้างครับ")
    assert thai.outcome == "handoff", thai
    assert thai.entry is None or thai.entry.kind == "out_of_scope"


def test_language_of_a_question() -> None:
    assert is_english("How do I file TM30 online?")
    assert is_english("how to say เจ้าบ้าน in english")
    assert not is_english("ตม.30 แจ้งออนไลน์ได้ไหม (TM30)")
    assert not is_english("🙏👍")


def test_answer_text_names_its_source_and_marks_drafts(fixture_kb: KnowledgeBase) -> None:
    for entry in fixture_kb.entries:
        thai = answer_text(entry)
        assert entry.title_th in thai and entry.answer_th.strip() in thai
        if any(s.agency or s.ref or s.seed for s in entry.sources):
            assert "ที่มา: " in thai
        assert (UNDER_REVIEW_TH in thai) == (entry.status != "approved")
        if entry.answer_en:
            english = answer_text(entry, english=True)
            assert entry.answer_en.strip() in english and "Source: " in english
            assert (UNDER_REVIEW_EN in english) == (entry.status != "approved")


def test_a_foreign_person_is_recognised_but_a_trip_abroad_is_not() -> None:
    from knowledge.parties import mentions_foreign_person

    assert mentions_foreign_person("น้องผู้ชายสัญชาติดัตช์กับแฟนคนไทยจะจดสมรส")
    assert mentions_foreign_person("ผู้ปกครองเด็กจีนพูดไทยไม่ได้")
    assert mentions_foreign_person("my customer is german, his wife thai")
    assert not mentions_foreign_person("หนูจะไปเที่ยวญี่ปุ่นเอง ต้องขอวีซ่าไหม")
    assert not mentions_foreign_person("คนไทยจะไปทำงานไต้หวัน")


@pytest.mark.parametrize(
    "text",
    [
        "เด็กเกิดที่เกาหลี พ่อแม่เป็นคนไทยทั้งคู่ จะเพิ่มชื่อเข้าทะเบียนบ้าน",
        "we married in germany last year i am thai wife",
        "คนไทยจดทะเบียนสมรสที่ญี่ปุ่นมา จะบันทึกที่เขต",
        "thai couple married abroad how to record",
    ],
)
def test_a_birth_or_marriage_abroad_is_recognised(text: str) -> None:
    assert mentions_event_abroad(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "คนไทยจะไปทำงานที่เกาหลี",  # a trip abroad is the domestic look-alike, not an event abroad
        "คู่รักคนไทยทั้งคู่จะจดทะเบียนสมรสนอกสำนักงาน",
        "ญาติคนไทยเสียชีวิตที่ญี่ปุ่น",  # a Thai dying abroad is the consular department's (the domestic twin)
    ],
)
def test_no_event_abroad(text: str) -> None:
    assert not mentions_event_abroad(normalize(text))


def test_a_named_foreign_parent_is_not_thai_only_even_with_thai_nationality_asked() -> None:
    text = normalize("แม่เป็นเมียนมา พ่อเป็นกัมพูชา คลอดลูกในเขต เด็กจะได้สัญชาติไทยไหม")
    assert not names_only_thai_parties(text)
