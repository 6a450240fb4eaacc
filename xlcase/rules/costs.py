"""XC6xx: cost and benefit lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from xlcase.appraisal import option_key
from xlcase.completeness import filled
from xlcase.conventions import CASH_RELEASING
from xlcase.findings import Finding
from xlcase.formats import pounds
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import clip, financial_year, id_key, ids_by_key, listed, shown_id

BENEFIT_PARTS = {"beneficiary": "beneficiary", "category": "class", "measure": "measure"}
SAVING_ROUNDING = 0.5  # pounds: a cost this close to doing nothing's is the same cost, not a saving


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
def unknown_option(review: Review, finding: FindingMaker) -> Iterator[Finding]:
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
        yield finding(message, key, i, "option", value=line.option, section=section)


@rule("XC602", "negative-amount", "warning", "costs")
def negative_amount(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no cost or benefit amount is negative.

    Why a reviewer cares: a negative cost is usually a saving entered in the wrong place (it belongs on the
    Benefits sheet), and a negative benefit a cost; either way the BCR is distorted.

    How to fix: enter savings as benefits and extra costs as costs, both as positive amounts.
    """
    for key, section, i, line in _lines(review):
        for t, amount in enumerate(line.amounts):
            if amount < 0:
                yield finding(f"{_what(key, i, line)} has a negative amount in year {t} ({pounds(amount)}); enter "
                             f"{'savings as benefits' if key == 'costs' else 'costs as costs'}, as positive amounts",
                             key, i, "amounts", t, value=amount, section=section)


@rule("XC603", "amount-beyond-period", "warning", "costs")
def beyond_period(review: Review, finding: FindingMaker) -> Iterator[Finding]:
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
                yield finding(f"{_what(key, i, line)} has {pounds(amount)} in year {t}, after the {years}-year appraisal "
                             f"period (years 0 to {years - 1}); it is left out of the appraisal",
                             key, i, "amounts", t, value=amount, section=section)


@rule("XC604", "benefit-incomplete", "error", "benefits",
      covers=tuple(f"benefits[].{k}" for k in BENEFIT_PARTS))
def benefit_incomplete(review: Review, finding: FindingMaker) -> Iterator[Finding]:
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
                yield finding(f"{_what('benefits', i, line)} has no {label}", "benefits", i, key,
                             value=line.description)


