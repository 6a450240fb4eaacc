"""The Results sheet: the Results and Sensitivity tables, the preferred option's tornado, and three charts.

Every figure is a formula over the Appraisal sheet's rows (appraisal version 2: measured against
doing nothing); headers, formats and chart titles come from the template.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.conventions import DRIVER_FIGURE
from xlcase.model import DRIVERS
from xlcase.reference import HEALTH_SCHEDULE, STANDARD_SCHEDULE, SensitivityScenario
from xlcase.template import Sheet, Template, sensitivity_name
from xlcase.writer.appraisal_sheet import ROW_FY, ROW_IN_PERIOD, YEAR_COL, AppraisalGrid, OptionBlock
from xlcase.writer.cells import add_table, financial_year_formula, header_row, put_style, put_text
from xlcase.writer.fit import LINE_POINTS, PADDING_POINTS, characters, column_width, lines_of, text_width, widen_to
from xlcase.writer.forms import finish_sheet, write_heading
from xlcase.writer.inputs_sheet import TYPICAL_DURATION
from xlcase.writer.layout import FIRST_COLUMN
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS, OUTPUT, SUBHEADING

HEADER_ROW = 4
MAX_NAME_WIDTH = 50  # longer option names wrap
MONEY_AXIS = "£ (present value)"


def write_results_sheet(ws: Worksheet, sheet: Sheet, grid: AppraisalGrid, charted: int,
                        names: Sequence[str] = ()) -> None:
    """The Results table, the sensitivity table, the tornado of the preferred option and the charts.

    ``names`` are the options' names, so that the Name column and its rows fit them.
    """
    words = grid.template.results
    write_heading(ws, sheet.heading, words.intro)
    columns = words.columns
    for offset, column in enumerate(columns):
        ws.column_dimensions[get_column_letter(FIRST_COLUMN + offset)].width = column.width
    scenario_width = text_width(max((s.name for s in grid.scenarios), key=len, default=""))
    widen_to(ws, FIRST_COLUMN, scenario_width)  # the tornado's scenario names sit in the Option column
    name_col = FIRST_COLUMN + [c.figure for c in columns].index("name")
    name_width = min(MAX_NAME_WIDTH, max(column_width(ws, name_col), *(text_width(n) for n in names or [""])))
    widen_to(ws, name_col, name_width)
    header_row(ws, HEADER_ROW, FIRST_COLUMN, [c.header for c in columns])
    col = {c.figure: get_column_letter(FIRST_COLUMN + i) for i, c in enumerate(columns)}
    for block in grid.blocks:
        row = HEADER_ROW + block.slot
        formulas = _result_formulas(grid, block, {figure: f"${letter}{row}" for figure, letter in col.items()})
        for offset, column in enumerate(columns):
            cell = ws.cell(row, FIRST_COLUMN + offset, formulas[column.figure])
            put_style(cell, OUTPUT if column.highlight else CALC)
            if column.format != "text":
                cell.number_format = NUMBER_FORMATS[column.format]
            if column.figure == "name":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        name = names[block.slot - 1] if block.slot <= len(names) else ""
        lines = lines_of(name, characters(False, 11, name_width)) if name else 1
        if lines > 1:
            ws.row_dimensions[row].height = lines * LINE_POINTS + PADDING_POINTS
    last = HEADER_ROW + len(grid.blocks)
    add_table(ws, words.table, f"{col['id']}{HEADER_ROW}:{get_column_letter(FIRST_COLUMN + len(columns) - 1)}{last}")
    sensitivity_header = last + 3
    _write_sensitivity(ws, grid, sensitivity_header, col)
    tornado_row = sensitivity_header + len(grid.blocks) + 3
    tornado_last = _write_tornado(ws, grid, tornado_row)
    _charts(ws, grid, charted, tornado_row, tornado_last + 3)
    finish_sheet(ws, freeze="A5", breaks=[tornado_last + 2])  # the charts on a page of their own


def _result_formulas(grid: AppraisalGrid, block: OptionBlock, at: dict[str, str]) -> dict[str, str]:
    """The Results row of one option slot: each figure of appraisal version 2 as a formula."""
    row = block.row
    df, dfh = grid.factors(), grid.factors(HEALTH_SCHEDULE)
    opt = at["id"]
    not_dn = f'OR({opt}="",{opt}=DoNothingID)'
    paid_back = grid.span(row("paid_back"))
    pv = f"SUMPRODUCT({{}},{df})"
    return {
        "id": f"={grid.cell(3, block.top)}",
        "name": f"={grid.cell(4, block.top)}",
        "optimism_bias": f"={grid.cell(3, block.bias_row)}",
        "pv_costs": f'=IF({opt}="","",{pv.format(grid.span(row("costs")))})',
        "pv_benefits": (f'=IF({opt}="","",{pv.format(grid.span(row("benefits")))}'
                        f'+SUMPRODUCT({grid.span(row("health_benefits"))},{dfh}))'),
        "npv": f'=IF({opt}="","",{at["pv_benefits"]}-{at["pv_costs"]})',
        "npv_vs_do_nothing": f'=IF({opt}="","",SUM({grid.span(row("discounted"))}))',
        "incremental_pv_costs": f'=IF({not_dn},"",{pv.format(grid.span(row("incremental_costs")))})',
        "incremental_pv_benefits": (f'=IF({not_dn},"",{pv.format(grid.span(row("delta_benefits")))}'
                                    f'+SUMPRODUCT({grid.span(row("delta_health"))},{dfh})'
                                    f'+{pv.format(grid.span(row("savings")))})'),
        "bcr": f'=IF({not_dn},"",IF({at["incremental_pv_costs"]}=0,"",'
               f'{at["incremental_pv_benefits"]}/{at["incremental_pv_costs"]}))',
        "discounted_payback_year": f'=IF({not_dn},"",IF(COUNT({paid_back})=0,"",MIN({paid_back})))',
        "discounted_payback_financial_year": (f'=IF({at["discounted_payback_year"]}="","",'
                                              f'{financial_year_formula(at["discounted_payback_year"])[1:]})'),
        "cost_switching_value": f'=IF({not_dn},"",IF({at["incremental_pv_costs"]}=0,"",'
                                f'{at["npv_vs_do_nothing"]}/{at["incremental_pv_costs"]}))',
        "benefit_switching_value": f'=IF({not_dn},"",IF({at["incremental_pv_benefits"]}=0,"",'
                                   f'{at["npv_vs_do_nothing"]}/{at["incremental_pv_benefits"]}))',
        **{f"{DRIVER_FIGURE}{driver}": f'=IF({not_dn},"",IF({driven_change(grid, block, driver)}=0,"",'
                                       f'{at["npv_vs_do_nothing"]}/({driven_change(grid, block, driver)})))'
           for driver in DRIVERS},
    }


def _driven_rows(grid: AppraisalGrid, block: OptionBlock | None, driver: str) -> tuple[int, int]:
    """(standard net row, health row) of a driver's lines: an option block's, or the do-nothing option's (None)."""
    keys = (f"driven_net:{driver}", f"driven_health:{driver}")
    if block is None:
        return grid.row_dn_driven[keys[0]], grid.row_dn_driven[keys[1]]
    return block.row(keys[0]), block.row(keys[1])


