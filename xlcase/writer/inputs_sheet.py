"""The Inputs sheet: appraisal assumptions (defined names) and the dated reference data the formulas use.

Reference data is written as locked cells with its source and date beside it, and given defined
names, so that every rate a formula uses comes from a named cell, never a number typed into it.
"""

from __future__ import annotations

from openpyxl.utils import absolute_coordinate, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlcase import reference
from xlcase.conventions import (LEVY_RATE, PAYBACK_TOLERANCE, PENSION_CENTRAL_RATE, PENSION_TOTAL_RATE,
                                RECONCILIATION_ROUNDING, TYPICAL_STANDARD)
from xlcase.model import Case
from xlcase.reference import HEALTH_SCHEDULE, STANDARD_SCHEDULE
from xlcase.template import Sheet, Template, sensitivity_name
from xlcase.pay import rates_for, typical_duration_months
from xlcase.writer.cells import add_note, define_name, put_style, put_text
from xlcase.writer.forms import finish_sheet, write_fields, write_heading
from xlcase.writer.layout import FIRST_COLUMN, Layout
from xlcase.writer.styles import CALC, LABEL, NOTE, NUMBER_FORMATS

RATE_FROM = "RateFrom"  # first year of each discount band
PAYBACK_TOLERANCE_NAME = "PaybackTolerance"
RECONCILIATION_TOLERANCE = "ReconciliationTolerance"
TYPICAL_DURATION = "TypicalDurationMonths"
OB_TYPES, OB_UPPER, OB_LOWER = "OptimismBiasTypes", "OptimismBiasUpper", "OptimismBiasLower"
PAY_BAND_CODES, PAY_BAND_LABELS, PAY_TABLE = "PayBandCodes", "PayBandLabels", "PayTable"
NI_RATE, NI_THRESHOLD = "NIRate", "NIThreshold"
HOURS_PER_YEAR, MONTHLY_SHARE, COMPLETION_SHARE, CO_INVESTMENT = "HoursPerYear", "MonthlyShare", "CompletionShare", \
    "CoInvestment"


def schedule_name(schedule: str) -> str:
    """The defined name of a discount schedule's rates column ('standard' -> 'RatesStandard')."""
    return "Rates" + "".join(part.capitalize() for part in schedule.split("_"))


def write_inputs_sheet(ws: Worksheet, sheet: Sheet, case: Case, template: Template, layout: Layout) -> None:
    """Assumptions a user may change, then reference data they should not need to."""
    row = write_heading(ws, sheet.heading, sheet.intro)
    for block in sheet.blocks:
        row = write_fields(ws, block.fields, case, template, layout, row) + 1
    _limit_appraisal_years(ws, layout)
    row = _write_discount_schedules(ws, layout, row + 1)
    row = _write_sensitivity_scenarios(ws, layout, row + 2)
    row = _write_optimism_bias_bounds(ws, template, layout, row + 2)
    _write_pay_reference(ws, case, template, layout, row + 2)
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


NOTE_COLUMNS = 7  # a source note spans the widest reference table, and wraps there


def _note(ws: Worksheet, row: int, text: str) -> None:
    cell = ws.cell(row, FIRST_COLUMN)
    put_text(cell, text)
    put_style(cell, NOTE)
    ws.merge_cells(start_row=row, start_column=FIRST_COLUMN, end_row=row, end_column=FIRST_COLUMN + NOTE_COLUMNS - 1)


