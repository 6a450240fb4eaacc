"""The Green Book appraisal engine (xlcase.appraisal) and the reference data it reads (xlcase.reference)."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcase.appraisal import appraise, appraise_arrays, discount_factors, present_value
from xlcase.errors import BadInputError
from xlcase.model import Assumptions, BenefitLine, Case, CostLine, Option
from xlcase.reference import (
    UnknownReferenceError,
    discount_schedule,
    employer_national_insurance,
    nhs_pension_employer,
    pay_scales,
    sensitivity_scenarios,
)

DESIGN_OPTION_KEYS = [
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
]
DESIGN_ASSUMPTION_KEYS = ["base_year", "appraisal_years", "discount_rate", "optimism_bias", "price_base_year"]


def make_case(options, costs=(), benefits=(), years=4, rate=0.035, optimism_bias=0.0) -> Case:
    return Case(
        title="Test case",
        organisation="Test trust",
        assumptions=Assumptions(appraisal_years=years, discount_rate=rate, optimism_bias=optimism_bias),
        options=[Option(**o) for o in options],
        costs=[CostLine(option=o, amounts=list(a)) for o, a in costs],
        benefits=[BenefitLine(option=o, amounts=list(a)) for o, a in benefits],
    )


# --- discount factors -------------------------------------------------------------------


def test_discount_factors_at_3_5_percent_match_the_green_book_table():
    df = discount_factors(11)
    assert df[0] == 1.0
    assert round(df[1], 5) == 0.96618
    assert round(df[2], 5) == 0.93351
    assert round(df[3], 5) == 0.90194
    assert round(df[5], 5) == 0.84197
    assert round(df[10], 5) == 0.70892


def test_discount_rate_steps_down_to_3_percent_after_year_30():
    df = discount_factors(60)
    assert len(df) == 60
    assert df[30] == pytest.approx(1 / 1.035**30, rel=1e-12)
    assert df[31] == pytest.approx(df[30] / 1.03, rel=1e-12)
    assert df[45] == pytest.approx(df[30] / 1.03**15, rel=1e-12)
    assert df[59] == pytest.approx(df[30] / 1.03**29, rel=1e-12)


def test_the_rate_argument_replaces_years_0_to_30_only():
    df = discount_factors(40, rate=0.05)
    assert df[30] == pytest.approx(1 / 1.05**30, rel=1e-12)
    assert df[35] == pytest.approx(df[30] / 1.03**5, rel=1e-12)


def test_health_schedule_discounts_at_1_5_percent():
    df = discount_factors(31, schedule=discount_schedule("health"))
    assert df[30] == pytest.approx(1 / 1.015**30, rel=1e-12)


def test_discount_factors_edge_years_and_bad_rates():
    assert discount_factors(1).tolist() == [1.0]
    assert discount_factors(0).size == 0
    assert discount_factors(3, rate=0.0).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(BadInputError):
        discount_factors(3, rate=-1.0)
    with pytest.raises(BadInputError):
        discount_factors(-1)


def test_present_value_by_hand():
    assert present_value([100, 100, 100]) == pytest.approx(100 + 100 / 1.035 + 100 / 1.035**2, rel=1e-12)
    assert present_value([0, 50], rate=0.1) == pytest.approx(50 / 1.1, rel=1e-12)
    assert present_value([]) == 0.0


# --- a small case worked by hand --------------------------------------------------------


def hand_case() -> Case:
    """Four years at 3.5% with 20% optimism bias; every figure is worked out in the tests below."""
    return make_case(
        options=[
            {"id": "O0", "name": "Do nothing", "do_nothing": True},
            {"id": "O1", "name": "Train four APs", "preferred": True},
            {"id": "O2", "name": "All cost, no benefit"},
            {"id": "O3", "name": "Benefit only"},
        ],
        costs=[
            ("O0", [100, 100, 100, 100]),
            ("O1", [500, 100]),
            ("O1", [0, 0, 50, 50, 999]),  # the 999 falls in year 4, past the period: ignored
            ("O2", [1000]),
            ("O9", [5000, 5000]),  # names no option: ignored
        ],
        benefits=[
            ("O1", [0, 200, 300, 300]),
            ("O3", [50, 50, 50, 50]),
        ],
        years=4,
        optimism_bias=0.2,
    )


def test_hand_worked_case():
    result = appraise(hand_case())
    o0, o1, o2, o3 = result.options
    assert [o.id for o in result.options] == ["O0", "O1", "O2", "O3"]
    assert result.do_nothing_id == "O0" and result.preferred_id == "O1"

    # Do nothing: costs 100 a year × 1.2 = 120 a year, no benefits.
    pv_c0 = 120 + 120 / 1.035 + 120 / 1.035**2 + 120 / 1.035**3  # 456.196
    assert o0.pv_costs == pytest.approx(pv_c0, rel=1e-12)
    assert o0.pv_costs == pytest.approx(456.196, abs=1e-3)
    assert o0.pv_benefits == 0.0
    assert o0.npv == pytest.approx(-pv_c0, rel=1e-12)
    assert o0.npv_vs_do_nothing == 0.0
    assert o0.bcr == 0.0
    assert o0.discounted_payback_year is None
    assert o0.cost_switching_value is None and o0.benefit_switching_value is None

    # O1: costs (500, 100, 50, 50) × 1.2 = (600, 120, 60, 60); benefits (0, 200, 300, 300).
    pv_c1 = 600 + 120 / 1.035 + 60 / 1.035**2 + 60 / 1.035**3  # 826.069
    pv_b1 = 0 + 200 / 1.035 + 300 / 1.035**2 + 300 / 1.035**3  # 743.873
    assert o1.pv_costs == pytest.approx(pv_c1, rel=1e-12)
    assert o1.pv_benefits == pytest.approx(pv_b1, rel=1e-12)
    assert o1.npv == pytest.approx(pv_b1 - pv_c1, rel=1e-12)
    assert o1.npv == pytest.approx(-82.196, abs=1e-3)
    assert o1.bcr == pytest.approx(pv_b1 / pv_c1, rel=1e-12)
    assert o1.bcr == pytest.approx(0.90050, abs=1e-5)
    # Δ = (b − c) − (0 − 120) = (−600 + 120, 200 − 120 + 120, 300 − 60 + 120, 300 − 60 + 120) = (−480, 200, 360, 360)
    npv_dn1 = -480 + 200 / 1.035 + 360 / 1.035**2 + 360 / 1.035**3  # 374.000
    assert o1.npv_vs_do_nothing == pytest.approx(npv_dn1, rel=1e-12)
    assert o1.npv_vs_do_nothing == pytest.approx(374.000, abs=1e-3)
    assert np.allclose(o1.delta, [-480, 200, 360, 360], rtol=0, atol=1e-9)
    # Cumulative discounted Δ: −480, −480 + 193.237 = −286.763, −286.763 + 336.064 = +49.301 → pays back in year 2.
    assert o1.cumulative_discounted_delta[1] == pytest.approx(-480 + 200 / 1.035, rel=1e-12)
    assert o1.cumulative_discounted_delta[2] == pytest.approx(49.301, abs=1e-3)
    assert o1.discounted_payback_year == 2
    assert o1.cost_switching_value == pytest.approx(npv_dn1 / pv_c1, rel=1e-12)  # 0.45275
    assert o1.benefit_switching_value == pytest.approx(npv_dn1 / pv_b1, rel=1e-12)  # 0.50277
    assert o1.cost_switching_value == pytest.approx(0.45275, abs=1e-5)
    assert o1.benefit_switching_value == pytest.approx(0.50277, abs=1e-5)

    # O2: cost 1000 × 1.2 = 1200 in year 0 and nothing else; Δ = (−1080, 120, 120, 120).
    npv_dn2 = -1080 + 120 / 1.035 + 120 / 1.035**2 + 120 / 1.035**3  # −743.804
    assert o2.pv_costs == pytest.approx(1200, rel=1e-12)
    assert o2.bcr == 0.0
    assert o2.npv_vs_do_nothing == pytest.approx(npv_dn2, rel=1e-12)
    assert o2.discounted_payback_year is None  # never pays back
    assert o2.cost_switching_value == pytest.approx(npv_dn2 / 1200, rel=1e-12)
    assert o2.benefit_switching_value is None  # no benefits

    # O3: no costs, benefits 50 a year; Δ = 50 + 120 = 170 a year.
    assert o3.pv_costs == 0.0
    assert o3.bcr is None
    assert o3.cost_switching_value is None
    assert o3.npv_vs_do_nothing == pytest.approx(170 * (1 + 1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3), rel=1e-12)
    assert o3.benefit_switching_value == pytest.approx(170 / 50, rel=1e-12)
    assert o3.discounted_payback_year == 0


def test_hand_worked_sensitivity():
    result = appraise(hand_case())
    rows = {(r.option, r.scenario): r.npv_vs_do_nothing for r in result.sensitivity}
    assert {option for option, _ in rows} == {"O1", "O2", "O3"}  # not the do-nothing option
    pv_c1 = 600 + 120 / 1.035 + 60 / 1.035**2 + 60 / 1.035**3
    pv_b1 = 200 / 1.035 + 300 / 1.035**2 + 300 / 1.035**3
    npv_dn1 = -480 + 200 / 1.035 + 360 / 1.035**2 + 360 / 1.035**3
    assert rows["O1", "costs +10%"] == pytest.approx(npv_dn1 - 0.1 * pv_c1, rel=1e-12)
    assert rows["O1", "costs +20%"] == pytest.approx(npv_dn1 - 0.2 * pv_c1, rel=1e-12)
    assert rows["O1", "benefits -10%"] == pytest.approx(npv_dn1 - 0.1 * pv_b1, rel=1e-12)
    assert rows["O1", "benefits -20%"] == pytest.approx(npv_dn1 - 0.2 * pv_b1, rel=1e-12)
    # Benefits (0, 200, 300, 300) delayed one year: (0, 0, 200, 300); the last 300 falls outside the period.
    # Δ = (−480, 0 − 120 + 120, 200 − 60 + 120, 300 − 60 + 120) = (−480, 0, 260, 360)
    assert rows["O1", "benefits delayed 1 year"] == pytest.approx(-480 + 0 / 1.035 + 260 / 1.035**2 + 360 / 1.035**3, rel=1e-12)
    assert rows["O1", "discount rate 1.5%"] == pytest.approx(-480 + 200 / 1.015 + 360 / 1.015**2 + 360 / 1.015**3, rel=1e-12)
    assert rows["O1", "discount rate 5%"] == pytest.approx(-480 + 200 / 1.05 + 360 / 1.05**2 + 360 / 1.05**3, rel=1e-12)


# --- figures that do not exist ----------------------------------------------------------


def test_zero_pv_costs_gives_no_bcr_and_no_cost_switching_value():
    result = appraise(make_case([{"id": "A"}], benefits=[("A", [10, 10])]))
    (a,) = result.options
    assert a.pv_costs == 0.0 and a.bcr is None and a.cost_switching_value is None
    assert a.to_dict()["bcr"] is None


def test_without_a_do_nothing_option_npv_vs_do_nothing_is_npv():
    result = appraise(
        make_case([{"id": "A"}, {"id": "B"}], costs=[("A", [100, 10]), ("B", [5])], benefits=[("A", [0, 150])], optimism_bias=0.1)
    )
    assert result.do_nothing_id is None
    for option in result.options:
        assert option.npv_vs_do_nothing == option.npv
    assert {r.option for r in result.sensitivity} == {"A", "B"}


def test_an_option_that_never_pays_back_has_no_payback_year():
    result = appraise(make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [100, 100, 100, 100])]))
    assert result.option("A").discounted_payback_year is None
    assert result.option("A").npv_vs_do_nothing < 0


def test_the_do_nothing_option_has_no_payback_and_no_switching_values():
    result = appraise(
        make_case([{"id": "DN", "do_nothing": True}], costs=[("DN", [10, 10])], benefits=[("DN", [100, 100])])
    )
    (dn,) = result.options
    assert dn.npv_vs_do_nothing == 0.0
    assert dn.discounted_payback_year is None
    assert dn.cost_switching_value is None and dn.benefit_switching_value is None
    assert result.sensitivity == ()


def test_an_option_no_different_from_do_nothing_pays_back_in_year_0():
    result = appraise(make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("DN", [7, 7]), ("A", [7, 7])]))
    assert result.option("A").npv_vs_do_nothing == 0.0
    assert result.option("A").discounted_payback_year == 0


def test_the_first_do_nothing_option_is_the_reference():
    result = appraise(
        make_case(
            [{"id": "A"}, {"id": "DN1", "do_nothing": True}, {"id": "DN2", "do_nothing": True}],
            costs=[("DN1", [50]), ("DN2", [80]), ("A", [20])],
            years=1,
        )
    )
    assert result.do_nothing_id == "DN1"
    assert result.option("A").npv_vs_do_nothing == pytest.approx(30.0)
    assert result.option("DN2").npv_vs_do_nothing == pytest.approx(-30.0)


def test_options_without_an_id_get_a_row_with_no_flows():
    result = appraise(make_case([{"id": "DN", "do_nothing": True}, {"name": "Unnamed"}], costs=[("DN", [10]), (None, [99])], years=1))
    unnamed = result.options[1]
    assert unnamed.id is None and unnamed.name == "Unnamed"
    assert unnamed.pv_costs == 0.0 and unnamed.npv_vs_do_nothing == pytest.approx(10.0)


def test_a_case_with_no_options_or_lines():
    result = appraise(Case())
    assert result.options == () and result.sensitivity == ()
    assert result.to_dict()["options"] == []
    assert len(result.to_dict()["discount_factors"]) == Assumptions().appraisal_years


def test_appraise_arrays_checks_its_inputs():
    with pytest.raises(BadInputError):
        appraise_arrays(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(BadInputError):
        appraise_arrays(np.zeros((2, 3)), np.zeros((2, 3)), do_nothing=2)
    with pytest.raises(BadInputError):
        appraise_arrays(np.zeros((1, 2)), np.zeros((1, 2)), rate=-1.5)


def test_appraise_arrays_does_not_modify_or_alias_its_inputs():
    costs = np.array([[1.0, 2.0], [3.0, 4.0]])
    benefits = np.array([[0.0, 5.0], [0.0, 0.0]])
    result = appraise_arrays(costs, benefits, do_nothing=1, optimism_bias=0.5)
    assert costs.tolist() == [[1.0, 2.0], [3.0, 4.0]] and benefits.flags.writeable
    assert result.options[0].costs.tolist() == [1.5, 3.0]
    with pytest.raises(ValueError):
        result.options[0].costs[0] = 0.0


# --- the JSON contract ------------------------------------------------------------------


def test_to_dict_has_exactly_the_design_keys_and_serialises():
    result = appraise(hand_case())
    data = result.to_dict()
    assert list(data) == ["assumptions", "options", "sensitivity", "discount_factors"]
    assert list(data["assumptions"]) == DESIGN_ASSUMPTION_KEYS
    assert data["assumptions"] == {
        "base_year": 2027,
        "appraisal_years": 4,
        "discount_rate": 0.035,
        "optimism_bias": 0.2,
        "price_base_year": None,
    }
    for row in data["options"]:
        assert list(row) == DESIGN_OPTION_KEYS
    for row in data["sensitivity"]:
        assert list(row) == ["option", "scenario", "npv_vs_do_nothing"]
    text = json.dumps(data, allow_nan=False)
    again = json.loads(text)
    assert again["options"][3]["bcr"] is None
    for row in again["options"]:
        for key in DESIGN_OPTION_KEYS[2:]:
            assert row[key] is None or type(row[key]) in (int, float)
    assert all(type(v) is float for v in data["discount_factors"])
    assert type(data["options"][1]["npv"]) is float
    assert type(data["options"][1]["discounted_payback_year"]) is int


def test_to_dict_turns_non_finite_figures_into_null():
    result = appraise_arrays(np.array([[1e308, 1e308]]), np.zeros((1, 2)), rate=0.0)
    row = result.to_dict()["options"][0]
    assert row["pv_costs"] is None
    json.dumps(result.to_dict(), allow_nan=False)


# --- a plain-Python reference implementation, and the engine checked against it ---------


def ref_rate(t: int, rate: float) -> float:
    """Green Book schedule written out: `rate` for years up to 30, then 3.0% to 75, 2.5% to 125."""
    if t <= 30:
        return rate
    if t <= 75:
        return 0.03
    return 0.025


def ref_factors(years: int, rate: float) -> list[float]:
    factors = []
    df = 1.0
    for t in range(years):
        if t > 0:
            df = df / (1 + ref_rate(t, rate))
        factors.append(df)
    return factors


def ref_flows(case: Case, lines, option: Option, years: int) -> list[float]:
    totals = [0.0] * years
    if not option.id:
        return totals
    for line in lines:
        if line.option == option.id:
            for t, amount in enumerate(line.amounts):
                if t < years:
                    totals[t] += amount
    return totals


def ref_npv_vs_dn(benefits, costs, dn_net, factors) -> float:
    total = 0.0
    for t in range(len(factors)):
        total += ((benefits[t] - costs[t]) - dn_net[t]) * factors[t]
    return total


def ref_appraise(case: Case) -> dict:
    a = case.assumptions
    years = a.appraisal_years
    factors = ref_factors(years, a.discount_rate)
    flows = []
    for option in case.options:
        costs = [c * (1 + a.optimism_bias) for c in ref_flows(case, case.costs, option, years)]
        benefits = ref_flows(case, case.benefits, option, years)
        flows.append((costs, benefits))
    dn_index = None
    for i, option in enumerate(case.options):
        if option.do_nothing:
            dn_index = i
            break
    if dn_index is None:
        dn_net = [0.0] * years
    else:
        dn_costs, dn_benefits = flows[dn_index]
        dn_net = [dn_benefits[t] - dn_costs[t] for t in range(years)]

    options = []
    sensitivity = []
    for i, option in enumerate(case.options):
        costs, benefits = flows[i]
        pv_c = sum(costs[t] * factors[t] for t in range(years))
        pv_b = sum(benefits[t] * factors[t] for t in range(years))
        npv = pv_b - pv_c
        npv_dn = ref_npv_vs_dn(benefits, costs, dn_net, factors)
        cumulative = []
        running = 0.0
        for t in range(years):
            running += ((benefits[t] - costs[t]) - dn_net[t]) * factors[t]
            cumulative.append(running)
        is_dn = i == dn_index
        payback = None
        if not is_dn:
            for t in range(years):
                if cumulative[t] >= 0:
                    payback = t
                    break
        options.append(
            {
                "id": option.id,
                "name": option.name,
                "pv_costs": pv_c,
                "pv_benefits": pv_b,
                "npv": npv,
                "npv_vs_do_nothing": npv_dn,
                "bcr": pv_b / pv_c if pv_c != 0 else None,
                "discounted_payback_year": payback,
                "cost_switching_value": npv_dn / pv_c if pv_c != 0 and not is_dn else None,
                "benefit_switching_value": npv_dn / pv_b if pv_b != 0 and not is_dn else None,
                "cumulative": cumulative,
            }
        )
        if is_dn:
            continue
        for scenario in sensitivity_scenarios():
            s_costs, s_benefits, s_factors = costs, benefits, factors
            if scenario.kind == "costs_change":
                s_costs = [c * (1 + scenario.value) for c in costs]
            elif scenario.kind == "benefits_change":
                s_benefits = [b * (1 + scenario.value) for b in benefits]
            elif scenario.kind == "benefits_delay":
                lag = int(scenario.value)
                s_benefits = [benefits[t - lag] if t - lag >= 0 else 0.0 for t in range(years)]
            elif scenario.kind == "discount_rate":
                s_factors = ref_factors(years, scenario.value)
            sensitivity.append((option.id, scenario.name, ref_npv_vs_dn(s_benefits, s_costs, dn_net, s_factors)))
    return {"factors": factors, "options": options, "sensitivity": sensitivity}


def magnitude(case: Case) -> float:
    """The size of the flows, for an absolute tolerance on sums that may cancel to near zero."""
    uplift = 1 + case.assumptions.optimism_bias
    return 1.0 + sum(abs(x) * uplift for line in case.costs for x in line.amounts) + sum(
        abs(x) for line in case.benefits for x in line.amounts
    )


def assert_matches_reference(case: Case) -> None:
    result = appraise(case)
    ref = ref_appraise(case)
    scale = magnitude(case)
    tol = 1e-9 * scale

    def close(got, want):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=tol)

    assert np.allclose(result.discount_factors, ref["factors"], rtol=1e-9, atol=0)
    assert len(result.options) == len(ref["options"])
    for got, want in zip(result.options, ref["options"]):
        assert got.id == want["id"] and got.name == want["name"]
        for key in ("pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing"):
            assert close(getattr(got, key), want[key]), (key, getattr(got, key), want[key])
        # Ratios are compared where their denominator is clear of rounding noise; where a
        # denominator is within noise of zero the ratio is ill-conditioned either way.
        for key, denominator in (
            ("bcr", want["pv_costs"]),
            ("cost_switching_value", want["pv_costs"]),
            ("benefit_switching_value", want["pv_benefits"]),
        ):
            if abs(denominator) > 1e-4 * scale:
                g, w = getattr(got, key), want[key]
                assert (g is None) == (w is None), key
                if w is not None:
                    assert math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9), (key, g, w)
            elif denominator == 0.0 and key == "bcr":
                assert getattr(got, key) is None
        # Payback: exact, unless the cumulative sum sits within rounding noise of zero
        # (but not at exactly zero, which counts as paid back).
        got_year, want_year = got.discounted_payback_year, want["discounted_payback_year"]
        cumulative = want["cumulative"]
        if not any(0 < abs(c) <= tol for c in cumulative):
            assert got_year == want_year
        elif got_year != want_year:
            assert not got.do_nothing
            first = len(cumulative) if got_year is None else got_year
            assert all(c < tol for c in cumulative[:first]), (got_year, want_year)
            if got_year is not None:
                assert cumulative[got_year] >= -tol, (got_year, want_year)
    got_rows = [(r.option, r.scenario, r.npv_vs_do_nothing) for r in result.sensitivity]
    assert [(o, s) for o, s, _ in got_rows] == [(o, s) for o, s, _ in ref["sensitivity"]]
    for (_, scenario, got), (_, _, want) in zip(got_rows, ref["sensitivity"]):
        assert close(got, want), (scenario, got, want)
    json.dumps(result.to_dict(), allow_nan=False)


amounts = st.one_of(
    st.just(0.0),
    st.integers(-1_000_000, 1_000_000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def random_cases(draw) -> Case:
    n_options = draw(st.integers(1, 6))
    years = draw(st.integers(1, 60))
    options = []
    for i in range(n_options):
        option_id = draw(st.sampled_from([f"O{i}", f"O{i}", f"O{i}", f"O{i}", None, "O0"]))  # some missing, some repeated
        options.append(Option(id=option_id, name=f"Option {i}", do_nothing=draw(st.sampled_from([False, False, False, True]))))
    line_option = st.sampled_from([f"O{i}" for i in range(n_options)] + ["ZZ", None])
    line_amounts = st.lists(amounts, max_size=years + 3)  # some lines run past the period
    costs = draw(st.lists(st.builds(CostLine, option=line_option, amounts=line_amounts), max_size=10))
    benefits = draw(st.lists(st.builds(BenefitLine, option=line_option, amounts=line_amounts), max_size=10))
    assumptions = Assumptions(
        appraisal_years=years,
        discount_rate=draw(st.floats(0.0, 0.1)),
        optimism_bias=draw(st.floats(0.0, 0.5)),
    )
    return Case(options=options, costs=costs, benefits=benefits, assumptions=assumptions)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_cases())
def test_engine_matches_a_plain_loop_reference(case):
    assert_matches_reference(case)


def test_engine_matches_the_reference_on_a_long_case_with_sensitivity():
    rng = np.random.default_rng(20270401)
    options = [{"id": "DN", "name": "Do nothing", "do_nothing": True}] + [{"id": f"O{i}", "name": f"Option {i}"} for i in range(1, 6)]
    costs = [(f"O{i % 6}" if i % 6 else "DN", rng.integers(0, 50_000, size=60).tolist()) for i in range(40)]
    benefits = [(f"O{i % 5 + 1}", rng.integers(0, 40_000, size=rng.integers(1, 70)).tolist()) for i in range(30)]
    case = make_case(options, costs, benefits, years=60, rate=0.035, optimism_bias=0.15)
    assert_matches_reference(case)
    result = appraise(case)
    assert len(result.sensitivity) == 5 * len(sensitivity_scenarios())


# --- reference data ---------------------------------------------------------------------


def test_green_book_schedule_is_held_as_dated_data():
    standard = discount_schedule()
    assert [(b.first_year, b.last_year, b.rate) for b in standard.bands] == [
        (0, 30, 0.035),
        (31, 75, 0.030),
        (76, 125, 0.025),
        (126, 200, 0.020),
        (201, 300, 0.015),
        (301, None, 0.010),
    ]
    assert standard.rate_for_year(30) == 0.035 and standard.rate_for_year(31) == 0.03 and standard.rate_for_year(1000) == 0.01
    assert "Green Book" in standard.source and isinstance(standard.published, dt.date)
    assert discount_schedule("health").short_term_rate == 0.015
    with pytest.raises(UnknownReferenceError):
        discount_schedule("nope")


def test_sensitivity_scenarios_are_data():
    assert [(s.kind, s.value) for s in sensitivity_scenarios()] == [
        ("costs_change", 0.10),
        ("costs_change", 0.20),
        ("benefits_change", -0.10),
        ("benefits_change", -0.20),
        ("benefits_delay", 1),
        ("discount_rate", 0.015),
        ("discount_rate", 0.05),
    ]


def test_pay_and_on_costs_reference_data():
    latest = pay_scales()
    assert latest.period == "2025/26" and latest.effective_from == dt.date(2025, 4, 1)
    assert (latest.band(3).entry, latest.band(3).top) == (24937, 26598)
    assert (latest.band("4").entry, latest.band("4").top) == (27485, 30162)
    previous = pay_scales("2024/25")
    assert (previous.band(3).entry, previous.band(3).top, previous.band(4).entry, previous.band(4).top) == (24071, 25674, 26530, 29114)
    assert pay_scales(dt.date(2024, 9, 1)).period == "2024/25"
    with pytest.raises(UnknownReferenceError):
        pay_scales("1999/00")
    with pytest.raises(UnknownReferenceError):
        latest.band(9)
    ni = employer_national_insurance()
    assert (ni.rate, ni.secondary_threshold, ni.apprentice_under_25_upper_threshold) == (0.15, 5000, 50270)
    assert ni.annual_cost(27485) == pytest.approx((27485 - 5000) * 0.15)
    assert ni.annual_cost(27485, apprentice_under_25=True) == 0.0
    pension = nhs_pension_employer()
    assert (pension.employer_rate, pension.administration_levy, pension.local_rate) == (0.237, 0.0008, 0.1438)
    assert pension.central_rate == pytest.approx(0.237 - 0.1438)


def test_results_and_cash_flows_as_pandas_frames():
    case = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}],
                     costs=[("A", [100.0, 10.0])], benefits=[("A", [0.0, 60.0, 60.0])], years=3)
    result = appraise(case)
    frame = result.results_frame()
    assert list(frame["id"]) == ["DN", "A"]
    assert frame.loc[1, "npv"] == pytest.approx(result.option("A").npv)
    assert math.isnan(frame.loc[0, "discounted_payback_year"])
    flows = result.cash_flows_frame()
    assert len(flows) == 2 * 3 and list(flows["financial_year"][:3]) == ["2027/28", "2028/29", "2029/30"]
    last = flows[(flows["option"] == "A") & (flows["year"] == 2)]
    assert last["cumulative_discounted_vs_do_nothing"].item() == pytest.approx(result.option("A").npv_vs_do_nothing)
