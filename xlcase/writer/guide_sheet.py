"""The Guide sheet: what the workbook is for, how to fill it in, the colour key and the master check."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.template import Template
from xlcase.writer.cells import define_name, fit_row_height, put_style, put_text
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.layout import FIRST_COLUMN
from xlcase.writer.styles import CALC, INPUT, LABEL, NOTE, OUTPUT

STEP_WIDTH = 100


def write_guide_sheet(ws: Worksheet, template: Template) -> None:
    """Purpose, steps, colour key, sheet index with links, template identity and master check."""
    words = template.guide
    form_sheets = ", ".join(s.name for s in template.sheets if s.kind in ("form", "inputs"))
    write_heading(ws, template.title, None)
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = STEP_WIDTH
    purpose = ws.cell(2, FIRST_COLUMN)
    put_text(purpose, template.description)
    put_style(purpose, NOTE)
    purpose.alignment = Alignment(wrap_text=False)
    row = 4
    put_style(ws.cell(row, 2, "Master check"), LABEL)
    master = ws.cell(row, 3, '=IF(MasterCheck,"OK: every check passes","Not yet: see the Checks sheet")')
    put_style(master, OUTPUT)
    put_style(ws.cell(row + 1, 2, "Completeness"), LABEL)
    complete = ws.cell(row + 1, 3, "=Completeness")
    put_style(complete, OUTPUT)
    complete.number_format = "0%"
    row += 3
    put_style(ws.cell(row, 2, "How to fill it in"), LABEL)
    for i, step in enumerate(words.steps, start=1):
        cell = ws.cell(row, 3)
        put_text(cell, f"{i}. {step.format(form_sheets=form_sheets)}")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        fit_row_height(ws, row, [(cell.value, STEP_WIDTH)])
        row += 1
    row += 1
    if words.figures:
        put_style(ws.cell(row, 2, words.figures_heading), LABEL)
        for text in words.figures:
            cell = ws.cell(row, 3)
            put_text(cell, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            fit_row_height(ws, row, [(cell.value, STEP_WIDTH)])
            row += 1
        row += 1
    put_style(ws.cell(row, 2, "Colour key"), LABEL)
    styles = {"input": INPUT, "calculation": CALC, "output": OUTPUT}
    for kind, text in words.colour_key.items():
        style = styles[kind]
        put_style(ws.cell(row, 3, text), style)
        row += 1
    row += 1
    put_style(ws.cell(row, 2, "Sheets"), LABEL)
    for sheet in template.sheets[1:]:
        link = ws.cell(row, 2, sheet.name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet.name}'!A1")  # internal: survives Save As
        link.font = Font(color="0563C1", underline="single")
        ws.cell(row, 3, sheet.heading if sheet.kind == "form" else words.purposes.get(sheet.kind, sheet.heading))
        row += 1
    row += 1
    put_style(ws.cell(row, 2, "Template"), LABEL)
    name = ws.cell(row, 3, template.name)
    define_name(ws, "XlcaseTemplate", name.coordinate)
    put_style(ws.cell(row + 1, 2, "Template version"), LABEL)
    version = ws.cell(row + 1, 3, template.version)
    define_name(ws, "XlcaseTemplateVersion", version.coordinate)
    finish_sheet(ws, freeze=None)
