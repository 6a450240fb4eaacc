"""The Checks sheet: completeness of every section and consistency checks, with a master check."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.completeness import section_formulas
from xlcase.template import YEAR_HEADER, Template
from xlcase.writer.cells import add_table, define_name, header_row, put_text
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS, OUTPUT

CHECKS_HEADERS = ("Section", "Check", "Result", "OK")


def consistency_checks(layout: Layout) -> list[tuple[str, str, str]]:
    """(section, description, formula giving TRUE when the check passes)."""
    years = f"COLUMNS(Costs[[{YEAR_HEADER.format(0)}]:[{YEAR_HEADER.format(layout.years - 1)}]])"
    return [
        ("options", "A do-nothing option is included", 'COUNTIF(Options[Do nothing],"Yes")>=1'),
        ("options", "Exactly one option is preferred", 'COUNTIF(Options[Preferred],"Yes")=1'),
        ("costs", "Every cost line names an option that exists",
         'SUMPRODUCT((Costs[Option]<>"")*(COUNTIF(Options[ID],Costs[Option])=0))=0'),
        ("benefits", "Every benefit line names an option that exists",
         'SUMPRODUCT((Benefits[Option]<>"")*(COUNTIF(Options[ID],Benefits[Option])=0))=0'),
        ("risks", "Every risk links to an aim that exists",
         'SUMPRODUCT((Risks[Risk]<>"")*(COUNTIF(Aims[ID],Risks[Linked aim])=0))=0'),
        ("timeline", "The finish date is not before the start date",
         'OR(StartDate="",FinishDate="",FinishDate>=StartDate)'),
        ("assumptions", "The appraisal period fits the year columns",
         f"AND(AppraisalYears>=1,AppraisalYears<={years})"),
    ]


def write_checks_sheet(ws: Worksheet, heading: str | None, template: Template, layout: Layout) -> None:
    """One row per check; MasterCheck is TRUE when every row is OK; Completeness is the mean score."""
    write_heading(ws, heading or "Checks", "Completeness of each section (1 = complete) and consistency "
                  "checks. The master check is shown on the Guide and Summary sheets.")
    header = 4
    widths = (16, 52, 12, 8)
    for offset, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(FIRST_COLUMN + offset)].width = width
    header_row(ws, header, FIRST_COLUMN, CHECKS_HEADERS)
    row = header + 1
    result_col = get_column_letter(FIRST_COLUMN + 2)
    scores = section_formulas(template, layout.years)
    for section, formula in scores.items():
        _check_row(ws, row, section, f"Completeness of {section}", f"={formula}", f"={result_col}{row}=1", "percent")
        row += 1
    first_score, last_score = header + 1, row - 1
    for section, text, formula in consistency_checks(layout):
        _check_row(ws, row, section, text, f"={formula}", f"={result_col}{row}")
        row += 1
    ok_col = get_column_letter(FIRST_COLUMN + 3)
    add_table(ws, "Checks", f"{get_column_letter(FIRST_COLUMN)}{header}:{ok_col}{row - 1}")
    row += 1
    ws.cell(row, FIRST_COLUMN + 1, "Overall completeness").style = LABEL
    total = ws.cell(row, FIRST_COLUMN + 2, f"=AVERAGE({result_col}{first_score}:{result_col}{last_score})")
    total.style = OUTPUT
    total.number_format = NUMBER_FORMATS["percent"]
    define_name(ws, "Completeness", total.coordinate)
    ws.cell(row + 1, FIRST_COLUMN + 1, "Master check (every check OK)").style = LABEL
    master = ws.cell(row + 1, FIRST_COLUMN + 2, f"=AND({ok_col}{header + 1}:{ok_col}{row - 2})")
    master.style = OUTPUT
    define_name(ws, "MasterCheck", master.coordinate)
    finish_sheet(ws, freeze="A5")


def _check_row(ws: Worksheet, row: int, section: str, text: str, result: str, ok: str, fmt: str | None = None) -> None:
    put_text(ws.cell(row, FIRST_COLUMN), section)
    put_text(ws.cell(row, FIRST_COLUMN + 1), text)
    cell = ws.cell(row, FIRST_COLUMN + 2, result)
    cell.style = CALC
    if fmt:
        cell.number_format = NUMBER_FORMATS[fmt]
    ws.cell(row, FIRST_COLUMN + 3, ok).style = CALC
