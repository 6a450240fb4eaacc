"""The workforce plan costed (xlcase.workforce) and the financial case (xlcase.financial), worked by hand
and checked against identities; the workbook's formulas are compared with them in test_libreoffice_financial.py."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcase.appraisal import appraise
from xlcase.financial import RECONCILIATION_KEYS, affordability
from xlcase.model import Apprenticeship, Assumptions, BenefitLine, Case, CostLine, FundingLine, Option, Post
from xlcase.workforce import apprenticeship_fees, generated_lines, rates_for, year_fractions

# 2026/27 reference data (xlcase/reference_data): band 4 top 31,157, band 3 top 27,476; employer NI 15% above
# 5,000; NHS Pension 23.7% + 0.08% levy = 23.78% of which 9.4% paid centrally; apprenticeship levy 0.5%.
BAND_4_TOP, BAND_3_TOP = 31_157, 27_476


def annual_cost(pay: float) -> float:
    return pay + 0.15 * (pay - 5_000) + 0.2378 * pay + 0.005 * pay


def case_with(posts=(), apprenticeships=(), costs=(), benefits=(), funding=(), **assumptions) -> Case:
    settings_ = {"base_year": 2027, "appraisal_years": 4, "price_base_year": 2026, **assumptions}
    return Case(
        options=[Option(id="DN", do_nothing=True), Option(id="A", preferred=True)],
        assumptions=Assumptions(**settings_), posts=list(posts), apprenticeships=list(apprenticeships),
        costs=list(costs), benefits=list(benefits), funding=list(funding),
    )


def test_one_band_4_post_at_the_top_point_for_a_full_and_a_part_year():
    # One WTE at band 4's top point, 2026/27 prices: pay 31,157; NI 0.15 x (31,157 - 5,000) = 3,923.55;
    # pension 0.2378 x 31,157 = 7,409.13; levy 0.005 x 31,157 = 155.785: 42,645.4696 a year in all.
    assert annual_cost(BAND_4_TOP) == pytest.approx(42_645.4696, abs=1e-4)
    post = Post(option="A", role="AP", band="4", point="top", wte=1, start=dt.date(2027, 10, 1))
    lines = generated_lines(case_with(posts=[post]))
    pay, central, backfill, backfill_central = lines
    # 2027/28 runs 1 April 2027 to 31 March 2028: 366 days (29 February 2028); in post from 1 October,
    # 183 of them. 2028/29 (365 days) and later years in full.
    assert pay.amounts[0] == pytest.approx(annual_cost(BAND_4_TOP) * 183 / 366, rel=1e-12)  # 21,322.73
    assert pay.amounts[1] == pytest.approx(annual_cost(BAND_4_TOP), rel=1e-12)
    assert central.amounts[1] == pytest.approx(0.094 * BAND_4_TOP, rel=1e-12)  # 2,928.76 paid centrally
    assert (pay.category, pay.measure, pay.recurrent) == ("pay", "cost", True)
    assert not backfill.amounts.any() and not backfill_central.amounts.any()  # not a trainee


def test_a_trainee_is_backfilled_for_off_the_job_hours():
    # Ten trainees at band 3's top point, 6 hours a week off the job, backfilled at band 3 for 45 working
    # weeks: 10 x 6 x 45 = 2,700 hours a year at 37,518.57 / 1,950 = 19.24 an hour: 51,948.79 a year.
    trainee = Post(option="A", role="Trainee", band="3", point="top", wte=10, start=dt.date(2027, 4, 1),
                   end=dt.date(2029, 3, 31), trainee=True, off_the_job_hours=6)
    pay, _, backfill, _ = generated_lines(case_with(posts=[trainee]))
    hourly = annual_cost(BAND_3_TOP) / 1_950
    assert backfill.amounts[0] == pytest.approx(2_700 * hourly, rel=1e-12)
    assert backfill.amounts[1] == pytest.approx(2_700 * hourly, rel=1e-12)
    assert backfill.amounts[2] == 0.0  # the post ended on 31 March 2029
    assert pay.recurrent is False and backfill.category == "backfill"


def test_apprenticeship_fees_follow_the_80_20_profile_and_stop_for_leavers():
    # 10 learners, GBP 15,000 each, 24 months from September 2027: 80% in 24 monthly payments of 500 a learner
    # (7 in 2027/28, 12 in 2028/29, 5 in 2029/30) and 20% on completion, in month 24 (September 2029).
    item = Apprenticeship(option="A", standard="ST0215", learners=10, start=dt.date(2027, 9, 1), duration_months=24,
                          funding_band=15_000)
    fees = apprenticeship_fees(item, 2027, 4, attrition=0.0, monthly_share=0.8, completion_share=0.2)
    assert fees.tolist() == pytest.approx([35_000, 60_000, 25_000 + 30_000, 0])
    # With 10% of learners leaving a year, month m pays for 10 x 0.9^(m/12) learners.
    q = 0.9 ** (1 / 12)
    fees = apprenticeship_fees(item, 2027, 4, attrition=0.1, monthly_share=0.8, completion_share=0.2)
    assert fees[0] == pytest.approx(500 * 10 * sum(q**m for m in range(7)), rel=1e-12)
    assert fees[2] == pytest.approx(500 * 10 * sum(q**m for m in range(19, 24)) + 3_000 * 10 * q**24, rel=1e-12)


def test_fees_above_the_funding_band_and_co_investment_are_the_trusts():
    rates = rates_for(case_with())
    base = dict(option="A", standard="ST0215", learners=1, start=dt.date(2027, 9, 1), duration_months=12)
    above = Apprenticeship(**base, funding_band=15_000, price=20_000)
    co_invested = Apprenticeship(**base, funding_band=15_000, levy_funded=False)
    _, funded = generated_lines(case_with(apprenticeships=[above]))[:2]
    cost, _ = generated_lines(case_with(apprenticeships=[above]))[:2]
    assert funded.amounts.sum() == pytest.approx(cost.amounts.sum() * 15_000 / 20_000, rel=1e-12)
    cost, funded = generated_lines(case_with(apprenticeships=[co_invested]))[:2]
    assert rates.co_investment == 0.25  # from August 2026: the employer pays 25% once its levy is spent
    assert funded.amounts.sum() == pytest.approx(0.75 * cost.amounts.sum(), rel=1e-12)


def test_generated_lines_enter_the_economic_appraisal_like_typed_ones():
    post = Post(option="A", role="AP", band="4", point="entry", wte=2, start=dt.date(2027, 4, 1))
    generated = appraise(case_with(posts=[post]))
    typed = appraise(case_with(costs=[CostLine(option="A", category="pay", amounts=list(
        generated_lines(case_with(posts=[post]))[0].amounts))]))
    assert generated.option("A").pv_costs == pytest.approx(typed.option("A").pv_costs, rel=1e-12)


def test_year_fractions_count_days_of_each_financial_year():
    fractions = year_fractions(dt.date(2027, 4, 1), dt.date(2027, 4, 30), 2027, 2)
    assert fractions.tolist() == pytest.approx([30 / 366, 0.0])
    assert year_fractions(None, None, 2027, 3).tolist() == [0.0, 0.0, 0.0]
    assert year_fractions(dt.date(2020, 1, 1), None, 2027, 2).tolist() == [1.0, 1.0]


def test_affordability_by_hand():
    # Option A against an empty do nothing, 2026/27 prices, pay award 3.3%, non-pay inflation 2%:
    # a pay line of 1,000 a year and training of 500 in year 0, a cash-releasing benefit of 300 a year,
    # and 100 of outside funding in year 0 (cash, not uplifted). In 2027/28 pay is 1,000 x 1.033 and
    # training 500 x 1.02; in 2028/29 pay 1,000 x 1.033^2.
    case = case_with(
        costs=[CostLine(option="A", category="pay", amounts=[1_000] * 4), CostLine(option="A", category="training",
                                                                                   amounts=[500])],
        benefits=[BenefitLine(option="A", category="cash_releasing", amounts=[300] * 4),
                  BenefitLine(option="A", category="societal", amounts=[999] * 4)],
        funding=[FundingLine(option="A", source="NHS England", amounts=[100])],
        pay_award=0.033, non_pay_inflation=0.02,
    )
    a = affordability(case).option("A")
    assert a.years["pay"][0] == pytest.approx(1_033, rel=1e-12)
    assert a.years["non_pay"][0] == pytest.approx(510, rel=1e-12)
    assert a.years["recurrent_costs"][0] == pytest.approx(1_033, rel=1e-12)  # pay continues, training does not
    assert a.years["non_recurrent_costs"][0] == pytest.approx(510, rel=1e-12)
    assert a.years["funding"][0] == pytest.approx(100, rel=1e-12)
    assert a.years["cash_releasing_benefits"][0] == pytest.approx(300 * 1.033, rel=1e-12)
    assert a.years["net_impact"][0] == pytest.approx(100 + 309.9 - 1_033 - 510, rel=1e-12)
    assert a.years["pay"][1] == pytest.approx(1_000 * 1.033**2, rel=1e-12)
    assert a.years["net_impact_vs_do_nothing"].tolist() == pytest.approx(a.years["net_impact"].tolist())
    assert a.years["cumulative_vs_do_nothing"][-1] == pytest.approx(a.years["net_impact"].sum(), rel=1e-12)
    # The societal benefit is in the economic case only: the reconciliation takes it out.
    assert a.reconciliation["less_non_cash_benefits"] == pytest.approx(-999 * 4, rel=1e-12)


def test_the_trust_pays_its_own_pension_share_only():
    post = Post(option="A", role="AP", band="4", point="top", wte=1, start=dt.date(2027, 4, 1))
    a = affordability(case_with(posts=[post], pay_award=0.0)).option("A")
    assert a.years["pay"][1] == pytest.approx(annual_cost(BAND_4_TOP) - 0.094 * BAND_4_TOP, rel=1e-12)


@st.composite
def financial_cases(draw) -> Case:
    years = draw(st.integers(1, 15))
    amounts = st.lists(st.floats(0, 1e6, allow_nan=False), max_size=years + 2)
    options = ["DN", "A", "B"]
    option = st.sampled_from(options + [None])
    day = st.dates(dt.date(2025, 1, 1), dt.date(2035, 12, 31))
    posts = draw(st.lists(st.builds(
        Post, option=option, role=st.just("post"), band=st.sampled_from(["2", "3", "4", "5", "6", "7", "8a", "9", None]),
        point=st.sampled_from(["entry", "intermediate", "top"]), wte=st.floats(0, 20), start=day,
        end=st.one_of(st.none(), day), trainee=st.booleans(), off_the_job_hours=st.floats(0, 10),
        category=st.sampled_from(["pay", "mentoring", "management"])), max_size=5))
    apprenticeships = draw(st.lists(st.builds(
        Apprenticeship, option=option, learners=st.floats(0, 30), start=day, duration_months=st.integers(1, 40),
        funding_band=st.floats(0, 30_000), price=st.one_of(st.none(), st.floats(0, 40_000)),
        levy_funded=st.booleans()), max_size=3))
    costs = draw(st.lists(st.builds(CostLine, option=option, amounts=amounts, recurrent=st.one_of(st.none(), st.booleans()),
                                    category=st.sampled_from(["pay", "training", "backfill", "other", None])), max_size=4))
    benefits = draw(st.lists(st.builds(BenefitLine, option=option, amounts=amounts,
                                       category=st.sampled_from(["cash_releasing", "health", "societal", None])), max_size=4))
    funding = draw(st.lists(st.builds(FundingLine, option=option, amounts=amounts), max_size=2))
    return Case(options=[Option(id=o, do_nothing=o == "DN", optimism_bias=draw(st.sampled_from([None, 0.1])))
                         for o in options],
                assumptions=Assumptions(appraisal_years=years, optimism_bias=draw(st.floats(0, 0.5)),
                                        price_base_year=draw(st.sampled_from([None, 2025, 2026])),
                                        pay_award=draw(st.floats(0, 0.1)), non_pay_inflation=draw(st.floats(0, 0.1)),
                                        attrition=draw(st.floats(0, 0.5))),
                posts=posts, apprenticeships=apprenticeships, costs=costs, benefits=benefits, funding=funding)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(financial_cases())
def test_the_reconciliation_always_adds_up(case):
    """Economic net benefit vs do nothing + the adjustments = the financial net impact vs do nothing."""
    result = affordability(case)
    for option in result.options:
        r = option.reconciliation
        total = sum(r[k] for k in RECONCILIATION_KEYS[:-1])
        scale = 1 + sum(abs(r[k]) for k in RECONCILIATION_KEYS)
        assert math.isclose(total, r["financial_net_impact_vs_do_nothing"], rel_tol=1e-9, abs_tol=1e-9 * scale)
        assert np.isfinite(option.years["net_impact"]).all()
    dn = result.option("DN")
    assert not dn.years["net_impact_vs_do_nothing"].any()


def test_the_example_shape_of_a_workforce_plan_needs_no_typed_pay_lines():
    """A case with only posts and apprenticeships has an economic and a financial case."""
    case = case_with(
        posts=[Post(option="DN", role="HCA", band="3", point="top", wte=10, start=dt.date(2027, 4, 1)),
               Post(option="A", role="Trainee", band="3", point="top", wte=10, start=dt.date(2027, 9, 1),
                    end=dt.date(2029, 8, 31), trainee=True, off_the_job_hours=6),
               Post(option="A", role="HCA before training", band="3", point="top", wte=10, start=dt.date(2027, 4, 1),
                    end=dt.date(2027, 8, 31)),
               Post(option="A", role="AP", band="4", point="entry", wte=10, start=dt.date(2029, 9, 1))],
        apprenticeships=[Apprenticeship(option="A", standard="ST0215", learners=10, start=dt.date(2027, 9, 1),
                                        duration_months=24, funding_band=15_000)],
        appraisal_years=6,
    )
    economic = appraise(case).option("A")
    financial = affordability(case).option("A")
    assert economic.incremental_pv_costs > 0 and economic.npv_vs_do_nothing < 0  # no benefits entered yet
    assert financial.years["funding"][:3].sum() > 0 and financial.years["total_costs"].all()
