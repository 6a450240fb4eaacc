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
from xlcase.model import Apprenticeship, Assumptions, BenefitLine, Case, CostLine, Option
from xlcase.reference import (
    UnknownReferenceError,
    discount_schedule,
    employer_national_insurance,
    green_book,
    nhs_pension_employer,
    optimism_bias_bounds,
    pay_scales,
    sensitivity_scenarios,
)

DESIGN_OPTION_KEYS = [  # DESIGN.md, appraisal version 2 (with optimism_bias, an extension)
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
    "sensitivity",
    "driver_switching_values",
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


# --- a small case worked by hand (appraisal version 2) -------------------------------------


def hand_case() -> Case:
    """Four years at 3.5%, a 20% default optimism bias; every figure is worked out in the tests below.

    DF = (1, 1/1.035, 1/1.035^2, 1/1.035^3) = (1, 0.966184, 0.933511, 0.901943); the health schedule
    DFH = (1, 1/1.015, 1/1.015^2, 1/1.015^3) = (1, 0.985222, 0.970662, 0.956317).
    """
    return Case(
        title="Test case",
        organisation="Test trust",
        assumptions=Assumptions(appraisal_years=4, discount_rate=0.035, optimism_bias=0.2),
        options=[
            Option(id="O0", name="Do nothing", do_nothing=True),  # no optimism bias: today's run rate
            Option(id="O1", name="Train four APs", preferred=True),  # the default 20%
            Option(id="O2", name="All cost, no benefit", optimism_bias=0.0),  # its own 0%
            Option(id="O3", name="Benefit only"),
        ],
        costs=[
            CostLine(option="O0", amounts=[100, 100, 100, 100]),
            CostLine(option="O1", amounts=[500, 100]),
            CostLine(option="o1", amounts=[0, 0, 50, 50, 999]),  # "o1" is O1 (as SUMIFS); the 999 is past the period
            CostLine(option="O2", amounts=[1000]),
            CostLine(option="O9", amounts=[5000, 5000]),  # names no option: ignored
        ],
        benefits=[
            BenefitLine(option="O1", category="cash_releasing", amounts=[0, 200, 300, 300]),
            BenefitLine(option="O1", category="health", amounts=[0, 0, 10, 10]),  # QALYs valued, at the health rate
            BenefitLine(option="O3", amounts=[50, 50, 50, 50]),
        ],
    )


DF = [1, 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3]
DFH = [1, 1 / 1.015, 1 / 1.015**2, 1 / 1.015**3]


def pv(flows, factors=DF) -> float:
    return sum(x * f for x, f in zip(flows, factors))


def test_hand_worked_case():
    result = appraise(hand_case())
    o0, o1, o2, o3 = result.options
    assert [o.id for o in result.options] == ["O0", "O1", "O2", "O3"]
    assert result.do_nothing_id == "O0" and result.preferred_id == "O1"
    assert [o.optimism_bias for o in result.options] == [0.0, 0.2, 0.0, 0.2]

    # Do nothing: costs 100 a year, no optimism bias, no benefits. Its own figures exist; the
    # figures against doing nothing do not (its NPV vs do nothing is 0).
    assert o0.pv_costs == pytest.approx(pv([100] * 4), rel=1e-12)  # 100 + 96.618 + 93.351 + 90.194 = 380.164
    assert o0.pv_costs == pytest.approx(380.164, abs=1e-3)
    assert o0.npv == pytest.approx(-o0.pv_costs, rel=1e-12)
    assert o0.npv_vs_do_nothing == 0.0
    assert (o0.incremental_pv_costs, o0.incremental_pv_benefits, o0.bcr) == (None, None, None)
    assert (o0.discounted_payback_year, o0.cost_switching_value, o0.benefit_switching_value) == (None, None, None)

    # O1: costs (500, 100, 50, 50) x 1.2 = (600, 120, 60, 60); standard benefits (0, 200, 300, 300),
    # health benefits (0, 0, 10, 10) at DFH.
    assert o1.pv_costs == pytest.approx(pv([600, 120, 60, 60]), rel=1e-12)  # 826.069
    assert o1.pv_benefits == pytest.approx(pv([0, 200, 300, 300]) + pv([0, 0, 10, 10], DFH), rel=1e-12)
    assert o1.npv == pytest.approx(o1.pv_benefits - o1.pv_costs, rel=1e-12)
    # Against doing nothing: dC = (600-100, 120-100, 60-100, 60-100) = (500, 20, -40, -40), so the
    # incremental costs are I = (500, 20, 0, 0) and the cost savings S = (0, 0, 40, 40);
    # dB = (0, 200, 300, 300) and dB_health = (0, 0, 10, 10).
    npv_dn = pv([0 - 500, 200 - 20, 300 + 40, 300 + 40]) + pv([0, 0, 10, 10], DFH)
    # = -500 + 173.913 + 317.394 + 306.661 + 9.707 + 9.563 = 317.237
    assert o1.npv_vs_do_nothing == pytest.approx(npv_dn, rel=1e-12)
    assert o1.npv_vs_do_nothing == pytest.approx(317.237, abs=1e-3)
    assert o1.incremental_pv_costs == pytest.approx(pv([500, 20, 0, 0]), rel=1e-12)  # 519.324
    extra_benefits = pv([0, 200, 300, 300]) + pv([0, 0, 10, 10], DFH) + pv([0, 0, 40, 40])  # 836.561
    assert o1.incremental_pv_benefits == pytest.approx(extra_benefits, rel=1e-12)
    assert o1.bcr == pytest.approx(extra_benefits / pv([500, 20, 0, 0]), rel=1e-12)  # 1.61087
    assert o1.bcr == pytest.approx(1.61087, abs=1e-5)
    assert o1.cost_switching_value == pytest.approx(npv_dn / pv([500, 20, 0, 0]), rel=1e-12)  # 0.61087
    assert o1.benefit_switching_value == pytest.approx(npv_dn / extra_benefits, rel=1e-12)  # 0.37922
    # BCR - 1 = cost switching value: incremental benefits less incremental costs is the NPV vs do nothing.
    assert o1.bcr - 1 == pytest.approx(o1.cost_switching_value, rel=1e-12)
    # Cumulative discounted net benefit vs do nothing: -500, -326.087, +1.013, +317.237: below zero
    # until year 2 and at or above zero from then on, so it pays back in year 2 = 2029/30.
    assert o1.cumulative_discounted_delta[1] == pytest.approx(-500 + 180 / 1.035, rel=1e-12)
    assert o1.cumulative_discounted_delta[2] == pytest.approx(1.013, abs=1e-3)
    assert o1.discounted_payback_year == 2
    assert o1.discounted_payback_financial_year == "2029/30"

    # O2: its own optimism bias 0: cost 1000 in year 0, nothing else; dC = (900, -100, -100, -100).
    assert o2.pv_costs == pytest.approx(1000, rel=1e-12)
    assert o2.npv_vs_do_nothing == pytest.approx(pv([-900, 100, 100, 100]), rel=1e-12)  # -619.836
    assert o2.incremental_pv_costs == pytest.approx(900, rel=1e-12)
    assert o2.incremental_pv_benefits == pytest.approx(pv([0, 100, 100, 100]), rel=1e-12)  # savings only
    assert o2.discounted_payback_year is None  # its cumulative ends below zero
    assert o2.cost_switching_value == pytest.approx(o2.npv_vs_do_nothing / 900, rel=1e-12)

    # O3: no costs, benefits 50 a year: dC = (-100, ...) are savings, so no incremental costs: no BCR and
    # no cost switching value; it is better than doing nothing from year 0.
    assert o3.pv_costs == 0.0 and o3.incremental_pv_costs == 0.0
    assert o3.bcr is None and o3.cost_switching_value is None
    assert o3.npv_vs_do_nothing == pytest.approx(pv([150] * 4), rel=1e-12)
    assert o3.incremental_pv_benefits == pytest.approx(pv([150] * 4), rel=1e-12)
    assert o3.benefit_switching_value == pytest.approx(1.0, rel=1e-12)
    assert o3.discounted_payback_year == 0


def test_hand_worked_sensitivity():
    result = appraise(hand_case())
    o1 = result.option("O1")
    assert {r.option for r in result.sensitivity} == {"O1", "O2", "O3"}  # not the do-nothing option
    rows = o1.sensitivity
    assert list(rows) == [s.name for s in sensitivity_scenarios()]
    base = o1.npv_vs_do_nothing
    # The cost and benefit scenarios change what O1 adds to doing nothing. Its costs with the bias are
    # (600, 120, 60, 60) against do nothing's (100, 100, 100, 100): additional costs (500, 20, 0, 0) and
    # savings (0, 0, 40, 40); its additional benefits are its own (do nothing has none).
    additional_costs = pv([500, 20, 0, 0])
    additional_benefits = pv([0, 200, 300, 300]) + pv([0, 0, 10, 10], DFH) + pv([0, 0, 40, 40])
    assert rows["costs +10%"] == pytest.approx(base - 0.1 * additional_costs, rel=1e-12)
    assert rows["costs +20%"] == pytest.approx(base - 0.2 * additional_costs, rel=1e-12)
    assert rows["benefits -10%"] == pytest.approx(base - 0.1 * additional_benefits, rel=1e-12)
    assert rows["benefits -20%"] == pytest.approx(base - 0.2 * additional_benefits, rel=1e-12)
    # Benefits a year late: standard (0, 0, 200, 300) and health (0, 0, 0, 10); the last year's fall outside.
    late = base - pv([0, 200, 300, 300]) - pv([0, 0, 10, 10], DFH) + pv([0, 0, 200, 300]) + pv([0, 0, 0, 10], DFH)
    assert rows["benefits a year late"] == pytest.approx(late, rel=1e-12)
    # The Green Book 2026 lower discount rate test: 3% for years 0-30 on every standard flow; health keeps DFH.
    low = [1, 1 / 1.03, 1 / 1.03**2, 1 / 1.03**3]
    assert rows["lower discount rate test"] == pytest.approx(
        pv([-500, 180, 340, 340], low) + pv([0, 0, 10, 10], DFH), rel=1e-12)


def test_driver_sensitivities_and_switching_values():
    """Lines naming a driver change with it; switching values say how far each driver may fall."""
    case = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [1000, 100, 100, 100])],
                     benefits=[("A", [0, 300, 300, 300]), ("A", [0, 200, 200, 200])], years=4)
    case.benefits[0].drivers = ["agency_rate", "per_qualified_ap"]  # agency shifts the qualified APs avoid
    case.benefits[1].drivers = ["nurse_time"]
    case.apprenticeships = [Apprenticeship(option="A", learners=10, duration_months=24, start=dt.date(2027, 9, 1),
                                           funding_band=0)]
    case.assumptions.attrition = 0.1
    a = appraise(case).option("A")
    agency = pv([0, 300, 300, 300])
    assert a.sensitivity["agency rate -20%"] == pytest.approx(a.npv_vs_do_nothing - 0.2 * agency, rel=1e-12)
    assert a.sensitivity["nurse time released -20%"] == pytest.approx(a.npv_vs_do_nothing - 0.2 * pv([0, 200, 200, 200]))
    assert a.sensitivity["AP retention 80%"] == pytest.approx(a.npv_vs_do_nothing - 0.2 * agency, rel=1e-12)
    # Attrition 10 points higher: of 10 learners on a 24-month programme, 10 x 0.8^2 complete instead of 10 x 0.9^2.
    share = 0.8**2 / 0.9**2
    assert a.sensitivity["attrition +10 points"] == pytest.approx(a.npv_vs_do_nothing + (share - 1) * agency, rel=1e-12)
    # Qualifying a term (4 months) late: each year keeps 8/12 of its own and takes 4/12 of the year before's.
    late = [0, 300 * 8 / 12, 300, 300]
    assert a.sensitivity["qualifying a term late"] == pytest.approx(a.npv_vs_do_nothing - agency + pv(late), rel=1e-12)
    assert a.driver_switching_values["agency_rate"] == pytest.approx(a.npv_vs_do_nothing / agency, rel=1e-12)
    assert a.driver_switching_values["nurse_time"] == pytest.approx(a.npv_vs_do_nothing / pv([0, 200, 200, 200]))
    assert appraise(case).option("DN").driver_switching_values == {d: None for d in a.driver_switching_values}


