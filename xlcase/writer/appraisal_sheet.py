"""The Appraisal (calculations) and Results (outputs) sheets: the Green Book appraisal as live formulas.

FAST layout: one time axis across the columns from E, the same formula along each row, every
rate and year taken from the named inputs. The figures are the ones xlcase.appraisal computes;
tests recalculate this sheet in LibreOffice and compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from xlcase import reference
from xlcase.appraisal import FIGURE_LABELS
from xlcase.template import YEAR_HEADER
from xlcase.writer.cells import add_table, define_name, financial_year_formula, header_row
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.inputs_sheet import LONG_TERM_FROM, LONG_TERM_RATE, STANDARD_RATE_LAST_YEAR, sensitivity_name
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS, OUTPUT, SUBHEADING

YEAR_COL = 5  # column E: first year of the time axis
ROW_YEAR, ROW_FY, ROW_IN_PERIOD, ROW_RATE, ROW_DF = 4, 5, 6, 7, 8
BLOCK_ROWS = ("Costs (with optimism bias)", "Benefits", "Net benefit", "Net benefit vs do nothing",
              "Discounted net benefit vs do nothing", "Cumulative discounted vs do nothing", "Paid back (year)")
RESULTS_HEADERS = ("Option", "Name", *FIGURE_LABELS.values())
RESULTS_FORMATS = (None, None, "money", "money", "money", "money", "ratio", "integer", "percent", "percent")


@dataclass(frozen=True)
class OptionBlock:
    """Rows of one option slot on the Appraisal sheet (slot k reads row k of the Options table)."""

    slot: int
    top: int

    def row(self, label: str) -> int:
        return self.top + 1 + BLOCK_ROWS.index(label)


class AppraisalGrid:
    """Cell addresses on the Appraisal sheet shared by the Results, Sensitivity and chart writers."""

    def __init__(self, layout: Layout, sheet: str) -> None:
        self.years = layout.years
        self.sheet = sheet
        self.options = layout.tables["Options"].rows
        self.scenarios = reference.sensitivity_scenarios()
        self.rate_scenarios = [i for i, s in enumerate(self.scenarios) if s.kind == "discount_rate"]
        self.row_scenario_df = {i: ROW_DF + 1 + n for n, i in enumerate(self.rate_scenarios)}
        self.row_do_nothing = ROW_DF + len(self.rate_scenarios) + 2
        self.row_do_nothing_net = self.row_do_nothing + 2
        first_block = self.row_do_nothing_net + 2
        self.blocks = [OptionBlock(k + 1, first_block + k * (len(BLOCK_ROWS) + 2)) for k in range(self.options)]

    @property
    def first_letter(self) -> str:
        return get_column_letter(YEAR_COL)

    def span(self, row: int, start: int = 0, stop: int | None = None) -> str:
        """A sheet-qualified absolute range of one row over years start..stop-1."""
        stop = self.years if stop is None else stop
        a, b = get_column_letter(YEAR_COL + start), get_column_letter(YEAR_COL + stop - 1)
        return f"{quote_sheetname(self.sheet)}!${a}${row}:${b}${row}"

    def cell(self, col: int, row: int) -> str:
        return f"{quote_sheetname(self.sheet)}!${get_column_letter(col)}${row}"


def write_appraisal_sheet(ws: Worksheet, heading: str | None, layout: Layout) -> AppraisalGrid:
    """The year-by-year workings for every option slot."""
    grid = AppraisalGrid(layout, ws.title)
    write_heading(ws, heading, "Calculated from the Options, Costs, Benefits and Inputs sheets: nothing to type here.")
    ws.column_dimensions["B"].width = 38
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 28
    costs = _year_columns("Costs", layout)
    benefits = _year_columns("Benefits", layout)
    rate_lookup = f"LOOKUP({{y}},{LONG_TERM_FROM},{LONG_TERM_RATE})"

    _label(ws, ROW_YEAR, "Year index")
    _label(ws, ROW_FY, "Financial year")
    _label(ws, ROW_IN_PERIOD, "In the appraisal period (1 = yes)")
    _label(ws, ROW_RATE, "Discount rate")
    _label(ws, ROW_DF, "Discount factor")
    for i, row in grid.row_scenario_df.items():
        _label(ws, row, f"Discount factor, {grid.scenarios[i].name}")
    for t in range(grid.years):
        col = YEAR_COL + t
        c = get_column_letter(col)
        prev = get_column_letter(col - 1)
        y = f"{c}${ROW_YEAR}"
        _calc(ws, ROW_YEAR, col, 0 if t == 0 else f"={prev}{ROW_YEAR}+1", "integer")
        fy = _calc(ws, ROW_FY, col, financial_year_formula(y))
        fy.font = Font(bold=True)
        _calc(ws, ROW_IN_PERIOD, col, f"=IF({y}<AppraisalYears,1,0)", "integer")
        _calc(ws, ROW_RATE, col, f"=IF({y}<={STANDARD_RATE_LAST_YEAR},DiscountRate,{rate_lookup.format(y=y)})",
              "percent")
        _calc(ws, ROW_DF, col, f"=IF({y}=0,1,{prev}{ROW_DF}/(1+{c}{ROW_RATE}))", "factor")
        for i, row in grid.row_scenario_df.items():
            rate = f"IF({y}<={STANDARD_RATE_LAST_YEAR},{sensitivity_name(i)},{rate_lookup.format(y=y)})"
            _calc(ws, row, col, f"=IF({y}=0,1,{prev}{row}/(1+{rate}))", "factor")

    _label(ws, grid.row_do_nothing, "Do-nothing option")
    dn = _calc(ws, grid.row_do_nothing, 3, '=IFERROR(INDEX(Options[ID],MATCH("Yes",Options[Do nothing],0)),"")')
    define_name(ws, "DoNothingID", dn.coordinate)
    _label(ws, grid.row_do_nothing + 1, "Preferred option")
    pref = _calc(ws, grid.row_do_nothing + 1, 3, '=IFERROR(INDEX(Options[ID],MATCH("Yes",Options[Preferred],0)),"")')
    define_name(ws, "PreferredID", pref.coordinate)
    _label(ws, grid.row_do_nothing_net, "Do nothing: net benefit")
    for t in range(grid.years):
        col = YEAR_COL + t
        c = get_column_letter(col)
        flows = (f"SUMIFS(INDEX({benefits},0,{c}${ROW_YEAR}+1),Benefits[Option],DoNothingID)"
                 f"-SUMIFS(INDEX({costs},0,{c}${ROW_YEAR}+1),Costs[Option],DoNothingID)*(1+OptimismBias)")
        _calc(ws, grid.row_do_nothing_net, col, f'=IF(DoNothingID="",0,({flows})*{c}${ROW_IN_PERIOD})', "money")

    for block in grid.blocks:
        _write_block(ws, grid, block, costs, benefits)
    finish_sheet(ws, freeze=f"{grid.first_letter}{ROW_FY + 1}")
    return grid


def _write_block(ws: Worksheet, grid: AppraisalGrid, block: OptionBlock, costs: str, benefits: str) -> None:
    top = block.top
    ws.cell(top, 1, block.slot).font = Font(color="808080")
    _label(ws, top, "Option (row of the Options table)")
    option = f"$C${top}"
    _calc(ws, top, 3, f'=IF(INDEX(Options[ID],$A${top})="","",INDEX(Options[ID],$A${top}))')
    name = _calc(ws, top, 4, f'=IF({option}="","",INDEX(Options[Option],$A${top}))')
    name.font = Font(bold=True)
    for label in BLOCK_ROWS:
        _label(ws, block.row(label), "  " + label)
    r = block.row
    for t in range(grid.years):
        col = YEAR_COL + t
        c = get_column_letter(col)
        index = f"{c}${ROW_YEAR}+1"
        mask = f"{c}${ROW_IN_PERIOD}"
        _calc(ws, r(BLOCK_ROWS[0]), col,
              f'=IF({option}="",0,SUMIFS(INDEX({costs},0,{index}),Costs[Option],{option})*(1+OptimismBias)*{mask})',
              "money")
        _calc(ws, r(BLOCK_ROWS[1]), col,
              f'=IF({option}="",0,SUMIFS(INDEX({benefits},0,{index}),Benefits[Option],{option})*{mask})', "money")
        _calc(ws, r(BLOCK_ROWS[2]), col, f"={c}{r(BLOCK_ROWS[1])}-{c}{r(BLOCK_ROWS[0])}", "money")
        _calc(ws, r(BLOCK_ROWS[3]), col,
              f'=IF({option}="",0,{c}{r(BLOCK_ROWS[2])}-{c}${grid.row_do_nothing_net})', "money")
        _calc(ws, r(BLOCK_ROWS[4]), col, f"={c}{r(BLOCK_ROWS[3])}*{c}${ROW_DF}", "money")
        _calc(ws, r(BLOCK_ROWS[5]), col, f"=SUM(${grid.first_letter}{r(BLOCK_ROWS[4])}:{c}{r(BLOCK_ROWS[4])})",
              "money")
        _calc(ws, r(BLOCK_ROWS[6]), col,
              f'=IF(AND({option}<>"",{option}<>DoNothingID,{mask}=1,{c}{r(BLOCK_ROWS[5])}>=0),{c}${ROW_YEAR},"")',
              "integer")


def write_results_sheet(ws: Worksheet, heading: str | None, grid: AppraisalGrid, charted: int) -> None:
    """The Results table, the sensitivity table and the two charts (of the first ``charted`` options)."""
    write_heading(ws, heading or "Results", "Present values at the Green Book discount rate, real prices. "
                  "A blank cell means the figure does not exist (no costs, never pays back, the do-nothing option).")
    header = 4
    first_col = FIRST_COLUMN
    for offset in range(len(RESULTS_HEADERS)):
        ws.column_dimensions[get_column_letter(first_col + offset)].width = 16 if offset != 1 else 30
    header_row(ws, header, first_col, RESULTS_HEADERS)
    col = {h: get_column_letter(first_col + i) for i, h in enumerate(RESULTS_HEADERS)}
    df = grid.span(ROW_DF)
    for block in grid.blocks:
        row = header + block.slot
        opt = f"${col['Option']}{row}"
        rows = block.row
        pv_c, pv_b, npv_dn = (f"${col[h]}{row}" for h in ("PV costs", "PV benefits", "NPV vs do nothing"))
        not_dn = f'OR({opt}="",{opt}=DoNothingID)'
        formulas = {
            "Option": f"={grid.cell(3, block.top)}",
            "Name": f"={grid.cell(4, block.top)}",
            "PV costs": f'=IF({opt}="","",SUMPRODUCT({grid.span(rows(BLOCK_ROWS[0]))},{df}))',
            "PV benefits": f'=IF({opt}="","",SUMPRODUCT({grid.span(rows(BLOCK_ROWS[1]))},{df}))',
            "NPV": f'=IF({opt}="","",{pv_b}-{pv_c})',
            "NPV vs do nothing": f'=IF({opt}="","",SUMPRODUCT({grid.span(rows(BLOCK_ROWS[3]))},{df}))',
            "BCR": f'=IF({opt}="","",IF({pv_c}=0,"",{pv_b}/{pv_c}))',
            "Discounted payback year": (f'=IF({not_dn},"",IF(COUNT({grid.span(rows(BLOCK_ROWS[6]))})=0,"",'
                                        f"MIN({grid.span(rows(BLOCK_ROWS[6]))})))"),
            "Cost switching value": f'=IF({not_dn},"",IF({pv_c}=0,"",{npv_dn}/{pv_c}))',
            "Benefit switching value": f'=IF({not_dn},"",IF({pv_b}=0,"",{npv_dn}/{pv_b}))',
        }
        for offset, (h, fmt) in enumerate(zip(RESULTS_HEADERS, RESULTS_FORMATS, strict=True)):
            cell = ws.cell(row, first_col + offset, formulas[h])
            cell.style = OUTPUT if h in ("NPV vs do nothing", "BCR") else CALC
            if fmt:
                cell.number_format = NUMBER_FORMATS[fmt]
    last = header + len(grid.blocks)
    add_table(ws, "Results", f"{col['Option']}{header}:{col['Benefit switching value']}{last}")
    sens_header = last + 3
    _write_sensitivity(ws, grid, sens_header, col, header)
    _charts(ws, grid, header, header + charted, sens_header + len(grid.blocks) + 3)
    finish_sheet(ws, freeze="A5")


def sensitivity_headers() -> tuple[str, ...]:
    """The Sensitivity table's header row: option, base case, then one column per scenario."""
    return ("Option", "Base case", *(s.name for s in reference.sensitivity_scenarios()))


