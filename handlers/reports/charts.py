"""Charts as PNG bytes (matplotlib, Agg) in the Thai font: questions per day and per district."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
import matplotlib.font_manager

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from handlers.reports.fonts import font_path  # noqa: E402
from handlers.reports.thai import thai_digits  # noqa: E402

BAR = "#1f4e79"


def _use_thai_font() -> None:
    """Make Laksaman matplotlib's default family, so tick labels (Thai digits too) have glyphs."""
    manager = matplotlib.font_manager.fontManager
    for bold in (False, True):
        manager.addfont(str(font_path(bold)))
    plt.rcParams["font.family"] = "Laksaman"


def _font(size: float, bold: bool = False) -> FontProperties:
    """Laksaman at a size (FontMissing if it is not installed)."""
    return FontProperties(fname=str(font_path(bold)), size=size)


def _png(fig: plt.Figure) -> bytes:
    """Render and free a figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _digits(text: str, thai: bool) -> str:
    """Tick labels follow the document's digit style."""
    return thai_digits(text) if thai else text


def _count_axis(axis: object, thai: bool) -> None:
    """Whole-number ticks in the document's digits and font."""
    axis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _digits(f"{int(v)}", thai)))  # type: ignore[attr-defined]


def questions_per_day(days: Sequence[str], counts: Sequence[int], title: str, thai: bool = False) -> bytes:
    """A bar per Bangkok day of the month."""
    _use_thai_font()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    labels = [str(int(d[-2:])) for d in days]
    ax.bar(range(len(counts)), counts, color=BAR)
    ax.set_xticks(range(len(labels)), [_digits(s, thai) for s in labels], fontproperties=_font(9))
    ax.set_title(title, fontproperties=_font(15, bold=True))
    ax.set_xlabel("วันที่", fontproperties=_font(12))
    ax.set_ylabel("จำนวนคำถาม", fontproperties=_font(12))
    top = max(counts, default=0)
    ax.set_ylim(0, max(top * 1.15, 1))
    _count_axis(ax.yaxis, thai)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def questions_per_district(names: Sequence[str], counts: Sequence[int], title: str, thai: bool = False) -> bytes:
    """A horizontal bar per district office, all 50, in the table's order."""
    _use_thai_font()
    fig, ax = plt.subplots(figsize=(8, 11))
    positions = list(range(len(names)))[::-1]
    ax.barh(positions, counts, color=BAR)
    ax.set_yticks(positions, list(names), fontproperties=_font(10))
    ax.set_title(title, fontproperties=_font(15, bold=True))
    ax.set_xlabel("จำนวนคำถาม", fontproperties=_font(12))
    ax.set_xlim(0, max(max(counts, default=0) * 1.15, 1))
    _count_axis(ax.xaxis, thai)
    for i, n in zip(positions, counts, strict=True):
        if n:
            ax.text(n, i, " " + _digits(str(n), thai), va="center", fontproperties=_font(9))
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.005)
    return _png(fig)
