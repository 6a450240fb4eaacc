"""The headline block: the preferred option's figures and the master check, read from the Results table."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlcase.writer.layout import FIRST_COLUMN
from xlcase.writer.styles import LABEL, NUMBER_FORMATS, OUTPUT, SUBHEADING

HEADLINE = (("NPV vs do nothing", "money"), ("BCR", "ratio"), ("Discounted payback year", "integer"),
            ("Cost switching value", "percent"), ("Benefit switching value", "percent"))


def write_headline(ws: Worksheet, row: int) -> int:
    """Headline figures of the preferred option at ``row``; returns the first free row."""
    label_col, value_col = FIRST_COLUMN, FIRST_COLUMN + 1
    ws.cell(row, label_col, "Headline figures of the preferred option").style = SUBHEADING
    figures = [("Preferred option", '=IF(PreferredID="","(none marked)",PreferredID)', None)]
    figures += [(header, f'=IFERROR(INDEX(Results[{header}],MATCH(PreferredID,Results[Option],0)),"")', fmt)
                for header, fmt in HEADLINE]
    figures.append(("Master check", '=IF(MasterCheck,"OK: every check passes","Not yet: see the Checks sheet")',
                    None))
    for offset, (label, formula, fmt) in enumerate(figures, start=1):
        ws.cell(row + offset, label_col, label).style = LABEL
        cell = ws.cell(row + offset, value_col, formula)
        cell.style = OUTPUT
        if fmt:
            cell.number_format = NUMBER_FORMATS[fmt]
    return row + len(figures) + 1
