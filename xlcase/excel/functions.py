"""The ``XLCASE_...`` Excel functions: each converts its arguments (``convert``) and calls one library function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from xlwings import arg, func

from xlcase.appraisal import OptionResult, appraise_arrays, discount_factors, present_value
from xlcase.excel.convert import (
    DIVIDE_BY_ZERO,
    MAX_LISTED_FINDINGS,
    NOT_AVAILABLE,
    cell_boundary,
    matrix,
    number,
    or_error,
    scalar,
    series,
    unlisted,
    whole,
)
from xlcase.excel.tables import table_findings
from xlcase.model import MAX_APPRAISAL_YEARS
from xlcase.reference import discount_schedule
from xlcase.template import DEFAULT_TEMPLATE, Table, Template, load_template

MAX_YEARS = MAX_APPRAISAL_YEARS  # the longest appraisal period the case model accepts
FINDING_HEADERS = ["Rule", "Severity", "Message", "Row"]

_RATE_DOC = ("Real discount rate for years 0-30 (default: the Green Book rate in xlcase's dated reference data); "
             "later years use the Green Book long-term rates.")
_COSTS_DOC = ("Costs by year from year 0: a row or a column, or a block of cost lines (rows) by year (columns), "
              "summed per year. Empty cells are 0.")
_BENEFITS_DOC = "Benefits by year from year 0, laid out like costs. Empty cells are 0."
_BIAS_DOC = "Optimism bias uplift applied to the option's costs (default 0; 0.2 = +20%); none on doing nothing's."
_DN_COSTS_DOC = ("Costs of doing nothing (business as usual) by year, laid out like costs; empty: none, so the "
                 "option's flows are taken as relative to doing nothing.")
_DN_BENEFITS_DOC = "Benefits of doing nothing by year, laid out like costs; empty: none."


def _rate(value: Any) -> float:
    """The rate typed in a cell, or the Green Book rate for years 0-30 of the reference data when it is empty."""
    return number(value, "rate", discount_schedule().short_term_rate)


def _option_function(costs_doc: str, *, against_do_nothing: bool = False) -> Callable[[Callable[..., Any]], Any]:
    """The xlwings declaration shared by the functions of one option's costs and benefits by year (and, for
    the figures measured against doing nothing, the do-nothing option's)."""
    def declare(function: Callable[..., Any]) -> Any:
        declared = cell_boundary(function)
        do_nothing = (arg("do_nothing_benefits", ndim=2, err_to_str=True, doc=_DN_BENEFITS_DOC),
                      arg("do_nothing_costs", ndim=2, err_to_str=True, doc=_DN_COSTS_DOC)) if against_do_nothing else ()
        for decorator in (
            *do_nothing,
            arg("optimism_bias", err_to_str=True, doc=_BIAS_DOC),
            arg("rate", err_to_str=True, doc=_RATE_DOC),
            arg("benefits", ndim=2, err_to_str=True, doc=_BENEFITS_DOC),
            arg("costs", ndim=2, err_to_str=True, doc=costs_doc),
            func,
        ):
            declared = decorator(declared)
        return declared
    return declare


def _rows(**flows: Any) -> dict[str, np.ndarray]:
    """Flows by year as rows of one length (the shorter padded with 0); an omitted argument is all 0."""
    rows = {what: series(value, what) if value is not None else np.zeros(0) for what, value in flows.items()}
    years = max(max(row.size for row in rows.values()), 1)
    if years > MAX_YEARS:
        raise ValueError(f"at most {MAX_YEARS} years can be appraised, got {years}")
    return {what: np.pad(row, (0, years - row.size)) for what, row in rows.items()}


def _option(costs: Any, benefits: Any, rate: Any, optimism_bias: Any, do_nothing_costs: Any = None,
            do_nothing_benefits: Any = None) -> OptionResult:
    """The engine's appraisal of one option's flows against doing nothing: the do-nothing flows given, or none
    (the option's flows are then its difference from business as usual). Doing nothing carries no optimism bias."""
    rows = _rows(costs=costs, benefits=benefits, do_nothing_costs=do_nothing_costs,
                 do_nothing_benefits=do_nothing_benefits)
    result = appraise_arrays(
        np.vstack([rows["do_nothing_costs"], rows["costs"]]), np.vstack([rows["do_nothing_benefits"], rows["benefits"]]),
        do_nothing=0, rate=_rate(rate), optimism_bias=[0.0, number(optimism_bias, "optimism_bias", 0.0)],
        scenarios=(),
    )
    return result.options[1]


@func
@arg("years", err_to_str=True, doc=f"How many years: factors for years 0 to years-1 (1 to {MAX_YEARS}).")
@arg("rate", err_to_str=True, doc=_RATE_DOC)
@cell_boundary
def xlcase_discount_factors(years: Any, rate: Any = None) -> list[list[float]]:
    """Green Book discount factors DF0 (=1) to DF(years-1) as one row that spills to the right."""
    count = whole(years, "years", 1, MAX_YEARS)
    return [discount_factors(count, _rate(rate)).tolist()]


