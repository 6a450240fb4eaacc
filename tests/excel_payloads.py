"""What the xlwings add-in sends (Office.js), built from a real workbook file, for the Excel tests.

The shapes follow xlwings Server's client code (static/js/custom-scripts/index.js,
getBookData; named-items.js): values from A1 to the last used cell, empty cells as "",
date-formatted cells as ISO strings ending in Z, tables with their addresses and columns,
names with their formula and scope.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

OFFICE_JS_RUNTIME = "1.4"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in the 1900 date system (after February 1900)


def function_call(func_name: str, *args: Any) -> dict[str, Any]:
    """The body the add-in posts to /xlwings/custom-functions-call: every argument a matrix (None when omitted)."""
    import xlwings

    return {
        "func_name": func_name,
        "args": [a if a is None or isinstance(a, list) else [[a]] for a in args],
        "caller_address": "[case.xlsx]Options!M4",
        "version": xlwings.__version__,
        "client": "Office.js",
        "runtime": OFFICE_JS_RUNTIME,
        "culture_info_name": "en-GB",
        "date_format": "dd/mm/yyyy",
    }


def table_values(path: str | Path, table: str) -> list[list[Any]]:
    """An Excel Table's range, header row included, as Office.js sends a range argument (empty cells "")."""
    book = openpyxl.load_workbook(path, data_only=True)
    for sheet in book.worksheets:
        if table in sheet.tables:
            return [[_argument(c.value) for c in row] for row in sheet[sheet.tables[table].ref]]
    raise KeyError(table)


def book_payload(path: str | Path, name: str = "case.xlsx") -> dict[str, Any]:
    """The book JSON the add-in sends with a custom script call."""
    import xlwings

    book = openpyxl.load_workbook(path, data_only=True)
    positions = {sheet.title: i for i, sheet in enumerate(book.worksheets)}
    sheets = []
    for sheet in book.worksheets:
        rows, cols = max(sheet.max_row, 1), max(sheet.max_column, 1)
        values = [[_value(v) for v in row]
                  for row in sheet.iter_rows(min_row=1, max_row=rows, min_col=1, max_col=cols, values_only=True)]
        sheets.append({
            "name": sheet.title, "visibility": "Visible", "show_gridlines": True, "print_area": None, "notes": [],
            "used_range_address": f"A1:{get_column_letter(cols)}{rows}", "used_range_row_count": rows,
            "used_range_column_count": cols, "values": values, "pictures": [], "shapes": [], "charts": [],
            "tables": [_table(sheet.tables[t]) for t in list(sheet.tables)], "pivot_tables": [],
        })
    names = []
    for defined_name, definition in book.defined_names.items():
        ((sheet_name, ref),) = list(definition.destinations)
        names.append({"name": defined_name, "refers_to": "=" + definition.attr_text, "type": "Range",
                      "sheet_index": positions[sheet_name], "address": ref.replace("$", ""),
                      "scope_sheet_name": None, "scope_sheet_index": None, "book_scope": True})
    return {"client": "Office.js", "version": xlwings.__version__,
            "book": {"name": name, "active_sheet_index": 0, "selection": "A1"}, "names": names, "sheets": sheets}


def set_table_cell(payload: dict[str, Any], table: str, row: int, column: str, value: Any) -> None:
    """Change one cell of a table in a book payload (row 1 = the first row under the header)."""
    for sheet in payload["sheets"]:
        for t in sheet["tables"]:
            if t["name"] == table:
                c1, r1, _, _ = range_boundaries(t["range_address"])
                c = c1 + t["columns"].index(column)
                sheet["values"][r1 - 1 + row][c - 1] = value
                return
    raise KeyError(table)


def _table(table: Any) -> dict[str, Any]:
    c1, r1, c2, r2 = range_boundaries(table.ref)
    return {
        "name": table.displayName, "range_address": table.ref, "row_count": r2 - r1 + 1, "column_count": c2 - c1 + 1,
        "columns": [c.name for c in table.tableColumns],
        "header_row_range_address": f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r1}",
        "data_body_range_address": f"{get_column_letter(c1)}{r1 + 1}:{get_column_letter(c2)}{r2}",
        "total_row_range_address": None, "show_headers": True, "show_totals": False,
        "table_style": "TableStyleMedium2", "show_autofilter": True,
    }


def _argument(value: Any) -> Any:
    """A cell as a custom function argument: dates as serial numbers."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return float((value - EXCEL_EPOCH).days)
    return _value(value)


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    return value
