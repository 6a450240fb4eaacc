"""The Lists sheet: the closed sets of values behind every drop-down, code beside label.

Each list's labels are a defined name (``List_cost_category``) used by the drop-downs, and its codes
another (``List_cost_category_codes``), so that a formula accepts a code typed instead of a label.
Two more lists name the cost categories the financial case treats as pay and as continuing.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.conventions import PAY_CATEGORIES, RECURRENT_CATEGORIES
from xlcase.template import Sheet, Template
from xlcase.writer.cells import define_name, put_style, put_text
from xlcase.writer.forms import ID_LISTS, finish_sheet, list_range_name, write_heading
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL

PAY_CATEGORY_LABELS = "PayCategoryLabels"
RECURRENT_CATEGORY_LABELS = "RecurrentCategoryLabels"
FIRST_ROW = 6


def list_codes_name(list_name: str) -> str:
    """The defined name of a closed list's codes on the Lists sheet ('List_cost_category_codes')."""
    return f"{list_range_name(list_name)}_codes"


def write_lists_sheet(ws: Worksheet, sheet: Sheet, template: Template, layout: Layout) -> None:
    """One pair of columns per list, then the financial case's category lists."""
    write_heading(ws, sheet.heading, sheet.intro)
    col = FIRST_COLUMN
    for name, values in template.lists.items():
        _write_list(ws, col, name, values)
        define_name(ws, list_range_name(name), _range(col + 1, len(values)))
        define_name(ws, list_codes_name(name), _range(col, len(values)))
        col += 3
    categories = template.lists["cost_category"]
    for name, chosen in ((PAY_CATEGORY_LABELS, PAY_CATEGORIES), (RECURRENT_CATEGORY_LABELS, RECURRENT_CATEGORIES)):
        values = {code: label for code, label in categories.items() if code in chosen}
        _write_list(ws, col, name, values)
        define_name(ws, name, _range(col + 1, len(values)))
        col += 3
    for table_key, column_key, name in ID_LISTS.values():
        placement = layout.tables[table_key]
        header = template.table(table_key).header(column_key)
        define_name(ws.parent[placement.sheet], name, placement.column_range(header).split("!")[1])
    finish_sheet(ws)


def _write_list(ws: Worksheet, col: int, name: str, values: dict[str, str]) -> None:
    put_style(ws.cell(FIRST_ROW - 2, col, name), LABEL)
    put_text(ws.cell(FIRST_ROW - 1, col), "Code")
    put_text(ws.cell(FIRST_ROW - 1, col + 1), "Label")
    for i, (code, label) in enumerate(values.items()):
        for offset, text in ((0, code), (1, label)):
            cell = ws.cell(FIRST_ROW + i, col + offset)
            put_text(cell, text)
            put_style(cell, CALC)
    ws.column_dimensions[get_column_letter(col)].width = 20
    ws.column_dimensions[get_column_letter(col + 1)].width = 24


def _range(col: int, count: int) -> str:
    letter = get_column_letter(col)
    return f"${letter}${FIRST_ROW}:${letter}${FIRST_ROW + count - 1}"
