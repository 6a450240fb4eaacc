"""Form sheets: labelled input fields and Excel Tables, laid out from the template."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.model import Case, value_at
from xlcase.template import YES_NO_LIST, Column, Field, Sheet, Table, Template
from xlcase.writer.cells import (
    add_note,
    add_table,
    define_name,
    financial_year_formula,
    fit_row_height,
    header_row,
    put_text,
    put_input,
    put_style,
    widen,
)
from xlcase.writer.headline import write_headline
from xlcase.writer.layout import FIRST_COLUMN, Layout, TablePlacement
from xlcase.writer.styles import CALC, HEADING, LABEL, NOTE, SUBHEADING

SPARE_ROWS = 5
# Column types whose drop-down offers the IDs of another table: type -> (table key, column key, defined name).
ID_LISTS = {"option": ("options", "id", "OptionIDs"), "aim": ("aims", "id", "AimIDs")}
LABEL_WIDTH = 34
FIELD_WIDTH = 70
SHORT_FIELD_WIDTH = 24
RISK_HIGH = 15  # likelihood x impact at or above this is red
RISK_MEDIUM = 8  # ... at or above this is amber
RED, AMBER, GREEN = "F8CBAD", "FFE699", "C6EFCE"


def write_heading(ws: Worksheet, heading: str | None, intro: str | None) -> int:
    """Heading and intro at the top of a sheet; returns the first free row."""
    ws.column_dimensions["A"].width = 2
    put_style(ws.cell(1, FIRST_COLUMN, heading or ws.title), HEADING)
    if intro:
        cell = ws.cell(2, FIRST_COLUMN)
        put_text(cell, intro)
        put_style(cell, NOTE)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
    return 4


def write_form_sheet(ws: Worksheet, sheet: Sheet, case: Case, template: Template, layout: Layout) -> None:
    """A sheet of field groups and tables, stacked vertically in template order."""
    row = write_heading(ws, sheet.heading, sheet.intro)
    for block in sheet.blocks:
        if block.headline:
            row = write_headline(ws, template, row)
        elif block.table:
            row = write_table(ws, block.table, case, template, layout, row)
        else:
            row = write_fields(ws, block.fields, case, template, layout, row)
        row += 2
    titles, last_row = _print_rows(sheet, case, layout)
    finish_sheet(ws, freeze=_freeze_cell(sheet, layout), title_rows=titles, last_row=last_row)


def _print_rows(sheet: Sheet, case: Case, layout: Layout) -> tuple[tuple[int, int], int | None]:
    """The rows printed on every page, and the last row printed.

    A sheet of one table repeats the table's header (and year rows) on every page; the last table of a
    sheet prints down to its last filled row, so its spare rows do not print as pages of empty input
    cells (a table with nothing filled prints whole, as a form to fill in by hand).
    """
    last = sheet.blocks[-1].table if sheet.blocks else None
    titles = (1, 2)
    if len(sheet.blocks) == 1 and last is not None:
        titles = (1, layout.tables[last.key].header_row)
    if last is None:
        return titles, None
    filled = len(list(value_at(case, last.key)))
    if not filled:
        return titles, None
    return titles, layout.tables[last.key].header_row + filled


def _freeze_cell(sheet: Sheet, layout: Layout) -> str:
    """Below the header of a sheet's only table (and left of its year columns); else below the heading."""
    if len(sheet.blocks) != 1 or sheet.blocks[0].table is None:
        return "A4"
    table = sheet.blocks[0].table
    placement = layout.tables[table.key]
    col = placement.col(table.year_header(0)) if table.year_column else 1
    return f"{get_column_letter(col)}{placement.first_row}"


