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
from xlcase.template import Sheet, Template
from xlcase.writer.cells import add_table, define_name, financial_year_formula, header_row
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.inputs_sheet import LONG_TERM_FROM, LONG_TERM_RATE, STANDARD_RATE_LAST_YEAR, sensitivity_name
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS, OUTPUT, SUBHEADING

YEAR_COL = 5  # column E: first year of the time axis
ROW_YEAR, ROW_FY, ROW_IN_PERIOD, ROW_RATE, ROW_DF = 4, 5, 6, 7, 8
BLOCK_ROWS = ("costs", "benefits", "net", "net_vs_do_nothing", "discounted", "cumulative", "paid_back")


@dataclass(frozen=True)
class OptionBlock:
    """Rows of one option slot on the Appraisal sheet (slot k reads row k of the Options table)."""

    slot: int
    top: int

    def row(self, key: str) -> int:
        """The row of one of the block's lines, by its key in the template's option_rows."""
        return self.top + 1 + BLOCK_ROWS.index(key)


class AppraisalGrid:
    """Cell addresses on the Appraisal sheet shared by the Results, Sensitivity and chart writers."""

    def __init__(self, layout: Layout, sheet: str, template: Template) -> None:
        self.years = layout.years
        self.sheet = sheet
        self.template = template
        self.options = layout.tables["options"].rows
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


def write_appraisal_sheet(ws: Worksheet, sheet: Sheet, template: Template, layout: Layout) -> AppraisalGrid:
    """The year-by-year workings for every option slot."""
    grid = AppraisalGrid(layout, ws.title, template)
    words = template.appraisal
    write_heading(ws, sheet.heading, words.intro)
    ws.column_dimensions["B"].width = 38
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 28
    costs = template.table("costs").year_span(layout.years)
    benefits = template.table("benefits").year_span(layout.years)
    rate_lookup = f"LOOKUP({{y}},{LONG_TERM_FROM},{LONG_TERM_RATE})"

    axis = words.axis
    _label(ws, ROW_YEAR, axis.year)
    _label(ws, ROW_FY, axis.financial_year)
    _label(ws, ROW_IN_PERIOD, axis.in_period)
    _label(ws, ROW_RATE, axis.rate)
    _label(ws, ROW_DF, axis.factor)
    for i, row in grid.row_scenario_df.items():
        _label(ws, row, axis.scenario_factor.format(scenario=grid.scenarios[i].name))
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

    f = template.formula
    _label(ws, grid.row_do_nothing, words.do_nothing)
    dn = _calc(ws, grid.row_do_nothing, 3, f('=IFERROR(INDEX({options:id},MATCH({yes},{options:do_nothing},0)),"")'))
    define_name(ws, "DoNothingID", dn.coordinate)
    _label(ws, grid.row_do_nothing + 1, words.preferred)
    pref = _calc(ws, grid.row_do_nothing + 1, 3, f('=IFERROR(INDEX({options:id},MATCH({yes},{options:preferred},0)),"")'))
    define_name(ws, "PreferredID", pref.coordinate)
    _label(ws, grid.row_do_nothing_net, words.do_nothing_net)
    cost_option, benefit_option = template.ref("costs", "option"), template.ref("benefits", "option")
    for t in range(grid.years):
        col = YEAR_COL + t
        c = get_column_letter(col)
        flows = (f"SUMIFS(INDEX({benefits},0,{c}${ROW_YEAR}+1),{benefit_option},DoNothingID)"
                 f"-SUMIFS(INDEX({costs},0,{c}${ROW_YEAR}+1),{cost_option},DoNothingID)*(1+OptimismBias)")
        _calc(ws, grid.row_do_nothing_net, col, f'=IF(DoNothingID="",0,({flows})*{c}${ROW_IN_PERIOD})', "money")

    for block in grid.blocks:
        _write_block(ws, grid, block, costs, benefits)
    finish_sheet(ws, freeze=f"{grid.first_letter}{ROW_FY + 1}")
    return grid


