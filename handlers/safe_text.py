"""Making stored text safe where it leaves: one place for every XLSX, DOCX, CSV, PDF and HTML writer.

A LINE message, display name or survey comment may hold anything. XML (XLSX, DOCX) cannot hold C0 controls
other than tab and newline, U+FFFE/U+FFFF or lone surrogates, so they are dropped first; only then is a cell
checked for a spreadsheet formula, so a control character cannot hide a leading "=" from the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# C0 controls except tab, newline and carriage return; the BOM-like non-characters; lone surrogates.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(text: str) -> str:
    """The text without characters XML (and therefore XLSX, DOCX) cannot hold; nothing else changes."""
    return _ILLEGAL.sub("", text)


def safe_cell(value: object) -> object:
    """A spreadsheet or CSV cell: XML-illegal characters dropped, then a formula prefix neutralised with '."""
    if not isinstance(value, str):
        return value
    text = safe_text(value)
    stripped = text.lstrip(" ")
    if stripped.startswith(FORMULA_START):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[object]:
    """A CSV or spreadsheet row with every cell made safe (safe_cell)."""
    return [safe_cell(v) for v in values]
