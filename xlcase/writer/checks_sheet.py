"""The Checks sheet: completeness of each section and the template's consistency checks, as formulas.

Each consistency check names the rule of `xlcase validate` whose logic its formula repeats; a test
recalculates workbooks in LibreOffice and proves that each check and its rule agree.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.completeness import section_formulas
from xlcase.writer.affordability_sheet import reconciliation_check
from xlcase.template import Sheet, Template
from xlcase.writer.cells import add_table, define_name, header_row, put_style, put_text
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS, OUTPUT

WIDTHS = (16, 60, 12, 8)


def consistency_checks(template: Template, layout: Layout) -> list[tuple[str, str, str]]:
    """(section, description, formula giving TRUE when the check passes), the rule code in the description."""
    out = []
    for check in template.checks.checks:
        text = f"{check.text} ({check.rule})" if check.rule else check.text
        out.append((check.section, text, template.formula(check.formula, years=layout.years)))
    out.append(("appraisal", "The financial case reconciles with the economic case", reconciliation_check(template)))
    return out


def write_checks_sheet(ws: Worksheet, sheet: Sheet, template: Template, layout: Layout) -> None:
    """One row per check; MasterCheck is TRUE when every row is OK; Completeness is the mean score."""
    words = template.checks
    write_heading(ws, sheet.heading, words.intro)
    header = 4
    for offset, width in enumerate(WIDTHS):
        ws.column_dimensions[get_column_letter(FIRST_COLUMN + offset)].width = width
    header_row(ws, header, FIRST_COLUMN, words.headers)
    row = header + 1
    result_col = get_column_letter(FIRST_COLUMN + 2)
    for section, formula in section_formulas(template, layout.years).items():
        _check_row(ws, row, section, words.completeness_text.format(section=section), f"={formula}",
                   f"={result_col}{row}=1", "percent")
        row += 1
    first_score, last_score = header + 1, row - 1
    for section, text, formula in consistency_checks(template, layout):
        _check_row(ws, row, section, text, f"={formula}", f"={result_col}{row}")
        row += 1
    ok_col = get_column_letter(FIRST_COLUMN + 3)
    add_table(ws, words.table, f"{get_column_letter(FIRST_COLUMN)}{header}:{ok_col}{row - 1}")
    row += 1
    put_style(ws.cell(row, FIRST_COLUMN + 1, "Overall completeness"), LABEL)
    total = ws.cell(row, FIRST_COLUMN + 2, f"=AVERAGE({result_col}{first_score}:{result_col}{last_score})")
    put_style(total, OUTPUT)
    total.number_format = NUMBER_FORMATS["percent"]
    define_name(ws, "Completeness", total.coordinate)
    put_style(ws.cell(row + 1, FIRST_COLUMN + 1, "Master check (every check OK)"), LABEL)
    master = ws.cell(row + 1, FIRST_COLUMN + 2, f"=AND({ok_col}{header + 1}:{ok_col}{row - 2})")
    put_style(master, OUTPUT)
    define_name(ws, "MasterCheck", master.coordinate)
    finish_sheet(ws, freeze="A5")


def _check_row(ws: Worksheet, row: int, section: str, text: str, result: str, ok: str, fmt: str | None = None) -> None:
    put_text(ws.cell(row, FIRST_COLUMN), section)
    put_text(ws.cell(row, FIRST_COLUMN + 1), text)
    cell = ws.cell(row, FIRST_COLUMN + 2, result)
    put_style(cell, CALC)
    if fmt:
        cell.number_format = NUMBER_FORMATS[fmt]
    put_style(ws.cell(row, FIRST_COLUMN + 3, ok), CALC)