def _write_block(ws: Worksheet, grid: AppraisalGrid, block: OptionBlock, costs: str, benefits: str) -> None:
    template = grid.template
    labels = template.appraisal.option_rows
    top = block.top
    ws.cell(top, 1, block.slot).font = Font(color="808080")
    _label(ws, top, labels.option)
    option = f"$C${top}"
    ids, names = template.ref("options", "id"), template.ref("options", "name")
    cost_option, benefit_option = template.ref("costs", "option"), template.ref("benefits", "option")
    _calc(ws, top, 3, f'=IF(INDEX({ids},$A${top})="","",INDEX({ids},$A${top}))')
    name = _calc(ws, top, 4, f'=IF({option}="","",INDEX({names},$A${top}))')
    name.font = Font(bold=True)
    for key in BLOCK_ROWS:
        _label(ws, block.row(key), "  " + getattr(labels, key))
    r = {key: block.row(key) for key in BLOCK_ROWS}
    for t in range(grid.years):
        col = YEAR_COL + t
        c = get_column_letter(col)
        index = f"{c}${ROW_YEAR}+1"
        mask = f"{c}${ROW_IN_PERIOD}"
        _calc(ws, r["costs"], col,
              f'=IF({option}="",0,SUMIFS(INDEX({costs},0,{index}),{cost_option},{option})*(1+OptimismBias)*{mask})',
              "money")
        _calc(ws, r["benefits"], col,
              f'=IF({option}="",0,SUMIFS(INDEX({benefits},0,{index}),{benefit_option},{option})*{mask})', "money")
        _calc(ws, r['net'], col, f"={c}{r['benefits']}-{c}{r['costs']}", "money")
        _calc(ws, r["net_vs_do_nothing"], col,
              f'=IF({option}="",0,{c}{r["net"]}-{c}${grid.row_do_nothing_net})', "money")
        _calc(ws, r['discounted'], col, f"={c}{r['net_vs_do_nothing']}*{c}${ROW_DF}", "money")
        _calc(ws, r['cumulative'], col, f"=SUM(${grid.first_letter}{r['discounted']}:{c}{r['discounted']})",
              "money")
        _calc(ws, r["paid_back"], col,
              f'=IF(AND({option}<>"",{option}<>DoNothingID,{mask}=1,{c}{r["cumulative"]}>=0),{c}${ROW_YEAR},"")',
              "integer")


def write_results_sheet(ws: Worksheet, sheet: Sheet, grid: AppraisalGrid, charted: int) -> None:
    """The Results table, the sensitivity table and the two charts (of the first ``charted`` options)."""
    words = grid.template.results
    write_heading(ws, sheet.heading, words.intro)
    header = 4
    first_col = FIRST_COLUMN
    columns = words.columns
    for offset, column in enumerate(columns):
        ws.column_dimensions[get_column_letter(first_col + offset)].width = column.width
    header_row(ws, header, first_col, [c.header for c in columns])
    col = {c.figure: get_column_letter(first_col + i) for i, c in enumerate(columns)}
    df = grid.span(ROW_DF)
    for block in grid.blocks:
        row = header + block.slot
        opt = f"${col['id']}{row}"
        rows = block.row
        pv_c, pv_b, npv_dn = (f"${col[h]}{row}" for h in ("pv_costs", "pv_benefits", "npv_vs_do_nothing"))
        not_dn = f'OR({opt}="",{opt}=DoNothingID)'
        paid_back = grid.span(rows("paid_back"))
        formulas = {
            "id": f"={grid.cell(3, block.top)}",
            "name": f"={grid.cell(4, block.top)}",
            "pv_costs": f'=IF({opt}="","",SUMPRODUCT({grid.span(rows("costs"))},{df}))',
            "pv_benefits": f'=IF({opt}="","",SUMPRODUCT({grid.span(rows("benefits"))},{df}))',
            "npv": f'=IF({opt}="","",{pv_b}-{pv_c})',
            "npv_vs_do_nothing": f'=IF({opt}="","",SUMPRODUCT({grid.span(rows("net_vs_do_nothing"))},{df}))',
            "bcr": f'=IF({opt}="","",IF({pv_c}=0,"",{pv_b}/{pv_c}))',
            "discounted_payback_year": f'=IF({not_dn},"",IF(COUNT({paid_back})=0,"",MIN({paid_back})))',
            "cost_switching_value": f'=IF({not_dn},"",IF({pv_c}=0,"",{npv_dn}/{pv_c}))',
            "benefit_switching_value": f'=IF({not_dn},"",IF({pv_b}=0,"",{npv_dn}/{pv_b}))',
        }
        for offset, column in enumerate(columns):
            cell = ws.cell(row, first_col + offset, formulas[column.figure])
            cell.style = OUTPUT if column.highlight else CALC
            if column.format != "text":
                cell.number_format = NUMBER_FORMATS[column.format]
    last = header + len(grid.blocks)
    add_table(ws, words.table, f"{col['id']}{header}:{get_column_letter(first_col + len(columns) - 1)}{last}")
    sens_header = last + 3
    _write_sensitivity(ws, grid, sens_header, col, header)
    _charts(ws, grid, header, header + charted, sens_header + len(grid.blocks) + 3)
    finish_sheet(ws, freeze="A5")


