"""PDF (fpdf2) with Laksaman embedded and HarfBuzz shaping, so Thai vowels and tone marks sit right.

Lines are broken here, at Thai word boundaries (handlers/reports/linebreak.py), and drawn left-aligned one
cell per line: fpdf2's own wrapping breaks only at spaces (or mid-cluster) and its default justification
stretches the few spaces Thai has.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from handlers.reports.document import Document, Field, Image, Paragraph, Table
from handlers.reports.fonts import font_path
from handlers.reports.linebreak import break_lines
from handlers.reports.thai import thai_digits

BODY = 14  # TH Sarabun documents use 16 pt; Laksaman is drawn larger, 14 pt matches it
FAMILY = "Laksaman"
CELL_PADDING = 1.5  # mm left and right inside a table cell
CELL_PADDING_Y = 1.2  # mm above and below
LINE_HEIGHT = 6.5  # mm per line in a table cell
SLACK = 0.6  # mm kept free at the end of a line, so rounding in fpdf2 never wraps a measured line again


class _Pdf(FPDF):
    """A4 with page numbers in the footer (Thai digits when the document uses them)."""

    thai = False

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=10)
        # fpdf2 fills the {nb} alias with Arabic digits, so a Thai-digit document shows the page alone
        page = f"หน้า {thai_digits(str(self.page_no()))}" if self.thai else f"หน้า {self.page_no()}/{{nb}}"
        self.cell(0, 8, page, align="C")


def render_pdf(doc: Document, path: Path) -> None:
    """Write the document as a PDF."""
    doc = doc.localised()
    pdf = _Pdf(orientation="L" if doc.landscape else "P", format="A4")
    pdf.thai = doc.thai_digits
    pdf.add_font(FAMILY, "", str(font_path()))
    pdf.add_font(FAMILY, "B", str(font_path(bold=True)))
    pdf.set_text_shaping(True)
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, 18)
    pdf.alias_nb_pages()
    pdf.set_title(doc.title)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(FAMILY, "B", 18)
    _lines(pdf, width, 9, doc.title, align="C")
    pdf.set_font(FAMILY, "", BODY)
    for line in doc.subtitle:
        _lines(pdf, width, 7, line, align="C")
    pdf.ln(2)
    for label, value in doc.header:
        pdf.set_font(FAMILY, "B", BODY)
        head = f"{label} : "
        indent = min(pdf.get_string_width(head) + SLACK, width / 2)
        pdf.cell(indent, 7, head)
        pdf.set_font(FAMILY, "", BODY)
        for line in break_lines(value, width - indent - SLACK, pdf.get_string_width) or [""]:
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(width - indent, 7, line, align="L", new_x="LMARGIN", new_y="NEXT")
    for section in doc.sections:
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", BODY + 1)
        if section.new_page or pdf.will_page_break(8 + 14):  # a heading never ends a page alone
            pdf.add_page()
        _lines(pdf, width, 8, section.heading, align="C" if section.centered else "L")
        pdf.set_font(FAMILY, "", BODY)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                if block.text:
                    pdf.set_font(FAMILY, "B" if block.bold else "", BODY)
                    _lines(pdf, width, 7, block.text)
                    pdf.set_font(FAMILY, "", BODY)
            elif isinstance(block, Field):
                if block.text:
                    _lines(pdf, width, 7, block.text)
                else:
                    dots = "." * int((width - SLACK) / pdf.get_string_width("."))  # to the margin, not past it
                    for _ in range(block.lines):
                        pdf.cell(width, 9, dots, new_x="LMARGIN", new_y="NEXT")
            elif isinstance(block, Image):
                if pdf.will_page_break(40):
                    pdf.add_page()
                pdf.image(io.BytesIO(block.png), w=min(block.width_mm, width), x=pdf.l_margin + max(
                    0, (width - block.width_mm) / 2))
                pdf.set_font(FAMILY, "", BODY - 2)
                _lines(pdf, width, 6, block.caption, align="C")
                pdf.set_font(FAMILY, "", BODY)
            else:
                _table(pdf, doc, block)
            pdf.ln(1)
    pdf.output(str(path))


def _lines(pdf: FPDF, width: float, height: float, text: str, align: str = "L") -> None:
    """Text broken at Thai word boundaries, one unjustified cell per line, in the current font."""
    for line in break_lines(text, width - SLACK, pdf.get_string_width):
        pdf.cell(width, height, line, align=align, new_x="LMARGIN", new_y="NEXT")


def _height(cells: list[str]) -> float:
    """A row's height as fpdf2 draws it: its tallest cell's lines and the padding."""
    return max(text.count("\n") + 1 for text in cells) * LINE_HEIGHT + 2 * CELL_PADDING_Y


def _widow_split(pdf: FPDF, headers: list[str], rows: list[list[str]]) -> int | None:
    """The row to start a new page at when the last (total) row would otherwise start a page alone."""
    if len(rows) < 3:
        return None
    bottom = pdf.h - pdf.b_margin
    y = pdf.get_y() + _height(headers)
    page_of: list[int] = []
    for cells in rows:
        if y + _height(cells) > bottom:  # fpdf2 moves the row to a new page, under the repeated headings
            y = pdf.t_margin + _height(headers)
            page_of.append(len(page_of) and page_of[-1] + 1)
        else:
            page_of.append(page_of[-1] if page_of else 0)
        y += _height(cells)
    return len(rows) - 2 if page_of[-1] != page_of[-2] else None


def _table(pdf: FPDF, doc: Document, table: Table) -> None:
    """A bordered table, header bold and shaded; numbers right-aligned; cell text broken at Thai words."""
    pdf.set_font(FAMILY, "", BODY - 1)
    widths = table.widths or [1.0] * len(table.headers)
    inner = [pdf.epw * w / sum(widths) - 2 * CELL_PADDING - SLACK for w in widths]
    inner.append(pdf.epw - 2 * CELL_PADDING - SLACK)  # index -1: a row spanning the table
    heading = FontFace(emphasis="BOLD", fill_color=(225, 232, 240))

    def fitted(text: str, column: int, bold: bool) -> str:
        pdf.set_font(FAMILY, "B" if bold else "", BODY - 1)
        lines = break_lines(text, inner[column], pdf.get_string_width)
        pdf.set_font(FAMILY, "", BODY - 1)
        return "\n".join(lines)

    headers = [fitted(h, j, True) for j, h in enumerate(table.headers)]
    texts: list[list[str]] = []  # each row's cells as drawn
    for i, row in enumerate(table.rows):
        if len(row) == 1 < len(widths):  # a heading row across the table
            texts.append([fitted(doc.text(row[0], 0, table), -1, table.bold(i))])
        else:
            texts.append([fitted(doc.text(cell, j, table), j, table.bold(i)) for j, cell in enumerate(row)])
    split = _widow_split(pdf, headers, texts) if table.total_row else None
    parts = [range(len(texts))] if split is None else [range(split), range(split, len(texts))]
    for n, part in enumerate(parts):
        if n:
            pdf.add_page()  # the total row never stands alone on a page: the row before it comes along
        with pdf.table(col_widths=tuple(widths), headings_style=heading, line_height=LINE_HEIGHT,
                       text_align="LEFT", first_row_as_headings=True,
                       padding=(CELL_PADDING_Y, CELL_PADDING)) as grid:
            grid.row(headers)
            for i in part:
                row = table.rows[i]
                cells = grid.row(style=FontFace(emphasis="BOLD") if table.bold(i) else None)
                if len(texts[i]) == 1 < len(widths):
                    cells.cell(texts[i][0], colspan=len(widths))
                    continue
                for j, cell in enumerate(row):
                    align = "RIGHT" if isinstance(cell, int | float) and not isinstance(cell, bool) else "LEFT"
                    cells.cell(texts[i][j], align=align)
    pdf.set_font(FAMILY, "", BODY)
