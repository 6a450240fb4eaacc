"""The Appraisal sheet: the Green Book appraisal (version 2) as live formulas, year by year.

FAST layout: one time axis across the columns from E, the same formula along each row, every
rate and year taken from the named inputs. Every option slot reads one row of the Options table
and is measured against the do-nothing option, exactly as xlcase.appraisal computes it; the tests
recalculate this sheet in LibreOffice and compare every figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from xlcase import reference
from xlcase.model import DRIVERS
from xlcase.conventions import HEALTH_CLASS
from xlcase.reference import HEALTH_SCHEDULE, STANDARD_SCHEDULE
from xlcase.template import Sheet, Template
from xlcase.writer.cells import define_name, financial_year_formula, put_style
from xlcase.writer.fit import text_width
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.inputs_sheet import PAYBACK_TOLERANCE_NAME, RATE_FROM, schedule_name
from xlcase.writer.layout import Layout
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS

YEAR_COL = 5  # column E: first year of the time axis
ROW_YEAR, ROW_FY, ROW_IN_PERIOD = 4, 5, 6
FLOW_ROWS = ("costs", "benefits", "health_benefits", "net", "delta_costs", "delta_benefits", "delta_health",
             "incremental_costs", "savings", "discounted", "cumulative", "lowest_ahead", "paid_back",
             *(f"{part}:{driver}" for driver in DRIVERS for part in ("driven_net", "driven_health")))
BLOCK_HEIGHT = 2 + len(FLOW_ROWS) + 1  # the option row, its optimism bias, the flows, a blank row


@dataclass(frozen=True)
class OptionBlock:
    """Rows of one option slot on the Appraisal sheet (slot k reads row k of the Options table)."""

    slot: int
    top: int

    @property
    def bias_row(self) -> int:
        return self.top + 1

    def row(self, key: str) -> int:
        """The row of one of the block's flows, by its key in the template's option_rows."""
        return self.top + 2 + FLOW_ROWS.index(key)


class AppraisalGrid:
    """Cell addresses on the Appraisal sheet shared by the Results, Sensitivity and chart writers."""

    def __init__(self, layout: Layout, sheet: str, template: Template) -> None:
        self.years = layout.years
        self.sheet = sheet
        self.template = template
        self.options = layout.tables["options"].rows
        self.scenarios = reference.sensitivity_scenarios()
        schedules = [STANDARD_SCHEDULE, HEALTH_SCHEDULE]
        schedules += sorted({s.schedule for s in self.scenarios if s.schedule} - set(schedules))
        # Each schedule has a rate row and a factor row, from row 7 on.
        self.rate_row = {name: ROW_IN_PERIOD + 1 + 2 * i for i, name in enumerate(schedules)}
        self.factor_row = {name: row + 1 for name, row in self.rate_row.items()}
        below_axis = max(self.factor_row.values()) + 2
        self.row_do_nothing, self.row_preferred = below_axis, below_axis + 1
        self.row_dn_bias = below_axis + 2
        self.row_dn = {"costs": below_axis + 3, "benefits": below_axis + 4, "health_benefits": below_axis + 5}
        driven = [key for key in FLOW_ROWS if ":" in key]
        self.row_dn_driven = {key: below_axis + 6 + i for i, key in enumerate(driven)}
        first_block = below_axis + 7 + len(driven)
        self.blocks = [OptionBlock(k + 1, first_block + k * BLOCK_HEIGHT) for k in range(self.options)]

    @property
    def first_letter(self) -> str:
        return get_column_letter(YEAR_COL)

    def span(self, row: int, start: int = 0, stop: int | None = None) -> str:
        """A sheet-qualified absolute range of one row over years start..stop-1."""
        stop = self.years if stop is None else stop
        a, b = get_column_letter(YEAR_COL + start), get_column_letter(YEAR_COL + stop - 1)
        return f"{quote_sheetname(self.sheet)}!${a}${row}:${b}${row}"

    def factors(self, schedule: str = STANDARD_SCHEDULE, start: int = 0, stop: int | None = None) -> str:
        return self.span(self.factor_row[schedule], start, stop)

    def cell(self, col: int, row: int) -> str:
        return f"{quote_sheetname(self.sheet)}!${get_column_letter(col)}${row}"


def write_appraisal_sheet(ws: Worksheet, sheet: Sheet, template: Template, layout: Layout,
                          printed: int = 0) -> AppraisalGrid:
    """The year-by-year workings for every option slot.

    Each option's block starts a printed page, under the year rows; the blocks of the first ``printed``
    option slots are printed (all of them when 0).
    """
    grid = AppraisalGrid(layout, ws.title, template)
    words = template.appraisal
    write_heading(ws, sheet.heading, words.intro)
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 30
    _write_axis(ws, grid)
    _write_do_nothing(ws, grid)
    for block in grid.blocks:
        _write_block(ws, grid, block)
    labels = [ws.cell(row, 2).value for row in range(ROW_YEAR, ws.max_row + 1)]
    ws.column_dimensions["B"].width = max(text_width(str(t), bold=True) for t in labels if t)  # labels on one line
    for row in range(ROW_YEAR, ws.max_row + 1):
        ws.cell(row, 2).alignment = Alignment(wrap_text=False, vertical="top")
    shown = grid.blocks[:printed] if printed else grid.blocks
    finish_sheet(ws, freeze=f"{grid.first_letter}{ROW_FY + 1}", title_rows=(1, ROW_FY),
                 last_row=shown[-1].top + BLOCK_HEIGHT - 2, breaks=[block.top for block in grid.blocks])
    return grid


def _write_axis(ws: Worksheet, grid: AppraisalGrid) -> None:
    """Year index, financial year, the period mask, and each discount schedule's rates and factors."""
    axis = grid.template.appraisal.axis
    _label(ws, ROW_YEAR, axis.year)
    _label(ws, ROW_FY, axis.financial_year)
    _label(ws, ROW_IN_PERIOD, axis.in_period)
    titles = {STANDARD_SCHEDULE: (axis.rate, axis.factor), HEALTH_SCHEDULE: (axis.health_rate, axis.health_factor)}
    for name, row in grid.rate_row.items():
        scenario = next((s.name for s in grid.scenarios if s.schedule == name), name)
        rate_label, factor_label = titles.get(name, (axis.scenario_rate.format(scenario=scenario),
                                                     axis.scenario_factor.format(scenario=scenario)))
        _label(ws, row, rate_label)
        _label(ws, grid.factor_row[name], factor_label)
    for t in range(grid.years):
        col = YEAR_COL + t
        c, prev = get_column_letter(col), get_column_letter(col - 1)
        year = f"{c}${ROW_YEAR}"
        _calc(ws, ROW_YEAR, col, 0 if t == 0 else f"={prev}{ROW_YEAR}+1", "integer")
        _calc(ws, ROW_FY, col, financial_year_formula(year)).font = Font(bold=True)
        _calc(ws, ROW_IN_PERIOD, col, f"=IF({year}<AppraisalYears,1,0)", "integer")
        for name, row in grid.rate_row.items():
            _calc(ws, row, col, f"=LOOKUP({year},{RATE_FROM},{schedule_name(name)})", "rate")
            factor = grid.factor_row[name]
            _calc(ws, factor, col, f"=IF({year}=0,1,{prev}{factor}/(1+{c}{row}))", "factor")