def sensitivity_headers(template: Template) -> tuple[str, ...]:
    """The Sensitivity table's header row: option, base case, then one column per scenario."""
    words = template.results
    return (words.sensitivity_option, words.sensitivity_base, *(s.name for s in reference.sensitivity_scenarios()))


def _write_sensitivity(ws: Worksheet, grid: AppraisalGrid, header: int, col: dict[str, str], results_header: int) -> None:
    """NPV vs do nothing under each scenario, changing only the option's own flows."""
    words = grid.template.results
    ws.cell(header - 1, FIRST_COLUMN, words.sensitivity_heading).style = SUBHEADING
    headers = sensitivity_headers(grid.template)
    header_row(ws, header, FIRST_COLUMN, headers)
    df = grid.span(ROW_DF)
    for block in grid.blocks:
        row = header + block.slot
        res = results_header + block.slot
        opt = f"${get_column_letter(FIRST_COLUMN)}{row}"
        base = f"${get_column_letter(FIRST_COLUMN + 1)}{row}"
        benefits_row = block.row("benefits")
        cells = [f"=${col['id']}{res}", f'=IF({opt}="","",${col["npv_vs_do_nothing"]}{res})']
        for i, scenario in enumerate(grid.scenarios):
            value = sensitivity_name(i)
            if scenario.kind == "costs_change":
                expr = f"{base}-{value}*${col['pv_costs']}{res}"
            elif scenario.kind == "benefits_change":
                expr = f"{base}+{value}*${col['pv_benefits']}{res}"
            elif scenario.kind == "benefits_delay":
                lag = int(scenario.value)
                shifted = (f"SUMPRODUCT({grid.span(benefits_row, 0, grid.years - lag)},{grid.span(ROW_DF, lag)},"
                           f"{grid.span(ROW_IN_PERIOD, lag)})") if lag < grid.years else "0"
                expr = f"{base}-SUMPRODUCT({grid.span(benefits_row)},{df})+{shifted}"
            else:
                expr = f"SUMPRODUCT({grid.span(block.row('net_vs_do_nothing'))},{grid.span(grid.row_scenario_df[i])})"
            cells.append(f'=IF(OR({opt}="",{opt}=DoNothingID),"",{expr})')
        for offset, formula in enumerate(cells):
            cell = ws.cell(row, FIRST_COLUMN + offset, formula)
            cell.style = CALC
            if offset:
                cell.number_format = NUMBER_FORMATS["money"]
    last_col = get_column_letter(FIRST_COLUMN + len(headers) - 1)
    add_table(ws, words.sensitivity_table,
              f"{get_column_letter(FIRST_COLUMN)}{header}:{last_col}{header + len(grid.blocks)}")


def _charts(ws: Worksheet, grid: AppraisalGrid, header: int, last: int, anchor_row: int) -> None:
    """Cumulative discounted net benefit vs do nothing by year, and PV costs against PV benefits."""
    template = grid.template
    appraisal = ws.parent[grid.sheet]
    line = LineChart()
    line.title = template.results.cumulative_chart
    line.y_axis.title = "£ (present value)"
    line.x_axis.title = template.appraisal.axis.financial_year
    line.x_axis.tickLblPos = "low"  # year labels below the plot, not across it at zero
    line.height, line.width = 9, 18
    for block in grid.blocks[: last - header]:
        row = block.row("cumulative")
        values = Reference(appraisal, min_col=YEAR_COL, max_col=YEAR_COL + grid.years - 1, min_row=row, max_row=row)
        line.add_data(values, from_rows=True, titles_from_data=False)
        line.series[-1].tx = SeriesLabel(strRef=StrRef(f=grid.cell(3, block.top)))
    line.set_categories(Reference(appraisal, min_col=YEAR_COL, max_col=YEAR_COL + grid.years - 1,
                                  min_row=ROW_FY, max_row=ROW_FY))
    ws.add_chart(line, f"B{anchor_row}")

    bar = BarChart()
    bar.type = "col"
    bar.title = template.results.pv_chart
    bar.y_axis.title = "£ (present value)"
    bar.height, bar.width = 9, 14
    figures = [c.figure for c in template.results.columns]
    c_first = FIRST_COLUMN + figures.index("pv_costs")
    data = Reference(ws, min_col=c_first, max_col=c_first + 1, min_row=header, max_row=last)
    bar.add_data(data, titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=FIRST_COLUMN, min_row=header + 1, max_row=last))
    ws.add_chart(bar, f"H{anchor_row}")


def _label(ws: Worksheet, row: int, text: str) -> None:
    ws.cell(row, 2, text).style = LABEL


def _calc(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    cell = ws.cell(row, col, value)
    cell.style = CALC
    if fmt:
        cell.number_format = NUMBER_FORMATS[fmt]
    return cell