def test_payback_is_the_first_year_from_which_the_option_stays_paid_back():
    # Version 1 gave year 0 to an option that spends GBP 100 in year 1 and recovers by year 3 (its
    # cumulative was 0 in year 0); version 2 waits until it stays at or above zero.
    case = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [0, 100, 0, 0])],
                     benefits=[("A", [0, 0, 60, 60])])
    # cumulative: 0, -96.618, -40.608, +13.509
    assert appraise(case).option("A").discounted_payback_year == 3
    # Positive in year 0, negative after, positive again at the end: pays back when it stays positive.
    case = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [0, 100, 0, 0])],
                     benefits=[("A", [50, 0, 0, 200])])
    assert appraise(case).option("A").discounted_payback_year == 3
    # Ends below zero: never.
    case = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [0, 100, 0, 0])],
                     benefits=[("A", [50, 0, 0, 0])])
    assert appraise(case).option("A").discounted_payback_year is None


def test_same_economics_full_cost_or_relative_to_business_as_usual():
    """The same economics entered two ways give the same NPV vs do nothing with optimism bias 0.

    Full cost: do nothing pays 1,000 a year for agency staff; the option pays 600 a year for agency staff
    and 300 of training in year 0 and 200 in year 1. Relative to business as usual: do nothing is all zero,
    the option's costs are the training and its agency saving of 400 a year is a cash-releasing benefit.
    """
    years = 5
    full = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}],
                     costs=[("DN", [1000] * years), ("A", [600] * years), ("A", [300, 200])], years=years)
    relative = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [300, 200])],
                         benefits=[("A", [400] * years)], years=years)
    a_full, a_relative = appraise(full).option("A"), appraise(relative).option("A")
    assert a_full.npv_vs_do_nothing == pytest.approx(a_relative.npv_vs_do_nothing, rel=1e-12)
    assert a_full.sensitivity["lower discount rate test"] == pytest.approx(
        a_relative.sensitivity["lower discount rate test"], rel=1e-12)
    # Explained difference 1: costs and savings in the same year are netted. Full cost, year 0: the option
    # costs 900 against 1,000, a saving of 100 (no incremental cost); year 1: 800 against 1,000. Relative:
    # the 300 and 200 of training are incremental costs and the 400s benefits. The NPV is the same, the
    # split between incremental costs and benefits (so the BCR) differs.
    assert a_full.incremental_pv_costs == 0.0 and a_full.bcr is None
    assert a_relative.incremental_pv_costs == pytest.approx(300 + 200 / 1.035, rel=1e-12)
    assert a_full.incremental_pv_benefits == pytest.approx(a_relative.npv_vs_do_nothing, rel=1e-12)
    # Where spending and saving fall in different years there is nothing to net: the same BCR either way.
    full = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}],
                     costs=[("DN", [1000] * years), ("A", [1300, 600, 600, 600, 600])], years=years)
    relative = make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("A", [300])],
                         benefits=[("A", [0, 400, 400, 400, 400])], years=years)
    a_full, a_relative = appraise(full).option("A"), appraise(relative).option("A")
    for key in ("npv_vs_do_nothing", "incremental_pv_costs", "incremental_pv_benefits", "bcr",
                "cost_switching_value", "benefit_switching_value"):
        assert getattr(a_full, key) == pytest.approx(getattr(a_relative, key), rel=1e-12), key
    assert a_full.discounted_payback_year == a_relative.discounted_payback_year == 1
    # The cost and benefit sensitivities change what the option adds to doing nothing, as the switching
    # values do: full costs +10% would otherwise add 10% of the agency spend both options share. (Benefits a
    # year late moves benefits, not savings entered as lower costs, so that scenario differs here.)
    for scenario in ("costs +10%", "costs +20%", "benefits -10%", "benefits -20%"):
        assert a_full.sensitivity[scenario] == pytest.approx(a_relative.sensitivity[scenario], rel=1e-12), scenario
    assert a_full.sensitivity["costs +10%"] == pytest.approx(
        a_full.npv_vs_do_nothing - 0.1 * a_full.incremental_pv_costs, rel=1e-12)
    # Explained difference 2: with an optimism bias the full-cost entry uplifts the option's agency spend too
    # (do nothing carries none), so its NPV vs do nothing is lower than the relative entry's.
    biased_full = full.model_copy(update={"assumptions": Assumptions(appraisal_years=years, optimism_bias=0.1)})
    biased_relative = relative.model_copy(update={"assumptions": Assumptions(appraisal_years=years, optimism_bias=0.1)})
    uplifted_agency = 0.1 * pv([0, 600, 600, 600, 600], discount_factors(years))
    assert appraise(biased_full).option("A").npv_vs_do_nothing == pytest.approx(
        appraise(biased_relative).option("A").npv_vs_do_nothing - 0.1 * 1300 + 0.1 * 300 - uplifted_agency, rel=1e-9)


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
        assert option.npv_vs_do_nothing == pytest.approx(option.npv, rel=1e-12)
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


