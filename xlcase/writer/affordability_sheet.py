"""The Affordability sheet: the financial case by option and financial year, in cash, as live formulas.

One row per option slot (as on the Appraisal sheet) and year; its real-terms workings sit in the
columns on the right, so that the reconciliation below can take the economic case's net benefit to
the financial case's net impact step by step. The figures are xlcase.financial's; the tests
recalculate the sheet in LibreOffice and compare.
"""

from __future__ import annotations

from openpyxl.chart import LineChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.conventions import CASH_RELEASING
from xlcase.template import Sheet, Template
from xlcase.writer.appraisal_sheet import ROW_IN_PERIOD, YEAR_COL, AppraisalGrid
from xlcase.writer.cells import add_table, financial_year_formula, header_row, put_style
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.inputs_sheet import RECONCILIATION_TOLERANCE
from xlcase.writer.layout import FIRST_COLUMN
from xlcase.writer.styles import CALC, NUMBER_FORMATS, OUTPUT, SUBHEADING

HEADER = 4
MONEY_AXIS = "£ (cash)"


def write_affordability_sheet(ws: Worksheet, sheet: Sheet, grid: AppraisalGrid, charted: int) -> None:
    """The Affordability table, the reconciliation with the economic case, and the cumulative chart."""
    template = grid.template
    words = template.affordability
    write_heading(ws, sheet.heading, words.intro)
    columns = words.columns
    for offset, column in enumerate(columns):
        ws.column_dimensions[get_column_letter(FIRST_COLUMN + offset)].width = column.width
    header_row(ws, HEADER, FIRST_COLUMN, [c.header for c in columns])
    col = {c.figure: get_column_letter(FIRST_COLUMN + i) for i, c in enumerate(columns)}
    sums = _Sums(template, grid)
    row = HEADER + 1
    for block in grid.blocks:
        for t in range(grid.years):
            formulas = sums.row(block, t, {figure: f"${letter}{row}" for figure, letter in col.items()})
            for offset, column in enumerate(columns):
                cell = ws.cell(row, FIRST_COLUMN + offset, formulas[column.figure])
                put_style(cell, OUTPUT if column.highlight else CALC)
                if column.format != "text":
                    cell.number_format = NUMBER_FORMATS[column.format]
            row += 1
    last_col = get_column_letter(FIRST_COLUMN + len(columns) - 1)
    add_table(ws, words.table, f"{get_column_letter(FIRST_COLUMN)}{HEADER}:{last_col}{row - 1}")
    reconciliation_top = row + 2
    _write_reconciliation(ws, grid, reconciliation_top)
    _chart(ws, grid, col, charted, reconciliation_top + len(grid.blocks) + 3)
    finish_sheet(ws, freeze=f"{col['pay']}{HEADER + 1}")
    if charted < len(grid.blocks):  # print the filled options' rows, then the reconciliation and chart
        last = get_column_letter(ws.max_column)
        ws.print_area = [f"A1:{last}{HEADER + charted * grid.years}", f"A{reconciliation_top - 1}:{last}{ws.max_row + 20}"]