def driven_pv(grid: AppraisalGrid, block: OptionBlock | None, driver: str, start: int = 0, shift: int = 0) -> str:
    """The present value of the lines naming a driver (benefits less costs, health at its rate), of an option or of
    do nothing; with ``shift`` 1, each year's flows discounted as a year later (in the period only)."""
    net, health = _driven_rows(grid, block, driver)
    years = grid.years - shift
    mask = f",{grid.span(ROW_IN_PERIOD, shift)}" if shift else ""
    return (f"SUMPRODUCT({grid.span(net, start, years)},{grid.factors(STANDARD_SCHEDULE, shift)}{mask})"
            f"+SUMPRODUCT({grid.span(health, start, years)},{grid.factors(HEALTH_SCHEDULE, shift)}{mask})")


def driven_change(grid: AppraisalGrid, block: OptionBlock, driver: str) -> str:
    """The present value of an option's lines naming a driver less do nothing's: what the driver moves."""
    return f"({driven_pv(grid, block, driver)})-({driven_pv(grid, None, driver)})"


def sensitivity_headers(template: Template, scenarios: tuple[SensitivityScenario, ...]) -> tuple[str, ...]:
    """The Sensitivity table's header row: option, base case, then one column per scenario."""
    words = template.results
    return (words.sensitivity_option, words.sensitivity_base, *(s.name for s in scenarios))


