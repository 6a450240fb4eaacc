"""Build examples/excel-functions.xlsx: a small costs/benefits grid and the example case's Options table,
with =XLCASE_... formulas beside them, for users who have the xlwings add-in installed.

    python examples/make_excel_functions_workbook.py [OUT.xlsx]

Without the add-in every XLCASE_ formula shows #NAME?; the sheet says so. Formulas are written as
they are with the classic add-in and with `xlcase serve` (no function namespace); xlwings Lite and a
server with a namespace need the prefix (=XLWINGS.XLCASE_NPV(...)).
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "excel-functions.xlsx"
CASE_FILE = HERE / "ward-assistant-practitioners.yaml"
YEARS = 10
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
NOTE = ("These formulas need the xlwings add-in with xlcase (see the README section 'Excel functions and scripts'): without it they show #NAME?. "
        "In xlwings Lite, or a server with a function namespace, prefix the namespace: =XLWINGS.XLCASE_NPV(...). "
        "If Excel shows =@XLCASE_..., delete the @ so that the result spills.")
OPTION_HEADERS = ["ID", "Option", "Description", "Do nothing", "Do minimum", "Preferred", "Trainees",
                  "Viability evidence", "Why preferred", "Reason ruled out"]


def _text(cell, value) -> None:
    """Write a value as text even when it starts with = (never a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def build(out: Path = DEFAULT_OUT) -> Path:
    from xlcase.casefile import load_case

    case = load_case(CASE_FILE)
    book = Workbook()
    grid = book.active
    grid.title = "Appraisal"
    grid["A1"] = "xlcase functions in Excel: one option's costs and benefits by year"
    grid["A1"].font = Font(bold=True, size=14)
    grid["A2"] = NOTE
    grid["A4"], grid["B4"] = "Discount rate", 0.035
    grid["A5"], grid["B5"] = "Optimism bias", 0.1
    for ref in ("B4", "B5"):
        grid[ref].fill = INPUT_FILL
        grid[ref].number_format = "0.0%"
    grid["A7"] = "Year"
    preferred = next(o for o in case.options if o.preferred)
    rows = {"Costs": [0.0] * YEARS, "Benefits": [0.0] * YEARS}
    for label, lines in (("Costs", case.costs), ("Benefits", case.benefits)):
        for line in lines:
            if line.option == preferred.id:
                for t, amount in enumerate(line.amounts[:YEARS]):
                    rows[label][t] += amount
    last = get_column_letter(1 + YEARS)
    for t in range(YEARS):
        grid.cell(7, 2 + t, t).font = BOLD
        for r, label in ((8, "Costs"), (9, "Benefits")):
            cell = grid.cell(r, 2 + t, rows[label][t])
            cell.fill = INPUT_FILL
            cell.number_format = "#,##0"
    grid["A8"], grid["A9"] = "Costs", "Benefits"
    costs, benefits = f"B8:{last}8", f"B9:{last}9"
    formulas = [
        ("Discount factors (spill)", f"=XLCASE_DISCOUNT_FACTORS({YEARS},B4)", "0.0000", True),
        ("PV of costs", f"=XLCASE_PV({costs},B4)", "#,##0", False),
        ("NPV", f"=XLCASE_NPV({costs},{benefits},B4,B5)", "#,##0", False),
        ("BCR", f"=XLCASE_BCR({costs},{benefits},B4,B5)", "0.00", False),
        ("Discounted payback year", f"=XLCASE_PAYBACK({costs},{benefits},B4,B5)", "0", False),
        ("Switching values: costs, benefits (spill)", f"=XLCASE_SWITCHING_VALUES({costs},{benefits},B4,B5)", "0.0%", True),
    ]
    for i, (label, formula, number_format, _spills) in enumerate(formulas, start=11):
        grid.cell(i, 1, label).font = BOLD
        target = grid.cell(i, 2)
        target.value = formula
        target.number_format = number_format
        _text(grid.cell(i, 2 + YEARS + 1), "shows: " + formula)
    grid.column_dimensions["A"].width = 40
    for col in range(2, 3 + YEARS):
        grid.column_dimensions[get_column_letter(col)].width = 12

    options = book.create_sheet("Options")
    options["A1"] = "The example case's options, validated live by =XLCASE_VALIDATE"
    options["A1"].font = Font(bold=True, size=14)
    options["A2"] = NOTE
    for c, header in enumerate(OPTION_HEADERS, start=1):
        options.cell(4, c, header)
    for r, option in enumerate(case.options, start=5):
        values = [option.id, option.name, option.description, "Yes" if option.do_nothing else "No",
                  "Yes" if option.do_minimum else "No", "Yes" if option.preferred else "No", option.trainees,
                  option.viability, option.justification, option.reason_rejected]
        for c, value in enumerate(values, start=1):
            _text(options.cell(r, c), value)
    end_row = 4 + max(len(case.options), 1)
    table = Table(displayName="Options", ref=f"A4:{get_column_letter(len(OPTION_HEADERS))}{end_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    options.add_table(table)
    findings_col = len(OPTION_HEADERS) + 2
    options.cell(3, findings_col, "Findings (spill): change Preferred or Do nothing and watch them update").font = BOLD
    options.cell(4, findings_col, '=XLCASE_VALIDATE(Options[#All],"options")')
    for c, width in zip(range(1, len(OPTION_HEADERS) + 1), (6, 30, 30, 11, 11, 11, 9, 30, 30, 30)):
        options.column_dimensions[get_column_letter(c)].width = width
    options.column_dimensions[get_column_letter(findings_col + 2)].width = 60
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp.xlsx")
    book.save(temporary)
    temporary.replace(out)
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    print(f"wrote {build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)}")
