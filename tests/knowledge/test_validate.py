"""The validator catches each class of problem on broken copies of the fixture file."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.validate import Problem, validate_directory
from tests.knowledge.conftest import FIXTURE_YAML, write_fixture

ROOT = Path(__file__).resolve().parents[2]


def _problems(tmp_path: Path, text: str, seeds: Path | None = None) -> list[Problem]:
    write_fixture(tmp_path / "kb", text)
    return validate_directory(tmp_path / "kb", seeds)


def test_fixture_is_clean(fixture_dir: Path) -> None:
    assert validate_directory(fixture_dir, None) == []


@pytest.mark.parametrize(
    ("old", "new", "entry_id", "fragment"),
    [
        # schema
        ("status: draft", "status: wip", "tm30-report", "status must be one of"),
        ("    kind: faq\n    title_th: การแจ้ง", "    title_th: การแจ้ง", "tm30-report", "missing kind"),
        ("    title_en: The pink card for non-Thai nationals\n", "", "pink-card", "missing title_en"),
        ("    status: draft", "    status: draft\n    answre_en: typo", "tm30-report", "unknown key 'answre_en'"),
        # sources
        (
            "    sources:\n      - agency: กรมการกงสุล\n        url: https://www.consular.mfa.go.th/\n",
            "    sources: []\n",
            "legalize-documents",
            "no sources",
        ),
        (
            "        url: https://www.consular.mfa.go.th/",
            "        url: consular.mfa.go.th",
            "legalize-documents",
            "not an http",
        ),
        (
            "        url: https://www.consular.mfa.go.th/",
            "        seed: 999_missing.txt",
            "legalize-documents",
            "seed file '999_missing.txt' does not exist",
        ),
        # answers
        ("answer_th: ท.ร.13 คือทะเบียนบ้าน", "answer_th: " + "ก" * 1501 + " ท.ร.13", "house-registration-tr13", "1,500"),
        (
            "answer_th: ท.ร.13 คือทะเบียนบ้าน",
            "answer_th: " + "ก" * 5001 + " ท.ร.13",
            "house-registration-tr13",
            "LINE accepts",
        ),
        # related
        (
            "related: [passport-lost-foreigner]",
            "related: [no-such-entry]",
            "marriage-foreigner-documents",
            "no-such-entry",
        ),
        (
            "related: [passport-lost-foreigner]",
            "related: [marriage-foreigner-documents]",
            "marriage-foreigner-documents",
            "the entry itself",
        ),
        # duplicate id inside one file
        ("  - id: pink-card", "  - id: tm30-report", "tm30-report", "duplicate id"),
        # question counts
        ("      - ตม30 แจ้งออนไลน์ได้ไหม\n", "", "tm30-report", "questions_th has 2 items"),
        # phrasing collisions after normalisation, and near collisions
        (
            "      - บัตรชมพูหมดอายุต้องต่อที่ไหน",
            "      - ทร13 คืออะไร ใครขอได้บ้างครับ",
            "pink-card",
            "is the same as one of house-registration-tr13",
        ),
        (
            "      - บัตรชมพูหมดอายุต้องต่อที่ไหน",
            "      - คนต่างด้าวขอเพิ่มชื่อในทะเบียนบ้าน ท.ร.13 ต้องใช้อะไรบ้าง",
            "pink-card",
            "nearly the same as",
        ),
    ],
)
def test_each_problem_class_is_reported(tmp_path: Path, old: str, new: str, entry_id: str, fragment: str) -> None:
    assert old in FIXTURE_YAML, old
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    problems = _problems(tmp_path, FIXTURE_YAML.replace(old, new, 1), seeds)
    matching = [p for p in problems if fragment in p.message]
    assert matching, problems
    assert matching[0].file == "fixture.yaml"
    assert matching[0].entry_id == entry_id


def test_existing_seed_passes(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "001_abc.txt").write_text("seed", encoding="utf-8")
    text = FIXTURE_YAML.replace("        url: https://www.consular.mfa.go.th/", "        seed: 001_abc.txt", 1)
    assert _problems(tmp_path, text, seeds) == []


def test_duplicate_ids_and_categories_across_files(tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    write_fixture(directory)
    write_fixture(directory, FIXTURE_YAML, name="second.yaml")
    messages = [str(p) for p in validate_directory(directory, None)]
    assert any("second.yaml" in m and "duplicate id" in m for m in messages)
    assert any("category 'fixture' is also used by" in m for m in messages)


def test_invalid_yaml_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "category: x\nentries:\n  - id: a\n    title_th: - @IAO\n")
    assert len(problems) == 1 and "not valid YAML" in problems[0].message


def test_empty_directory(tmp_path: Path) -> None:
    assert "no knowledge files" in validate_directory(tmp_path, None)[0].message


def test_real_knowledge_files_are_valid() -> None:
    seeds = ROOT.parent / "shared" / "seeds"
    problems = validate_directory(ROOT / "knowledge" / "entries", seeds if seeds.is_dir() else None)
    assert problems == [], "\n".join(map(str, problems))