def _flows(grid: AppraisalGrid, option: str, year_col: str) -> dict[str, str]:
    """SUMIFS of one option's costs, standard benefits and health benefits in one year (before optimism bias)."""
    template = grid.template
    costs = template.table("costs").year_span(grid.years)
    benefits = template.table("benefits").year_span(grid.years)
    index = f"{year_col}${ROW_YEAR}+1"
    health = template.formula(f"{{label:benefit_class:{HEALTH_CLASS}}}")
    by_option = f"{template.ref('benefits', 'option')},{option}"
    benefit_class = template.ref("benefits", "category")
    workforce = template.workforce_costs
    generated = f"{workforce.table}[[{workforce.year(0)}]:[{workforce.year(grid.years - 1)}]]"
    cost = template.formula("{label:cost_measure:cost}")
    return {
        "costs": (f"(SUMIFS(INDEX({costs},0,{index}),{template.ref('costs', 'option')},{option})"
                  f"+SUMIFS(INDEX({generated},0,{index}),{workforce.table}[{workforce.header('option')}],{option},"
                  f"{workforce.table}[{workforce.header('measure')}],{cost}))"),
        "benefits": f'SUMIFS(INDEX({benefits},0,{index}),{by_option},{benefit_class},"<>"&{health})',
        "health_benefits": f"SUMIFS(INDEX({benefits},0,{index}),{by_option},{benefit_class},{health})",
    }


