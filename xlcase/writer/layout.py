"""Where the writer put each table and field, so later sheets can refer to them."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter, quote_sheetname

from xlcase.template import Table

FIRST_COLUMN = 2  # column A is a narrow margin


@dataclass(frozen=True)
class TablePlacement:
    """An Excel Table as written: its sheet, header row, first column and data rows."""

    sheet: str
    table: Table
    header_row: int
    first_col: int
    rows: int
    headers: tuple[str, ...]

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.header_row + self.rows

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.headers) - 1

    @property
    def ref(self) -> str:
        return f"{get_column_letter(self.first_col)}{self.header_row}:{get_column_letter(self.last_col)}{self.last_row}"

    def col(self, header: str) -> int:
        return self.first_col + self.headers.index(header)

    def column_range(self, header: str, absolute: bool = True) -> str:
        """The data cells of one column as a sheet-qualified A1 range."""
        letter = get_column_letter(self.col(header))
        d = "$" if absolute else ""
        return f"{quote_sheetname(self.sheet)}!{d}{letter}{d}{self.first_row}:{d}{letter}{d}{self.last_row}"


@dataclass
class Layout:
    """Everything placed so far, by table name and by defined name."""

    years: int
    tables: dict[str, TablePlacement] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # defined name -> sheet-qualified absolute cell