def test_an_option_no_different_from_do_nothing_has_no_payback_and_no_ratios():
    result = appraise(make_case([{"id": "DN", "do_nothing": True}, {"id": "A"}], costs=[("DN", [7, 7]), ("A", [7, 7])]))
    a = result.option("A")
    assert a.npv_vs_do_nothing == 0.0
    assert a.discounted_payback_year is None  # every difference from doing nothing is 0
    assert a.incremental_pv_costs == 0.0 and a.bcr is None and a.cost_switching_value is None


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
    assert list(data) == ["assumptions", "options", "sensitivity", "discount_factors", "health_discount_factors"]
    assert set(DESIGN_ASSUMPTION_KEYS) <= set(data["assumptions"])
    assert {k: data["assumptions"][k] for k in DESIGN_ASSUMPTION_KEYS} == {
        "base_year": 2027,
        "appraisal_years": 4,
        "discount_rate": 0.035,
        "optimism_bias": 0.2,
        "price_base_year": None,
    }
    for row in data["options"]:
        assert list(row) == DESIGN_OPTION_KEYS
    assert data["options"][1]["sensitivity"] == result.option("O1").sensitivity
    assert data["options"][0]["sensitivity"] == {}  # do nothing
    for row in data["sensitivity"]:
        assert list(row) == ["option", "scenario", "npv_vs_do_nothing"]
    text = json.dumps(data, allow_nan=False)
    again = json.loads(text)
    assert again["options"][3]["bcr"] is None
    for row in again["options"]:
        for key in DESIGN_OPTION_KEYS[2:]:
            if key not in ("sensitivity", "driver_switching_values"):
                assert row[key] is None or type(row[key]) in (int, float, str)
    assert all(type(v) is float for v in data["discount_factors"])
    assert type(data["options"][1]["npv"]) is float
    assert type(data["options"][1]["discounted_payback_year"]) is int
    assert data["options"][1]["discounted_payback_financial_year"] == "2029/30"


