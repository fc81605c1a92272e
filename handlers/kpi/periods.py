"""Months and fiscal years as the IAO counts them: Bangkok calendar months, BE fiscal years from 1 October."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from handlers.clock import BANGKOK

BE_OFFSET = 543


FIRST_YEAR, LAST_YEAR = 2000, 2200  # CE years a month may name: @IAO's log cannot hold anything else
MONTH_TH = "เดือนต้องอยู่ในรูปแบบ YYYY-MM เป็นเลขอารบิก เช่น 2026-11 (ปี ค.ศ. หรือ พ.ศ.)"
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})", re.ASCII)


class MonthError(ValueError):
    """A month that is not YYYY-MM; the message is Thai for the console and names the format for the CLI."""


def fiscal_year_of(year: int, month: int) -> int:
    """The BE fiscal year a CE month belongs to: October 2026 → 2570, September 2026 → 2569."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    return year + BE_OFFSET + (1 if month >= 10 else 0)


def fiscal_year_months(be_year: int) -> list[tuple[int, int]]:
    """The twelve (CE year, month) pairs of a BE fiscal year, October first."""
    start = be_year - BE_OFFSET - 1
    return [(start, m) for m in (10, 11, 12)] + [(start + 1, m) for m in range(1, 10)]


def fiscal_year_bounds(be_year: int) -> tuple[dt.date, dt.date]:
    """First and last day (CE dates) of a BE fiscal year."""
    return dt.date(be_year - BE_OFFSET - 1, 10, 1), dt.date(be_year - BE_OFFSET, 9, 30)


def month_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last calendar day of a month."""
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def month_utc_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a Bangkok month in UTC, for tables timed in UTC only (sends, surveys)."""
    first, last = month_days(year, month)
    start = dt.datetime.combine(first, dt.time(), BANGKOK)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BANGKOK)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


# LINE counts the monthly message quota in Japan time: its statistics dates are UTC+9 ("Timezone: UTC+9",
# developers.line.biz/en/reference/messaging-api/ §Get number of sent push messages), and LINE's help centre
# says messages sent after 22:59 UTC+8 on a month's last day count in the next month's total
# (help2.line.me/official_account_tw/android/categoryId/20006396/pc?lang=en), i.e. the month turns at
# 00:00 JST = 22:00 Bangkok. No Thai-specific statement was found; see research/line_platform.md §1.12.
JAPAN = ZoneInfo("Asia/Tokyo")
QUOTA_BOUNDARY_TH = ("เดือนโควตาข้อความของ LINE เริ่มเวลา 00:00 น. ตามเวลาประเทศญี่ปุ่น "
                     "(22:00 น. เวลากรุงเทพฯ ของวันสุดท้ายของเดือนก่อนหน้า)")
QUOTA_BOUNDARY_EN = "LINE's quota month: from 00:00 Japan time (22:00 Bangkok on the previous month's last day)"


def quota_month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of LINE's quota month: midnight Japan time, two hours before Bangkok's midnight."""
    start = dt.datetime(year, month, 1, tzinfo=JAPAN)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=JAPAN)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def quota_month_of(moment: dt.datetime) -> tuple[int, int]:
    """The quota month (Japan calendar) a moment falls in: 30 Nov 22:30 Bangkok is already December."""
    japan = moment.astimezone(JAPAN)
    return japan.year, japan.month


def parse_month(text: str) -> tuple[int, int]:
    """"2026-11" → (2026, 11); a BE year (≥ 2400) is converted. The one month parser of every page and command.

    ASCII digits only (Python's \\d also takes full-width and Thai digits), no padding, a month 1–12 and a
    year in [FIRST_YEAR, LAST_YEAR], so nothing downstream meets year 0 or a date it cannot build.
    """
    match = _MONTH_RE.fullmatch(text.strip()) if isinstance(text, str) and len(text) <= 20 else None
    if match is None:
        raise MonthError(MONTH_TH)
    year, month = int(match.group(1)), int(match.group(2))
    year = year - BE_OFFSET if year >= 2400 else year
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        raise MonthError(MONTH_TH)
    return year, month


def month_key(year: int, month: int) -> str:
    """(2026, 11) → "2026-11", the form months are stored and shown in."""
    return f"{year:04d}-{month:02d}"


def normalise_month(text: str) -> str:
    """A month as typed ("2569-11", "2026-1") in its stored form "2026-11"; MonthError when malformed."""
    return month_key(*parse_month(text))


def previous_month(now: dt.datetime) -> tuple[int, int]:
    """The Bangkok month before the one `now` falls in (what the scheduler closes on the 1st)."""
    today = now.astimezone(BANGKOK).date()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month
