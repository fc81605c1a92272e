"""Loading the knowledge files into typed entries."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase, KnowledgeError, default_entries_dir, load_knowledge_base
from tests.knowledge.conftest import FIXTURE_YAML, write_fixture


def test_fixture_loads(fixture_kb: KnowledgeBase) -> None:
    entry = fixture_kb.get("marriage-foreigner-documents")
    assert entry is not None
    assert entry.kind == "faq" and entry.status == "approved" and entry.category == "fixture"
    assert entry.reviewed_on == datetime.date(2026, 11, 21)
    assert entry.questions_en and entry.sources[0].url == "https://www.bora.dopa.go.th/"
    assert entry.related == ("passport-lost-foreigner",)
    assert entry.file == "fixture.yaml"
    assert fixture_kb.get("nope") is None
    assert {e.id for e in fixture_kb.by_category("fixture")} == {e.id for e in fixture_kb.entries}
    assert fixture_kb.categories[0].title_en == "Fixture"
    assert fixture_kb.get("decoy-thai-id-card").kind == "out_of_scope"  # type: ignore[union-attr]


def test_default_directory_is_next_to_the_package() -> None:
    assert default_entries_dir() == Path(__file__).resolve().parents[2] / "knowledge" / "entries"


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("kind: out_of_scope\n    title_th: ทำบัตร", "kind: maybe\n    title_th: ทำบัตร", "decoy-thai-id-card: kind"),
        ("status: draft", "status: wip", "tm30-report: status"),
        (
            "reviewed_on: 2026-11-21\n    status: draft",
            "reviewed_on: soon\n    status: draft",
            "tm30-report: reviewed_on",
        ),
        ("related: [passport-lost-foreigner]", "related: [nope]", "related id 'nope'"),
        ("  - id: pink-card", "  - id: Pink Card", "id must match"),
        ("answer_th: ท.ร.13 คือทะเบียนบ้าน", "answer_th: " + "ก" * 5001 + " ท.ร.13", "LINE accepts"),
    ],
)
def test_bad_data_names_file_and_entry(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    assert old in FIXTURE_YAML
    write_fixture(tmp_path, FIXTURE_YAML.replace(old, new, 1), name="broken.yaml")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_base(tmp_path)
    assert "broken.yaml" in str(info.value) and fragment in str(info.value)


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    write_fixture(tmp_path, FIXTURE_YAML.replace("category: fixture", "category: other"), name="copy.yaml")
    with pytest.raises(KnowledgeError, match="duplicate id"):
        load_knowledge_base(tmp_path)


def test_invalid_yaml(tmp_path: Path) -> None:
    write_fixture(tmp_path, "category: x\nentries:\n  - id: a\n    title_th: - @IAO\n", name="bad.yaml")
    with pytest.raises(KnowledgeError, match="bad.yaml: not valid YAML"):
        load_knowledge_base(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="does not exist"):
        load_knowledge_base(tmp_path / "missing")


def test_knowledge_package_stays_independent() -> None:
    import sys

    import knowledge.matcher  # noqa: F401
    import knowledge.validate  # noqa: F401

    names = {m.split(".")[0] for m in sys.modules if m.startswith("knowledge")}
    assert names == {"knowledge"}
    for path in Path(knowledge.matcher.__file__).parent.glob("*.py"):
        imports = [
            line.split()[1]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith(("import ", "from "))
        ]
        roots = {name.split(".")[0] for name in imports}
        assert not roots & {"flask", "sqlalchemy", "linebot", "bot", "handlers"}, path