def _driven_formulas(option: str, bias: str, grid: AppraisalGrid, year_col: str, mask: str) -> dict[str, str]:
    """Each driver's rows for one option and year: its lines naming the driver (standard net, health)."""
    out = {}
    for driver in DRIVERS:
        named = _driven(grid, option, year_col, driver)
        out[f"driven_net:{driver}"] = f'=({named["benefits"]}-{named["costs"]}*(1+{bias}))*{mask}'
        out[f"driven_health:{driver}"] = f'={named["health_benefits"]}*{mask}'
    return out


def _driven(grid: AppraisalGrid, option: str, year_col: str, driver: str) -> dict[str, str]:
    """SUMIFS of one option's typed lines that name a driver in their Drivers column, in one year."""
    template = grid.template
    index = f"{year_col}${ROW_YEAR}+1"
    costs = template.table("costs").year_span(grid.years)
    benefits = template.table("benefits").year_span(grid.years)
    health = template.formula(f"{{label:benefit_class:{HEALTH_CLASS}}}")
    named = '"*"&' + template.formula(f"{{label:driver:{driver}}}") + '&"*"'  # the label among others
    cost_lines = f"{template.ref('costs', 'option')},{option},{template.ref('costs', 'drivers')},{named}"
    benefit_lines = (f"{template.ref('benefits', 'option')},{option},{template.ref('benefits', 'drivers')},{named},"
                     f"{template.ref('benefits', 'category')}")
    return {
        "costs": f"SUMIFS(INDEX({costs},0,{index}),{cost_lines})",
        "benefits": f'SUMIFS(INDEX({benefits},0,{index}),{benefit_lines},"<>"&{health})',
        "health_benefits": f"SUMIFS(INDEX({benefits},0,{index}),{benefit_lines},{health})",
    }


def _write_do_nothing(ws: Worksheet, grid: AppraisalGrid) -> None:
    """The do-nothing and preferred option IDs, and the do-nothing option's flows every option is compared with."""
    template = grid.template
    words = template.appraisal
    f = template.formula
    _label(ws, grid.row_do_nothing, words.do_nothing)
    dn = _calc(ws, grid.row_do_nothing, 3, f('=IFERROR(INDEX({options:id},MATCH({yes},{options:do_nothing},0)),"")'))
    define_name(ws, "DoNothingID", dn.coordinate)
    _label(ws, grid.row_preferred, words.preferred)
    pref = _calc(ws, grid.row_preferred, 3, f('=IFERROR(INDEX({options:id},MATCH({yes},{options:preferred},0)),"")'))
    define_name(ws, "PreferredID", pref.coordinate)
    _label(ws, grid.row_dn_bias, words.do_nothing_optimism_bias)
    own = f("INDEX({options:optimism_bias},MATCH({yes},{options:do_nothing},0))")
    _calc(ws, grid.row_dn_bias, 3, f'=IF(DoNothingID="",0,IF(ISNUMBER({own}),{own},0))', "percent")
    labels = {"costs": words.do_nothing_costs, "benefits": words.do_nothing_benefits,
              "health_benefits": words.do_nothing_health}
    for key, row in grid.row_dn.items():
        _label(ws, row, labels[key])
    rows = template.appraisal.option_rows
    for key, row in grid.row_dn_driven.items():
        part, _, driver = key.partition(":")
        _label(ws, row, f"{words.do_nothing_driven_prefix}{getattr(rows, part).format(driver=template.label('driver', driver))}")
    bias = f"$C${grid.row_dn_bias}"
    for t in range(grid.years):
        col = YEAR_COL + t
        c = get_column_letter(col)
        mask = f"{c}${ROW_IN_PERIOD}"
        flows = _flows(grid, "DoNothingID", c)
        for key, row in grid.row_dn.items():
            uplift = f"*(1+{bias})" if key == "costs" else ""
            _calc(ws, row, col, f'=IF(DoNothingID="",0,{flows[key]}{uplift}*{mask})', "money")
        for key, formula in _driven_formulas("DoNothingID", bias, grid, c, mask).items():
            _calc(ws, grid.row_dn_driven[key], col, f'=IF(DoNothingID="",0,{formula[1:]})', "money")


