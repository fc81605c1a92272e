"""A small document model between data assembly and rendering, so four formats show the same content."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from handlers.reports.thai import number, thai_digits
from handlers.safe_text import safe_text

Cell = str | int | float | None


@dataclass
class Table:
    """A table; number cells stay numbers so the spreadsheet can sum them."""

    headers: list[str]
    rows: Sequence[Sequence[Cell]]
    total_row: bool = False  # the last row is a total (bold)
    widths: list[float] | None = None  # relative column widths
    keep_digits: tuple[int, ...] = ()  # columns never converted to Thai digits (file paths)
    bold_rows: tuple[int, ...] = ()  # rows drawn bold besides the total (a form's component headings)
    # A row of one cell spans every column (a form's component heading).

    def bold(self, index: int) -> bool:
        """True for the total row and the bold rows."""
        return (self.total_row and index == len(self.rows) - 1) or index in self.bold_rows


@dataclass
class Paragraph:
    """Running text; `bold` for notes that must stand out."""

    text: str
    bold: bool = False


@dataclass
class Image:
    """A PNG chart with its caption."""

    png: bytes
    caption: str
    width_mm: float = 170


@dataclass
class Field:
    """A fill-in field of the form: its text, or dotted lines for the officer to complete."""

    label: str
    text: str | None = None
    lines: int = 3


Block = Table | Paragraph | Image | Field


@dataclass
class Section:
    """A numbered heading and what follows it."""

    heading: str
    blocks: Sequence[Block] = field(default_factory=list)
    new_page: bool = False  # a form of its own: starts a page (PDF, Word)
    centered: bool = False  # the heading is a form's title, centred


@dataclass
class Document:
    """A whole report: titles, header lines (label, value) and sections."""

    title: str
    subtitle: list[str]
    header: list[tuple[str, str]]
    sections: list[Section]
    thai_digits: bool = False
    landscape: bool = False

    def text(self, cell: Cell, column: int | None = None, table: Table | None = None) -> str:
        """A cell or string as printed (XML-safe), with Thai digits when asked (except kept columns)."""
        out = safe_text(cell) if isinstance(cell, str) else number(cell)
        if self.thai_digits and not (table is not None and column in table.keep_digits):
            out = thai_digits(out)
        return out

    def localised(self) -> Document:
        """A copy whose titles, header, paragraphs and fields are XML-safe and carry Thai digits if asked.

        Every renderer starts from this copy, so stored text (a closed month's survey comments) with control
        characters or U+FFFF renders in every format instead of failing.
        """
        t = self.text
        sections = []
        for section in self.sections:
            blocks: list[Block] = []
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    blocks.append(replace(block, text=t(block.text)))
                elif isinstance(block, Field):
                    blocks.append(replace(block, label=t(block.label), text=t(block.text) if block.text else None))
                elif isinstance(block, Image):
                    blocks.append(replace(block, caption=t(block.caption)))
                else:
                    blocks.append(replace(block, headers=[t(h) for h in block.headers]))
            sections.append(replace(section, heading=t(section.heading), blocks=blocks))
        return replace(self, title=t(self.title), subtitle=[t(s) for s in self.subtitle],
                       header=[(t(a), t(b)) for a, b in self.header], sections=sections)