def test_to_dict_turns_non_finite_figures_into_null():
    result = appraise_arrays(np.array([[1e308, 1e308]]), np.zeros((1, 2)), rate=0.0)
    row = result.to_dict()["options"][0]
    assert row["pv_costs"] is None
    json.dumps(result.to_dict(), allow_nan=False)


# --- a plain-Python reference implementation, and the engine checked against it ---------


STANDARD_BANDS = [(30, None), (75, 0.03), (125, 0.025), (200, 0.02), (300, 0.015), (10**9, 0.01)]
HEALTH_BANDS = [(30, 0.015), (75, 0.0129), (125, 0.0107), (200, 0.0086), (300, 0.0064), (10**9, 0.0043)]
LOWER_BANDS = [(30, 0.03), (75, 0.0257), (125, 0.0214), (200, 0.0171), (300, 0.0129), (10**9, 0.0086)]


def ref_factors(years: int, bands, rate: float | None = None) -> list[float]:
    """Green Book discount factors written out: DF_t = DF_(t-1) / (1 + the rate of t's band)."""
    factors, df = [], 1.0
    for t in range(years):
        if t > 0:
            band_rate = next(r for last, r in bands if t <= last)
            df = df / (1 + (rate if band_rate is None else band_rate))
        factors.append(df)
    return factors


