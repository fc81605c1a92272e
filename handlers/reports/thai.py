"""Thai government document conventions: Thai month names, Buddhist Era years, optional Thai digits."""

from __future__ import annotations

import datetime as dt

MONTHS_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
             "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
MONTHS_TH_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def be(year: int) -> int:
    """Buddhist Era year of a CE year."""
    return year + 543


def month_year_th(year: int, month: int) -> str:
    """"พฤศจิกายน 2569" for November 2026."""
    return f"{MONTHS_TH[month - 1]} {be(year)}"


def date_th(day: dt.date) -> str:
    """"21 พฤศจิกายน 2569", the way the forms write dates."""
    return f"{day.day} {MONTHS_TH[day.month - 1]} {be(day.year)}"


def thai_digits(text: str) -> str:
    """Arabic digits → Thai digits (๐–๙), as in the FY2567 forms."""
    return text.translate(_THAI_DIGITS)


def number(value: int | float | None, decimals: int = 1) -> str:
    """Grouped digits; floats keep `decimals` places unless whole; None is a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"
