"""Excel (openpyxl): one sheet per section block, numbers as numbers, charts as images."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from handlers.reports.document import Document, Field, Image, Paragraph, Table
from handlers.reports.fonts import OFFICE_FONT, font_path
from handlers.safe_text import safe_cell

THIN = Side(style="thin", color="777777")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E1E8F0")


def render_xlsx(doc: Document, path: Path) -> None:
    """Write the report as a workbook: a summary sheet with everything, charts on their own sheet."""
    font_path()
    doc = doc.localised()
    book = Workbook()
    sheet = book.active
    sheet.title = "รายงาน"
    normal, bold = Font(name=OFFICE_FONT, size=16), Font(name=OFFICE_FONT, size=16, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    widths: dict[int, float] = {1: 48, 2: 18, 3: 18, 4: 18, 5: 14, 6: 14, 7: 14, 8: 14}
    row = 1

    def put(col: int, value: object, font: Font = normal, border: bool = False) -> None:
        cell = sheet.cell(row=row, column=col, value=safe_cell(value))
        cell.font = font
        cell.alignment = wrap
        if border:
            cell.border = BOX

    put(1, doc.title, Font(name=OFFICE_FONT, size=20, bold=True))
    row += 1
    for line in doc.subtitle:
        put(1, line)
        row += 1
    for label, value in doc.header:
        put(1, label, bold)
        put(2, value)
        row += 1
    charts = book.create_sheet("แผนภูมิ")
    chart_row = 1
    for section in doc.sections:
        row += 1
        put(1, section.heading, Font(name=OFFICE_FONT, size=17, bold=True))
        row += 1
        for block in section.blocks:
            if isinstance(block, Paragraph | Field):
                text = block.text if isinstance(block, Paragraph) else (block.text or "." * 80)
                if text:
                    put(1, text, bold if isinstance(block, Paragraph) and block.bold else normal)
                    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
                    sheet.row_dimensions[row].height = min(400, 24 * (1 + len(text) // 90 + text.count("\n")))
                    row += 1
            elif isinstance(block, Image):
                picture = XlImage(io.BytesIO(block.png))
                scale = 640 / picture.width
                picture.width, picture.height = 640, int(picture.height * scale)
                charts.cell(row=chart_row, column=1, value=safe_cell(block.caption)).font = bold
                charts.add_image(picture, f"A{chart_row + 1}")
                chart_row += int(picture.height / 20) + 4
                put(1, f"{block.caption} (ดูแผ่นงาน \"แผนภูมิ\")")
                row += 1
            else:
                row = _table(sheet, doc, block, row, normal, bold, widths)
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    book.save(str(path))


def _table(sheet: object, doc: Document, table: Table, row: int, normal: Font, bold: Font,
           widths: dict[int, float]) -> int:
    """Write one table from `row`; numbers stay numeric unless Thai digits were asked for."""
    for j, header in enumerate(table.headers, 1):
        cell = sheet.cell(row=row, column=j, value=safe_cell(header))  # type: ignore[attr-defined]
        cell.font, cell.fill, cell.border = bold, HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, values in enumerate(table.rows):
        row += 1
        if len(values) == 1 < len(table.headers):  # a heading row across the table
            sheet.merge_cells(start_row=row, start_column=1, end_row=row,  # type: ignore[attr-defined]
                              end_column=len(table.headers))
        for j, value in enumerate(values, 1):
            keep_number = isinstance(value, int | float) and not doc.thai_digits
            cell = sheet.cell(row=row, column=j,  # type: ignore[attr-defined]
                              value=value if keep_number else safe_cell(doc.text(value, j - 1, table)))
            cell.font = bold if table.bold(i) else normal
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top",
                                       horizontal="right" if isinstance(value, int | float) else "left")
            if keep_number and isinstance(value, float):
                cell.number_format = "#,##0.0"
            elif keep_number:
                cell.number_format = "#,##0"
    return row + 2