@func
@arg("values", ndim=2, err_to_str=True, doc="Amounts by year from year 0: a row, a column, or a block of lines (rows) by year (columns), summed per year. Empty cells are 0.")
@arg("rate", err_to_str=True, doc=_RATE_DOC)
@cell_boundary
def xlcase_pv(values: Any, rate: Any = None) -> float:
    """Present value of amounts by year from year 0, discounted by the Green Book schedule."""
    return present_value(series(values, "values"), _rate(rate))


@_option_function(_COSTS_DOC)
def xlcase_npv(costs: Any, benefits: Any, rate: Any = None, optimism_bias: Any = 0.0) -> float:
    """Net present value: PV of benefits minus PV of costs uplifted by optimism bias (Green Book)."""
    return _option(costs, benefits, rate, optimism_bias).npv


@_option_function(_COSTS_DOC, against_do_nothing=True)
def xlcase_bcr(costs: Any, benefits: Any, rate: Any = None, optimism_bias: Any = 0.0, do_nothing_costs: Any = None,
               do_nothing_benefits: Any = None) -> Any:
    """Benefit-cost ratio against doing nothing: incremental PV benefits (and savings) / incremental PV costs
    (#DIV/0! when the option costs nothing more than doing nothing)."""
    option = _option(costs, benefits, rate, optimism_bias, do_nothing_costs, do_nothing_benefits)
    return or_error(option.bcr, DIVIDE_BY_ZERO)


@_option_function(_COSTS_DOC, against_do_nothing=True)
def xlcase_payback(costs: Any, benefits: Any, rate: Any = None, optimism_bias: Any = 0.0,
                   do_nothing_costs: Any = None, do_nothing_benefits: Any = None) -> Any:
    """Discounted payback year: the first year from which the cumulative discounted net benefit against doing
    nothing stays at or above 0 (#N/A when it never does)."""
    option = _option(costs, benefits, rate, optimism_bias, do_nothing_costs, do_nothing_benefits)
    return or_error(option.discounted_payback_year, NOT_AVAILABLE)


@_option_function(_COSTS_DOC, against_do_nothing=True)
def xlcase_switching_values(costs: Any, benefits: Any, rate: Any = None, optimism_bias: Any = 0.0,
                            do_nothing_costs: Any = None, do_nothing_benefits: Any = None) -> list[list[Any]]:
    """Switching values as one row: the fraction by which the option's additional costs may rise, then by which
    its benefits and savings may fall, before it is no better than doing nothing (#DIV/0! where there are none)."""
    option = _option(costs, benefits, rate, optimism_bias, do_nothing_costs, do_nothing_benefits)
    values = (option.cost_switching_value, option.benefit_switching_value)
    return [[DIVIDE_BY_ZERO if v is None else v for v in values]]


@func
@arg("table", ndim=2, err_to_str=True,
     doc="One Excel Table's whole range including its header row, e.g. Options[#All].")
@arg("kind", err_to_str=True, doc="Which table it is: its name in the template, e.g. \"options\", \"costs\", \"benefits\", \"risks\", \"stakeholders\".")
@cell_boundary
def xlcase_validate(table: Any, kind: Any) -> list[list[Any]]:
    """The xlcase rules' findings for one table (rule, severity, message, row of the table), spilling."""
    template = load_template(DEFAULT_TEMPLATE)
    table_def = _table_for_kind(template, scalar(kind, "kind"))
    findings = table_findings(matrix(table), table_def, template)
    rows: list[list[Any]] = [list(FINDING_HEADERS)]
    for finding, row in findings[:MAX_LISTED_FINDINGS]:
        rows.append([finding.rule, finding.severity, finding.message, "" if row is None else row])
    if len(findings) > MAX_LISTED_FINDINGS:
        rows.append(["", "info", unlisted(len(findings) - MAX_LISTED_FINDINGS), ""])
    if len(rows) == 1:
        rows.append(["", "ok", f"no findings for the {table_def.name} table", ""])
    return rows


def _table_for_kind(template: Template, kind: Any) -> Table:
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError("kind must name a table, e.g. \"options\"")
    wanted = kind.strip().casefold()
    for table in template.tables.values():
        if wanted in (table.name.casefold(), table.key.casefold(), table.key.split(".")[-1].casefold()):
            return table
    known = ", ".join(sorted(t.name.lower() for t in template.tables.values()))
    raise ValueError(f"unknown kind {kind!r}; one of: {known}")


FUNCTIONS: tuple[Callable[..., Any], ...] = (
    xlcase_discount_factors, xlcase_pv, xlcase_npv, xlcase_bcr, xlcase_payback, xlcase_switching_values,
    xlcase_validate,
)