class _Sums:
    """SUMIFS over the typed and generated lines of one option in one year, as xlcase.financial sums them."""

    def __init__(self, template: Template, grid: AppraisalGrid) -> None:
        self.t = template
        self.grid = grid
        wf = template.workforce_costs
        self.wf = wf
        self.wf_span = f"{wf.table}[[{wf.year(0)}]:[{wf.year(grid.years - 1)}]]"
        self.labels = {key: template.formula(f"{{label:{name}:{key}}}")
                       for name, keys in (("cost_kind", ("pay", "non_pay")),
                                          ("cost_measure", ("cost", "central_pension", "funding")))
                       for key in keys}

    def _wf(self, column: str) -> str:
        return f"{self.wf.table}[{self.wf.header(column)}]"

    def typed(self, option: str, index: str, kind: str, continuing: bool = False) -> str:
        """Typed cost lines of the option, pay or non-pay (and only those that continue)."""
        costs = self.t.table("costs")
        extra = f",{self.t.ref('costs', 'continues')},{self.t.formula('{yes}')}" if continuing else ""
        return (f"SUMIFS(INDEX({costs.year_span(self.grid.years)},0,{index}),{self.t.ref('costs', 'option')},{option},"
                f"{self.t.ref('costs', 'cost_kind')},{self.labels[kind]}{extra})")

    def generated(self, option: str, index: str, measure: str, kind: str | None = None,
                  continuing: bool = False) -> str:
        """Workforce plan lines of the option of one measure (cost, central pension, funding)."""
        criteria = f"{self._wf('option')},{option},{self._wf('measure')},{self.labels[measure]}"
        if kind:
            criteria += f",{self._wf('kind')},{self.labels[kind]}"
        if continuing:
            criteria += f",{self._wf('continues')},{self.t.formula('{yes}')}"
        return f"SUMIFS(INDEX({self.wf_span},0,{index}),{criteria})"

    def row(self, block, t: int, at: dict[str, str]) -> dict[str, str]:
        grid, t_ = self.grid, self.t
        option = grid.cell(3, block.top)
        index = str(t + 1)
        mask = grid.cell(YEAR_COL + t, ROW_IN_PERIOD)
        bias = grid.cell(3, block.bias_row)
        base_prices = 'IF(LEN(PriceBaseYear)=0,BaseYear,PriceBaseYear)'
        benefits = t_.table("benefits")
        cash_label = t_.formula(f"{{label:benefit_class:{CASH_RELEASING}}}")
        funding = t_.table("funding")
        table = t_.affordability.table
        vs = f"{table}[{t_.affordability.header('net_impact_vs_do_nothing')}]"
        net = f"{table}[{t_.affordability.header('net_impact')}]"
        ids = f"{table}[{t_.affordability.header('id')}]"
        years = f"{table}[{t_.affordability.header('year')}]"
        recurrent = (f"(({self.typed(option, index, 'pay', True)}+{self.generated(option, index, 'cost', 'pay', True)}"
                     f"-{self.generated(option, index, 'central_pension', 'pay', True)})*{at['pay_index']}"
                     f"+({self.typed(option, index, 'non_pay', True)}+{self.generated(option, index, 'cost', 'non_pay', True)})"
                     f"*{at['non_pay_index']})*{mask}")
        figures = {
            "id": f"={option}",
            "year": str(t),
            "financial_year": financial_year_formula(f"{at['year']}"),
            "pay_real": (f"({self.typed(option, index, 'pay')}+{self.generated(option, index, 'cost', 'pay')})"
                         f"*{mask}"),
            "central_real": f"{self.generated(option, index, 'central_pension', 'pay')}*{mask}",
            "non_pay_real": (f"({self.typed(option, index, 'non_pay')}+{self.generated(option, index, 'cost', 'non_pay')})"
                             f"*{mask}"),
            "cash_releasing_real": (f"SUMIFS(INDEX({benefits.year_span(grid.years)},0,{index}),"
                                    f"{t_.ref('benefits', 'option')},{option},{t_.ref('benefits', 'category')},"
                                    f"{cash_label})*{mask}"),
            "optimism_bias_real": f"{bias}*({at['pay_real']}+{at['non_pay_real']})",
            "pay_index": f"(1+PayAward)^(BaseYear+{at['year']}-{base_prices})",
            "non_pay_index": f"(1+NonPayInflation)^(BaseYear+{at['year']}-{base_prices})",
            "central_cash": f"{at['central_real']}*{at['pay_index']}",
            "pay": f"({at['pay_real']}-{at['central_real']})*{at['pay_index']}",
            "non_pay": f"{at['non_pay_real']}*{at['non_pay_index']}",
            "total_costs": f"{at['pay']}+{at['non_pay']}",
            "recurrent_costs": recurrent,
            "non_recurrent_costs": f"{at['total_costs']}-{at['recurrent_costs']}",
            "funding": (f"({self.generated(option, index, 'funding')}*{at['non_pay_index']}"
                        f"+SUMIFS(INDEX({funding.year_span(grid.years)},0,{index}),{t_.ref('funding', 'option')},"
                        f"{option}))*{mask}"),
            "cash_releasing_benefits": f"{at['cash_releasing_real']}*{at['pay_index']}",
            "net_impact": f"{at['funding']}+{at['cash_releasing_benefits']}-{at['total_costs']}",
            "net_impact_vs_do_nothing": (f'IF(DoNothingID="",{at["net_impact"]},{at["net_impact"]}'
                                         f"-SUMIFS({net},{ids},DoNothingID,{years},{at['year']}))"),
            "cumulative_vs_do_nothing": f'SUMIFS({vs},{ids},{at["id"]},{years},"<="&{at["year"]})',
        }
        blank = f'{option}=""'
        out = {}
        for figure, formula in figures.items():
            if figure in ("id", "year", "financial_year"):
                out[figure] = formula if formula.startswith("=") else int(formula)
            else:
                out[figure] = f'=IF({blank},"",{formula})'
        return out