def _write_block(ws: Worksheet, grid: AppraisalGrid, block: OptionBlock) -> None:
    """One option's flows, its differences from doing nothing, their discounted sum and its payback."""
    template = grid.template
    labels = template.appraisal.option_rows
    f = template.formula
    top = block.top
    ws.cell(top, 1, block.slot).font = Font(color="808080")
    _label(ws, top, labels.option)
    option = f"$C${top}"
    slot = f"$A${top}"
    _calc(ws, top, 3, f(f'=IF(INDEX({{options:id}},{slot})="","",INDEX({{options:id}},{slot}))'))
    name = _calc(ws, top, 4, f(f'=IF({option}="","",INDEX({{options:name}},{slot}))'))
    name.font = Font(bold=True)
    _label(ws, block.bias_row, "  " + labels.optimism_bias)
    own = f(f"INDEX({{options:optimism_bias}},{slot})")
    is_dn = f(f"INDEX({{options:do_nothing}},{slot})={{yes}}")
    _calc(ws, block.bias_row, 3, f'=IF({option}="","",IF(ISNUMBER({own}),{own},IF({is_dn},0,OptimismBias)))',
          "percent")
    bias = f"$C${block.bias_row}"
    for key in FLOW_ROWS:
        part, _, driver = key.partition(":")
        text = getattr(labels, part).format(driver=template.label("driver", driver)) if driver else getattr(labels, key)
        _label(ws, block.row(key), "  " + text)
    r = {key: block.row(key) for key in FLOW_ROWS}
    dn = grid.row_dn
    df, dfh = grid.factor_row[STANDARD_SCHEDULE], grid.factor_row[HEALTH_SCHEDULE]
    last = get_column_letter(YEAR_COL + grid.years - 1)
    for t in range(grid.years):
        col = YEAR_COL + t
        c, nxt = get_column_letter(col), get_column_letter(col + 1)
        mask = f"{c}${ROW_IN_PERIOD}"
        flows = _flows(grid, option, c)
        formulas = {
            "costs": f'=IF({option}="",0,{flows["costs"]}*(1+{bias})*{mask})',
            "benefits": f'=IF({option}="",0,{flows["benefits"]}*{mask})',
            "health_benefits": f'=IF({option}="",0,{flows["health_benefits"]}*{mask})',
            "net": f"={c}{r['benefits']}+{c}{r['health_benefits']}-{c}{r['costs']}",
            "delta_costs": f'=IF({option}="",0,{c}{r["costs"]}-{c}${dn["costs"]})',
            "delta_benefits": f'=IF({option}="",0,{c}{r["benefits"]}-{c}${dn["benefits"]})',
            "delta_health": f'=IF({option}="",0,{c}{r["health_benefits"]}-{c}${dn["health_benefits"]})',
            "incremental_costs": f"=MAX({c}{r['delta_costs']},0)",
            "savings": f"=MAX(-{c}{r['delta_costs']},0)",
            "discounted": (f"=({c}{r['delta_benefits']}-{c}{r['delta_costs']})*{c}${df}"
                           f"+{c}{r['delta_health']}*{c}${dfh}"),
            "cumulative": (f"={c}{r['discounted']}" if t == 0
                           else f"={get_column_letter(col - 1)}{r['cumulative']}+{c}{r['discounted']}"),
            "lowest_ahead": (f"={c}{r['cumulative']}" if t == grid.years - 1
                             else f"=MIN({c}{r['cumulative']},{nxt}{r['lowest_ahead']})"),
            "paid_back": (f'=IF(AND({option}<>"",{option}<>DoNothingID,{mask}=1,'
                          f"SUMPRODUCT(ABS(${grid.first_letter}{r['delta_costs']}:${last}{r['delta_health']}))>0,"
                          f'{c}{r["lowest_ahead"]}>=-{PAYBACK_TOLERANCE_NAME}),{c}${ROW_YEAR},"")'),
        }
        formulas.update({key: f'=IF({option}="",0,{formula[1:]})'
                         for key, formula in _driven_formulas(option, bias, grid, c, mask).items()})
        for key in FLOW_ROWS:
            _calc(ws, r[key], col, formulas[key], "integer" if key == "paid_back" else "money")


def _label(ws: Worksheet, row: int, text: str) -> None:
    put_style(ws.cell(row, 2, text), LABEL)


def _calc(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    cell = ws.cell(row, col, value)
    put_style(cell, CALC)
    if fmt:
        cell.number_format = NUMBER_FORMATS[fmt]
    return cell
