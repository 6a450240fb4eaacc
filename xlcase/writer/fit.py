"""Rows and columns sized from what they show, since openpyxl cannot measure text.

Run over each sheet once everything is written. Widths and heights are estimated for the wider of
the fonts a workbook meets: Calibri in Excel and its usual substitute, DejaVu Sans, in LibreOffice
without Microsoft's fonts, so text that fits in LibreOffice fits in Excel too. Only ever makes
rows taller and columns wider than the writers set them.

- a money cell's column fits the widest figure the formulas can produce: -£999,999,999
  (an appraisal of a thousand million pounds a year still shows figures, not ###);
- a wrapped cell's row is tall enough for every line of its text at its column's (or merged
  range's) width;
- text that is not wrapped and has a neighbour on its right widens its column to fit, or wraps.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

MONEY_WIDTH = 14.5  # "-£999,999,999" and the cell's padding
DEFAULT_WIDTH = 8.43  # a column Excel has not been told the width of
CHARACTERS_PER_WIDTH = 1.0  # ordinary DejaVu Sans 11-point characters per unit of column width (measured in Calc)
BOLD_CHARACTERS_PER_WIDTH = 0.9
LINE_POINTS = 15.0  # one line of 11-point text
PADDING_POINTS = 3.0
MAX_ROW_POINTS = 409.0  # Excel's tallest row
MAX_FITTED_WIDTH = 60.0  # unwrapped text wider than this wraps instead


def column_width(ws: Worksheet, col: int) -> float:
    """A column's width in Excel's units (characters of the default font)."""
    dimension = ws.column_dimensions[get_column_letter(col)]
    return dimension.width if dimension.customWidth and dimension.width else DEFAULT_WIDTH


def widen_to(ws: Worksheet, col: int, width: float) -> None:
    """Set a column at least this wide."""
    if column_width(ws, col) < width:
        ws.column_dimensions[get_column_letter(col)].width = round(width, 1)


def characters(font_bold: bool, size: float, width: float) -> int:
    """How many characters of text fit on one line of a column this wide."""
    per = (BOLD_CHARACTERS_PER_WIDTH if font_bold else CHARACTERS_PER_WIDTH) * 11 / (size or 11)
    return max(1, int(width * per) - 1)


def text_width(text: str, bold: bool = False, size: float = 11) -> float:
    """The column width that shows one line of text in full."""
    longest = max((len(line) for line in text.split("\n")), default=0)
    per = (BOLD_CHARACTERS_PER_WIDTH if bold else CHARACTERS_PER_WIDTH) * 11 / (size or 11)
    return longest / per + 2


def lines_of(text: str, chars: int) -> int:
    """Lines a wrapped cell needs: word by word, as a spreadsheet wraps (a line that fits, and has no tab
    for textwrap to widen, is one line without asking textwrap, which is slow: 30,000 calls a large case)."""
    return sum(1 if len(part) <= chars and "\t" not in part
               else max(1, len(textwrap.wrap(part, chars, break_long_words=True))) for part in text.split("\n"))


def fit_sheet(ws: Worksheet) -> None:
    """Widen money columns, widen or wrap crowded text, then make rows tall enough for wrapped text."""
    cells = ws._cells  # the cells written, by (row, column); iter_rows would make one for every empty place too
    written = [cells[place] for place in sorted(cells)]  # row by row, as the sheet reads
    looks = _Looks()
    for col in {cell.column for cell in written if looks.money(cell)}:  # typed or calculated, filled or spare
        widen_to(ws, col, MONEY_WIDTH)
    merged = {(m.min_row, m.min_col): (m.min_col, m.max_col) for m in ws.merged_cells.ranges}
    texts = [cell for cell in written if isinstance(cell.value, str) and cell.value and cell.data_type != "f"]
    last_col = ws.max_column
    for cell in texts:  # first every width, since a row's height depends on them
        if (cell.row, cell.column) in merged:
            continue
        bold, size = looks.font(cell)
        if looks.wraps(cell):  # no word broken in two
            longest = max(cell.value.split(), key=len, default="")
            widen_to(ws, cell.column, min(MAX_FITTED_WIDTH, text_width(longest, bold, size)))
            continue
        needed = text_width(cell.value, bold, size)
        if _empty(cells, cell.row, cell.column + 1):
            if cell.column < last_col and not _fits(ws, needed, cell.column, last_col) and all(
                    _empty(cells, cell.row, c) for c in range(cell.column + 1, last_col + 1)):
                # it would run past the sheet's last column, where printing cuts it: wrap it over the row
                ws.merge_cells(start_row=cell.row, start_column=cell.column, end_row=cell.row, end_column=last_col)
                merged[cell.row, cell.column] = (cell.column, last_col)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            continue  # the text may run on over the empty cells beside it
        if needed <= MAX_FITTED_WIDTH:
            widen_to(ws, cell.column, needed)
        else:
            cell.alignment = Alignment(wrap_text=True, vertical=cell.alignment.vertical or "top",
                                       horizontal=cell.alignment.horizontal)
    heights: dict[int, float] = {}
    for cell in texts:
        if not looks.wraps(cell):
            continue
        first, last = merged.get((cell.row, cell.column), (cell.column, cell.column))
        width = sum(column_width(ws, c) for c in range(first, last + 1))
        bold, size = looks.font(cell)
        lines = lines_of(cell.value, characters(bold, size, width))
        if lines > 1:
            heights[cell.row] = max(heights.get(cell.row, 0.0), lines * LINE_POINTS * size / 11 + PADDING_POINTS)
    for number, points in heights.items():
        dimension = ws.row_dimensions[number]
        dimension.height = min(MAX_ROW_POINTS, max(dimension.height or 0.0, points))


def _empty(cells: dict, row: int, col: int) -> bool:
    """No cell at this place, or one with no value (looked up without making one)."""
    cell = cells.get((row, col))
    return cell is None or cell.value is None


def _fits(ws: Worksheet, needed: float, first: int, last: int) -> bool:
    """The columns from first to last are at least this wide together (adding them up only as far as needed)."""
    room = 0.0
    for col in range(first, last + 1):
        room += column_width(ws, col)
        if room >= needed:
            return True
    return False


class _Looks:
    """What fitting needs of a cell's style, looked up once per style id: a workbook has a few dozen
    styles and a large case 200,000 cells, and each openpyxl style attribute builds a proxy object."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], Any] = {}

    def _look(self, cell, kind: str, read: Callable[[Any], Any]) -> Any:
        style = cell._style  # None for a cell never styled: the default style, id 0
        key = (kind, 0 if style is None else getattr(style, kind))
        if key not in self._known:
            self._known[key] = read(cell)
        return self._known[key]

    def money(self, cell) -> bool:
        return self._look(cell, "numFmtId", lambda c: "£" in (c.number_format or ""))

    def font(self, cell) -> tuple[bool, float]:
        """(bold, size in points)."""
        return self._look(cell, "fontId", lambda c: (bool(c.font and c.font.b),
                                                     float(c.font.sz) if c.font and c.font.sz else 11.0))

    def wraps(self, cell) -> bool:
        return self._look(cell, "alignmentId", lambda c: bool(c.alignment and c.alignment.wrap_text))
