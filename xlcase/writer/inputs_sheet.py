"""The Inputs sheet: appraisal assumptions (defined names) and the dated Green Book reference data."""

from __future__ import annotations

from openpyxl.utils import absolute_coordinate, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlcase import reference
from xlcase.model import Case
from xlcase.template import Sheet, Template
from xlcase.writer.cells import add_note, define_name, put_text
from xlcase.writer.forms import finish_sheet, write_fields, write_heading
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL, NOTE, NUMBER_FORMATS

STANDARD_RATE_LAST_YEAR = "StandardRateLastYear"
LONG_TERM_FROM = "LongTermFrom"
LONG_TERM_RATE = "LongTermRate"


def sensitivity_name(index: int) -> str:
    """The defined name of the i-th sensitivity scenario's value cell."""
    return f"Sensitivity{index + 1}"


def write_inputs_sheet(ws: Worksheet, sheet: Sheet, case: Case, template: Template, layout: Layout) -> None:
    """Assumptions a user may change, then reference data they should not need to."""
    row = write_heading(ws, sheet.heading, sheet.intro)
    for block in sheet.blocks:
        row = write_fields(ws, block.fields, case, template, layout, row) + 1
    _limit_appraisal_years(ws, layout)
    row = _write_discount_schedule(ws, layout, row + 1)
    row = _write_sensitivity_scenarios(ws, layout, row + 2)
    _write_pay_reference(ws, row + 2)
    finish_sheet(ws)


def _limit_appraisal_years(ws: Worksheet, layout: Layout) -> None:
    """AppraisalYears may not exceed the year columns the workbook was generated with."""
    cell = layout.names["AppraisalYears"].split("!")[1].replace("$", "")
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2=str(layout.years))
    dv.error = f"This workbook has {layout.years} year columns: regenerate it with xlcase for a longer appraisal."
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    dv.add(cell)


def _define(ws: Worksheet, layout: Layout, name: str, ref: str) -> None:
    layout.names[name] = define_name(ws, name, ref)


def _write_discount_schedule(ws: Worksheet, layout: Layout, row: int) -> int:
    schedule = reference.discount_schedule()
    ws.cell(row, FIRST_COLUMN, "Green Book discount schedule (reference data)").style = LABEL
    note = ws.cell(row + 1, FIRST_COLUMN)
    put_text(note, f"Source: {schedule.source.strip()} (published {schedule.published:%d %B %Y}).")
    note.style = NOTE
    header = row + 2
    for offset, text in enumerate(("First year", "Last year", "Rate")):
        ws.cell(header, FIRST_COLUMN + 1 + offset, text).style = LABEL
    first_band = schedule.bands[0]
    label = ws.cell(header + 1, FIRST_COLUMN, "Years at the discount rate (DiscountRate above)")
    label.style = LABEL
    ws.cell(header + 1, FIRST_COLUMN + 1, first_band.first_year).style = CALC
    last = ws.cell(header + 1, FIRST_COLUMN + 2, first_band.last_year)
    last.style = CALC
    _define(ws, layout, STANDARD_RATE_LAST_YEAR, absolute_coordinate(last.coordinate))
    rate = ws.cell(header + 1, FIRST_COLUMN + 3, "=DiscountRate")
    rate.style = CALC
    rate.number_format = NUMBER_FORMATS["percent"]
    for i, band in enumerate(schedule.bands[1:]):
        r = header + 2 + i
        ws.cell(r, FIRST_COLUMN, "Long-term rate" if i == 0 else None).style = LABEL
        for offset, value in enumerate((band.first_year, band.last_year, band.rate)):
            cell = ws.cell(r, FIRST_COLUMN + 1 + offset, value)
            cell.style = CALC
        ws.cell(r, FIRST_COLUMN + 3).number_format = NUMBER_FORMATS["percent"]
    first, last_row = header + 2, header + 1 + len(schedule.bands) - 1
    col_from, col_rate = get_column_letter(FIRST_COLUMN + 1), get_column_letter(FIRST_COLUMN + 3)
    _define(ws, layout, LONG_TERM_FROM, f"${col_from}${first}:${col_from}${last_row}")
    _define(ws, layout, LONG_TERM_RATE, f"${col_rate}${first}:${col_rate}${last_row}")
    return last_row + 1


def _write_sensitivity_scenarios(ws: Worksheet, layout: Layout, row: int) -> int:
    ws.cell(row, FIRST_COLUMN, "Sensitivity scenarios (reference data)").style = LABEL
    for i, scenario in enumerate(reference.sensitivity_scenarios()):
        r = row + 1 + i
        label = ws.cell(r, FIRST_COLUMN)
        put_text(label, scenario.name)
        label.style = LABEL
        add_note(label, _SCENARIO_HELP[scenario.kind])
        value = ws.cell(r, FIRST_COLUMN + 1, scenario.value)
        value.style = CALC
        value.number_format = "0" if scenario.kind == "benefits_delay" else NUMBER_FORMATS["percent"]
        _define(ws, layout, sensitivity_name(i), absolute_coordinate(value.coordinate))
    return row + len(reference.sensitivity_scenarios())


def _write_pay_reference(ws: Worksheet, row: int) -> None:
    """Agenda for Change pay points and employer on-costs, to cost posts, backfill and mentor time."""
    pay = reference.pay_scales()
    insurance = reference.employer_national_insurance()
    pension = reference.nhs_pension_employer()
    ws.cell(row, FIRST_COLUMN, f"Agenda for Change pay {pay.period}, England (reference data)").style = LABEL
    note = ws.cell(row + 1, FIRST_COLUMN)
    put_text(note, f"Sources: {pay.source}; {insurance.source}; {pension.source}.")
    note.style = NOTE
    for offset, text in enumerate(("Entry", "Top")):
        ws.cell(row + 2, FIRST_COLUMN + 1 + offset, text).style = LABEL
    r = row + 3
    for band in pay.bands:
        ws.cell(r, FIRST_COLUMN, f"Band {band.band}").style = LABEL
        for offset, amount in enumerate((band.entry, band.top)):
            cell = ws.cell(r, FIRST_COLUMN + 1 + offset, amount)
            cell.style = CALC
            cell.number_format = NUMBER_FORMATS["money"]
        r += 1
    on_costs = (
        (f"Employer National Insurance {insurance.period}, above the threshold", insurance.rate, "percent"),
        ("Employer National Insurance threshold a year", insurance.secondary_threshold, "money"),
        (f"NHS Pension employer contribution {pension.period} (whole public cost)", pension.employer_rate, "percent"),
        ("... of which paid by the trust", pension.local_rate, "percent"),
    )
    for text, value, fmt in on_costs:
        ws.cell(r, FIRST_COLUMN, text).style = LABEL
        cell = ws.cell(r, FIRST_COLUMN + 1, value)
        cell.style = CALC
        cell.number_format = NUMBER_FORMATS[fmt]
        r += 1


_SCENARIO_HELP = {
    "costs_change": "The option's costs (after optimism bias) changed by this fraction.",
    "benefits_change": "The option's benefits changed by this fraction.",
    "benefits_delay": "The option's benefits arrive this many years later.",
    "discount_rate": "This rate replaces the discount rate for years 0-30.",
}
