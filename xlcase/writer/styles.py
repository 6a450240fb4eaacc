"""Cell styles of the workbook: one named style for input cells and only input cells (FAST)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

INPUT = "xlcase Input"
CALC = "xlcase Calculation"
OUTPUT = "xlcase Output"
LABEL = "xlcase Label"
HEADING = "xlcase Heading"
SUBHEADING = "xlcase Subheading"
NOTE = "xlcase Note"

INPUT_FILL = "FFF2CC"  # pale yellow: the colour key on the Guide sheet names it
CALC_FILL = "F2F2F2"
OUTPUT_FILL = "DDEBF7"
BRAND = "005EB8"  # NHS blue

NUMBER_FORMATS = {
    "money": '£#,##0;[Red]-£#,##0',
    "percent": "0.0%",
    "rate": "0.00%",
    "date": "dd mmm yyyy",
    "calculated_date": "dd mmm yyyy;;",  # a calculated date that is 0 (none given) shows as blank, not 30 Dec 1899
    "number": "#,##0.0#",
    "integer": "0",
    "year": "0",
    "score": "0",
    "ratio": "0.00",
    "factor": "0.00000",
}

_thin = Side(style="thin", color="BFBFBF")


def register_styles(workbook: Workbook) -> None:
    """Add the named styles so they appear, by name, in Excel's cell-style gallery."""
    styles = [
        NamedStyle(
            name=INPUT,
            fill=PatternFill("solid", fgColor=INPUT_FILL),
            font=Font(color="1F3864"),
            border=Border(left=_thin, right=_thin, top=_thin, bottom=_thin),
            alignment=Alignment(vertical="top", wrap_text=True),
            protection=Protection(locked=False),
        ),
        NamedStyle(
            name=CALC,
            fill=PatternFill("solid", fgColor=CALC_FILL),
            alignment=Alignment(vertical="top"),
            protection=Protection(locked=True),
        ),
        NamedStyle(
            name=OUTPUT,
            fill=PatternFill("solid", fgColor=OUTPUT_FILL),
            font=Font(bold=True),
            protection=Protection(locked=True),
        ),
        NamedStyle(name=LABEL, font=Font(bold=True), alignment=Alignment(vertical="top", wrap_text=True)),
        NamedStyle(name=HEADING, font=Font(bold=True, size=16, color=BRAND)),
        NamedStyle(name=SUBHEADING, font=Font(bold=True, size=12, color=BRAND), alignment=Alignment(wrap_text=False)),
        NamedStyle(name=NOTE, font=Font(italic=True, color="595959"), alignment=Alignment(wrap_text=True, vertical="top")),
    ]
    for style in styles:
        workbook.add_named_style(style)