def ref_flows(lines, option: Option, years: int) -> list[float]:
    totals = [0.0] * years
    if not option.id:
        return totals
    for line in lines:
        if line.option is not None and line.option.casefold() == option.id.casefold():
            for t, amount in enumerate(line.amounts):
                if t < years:
                    totals[t] += amount
    return totals


def ref_bias(case: Case, option: Option) -> float:
    if option.optimism_bias is not None:
        return option.optimism_bias
    return 0.0 if option.do_nothing else case.assumptions.optimism_bias


def ref_npv_vs_dn(flows, dn, df, dfh) -> float:
    """Sum over years of (dB - dC) x DF + dB_health x DFH."""
    costs, benefits, health = flows
    total = 0.0
    for t in range(len(df)):
        total += ((benefits[t] - dn[1][t]) - (costs[t] - dn[0][t])) * df[t] + (health[t] - dn[2][t]) * dfh[t]
    return total


def ref_appraise(case: Case) -> dict:
    a = case.assumptions
    years = a.appraisal_years
    df = ref_factors(years, STANDARD_BANDS, a.discount_rate)
    dfh = ref_factors(years, HEALTH_BANDS)
    low = ref_factors(years, LOWER_BANDS)
    flows = []
    for option in case.options:
        costs = [c * (1 + ref_bias(case, option)) for c in ref_flows(case.costs, option, years)]
        standard = ref_flows([b for b in case.benefits if b.category != "health"], option, years)
        health = ref_flows([b for b in case.benefits if b.category == "health"], option, years)
        flows.append((costs, standard, health))
    dn_index = next((i for i, o in enumerate(case.options) if o.do_nothing), None)
    dn = flows[dn_index] if dn_index is not None else ([0.0] * years,) * 3

    options, sensitivity = [], []
    for i, option in enumerate(case.options):
        costs, standard, health = flows[i]
        is_dn = i == dn_index
        pv_c = sum(costs[t] * df[t] for t in range(years))
        pv_b = sum(standard[t] * df[t] + health[t] * dfh[t] for t in range(years))
        npv_dn = ref_npv_vs_dn(flows[i], dn, df, dfh)
        extra_c = sum(max(costs[t] - dn[0][t], 0.0) * df[t] for t in range(years))
        extra_b = sum((standard[t] - dn[1][t]) * df[t] + (health[t] - dn[2][t]) * dfh[t]
                      + max(dn[0][t] - costs[t], 0.0) * df[t] for t in range(years))
        cumulative, running = [], 0.0
        for t in range(years):
            running += ((standard[t] - dn[1][t]) - (costs[t] - dn[0][t])) * df[t] + (health[t] - dn[2][t]) * dfh[t]
            cumulative.append(running)
        moves = any(flows[i][k][t] != dn[k][t] for k in range(3) for t in range(years))
        payback = None
        if not is_dn and moves:
            for t in range(years):
                if all(c >= -1e-6 for c in cumulative[t:]):
                    payback = t
                    break
        options.append({
            "id": option.id, "name": option.name, "pv_costs": pv_c, "pv_benefits": pv_b, "npv": pv_b - pv_c,
            "npv_vs_do_nothing": 0.0 if is_dn else npv_dn,
            "incremental_pv_costs": None if is_dn else extra_c,
            "incremental_pv_benefits": None if is_dn else extra_b,
            "bcr": None if is_dn or extra_c == 0 else extra_b / extra_c,
            "discounted_payback_year": payback,
            "cost_switching_value": None if is_dn or extra_c == 0 else npv_dn / extra_c,
            "benefit_switching_value": None if is_dn or extra_b == 0 else npv_dn / extra_b,
            "cumulative": cumulative,
        })
        if is_dn:
            continue
        for scenario in sensitivity_scenarios():  # the cost and benefit scenarios change what it adds to doing nothing
            s_standard, s_health, s_df = standard, health, df
            if scenario.kind == "costs_change":
                sensitivity.append((option.id, scenario.name, npv_dn - scenario.value * extra_c))
                continue
            if scenario.kind == "benefits_change":
                sensitivity.append((option.id, scenario.name, npv_dn + scenario.value * extra_b))
                continue
            if scenario.kind == "benefits_delay":
                lag = int(scenario.value)
                s_standard = [dn[1][t] + (standard[t - lag] - dn[1][t - lag] if t - lag >= 0 else 0.0)
                              for t in range(years)]
                s_health = [dn[2][t] + (health[t - lag] - dn[2][t - lag] if t - lag >= 0 else 0.0)
                            for t in range(years)]
            elif scenario.kind == "discount_schedule":
                s_df = low
            sensitivity.append((option.id, scenario.name,
                                ref_npv_vs_dn((costs, s_standard, s_health), dn, s_df, dfh)))
    return {"factors": df, "options": options, "sensitivity": sensitivity}


