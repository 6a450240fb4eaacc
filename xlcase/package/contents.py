"""What a workbook package holds, as plain data: cells, sheets, Excel Tables, names, and A1 references.

The validator (xlcase.reader) and the Excel add-in (xlcase.excel, which builds these from what
Excel sends) read workbooks through these classes only. Lookups that a hostile file could make
expensive are indexed: table rows visit only the rows that hold cells, and names are found
through a case-folded index built once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from xlcase.errors import UnreadableWorkbookError
from xlcase.package.guard import show

COLUMN_CACHE_SIZE = 20_000  # the 18,278 column names there are, and no unbounded growth
MAX_TABLE_ROWS = 20_000  # data rows read per table: twice a large real case (10,000 cost lines)
MAX_ROWS_BELOW = 200  # rows looked at directly below a table for lines typed outside it
SHEET_NAME_CHARS = 31  # Excel's limit for a sheet name
NAME_CHARS = 255  # Excel's limit for a table name and a defined name; xlcase clips column names there too

# Linear: the quoted alternatives are disjoint ('' or a non-quote), the bounded parts are bounded, and
# fullmatch tries one start, so a failing name costs one pass over it.
_SINGLE_CELL_NAME = re.compile(r"(?:'((?:[^']|'')+)'|([^'!\[\]]+))!\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")  # bounded: at most 12 characters are ever looked at


class Cell(NamedTuple):
    """One cell present in a sheet's XML: its constant, or its formula and cached result.

    `value` is None for a formula whose result was not saved (and for a cell that holds
    only formatting or unknown content). `formula` is the text without "=" (a shared
    formula's follower gets its master's formula moved to it, as Excel shows it), "" for a
    formula Excel stores without text (a data table), None for a constant.
    """

    ref: str
    row: int
    col: int
    value: float | str | bool | None
    formula: str | None
    kind: str
    is_date: bool


class Sheet:
    """A sheet's cells by (row, col) and its merged ranges (the first 100,000 of a workbook are kept).

    A sheet read from a file is parsed when its cells or merged ranges are first asked for
    (`deferred`): validation needs the input sheets, not the calculated ones that hold most
    of a workbook's cells, so those are never parsed unless something looks at them.
    """

    def __init__(self, name: str, cells: dict[tuple[int, int], Cell], merged: list[str]) -> None:
        self.name = name
        self._contents: tuple[dict[tuple[int, int], Cell], list[str]] | None = (cells, merged)
        self._parse: Callable[[], tuple[dict[tuple[int, int], Cell], list[str]]] | None = None
        self._failure: UnreadableWorkbookError | None = None

    @classmethod
    def deferred(cls, name: str, parse: Callable[[], tuple[dict[tuple[int, int], Cell], list[str]]]) -> Sheet:
        """A sheet whose cells and merged ranges come from `parse`, called once, when first needed
        (it raises UnreadableWorkbookError for a malformed sheet)."""
        sheet = cls(name, {}, [])
        sheet._contents, sheet._parse = None, parse
        return sheet

    def _parsed(self) -> tuple[dict[tuple[int, int], Cell], list[str]]:
        if self._contents is None:
            if self._failure is not None:
                raise self._failure  # parsed once only: a retry would charge the budgets again
            assert self._parse is not None
            try:
                self._contents, self._parse = self._parse(), None
            except UnreadableWorkbookError as exc:
                self._failure, self._parse = exc, None
                raise
        return self._contents

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sheet):
            return NotImplemented
        return (self.name, self.cells, self.merged) == (other.name, other.cells, other.merged)

    def __repr__(self) -> str:
        state = f"{len(self.cells)} cells" if self._contents is not None else "not parsed yet"
        return f"Sheet({self.name!r}, {state})"

    @property
    def cells(self) -> dict[tuple[int, int], Cell]:
        return self._parsed()[0]

    @property
    def merged(self) -> list[str]:
        return self._parsed()[1]

    def cell(self, ref: str) -> Cell | None:
        """The cell at an A1 reference, or None when the XML has no such cell.

        Args:
            ref: an A1 reference such as "B7" or "$B$7".

        Returns:
            The cell, or None.

        Raises:
            ValueError: `ref` is not an A1 cell reference.
        """
        return self.cells.get(split_ref(ref))

    @cached_property
    def _rows(self) -> tuple[list[int], dict[int, list[int]]]:
        """The rows that hold cells, in order, and the columns of each, in order (built once)."""
        columns: dict[int, list[int]] = {}
        for row, col in self.cells:
            columns.setdefault(row, []).append(col)
        for cols in columns.values():
            cols.sort()
        return sorted(columns), columns

    def rows_between(self, top: int, bottom: int, left: int, right: int) -> list[tuple[int, list[int]]]:
        """Each row from top to bottom with a cell between columns left and right, with those columns.

        The work is in the cells there are, never in the rows or columns declared.
        """
        rows, columns = self._rows
        found = []
        for row in rows[bisect.bisect_left(rows, top):bisect.bisect_right(rows, bottom)]:
            cols = columns[row]
            inside = cols[bisect.bisect_left(cols, left):bisect.bisect_right(cols, right)]
            if inside:
                found.append((row, inside))
        return found


@dataclass(frozen=True)
class TableDef:
    """An Excel Table (ListObject): where it is and what its columns are called."""

    name: str
    sheet: str
    ref: str
    columns: list[str]
    header_rows: int
    totals_rows: int


@dataclass
class WorkbookPackage:
    """Everything read from one workbook file, as plain data."""

    path: Path
    sheets: dict[str, Sheet]
    tables: dict[str, TableDef]
    defined_names: dict[str, str]
    custom_properties: dict[str, str]
    has_macros: bool
    external_links: list[str]
    date1904: bool
    warnings: list[str] = field(default_factory=list)  # macros and external links, reported as XC005
    # whether shared formulas ran past their budget, so followers show their master's text unmoved
    # (asked, not stored: sheets are parsed when first needed)
    shared_formulas_exhausted: Callable[[], bool] = field(default=lambda: False, repr=False)
    unread: list[str] = field(default_factory=list)  # parts not read, and why: reported as XC007

    @property
    def formula_text_limited(self) -> bool:
        """True when a shared formula's followers were given their master's text unmoved."""
        return self.shared_formulas_exhausted()

    def table(self, name: str) -> TableDef | None:
        """The table with this display name, ignoring case as Excel does.

        Args:
            name: the table's name as formulas use it, e.g. "Costs".

        Returns:
            The table, or None when the workbook has no such table.
        """
        return self.tables.get(name) or self._folded_tables.get(name.casefold())

    def resolve(self, name: str) -> tuple[str, str] | None:
        """Where a workbook-level defined name points, when it names a single cell.

        Args:
            name: the defined name, ignoring case as Excel does, e.g. "DiscountRate".

        Returns:
            (sheet name, "C5") with `$` signs removed, or None when the name does not exist
            or does not refer to exactly one cell. A sheet name longer than Excel allows is
            clipped as the sheet's own name was when the workbook was read.
        """
        formula = self.defined_names.get(name)
        if formula is None:
            formula = self._folded_names.get(name.casefold())
        match = _SINGLE_CELL_NAME.fullmatch(formula.strip()) if formula else None
        if match is None:
            return None
        quoted, plain, letters, digits = match.groups()
        sheet = quoted.replace("''", "'") if quoted else plain
        return clip_name(sheet, SHEET_NAME_CHARS), f"{letters.upper()}{digits}"

    def table_rows(self, name: str, limit: int = MAX_TABLE_ROWS) -> list[dict[str, Cell]]:
        """The data rows of a table that hold cells, header and totals rows left out.

        Only rows with a cell in the table's columns are visited, so a table declared over a
        million empty rows costs nothing; at most `limit` rows are returned
        (`count_table_rows` tells whether there are more).

        Args:
            name: the table's name, ignoring case.
            limit: the most rows to return.

        Returns:
            One dict per row, column header -> cell, holding the cells there are (a header
            without a cell in that row is absent). Where two columns have the same header,
            the first (leftmost) is the one read.

        Raises:
            KeyError: the workbook has no such table.
        """
        table, top, left, bottom, right = self._table_box(name)
        headers = _first_headers(table.columns)
        cells = self.sheets[table.sheet].cells
        rows = []
        for row, cols in self.sheets[table.sheet].rows_between(top, bottom, left, right):
            found = {headers[col - left]: cells[row, col] for col in cols if headers[col - left] is not None}
            if found:
                rows.append(found)
                if len(rows) == limit:
                    break
        return rows

    def count_table_rows(self, name: str) -> int:
        """How many data rows of a table hold a cell (the rows `table_rows` would give without a limit).

        Raises:
            KeyError: the workbook has no such table.
        """
        table, top, left, bottom, right = self._table_box(name)
        headers = _first_headers(table.columns)
        return sum(
            any(headers[col - left] is not None for col in cols)
            for _, cols in self.sheets[table.sheet].rows_between(top, bottom, left, right)
        )

    def rows_below(self, name: str, limit: int = MAX_ROWS_BELOW) -> list[int]:
        """The rows directly below a table with a value in its columns: lines typed just outside it.

        The rows from the one after the table's last, up to the first row with nothing in the
        table's columns (or ``limit`` rows), so the cost is bounded whatever the sheet holds.

        Raises:
            KeyError: the workbook has no such table.
        """
        table, _, left, bottom, right = self._table_box(name)
        cells = self.sheets[table.sheet].cells
        found: list[int] = []
        for row, cols in self.sheets[table.sheet].rows_between(bottom + table.totals_rows + 1,
                                                               bottom + table.totals_rows + limit, left, right):
            if row != bottom + table.totals_rows + 1 + len(found):
                break  # a gap: what follows is not a line typed below the table
            if not any(_filled(cells[row, col]) for col in cols):
                break
            found.append(row)
        return found

    def _table_box(self, name: str) -> tuple[TableDef, int, int, int, int]:
        """The table and its data rows' box: first and last data row, first and last named column."""
        table = self.table(name)
        if table is None:
            raise KeyError(f"no table named {name!r}")
        (top, left), (bottom, right) = split_range(table.ref)
        right = min(right, left + len(table.columns) - 1)
        return table, top + table.header_rows, left, bottom - table.totals_rows, right

    @cached_property
    def _folded_tables(self) -> dict[str, TableDef]:
        return _folded(self.tables)

    @cached_property
    def _folded_names(self) -> dict[str, str]:
        return _folded(self.defined_names)