def _scenario_formula(grid: AppraisalGrid, block: OptionBlock, index: int, scenario: SensitivityScenario,
                      base: str, result: dict[str, str]) -> str:
    """NPV vs do nothing of one option under one scenario (what each kind changes: xlcase.appraisal._sensitivity)."""
    value = sensitivity_name(index)
    row = block.row
    dfh = grid.factors(HEALTH_SCHEDULE)
    if scenario.kind == "costs_change":
        return f"{base}-{value}*{result['incremental_pv_costs']}"
    if scenario.kind == "benefits_change":
        return f"{base}+{value}*{result['incremental_pv_benefits']}"
    if scenario.kind == "benefits_delay":
        lag, years = int(scenario.value), grid.years
        added = (f"(SUMPRODUCT({grid.span(row('delta_benefits'))},{grid.factors()})"
                 f"+SUMPRODUCT({grid.span(row('delta_health'))},{dfh}))")
        if lag >= years:
            return f"{base}-{added}"
        mask = grid.span(ROW_IN_PERIOD, lag)
        late = [f"SUMPRODUCT({grid.span(row(key), 0, years - lag)},{grid.factors(schedule, lag)},{mask})"
                for key, schedule in (("delta_benefits", STANDARD_SCHEDULE), ("delta_health", HEALTH_SCHEDULE))]
        return f"{base}-{added}+{'+'.join(late)}"
    if scenario.kind == "driver_scale":
        return f"{base}+{value}*({driven_change(grid, block, scenario.driver or '')})"
    if scenario.kind == "driver_attrition":
        driver = scenario.driver or ""
        own = f"({_completing_share(grid, grid.cell(3, block.top), value)}-1)*({driven_pv(grid, block, driver)})"
        theirs = f"({_completing_share(grid, 'DoNothingID', value)}-1)*({driven_pv(grid, None, driver)})"
        return f"{base}+{own}-{theirs}"
    if scenario.kind == "driver_delay":
        driver, share = scenario.driver or "", f"{value}/12"

        def later(owner: OptionBlock | None) -> str:
            moved = f"+{share}*({driven_pv(grid, owner, driver, shift=1)})" if grid.years > 1 else ""
            return f"(-{share}*({driven_pv(grid, owner, driver)}){moved})"

        return f"{base}+{later(block)}-{later(None)}"
    factors = grid.factors(scenario.schedule or STANDARD_SCHEDULE)
    return (f"SUMPRODUCT({grid.span(row('delta_benefits'))},{factors})"
            f"-SUMPRODUCT({grid.span(row('delta_costs'))},{factors})"
            f"+SUMPRODUCT({grid.span(row('delta_health'))},{dfh})")


def _completing_share(grid: AppraisalGrid, option: str, points: str) -> str:
    """The share of an option's apprentices who still complete at the higher attrition
    (xlcase.appraisal.completing_share): from the Apprenticeships table, else the programme's duration."""
    t = grid.template
    now = f"SUMIFS({t.ref('apprenticeships', 'completing')},{t.ref('apprenticeships', 'option')},{option})"
    higher = f"SUMIFS({t.ref('apprenticeships', 'completing_test')},{t.ref('apprenticeships', 'option')},{option})"
    months = f"IF(LEN(ProviderDurationMonths)=0,{TYPICAL_DURATION},ProviderDurationMonths)"
    return f"IF({now}>0,{higher}/{now},(MAX(0,1-Attrition-{points})/(1-Attrition))^({months}/12))"


