"""XC7xx: the appraisal: saved formula results, and what a reviewer should know about the preferred option."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.findings import Finding
from xlcase.formats import pounds
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import listed, shown, shown_id


def _preferred(review: Review):
    """(index, result) of the one preferred option, or None."""
    appraisal = review.appraisal
    if appraisal is None:
        return None
    preferred = [(i, o) for i, o in enumerate(appraisal.options) if o.preferred]
    if len(preferred) != 1 or preferred[0][1].do_nothing:
        return None
    return preferred[0]


@rule("XC701", "stale-formula-result", "error", "appraisal")
def stale_formula_result(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every result saved in the Results and Sensitivity tables agrees with what xlcase
    computes from the workbook's inputs, and no result formula has been replaced by a typed number.

    Why a reviewer cares: a typed-over or stale result means the figures the panel reads are not the
    figures the inputs give.

    How to fix: restore the formula (copy it from a neighbouring row) and recalculate (F9), then save.
    """
    if review.package is None or review.appraisal is None:
        return
    from xlcase.cached_results import cached_result_findings

    yield from cached_result_findings(review, review.appraisal)  # type: ignore[arg-type]


def _percent(value: float | None) -> str:
    return "none" if value is None else f"{value:.0%}"


def _rate(value: float) -> str:
    """A rate as typed, without rounding it into its bound: 1.5% stays 1.5%, 0.41 is 41%."""
    return f"{value * 100:g}%"