def _filled(cell: Cell) -> bool:
    """Whether a cell holds a formula or a value other than blank text."""
    return cell.formula is not None or not (cell.value is None or (isinstance(cell.value, str)
                                                                   and not cell.value.strip()))


def _folded(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping keyed by case-folded keys, the first of keys that fold alike kept."""
    folded: dict[str, Any] = {}
    for key, value in mapping.items():
        folded.setdefault(key.casefold(), value)
    return folded


def _first_headers(columns: list[str]) -> list[str | None]:
    """Each column's header, or None for a later column with the same header as an earlier one."""
    seen: set[str] = set()
    headers: list[str | None] = []
    for header in columns:
        headers.append(None if header in seen else header)
        seen.add(header)
    return headers


def clip_name(name: str, limit: int) -> str:
    """A name clipped to the length Excel allows (so a 12 MB name is not repeated in every finding)."""
    return name if len(name) <= limit else name[:limit]


def serial_to_date(serial: float, date1904: bool = False) -> dt.date:
    """The calendar date of an Excel date serial number (any time of day is dropped).

    Excel's 1900 date system counts a 29 February 1900 that never existed (serial 60), so
    serials from 61 on are one day ahead of a plain day count.

    Args:
        serial: the number stored in the cell.
        date1904: the workbook uses the 1904 date system (WorkbookPackage.date1904).

    Returns:
        The date.

    Raises:
        ValueError: the serial is not a finite number, is 60 in the 1900 system, or falls
            outside the dates Excel and Python can show.
    """
    if not math.isfinite(serial):
        raise ValueError(f"{serial} is not a date serial number")
    days = math.floor(serial)
    if date1904:
        epoch, first = dt.date(1904, 1, 1), 0
    elif days == 60:
        raise ValueError("serial 60 is 29 February 1900, a date that does not exist (Excel's leap-year bug)")
    else:
        epoch, first = (dt.date(1899, 12, 31) if days < 60 else dt.date(1899, 12, 30)), 1
    if days < first:
        raise ValueError(f"{serial} is before the first date of Excel's date system")
    try:
        return epoch + dt.timedelta(days=days)
    except OverflowError:
        raise ValueError(f"{serial} is after the last date Excel can show") from None


# --- references ------------------------------------------------------------------------


def split_ref(ref: str) -> tuple[int, int]:
    """(row, col) of an A1 reference."""
    match = _REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"{show(ref)} is not an A1 cell reference")
    return int(match[2]), column_number(match[1])


def split_range(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, left), (bottom, right)) of an A1 range or single cell; ValueError if it is not one."""
    first, _, last = ref.partition(":")
    return split_ref(first), split_ref(last or first)


@lru_cache(maxsize=COLUMN_CACHE_SIZE)
def column_number(letters: str) -> int:
    """The number of column letters ("A" is 1), or 0 when they are not column letters."""
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        return 0
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


@lru_cache(maxsize=COLUMN_CACHE_SIZE)
def column_letters(col: int) -> str:
    """The letters of a column number (1 is "A")."""
    letters = ""
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
