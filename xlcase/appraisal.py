"""The Green Book appraisal engine, version 2: every decision figure measured against doing nothing.

Plain numpy, no spreadsheet. The conventions are the contract in DESIGN.md ("Appraisal (Green
Book conventions) - version 2"); rates and sensitivity scenarios come from the dated reference
data (``xlcase.reference``). ``appraise_arrays`` is the vectorised core over option × year
matrices; ``appraise`` builds those matrices from a ``Case``.

In short, for option o against the do-nothing option d:
- C = its cost lines × (1 + its optimism bias); B = its benefit lines, standard benefits discounted
  by DF (the standard schedule), health benefits (QALY-valued) by DFH (the health schedule);
- ΔC = C_o − C_d, ΔB = B_o − B_d; incremental costs I = max(ΔC, 0), cost savings S = max(−ΔC, 0);
- NPV vs do nothing = PV(ΔB) − PV(ΔC); incremental PV costs = PV(I); incremental PV benefits =
  PV(ΔB) + PV(S); BCR and switching values on those; discounted payback = the first year from
  which the cumulative discounted net benefit against doing nothing stays at or above zero.

Choices the contract leaves open:
- every option gets a result row, in case order; an option without an id has no lines (its flows
  are zero) and its ``id`` is None;
- a line counts towards the option whose id it names as a SUMIFS over the option column would:
  ignoring case (``o2`` is ``O2``), so engine and workbook agree; lines naming no option are
  ignored (XC601 reports them);
- the first option marked do nothing is the reference; without one, the reference is all zero;
- "stays at or above zero" allows a rounding tolerance of a millionth of a pound, the same in
  the workbook's formulas (so that an option exactly at break-even pays back in both);
- a figure that does not exist, or is not finite, is None (null in JSON).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from xlcase.conventions import DRIVER_FIGURE, HEALTH_CLASS, PAYBACK_TOLERANCE
from xlcase.errors import BadInputError
from xlcase.model import DRIVERS, BenefitLine, Case, CostLine
from xlcase.reference import (
    HEALTH_SCHEDULE,
    DiscountSchedule,
    SensitivityScenario,
    discount_schedule,
    sensitivity_scenarios,
)
from xlcase.text import financial_year
from xlcase.pay import typical_duration_months
from xlcase.workforce import GeneratedLine, generated_lines

OPTION_KEYS: tuple[str, ...] = (
    "id",
    "name",
    "optimism_bias",
    "pv_costs",
    "pv_benefits",
    "npv",
    "npv_vs_do_nothing",
    "incremental_pv_costs",
    "incremental_pv_benefits",
    "bcr",
    "discounted_payback_year",
    "discounted_payback_financial_year",
    "cost_switching_value",
    "benefit_switching_value",
)
MONEY_KEYS = ("pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing", "incremental_pv_costs",
              "incremental_pv_benefits")
ASSUMPTION_KEYS: tuple[str, ...] = ("base_year", "appraisal_years", "discount_rate", "optimism_bias",
                                    "price_base_year")


def _number(value: float | None) -> float | None:
    """A plain Python float, or None for a figure that does not exist or is not finite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _empty() -> np.ndarray:
    return np.zeros(0)