@rule("XC605", "monetised-benefit-without-amounts", "info", "benefits")
def monetised_without_amounts(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: a benefit classed as cash-releasing, non-cash-releasing or societal has an amount
    in at least one year.

    Why a reviewer cares: a monetised benefit with no amounts adds nothing to the appraisal; either it was
    not valued yet or it belongs in the unmonetisable class.

    How to fix: enter its value by year, or change its class to Unmonetisable.
    """
    for i, line in enumerate(review.case.benefits):
        if line.category and line.category != "unmonetisable" and not any(line.amounts):
            label = review.template.label("benefit_class", line.category)
            yield finding(f"{_what('benefits', i, line)} is classed {label} but has no amounts: value it by year "
                         "or class it as Unmonetisable", "benefits", i, "category", value=label)


@rule("XC606", "cash-releasing-without-budget-line", "warning", "benefits")
def cash_releasing_without_budget_line(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every cash-releasing benefit with an amount names, in "Budget line", the budget it
    releases (a cost centre or ledger line).

    Why a reviewer cares: cash is released only when a budget is reduced; a saving that names no budget
    cannot be taken out of one, so the financial case counts money that finance cannot find.

    How to fix: name the cost centre or budget line (e.g. "AMU agency nursing, 123456"), agreed with the
    budget holder and finance; if no budget will be reduced, class the benefit as non-cash-releasing.
    """
    for i, line in enumerate(review.case.benefits):
        if line.category == CASH_RELEASING and any(line.amounts) and not filled(line.budget_line):
            yield finding(f"{_what('benefits', i, line)} is cash-releasing ({pounds(sum(line.amounts))} in all) but "
                         "names no budget line: say which budget (cost centre) releases the cash",
                         "benefits", i, "budget_line", value=line.description)


# Words that name a spend an option saves (agency, bank and overtime shifts, vacancies ...), each form under
# the thing it names: a benefit line and a cost line that name the same thing may count one saving twice.
SAVING_WORDS = {
    "agency": "agency", "agencies": "agency", "bank": "bank", "overtime": "overtime", "locum": "locum",
    "locums": "locum", "vacancy": "vacancy", "vacancies": "vacancy", "vacant": "vacancy", "turnover": "turnover",
    "leavers": "turnover", "sickness": "sickness", "recruitment": "recruitment", "premium": "premium",
}
_WORD = re.compile(r"\w+")


def _by_year(amounts: list[float], years: int) -> np.ndarray:
    """A line's amounts over the appraisal period (missing years 0, later years left out)."""
    out = np.zeros(years)
    out[:min(years, len(amounts))] = amounts[:years]
    return out


def saving_words(text: str | None) -> frozenset[str]:
    """The things of SAVING_WORDS that a description names ("Agency shifts, bank cover" -> agency, bank)."""
    return frozenset(SAVING_WORDS[w] for w in _WORD.findall(id_key(text)) if w in SAVING_WORDS)


@rule("XC607", "saving-counted-twice", "warning", "benefits")
def saving_counted_twice(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no option claims a cash-releasing benefit for a spend (agency, bank, overtime, locum,
    vacancies, turnover, sickness, recruitment, premium rates) in a year in which its own cost lines naming
    that spend are already below doing nothing's. A benefit and a cost line are about the same spend when
    their descriptions name it.

    Why a reviewer cares: a saving entered as a lower cost already raises the option's NPV against doing
    nothing; claiming it again as a benefit counts it twice and overstates the value for money and the
    affordability.

    How to fix: enter the saving once: either as the lower cost (do nothing carries the spend, the option
    its smaller spend, and no benefit line for it), or as the benefit, with the option's cost lines carrying
    do nothing's full spend (or neither carrying it).
    """
    case = review.case
    dn = case.do_nothing_option()
    dn_key = option_key(dn.id) if dn is not None else None
    if not dn_key:
        return
    years = case.assumptions.appraisal_years
    # one pass over the cost lines into an index by (option, spend named), one over the benefits against it
    spend: dict[tuple[str, str], np.ndarray] = {}  # (option, spend named) -> cost by year
    dn_line: dict[str, int] = {}  # spend named -> do nothing's first cost line naming it
    for i, line in enumerate(case.costs):
        key = option_key(line.option)
        words = saving_words(line.description) if key else frozenset()
        amounts = _by_year(line.amounts, years) if words else None
        for word in words:
            spend[key, word] = spend.get((key, word), 0.0) + amounts
            if key == dn_key:
                dn_line.setdefault(word, i)
    none = np.zeros(years)
    options = {option_key(o) for o in case.option_ids()}
    for i, line in enumerate(case.benefits):
        key = option_key(line.option)
        if line.category != CASH_RELEASING or key not in options or key == dn_key or not any(line.amounts[:years]):
            continue
        claimed = _by_year(line.amounts, years)
        for word in sorted(saving_words(line.description) & dn_line.keys()):
            below = spend[dn_key, word] - spend.get((key, word), none)
            both = np.flatnonzero((below > SAVING_ROUNDING) & (claimed > 0))
            if not both.size:
                continue
            first = int(both[0])
            shown_years = listed([f"{t} ({financial_year(case.assumptions.base_year + t)})" for t in both], 5)
            k = dn_line[word]
            yield finding(f"{_what('benefits', i, line)} claims {pounds(claimed[both].sum())} of cash-releasing {word} "
                         f"savings in year(s) {shown_years}, while option {shown_id(line.option)}'s cost lines naming "
                         f"{word} are {pounds(below[both].sum())} below doing nothing's in those years (do nothing's "
                         f"{_what('costs', k, case.costs[k])}): the {word} saving looks counted twice, as a lower cost "
                         f"and as a benefit. Enter it once: as the lower cost (and no benefit line), or as this benefit "
                         f"with the option's costs carrying do nothing's full {word} spend",
                         "benefits", i, "amounts", first, value=line.description)
            break