def magnitude(case: Case) -> float:
    """The size of the flows, for an absolute tolerance on sums that may cancel to near zero."""
    uplift = 1 + max([case.assumptions.optimism_bias] + [o.optimism_bias or 0.0 for o in case.options])
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
        for key in ("pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing", "incremental_pv_costs",
                    "incremental_pv_benefits"):
            g, w = getattr(got, key), want[key]
            assert (g is None) == (w is None), key
            if w is not None:
                assert close(g, w), (key, g, w)
        # Ratios are compared where their denominator is clear of rounding noise; where a
        # denominator is within noise of zero the ratio is ill-conditioned either way.
        for key, denominator in (
            ("bcr", want["incremental_pv_costs"]),
            ("cost_switching_value", want["incremental_pv_costs"]),
            ("benefit_switching_value", want["incremental_pv_benefits"]),
        ):
            if denominator is None or denominator == 0.0:
                assert getattr(got, key) is None, key
            elif abs(denominator) > 1e-4 * scale:
                g, w = getattr(got, key), want[key]
                assert g is not None and math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9), (key, g, w)
        # Payback: exact, unless a cumulative sum sits within rounding noise of the tolerance.
        got_year, want_year = got.discounted_payback_year, want["discounted_payback_year"]
        if not any(abs(c + 1e-6) <= tol for c in want["cumulative"]):
            assert got_year == want_year, (got_year, want_year)
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
    years = draw(st.sampled_from([1, 2, 5, 10, 31, 32, 45, 76, 90, 125]))  # either side of the bands at 30 and 75
    options = []
    for i in range(n_options):
        option_id = draw(st.sampled_from([f"O{i}", f"O{i}", f"O{i}", f"o{i}", None, "O0"]))  # missing, repeated, case
        options.append(Option(id=option_id, name=f"Option {i}", do_nothing=draw(st.sampled_from([False, False, False, True])),
                              optimism_bias=draw(st.sampled_from([None, None, 0.0, 0.25]))))
    line_option = st.sampled_from([f"O{i}" for i in range(n_options)] + ["ZZ", None])
    line_amounts = st.lists(amounts, max_size=years + 3)  # some lines run past the period
    benefit_class = st.sampled_from([None, "cash_releasing", "societal", "health", "health"])
    costs = draw(st.lists(st.builds(CostLine, option=line_option, amounts=line_amounts), max_size=10))
    benefits = draw(st.lists(st.builds(BenefitLine, option=line_option, amounts=line_amounts, category=benefit_class),
                             max_size=10))
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


