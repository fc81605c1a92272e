"""Thai line breaking for the PDF: Thai has no spaces between words, so lines break where pythainlp says."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from pythainlp.tokenize import word_tokenize

# A character cluster: an optional leading vowel (เ แ โ ใ ไ), a base, its marks (above/below vowels, tone
# marks: category Mn), and SARA AM or LAKKHANGYAO, which are spacing but belong to the syllable before them.
_LEADING = "\u0e40-\u0e44"
_TRAILING = "\u0e33\u0e45"
_CLUSTER = re.compile(f"[{_LEADING}]*(?:.[\\u0e31\\u0e34-\\u0e3a\\u0e47-\\u0e4e\\u0300-\\u036f{_TRAILING}]*)",
                      re.DOTALL)
_OPENING = set("“‘([{«")
_CLOSING = set("”’)]}».,;:!?%")
_MAX_TOKENISED = 2000  # longer paragraphs are cut into pieces of this many characters before tokenising


def clusters(text: str) -> list[str]:
    """The text cut into character clusters that a line must never split."""
    return _CLUSTER.findall(text)


def is_cluster_start(text: str, index: int) -> bool:
    """True when a break before `index` would not separate a mark or trailing vowel from its letter."""
    if index <= 0 or index >= len(text):
        return True
    ch, before = text[index], text[index - 1]
    return not (unicodedata.category(ch) == "Mn" or ch in _TRAILING or "\u0e40" <= before <= "\u0e44")


@lru_cache(maxsize=4096)
def _words(paragraph: str) -> tuple[str, ...]:
    """pythainlp's words (spaces kept), with opening punctuation joined to the next and closing to the last."""
    tokens: list[str] = []
    for start in range(0, len(paragraph), _MAX_TOKENISED):
        tokens.extend(t for t in word_tokenize(paragraph[start:start + _MAX_TOKENISED], engine="newmm",
                                               keep_whitespace=True) if t)
    merged: list[str] = []
    carry = ""
    for token in tokens:
        if token and all(ch in _OPENING for ch in token):
            carry += token
            continue
        token, carry = carry + token, ""
        if merged and token and all(ch in _CLOSING for ch in token) and not merged[-1].isspace():
            merged[-1] += token
        else:
            merged.append(token)
    if carry:
        merged.append(carry)
    return tuple(merged)


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy lines no wider than `width`, broken between words (or clusters, for a word wider than a line).

    Spaces at a break are dropped; "\\n" always breaks. `measure` is the renderer's own width of a string
    (fpdf2's get_string_width, shaped), so what is measured is what is drawn.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _words(paragraph):
            if word.isspace():
                if line:
                    line += word
                continue
            if measure(line + word) <= width:
                line += word
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            if measure(word) <= width:
                line = word
                continue
            for cluster in clusters(word):  # a word longer than the line: break between its clusters
                if line and measure(line + cluster) > width:
                    lines.append(line)
                    line = ""
                line += cluster
        lines.append(line.rstrip())
    return lines
