"""Writing one value into one cell safely: text stays text, numbers get their format."""

from __future__ import annotations

import datetime as dt
import weakref
from copy import copy
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableFormula, TableStyleInfo
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.errors import BadInputError
from xlcase.template import CHOICES_SEPARATOR
from xlcase.writer.styles import INPUT, NUMBER_FORMATS

MAX_CELL_TEXT = 32_767  # Excel's limit on the characters in one cell
LINE_HEIGHT = 15  # points, one line of 11-point text
MAX_ROW_HEIGHT = 300  # points: taller rows are hard to work with; the rest shows when the cell is selected
CHARACTERS_PER_WIDTH = 1.1  # characters of ordinary text per unit of column width
_ILLEGAL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}
COMMENT_AUTHOR = "xlcase"
TABLE_STYLE = "TableStyleLight9"
# Per workbook, the style of each (named style, number format) given to a cell (see put_style)
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[tuple[str, str | None], Any]] = weakref.WeakKeyDictionary()


def put_text(cell: Cell, text: str, where: str = "") -> None:
    """Store text as text, never as a formula, whatever it starts with (=, +, -, @)."""
    if len(text) > MAX_CELL_TEXT:
        raise BadInputError(f"text longer than Excel's {MAX_CELL_TEXT:,} characters a cell", location=where or None)
    if any(ch in _ILLEGAL for ch in text):
        raise BadInputError("text holds control characters that a workbook cannot store", location=where or None)
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise treat a leading "=" as a formula


def put_input(cell: Cell, value: Any, kind: str, where: str = "", labels: dict[str, str] | None = None) -> None:
    """An input cell: the value in its type (labels for codes and flags), the input style, its number format.

    ``labels`` is the template list of a choice column, or the yes/no list of a flag.
    """
    if value is None:
        cell.value = None
    elif kind == "bool" and labels is not None:
        put_text(cell, labels["yes" if value else "no"])
    elif kind == "choice" and labels is not None:
        put_text(cell, labels.get(value, value), where)
    elif kind == "choices" and labels is not None:
        cell.value = None
        if value:
            put_text(cell, CHOICES_SEPARATOR.join(labels.get(v, v) for v in value), where)
    elif isinstance(value, str):
        put_text(cell, value, where)
    elif isinstance(value, (dt.date, int, float)):
        cell.value = value
    else:
        put_text(cell, str(value), where)
    put_style(cell, INPUT, NUMBER_FORMATS.get("money" if kind == "years" else kind))


def put_style(cell: Cell, name: str, number_format: str | None = None) -> None:
    """Give a cell a named style, and a number format if one is given, as ``cell.style = name`` would.

    The style is copied from the first cell given the same name and format in the workbook: naming a
    style looks it up in a list of names that openpyxl builds again for every cell (5 s of writing
    10,000 cost lines)."""
    styles = _STYLES.setdefault(cell.parent.parent, {})
    style = styles.get((name, number_format))
    if style is None:
        cell.style = name  # first: a named style brings its own number format
        if number_format:
            cell.number_format = number_format
        styles[name, number_format] = copy(cell._style)
    else:
        cell._style = copy(style)  # the same style ids, without looking the name up again


def financial_year_formula(year_index_ref: str) -> str:
    """The financial-year label (2027/28) of the appraisal year in ``year_index_ref``, from BaseYear."""
    return f'=(BaseYear+{year_index_ref})&"/"&RIGHT(BaseYear+{year_index_ref}+1,2)'


def add_note(cell: Cell, text: str | None) -> None:
    """Help text as a cell note, sized to its text."""
    if not text:
        return
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 300
    comment.height = max(60, 20 * (len(text) // 45 + 2))
    cell.comment = comment


def define_name(ws: Worksheet, name: str, ref: str) -> str:
    """A workbook-level defined name for a cell or range of this sheet ('C5' or '$C$5:$C$9')."""
    if "$" not in ref:
        ref = ":".join(absolute_coordinate(part) for part in ref.split(":"))
    target = f"{quote_sheetname(ws.title)}!{ref}"
    ws.parent.defined_names[name] = DefinedName(name, attr_text=target)
    return target


def add_table(ws: Worksheet, name: str, ref: str, *, stripes: bool = False,
              calculated: dict[str, str] | None = None) -> None:
    """An Excel Table (ListObject) over ref, header row included.

    ``calculated`` maps a header to its column's formula (with its "="): the table's calculated
    column formula, which Excel and LibreOffice copy into a row inserted inside the table.
    """
    table = ExcelTable(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=stripes)
    if calculated:
        table._initialise_columns()
        row = ws[ref.split(":")[0]].row
        for column in table.tableColumns:
            header = str(ws.cell(row, column.id).value)
            column.name = header
            if header in calculated:
                column.calculatedColumnFormula = TableFormula(attr_text=calculated[header].removeprefix("="))
        for number, column in enumerate(table.tableColumns, start=1):
            column.id = number
    ws.add_table(table)


def fit_row_height(ws: Worksheet, row: int, texts: list[tuple[str, float]]) -> None:
    """Make a row tall enough for wrapped text, since openpyxl cannot measure it: (text, column width)."""
    lines = 1
    for text, width in texts:
        per_line = max(1, int(width * CHARACTERS_PER_WIDTH))
        lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in text.split("\n")))
    if lines > 1:
        current = ws.row_dimensions[row].height or LINE_HEIGHT
        ws.row_dimensions[row].height = max(current, min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT))


def widen(ws: Worksheet, letter: str, width: float) -> None:
    """Set a column at least this wide: blocks stacked on one sheet share columns."""
    dimension = ws.column_dimensions[letter]
    dimension.width = max(dimension.width if dimension.customWidth else 0, width)


def header_row(ws: Worksheet, row: int, first_col: int, headers: tuple[str, ...] | list[str]) -> None:
    """A table's header row, wrapping (two lines high) where a header is wider than its column."""
    tall = False
    for offset, header in enumerate(headers):
        cell = ws.cell(row, first_col + offset)
        put_text(cell, header)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        dimension = ws.column_dimensions[get_column_letter(first_col + offset)]
        width = dimension.width if dimension.customWidth else 0
        tall = tall or len(header) > width * CHARACTERS_PER_WIDTH
    if tall:
        ws.row_dimensions[row].height = 2 * LINE_HEIGHT
