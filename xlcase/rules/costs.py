"""XC6xx: cost and benefit lines."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.formats import pounds
from xlcase.review import Review
from xlcase.rules import Report, rule
from xlcase.appraisal import option_key
from xlcase.text import clip, id_key, ids_by_key, shown_id

BENEFIT_PARTS = {"beneficiary": "beneficiary", "category": "class", "measure": "measure"}


def _lines(review: Review) -> Iterator[tuple[str, str, int, object]]:
    """(table key, section, index, line) of every cost line, then every benefit line."""
    for i, line in enumerate(review.case.costs):
        yield "costs", "costs", i, line
    for i, line in enumerate(review.case.benefits):
        yield "benefits", "benefits", i, line


def _what(key: str, i: int, line) -> str:
    kind = "cost" if key == "costs" else "benefit"
    return f"{kind} line {i + 1}" + (f" ({clip(line.description)})" if line.description else "")


@rule("XC601", "line-for-unknown-option", "error", "costs")
def unknown_option(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: every cost and benefit line names, in its Option column, the ID of an option on the
    Options sheet.

    Why a reviewer cares: a line for an option that does not exist is left out of every option's totals,
    so the appraisal silently misses it. A line whose option looks like an option's ID but is not the
    same text (a zero-width space, a full-width letter, extra spaces) is reported with the ID it
    resembles: neither the workbook's formulas nor xlcase count it. (A difference of case alone does not
    matter: the workbook's SUMIFS and xlcase both ignore case.)

    How to fix: correct the Option cell to one of the option IDs (O0, O1, ...), or add the option.
    """
    counted = {option_key(i) for i in review.case.option_ids()}  # as SUMIFS and the engine match: ignoring case
    by_key = ids_by_key(review.case.option_ids())
    for key, section, i, line in _lines(review):
        if not filled(line.option) or option_key(line.option) in counted:
            continue
        what, named = _what(key, i, line), shown_id(line.option)
        real = by_key.get(id_key(line.option))
        if real is None:
            message = (f"{what} is for option {named}, which is not on the Options sheet; it is left out of the "
                       "appraisal")
        else:
            message = (f"{what} is for option {named}, which is option {shown_id(real)} but for invisible, "
                       "look-alike or extra space characters: neither the workbook's formulas nor xlcase count it "
                       "for any option; type the ID exactly as on the Options sheet")
        yield report(message, key, i, "option", value=line.option, section=section)


@rule("XC602", "negative-amount", "warning", "costs")
def negative_amount(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: no cost or benefit amount is negative.

    Why a reviewer cares: a negative cost is usually a saving entered in the wrong place (it belongs on the
    Benefits sheet), and a negative benefit a cost; either way the BCR is distorted.

    How to fix: enter savings as benefits and extra costs as costs, both as positive amounts.
    """
    for key, section, i, line in _lines(review):
        for t, amount in enumerate(line.amounts):
            if amount < 0:
                yield report(f"{_what(key, i, line)} has a negative amount in year {t} ({pounds(amount)}); enter "
                             f"{'savings as benefits' if key == 'costs' else 'costs as costs'}, as positive amounts",
                             key, i, "amounts", t, value=amount, section=section)


@rule("XC603", "amount-beyond-period", "warning", "costs")
def beyond_period(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: no cost or benefit amount is entered for a year after the appraisal period
    (the "Appraisal period (years)" input on the Inputs sheet).

    Why a reviewer cares: amounts beyond the period are left out of the appraisal, so the figures do not
    show everything the case entered.

    How to fix: lengthen the appraisal period, or move or remove the amounts.
    """
    years = review.case.assumptions.appraisal_years
    for key, section, i, line in _lines(review):
        for t, amount in enumerate(line.amounts):
            if t >= years and amount != 0:
                yield report(f"{_what(key, i, line)} has {pounds(amount)} in year {t}, after the {years}-year appraisal "
                             f"period (years 0 to {years - 1}); it is left out of the appraisal",
                             key, i, "amounts", t, value=amount, section=section)


@rule("XC604", "benefit-incomplete", "error", "benefits",
      covers=tuple(f"benefits[].{k}" for k in BENEFIT_PARTS))
def benefit_incomplete(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: every benefit line says who benefits (trust, department, patients, service users,
    staff), its class (cash-releasing, non-cash-releasing, societal, unmonetisable) and how it is measured.

    Why a reviewer cares: the guidance asks for the benefits to the trust, departments, patients, service
    users and staff; a benefit without a measure cannot be tracked or evaluated, and only cash-releasing
    benefits help affordability.

    How to fix: fill "Beneficiary", "Class" and "Measure" in the benefit's row.
    """
    for i, line in enumerate(review.case.benefits):
        for key, label in BENEFIT_PARTS.items():
            if not filled(getattr(line, key)) and not review.reported("benefits", i, key):
                yield report(f"{_what('benefits', i, line)} has no {label}", "benefits", i, key,
                             value=line.description)


@rule("XC605", "monetised-benefit-without-amounts", "info", "benefits")
def monetised_without_amounts(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: a benefit classed as cash-releasing, non-cash-releasing or societal has an amount
    in at least one year.

    Why a reviewer cares: a monetised benefit with no amounts adds nothing to the appraisal; either it was
    not valued yet or it belongs in the unmonetisable class.

    How to fix: enter its value by year, or change its class to Unmonetisable.
    """
    for i, line in enumerate(review.case.benefits):
        if line.category and line.category != "unmonetisable" and not any(line.amounts):
            label = review.template.label("benefit_class", line.category)
            yield report(f"{_what('benefits', i, line)} is classed {label} but has no amounts: value it by year "
                         "or class it as Unmonetisable", "benefits", i, "category", value=label)
