"""normalize() must make typing noise disappear without damaging Thai words."""

from __future__ import annotations

import pytest

from knowledge.normalize import normalize, strip_tones


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ครับบบ", "ครับ"),
        ("ขอบคุณครับบบบ", "ขอบคุณครับ"),
        ("ดีมากกกก", "ดีมาก"),
        ("ท.ร.13", "ทร13"),
        ("ท.ร. ๑๓", "ทร13"),
        ("ท.ร.๑๓ คืออะไร", "ทร13 คืออะไร"),
        ("ตม.30", "ตม30"),
        ("TM.30", "ตม30"),
        ("tm 30", "ตม30"),
        ("TM30", "ตม30"),
        ("ตม. 30", "ตม30"),
        ("ทํางาน", "ทำงาน"),
        ("นํ้า", "น้ำ"),
        ("เเปลก", "แปลก"),
        ("สวัสดี\u200bครับ", "สวัสดี"),
        ("วีซ่า\u200d\ufeff\u00adหมดอายุ", "วีซ่าหมดอายุ"),
        ("ต่อวีซ่ายังไงคะ", "ต่อวีซ่ายังไง"),
        ("ต่อวีซ่ายังไงนะคะ", "ต่อวีซ่ายังไง"),
        ("ต่อวีซ่ายังไงจ้า", "ต่อวีซ่ายังไง"),
        ("ต่อวีซ่ายังไงค้าบ", "ต่อวีซ่ายังไง"),
        ("ต่อวีซ่ายังไงคับ", "ต่อวีซ่ายังไง"),
        ("ต่อวีซ่ายังไงฮะ", "ต่อวีซ่ายังไง"),
        ("ช่วยดูหน่อยครับ", "ช่วยดู"),
        ("ขอสอบถามหน่อยค่ะ ต่อวีซ่ายังไง", "ต่อวีซ่ายังไง"),
        ("  Passport   หาย!!! ", "passport หาย"),
        ("ＰＡＳＳＰＯＲＴ", "passport"),
        ("ปี ๒๕๖๗", "ปี 2567"),
        ("พ.ศ. 2567", "พศ 2567"),
        ("วีซ่า 😀🙏 หมดอายุ", "วีซ่า หมดอายุ"),
        ("ดูที่ https://www.mfa.go.th/x?y=1 ครับ", "ดูที่"),
    ],
)
def test_equivalent_spellings_normalise_the_same(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ท.ร.13", "ทร13"),
        ("ตม.30", "ตม30"),
        ("ทํางาน", "ทำงาน"),
        ("ต่อวีซ่ายังไงครับบบ", "ต่อวีซ่ายังไง"),
        ("มากกกก", "มาก"),
        ("Hello  WORLD", "hello world"),
        ("๑๒๓", "123"),
    ],
)
def test_canonical_forms(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("word", ["คะแนน", "ฝรั่งเศส", "มูลค่า 500 บาท", "1000", "ค่าธรรมเนียม"])
def test_words_that_look_like_particles_survive(word: str) -> None:
    assert normalize(word) == word


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "…?!", "\u200b\u200b", "ครับ", "นะคะ"])
def test_noise_only_normalises_to_empty(text: str) -> None:
    assert normalize(text) == ""


def test_strip_tones_forgives_missing_tone_marks() -> None:
    assert strip_tones(normalize("วีซ่า")) == normalize("วีซา")


def test_long_input_is_fast() -> None:
    import time

    text = "ชาวต่างชาติจดทะเบียนสมรสครับบบ " * 200
    start = time.perf_counter()
    normalize(text)
    assert time.perf_counter() - start < 0.5
