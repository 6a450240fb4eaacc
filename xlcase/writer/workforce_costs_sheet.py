"""The Workforce costs sheet: the workforce plan turned into cost lines by formula, as xlcase.workforce does.

One Excel Table (WorkforceCosts) holds four lines for each row of the Posts table (pay and on-costs,
the pension paid centrally, backfill, its central pension) and two for each row of the
Apprenticeships table (fees, the part funded by the levy or the government). Each line copies the
fields it needs from its input row and works out its annual amount from the pay scales and on-costs
named on the Inputs sheet; each year column then takes the share of the financial year it applies
to. The Appraisal sheet sums the Cost lines with the typed costs; the Affordability sheet uses all.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlcase.template import Sheet, Template
from xlcase.writer.cells import add_table, financial_year_formula, header_row, put_style, put_text
from xlcase.writer.forms import finish_sheet, list_range_name, write_heading
from xlcase.writer.inputs_sheet import (
    CO_INVESTMENT,
    COMPLETION_SHARE,
    HOURS_PER_YEAR,
    LEVY_RATE,
    MONTHLY_SHARE,
    NI_RATE,
    NI_THRESHOLD,
    PAY_BAND_CODES,
    PAY_BAND_LABELS,
    PAY_TABLE,
    PENSION_CENTRAL_RATE,
    PENSION_TOTAL_RATE,
)
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.lists_sheet import PAY_CATEGORY_LABELS, RECURRENT_CATEGORY_LABELS, list_codes_name
from xlcase.writer.styles import CALC, LABEL, NUMBER_FORMATS

ROW_YEAR, ROW_FY, ROW_FIRST_DAY, ROW_LAST_DAY = 4, 5, 6, 7
HEADER = 9
POST_LINES = (("pay", "cost"), ("pay", "central_pension"), ("backfill", "cost"), ("backfill", "central_pension"))
APPRENTICESHIP_LINES = ("cost", "funding")


@dataclass(frozen=True)
class WorkforceGrid:
    """Where the WorkforceCosts table is, for the Appraisal and Affordability formulas."""

    table: str
    first_year_col: int
    years: int

    def year_span(self, template: Template) -> str:
        layout = template.workforce_costs
        return f"{self.table}[[{layout.year(0)}]:[{layout.year(self.years - 1)}]]"


def write_workforce_costs_sheet(ws: Worksheet, sheet: Sheet, template: Template, layout: Layout) -> WorkforceGrid:
    """The axis of financial years and the WorkforceCosts table."""
    words = template.workforce_costs
    write_heading(ws, sheet.heading, words.intro)
    columns = words.columns
    first_year_col = FIRST_COLUMN + len(columns)
    col = {c.figure: get_column_letter(FIRST_COLUMN + i) for i, c in enumerate(columns)}
    for offset, column in enumerate(columns):
        ws.column_dimensions[get_column_letter(FIRST_COLUMN + offset)].width = column.width
    _write_axis(ws, words.axis, first_year_col, layout.years)
    headers = [c.header for c in columns] + [words.year(t) for t in range(layout.years)]
    header_row(ws, HEADER, FIRST_COLUMN, headers)
    row = HEADER + 1
    formulas = _Formulas(template, col, first_year_col)
    for k in range(1, layout.tables["posts"].rows + 1):
        for kind, measure in POST_LINES:
            _write_line(ws, row, formulas.post(k, kind, measure), formulas.post_year(), columns, layout.years,
                        first_year_col, words.sources["post"].format(row=k))
            row += 1
    for j in range(1, layout.tables["apprenticeships"].rows + 1):
        for measure in APPRENTICESHIP_LINES:
            _write_line(ws, row, formulas.apprenticeship(j, measure), formulas.apprenticeship_year(), columns,
                        layout.years, first_year_col, words.sources["apprenticeship"].format(row=j))
            row += 1
    last_col = get_column_letter(first_year_col + layout.years - 1)
    add_table(ws, words.table, f"{get_column_letter(FIRST_COLUMN)}{HEADER}:{last_col}{row - 1}")
    finish_sheet(ws, freeze=f"{get_column_letter(FIRST_COLUMN + 2)}{HEADER + 1}")
    return WorkforceGrid(words.table, first_year_col, layout.years)


def _write_axis(ws: Worksheet, axis: dict[str, str], first_year_col: int, years: int) -> None:
    """Year index, financial year, and the first and last day of each financial year (from BaseYear)."""
    label_col = first_year_col - 1
    for row, key in ((ROW_YEAR, "year"), (ROW_FY, "financial_year"), (ROW_FIRST_DAY, "first_day"),
                     (ROW_LAST_DAY, "last_day")):
        cell = ws.cell(row, label_col, axis[key])
        put_style(cell, LABEL)
    for t in range(years):
        c = get_column_letter(first_year_col + t)
        year = f"{c}${ROW_YEAR}"
        _calc(ws, ROW_YEAR, first_year_col + t, t, "integer")
        _calc(ws, ROW_FY, first_year_col + t, financial_year_formula(year)).font = Font(bold=True)
        _calc(ws, ROW_FIRST_DAY, first_year_col + t, f"=DATE(BaseYear+{year},4,1)", "date")
        _calc(ws, ROW_LAST_DAY, first_year_col + t, f"=DATE(BaseYear+{year}+1,3,31)", "date")


class _Formulas:
    """The formulas of one WorkforceCosts line: its fields copied from its input row, and its year cells."""

    def __init__(self, template: Template, col: dict[str, str], first_year_col: int) -> None:
        self.t = template
        self.col = col
        self.first_year_col = first_year_col

    def _cell(self, figure: str) -> str:
        return f"${self.col[figure]}{{row}}"  # the row is filled in when the line is written

    def _label(self, list_name: str, code: str) -> str:
        return self.t.formula(f"{{label:{list_name}:{code}}}")

    def _kind(self) -> str:
        category = self._cell("category")
        pay, non_pay = self._label("cost_kind", "pay"), self._label("cost_kind", "non_pay")
        return f"=IF(ISNUMBER(MATCH({category},{PAY_CATEGORY_LABELS},0)),{pay},{non_pay})"

    def post(self, k: int, kind: str, measure: str) -> dict[str, str]:
        """One of a post's four lines (pay or backfill; its cost or its pension paid centrally)."""
        def field(key: str) -> str:
            return f"INDEX({self.t.ref('posts', key)},{k})"

        def text(key: str, default: str = '""') -> str:
            return f"IF(LEN({field(key)})=0,{default},{field(key)})"

        yes, no = self.t.formula("{yes}"), self.t.formula("{no}")
        category = (f"={text('category', self._label('cost_category', 'pay'))}" if kind == "pay"
                    else f"={self._label('cost_category', 'backfill')}")
        band = f"={text('band')}" if kind == "pay" else f"=IF(LEN({field('backfill_band')})=0,{text('band')},{field('backfill_band')})"
        point = text("point", self._label("pay_point", "entry"))
        pay = self._cell("pay")
        row_of_band = (f"IFERROR(MATCH({self._cell('band')},{PAY_BAND_LABELS},0),"
                       f'MATCH(""&{self._cell("band")},{PAY_BAND_CODES},0))')
        column_of_point = (f"IFERROR(MATCH({point},{list_range_name('pay_point')},0),"
                           f'MATCH(""&{point},{list_codes_name("pay_point")},0))')
        amount = (f"={pay}+{NI_RATE}*MAX(0,{pay}-{NI_THRESHOLD})+{PENSION_TOTAL_RATE}*{pay}+{LEVY_RATE}*{pay}"
                  if measure == "cost" else f"={PENSION_CENTRAL_RATE}*{pay}")
        continues = (f"=IF(LEN({field('recurrent')})>0,{field('recurrent')},IF(AND({field('trainee')}<>{yes},"
                     f"ISNUMBER(MATCH({self._cell('category')},{RECURRENT_CATEGORY_LABELS},0))),{yes},{no}))"
                     if kind == "pay" else f"={no}")
        share = "1" if kind == "pay" else (f"=IF({field('trainee')}={yes},N({field('off_the_job_hours')})*WorkingWeeks"
                                           f"/{HOURS_PER_YEAR},0)")
        return {
            "option": f"={text('option')}", "category": category, "kind": self._kind(),
            "measure": f"={self._label('cost_measure', measure)}", "continues": continues, "band": band,
            "pay": f"=IFERROR(INDEX({PAY_TABLE},{row_of_band},{column_of_point}),0)", "amount": amount,
            "share": share, "wte": f"=N({field('wte')})", "start": f"=N({field('start')})",
            "end": f'=IF(LEN({field("end")})=0,"",{field("end")})',
        }

    def post_year(self) -> str:
        """A post line's amount in one financial year: annual amount x share x WTE x the share of the year's days."""
        c = self._cell
        first, last = f"{{year}}${ROW_FIRST_DAY}", f"{{year}}${ROW_LAST_DAY}"
        days = f"MAX(0,MIN({last},IF({c('end')}=\"\",{last},{c('end')}))-MAX({first},{c('start')})+1)"
        return (f'=IF(OR({c("option")}="",{c("start")}=0),0,{c("amount")}*{c("share")}*{c("wte")}*{days}'
                f"/({last}-{first}+1))")

    def apprenticeship(self, j: int, measure: str) -> dict[str, str]:
        """One of an apprenticeship's two lines: the fees, or the part of them the levy or the government pays."""
        def field(key: str) -> str:
            return f"INDEX({self.t.ref('apprenticeships', key)},{j})"

        no = self.t.formula("{no}")
        price, band = self._cell("price"), f"N({field('funding_band')})"
        share = ("1" if measure == "cost" else
                 f"=IF({price}<=0,0,MIN({price},{band})/{price}*IF({field('levy_funded')}={no},1-{CO_INVESTMENT},1))")
        start = self._cell("start")
        return {
            "option": f'=IF(LEN({field("option")})=0,"",{field("option")})',
            "category": f"={self._label('cost_category', 'education_provider')}", "kind": self._kind(),
            "measure": f"={self._label('cost_measure', measure)}", "continues": f"={no}", "share": share,
            "start": f"=N({field('start')})", "learners": f"=N({field('learners')})",
            "price": f"=IF(LEN({field('price')})>0,N({field('price')}),{band})",
            "months": f"=N({field('duration_months')})", "survival": "=(1-Attrition)^(1/12)",
            "first_month": f"=IF({start}=0,0,(BaseYear-YEAR({start}))*12+4-MONTH({start}))",
        }

    def apprenticeship_year(self) -> str:
        """Fees paid in one financial year: monthly payments for the learners still on the programme, and the
        completion payment in the month after the last (xlcase.workforce.apprenticeship_fees)."""
        c = self._cell
        k = f"({c('first_month')}+12*{{year}}${ROW_YEAR})"
        low, high = f"MAX(0,{k})", f"MIN({c('months')}-1,{k}+11)"
        q = c("survival")
        paid = (f"IF({low}<={high},{MONTHLY_SHARE}*{c('price')}/{c('months')}*{c('learners')}*IF({q}=1,{high}-{low}+1,"
                f"({q}^{low}-{q}^({high}+1))/(1-{q})),0)")
        completion = (f"IF(AND({k}<={c('months')},{c('months')}<={k}+11),"
                      f"{COMPLETION_SHARE}*{c('price')}*{c('learners')}*{q}^{c('months')},0)")
        return (f'=IF(OR({c("option")}="",{c("start")}=0,{c("months")}<=0,{c("learners")}<=0),0,'
                f"{c('share')}*({paid}+{completion}))")


def _write_line(ws: Worksheet, row: int, fields: dict[str, str], year_formula: str, columns, years: int,
                first_year_col: int, source: str) -> None:
    for offset, column in enumerate(columns):
        cell = ws.cell(row, FIRST_COLUMN + offset)
        if column.figure == "source":
            put_text(cell, source)
        elif column.figure in fields:
            value = fields[column.figure].replace("{row}", str(row))
            cell.value = value if value.startswith("=") else float(value)
        put_style(cell, CALC)
        if column.format != "text":
            cell.number_format = NUMBER_FORMATS["calculated_date" if column.format == "date" else column.format]
    for t in range(years):
        letter = get_column_letter(first_year_col + t)
        cell = ws.cell(row, first_year_col + t, year_formula.replace("{row}", str(row)).replace("{year}", letter))
        put_style(cell, CALC)
        cell.number_format = NUMBER_FORMATS["money"]


def _calc(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    cell = ws.cell(row, col, value)
    put_style(cell, CALC)
    if fmt:
        cell.number_format = NUMBER_FORMATS[fmt]
    return cell