def _write_sensitivity(ws: Worksheet, grid: AppraisalGrid, header: int, col: dict[str, str]) -> None:
    """NPV vs do nothing under each scenario."""
    words = grid.template.results
    put_style(ws.cell(header - 1, FIRST_COLUMN, words.sensitivity_heading), SUBHEADING)
    headers = sensitivity_headers(grid.template, grid.scenarios)
    header_row(ws, header, FIRST_COLUMN, headers)
    for block in grid.blocks:
        row = header + block.slot
        res = HEADER_ROW + block.slot
        result = {figure: f"${letter}{res}" for figure, letter in col.items()}
        opt = f"${get_column_letter(FIRST_COLUMN)}{row}"
        base = f"${get_column_letter(FIRST_COLUMN + 1)}{row}"
        cells = [f"={result['id']}", f'=IF({opt}="","",{result["npv_vs_do_nothing"]})']
        for i, scenario in enumerate(grid.scenarios):
            expr = _scenario_formula(grid, block, i, scenario, base, result)
            cells.append(f'=IF(OR({opt}="",{opt}=DoNothingID),"",{expr})')
        for offset, formula in enumerate(cells):
            cell = ws.cell(row, FIRST_COLUMN + offset, formula)
            put_style(cell, CALC)
            if offset:
                cell.number_format = NUMBER_FORMATS["money"]
    last_col = get_column_letter(FIRST_COLUMN + len(headers) - 1)
    add_table(ws, words.sensitivity_table,
              f"{get_column_letter(FIRST_COLUMN)}{header}:{last_col}{header + len(grid.blocks)}")


def _write_tornado(ws: Worksheet, grid: AppraisalGrid, row: int) -> int:
    """The preferred option's change in NPV under each scenario, largest change first (for the tornado chart).

    The ordering is done by formulas (RANK with a tie-break), so the chart follows the inputs. Returns the
    last row written.
    """
    template = grid.template
    words = template.results
    table = words.sensitivity_table
    put_style(ws.cell(row, FIRST_COLUMN, words.tornado_heading), SUBHEADING)
    head = row + 1
    for offset, text in enumerate((words.tornado_scenario, words.tornado_change)):
        cell = ws.cell(head, FIRST_COLUMN + offset)
        put_text(cell, text)
        put_style(cell, LABEL)
    n = len(grid.scenarios)
    first = head + 1
    work_col = FIRST_COLUMN + 4  # unsorted changes, their size and rank, beside the sorted list
    w = [get_column_letter(work_col + k) for k in range(3)]
    option_column = f"{table}[{words.sensitivity_option}]"
    base = f"INDEX({table}[{words.sensitivity_base}],MATCH(PreferredID,{option_column},0))"
    for offset, text in enumerate(("(unsorted) change", "size", "rank")):
        put_style(ws.cell(head, work_col + offset, text), LABEL)
    for i, scenario in enumerate(grid.scenarios):
        r = first + i
        change = f"INDEX({table}[{scenario.name}],MATCH(PreferredID,{option_column},0))-{base}"
        put_style(ws.cell(r, work_col, f"=IFERROR({change},0)"), CALC)
        put_style(ws.cell(r, work_col + 1, f"=ABS({w[0]}{r})"), CALC, NUMBER_FORMATS["money"])
        put_style(ws.cell(r, work_col + 2, f"=RANK({w[1]}{r},${w[1]}${first}:${w[1]}${first + n - 1})"
                                           f"+COUNTIF(${w[1]}${first}:{w[1]}{r},{w[1]}{r})-1"), CALC,
                  NUMBER_FORMATS["integer"])
        put_text(ws.cell(r, work_col - 1), scenario.name)
        put_style(ws.cell(r, work_col - 1), CALC)
        ws.cell(r, work_col).number_format = NUMBER_FORMATS["money"]
    names = f"${get_column_letter(work_col - 1)}${first}:${get_column_letter(work_col - 1)}${first + n - 1}"
    ranks = f"${w[2]}${first}:${w[2]}${first + n - 1}"
    changes = f"${w[0]}${first}:${w[0]}${first + n - 1}"
    for k in range(n):
        r = first + k
        put_style(ws.cell(r, FIRST_COLUMN, f"=INDEX({names},MATCH({k + 1},{ranks},0))"), CALC)
        value = ws.cell(r, FIRST_COLUMN + 1, f"=INDEX({changes},MATCH({k + 1},{ranks},0))")
        put_style(value, CALC)
        value.number_format = NUMBER_FORMATS["money"]
    return first + n - 1


