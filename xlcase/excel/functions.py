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
from xlcase.template import DEFAULT_TEMPLATE, Table, Template, load_template

DEFAULT_RATE = 0.035  # Green Book real discount rate, years 0-30
MAX_YEARS = MAX_APPRAISAL_YEARS  # the longest appraisal period the case model accepts
FINDING_HEADERS = ["Rule", "Severity", "Message", "Row"]

_RATE_DOC = "Real discount rate for years 0-30 (default 3.5%, the Green Book rate); later years use the Green Book long-term rates."
_COSTS_DOC = ("Costs by year from year 0: a row or a column, or a block of cost lines (rows) by year (columns), "
              "summed per year. Empty cells are 0.")
_BENEFITS_DOC = "Benefits by year from year 0, laid out like costs. Empty cells are 0."
_BIAS_DOC = "Optimism bias uplift applied to every cost (default 0; 0.2 = +20%)."


def _option_function(costs_doc: str) -> Callable[[Callable[..., Any]], Any]:
    """The xlwings declaration shared by the functions of one option's costs and benefits by year."""
    def declare(function: Callable[..., Any]) -> Any:
        declared = cell_boundary(function)
        for decorator in (
            arg("optimism_bias", err_to_str=True, doc=_BIAS_DOC),
            arg("rate", err_to_str=True, doc=_RATE_DOC),
            arg("benefits", ndim=2, err_to_str=True, doc=_BENEFITS_DOC),
            arg("costs", ndim=2, err_to_str=True, doc=costs_doc),
            func,
        ):
            declared = decorator(declared)
        return declared
    return declare


def _pair(costs: Any, benefits: Any) -> tuple[np.ndarray, np.ndarray]:
    """Costs and benefits as one-row option × year matrices of equal length (the shorter padded with 0)."""
    cost_row, benefit_row = series(costs, "costs"), series(benefits, "benefits")
    years = max(cost_row.size, benefit_row.size, 1)
    if years > MAX_YEARS:
        raise ValueError(f"at most {MAX_YEARS} years can be appraised, got {years}")
    return np.pad(cost_row, (0, years - cost_row.size))[None, :], np.pad(benefit_row, (0, years - benefit_row.size))[None, :]


def _option(costs: Any, benefits: Any, rate: Any, optimism_bias: Any) -> OptionResult:
    """The engine's appraisal of one option's flows, against doing nothing with no flows (business as usual)."""
    cost_rows, benefit_rows = _pair(costs, benefits)
    result = appraise_arrays(
        cost_rows, benefit_rows, rate=number(rate, "rate", DEFAULT_RATE),
        optimism_bias=number(optimism_bias, "optimism_bias", 0.0), scenarios=(),
    )
    return result.options[0]


@func
@arg("years", err_to_str=True, doc=f"How many years: factors for years 0 to years-1 (1 to {MAX_YEARS}).")
@arg("rate", err_to_str=True, doc=_RATE_DOC)
@cell_boundary
def xlcase_discount_factors(years: Any, rate: Any = DEFAULT_RATE) -> list[list[float]]:
    """Green Book discount factors DF0 (=1) to DF(years-1) as one row that spills to the right."""
    count = whole(years, "years", 1, MAX_YEARS)
    return [discount_factors(count, number(rate, "rate", DEFAULT_RATE)).tolist()]


@func
@arg("values", ndim=2, err_to_str=True, doc="Amounts by year from year 0: a row, a column, or a block of lines (rows) by year (columns), summed per year. Empty cells are 0.")
@arg("rate", err_to_str=True, doc=_RATE_DOC)
@cell_boundary
def xlcase_pv(values: Any, rate: Any = DEFAULT_RATE) -> float:
    """Present value of amounts by year from year 0, discounted by the Green Book schedule."""
    return present_value(series(values, "values"), number(rate, "rate", DEFAULT_RATE))


@_option_function(_COSTS_DOC)
def xlcase_npv(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE, optimism_bias: Any = 0.0) -> float:
    """Net present value: PV of benefits minus PV of costs uplifted by optimism bias (Green Book)."""
    return _option(costs, benefits, rate, optimism_bias).npv


@_option_function(_COSTS_DOC)
def xlcase_bcr(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE, optimism_bias: Any = 0.0) -> Any:
    """Benefit-cost ratio: PV of benefits / PV of costs with optimism bias (#DIV/0! when PV costs is 0)."""
    return or_error(_option(costs, benefits, rate, optimism_bias).bcr, DIVIDE_BY_ZERO)


@_option_function(_COSTS_DOC + " Costs and benefits relative to doing nothing.")
def xlcase_payback(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE, optimism_bias: Any = 0.0) -> Any:
    """Discounted payback year: the first year in which cumulative discounted net benefit reaches 0 (#N/A when never)."""
    return or_error(_option(costs, benefits, rate, optimism_bias).discounted_payback_year, NOT_AVAILABLE)


@_option_function(_COSTS_DOC + " Costs and benefits relative to doing nothing.")
def xlcase_switching_values(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE,
                            optimism_bias: Any = 0.0) -> list[list[Any]]:
    """Switching values as one row: the fraction by which costs may rise, then by which benefits may fall,
    before the option is no better than doing nothing (#DIV/0! where a PV is 0)."""
    option = _option(costs, benefits, rate, optimism_bias)
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