@rule("XC702", "switching-values", "info", "appraisal")
def switching_values(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: reports the preferred option's switching values: by how much its costs may rise,
    or its benefits fall, before it is no better than doing nothing.

    Why a reviewer cares: the Green Book expects switching values for the preferred option; small ones
    mean the case depends on estimates being right.

    How to fix: nothing to fix; if a switching value is small, say in the case why the estimates are
    reliable, or reduce the uncertainty.
    """
    found = _preferred(review)
    if found is None:
        return
    index, option = found
    named = shown_id(option.id)
    message = (f"preferred option {named}: NPV against doing nothing {pounds(option.npv_vs_do_nothing)}; costs may "
               f"rise by {_percent(option.cost_switching_value)} or benefits fall by "
               f"{_percent(option.benefit_switching_value)} before it is no better than doing nothing")
    if option.npv_vs_do_nothing < 0:
        message = (f"preferred option {named} is worse than doing nothing (NPV against doing nothing "
                   f"{pounds(option.npv_vs_do_nothing)}): it has no positive switching values")
    yield finding(message, where=review.results_cell(option.id or "", "cost_switching_value", index),
                 value=option.cost_switching_value)


@rule("XC703", "sensitivity", "info", "appraisal")
def sensitivity(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: reports the preferred option's NPV against doing nothing under each sensitivity
    scenario (costs up, benefits down or delayed, other discount rates), and whether any makes it negative.

    Why a reviewer cares: the Green Book expects sensitivity analysis; a case that turns negative under a
    plausible scenario needs that risk managed.

    How to fix: nothing to fix; explain or mitigate any scenario that turns the NPV negative.
    """
    found = _preferred(review)
    appraisal = review.appraisal
    if found is None or appraisal is None:
        return
    index, option = found
    rows = [r for r in appraisal.sensitivity if r.option == option.id]
    if not rows:
        return
    shown = "; ".join(f"{r.scenario} {pounds(r.npv_vs_do_nothing)}" for r in rows)
    negative = [r.scenario for r in rows if r.npv_vs_do_nothing < 0]
    verdict = (f"it turns negative under: {', '.join(negative)}" if negative
               else "it stays positive under every scenario" if option.npv_vs_do_nothing >= 0 else "")
    message = f"sensitivity of preferred option {shown_id(option.id)} (NPV against doing nothing): {shown}"
    yield finding(message + (f"; {verdict}" if verdict else ""),
                 where=review.sensitivity_cell(option.id or "", index), value=option.id)


@rule("XC704", "optimism-bias-outside-bounds", "warning", "appraisal")
def optimism_bias_outside_bounds(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: each option's optimism bias (its own on the Options sheet, else the default on the
    Inputs sheet; doing nothing only when it has its own) lies within the Green Book supplementary
    guidance's lower and upper bounds for the case's project type (the table on the Inputs sheet).

    Why a reviewer cares: the guidance starts an appraisal at the upper bound and lets the uplift fall
    towards the lower bound only as risks are managed and costed; an uplift above the upper bound has no
    basis in the evidence, and one below the lower bound claims more certainty than any project of that
    type has shown. A workforce programme has no project type of its own: the default, outsourcing, is the
    nearest analogue, and its bounds are generic operating-cost figures, not evidence about training.

    How to fix: set the uplift within the bounds, or pick the project type that fits (Inputs sheet), or
    explain in the option's justification why the case departs from the guidance.
    """
    from xlcase.appraisal import effective_optimism_bias
    from xlcase.reference import green_book, optimism_bias_bounds

    case = review.case
    guidance = green_book().optimism_bias
    project_type = case.assumptions.optimism_bias_project_type
    bounds = optimism_bias_bounds(project_type)
    label = review.template.label("optimism_bias_project_type", project_type)
    basis = (f"the Green Book bounds for {label} are {_rate(bounds.lower)} to {_rate(bounds.upper)} of {bounds.measure} "
             f"({guidance.source})")
    if project_type == guidance.default_project_type:
        basis += ("; the project type is the default analogue, outsourcing: these are generic operating-cost "
                  "bounds, not figures for a training programme")

    def verdict(value: float) -> str | None:
        if value > bounds.upper:
            return f"above the upper bound ({_rate(bounds.upper)})"
        if value < bounds.lower:
            return f"below the lower bound ({_rate(bounds.lower)})"
        return None

    on_default: list[str] = []
    for i, option in enumerate(case.options):
        if option.optimism_bias is None:
            if not option.do_nothing:
                on_default.append(shown_id(option.id) if option.id else f"row {i + 1}")
            continue
        outside = verdict(effective_optimism_bias(case, i))
        if outside:
            yield finding(f"option {shown_id(option.id)}'s own optimism bias {_rate(option.optimism_bias)} is {outside}: "
                         f"{basis}", "options", i, "optimism_bias", value=option.optimism_bias)
    default = case.assumptions.optimism_bias
    outside = verdict(default)
    if on_default and outside:
        yield finding(f"the default optimism bias {_rate(default)}, used by option(s) {listed(on_default)}, is "
                     f"{outside}: {basis}", "assumptions", "optimism_bias", value=default)


MAX_CALCULATED_FINDINGS = 20  # XC705 findings listed per column; the rest are counted in one more


@rule("XC705", "calculated-cell-missing-or-typed-over", "error", "appraisal")
def calculated_cell(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every filled row of a data table with a calculated column (the Risks table's Score,
    the Costs table's Pay or non-pay and Continues, the Apprenticeships table's Completing) still has that
    column's formula: it is not empty and no number or text has been typed over it.

    Why a reviewer cares: a row inserted where the formula was not copied (LibreOffice Calc does not fill a
    table's calculated column into a new row; Excel does) or a typed-over score is a figure the rest of the
    workbook no longer calculates: a risk without a score, or a cost line the financial case treats wrongly.

    How to fix: copy the formula from the cell above into the empty or typed-over cell (select it and the
    cell above, then Ctrl+D in Excel or LibreOffice Calc).
    """
    package = review.package
    if package is None:
        return
    from xlcase.package import column_letters, split_range

    for table in review.template.tables.values():
        calculated = [c for c in table.columns if c.type == "formula"]
        found = package.table(table.name)
        if not calculated or found is None:
            continue
        formula_headers = {c.header for c in calculated}
        (_, left), _ = split_range(found.ref)
        for column in calculated:
            if column.header not in found.columns:
                continue  # a missing column is XC003's
            letter = column_letters(left + found.columns.index(column.header))
            wrong = []
            for row in package.table_rows(table.name):
                if not any(_has_value(cell) for header, cell in row.items() if header not in formula_headers):
                    continue  # a spare row: nothing typed in its input columns
                cell = row.get(column.header)
                if cell is None or cell.formula is None:
                    number = next(iter(row.values())).row
                    wrong.append((f"{letter}{number}", None if cell is None else cell.value))
            for ref, value in wrong[:MAX_CALCULATED_FINDINGS]:
                state = ("is empty: its formula is missing" if value is None or str(value).strip() == ""
                         else f"holds {shown(value)}, typed over its formula")
                yield finding(f"{column.header} of the {table.name} table at {ref} {state}, so nothing calculates "
                             "it; copy the formula from the row above", value=value,
                             section=table.section, where=(found.sheet, ref))
            if len(wrong) > MAX_CALCULATED_FINDINGS:
                yield finding(f"{len(wrong) - MAX_CALCULATED_FINDINGS:,} more cells of {column.header} in the "
                             f"{table.name} table have lost their formula", section=table.section,
                             where=(found.sheet, wrong[MAX_CALCULATED_FINDINGS][0]))


def _has_value(cell) -> bool:
    """Whether a cell holds a typed value (not a formula, not blank)."""
    return cell.formula is None and cell.value is not None and str(cell.value).strip() != ""