def test_engine_matches_the_reference_past_75_years_with_health_lines():
    rng = np.random.default_rng(20261202)
    options = [{"id": "DN", "name": "Do nothing", "do_nothing": True, "optimism_bias": 0.05},
               {"id": "A", "name": "A", "optimism_bias": 0.3}, {"id": "B", "name": "B"}]
    case = make_case(options, [("DN", rng.integers(0, 9000, 100).tolist()), ("A", rng.integers(0, 9000, 100).tolist()),
                               ("B", rng.integers(0, 9000, 80).tolist())],
                     [("A", rng.integers(0, 9000, 100).tolist()), ("B", rng.integers(0, 9000, 100).tolist())],
                     years=100, optimism_bias=0.12)
    case.benefits[1].category = "health"
    assert_matches_reference(case)


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
    assert "Green Book" in standard.source and standard.verified and standard.effective_from == dt.date(2026, 2, 5)
    assert [b.rate for b in discount_schedule("health").bands] == [0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043]
    assert [b.rate for b in discount_schedule("lower_rate_test").bands] == [0.03, 0.0257, 0.0214, 0.0171, 0.0129, 0.0086]
    book = green_book()
    assert book.edition.published == dt.date(2026, 2, 5)
    assert book.discount_rate_review.reported == dt.date(2026, 6, 30)
    assert book.discount_rate_review.rates_in_force_unchanged
    with pytest.raises(UnknownReferenceError):
        discount_schedule("nope")


