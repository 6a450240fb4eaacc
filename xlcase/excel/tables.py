"""What Excel sends, as the reader's plain data: one table's range (XLCASE_VALIDATE) or the open workbook (scripts).

Both are read through the workbook reader, as if they were a submitted file, so types are converted
and findings reported exactly as ``xlcase validate`` does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter

from xlcase.excel.convert import blank, error_code
from xlcase.findings import Finding
from xlcase.package import Cell, Sheet, TableDef, WorkbookPackage
from xlcase.reader import Submission, read_package
from xlcase.review import Review
from xlcase.template import DEFAULT_TEMPLATE, TEMPLATE_PROPERTY, VERSION_PROPERTY, Table, Template, load_template

# Rules that compare the table with another table: one table alone cannot be judged by them
# (a cost line's option, a risk's aim), so XLCASE_VALIDATE leaves them to the Validate workbook script.
CROSS_TABLE_RULES = frozenset({"XC401", "XC601"})
TABLE_SHEET_ANCHOR = "A1"
EXCEL_PATH = Path("excel-range")  # the name findings carry: the data came from Excel, not a file
_ROW = re.compile(r"[A-Z]+(\d+)")


def table_findings(matrix: list[list[Any]], table: Table, template: Template | None = None
                   ) -> list[tuple[Finding, int | None]]:
    """The findings of the rules of one table's section, judged from that table alone.

    The matrix (header row first) is read through the workbook reader, as if it were the only
    table of a workbook, so types are converted and reported exactly as for a submitted file.

    Args:
        matrix: the table's cells, header row first, as Excel sends them (empty cells None or "").
        table: the template's definition of the table.
        template: the workbook template (the default one when None).

    Returns:
        (finding, data row) pairs: the row is 1 for the first row under the header, None for a
        finding about the whole table.
    """
    from xlcase.rules import run_rules

    template = template or load_template(DEFAULT_TEMPLATE)
    sheet_name = template.sheet_of(table.name).name
    cells = _cells(matrix, top=1, left=1)
    width = max((len(row) for row in matrix), default=0)
    headers = [_header_text(v) for v in (matrix[0] if matrix else [])]
    if not any(headers):
        raise ValueError("the range has no header row: pass the whole table, e.g. Options[#All]")
    ref = f"{TABLE_SHEET_ANCHOR}:{get_column_letter(max(width, 1))}{max(len(matrix), 2)}"
    package = WorkbookPackage(
        path=EXCEL_PATH,
        sheets={sheet_name: Sheet(sheet_name, cells, [])},
        tables={table.name: TableDef(table.name, sheet_name, ref, headers, 1, 0)},
        defined_names={},
        custom_properties={TEMPLATE_PROPERTY: template.name, VERSION_PROPERTY: template.version},
        has_macros=False,
        external_links=[],
        date1904=False,
    )
    submission = read_package(package)
    findings = run_rules(Review.from_submission(submission))
    out = []
    for finding in findings:
        if finding.section != table.section or finding.rule in CROSS_TABLE_RULES:
            continue
        if finding.sheet != sheet_name:
            continue  # about the section's other parts (a form's fields), which the range does not hold
        out.append((finding, _data_row(finding.cell)))
    return out


def _data_row(cell: str | None) -> int | None:
    """The table row (1 = the first under the header) of a finding's cell reference such as "C3"."""
    match = _ROW.match(cell or "")
    row = int(match.group(1)) - 1 if match else 0  # the header is row 1 of the synthetic sheet
    return row if row >= 1 else None


def _header_text(value: Any) -> str:
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell(value: Any, row: int, col: int) -> Cell | None:
    """A reader cell from a value as xlwings delivers it (None for an empty cell)."""
    if blank(value):
        return None
    ref = f"{get_column_letter(col)}{row}"
    if isinstance(value, bool):
        return Cell(ref, row, col, value, None, "b", False)
    if isinstance(value, (int, float)):
        return Cell(ref, row, col, float(value), None, "n", False)
    if isinstance(value, (dt.datetime, dt.date)):
        return Cell(ref, row, col, value.isoformat(), None, "d", True)
    if (code := error_code(value)) is not None:
        return Cell(ref, row, col, code, None, "e", False)
    return Cell(ref, row, col, str(value), None, "s", False)


def _cells(matrix: Sequence[Sequence[Any]], top: int, left: int) -> dict[tuple[int, int], Cell]:
    cells = {}
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            cell = _cell(value, top + r, left + c)
            if cell is not None:
                cells[(cell.row, cell.col)] = cell
    return cells


def book_package(book: Any) -> WorkbookPackage:
    """What the reader needs from an open workbook (xlwings Book: Office.js payload or COM), as plain data.

    Values, Excel Tables and workbook-level defined names are taken through xlwings' own API,
    so the same code serves the classic add-in, xlwings Lite and xlwings Server. Formulas are
    not sent by the add-in, so saved-result checks (XC701) do not apply here.
    """
    sheets: dict[str, Sheet] = {}
    tables: dict[str, TableDef] = {}
    for sheet in book.sheets:
        used = sheet.used_range
        values = used.options(ndim=2, err_to_str=True).value or [[]]
        cells = _cells(values, used.row, used.column)
        sheets[sheet.name] = Sheet(sheet.name, cells, [])
        for table in sheet.tables:
            found = _table_def(sheet.name, table, cells)
            if found is not None:
                tables[found.name] = found
    names = {}
    for name in book.names:
        refers_to = name.refers_to
        if "!" in name.name.split("[")[0] and not name.name.startswith("'"):
            continue  # sheet-scoped: not a workbook-level name
        if isinstance(refers_to, str):
            names[name.name] = refers_to.lstrip("=")
    return WorkbookPackage(
        path=EXCEL_PATH.with_name(str(book.name or "workbook")),
        sheets=sheets, tables=tables, defined_names=names, custom_properties={},
        has_macros=False, external_links=[], date1904=False,
    )


def _table_def(sheet: str, table: Any, cells: dict[tuple[int, int], Cell]) -> TableDef | None:
    rng = table.range
    if rng is None:
        return None
    ref = rng.address.replace("$", "")
    top, left = rng.row, rng.column
    header_rows = 1 if table.show_headers else 0
    width = rng.shape[1]
    columns = []
    for c in range(width):
        cell = cells.get((top, left + c)) if header_rows else None
        columns.append(_header_text(cell.value) if cell is not None else f"Column{c + 1}")
    return TableDef(table.name, sheet, ref, columns, header_rows, 1 if table.show_totals else 0)


def book_submission(book: Any) -> Submission:
    """The open workbook read as the validator reads a file (no file is written)."""
    return read_package(book_package(book))


def book_findings(book: Any) -> list[Finding]:
    """Every rule's findings on the open workbook."""
    from xlcase.rules import run_rules

    return run_rules(Review.from_submission(book_submission(book)))
