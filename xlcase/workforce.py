"""The workforce plan costed: posts and apprenticeships turned into cost lines by appraisal year.

The workbook computes the same amounts by formula (the Workforce costs sheet) from the dated
reference data on the Inputs sheet; the tests recalculate it in LibreOffice and compare. In
real terms at the price base year's pay scales and on-costs:

- a post's annual cost is its pay point plus employer National Insurance above the secondary
  threshold, the NHS Pension employer contribution (the whole rate, 23.78%: the economic cost;
  the part paid centrally, 9.4%, is a separate line so the financial case can leave it out) and
  the apprenticeship levy on the extra pay (0.5%: a trust's pay bill is far above the allowance);
  times its WTE, pro rata by the days of each financial year the post is filled;
- a trainee's off-the-job hours a week become backfill: hours x working weeks x WTE x the
  backfill band's cost per contracted hour (its annual cost / 1,950 hours);
- an apprenticeship's fees are the price per learner paid to the provider, 80% in equal monthly
  payments over the programme and 20% on completion; learners who leave (the attrition rate a
  year, compounding monthly) stop their payments. The levy (or, co-invested, the government's
  share) funds the price up to the funding band; the trust pays the rest. All of it is a real
  resource cost in the economic case; the funded part is funding in the financial case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from xlcase import reference
from xlcase.conventions import RECURRENT_CATEGORIES
from xlcase.errors import BadInputError
from xlcase.model import Apprenticeship, Case, Post
from xlcase.pay import WorkforceRates, rates_for

Measure = Literal["cost", "central_pension", "funding"]
MONTHS = 12


@dataclass(frozen=True)
class GeneratedLine:
    """One cost line the workforce plan generates: a post's pay or backfill, or an apprenticeship's fees."""

    option: str | None
    category: str
    description: str
    measure: Measure
    recurrent: bool
    amounts: np.ndarray  # by appraisal year, real terms at the price base year


def financial_year_bounds(base_year: int, years: int) -> tuple[list[dt.date], list[dt.date]]:
    """First and last day of each appraisal year (the NHS financial year, April to March)."""
    starts = [dt.date(base_year + t, 4, 1) for t in range(years)]
    ends = [dt.date(base_year + t + 1, 3, 31) for t in range(years)]
    return starts, ends


def year_fractions(start: dt.date | None, end: dt.date | None, base_year: int, years: int) -> np.ndarray:
    """The share of each financial year's days between start and end (both included; no end: open)."""
    out = np.zeros(years)
    if start is None:
        return out
    firsts, lasts = financial_year_bounds(base_year, years)
    for t, (first, last) in enumerate(zip(firsts, lasts, strict=True)):
        days = (min(last, end or last) - max(first, start)).days + 1
        out[t] = max(0, days) / ((last - first).days + 1)
    return out


def post_recurrent(post: Post) -> bool:
    """A post continues after the project unless it is a trainee post or said otherwise."""
    if post.recurrent is not None:
        return post.recurrent
    return not post.trainee and post.category in RECURRENT_CATEGORIES


def _post_lines(post: Post, index: int, case: Case, rates: WorkforceRates, years: int) -> Iterator[GeneratedLine]:
    wte = post.wte or 0.0
    share = year_fractions(post.start, post.end, case.assumptions.base_year, years) * wte
    role = post.role or f"post {index + 1}"
    annual, central = rates.annual_cost(post.band, post.point)
    recurrent = post_recurrent(post)
    yield GeneratedLine(post.option, post.category, f"{role}: pay and on-costs", "cost", recurrent, annual * share)
    yield GeneratedLine(post.option, post.category, f"{role}: pension paid centrally", "central_pension", recurrent,
                        central * share)
    hours = (post.off_the_job_hours or 0.0) if post.trainee else 0.0
    band = post.backfill_band or post.band
    b_annual, b_central = rates.annual_cost(band, post.point)
    weekly = hours * case.assumptions.working_weeks / rates.hours_per_year
    yield GeneratedLine(post.option, "backfill", f"{role}: backfill of off-the-job hours", "cost", False,
                        b_annual * weekly * share)
    yield GeneratedLine(post.option, "backfill", f"{role}: backfill, pension paid centrally", "central_pension",
                        False, b_central * weekly * share)


def apprenticeship_fees(item: Apprenticeship, base_year: int, years: int, attrition: float,
                        monthly_share: float, completion_share: float) -> np.ndarray:
    """Fees paid to the provider in each financial year: 80% monthly over the programme, 20% on completion.

    Month m of the programme (m = 0 in its start month) pays monthly_share x price / months for every
    learner still on it, L x q^m with q = (1 - attrition)^(1/12); the completion payment falls in month D
    (D = the duration) for the L x q^D who finish.
    """
    out = np.zeros(years)
    if item.start is None or not item.duration_months or not item.learners:
        return out
    price = item.price if item.price is not None else (item.funding_band or 0.0)
    months = item.duration_months
    survive = (1.0 - attrition) ** (1.0 / MONTHS)
    monthly = monthly_share * price / months * item.learners
    first = (base_year - item.start.year) * MONTHS + 4 - item.start.month  # months from the start to year 0's April
    for t in range(years):
        k = first + MONTHS * t
        low, high = max(0, k), min(months - 1, k + MONTHS - 1)
        if low <= high:
            count = high - low + 1
            out[t] += monthly * (count if survive == 1.0 else (survive**low - survive ** (high + 1)) / (1 - survive))
        if k <= months <= k + MONTHS - 1:
            out[t] += completion_share * price * item.learners * survive**months
    return out


def funded_share(item: Apprenticeship, rates: WorkforceRates) -> float:
    """The share of an apprenticeship's price that the levy (or the government, co-invested) pays."""
    band = item.funding_band or 0.0
    price = item.price if item.price is not None else band
    if price <= 0:
        return 0.0
    within_band = min(price, band) / price
    return within_band * (1.0 if item.levy_funded else 1.0 - rates.co_investment)


def _apprenticeship_lines(item: Apprenticeship, index: int, case: Case, rates: WorkforceRates,
                          years: int) -> Iterator[GeneratedLine]:
    a = case.assumptions
    fees = apprenticeship_fees(item, a.base_year, years, a.attrition, rates.monthly_share, rates.completion_share)
    what = item.standard or f"apprenticeship {index + 1}"
    yield GeneratedLine(item.option, "education_provider", f"{what}: fees to the education provider", "cost", False,
                        fees)
    yield GeneratedLine(item.option, "education_provider", f"{what}: fees funded by the levy or the government",
                        "funding", False, fees * funded_share(item, rates))


def generated_lines(case: Case, years: int | None = None) -> list[GeneratedLine]:
    """Every line the workforce plan generates, posts first, in the order of the case (four lines a post, two an
    apprenticeship, as the Workforce costs sheet lays them out).

    Raises:
        BadInputError: the reference data does not cover the case's years.
    """
    years = case.assumptions.appraisal_years if years is None else years
    if not case.posts and not case.apprenticeships:
        return []
    try:
        rates = rates_for(case)
    except reference.UnknownReferenceError as error:
        raise BadInputError(f"the workforce plan cannot be costed: {error.message}") from None
    lines: list[GeneratedLine] = []
    for i, post in enumerate(case.posts):
        lines.extend(_post_lines(post, i, case, rates, years))
    for i, item in enumerate(case.apprenticeships):
        lines.extend(_apprenticeship_lines(item, i, case, rates, years))
    return lines
