"""Shared fixtures: a small hand-written knowledge base, independent of the real entry files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from knowledge.base import KnowledgeBase, load_knowledge_base  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402

FIXTURE_YAML = """\
category: fixture
category_th: ทดสอบ
category_en: Fixture
entries:
  - id: marriage-foreigner-documents
    kind: faq
    title_th: เอกสารจดทะเบียนสมรสกับชาวต่างชาติ
    title_en: Documents to register a marriage with a foreigner
    questions_th:
      - ชาวต่างชาติจะจดทะเบียนสมรสกับคนไทยที่เขตต้องใช้เอกสารอะไรบ้าง
      - ฝรั่งมาจดทะเบียนสมรสใช้อะไรบ้าง
      - คนต่างชาติแต่งงานกับคนไทยต้องเตรียมเอกสารอะไร
    questions_en:
      - What documents does a foreigner need to marry a Thai at the district office?
    answer_th: ใช้หนังสือเดินทาง หนังสือรับรองความเป็นโสดที่ผ่านการรับรองจากกรมการกงสุล
    sources:
      - agency: กรมการปกครอง
        url: https://www.bora.dopa.go.th/
    related: [passport-lost-foreigner]
    reviewed_on: 2026-11-21
    status: approved
  - id: passport-lost-foreigner
    kind: faq
    title_th: ชาวต่างชาติทำหนังสือเดินทางหาย
    title_en: A foreigner lost their passport
    questions_th:
      - ชาวต่างชาติทำพาสปอร์ตหายต้องทำอย่างไร
      - ฝรั่งทำหนังสือเดินทางหายต้องแจ้งความที่ไหน
      - passport ของคนต่างชาติหาย ต้องติดต่อสถานทูตไหม
    questions_en:
      - A foreigner lost their passport, what should they do?
    answer_th: แจ้งความที่สถานีตำรวจ แล้วติดต่อสถานทูตของประเทศนั้นเพื่อทำเอกสารเดินทางใหม่
    sources:
      - agency: สำนักงานตรวจคนเข้าเมือง
        url: https://www.immigration.go.th/
    reviewed_on: 2026-11-21
    status: approved
  - id: house-registration-tr13
    kind: faq
    title_th: ทะเบียนบ้านสำหรับคนต่างด้าว (ท.ร.13)
    title_en: House registration for foreigners (Tor Ror 13)
    questions_th:
      - คนต่างด้าวขอเพิ่มชื่อในทะเบียนบ้าน ท.ร.13 ต้องใช้อะไร
      - ทร13 คืออะไร ใครขอได้บ้าง
      - ชาวต่างชาติที่มีใบถิ่นที่อยู่ขอทะเบียนบ้านเล่มเหลืองได้ไหม
    answer_th: ท.ร.13 คือทะเบียนบ้านสำหรับคนต่างด้าวที่มีถิ่นที่อยู่ชั่วคราว
    sources:
      - agency: กรมการปกครอง
        ref: พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534
    reviewed_on: 2026-11-21
    status: approved
  - id: tm30-report
    kind: faq
    title_th: การแจ้งที่พักคนต่างด้าว ตม.30
    title_en: Reporting a foreigner's residence (TM.30)
    questions_th:
      - เจ้าบ้านต้องแจ้ง ตม.30 เมื่อมีชาวต่างชาติมาพักหรือไม่
      - แจ้งที่พักคนต่างด้าวภายในกี่ชั่วโมง
      - ตม30 แจ้งออนไลน์ได้ไหม
    questions_en:
      - How do I file TM.30 for a foreign guest?
    answer_th: เจ้าบ้านหรือผู้ครอบครองเคหสถานต้องแจ้งภายใน 24 ชั่วโมง ทางออนไลน์ได้ที่เว็บไซต์ สตม.
    sources:
      - agency: สำนักงานตรวจคนเข้าเมือง
        url: https://www.immigration.go.th/
    reviewed_on: 2026-11-21
    status: draft
  - id: legalize-documents
    kind: faq
    title_th: การรับรองเอกสาร (นิติกรณ์) ที่กรมการกงสุล
    title_en: Legalising documents at the Department of Consular Affairs
    questions_th:
      - เอกสารภาษาต่างประเทศต้องรับรองนิติกรณ์ที่ไหน
      - ใบสำคัญการสมรสจะเอาไปใช้ต่างประเทศต้องรับรองเอกสารที่กรมการกงสุลไหม
      - legalize เอกสารทำที่ไหน ใช้เวลากี่วัน
    answer_th: ยื่นรับรองเอกสารได้ที่กองสัญชาติและนิติกรณ์ กรมการกงสุล
    sources:
      - agency: กรมการกงสุล
        url: https://www.consular.mfa.go.th/
    reviewed_on: 2026-11-21
    status: approved
  - id: pink-card
    kind: faq
    title_th: บัตรสีชมพู (บัตรประจำตัวคนซึ่งไม่มีสัญชาติไทย)
    title_en: The pink card for non-Thai nationals
    questions_th:
      - แรงงานเมียนมาขอทำบัตรสีชมพูที่เขตได้ไหม
      - บัตรชมพูหมดอายุต้องต่อที่ไหน
      - บัตรประจำตัวคนซึ่งไม่มีสัญชาติไทยทำอย่างไร
    answer_th: บัตรประจำตัวคนซึ่งไม่มีสัญชาติไทยออกโดยสำนักทะเบียน ตามประกาศกระทรวงมหาดไทย
    sources:
      - agency: กรมการปกครอง
        ref: พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534
    reviewed_on: 2026-11-21
    status: approved
  - id: embassy-letter-translation
    kind: faq
    title_th: แปลหนังสือจากสถานทูต
    title_en: Translating a letter from an embassy
    questions_th:
      - ได้รับจดหมายภาษาอังกฤษจากสถานทูตต้องให้ใครแปล
      - สถานทูตส่งหนังสือมาเป็นภาษาต่างประเทศ สกต. ช่วยแปลได้ไหม
      - จดหมายจากสถานกงสุลเป็นภาษาฝรั่งเศส อ่านไม่ออก ทำอย่างไรดี
    answer_th: ส่งสำเนาหนังสือมาที่ @IAO เพื่อช่วยแปลและแนะนำการตอบ
    sources:
      - agency: สำนักงานการต่างประเทศ กรุงเทพมหานคร
        url: https://webportal.bangkok.go.th/iao
    reviewed_on: 2026-11-21
    status: approved
  - id: birth-registration-foreign-parents
    kind: faq
    title_th: แจ้งเกิดบุตรของชาวต่างชาติที่เกิดในกรุงเทพฯ
    title_en: Registering the birth of a foreigner's child born in Bangkok
    questions_th:
      - ลูกของชาวต่างชาติเกิดที่โรงพยาบาลในกรุงเทพ แจ้งเกิดที่เขตได้ไหม
      - พ่อแม่เป็นต่างชาติทั้งคู่ จะแจ้งเกิดลูกต้องใช้เอกสารอะไร
      - ออกสูติบัตรให้เด็กต่างชาติได้ไหม
    answer_th: แจ้งเกิดได้ที่สำนักทะเบียนที่เด็กเกิดภายใน 15 วัน
    sources:
      - agency: กรมการปกครอง
        ref: พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534
    reviewed_on: 2026-11-21
    status: approved
  - id: decoy-thai-id-card
    kind: out_of_scope
    title_th: ทำบัตรประชาชนใหม่หรือบัตรหาย (คนไทย)
    title_en: New or lost Thai national ID card
    questions_th:
      - บัตรประชาชนหายต้องทำยังไง
      - ทำบัตรประชาชนใหม่ใช้เอกสารอะไรบ้าง
      - บัตรประชาชนหมดอายุต่อที่ไหน
    answer_th: เรื่องบัตรประจำตัวประชาชนของคนไทยเป็นงานทะเบียนทั่วไปของเขต ไม่ใช่งานด้านต่างประเทศ
    sources:
      - agency: กรมการปกครอง
        ref: พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534
    reviewed_on: 2026-11-21
    status: approved
  - id: decoy-thai-thai-marriage
    kind: out_of_scope
    title_th: จดทะเบียนสมรสระหว่างคนไทยด้วยกัน
    title_en: Marriage between two Thai nationals
    questions_th:
      - คนไทยจดทะเบียนสมรสกับคนไทยต้องใช้อะไรบ้าง
      - จดทะเบียนสมรสนอกสำนักงานได้ไหม
      - คู่บ่าวสาวชาวไทยจะจดทะเบียนที่เขตไหนก็ได้ใช่ไหม
    answer_th: การสมรสระหว่างคนไทยด้วยกันเป็นงานทะเบียนครอบครัวปกติของเขต
    sources:
      - agency: กรมการปกครอง
        ref: พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534
    reviewed_on: 2026-11-21
    status: approved
"""


def write_fixture(directory: Path, text: str = FIXTURE_YAML, name: str = "fixture.yaml") -> Path:
    """Write a knowledge file into a directory, creating it; used by the validator tests too."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the fixture knowledge file."""
    directory = tmp_path_factory.mktemp("fixture_kb")
    write_fixture(directory)
    return directory


@pytest.fixture(scope="session")
def fixture_kb(fixture_dir: Path) -> KnowledgeBase:
    """The fixture knowledge base, loaded once."""
    return load_knowledge_base(fixture_dir)


@pytest.fixture(scope="session")
def fixture_matcher(fixture_kb: KnowledgeBase) -> Matcher:
    """A lexical-only matcher over the fixture KB (the semantic extra may not be installed)."""
    return Matcher(fixture_kb, semantic=False)