def _write_sensitivity(ws: Worksheet, grid: AppraisalGrid, header: int, col: dict[str, str], results_header: int) -> None:
    """NPV vs do nothing under each scenario, changing only the option's own flows."""
    ws.cell(header - 1, FIRST_COLUMN, "Sensitivity: NPV vs do nothing").style = SUBHEADING
    headers = sensitivity_headers()
    header_row(ws, header, FIRST_COLUMN, headers)
    df = grid.span(ROW_DF)
    for block in grid.blocks:
        row = header + block.slot
        res = results_header + block.slot
        opt = f"${get_column_letter(FIRST_COLUMN)}{row}"
        base = f"${get_column_letter(FIRST_COLUMN + 1)}{row}"
        benefits_row = block.row(BLOCK_ROWS[1])
        cells = [f"=${col['Option']}{res}", f'=IF({opt}="","",${col["NPV vs do nothing"]}{res})']
        for i, scenario in enumerate(grid.scenarios):
            value = sensitivity_name(i)
            if scenario.kind == "costs_change":
                expr = f"{base}-{value}*${col['PV costs']}{res}"
            elif scenario.kind == "benefits_change":
                expr = f"{base}+{value}*${col['PV benefits']}{res}"
            elif scenario.kind == "benefits_delay":
                lag = int(scenario.value)
                shifted = (f"SUMPRODUCT({grid.span(benefits_row, 0, grid.years - lag)},{grid.span(ROW_DF, lag)},"
                           f"{grid.span(ROW_IN_PERIOD, lag)})") if lag < grid.years else "0"
                expr = f"{base}-SUMPRODUCT({grid.span(benefits_row)},{df})+{shifted}"
            else:
                expr = f"SUMPRODUCT({grid.span(block.row(BLOCK_ROWS[3]))},{grid.span(grid.row_scenario_df[i])})"
            cells.append(f'=IF(OR({opt}="",{opt}=DoNothingID),"",{expr})')
        for offset, formula in enumerate(cells):
            cell = ws.cell(row, FIRST_COLUMN + offset, formula)
            cell.style = CALC
            if offset:
                cell.number_format = NUMBER_FORMATS["money"]
    last_col = get_column_letter(FIRST_COLUMN + len(headers) - 1)
    add_table(ws, "Sensitivity", f"{get_column_letter(FIRST_COLUMN)}{header}:{last_col}{header + len(grid.blocks)}")


