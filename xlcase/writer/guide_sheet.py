"""The Guide sheet: what the workbook is for, how to fill it in, the colour key and the master check."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.template import Template
from xlcase.writer.cells import define_name, fit_row_height, put_text
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.layout import FIRST_COLUMN
from xlcase.writer.styles import CALC, INPUT, LABEL, NOTE, OUTPUT

STEPS = (
    "Fill in the yellow cells only; every other cell is calculated or fixed and is locked.",
    "Work through the sheets from left to right: Summary, Stakeholders, Workforce, Options, Inputs, "
    "Costs and Benefits, then Risks, Timeline, Evaluation and Conclusions.",
    "Always include a do-nothing option, mark exactly one option as preferred, and say why each "
    "other option was ruled out.",
    "Enter costs and benefits in pounds at real prices (the price base year on Inputs), one column per "
    "appraisal year from year 0. Options, categories and classes are drop-down lists.",
    "The Appraisal sheet discounts the flows with the Green Book rates; the Results sheet shows NPV, "
    "BCR, payback and switching values; the Checks sheet says what is missing.",
    "Hover over a header or label with a red corner for help. Each sheet is protected without a "
    "password: Review > Unprotect Sheet to insert more table rows (or use the spare rows).",
    "Reviewers can check a submitted workbook with `xlcase validate FILE.xlsx`.",
)

STEP_WIDTH = 100

SHEET_PURPOSE = {
    "guide": "This page.",
    "inputs": "Appraisal assumptions and Green Book reference data.",
    "appraisal": "Year-by-year calculations (nothing to type).",
    "results": "NPV, BCR, payback, switching values, sensitivity and charts.",
    "checks": "Completeness and consistency checks, and the master check.",
    "lists": "The values behind the drop-down lists.",
}


def write_guide_sheet(ws: Worksheet, template: Template) -> None:
    """Purpose, steps, colour key, sheet index with links, template identity and master check."""
    write_heading(ws, template.title, None)
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = STEP_WIDTH
    purpose = ws.cell(2, FIRST_COLUMN)
    put_text(purpose, template.description)
    purpose.style = NOTE
    purpose.alignment = Alignment(wrap_text=False)
    row = 4
    ws.cell(row, 2, "Master check").style = LABEL
    master = ws.cell(row, 3, '=IF(MasterCheck,"OK: every check passes","Not yet: see the Checks sheet")')
    master.style = OUTPUT
    ws.cell(row + 1, 2, "Completeness").style = LABEL
    complete = ws.cell(row + 1, 3, "=Completeness")
    complete.style = OUTPUT
    complete.number_format = "0%"
    row += 3
    ws.cell(row, 2, "How to fill it in").style = LABEL
    for i, step in enumerate(STEPS, start=1):
        cell = ws.cell(row, 3)
        put_text(cell, f"{i}. {step}")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        fit_row_height(ws, row, [(cell.value, STEP_WIDTH)])
        row += 1
    row += 1
    ws.cell(row, 2, "Colour key").style = LABEL
    for style, text in ((INPUT, "Input: type or pick a value here"),
                        (CALC, "Calculated or reference: locked"),
                        (OUTPUT, "Key output: locked")):
        ws.cell(row, 3, text).style = style
        row += 1
    row += 1
    ws.cell(row, 2, "Sheets").style = LABEL
    for sheet in template.sheets[1:]:
        link = ws.cell(row, 2, sheet.name)
        link.hyperlink = f"#'{sheet.name}'!A1"
        link.font = Font(color="0563C1", underline="single")
        ws.cell(row, 3, sheet.heading if sheet.kind == "form" else SHEET_PURPOSE.get(sheet.kind, sheet.heading))
        row += 1
    row += 1
    ws.cell(row, 2, "Template").style = LABEL
    name = ws.cell(row, 3, template.name)
    define_name(ws, "XlcaseTemplate", name.coordinate)
    ws.cell(row + 1, 2, "Template version").style = LABEL
    version = ws.cell(row + 1, 3, template.version)
    define_name(ws, "XlcaseTemplateVersion", version.coordinate)
    finish_sheet(ws, freeze=None)
