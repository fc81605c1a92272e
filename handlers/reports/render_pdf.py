"""PDF (fpdf2) with Laksaman embedded and HarfBuzz shaping, so Thai vowels and tone marks sit right."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from handlers.reports.document import Document, Field, Image, Paragraph, Table
from handlers.reports.fonts import font_path

BODY = 14  # TH Sarabun documents use 16 pt; Laksaman is drawn larger, 14 pt matches it
FAMILY = "Laksaman"


class _Pdf(FPDF):
    """A4 with page numbers in the footer."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=10)
        self.cell(0, 8, f"หน้า {self.page_no()}/{{nb}}", align="C")


def render_pdf(doc: Document, path: Path) -> None:
    """Write the document as a PDF."""
    doc = doc.localised()
    pdf = _Pdf(orientation="L" if doc.landscape else "P", format="A4")
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
    pdf.multi_cell(width, 9, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", BODY)
    for line in doc.subtitle:
        pdf.multi_cell(width, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in doc.header:
        pdf.set_font(FAMILY, "B", BODY)
        pdf.write(7, f"{label} : ")
        pdf.set_font(FAMILY, "", BODY)
        pdf.write(7, value)
        pdf.ln(7)
    for section in doc.sections:
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", BODY + 1)
        pdf.multi_cell(width, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", BODY)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                if block.text:
                    pdf.set_font(FAMILY, "B" if block.bold else "", BODY)
                    pdf.multi_cell(width, 7, block.text, new_x="LMARGIN", new_y="NEXT")
                    pdf.set_font(FAMILY, "", BODY)
            elif isinstance(block, Field):
                if block.text:
                    pdf.multi_cell(width, 7, block.text, new_x="LMARGIN", new_y="NEXT")
                else:
                    for _ in range(block.lines):
                        pdf.cell(width, 9, "." * 150, new_x="LMARGIN", new_y="NEXT")
            elif isinstance(block, Image):
                if pdf.will_page_break(40):
                    pdf.add_page()
                pdf.image(io.BytesIO(block.png), w=min(block.width_mm, width), x=pdf.l_margin + max(
                    0, (width - block.width_mm) / 2))
                pdf.set_font(FAMILY, "", BODY - 2)
                pdf.multi_cell(width, 6, block.caption, align="C", new_x="LMARGIN", new_y="NEXT")
                pdf.set_font(FAMILY, "", BODY)
            else:
                _table(pdf, doc, block)
            pdf.ln(1)
    pdf.output(str(path))


def _table(pdf: FPDF, doc: Document, table: Table) -> None:
    """A bordered table, header bold and shaded; numbers right-aligned."""
    pdf.set_font(FAMILY, "", BODY - 1)
    widths = table.widths or [1.0] * len(table.headers)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 232, 240))
    with pdf.table(col_widths=tuple(widths), headings_style=heading, line_height=6.5,
                   text_align="LEFT", first_row_as_headings=True, padding=(1.2, 1.5)) as grid:
        grid.row(table.headers)
        last = len(table.rows) - 1
        for i, row in enumerate(table.rows):
            style = FontFace(emphasis="BOLD") if table.total_row and i == last else None
            cells = grid.row(style=style)
            for j, cell in enumerate(row):
                align = "RIGHT" if isinstance(cell, int | float) and not isinstance(cell, bool) else "LEFT"
                cells.cell(doc.text(cell, j, table), align=align)
    pdf.set_font(FAMILY, "", BODY)