def write_fields(ws: Worksheet, fields: tuple[Field, ...], case: Case, template: Template, layout: Layout,
                 row: int) -> int:
    """Label / input pairs; each input cell is a workbook-level defined name."""
    value_col = FIRST_COLUMN + 1
    value_width = FIELD_WIDTH if any(f.type == "longtext" for f in fields) else SHORT_FIELD_WIDTH
    widen(ws, get_column_letter(FIRST_COLUMN), LABEL_WIDTH)
    widen(ws, get_column_letter(value_col), value_width)
    for f in fields:
        label = ws.cell(row, FIRST_COLUMN)
        put_text(label, f.label + (" *" if f.required else ""))
        put_style(label, LABEL)
        add_note(label, f.help)
        cell = ws.cell(row, value_col)
        put_input(cell, value_at(case, f.key), f.type, where=f.key, labels=_labels(template, f.type, f.list))
        if isinstance(cell.value, str):
            fit_row_height(ws, row, [(cell.value, value_width), (label.value, LABEL_WIDTH)])
        validation = _validation(f.type, f.list)
        if validation:
            ws.add_data_validation(validation)
            validation.add(cell.coordinate)
        layout.names[f.name] = define_name(ws, f.name, cell.coordinate)
        row += 1
    return row


def write_table(ws: Worksheet, table: Table, case: Case, template: Template, layout: Layout, row: int) -> int:
    """An Excel Table with its filled rows, spare rows, drop-downs, notes and formats."""
    items = list(value_at(case, table.key))
    if table.heading:
        put_style(ws.cell(row, FIRST_COLUMN, table.heading), SUBHEADING)
        row += 1
    year_col = table.year_column
    if year_col:
        row = _write_year_labels(ws, table, template, row, layout)
    headers = tuple(table.headers(layout.years))
    n_rows = max(table.rows, len(items) + SPARE_ROWS)
    first_col = FIRST_COLUMN + 1 if table.is_text_list else FIRST_COLUMN  # a list of texts sits in the wide column
    placement = TablePlacement(ws.title, table, row, first_col, n_rows, headers)
    layout.tables[table.key] = placement
    col = first_col
    for column in table.columns:
        width = 1 if column.type != "years" else layout.years
        # A formula column's formula is the same on every row ([#This Row] references): expanded once
        formula = ("=" + template.formula(column.formula or "", this_table=table, years=layout.years)
                   if column.type == "formula" else None)
        labels = _labels(template, column.type, column.list)
        for k in range(width):
            header_cell = ws.cell(row, col + k)
            add_note(header_cell, column.help)
            widen(ws, get_column_letter(col + k), column.width)
            for i in range(n_rows):
                cell = ws.cell(row + 1 + i, col + k)
                if formula is not None:
                    cell.value = formula
                    put_style(cell, CALC)
                    continue
                value = None
                if i < len(items):
                    item = items[i]
                    value = item if column.key == "." else getattr(item, column.key)
                    if column.type == "years":
                        value = value[k] if k < len(value) else None
                put_input(cell, value, column.type, where=f"{table.key}[{i}].{column.key}", labels=labels)
        if column.is_input:
            validation = _validation(column.type, column.list)
            if validation:
                ws.add_data_validation(validation)
                validation.add(
                    f"{get_column_letter(col)}{row + 1}:{get_column_letter(col + width - 1)}{row + n_rows}"
                )
        col += width
    for i, item in enumerate(items):
        texts = [(str(item if c.key == "." else getattr(item, c.key)), c.width) for c in table.inputs
                 if c.type in ("text", "longtext") and (item if c.key == "." else getattr(item, c.key))]
        fit_row_height(ws, row + 1 + i, texts)
    header_row(ws, row, first_col, headers)
    calculated = {c.header: "=" + template.formula(c.formula or "", this_table=table, years=layout.years)
                  for c in table.columns if c.type == "formula"}
    add_table(ws, table.name, placement.ref, calculated=calculated)
    for column in table.columns:
        if column.format == "risk_score":
            _risk_colours(ws, placement, column)
    return placement.last_row + 1


def _labels(template: Template, kind: str, list_name: str | None) -> dict[str, str] | None:
    """The labels an input cell shows: its choice list's, or Yes/No for a flag."""
    if kind == "bool":
        return template.lists[YES_NO_LIST]
    return template.lists[list_name] if list_name else None  # choice and choices columns