def test_sensitivity_scenarios_are_data():
    assert [(s.kind, s.value, s.schedule) for s in sensitivity_scenarios()] == [
        ("costs_change", 0.10, None),
        ("costs_change", 0.20, None),
        ("benefits_change", -0.10, None),
        ("benefits_change", -0.20, None),
        ("benefits_delay", 1, None),
        ("discount_schedule", 0.0, "lower_rate_test"),
        ("driver_scale", -0.2, None),
        ("driver_scale", -0.2, None),
        ("driver_attrition", 0.1, None),
        ("driver_delay", 4, None),
        ("driver_scale", -0.2, None),
    ]
    assert [s.driver for s in sensitivity_scenarios()][6:] == ["agency_rate", "nurse_time", "per_qualified_ap",
                                                                 "per_qualified_ap", "per_qualified_ap"]


def test_optimism_bias_bounds_by_project_type():
    assert (optimism_bias_bounds("standard_buildings").upper, optimism_bias_bounds("standard_buildings").lower) == (0.24, 0.02)
    assert optimism_bias_bounds("equipment_development").upper == 2.0
    assert optimism_bias_bounds().label.startswith("Outsourcing")  # the default: the nearest analogue
    assert (optimism_bias_bounds().upper, optimism_bias_bounds().lower) == (0.41, 0.0)
    with pytest.raises(UnknownReferenceError):
        optimism_bias_bounds("spaceships")


def test_pay_and_on_costs_reference_data():
    latest = pay_scales()
    assert latest.period == "2026/27" and latest.effective_from == dt.date(2026, 4, 1) and latest.award == 0.033
    assert list(latest.bands) == ["2", "3", "4", "5", "6", "7", "8a"]
    assert (latest.band(3).entry, latest.band(3).top) == (25760, 27476)
    assert (latest.band("4").entry, latest.band("4").top, latest.band(4).intermediate) == (28392, 31157, None)
    assert latest.band("6").points == (39959, 42170, 48117)
    assert latest.band("2").entry == latest.band("2").top == 25272
    assert latest.band("8A").top == 64750
    previous = pay_scales("2025/26")
    assert (previous.band(3).entry, previous.band(3).top, previous.band(4).entry, previous.band(4).top) == (24937, 26598, 27485, 30162)
    assert pay_scales(dt.date(2024, 9, 1)).period == "2024/25"
    with pytest.raises(UnknownReferenceError):
        pay_scales("1999/00")
    with pytest.raises(UnknownReferenceError):
        latest.band(9)
    ni = employer_national_insurance(dt.date(2026, 6, 1))
    assert (ni.rate, ni.secondary_threshold, ni.apprentice_under_25_upper_threshold) == (0.15, 5000, 50270)
    assert ni.annual_cost(28392) == pytest.approx((28392 - 5000) * 0.15)
    assert ni.annual_cost(28392, apprentice_under_25=True) == 0.0
    pension = nhs_pension_employer()
    assert (pension.employer_rate, pension.administration_levy, pension.local_rate) == (0.237, 0.0008, 0.1438)
    assert pension.total_rate == pytest.approx(0.2378) and pension.central_rate == pytest.approx(0.094)
    assert pension.effective_to == dt.date(2027, 3, 31) and "2024 valuation" in pension.after


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