@dataclass(frozen=True)
class OptionResult:
    """The appraisal figures of one option; None where a figure does not exist."""

    id: str | None
    name: str | None
    optimism_bias: float
    pv_costs: float
    pv_benefits: float
    npv: float
    npv_vs_do_nothing: float
    incremental_pv_costs: float | None
    incremental_pv_benefits: float | None
    bcr: float | None
    discounted_payback_year: int | None
    discounted_payback_financial_year: str | None
    cost_switching_value: float | None
    benefit_switching_value: float | None
    sensitivity: dict[str, float] = field(default_factory=dict)
    driver_switching_values: dict[str, float | None] = field(default_factory=dict)
    do_nothing: bool = False
    preferred: bool = False
    costs: np.ndarray = field(default_factory=_empty, compare=False, repr=False)
    benefits: np.ndarray = field(default_factory=_empty, compare=False, repr=False)
    health_benefits: np.ndarray = field(default_factory=_empty, compare=False, repr=False)
    net: np.ndarray = field(default_factory=_empty, compare=False, repr=False)
    delta: np.ndarray = field(default_factory=_empty, compare=False, repr=False)
    cumulative_discounted_delta: np.ndarray = field(default_factory=_empty, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The option's row of ``xlcase recalc --format json`` (DESIGN.md), per-year arrays left out."""
        row: dict[str, Any] = {key: getattr(self, key) for key in OPTION_KEYS}
        for key in (*MONEY_KEYS, "optimism_bias", "bcr", "cost_switching_value", "benefit_switching_value"):
            row[key] = _number(row[key])
        row["sensitivity"] = {name: _number(value) for name, value in self.sensitivity.items()}
        row["driver_switching_values"] = dict(self.driver_switching_values)
        return row

    def figure(self, name: str) -> Any:
        """A figure by the name the Results table's template gives it (driver switching values included)."""
        if name.startswith(DRIVER_FIGURE):
            return self.driver_switching_values.get(name[len(DRIVER_FIGURE):])
        return getattr(self, name)


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
    health_discount_factors: np.ndarray = field(default_factory=_empty, compare=False, repr=False)
    options: tuple[OptionResult, ...] = ()
    sensitivity: tuple[SensitivityRow, ...] = ()
    do_nothing_id: str | None = None
    preferred_id: str | None = None

    def option(self, option_id: str) -> OptionResult | None:
        """The first result row with this option id, if any."""
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def preferred(self) -> OptionResult | None:
        """The result of the one option marked preferred, when exactly one is (and it is not do nothing)."""
        marked = [o for o in self.options if o.preferred]
        return marked[0] if len(marked) == 1 and not marked[0].do_nothing else None

    def to_dict(self) -> dict[str, Any]:
        """The results as ``xlcase recalc --format json`` prints them, plus sensitivity and discount factors.

        Returns:
            ``{"assumptions", "options", "sensitivity", "discount_factors", "health_discount_factors"}`` of
            plain Python values (None where a figure does not exist), ready for ``json.dumps``.
        """
        return {
            "assumptions": dict(self.assumptions),
            "options": [option.to_dict() for option in self.options],
            "sensitivity": [row.to_dict() for row in self.sensitivity],
            "discount_factors": [float(f) for f in self.discount_factors],
            "health_discount_factors": [float(f) for f in self.health_discount_factors],
        }

    def results_frame(self) -> pd.DataFrame:
        """The results table as a pandas DataFrame, one row per option (NaN where a figure does not exist)."""
        import pandas as pd

        rows = [{key: option.to_dict()[key] for key in OPTION_KEYS} for option in self.options]
        return pd.DataFrame(rows, columns=list(OPTION_KEYS))

    def cash_flows_frame(self) -> pd.DataFrame:
        """Year-by-year flows of every option, long form, for analysis in pandas (a notebook, a chart).

        Columns: option, year, financial_year, discount_factor, costs (with optimism bias), benefits
        (standard and health together), net, net_vs_do_nothing, cumulative_discounted_vs_do_nothing.
        """
        import pandas as pd

        base = self.assumptions.get("base_year")
        years = np.arange(len(self.discount_factors))
        frames = [
            pd.DataFrame({
                "option": option.id,
                "year": years,
                "financial_year": [financial_year(base + int(t)) if base is not None else None for t in years],
                "discount_factor": self.discount_factors,
                "costs": option.costs,
                "benefits": option.benefits + option.health_benefits,
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


@dataclass(frozen=True)
class _Flows:
    """The option × year matrices of one appraisal and the factors that discount them."""

    costs: np.ndarray  # with optimism bias
    benefits: np.ndarray  # standard benefits
    health: np.ndarray  # health benefits (QALY-valued)
    factors: np.ndarray
    health_factors: np.ndarray
    drivers: dict[str, DrivenFlows] = field(default_factory=dict)

    def present(self, standard: np.ndarray, health: np.ndarray | None = None) -> np.ndarray:
        """Present values by option: standard flows at DF, health flows at DFH."""
        out = standard @ self.factors
        return out if health is None else out + health @ self.health_factors

    def driven(self, driver: str) -> tuple[np.ndarray, np.ndarray]:
        """(standard net flows, health flows) of the lines naming a driver, by option and year (costs uplifted)."""
        found = self.drivers.get(driver)
        if found is None:
            zero = np.zeros_like(self.costs)
            return zero, zero
        return found.net, found.health


@dataclass(frozen=True)
class DrivenFlows:
    """The lines of each option that name one driver (they scale with it), and what attrition does to them.

    ``net`` is standard benefits less costs (with the option's optimism bias), ``health`` the health
    benefits, both by option and year; ``completing(points)`` the share of each option's apprentices who
    still complete when attrition is that many points higher.
    """

    net: np.ndarray
    health: np.ndarray
    completing: Callable[[float], np.ndarray] | None = None


def _delayed(matrix: np.ndarray, months: float) -> np.ndarray:
    """Flows a number of months later: each year keeps (12 - months)/12 of its own and takes months/12 of the
    year before; what moves past the last year falls outside the period."""
    share = months / 12.0
    out = matrix * (1.0 - share)
    out[:, 1:] += matrix[:, :-1] * share
    return out


def _against(change: np.ndarray, do_nothing: int | None) -> np.ndarray:
    """A change in every option's present value, less the same change in the do-nothing option's: a driver is
    a fact about the world, so it moves the do-nothing option's lines that name it too (full-cost entry)."""
    return change - (change[do_nothing] if do_nothing is not None else 0.0)


def driver_switching_values(flows: _Flows, npv_vs_dn: np.ndarray, do_nothing: int | None) -> dict[str, np.ndarray]:
    """By how much (a fraction) each driver may fall before an option is no better than doing nothing."""
    out = {}
    for driver in DRIVERS:
        net, health = flows.driven(driver)
        out[driver] = npv_vs_dn / _against(flows.present(net, health), do_nothing)
    return out


def _sensitivity(scenarios: Sequence[SensitivityScenario], flows: _Flows, delta_costs: np.ndarray,
                 delta_benefits: np.ndarray, delta_health: np.ndarray, npv_vs_dn: np.ndarray,
                 incremental_pv_costs: np.ndarray, incremental_pv_benefits: np.ndarray,
                 do_nothing: int | None) -> np.ndarray:
    """NPV vs do nothing of every option (columns) under every scenario (rows). The cost and benefit scenarios
    change what the option adds to doing nothing (its additional costs; its additional benefits and savings;
    its additional benefits a year late), as the switching values do, so that full-cost entry and entry
    relative to business as usual give the same answers; a driver scenario changes every line naming the
    driver, the do-nothing option's too."""
    years = flows.factors.size
    out = np.empty((len(scenarios), delta_costs.shape[0]))
    for row, scenario in enumerate(scenarios):
        if scenario.kind == "costs_change":
            out[row] = npv_vs_dn - scenario.value * incremental_pv_costs
        elif scenario.kind == "benefits_change":
            out[row] = npv_vs_dn + scenario.value * incremental_pv_benefits
        elif scenario.kind == "benefits_delay":
            lag = int(scenario.value)
            late, late_health = np.zeros_like(delta_benefits), np.zeros_like(delta_health)
            if lag < years:
                late[:, lag:] = delta_benefits[:, : years - lag]
                late_health[:, lag:] = delta_health[:, : years - lag]
            out[row] = npv_vs_dn + flows.present(late - delta_benefits, late_health - delta_health)
        elif scenario.kind == "discount_schedule":  # every standard flow at its schedule; health keeps its own
            factors = _factors(years, discount_schedule(scenario.schedule or ""))
            out[row] = (delta_benefits - delta_costs) @ factors + delta_health @ flows.health_factors
        else:
            net, health = flows.driven(scenario.driver or "")
            driven = flows.present(net, health)
            if scenario.kind == "driver_scale":
                change = scenario.value * driven
            elif scenario.kind == "driver_attrition":
                found = flows.drivers.get(scenario.driver or "")
                completing = found.completing(scenario.value) if found and found.completing else np.ones_like(driven)
                change = (completing - 1.0) * driven
            else:  # driver_delay
                change = flows.present(_delayed(net, scenario.value), _delayed(health, scenario.value)) - driven
            out[row] = npv_vs_dn + _against(change, do_nothing)
    return out


def appraise_arrays(
    costs: np.ndarray,
    benefits: np.ndarray,
    do_nothing: int | None = None,
    rate: float | None = None,
    optimism_bias: float | Sequence[float | None] = 0.0,
    schedule: DiscountSchedule | None = None,
    ids: Sequence[str | None] | None = None,
    names: Sequence[str | None] | None = None,
    preferred: int | None = None,
    scenarios: Sequence[SensitivityScenario] | None = None,
    health_benefits: np.ndarray | None = None,
    base_year: int | None = None,
    drivers: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    completing: Callable[[float], np.ndarray] | None = None,
) -> Appraisal:
    """Appraise options given as option × year matrices (the vectorised core of ``appraise``).

    Args:
        costs: costs[option, year] before optimism bias, years 0 .. appraisal_years-1.
        benefits: standard benefits[option, year], same shape.
        do_nothing: the row of the do-nothing option, or None when there is none.
        rate: the rate for years 0-30; None keeps the schedule's own.
        optimism_bias: the uplift on every option's costs (0.2 = +20%), or one per option; a None in
            the list means the default: 0 for the do-nothing option, else 0 too (``appraise`` passes the
            case's default for the others).
        schedule: the discount schedule; None for the Green Book standard schedule.
        ids: option ids, one per row (default None for each).
        names: option names, one per row (default None for each).
        preferred: the row of the preferred option, if any.
        scenarios: sensitivity scenarios; None for those in the reference data.
        health_benefits: health benefits (QALY-valued) by option and year, discounted by the health
            schedule; None for none.
        base_year: the calendar year of year 0, for the payback's financial year.
        drivers: for each driver, the (costs before optimism bias, standard benefits, health benefits) of the
            lines that name it, by option and year, for the driver sensitivities and switching values.
        completing: attrition points higher -> the share of each option's apprentices who still complete.

    Returns:
        The appraisal; its assumptions hold the rate, the optimism bias given and the number of years.

    Raises:
        BadInputError: if the matrices do not match, an index is out of range, or a rate is -100% or below.
    """
    raw_costs = np.asarray(costs, dtype=float)
    benefits = np.array(benefits, dtype=float)
    health = np.zeros_like(benefits) if health_benefits is None else np.array(health_benefits, dtype=float)
    if raw_costs.ndim != 2 or raw_costs.shape != benefits.shape or health.shape != benefits.shape:
        raise BadInputError(
            "costs and benefits must be option × year matrices of one shape "
            f"(got {raw_costs.shape}, {benefits.shape} and {health.shape})"
        )
    n_options, years = raw_costs.shape
    for label, index in (("do-nothing", do_nothing), ("preferred", preferred)):
        if index is not None and not 0 <= index < n_options:
            raise BadInputError(f"the {label} option index {index} is outside 0..{n_options - 1}")
    ids = list(ids) if ids is not None else [None] * n_options
    names = list(names) if names is not None else [None] * n_options
    if len(ids) != n_options or len(names) != n_options:
        raise BadInputError("ids and names must give one entry per option")
    bias = _optimism_bias(optimism_bias, n_options)
    schedule = _resolve_schedule(rate, schedule)
    scenarios = sensitivity_scenarios() if scenarios is None else tuple(scenarios)
    uplift = (1.0 + bias)[:, None]
    driven = {name: DrivenFlows(np.asarray(b, dtype=float) - np.asarray(c, dtype=float) * uplift,
                                np.asarray(h, dtype=float), completing)
              for name, (c, b, h) in (drivers or {}).items()}
    flows = _Flows(raw_costs * uplift, benefits, health, _frozen(_factors(years, schedule)),
                   _frozen(_factors(years, discount_schedule(HEALTH_SCHEDULE))), driven)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        results, rows = _appraise_core(flows, bias, do_nothing, preferred, ids, names, scenarios, base_year)
    return Appraisal(
        assumptions={"base_year": base_year, "appraisal_years": years, "discount_rate": schedule.short_term_rate,
                     "optimism_bias": float(bias.max()) if not isinstance(optimism_bias, Sequence) and n_options
                     else None, "price_base_year": None},
        discount_factors=flows.factors,
        health_discount_factors=flows.health_factors,
        options=tuple(results),
        sensitivity=tuple(rows),
        do_nothing_id=ids[do_nothing] if do_nothing is not None else None,
        preferred_id=ids[preferred] if preferred is not None else None,
    )


def _optimism_bias(value: float | Sequence[float | None], n_options: int) -> np.ndarray:
    if isinstance(value, (int, float)):
        values = [float(value)] * n_options
    else:
        values = [0.0 if v is None else float(v) for v in value]
        if len(values) != n_options:
            raise BadInputError("optimism bias must be one number, or one per option")
    bias = np.asarray(values, dtype=float).reshape(n_options)
    if not np.all(np.isfinite(bias)) or np.any(bias <= -1):
        raise BadInputError("an optimism bias must be a finite number above -100%")
    return bias


def _appraise_core(flows: _Flows, bias: np.ndarray, do_nothing: int | None, preferred: int | None,
                   ids: list[str | None], names: list[str | None], scenarios: Sequence[SensitivityScenario],
                   base_year: int | None) -> tuple[list[OptionResult], list[SensitivityRow]]:
    """The figures of every option from checked inputs (floating-point warnings silenced by the caller)."""
    n_options, years = flows.costs.shape
    costs, benefits, health = flows.costs, flows.benefits, flows.health
    reference = do_nothing if do_nothing is not None else None

    def against(matrix: np.ndarray) -> np.ndarray:
        return matrix - (matrix[reference] if reference is not None else 0.0)

    delta_costs, delta_benefits, delta_health = against(costs), against(benefits), against(health)
    pv_costs = flows.present(costs)
    pv_benefits = flows.present(benefits, health)
    npv = pv_benefits - pv_costs
    discounted = (delta_benefits - delta_costs) * flows.factors + delta_health * flows.health_factors
    npv_vs_dn = discounted.sum(axis=1)
    incremental_costs = np.maximum(delta_costs, 0.0)
    savings = np.maximum(-delta_costs, 0.0)
    incremental_pv_costs = flows.present(incremental_costs)
    incremental_pv_benefits = flows.present(delta_benefits, delta_health) + flows.present(savings)
    cumulative = np.cumsum(discounted, axis=1)
    lowest_from_here = np.minimum.accumulate(cumulative[:, ::-1], axis=1)[:, ::-1] if years else cumulative
    stays_paid = lowest_from_here >= -PAYBACK_TOLERANCE
    moves = np.any((delta_costs != 0) | (delta_benefits != 0) | (delta_health != 0), axis=1)
    sensitivity = _sensitivity(scenarios, flows, delta_costs, delta_benefits, delta_health, npv_vs_dn,
                               incremental_pv_costs, incremental_pv_benefits, do_nothing)
    by_driver = driver_switching_values(flows, npv_vs_dn, do_nothing)
    net = benefits + health - costs
    delta = net - (net[reference] if reference is not None else 0.0)
    for array in (costs, benefits, health, net, delta, cumulative):
        _frozen(array)

    results, rows = [], []
    for i in range(n_options):
        is_dn = i == do_nothing
        payback = int(stays_paid[i].argmax()) if not is_dn and moves[i] and years and stays_paid[i].any() else None
        extra_costs = None if is_dn else float(incremental_pv_costs[i])
        extra_benefits = None if is_dn else float(incremental_pv_benefits[i])
        by_scenario = {} if is_dn else {s.name: float(sensitivity[k, i]) for k, s in enumerate(scenarios)}
        results.append(OptionResult(
            id=ids[i], name=names[i], optimism_bias=float(bias[i]),
            pv_costs=float(pv_costs[i]), pv_benefits=float(pv_benefits[i]), npv=float(npv[i]),
            npv_vs_do_nothing=0.0 if is_dn else float(npv_vs_dn[i]),
            incremental_pv_costs=extra_costs, incremental_pv_benefits=extra_benefits,
            bcr=_ratio(extra_benefits, extra_costs), discounted_payback_year=payback,
            discounted_payback_financial_year=financial_year(base_year + payback)
            if payback is not None and base_year is not None else None,
            cost_switching_value=None if is_dn else _ratio(float(npv_vs_dn[i]), extra_costs),
            benefit_switching_value=None if is_dn else _ratio(float(npv_vs_dn[i]), extra_benefits),
            sensitivity=by_scenario, do_nothing=is_dn, preferred=i == preferred,
            driver_switching_values={d: None if is_dn else _number(v[i]) for d, v in by_driver.items()},
            costs=costs[i], benefits=benefits[i], health_benefits=health[i], net=net[i], delta=delta[i],
            cumulative_discounted_delta=cumulative[i],
        ))
        rows.extend(SensitivityRow(ids[i], name, value) for name, value in by_scenario.items())
    return results, rows


def _ratio(top: float | None, bottom: float | None) -> float | None:
    """top / bottom, or None when either is missing or the bottom is zero."""
    if top is None or bottom is None or bottom == 0.0:
        return None
    return _number(top / bottom)


def option_key(option_id: str | None) -> str | None:
    """How a line's Option cell is matched to an option's ID: as SUMIFS does, ignoring case."""
    return option_id.casefold() if option_id else None


def _line_matrix(lines: Sequence[CostLine | BenefitLine | GeneratedLine], slots: dict[str, int], years: int) -> np.ndarray:
    """Sum the lines' amounts into a (distinct option id) × year matrix, in line order, dropping years past the period."""
    rows: list[int] = []
    amounts: list[Sequence[float]] = []
    for line in lines:
        slot = slots.get(option_key(line.option) or "")
        if slot is not None and len(line.amounts):
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


class OptionMatrix:
    """Sums lines into an option x year matrix, one row per option of the case in its order.

    A line counts towards every option whose ID it names (ignoring case, as SUMIFS does), so two
    options sharing an ID show the same figures; an option without an ID, or a line naming no option,
    counts for nothing.
    """

    def __init__(self, case: Case, years: int) -> None:
        self.years = years
        self.slots: dict[str, int] = {}
        for option in case.options:
            if option.id:
                self.slots.setdefault(option_key(option.id) or "", len(self.slots))
        blank = len(self.slots)  # a zero row for options without an id
        self.pick = np.array([self.slots[option_key(o.id) or ""] if o.id else blank for o in case.options],
                             dtype=np.intp)

    def __call__(self, lines: Sequence[CostLine | BenefitLine | GeneratedLine | Any]) -> np.ndarray:
        return np.vstack([_line_matrix(lines, self.slots, self.years), np.zeros((1, self.years))])[self.pick]


def appraise(case: Case) -> Appraisal:
    """Appraise every option of a case by the Green Book conventions of DESIGN.md (version 2).

    Args:
        case: the business case.

    Returns:
        One result per option (in case order), sensitivity rows for every option other than do
        nothing, the assumptions used and the discount factors.

    Raises:
        BadInputError: if the discount rate is -100% or below.
    """
    assumptions = case.assumptions
    years = assumptions.appraisal_years
    options = case.options
    by_option = OptionMatrix(case, years)
    standard = [line for line in case.benefits if line.category != HEALTH_CLASS]
    health = [line for line in case.benefits if line.category == HEALTH_CLASS]
    workforce = [line for line in generated_lines(case, years) if line.measure == "cost"]
    costs = by_option([*case.costs, *workforce])
    benefits = by_option(standard)
    health_benefits = by_option(health)
    drivers = {d: (by_option([c for c in case.costs if d in c.drivers]), by_option([b for b in standard if d in b.drivers]),
                   by_option([b for b in health if d in b.drivers])) for d in DRIVERS}
    do_nothing = next((i for i, o in enumerate(options) if o.do_nothing), None)
    preferred = next((i for i, o in enumerate(options) if o.preferred), None)
    result = appraise_arrays(
        costs,
        benefits,
        do_nothing=do_nothing,
        rate=assumptions.discount_rate,
        optimism_bias=[effective_optimism_bias(case, i) for i in range(len(options))],
        ids=[o.id for o in options],
        names=[o.name for o in options],
        preferred=preferred,
        health_benefits=health_benefits,
        base_year=assumptions.base_year,
        drivers=drivers,
        completing=lambda points: completing_share(case, points),
    )
    return replace(result, assumptions=assumptions_used(case))


def completing_share(case: Case, points: float) -> np.ndarray:
    """For each option, the share of its apprentices who still complete if attrition is ``points`` higher:
    sum of learners x (1 - attrition - points)^(months / 12) over its apprenticeships, over the same at the
    case's attrition. An option without apprentices takes the programme's duration (the education
    provider's, else the standard's typical 24 months) for one learner."""
    a = case.assumptions.attrition
    higher = max(0.0, 1.0 - a - points)
    slots: dict[str, list[tuple[float, float]]] = {}
    for item in case.apprenticeships:
        key = option_key(item.option)
        if key:
            slots.setdefault(key, []).append((item.learners or 0.0, (item.duration_months or 0) / 12))
    typical = (case.education_provider.duration_months or typical_duration_months()) / 12
    out = []
    for option in case.options:
        cohorts = slots.get(option_key(option.id) or "", [])
        now = sum(learners * (1 - a) ** years for learners, years in cohorts)
        if now > 0:
            out.append(sum(learners * higher**years for learners, years in cohorts) / now)
        else:
            out.append((higher / (1 - a)) ** typical)
    return np.asarray(out, dtype=float)



def effective_optimism_bias(case: Case, index: int) -> float:
    """An option's optimism bias: its own if set, else the case's default; 0 by default for do nothing."""
    option = case.options[index]
    if option.optimism_bias is not None:
        return option.optimism_bias
    return 0.0 if option.do_nothing else case.assumptions.optimism_bias


def assumptions_used(case: Case) -> dict[str, Any]:
    """Every assumption of the case that the appraisal used, as plain data (the JSON `assumptions`)."""
    return case.assumptions.model_dump(mode="json")