def _write_year_labels(ws: Worksheet, table: Table, template: Template, row: int, layout: Layout) -> int:
    """Two rows above a year-by-year table: the year index and its financial year (from BaseYear)."""
    first = FIRST_COLUMN + next(i for i, c in enumerate(table.columns) if c.type == "years")
    axis = template.appraisal.axis
    index_label = ws.cell(row, first - 1, axis.year)
    fy_label = ws.cell(row + 1, first - 1, axis.financial_year)
    for cell in (index_label, fy_label):
        put_style(cell, LABEL)
        cell.alignment = Alignment(horizontal="right")
    for t in range(layout.years):
        col = first + t
        index = ws.cell(row, col, t)
        put_style(index, CALC)
        letter = get_column_letter(col)
        fy = ws.cell(row + 1, col, financial_year_formula(f"{letter}{row}"))
        put_style(fy, CALC)
        fy.font = Font(bold=True)
        fy.alignment = Alignment(horizontal="center")
    return row + 2


def _validation(kind: str, list_name: str | None) -> DataValidation | None:
    """The drop-down or range check for a type; every closed set of values gets a drop-down.

    Formulas are written as Excel stores them in the file: without a leading "=".
    """
    error = "Please pick or type a valid value (see the note on the header)."
    if kind == "choice" and list_name:
        dv = DataValidation(type="list", formula1=list_range_name(list_name), allow_blank=True)
    elif kind == "bool":
        dv = DataValidation(type="list", formula1=list_range_name(YES_NO_LIST), allow_blank=True)
    elif kind in ID_LISTS:
        dv = DataValidation(type="list", formula1=ID_LISTS[kind][2], allow_blank=True)
    elif kind == "score":
        dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True)
        error = "A score from 1 (low) to 5 (high)."
    elif kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        error = "A date, e.g. 01/04/2027."
    elif kind in ("money", "number", "years", "percent"):
        dv = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True)
        error = "A number (no text)."
    elif kind in ("integer", "year"):
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2="1000000", allow_blank=True)
        error = "A whole number."
    else:
        return None
    dv.error = error
    dv.errorTitle = "xlcase"
    dv.showErrorMessage = True
    return dv


def list_range_name(list_name: str) -> str:
    """The defined name of a closed list's labels on the Lists sheet ('List_cost_category')."""
    return f"List_{list_name}"


def _risk_colours(ws: Worksheet, placement: TablePlacement, column: Column) -> None:
    letter = get_column_letter(placement.col(column.header))
    cells = f"{letter}{placement.first_row}:{letter}{placement.last_row}"
    for operator, formula, colour in (
        ("greaterThanOrEqual", [str(RISK_HIGH)], RED),
        ("between", [str(RISK_MEDIUM), str(RISK_HIGH - 1)], AMBER),
        ("between", ["1", str(RISK_MEDIUM - 1)], GREEN),
    ):
        ws.conditional_formatting.add(
            cells, CellIsRule(operator=operator, formula=formula, fill=PatternFill("solid", bgColor=colour))
        )


def finish_sheet(ws: Worksheet, freeze: str | None = "A4", *, title_rows: tuple[int, int] = (1, 2),
                 last_row: int | None = None, breaks: Iterable[int] = ()) -> None:
    """Protection without a password (inputs stay unlocked), frozen heading, print set-up.

    Args:
        ws: the sheet.
        freeze: the top-left cell of the part that scrolls.
        title_rows: first and last row printed at the top of every page (the heading, and a table's header).
        last_row: the last row printed (spare rows below it do not print); None prints the whole sheet.
        breaks: rows that start a new printed page.
    """
    protect(ws)
    if freeze:
        ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if last_row is not None:
        ws.print_area = f"A1:{get_column_letter(max(ws.max_column, 2))}{max(last_row, title_rows[1])}"
    for row in breaks:
        ws.row_breaks.append(Break(id=row - 1))  # a break after the row above
    ws.sheet_view.zoomScale = 90


def protect(ws: Worksheet) -> None:
    """Lock formula cells against accidental edits while leaving rows, formats and filters usable."""
    p = ws.protection
    p.sheet = True
    p.formatCells = False
    p.formatColumns = False
    p.formatRows = False
    p.insertRows = False
    p.deleteRows = False
    p.sort = False
    p.autoFilter = False
