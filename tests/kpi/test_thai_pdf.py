"""Thai typesetting in the PDF: lines break between words, never split a cluster, never overflow their box."""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from pythainlp.tokenize import word_tokenize

from handlers.reports import linebreak
from handlers.reports.linebreak import break_lines, clusters, is_cluster_start
from tests.kpi.test_reports import needs_poppler, november, pdf_text  # noqa: F401  (november is a fixture)

NARRATIVE = ("สำนักงานการต่างประเทศ สำนักปลัดกรุงเทพมหานคร ดำเนินโครงการ “BMA Online InterClinic” "
             "(คลินิกออนไลน์ให้คำปรึกษาด้านการต่างประเทศของกรุงเทพมหานคร) เพื่อสนับสนุนการปฏิบัติงานด้าน"
             "การต่างประเทศให้กับสำนักงานเขตทั้ง 50 เขต ผ่านกิจกรรม “IAO Line Official” (บัญชีไลน์ @IAO)")


def width_of(text: str) -> float:
    """A stand-in measure: one unit per spacing character, marks take no room."""
    return sum(0 if unicodedata.category(ch) == "Mn" else 1 for ch in text)


def words(text: str) -> list[tuple[int, int, str]]:
    """pythainlp's words (and spaces) with their offsets: the only places a Thai line may break."""
    spans, at = [], 0
    for token in word_tokenize(text, engine="newmm", keep_whitespace=True):
        spans.append((at, at + len(token), token))
        at += len(token)
    return spans


def check_lines(text: str, lines: list[str], width: float, measure: Callable[[str], float]) -> None:
    """Every line fits, starts and ends on a cluster, breaks between words, and loses only spaces."""
    spans = words(text)
    at = 0
    for i, line in enumerate(lines):
        assert measure(line) <= width + 1e-6, (line, measure(line), width)
        while at < len(text) and text[at] in " \n" and not (line and text.startswith(line, at)):
            at += 1  # the spaces (or the newline) dropped at the break
        assert text.startswith(line, at), (line, text[at:at + 40])
        assert is_cluster_start(text, at), f"line {i} starts inside a cluster: {line!r}"
        if at and text[at - 1] not in " \n":  # a break with no space: it must fall between words ...
            inside = [t for a, b, t in spans if a < at < b]
            # ... unless the word is wider than a whole line (then between its clusters, checked above)
            assert not inside or measure(inside[0]) > width, f"line {i} splits the word {inside[0]!r}"
        at += len(line)
    assert text[at:].strip() == "", text[at:]


@pytest.mark.parametrize("width", [12, 20, 33, 60, 500])
def test_break_lines_keeps_words_and_clusters(width: int) -> None:
    lines = break_lines(NARRATIVE, width, width_of)
    check_lines(NARRATIVE, lines, width, width_of)
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in lines)


def test_a_word_longer_than_the_line_breaks_between_clusters() -> None:
    word = "ประชาสัมพันธ์" * 3
    lines = break_lines(word, 4, width_of)
    assert "".join(lines) == word and len(lines) > 1
    assert all(width_of(line) <= 4 for line in lines)
    assert "".join(clusters(word)) == word
    for line in lines:
        assert unicodedata.category(line[0]) != "Mn" and line[0] not in "\u0e33\u0e45"
        assert not "\u0e40" <= line[-1] <= "\u0e44"  # a leading vowel stays with its consonant


def test_a_space_never_becomes_a_stretched_gap() -> None:
    lines = break_lines("ก ข ค ง จ ฉ ช ซ", 3, width_of)
    assert lines == ["ก ข", "ค ง", "จ ฉ", "ช ซ"]


@needs_poppler
@pytest.mark.parametrize("thai_digits", [False, True])
def test_reports_render_with_every_line_in_its_box(november: None, app: Flask, tmp_path: Path,  # noqa: F811
                                                    monkeypatch: pytest.MonkeyPatch, thai_digits: bool) -> None:
    seen: list[tuple[str, list[str], float, Callable[[str], float]]] = []
    original = linebreak.break_lines

    def recording(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
        lines = original(text, width, measure)
        # fpdf2 measures in the font of the moment: record the widths now, not later
        seen.append((text, lines, width, measure))
        check_lines(text, lines, width, measure)
        return lines

    # the package exports the function render_pdf under the module's name: fetch the module itself
    monkeypatch.setattr(importlib.import_module("handlers.reports.render_pdf"), "break_lines", recording)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kpi", "close", "--month", "2026-11"]).exit_code == 0
    outputs = []
    for args in (["report", "monthly", "--month", "2026-11"], ["report", "yearly", "--fiscal-year", "2570"],
                 ["report", "yearly", "--fiscal-year", "2564"]):
        path = tmp_path / f"{args[1]}-{args[-1]}.pdf"
        result = runner.invoke(args=[*args, "--format", "pdf", "--output", str(path)]
                               + (["--thai-digits"] if thai_digits and args[1] == "monthly" else []))
        assert result.exit_code == 0, result.output
        outputs.append(path)
    long_ones = [s for s in seen if len(s[1]) > 1]
    assert len(seen) > 100 and long_ones  # the narrative, headings and table cells all went through it
    narrative = next(s for s in seen if s[0].startswith("สำนักงานการต่างประเทศ สำนักปลัดกรุงเทพมหานคร ดำเนิน"))
    assert len(narrative[1]) >= 4
    for path in outputs:
        text = pdf_text(path)
        assert "  " not in "".join(line.strip() for line in text.splitlines() if "ดำเนินโครงการ" in line)
