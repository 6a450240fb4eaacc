"""The Green Book appraisal engine: discounting, NPV, BCR, payback, switching values and sensitivity.

Plain numpy, no spreadsheet. The conventions are the contract in DESIGN.md ("Appraisal
(Green Book conventions)"); rates and sensitivity scenarios come from the dated reference
data (``xlcase.reference``). ``appraise_arrays`` is the vectorised core over an
option × year matrix; ``appraise`` builds those matrices from a ``Case``.

Choices the contract leaves open:
- every option gets a result row, in case order; an option without an id has no lines
  (its flows are zero) and its ``id`` is None;
- a cost or benefit line counts towards every option carrying its option id (as a
  SUMIFS over the option column would), so two options sharing an id show the same
  figures; lines naming no existing option are ignored (XC601 reports them);
- the first option marked do nothing is the reference; sensitivity rows are given for
  every other option (for do nothing itself the comparison is nil by definition);
- a figure that does not exist, or is not finite, is None (null in JSON).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from xlcase.errors import BadInputError
from xlcase.model import BenefitLine, Case, CostLine
from xlcase.reference import DiscountSchedule, SensitivityScenario, discount_schedule, sensitivity_scenarios

OPTION_KEYS: tuple[str, ...] = (
    "id",
    "name",
    "pv_costs",
    "pv_benefits",
    "npv",
    "npv_vs_do_nothing",
    "bcr",
    "discounted_payback_year",
    "cost_switching_value",
    "benefit_switching_value",
)
FIGURE_LABELS: dict[str, str] = {  # each figure's name in the workbook's Results table and in reports
    "pv_costs": "PV costs",
    "pv_benefits": "PV benefits",
    "npv": "NPV",
    "npv_vs_do_nothing": "NPV vs do nothing",
    "bcr": "BCR",
    "discounted_payback_year": "Discounted payback year",
    "cost_switching_value": "Cost switching value",
    "benefit_switching_value": "Benefit switching value",
}
ASSUMPTION_KEYS: tuple[str, ...] = ("base_year", "appraisal_years", "discount_rate", "optimism_bias", "price_base_year")


def _number(value: float | None) -> float | None:
    """A plain Python float, or None for a figure that does not exist or is not finite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class OptionResult:
    """The appraisal figures of one option; None where a figure does not exist."""

    id: str | None
    name: str | None
    pv_costs: float
    pv_benefits: float
    npv: float
    npv_vs_do_nothing: float
    bcr: float | None
    discounted_payback_year: int | None
    cost_switching_value: float | None
    benefit_switching_value: float | None
    do_nothing: bool = False
    preferred: bool = False
    costs: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    benefits: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    net: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    delta: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    cumulative_discounted_delta: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The option's row of ``xlcase recalc --format json`` (DESIGN.md), per-year arrays left out."""
        row = {key: getattr(self, key) for key in OPTION_KEYS}
        for key in OPTION_KEYS[2:]:
            if key != "discounted_payback_year":
                row[key] = _number(row[key])
        return row


