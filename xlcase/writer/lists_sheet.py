"""The Lists sheet: the closed sets of values behind every drop-down, code beside label."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.template import Sheet, Template
from xlcase.writer.cells import define_name, put_text
from xlcase.writer.forms import ID_LISTS, finish_sheet, list_range_name, write_heading
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL


def write_lists_sheet(ws: Worksheet, sheet: Sheet, template: Template, layout: Layout) -> None:
    """One pair of columns per list; each list's labels are a defined name used by the drop-downs."""
    write_heading(ws, sheet.heading, sheet.intro)
    col = FIRST_COLUMN
    for name, values in template.lists.items():
        ws.cell(4, col, name).style = LABEL
        put_text(ws.cell(5, col), "Code")
        put_text(ws.cell(5, col + 1), "Label")
        for i, (code, label) in enumerate(values.items()):
            put_text(ws.cell(6 + i, col), code)
            put_text(ws.cell(6 + i, col + 1), label)
            ws.cell(6 + i, col).style = CALC
            ws.cell(6 + i, col + 1).style = CALC
        letter = get_column_letter(col + 1)
        define_name(ws, list_range_name(name), f"${letter}$6:${letter}${5 + len(values)}")
        ws.column_dimensions[get_column_letter(col)].width = 20
        ws.column_dimensions[letter].width = 20
        col += 3
    for table_key, column_key, name in ID_LISTS.values():
        placement = layout.tables[table_key]
        header = template.table(table_key).header(column_key)
        define_name(ws.parent[placement.sheet], name, placement.column_range(header).split("!")[1])
    finish_sheet(ws)
