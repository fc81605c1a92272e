"""Alias matching for directory requests: Thai, English, demonyms, typos, transliterations; no database."""

from __future__ import annotations

import pytest

from handlers.directory.models import Mission
from handlers.directory.records import parse
from handlers.directory.service import mission_ref
from knowledge.missions import SEED_FILE, DirectoryMatcher, MissionRef, edit_distance


@pytest.fixture(scope="module")
def matcher() -> DirectoryMatcher:
    records = parse(SEED_FILE.read_bytes(), SEED_FILE.name)
    return DirectoryMatcher(mission_ref(Mission(**r.values())) for r in records)


@pytest.mark.parametrize(("text", "key"), [
    ("เบอร์สถานทูตญี่ปุ่น", "jp-embassy-bangkok"),
    ("เบอร์สถานทูตยี่ปุ่น", "jp-embassy-bangkok"),  # common misspelling
    ("ขอเบอร์สถานทูตญี่ปุน ครับ", "jp-embassy-bangkok"),  # tone mark missing: one edit
    ("Japanese embassy phone", "jp-embassy-bangkok"),  # demonym
    ("Embassy of Japn phone", "jp-embassy-bangkok"),  # English typo
    ("embassy of Myanmar address", "mm-embassy-bangkok"),
    ("สถานทูตพม่าอยู่ไหน", "mm-embassy-bangkok"),
    ("สถานทูตเมียนม่า", "mm-embassy-bangkok"),  # transliteration
    ("Burma embassy phone", "mm-embassy-bangkok"),
    ("สถานกงสุลจีนเชียงใหม่", "cn-consulate-chiangmai"),
    ("สถานทูตจีนเชียงใหม่", "cn-consulate-chiangmai"),  # the city decides, whatever the word
    ("consulate of china in khon kaen", "cn-consulate-khonkaen"),
    ("กงสุลจีนสงขลา เบอร์", "cn-consulate-songkhla"),
    ("สถานทูตจีน", "cn-embassy-bangkok"),  # the embassy, not the three consulates
    ("ขอเบอร์ UNHCR", "unhcr-bangkok"),
    ("ยูเอ็นเอชซีอาร์ อยู่ที่ไหน", "unhcr-bangkok"),
    ("เบอร์โทรสถานทูตอเมริกา", "us-embassy-bangkok"),
    ("US embassy phone number", "us-embassy-bangkok"),
    ("ที่อยู่สถานทูตฝรั่งเศส", "fr-embassy-bangkok"),
    ("เบอร์สถานทูตฝรั่งเศษ", "fr-embassy-bangkok"),  # common misspelling
    ("French embassy phone", "fr-embassy-bangkok"),  # demonym
    ("เบอร์สถานทูตอิตาลี", "it-embassy-bangkok"),
    ("สถานทูตอิตาลี่อยู่ไหน", "it-embassy-bangkok"),  # common misspelling
    ("Italian embassy address", "it-embassy-bangkok"),
])
def test_one_mission(matcher: DirectoryMatcher, text: str, key: str) -> None:
    request = matcher.read(text)
    assert request is not None and request.outcome == "card"
    assert [c.key for c in request.candidates] == [key]


def test_english_question_is_answered_in_english(matcher: DirectoryMatcher) -> None:
    assert matcher.read("embassy of Myanmar address").english
    assert not matcher.read("สถานทูตพม่าอยู่ไหน").english


def test_consulates_without_a_city_ask_which(matcher: DirectoryMatcher) -> None:
    request = matcher.read("กงสุลจีน")
    assert request is not None and request.outcome == "choose"
    assert {c.key for c in request.candidates} == {"cn-consulate-chiangmai", "cn-consulate-songkhla",
                                                   "cn-consulate-khonkaen"}


def test_ambiguous_name_asks_which() -> None:
    refs = [MissionRef("a", "embassy", "Bangkok", ("Guinea", "กินี")),
            MissionRef("b", "embassy", "Bangkok", ("Guinea", "Guinée"))]
    request = DirectoryMatcher(refs).read("guinea embassy phone")
    assert request is not None and request.outcome == "choose"


@pytest.mark.parametrize("text", ["สถานทูตลาวอยู่ไหน", "ที่อยู่สถานทูตสวีเดน"])
def test_request_for_a_mission_not_held_is_unknown(matcher: DirectoryMatcher, text: str) -> None:
    request = matcher.read(text)
    assert request is not None and request.outcome == "unknown"


@pytest.mark.parametrize("text", [
    "ชาวต่างชาติเสียชีวิต ต้องแจ้งสถานทูตไหม",
    "จดทะเบียนสมรสกับชาวญี่ปุ่นต้องใช้เอกสารอะไร",
    "สถานทูตญี่ปุ่นรับรองเอกสารยังไง",
    "ตม.30 คืออะไร",
    "สถานทูต",
    "ขอเบอร์สถานทูตหน่อยค่ะ",  # no country named: the knowledge base says where to find contacts
    "เบอร์โทรสำนักงานเขตบางรัก",
])
def test_not_a_directory_request(matcher: DirectoryMatcher, text: str) -> None:
    assert matcher.read(text) is None


def test_short_names_need_an_exact_match() -> None:
    refs = [MissionRef("la", "embassy", "Bangkok", ("ลาว", "Laos"))]
    matcher = DirectoryMatcher(refs)
    assert matcher.read("สถานทูตลาว").outcome == "card"
    assert matcher.read("สถานทูตขาว เบอร์").outcome == "unknown"  # one letter off a 3-letter name is not Laos


def test_edit_distance_gives_up_past_the_limit() -> None:
    assert edit_distance("ญี่ปุ่น", "ญี่ปุน", 1) == 1
    assert edit_distance("japan", "jpn", 1) == 2
    assert edit_distance("france", "frence", 2) == 1


def test_a_country_the_directory_lacks_is_handed_over_not_guessed() -> None:
    from knowledge.missions import DirectoryMatcher

    matcher = DirectoryMatcher([])
    for text in ("embassy of cambodia in bangkok where? the worker need new passport",
                 "lao embassy address and phone pls", "ขอที่อยู่สถานทูตอินเดียค่ะ เปิดกี่โมง"):
        request = matcher.read(text)
        assert request is not None and request.outcome == "unknown", text


def test_a_country_without_an_embassy_here_is_a_knowledge_base_question() -> None:
    from knowledge.missions import DirectoryMatcher

    assert DirectoryMatcher([]).read("คนชาติที่ไม่มีสถานทูตในไทย เช่น ไอซ์แลนด์ จะติดต่อใครคะ") is None