def _write_reconciliation(ws: Worksheet, grid: AppraisalGrid, top: int) -> None:
    """From the economic case's net benefit vs do nothing (real, undiscounted) to the financial case's net impact."""
    template = grid.template
    words = template.affordability
    put_style(ws.cell(top - 1, FIRST_COLUMN, words.reconciliation_heading), SUBHEADING)
    columns = words.reconciliation_columns
    header_row(ws, top, FIRST_COLUMN, [c.header for c in columns])
    table = words.table
    ids = f"{table}[{words.header('id')}]"

    def total(figure: str, option: str) -> str:
        return f"SUMIFS({table}[{words.header(figure)}],{ids},{option})"

    def against(figure: str, option: str) -> str:
        return f'({total(figure, option)}-IF(DoNothingID="",0,{total(figure, "DoNothingID")}))'

    for block in grid.blocks:
        row = top + block.slot
        option = grid.cell(3, block.top)
        rows = {key: grid.span(block.row(key)) for key in ("delta_costs", "delta_benefits", "delta_health")}
        at = {c.figure: f"${get_column_letter(FIRST_COLUMN + i)}{row}" for i, c in enumerate(columns)}
        economic_benefits = f"SUM({rows['delta_benefits']})+SUM({rows['delta_health']})"
        figures = {
            "id": f"={option}",
            "economic_net_benefit_vs_do_nothing": f"{economic_benefits}-SUM({rows['delta_costs']})",
            "less_non_cash_benefits": f"-({economic_benefits}-{against('cash_releasing_real', option)})",
            "add_optimism_bias": against("optimism_bias_real", option),
            "add_pension_paid_centrally": against("central_cash", option),
            "add_funding": against("funding", option),
            "inflation_to_cash": (f"{against('cash_releasing_benefits', option)}-{against('cash_releasing_real', option)}"
                                  f"-({against('pay', option)}+{against('central_cash', option)}"
                                  f"-{against('pay_real', option)})-({against('non_pay', option)}"
                                  f"-{against('non_pay_real', option)})"),
            "financial_net_impact_vs_do_nothing": total("net_impact_vs_do_nothing", option),
            "difference": (f"{at['economic_net_benefit_vs_do_nothing']}+{at['less_non_cash_benefits']}"
                           f"+{at['add_optimism_bias']}+{at['add_pension_paid_centrally']}+{at['add_funding']}"
                           f"+{at['inflation_to_cash']}-{at['financial_net_impact_vs_do_nothing']}"),
        }
        for offset, column in enumerate(columns):
            formula = figures[column.figure]
            value = formula if column.figure == "id" else f'=IF({option}="","",{formula})'
            cell = ws.cell(row, FIRST_COLUMN + offset, value)
            put_style(cell, OUTPUT if column.highlight else CALC)
            if column.format != "text":
                cell.number_format = NUMBER_FORMATS[column.format]
    last_col = get_column_letter(FIRST_COLUMN + len(columns) - 1)
    add_table(ws, words.reconciliation_table,
              f"{get_column_letter(FIRST_COLUMN)}{top}:{last_col}{top + len(grid.blocks)}")


def reconciliation_check(template: Template) -> str:
    """The Checks sheet's formula: every option's reconciliation difference within the rounding tolerance."""
    words = template.affordability
    column = next(c.header for c in words.reconciliation_columns if c.figure == "difference")
    differences = f"{words.reconciliation_table}[{column}]"
    return (f'COUNTIF({differences},">"&{RECONCILIATION_TOLERANCE})'
            f'+COUNTIF({differences},"<"&-{RECONCILIATION_TOLERANCE})=0')


def _chart(ws: Worksheet, grid: AppraisalGrid, col: dict[str, str], charted: int, anchor_row: int) -> None:
    """The cumulative net impact vs do nothing by financial year, one line per option (named, not by ID)."""
    words = grid.template.affordability
    chart = LineChart()
    chart.title = words.chart
    chart.y_axis.title = MONEY_AXIS
    chart.x_axis.title = grid.template.appraisal.axis.financial_year
    chart.x_axis.tickLblPos = "low"
    chart.height, chart.width = 9, 18
    column = FIRST_COLUMN + list(col).index("cumulative_vs_do_nothing")
    fy = FIRST_COLUMN + list(col).index("financial_year")
    for block in grid.blocks[:charted]:
        first = HEADER + 1 + (block.slot - 1) * grid.years
        chart.add_data(Reference(ws, min_col=column, min_row=first, max_row=first + grid.years - 1),
                       titles_from_data=False)
        series = chart.series[-1]
        series.tx = SeriesLabel(strRef=StrRef(f=grid.cell(4, block.top)))
        series.smooth = False
    chart.set_categories(Reference(ws, min_col=fy, min_row=HEADER + 1, max_row=HEADER + grid.years))
    ws.add_chart(chart, f"B{anchor_row}")
