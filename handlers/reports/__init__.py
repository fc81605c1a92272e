"""Monthly and yearly KPI reports: data assembly (build) apart from rendering (xlsx, pdf, html, docx)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from handlers.reports.build import MonthlyReport, monthly_document, monthly_report, yearly_document
from handlers.reports.document import Document
from handlers.reports.fonts import FontMissing
from handlers.reports.render_docx import render_docx
from handlers.reports.render_html import render_html
from handlers.reports.render_pdf import render_pdf
from handlers.reports.render_xlsx import render_xlsx

RENDERERS: dict[str, Callable[[Document, Path], None]] = {
    "xlsx": render_xlsx, "pdf": render_pdf, "html": render_html, "docx": render_docx,
}


def render(doc: Document, fmt: str, path: Path) -> Path:
    """Write a document in one of RENDERERS' formats; FontMissing names the package to install."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"format must be one of {', '.join(RENDERERS)}, not {fmt!r}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    renderer(doc, path)
    return path


__all__ = ["RENDERERS", "Document", "FontMissing", "MonthlyReport", "monthly_document", "monthly_report",
           "render", "yearly_document"]
