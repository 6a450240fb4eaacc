"""The headline block: the preferred option's figures and the master check, read from the Results table."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlcase.template import Template
from xlcase.writer.cells import put_style
from xlcase.writer.layout import FIRST_COLUMN
from xlcase.writer.styles import LABEL, NUMBER_FORMATS, OUTPUT, SUBHEADING

HEADLINE_FIGURES = ("npv_vs_do_nothing", "bcr", "discounted_payback_year", "cost_switching_value",
                    "benefit_switching_value")


def write_headline(ws: Worksheet, template: Template, row: int) -> int:
    """Headline figures of the preferred option at ``row``; returns the first free row."""
    label_col, value_col = FIRST_COLUMN, FIRST_COLUMN + 1
    results = template.results
    columns = {c.figure: c for c in results.columns}
    ids = f"{results.table}[{results.header('id')}]"
    put_style(ws.cell(row, label_col, "Headline figures of the preferred option"), SUBHEADING)
    figures = [("Preferred option", '=IF(PreferredID="","(none marked)",PreferredID)', "text")]
    figures += [(columns[figure].header,
                 f'=IFERROR(INDEX({results.table}[{columns[figure].header}],MATCH(PreferredID,{ids},0)),"")',
                 columns[figure].format) for figure in HEADLINE_FIGURES]
    figures.append(("Master check", '=IF(MasterCheck,"OK: every check passes","Not yet: see the Checks sheet")',
                    "text"))
    for offset, (label, formula, fmt) in enumerate(figures, start=1):
        put_style(ws.cell(row + offset, label_col, label), LABEL)
        cell = ws.cell(row + offset, value_col, formula)
        put_style(cell, OUTPUT)
        if fmt != "text":
            cell.number_format = NUMBER_FORMATS[fmt]
    return row + len(figures) + 1