def _charts(ws: Worksheet, grid: AppraisalGrid, charted: int, tornado_row: int, anchor_row: int) -> None:
    """Cumulative net benefit vs do nothing by year, PV costs and benefits by option, and the tornado."""
    template = grid.template
    words = template.results
    appraisal = ws.parent[grid.sheet]
    line = LineChart()
    line.title = words.cumulative_chart
    line.y_axis.title = MONEY_AXIS
    line.x_axis.title = template.appraisal.axis.financial_year
    line.x_axis.tickLblPos = "low"  # year labels below the plot, not across it at zero
    line.height, line.width = 9, 18
    for block in grid.blocks[:charted]:
        row = block.row("cumulative")
        values = Reference(appraisal, min_col=YEAR_COL, max_col=YEAR_COL + grid.years - 1, min_row=row, max_row=row)
        line.add_data(values, from_rows=True, titles_from_data=False)
        series = line.series[-1]
        series.tx = SeriesLabel(strRef=StrRef(f=grid.cell(4, block.top)))  # the option's name, not its ID
        series.smooth = False  # straight segments between years: a smoothed curve misstates the dip
    line.set_categories(Reference(appraisal, min_col=YEAR_COL, max_col=YEAR_COL + grid.years - 1,
                                  min_row=ROW_FY, max_row=ROW_FY))
    ws.add_chart(line, f"B{anchor_row}")

    bar = BarChart()
    bar.type = "col"
    bar.title = words.pv_chart
    bar.y_axis.title = MONEY_AXIS
    bar.height, bar.width = 9, 14
    figures = [c.figure for c in words.columns]
    c_first = FIRST_COLUMN + figures.index("incremental_pv_costs")  # and incremental PV benefits beside it
    last = HEADER_ROW + charted
    bar.add_data(Reference(ws, min_col=c_first, max_col=c_first + 1, min_row=HEADER_ROW, max_row=last),
                 titles_from_data=True)
    name_col = FIRST_COLUMN + figures.index("name")
    bar.set_categories(Reference(ws, min_col=name_col, min_row=HEADER_ROW + 1, max_row=last))
    ws.add_chart(bar, f"H{anchor_row}")

    tornado = BarChart()
    tornado.type = "bar"  # horizontal bars
    tornado.title = words.tornado_chart
    tornado.x_axis.scaling.orientation = "maxMin"  # the largest change at the top
    tornado.y_axis.title = MONEY_AXIS
    tornado.x_axis.tickLblPos = "low"
    tornado.legend = None
    tornado.height, tornado.width = 8, 16
    first = tornado_row + 2
    n = len(grid.scenarios)
    tornado.add_data(Reference(ws, min_col=FIRST_COLUMN + 1, min_row=first, max_row=first + n - 1),
                     titles_from_data=False)
    tornado.set_categories(Reference(ws, min_col=FIRST_COLUMN, min_row=first, max_row=first + n - 1))
    ws.add_chart(tornado, f"B{anchor_row + 19}")