def _charts(ws: Worksheet, grid: AppraisalGrid, header: int, last: int, anchor_row: int) -> None:
    """Cumulative discounted net benefit vs do nothing by year, and PV costs against PV benefits."""
    appraisal = ws.parent[grid.sheet]
    line = LineChart()
    line.title = "Cumulative discounted net benefit vs do nothing"
    line.y_axis.title = "£ (present value)"
    line.x_axis.title = "Financial year"
    line.x_axis.tickLblPos = "low"  # year labels below the plot, not across it at zero
    line.height, line.width = 9, 18
    for block in grid.blocks[: last - header]:
        row = block.row(BLOCK_ROWS[5])
        values = Reference(appraisal, min_col=YEAR_COL, max_col=YEAR_COL + grid.years - 1, min_row=row, max_row=row)
        line.add_data(values, from_rows=True, titles_from_data=False)
        line.series[-1].tx = SeriesLabel(strRef=StrRef(f=grid.cell(3, block.top)))
    line.set_categories(Reference(appraisal, min_col=YEAR_COL, max_col=YEAR_COL + grid.years - 1,
                                  min_row=ROW_FY, max_row=ROW_FY))
    ws.add_chart(line, f"B{anchor_row}")

    bar = BarChart()
    bar.type = "col"
    bar.title = "PV costs and PV benefits by option"
    bar.y_axis.title = "£ (present value)"
    bar.height, bar.width = 9, 14
    c_first = FIRST_COLUMN + RESULTS_HEADERS.index("PV costs")
    data = Reference(ws, min_col=c_first, max_col=c_first + 1, min_row=header, max_row=last)
    bar.add_data(data, titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=FIRST_COLUMN, min_row=header + 1, max_row=last))
    ws.add_chart(bar, f"H{anchor_row}")


def _year_columns(table: str, layout: Layout) -> str:
    """Structured reference to a table's year columns: Costs[[Year 0]:[Year 9]]."""
    return f"{table}[[{YEAR_HEADER.format(0)}]:[{YEAR_HEADER.format(layout.years - 1)}]]"


def _label(ws: Worksheet, row: int, text: str) -> None:
    ws.cell(row, 2, text).style = LABEL


def _calc(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    cell = ws.cell(row, col, value)
    cell.style = CALC
    if fmt:
        cell.number_format = NUMBER_FORMATS[fmt]
    return cell
