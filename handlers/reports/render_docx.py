"""Word (python-docx) in the government font (TH Sarabun New 16 pt; Laksaman stands in on Debian)."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from handlers.reports.document import Document, Field, Image, Paragraph, Table
from handlers.reports.fonts import OFFICE_FONT, font_path

SIZE = Pt(16)


def _thai_font(style_or_run: object) -> None:
    """Set the font for Latin and complex-script (Thai) text alike: Word reads w:cs for Thai."""
    font = style_or_run.font  # type: ignore[attr-defined]
    font.name = OFFICE_FONT
    rpr = style_or_run.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), OFFICE_FONT)
    size = rpr.makeelement(qn("w:szCs"), {qn("w:val"): str(int(SIZE.pt * 2))})
    rpr.append(size)


def render_docx(doc: Document, path: Path) -> None:
    """Write the document as .docx."""
    font_path()  # the charts need it anyway; fail early with the package name
    doc = doc.localised()
    word = new_docx()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if doc.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    normal = word.styles["Normal"]
    normal.font.size = SIZE
    _thai_font(normal)
    for name in ("Title", "Heading 1", "Heading 2"):
        _thai_font(word.styles[name])
    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold = True
    run.font.size = Pt(20)
    for line in doc.subtitle:
        p = word.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for label, value in doc.header:
        p = word.add_paragraph()
        p.add_run(f"{label} : ").bold = True
        p.add_run(value)
    for part in doc.sections:
        if part.new_page:
            word.add_page_break()
        heading = word.add_paragraph()
        if part.centered:
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = heading.add_run(part.heading)
        run.bold = True
        run.font.size = Pt(17)
        for block in part.blocks:
            if isinstance(block, Paragraph):
                if block.text:
                    p = word.add_paragraph()
                    p.add_run(block.text).bold = block.bold
            elif isinstance(block, Field):
                if block.text:
                    word.add_paragraph(block.text)
                else:
                    for _ in range(block.lines):
                        word.add_paragraph("." * 95)
            elif isinstance(block, Image):
                word.add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, 160)))
                word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                caption = word.add_paragraph(block.caption)
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                _table(word, doc, block)
    word.save(str(path))


def _table(word: object, doc: Document, table: Table) -> None:
    """A gridded table; header and total rows bold, numbers right-aligned."""
    grid = word.add_table(rows=1, cols=len(table.headers))  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for i, row in enumerate(table.rows):
        cells = grid.add_row().cells
        if len(row) == 1 < len(cells):  # a heading row across the table
            merged = cells[0].merge(cells[-1])
            merged.paragraphs[0].add_run(doc.text(row[0], 0, table)).bold = True
            continue
        for j, value in enumerate(row):
            paragraph = cells[j].paragraphs[0]
            paragraph.add_run(doc.text(value, j, table)).bold = table.bold(i)
            if isinstance(value, int | float):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
