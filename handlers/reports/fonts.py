"""The Thai font every renderer uses: Laksaman (metric-compatible with TH Sarabun New) from fonts-tlwg."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
REGULAR = "Laksaman.ttf"
BOLD = "Laksaman-Bold.ttf"
# Office files name the government font; fontconfig maps "TH Sarabun*" to Laksaman on Debian.
OFFICE_FONT = "TH Sarabun New"


_folder: Path = FONT_DIR


class FontMissing(RuntimeError):
    """The Thai font is not installed; the message says which package to install."""


def configure(folder: Path | None) -> None:
    """Where the fonts are (Settings.thai_font_dir, IAO_THAI_FONT_DIR): set once by the composition root."""
    global _folder
    _folder = folder or FONT_DIR


def font_path(bold: bool = False) -> Path:
    """Path of Laksaman (regular or bold), or FontMissing naming the Debian package."""
    folder = _folder
    path = folder / (BOLD if bold else REGULAR)
    if not path.is_file():
        raise FontMissing(
            f"Thai font not found at {path}: install it with `apt-get install fonts-tlwg-laksaman` "
            "(Debian/Ubuntu), or set IAO_THAI_FONT_DIR to a folder holding Laksaman.ttf and Laksaman-Bold.ttf"
        )
    return path