@dataclass(frozen=True)
class SensitivityRow:
    """NPV vs do nothing of one option under one sensitivity scenario."""

    option: str | None
    scenario: str
    npv_vs_do_nothing: float

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data."""
        return {"option": self.option, "scenario": self.scenario, "npv_vs_do_nothing": _number(self.npv_vs_do_nothing)}


@dataclass(frozen=True)
class Appraisal:
    """The appraisal of every option of a case, with the assumptions and discount factors used."""

    assumptions: dict[str, Any]
    discount_factors: np.ndarray = field(compare=False, repr=False)
    options: tuple[OptionResult, ...] = ()
    sensitivity: tuple[SensitivityRow, ...] = ()
    do_nothing_id: str | None = None
    preferred_id: str | None = None

    def option(self, option_id: str) -> OptionResult | None:
        """The first result row with this option id, if any."""
        return next((o for o in self.options if o.id == option_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The results as ``xlcase recalc --format json`` prints them, plus sensitivity and discount factors.

        Returns:
            ``{"assumptions", "options", "sensitivity", "discount_factors"}`` of plain Python
            values (None where a figure does not exist), ready for ``json.dumps``.
        """
        return {
            "assumptions": {key: self.assumptions.get(key) for key in ASSUMPTION_KEYS},
            "options": [option.to_dict() for option in self.options],
            "sensitivity": [row.to_dict() for row in self.sensitivity],
            "discount_factors": [float(f) for f in self.discount_factors],
        }

    def results_frame(self) -> pd.DataFrame:
        """The results table as a pandas DataFrame, one row per option (NaN where a figure does not exist)."""
        import pandas as pd

        return pd.DataFrame([option.to_dict() for option in self.options], columns=list(OPTION_KEYS))

    def cash_flows_frame(self) -> pd.DataFrame:
        """Year-by-year flows of every option, long form, for analysis in pandas (a notebook, a chart).

        Columns: option, year, financial_year, discount_factor, costs (with optimism bias), benefits,
        net, net_vs_do_nothing, cumulative_discounted_vs_do_nothing.
        """
        import pandas as pd

        base = self.assumptions.get("base_year")
        years = np.arange(len(self.discount_factors))
        frames = [
            pd.DataFrame({
                "option": option.id,
                "year": years,
                "financial_year": [f"{base + t}/{(base + t + 1) % 100:02d}" if base is not None else None
                                   for t in years],
                "discount_factor": self.discount_factors,
                "costs": option.costs,
                "benefits": option.benefits,
                "net": option.net,
                "net_vs_do_nothing": option.delta,
                "cumulative_discounted_vs_do_nothing": option.cumulative_discounted_delta,
            })
            for option in self.options
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _resolve_schedule(rate: float | None, schedule: DiscountSchedule | None) -> DiscountSchedule:
    schedule = schedule if schedule is not None else discount_schedule()
    return schedule if rate is None else schedule.with_short_term_rate(rate)


def _factors(years: int, schedule: DiscountSchedule) -> np.ndarray:
    """DF_0 = 1; DF_t = DF_{t-1} / (1 + r_t), r_t the rate of the band covering t (the recurrence, step by step)."""
    if years < 0:
        raise BadInputError(f"the number of appraisal years cannot be negative (got {years})")
    starts = np.array([band.first_year for band in schedule.bands])
    rates = np.array([band.rate for band in schedule.bands], dtype=float)
    steps = np.arange(1, max(years, 1))
    growth = 1.0 + rates[np.searchsorted(starts, steps, side="right") - 1]
    if np.any(growth <= 0.0) or not np.all(np.isfinite(growth)):
        raise BadInputError("a discount rate must be a finite number above -100%")
    if not years:
        return np.empty(0)
    return np.divide.accumulate(np.concatenate(([1.0], growth)))


def discount_factors(years: int, rate: float | None = None, schedule: DiscountSchedule | None = None) -> np.ndarray:
    """Green Book discount factors for years 0 .. years-1.

    Args:
        years: how many years (the appraisal period).
        rate: the rate for the first band (years 0-30); None keeps the schedule's own
            (3.5% for the standard schedule).
        schedule: the discount schedule; None for the Green Book standard schedule.

    Returns:
        An array of ``years`` factors, the first 1.

    Raises:
        BadInputError: if ``years`` is negative or a rate is -100% or below.
    """
    return _factors(years, _resolve_schedule(rate, schedule))


def present_value(
    values: Sequence[float] | np.ndarray, rate: float | None = None, schedule: DiscountSchedule | None = None
) -> float:
    """The present value of one flow per year from year 0.

    Args:
        values: the amounts for years 0, 1, 2, ...
        rate: the rate for the first band (years 0-30); None keeps the schedule's own.
        schedule: the discount schedule; None for the Green Book standard schedule.

    Returns:
        Σ value_t · DF_t.

    Raises:
        BadInputError: if ``values`` is not one row of numbers, or a rate is -100% or below.
    """
    flows = np.asarray(values, dtype=float)
    if flows.ndim != 1:
        raise BadInputError("present_value takes one row of amounts, one per year")
    return float(flows @ discount_factors(flows.size, rate, schedule))


def _sensitivity(
    scenarios: Sequence[SensitivityScenario],
    schedule: DiscountSchedule,
    benefits: np.ndarray,
    delta: np.ndarray,
    factors: np.ndarray,
    pv_costs: np.ndarray,
    pv_benefits: np.ndarray,
    npv_vs_do_nothing: np.ndarray,
) -> np.ndarray:
    """NPV vs do nothing of every option (columns) under every scenario (rows); the option's own flows change only."""
    years = factors.size
    out = np.empty((len(scenarios), delta.shape[0]))
    for row, scenario in enumerate(scenarios):
        if scenario.kind == "costs_change":
            out[row] = npv_vs_do_nothing - scenario.value * pv_costs
        elif scenario.kind == "benefits_change":
            out[row] = npv_vs_do_nothing + scenario.value * pv_benefits
        elif scenario.kind == "benefits_delay":
            lag = int(scenario.value)
            shifted = np.zeros_like(benefits)
            if lag < years:
                shifted[:, lag:] = benefits[:, : years - lag]
            out[row] = npv_vs_do_nothing + (shifted - benefits) @ factors
        elif scenario.kind == "discount_rate":
            out[row] = delta @ _factors(years, schedule.with_short_term_rate(scenario.value))
        else:
            raise ValueError(f"unknown sensitivity scenario kind {scenario.kind!r}")
    return out


def appraise_arrays(
    costs: np.ndarray,
    benefits: np.ndarray,
    do_nothing: int | None = None,
    rate: float | None = None,
    optimism_bias: float = 0.0,
    schedule: DiscountSchedule | None = None,
    ids: Sequence[str | None] | None = None,
    names: Sequence[str | None] | None = None,
    preferred: int | None = None,
    scenarios: Sequence[SensitivityScenario] | None = None,
) -> Appraisal:
    """Appraise options given as option × year matrices (the vectorised core of ``appraise``).

    Args:
        costs: costs[option, year] before optimism bias, years 0 .. appraisal_years-1.
        benefits: benefits[option, year], same shape.
        do_nothing: the row of the do-nothing option, or None when there is none.
        rate: the rate for years 0-30; None keeps the schedule's own.
        optimism_bias: the uplift applied to every cost (0.2 = +20%).
        schedule: the discount schedule; None for the Green Book standard schedule.
        ids: option ids, one per row (default None for each).
        names: option names, one per row (default None for each).
        preferred: the row of the preferred option, if any.
        scenarios: sensitivity scenarios; None for those in the reference data.

    Returns:
        The appraisal; its assumptions hold the rate, optimism bias and number of years
        (base and price-base years None).

    Raises:
        BadInputError: if the matrices do not match, an index is out of range, or a
            rate is -100% or below.
    """
    raw_costs = np.asarray(costs, dtype=float)
    benefits = np.array(benefits, dtype=float)
    if raw_costs.ndim != 2 or raw_costs.shape != benefits.shape:
        raise BadInputError(
            "costs and benefits must be option × year matrices of one shape "
            f"(got {raw_costs.shape} and {benefits.shape})"
        )
    n_options, years = raw_costs.shape
    for label, index in (("do-nothing", do_nothing), ("preferred", preferred)):
        if index is not None and not 0 <= index < n_options:
            raise BadInputError(f"the {label} option index {index} is outside 0..{n_options - 1}")
    ids = list(ids) if ids is not None else [None] * n_options
    names = list(names) if names is not None else [None] * n_options
    if len(ids) != n_options or len(names) != n_options:
        raise BadInputError("ids and names must give one entry per option")
    schedule = _resolve_schedule(rate, schedule)
    scenarios = sensitivity_scenarios() if scenarios is None else tuple(scenarios)

    factors = _frozen(_factors(years, schedule))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _appraise_core(
            raw_costs, benefits, do_nothing, optimism_bias, schedule, scenarios, factors, ids, names, preferred
        )


def _appraise_core(
    raw_costs: np.ndarray,
    benefits: np.ndarray,
    do_nothing: int | None,
    optimism_bias: float,
    schedule: DiscountSchedule,
    scenarios: Sequence[SensitivityScenario],
    factors: np.ndarray,
    ids: list[str | None],
    names: list[str | None],
    preferred: int | None,
) -> Appraisal:
    """The figures of every option from checked inputs (floating-point warnings silenced by the caller)."""
    n_options, years = raw_costs.shape
    costs_ob = raw_costs * (1.0 + optimism_bias)
    net = benefits - costs_ob
    reference = net[do_nothing] if do_nothing is not None else np.zeros(years)
    delta = net - reference
    pv_costs = costs_ob @ factors
    pv_benefits = benefits @ factors
    npv = pv_benefits - pv_costs
    npv_vs_dn = delta @ factors if do_nothing is not None else npv.copy()
    cumulative = np.cumsum(delta * factors, axis=1)
    paid_back = cumulative >= 0.0
    ever = paid_back.any(axis=1)
    first_year = paid_back.argmax(axis=1) if years else np.zeros(n_options, dtype=np.intp)
    bcr = np.where(pv_costs != 0.0, pv_benefits / pv_costs, np.nan)
    cost_sv = np.where(pv_costs != 0.0, npv_vs_dn / pv_costs, np.nan)
    benefit_sv = np.where(pv_benefits != 0.0, npv_vs_dn / pv_benefits, np.nan)
    sensitivity = _sensitivity(scenarios, schedule, benefits, delta, factors, pv_costs, pv_benefits, npv_vs_dn)
    for array in (costs_ob, benefits, net, delta, cumulative):
        _frozen(array)

    results = []
    rows = []
    for i in range(n_options):
        is_dn = i == do_nothing
        results.append(
            OptionResult(
                id=ids[i],
                name=names[i],
                pv_costs=float(pv_costs[i]),
                pv_benefits=float(pv_benefits[i]),
                npv=float(npv[i]),
                npv_vs_do_nothing=float(npv_vs_dn[i]),
                bcr=_number(bcr[i]),
                discounted_payback_year=int(first_year[i]) if ever[i] and not is_dn else None,
                cost_switching_value=None if is_dn else _number(cost_sv[i]),
                benefit_switching_value=None if is_dn else _number(benefit_sv[i]),
                do_nothing=is_dn,
                preferred=i == preferred,
                costs=costs_ob[i],
                benefits=benefits[i],
                net=net[i],
                delta=delta[i],
                cumulative_discounted_delta=cumulative[i],
            )
        )
        if not is_dn:
            rows.extend(
                SensitivityRow(ids[i], scenario.name, float(sensitivity[s, i])) for s, scenario in enumerate(scenarios)
            )
    return Appraisal(
        assumptions={
            "base_year": None,
            "appraisal_years": years,
            "discount_rate": schedule.short_term_rate,
            "optimism_bias": float(optimism_bias),
            "price_base_year": None,
        },
        discount_factors=factors,
        options=tuple(results),
        sensitivity=tuple(rows),
        do_nothing_id=ids[do_nothing] if do_nothing is not None else None,
        preferred_id=ids[preferred] if preferred is not None else None,
    )


def _line_matrix(lines: Sequence[CostLine] | Sequence[BenefitLine], slots: dict[str, int], years: int) -> np.ndarray:
    """Sum the lines' amounts into a (distinct option id) × year matrix, in line order, dropping years past the period."""
    rows: list[int] = []
    amounts: list[list[float]] = []
    for line in lines:
        slot = slots.get(line.option)  # type: ignore[arg-type]
        if slot is not None and line.amounts:
            rows.append(slot)
            amounts.append(line.amounts)
    size = len(slots) * years
    if not amounts:
        return np.zeros((len(slots), years))
    lengths = np.fromiter(map(len, amounts), dtype=np.intp, count=len(amounts))
    values = np.fromiter(chain.from_iterable(amounts), dtype=float, count=int(lengths.sum()))
    starts = np.cumsum(lengths) - lengths
    year = np.arange(values.size) - np.repeat(starts, lengths)
    inside = year < years
    cells = np.repeat(np.asarray(rows, dtype=np.intp), lengths)[inside] * years + year[inside]
    return np.bincount(cells, weights=values[inside], minlength=size).reshape(len(slots), years)


def appraise(case: Case) -> Appraisal:
    """Appraise every option of a case by the Green Book conventions of DESIGN.md.

    Args:
        case: the business case.

    Returns:
        One result per option (in case order), sensitivity rows for every option other
        than do nothing, the assumptions used and the discount factors.

    Raises:
        BadInputError: if the discount rate is -100% or below.
    """
    assumptions = case.assumptions
    years = assumptions.appraisal_years
    options = case.options
    slots: dict[str, int] = {}
    for option in options:
        if option.id:
            slots.setdefault(option.id, len(slots))
    blank = len(slots)  # a zero row for options without an id
    pick = np.array([slots[o.id] if o.id else blank for o in options], dtype=np.intp)
    zero = np.zeros((1, years))
    costs = np.vstack([_line_matrix(case.costs, slots, years), zero])[pick]
    benefits = np.vstack([_line_matrix(case.benefits, slots, years), zero])[pick]
    do_nothing = next((i for i, o in enumerate(options) if o.do_nothing), None)
    preferred = next((i for i, o in enumerate(options) if o.preferred), None)
    result = appraise_arrays(
        costs,
        benefits,
        do_nothing=do_nothing,
        rate=assumptions.discount_rate,
        optimism_bias=assumptions.optimism_bias,
        ids=[o.id for o in options],
        names=[o.name for o in options],
        preferred=preferred,
    )
    return replace(
        result,
        assumptions={
            "base_year": assumptions.base_year,
            "appraisal_years": years,
            "discount_rate": assumptions.discount_rate,
            "optimism_bias": assumptions.optimism_bias,
            "price_base_year": assumptions.price_base_year,
        },
    )
