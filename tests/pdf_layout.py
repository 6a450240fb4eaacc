"""What a workbook printed to PDF shows: words, where they are, and what is wrong with the layout.

A test tool (tests/ only). ``pdftotext -bbox`` (poppler-utils) gives every word of every page with
its box; LibreOffice prints a figure too wide for its column as ``###`` and cuts text at its cell's
edge, leaving part of a word in the PDF. So, from the PDF alone and from the workbook's own texts:

- ``###`` anywhere is a number that does not fit its column;
- two words whose boxes overlap are labels printed over each other (text in a row too short for it);
- a word of a cell's text that is on no page of its sheet was cut off (clipped at the cell's edge,
  or below the row's bottom).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.DOTALL)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
OVERLAP_POINTS = 1.0  # boxes must share more than this across to count as overlapping
OVERLAP_SHARE = 0.35  # ... and this share of the lower box's height: the lines of one wrapped cell touch, no more


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def available() -> bool:
    """Whether poppler's pdftotext is installed."""
    return shutil.which("pdftotext") is not None


def words(pdf: Path) -> list[list[Word]]:
    """Every page's words with their boxes (points from the top left)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for number, body in enumerate(_PAGE.findall(out), start=1):
        pages.append([Word(number, html.unescape(m[4]), *map(float, m[:4])) for m in _WORD.findall(body)])
    return pages


def overlaps(page: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words printed over each other on one page."""
    found = []
    ordered = sorted(page, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            height = min(a.y1 - a.y0, b.y1 - b.y0)
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > OVERLAP_POINTS
                    and min(a.y1, b.y1) - max(a.y0, b.y0) > OVERLAP_SHARE * height):
                found.append((a, b))
    return found


def pages_by_heading(pages: list[list[Word]], headings: dict[str, str]) -> dict[str, list[int]]:
    """The pages of each sheet, told by the sheet's heading at the top of each page (its print title).

    Args:
        pages: from :func:`words`.
        headings: sheet name -> the heading text in its first row.
    """
    found: dict[str, list[int]] = {name: [] for name in headings}
    for index, page in enumerate(pages):
        top = sorted(page, key=lambda w: (round(w.y0), w.x0))
        if not top:
            continue
        first_line = " ".join(w.text for w in top if abs(w.y0 - top[0].y0) < 2)
        for name, heading in headings.items():
            if first_line.startswith(heading):
                found[name].append(index)
                break
    return found


def missing_words(pdf_pages: list[list[Word]], pages: list[int], texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(cell, word) for each word of a cell's text that is on none of its sheet's pages: cut off.

    Args:
        pdf_pages: from :func:`words`.
        pages: the indexes of the sheet's pages.
        texts: (cell, text) of every text cell the sheet prints.
    """
    shown = {w.text for index in pages for w in pdf_pages[index]}

    def printed(word: str) -> bool:  # a word wrapped at its hyphens ("work-" "based") is printed whole
        return word in shown or all(part in shown for part in re.split(r"(?<=-)(?=.)", word))

    return [(cell, word) for cell, text in texts for word in text.split() if not printed(word)]