def _write_discount_schedules(ws: Worksheet, layout: Layout, row: int) -> int:
    """One table of the Green Book bands: the standard rates (the first band is DiscountRate), health, tests."""
    book = reference.green_book()
    schedules = book.discount_schedules
    put_style(ws.cell(row, FIRST_COLUMN, "Green Book discount rates (reference data)"), LABEL)
    edition = book.edition
    _note(ws, row + 1, f"{edition.title}, {edition.publisher}, published {edition.published:%d %B %Y}; "
                       f"{schedules[STANDARD_SCHEDULE].source}.")
    _note(ws, row + 2, f"Discount rate review: {book.discount_rate_review.status}")
    header = row + 3
    names = [STANDARD_SCHEDULE, HEALTH_SCHEDULE, *(n for n in schedules if n not in (STANDARD_SCHEDULE, HEALTH_SCHEDULE))]
    titles = ["First year", "Last year", *(schedules[n].description.split(" (")[0].split(",")[0] for n in names)]
    for offset, text in enumerate(titles):
        cell = ws.cell(header, FIRST_COLUMN + offset)
        put_text(cell, text)
        put_style(cell, LABEL)
    for offset, name in enumerate(names):
        add_note(ws.cell(header, FIRST_COLUMN + 2 + offset), schedules[name].description)
    bands = schedules[STANDARD_SCHEDULE].bands
    for i, band in enumerate(bands):
        r = header + 1 + i
        put_style(ws.cell(r, FIRST_COLUMN, band.first_year), CALC)
        put_style(ws.cell(r, FIRST_COLUMN + 1, band.last_year), CALC)
        for offset, name in enumerate(names):
            rate = schedules[name].bands[i].rate
            value = "=DiscountRate" if (name == STANDARD_SCHEDULE and i == 0) else rate
            cell = ws.cell(r, FIRST_COLUMN + 2 + offset, value)
            put_style(cell, CALC)
            cell.number_format = "0.00%"
    first, last = header + 1, header + len(bands)
    letter = get_column_letter(FIRST_COLUMN)
    _define(ws, layout, RATE_FROM, f"${letter}${first}:${letter}${last}")
    for offset, name in enumerate(names):
        letter = get_column_letter(FIRST_COLUMN + 2 + offset)
        _define(ws, layout, schedule_name(name), f"${letter}${first}:${letter}${last}")
    tolerance_row = last + 1
    put_style(ws.cell(tolerance_row, FIRST_COLUMN, "Payback rounding tolerance (pounds)"), LABEL)
    tolerance = ws.cell(tolerance_row, FIRST_COLUMN + 2, PAYBACK_TOLERANCE)
    put_style(tolerance, CALC)
    tolerance.number_format = "0.000000"
    add_note(tolerance, "A cumulative net benefit this close below zero counts as paid back (rounding).")
    _define(ws, layout, PAYBACK_TOLERANCE_NAME, absolute_coordinate(tolerance.coordinate))
    put_style(ws.cell(tolerance_row + 1, FIRST_COLUMN, "Reconciliation rounding tolerance (pounds)"), LABEL)
    rounding = ws.cell(tolerance_row + 1, FIRST_COLUMN + 2, RECONCILIATION_ROUNDING)
    put_style(rounding, CALC)
    rounding.number_format = "0.00"
    add_note(rounding, "The financial case's reconciliation with the economic case may differ by this much (rounding).")
    _define(ws, layout, RECONCILIATION_TOLERANCE, absolute_coordinate(rounding.coordinate))
    return tolerance_row + 1


_SCENARIO_HELP = {
    "costs_change": "The option's costs (after optimism bias) changed by this fraction.",
    "benefits_change": "The option's benefits changed by this fraction.",
    "benefits_delay": "The option's benefits arrive this many years later.",
    "discount_schedule": "Every flow discounted at this schedule's rates (health benefits keep the health rates).",
    "driver_scale": "The option's lines that name this driver (Drivers column) changed by this fraction.",
    "driver_attrition": "Learner attrition this much higher: lines that scale with the APs who qualify fall as fewer "
                        "complete.",
    "driver_delay": "The option's lines that scale with the APs who qualify arrive this many months later.",
}


def _write_sensitivity_scenarios(ws: Worksheet, layout: Layout, row: int) -> int:
    put_style(ws.cell(row, FIRST_COLUMN, "Sensitivity scenarios (reference data)"), LABEL)
    scenarios = reference.sensitivity_scenarios()
    for i, scenario in enumerate(scenarios):
        r = row + 1 + i
        label = ws.cell(r, FIRST_COLUMN)
        put_text(label, scenario.name)
        put_style(label, LABEL)
        add_note(label, _SCENARIO_HELP[scenario.kind])
        if scenario.kind == "discount_schedule":
            value = ws.cell(r, FIRST_COLUMN + 1)
            put_text(value, f"the {scenario.name} rates in the table above")
        else:
            value = ws.cell(r, FIRST_COLUMN + 1, scenario.value)
        put_style(value, CALC)  # first: a named style brings its own number format
        if scenario.kind != "discount_schedule":
            whole = scenario.kind in ("benefits_delay", "driver_delay")
            value.number_format = "0" if whole else NUMBER_FORMATS["percent"]
        _define(ws, layout, sensitivity_name(i), absolute_coordinate(value.coordinate))
    return row + len(scenarios)


def _write_optimism_bias_bounds(ws: Worksheet, template: Template, layout: Layout, row: int) -> int:
    """The Green Book's generic optimism bias bounds by project type, named for the Checks sheet."""
    guidance = reference.green_book().optimism_bias
    put_style(ws.cell(row, FIRST_COLUMN, "Optimism bias bounds by project type (reference data)"), LABEL)
    _note(ws, row + 1, f"{guidance.source}. {guidance.notes or ''}".strip())
    header = row + 2
    for offset, text in enumerate(("Project type", "Measured on", "Upper bound", "Lower bound")):
        cell = ws.cell(header, FIRST_COLUMN + offset)
        put_text(cell, text)
        put_style(cell, LABEL)
    labels = template.lists["optimism_bias_project_type"]
    for i, (code, bounds) in enumerate(guidance.project_types.items()):
        r = header + 1 + i
        put_text(ws.cell(r, FIRST_COLUMN), labels[code])
        put_text(ws.cell(r, FIRST_COLUMN + 1), bounds.measure)
        for offset, value in ((2, bounds.upper), (3, bounds.lower)):
            cell = ws.cell(r, FIRST_COLUMN + offset, value)
            cell.number_format = NUMBER_FORMATS["percent"]
        for offset in range(4):
            put_style(ws.cell(r, FIRST_COLUMN + offset), CALC if offset else LABEL)
        for offset in (2, 3):
            ws.cell(r, FIRST_COLUMN + offset).number_format = NUMBER_FORMATS["percent"]
    first, last = header + 1, header + len(guidance.project_types)
    for offset, name in ((0, OB_TYPES), (2, OB_UPPER), (3, OB_LOWER)):
        letter = get_column_letter(FIRST_COLUMN + offset)
        _define(ws, layout, name, f"${letter}${first}:${letter}${last}")
    return last


def _write_pay_reference(ws: Worksheet, case: Case, template: Template, layout: Layout, row: int) -> None:
    """Agenda for Change pay points and employer on-costs of the price base year: the Workforce costs sheet's inputs."""
    rates = rates_for(case)
    pay, insurance, pension = rates.pay, rates.insurance, rates.pension
    put_style(ws.cell(row, FIRST_COLUMN, f"Agenda for Change pay {pay.period}, England, and employer on-costs "
                                         "(reference data)"), LABEL)
    _note(ws, row + 1, f"Sources: {pay.source.strip()}; {insurance.source.strip()}; {pension.source.strip()}.")
    if rates.pension_carried_forward:
        _note(ws, row + 2, f"The NHS Pension employer rate for {pay.period} is not published: the {pension.period} "
                           f"rates are carried forward. {pension.after}")
    else:
        _note(ws, row + 2, pension.after)
    header = row + 3
    points = template.lists["pay_point"]
    for offset, text in enumerate(("Code", template.table("posts").header("band"), *points.values())):
        cell = ws.cell(header, FIRST_COLUMN + offset)
        put_text(cell, text)
        put_style(cell, LABEL)
    bands = template.lists["pay_band"]
    for i, (code, band) in enumerate(pay.bands.items()):
        r = header + 1 + i
        for offset, text in ((0, code), (1, bands.get(code, code))):
            cell = ws.cell(r, FIRST_COLUMN + offset)
            put_text(cell, text)
            put_style(cell, CALC)
        for offset, point in enumerate(points, start=2):
            cell = ws.cell(r, FIRST_COLUMN + offset, band.point(point))  # type: ignore[arg-type]
            put_style(cell, CALC)
            cell.number_format = NUMBER_FORMATS["money"]
    first, last = header + 1, header + len(pay.bands)
    col = [get_column_letter(FIRST_COLUMN + k) for k in range(5)]
    _define(ws, layout, PAY_BAND_CODES, f"${col[0]}${first}:${col[0]}${last}")
    _define(ws, layout, PAY_BAND_LABELS, f"${col[1]}${first}:${col[1]}${last}")
    _define(ws, layout, PAY_TABLE, f"${col[2]}${first}:${col[4]}${last}")
    r = last + 2
    on_costs = (
        (NI_RATE, f"Employer National Insurance {insurance.period}, above the threshold", insurance.rate, "percent"),
        (NI_THRESHOLD, "Employer National Insurance secondary threshold a year", insurance.secondary_threshold,
         "money"),
        (PENSION_TOTAL_RATE, f"NHS Pension employer contribution with the levy {pension.period} (whole cost)",
         pension.total_rate, "rate"),
        (PENSION_CENTRAL_RATE, "... of which paid centrally by NHS England (not by the trust)", pension.central_rate,
         "rate"),
        (LEVY_RATE, "Apprenticeship levy on extra pay (the trust's pay bill is far above the allowance)",
         rates.levy_rate, "rate"),
        (HOURS_PER_YEAR, "Contracted hours of a full-time post a year (37.5 x 52)", rates.hours_per_year, "number"),
        (MONTHLY_SHARE, "Apprenticeship fees paid monthly over the programme", rates.monthly_share, "percent"),
        (COMPLETION_SHARE, "... and on completion", rates.completion_share, "percent"),
        (CO_INVESTMENT, "Employer's share of a co-invested apprenticeship's fees", rates.co_investment, "percent"),
        (TYPICAL_DURATION, f"Typical duration of {TYPICAL_STANDARD} in months (when no programme says)",
         typical_duration_months(), "integer"),
    )
    for name, text, value, fmt in on_costs:
        label = ws.cell(r, FIRST_COLUMN)
        put_text(label, text)
        put_style(label, LABEL)
        cell = ws.cell(r, FIRST_COLUMN + 2, value)
        put_style(cell, CALC)
        cell.number_format = NUMBER_FORMATS[fmt]
        _define(ws, layout, name, absolute_coordinate(cell.coordinate))
        r += 1
