"""XC8xx: workforce: skill mix, candidates, the education provider, and the workforce plan and pay as costed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from xlcase import reference
from xlcase.completeness import filled
from xlcase.conventions import PENSION_TOTAL_RATE
from xlcase.errors import XlcaseError
from xlcase.findings import Finding
from xlcase.formats import pounds
from xlcase.model import Apprenticeship, Case, CostLine, Post
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import clip, financial_year, listed, shown, shown_id
from xlcase.pay import WorkforceRates, rates_for

PAY_TOLERANCE = 0.10  # how far a typed pay line's year may be from the reference pay for its band and WTE
PAY_CATEGORY = "pay"


@rule("XC801", "no-education-provider", "error", "workforce",
      covers=("education_provider.name", "education_provider.programme"))
def no_education_provider(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: an education provider and its training programme are named.

    Why a reviewer cares: the guidance's checklist asks for an education provider and a programme that
    meet the project's needs; without them the training cannot be costed or timed.

    How to fix: fill "Education provider" and "Programme" on the Workforce sheet.
    """
    provider = review.case.education_provider
    if not filled(provider.name) and not review.reported("education_provider", "name"):
        yield finding("no education provider is named", "education_provider", "name")
    if not filled(provider.programme) and not review.reported("education_provider", "programme"):
        yield finding("no training programme is named (e.g. the ST0215 assistant practitioner apprenticeship)",
                     "education_provider", "programme")


@rule("XC802", "no-candidate-evidence", "error", "workforce", covers=("candidates[]",))
def no_candidate_evidence(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the Candidates table has at least one row of survey evidence.

    Why a reviewer cares: the guidance asks for evidence that there are support workers in the trust who
    want, and are capable of, progressing to assistant practitioner.

    How to fix: survey the support workers (numbers, experience, previous training, competencies) and enter
    the results by area.
    """
    if not review.case.candidates:
        yield finding("there is no evidence of candidates: add the results of a survey of support workers",
                     "candidates")


@rule("XC803", "more-trainees-than-eligible", "warning", "workforce")
def more_trainees_than_eligible(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the preferred option does not plan more trainees than the eligible candidates the
    survey found (all areas together).

    Why a reviewer cares: trainees beyond the eligible candidates must come from elsewhere, which the
    case must then show (other sources of candidates).

    How to fix: reduce the number of trainees, survey more areas, or name the other sources of candidates.
    """
    eligible = [c.eligible for c in review.case.candidates if c.eligible is not None]
    if not eligible:
        return
    total = sum(eligible)
    for i, option in enumerate(review.case.options):
        if option.preferred and option.trainees is not None and option.trainees > total:
            named = shown_id(option.id) if option.id else ""
            yield finding(f"the preferred option {named} plans {option.trainees} trainees but the survey found only "
                         f"{total} eligible candidates", "options", i, "trainees", value=option.trainees)


@rule("XC804", "no-skill-mix", "error", "workforce", covers=("skill_mix[]",))
def no_skill_mix(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the skill-mix profile has at least one area.

    Why a reviewer cares: the guidance asks for a skill-mix profile to show which areas would benefit
    most from assistant practitioners.

    How to fix: enter each area's staffing by band, registered staff, beds, vacancies and agency spend.
    """
    if not review.case.skill_mix:
        yield finding("there is no skill-mix profile: add the staffing of each area considered", "skill_mix")


def _rates(case: Case) -> WorkforceRates | None:
    """The reference pay and on-costs the workforce plan is costed with; None when the data does not cover
    the case (XC806 says why)."""
    try:
        return rates_for(case)
    except XlcaseError:
        return None


def _banded(line: CostLine) -> bool:
    return line.category == PAY_CATEGORY and (filled(line.band) or line.wte is not None)


def _uses_reference_pay(case: Case) -> bool:
    """Whether any figure of the case comes from the reference pay scales: posts, or pay lines with a band."""
    return bool(case.posts) or any(_banded(line) for line in case.costs)


def _cost_line(i: int, line: CostLine) -> str:
    return f"cost line {i + 1}" + (f" ({clip(line.description)})" if line.description else "")


def _post(i: int, post: Post) -> str:
    return f"post {i + 1}" + (f" ({clip(post.role)})" if post.role else "")


def _apprenticeship(i: int, item: Apprenticeship) -> str:
    return f"apprenticeship {i + 1}" + (f" ({clip(item.standard)})" if item.standard else "")


def _bands_held(rates: WorkforceRates) -> str:
    return f"the {rates.pay.period} pay scales hold bands {', '.join(rates.pay.bands)}"


def _year(case: Case, t: int) -> str:
    return f"year {t} ({financial_year(case.assumptions.base_year + t)})"


def _off_by(amount: float, low: float, high: float) -> str:
    if amount > high:
        return f"{amount / high - 1:.0%} above" if high > 0 else "above"
    return f"{1 - amount / low:.0%} below" if low > 0 else "below"


@rule("XC805", "pay-line-off-reference-pay", "warning", "costs")
def pay_line_off_reference_pay(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: a typed Pay line that gives a band and a WTE costs, each year, within 10% of the
    reference pay for them: WTE x the band's annual cost from its entry to its top point, with employer
    National Insurance, the NHS Pension employer contribution and the levy, at the price base year's pay
    scales (the Inputs sheet). Its first year, and its last if before the end of the appraisal, may be part
    years and are checked only for being above the range.

    Why a reviewer cares: pay is most of an assistant practitioner case; a line typed from an old pay scale,
    without on-costs or for the wrong number of posts moves every figure of the appraisal and the financial
    case.

    How to fix: correct the amounts (or the band and WTE), or cost the posts on the Workforce plan sheet,
    which computes them from the pay scales by formula.
    """
    case = review.case
    lines = [(i, line) for i, line in enumerate(case.costs) if _banded(line)]
    rates = _rates(case) if lines else None
    if rates is None:
        return
    years = case.assumptions.appraisal_years
    band, wte = (review.template.table("costs").header(key) for key in ("band", "wte"))
    for i, line in lines:
        what = _cost_line(i, line)
        if not filled(line.band) or line.wte is None:
            given, missing, key = ((f"a {band.casefold()}", wte, "wte") if filled(line.band)
                                   else (f"a {wte}", band.casefold(), "band"))
            yield finding(f"{what} gives {given} but no {missing}: give both so that its pay can be compared with "
                         "the reference pay", "costs", i, key)
            continue
        if rates.band_points(line.band) is None:
            yield finding(f"{what} is for band {shown(line.band)}, but {_bands_held(rates)}: its pay cannot be "
                         "compared with the reference pay", "costs", i, "band", value=line.band)
            continue
        low = line.wte * rates.annual_cost(line.band, "entry")[0]
        high = line.wte * rates.annual_cost(line.band, "top")[0]
        amounts = line.amounts[:years]
        paid = [t for t, amount in enumerate(amounts) if amount > 0]  # a negative amount is XC602's
        if not paid:
            continue
        part_years = {paid[0]} | ({paid[-1]} if paid[-1] < years - 1 else set())
        off = [t for t in paid if amounts[t] > high * (1 + PAY_TOLERANCE)
               or (t not in part_years and amounts[t] < low * (1 - PAY_TOLERANCE))]
        if not off:
            continue
        shown_years = listed([f"{_year(case, t)} {pounds(amounts[t])}, {_off_by(amounts[t], low, high)}"
                              for t in off], 5, "; ")
        yield finding(f"{what} pays band {line.band.strip()} x {line.wte:g} WTE, which at the {rates.pay.period} pay scales "
                     f"costs {pounds(low)} (all at the entry point) to {pounds(high)} (all at the top) in a full year, "
                     f"with employer National Insurance, the NHS Pension {rates.pension.total_rate:.2%} and the levy; "
                     f"more than {PAY_TOLERANCE:.0%} outside that: {shown_years}", "costs", i, "amounts", off[0],
                     value=amounts[off[0]])


@rule("XC806", "pay-year-not-price-base-year", "warning", "assumptions")
def pay_year_not_price_base_year(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: when the case costs posts or pay lines from the reference pay scales, the price base
    year is set and the reference data holds that year's pay scales (the latest held are used otherwise).

    Why a reviewer cares: the economic case is in the price base year's prices and the financial case
    uplifts pay to cash from it; pay from another year understates or overstates every pay figure by the
    pay awards in between.

    How to fix: set the price base year on the Inputs sheet to the year of the pay scales the figures use
    (2026 for 2026/27 pay), or, once a new year's pay scales are published, add them to the reference data.
    """
    case = review.case
    if not _uses_reference_pay(case):
        return
    base = case.assumptions.price_base_year
    try:
        rates = rates_for(case)
    except XlcaseError as error:
        yield finding(f"the reference data cannot cost the workforce plan: {error.message}", "assumptions",
                     "price_base_year", value=base)
        return
    pay = rates.pay
    pay_year = pay.effective_from.year
    if base is None:
        year0 = financial_year(case.assumptions.base_year)
        yield finding(f"no price base year is set: the posts and banded pay lines are costed at the latest pay scales "
                     f"held ({pay.period}), while the financial case takes year 0 ({year0}) as its price base; set "
                     f"the price base year ({pay_year} for {pay.period} pay)", "assumptions", "price_base_year")
    elif base != pay_year:
        yield finding(f"the price base year is {financial_year(base)}, but the reference data holds no pay scales for "
                     f"it: the latest held, {pay.period}, are used, so pay is in {pay.period} prices, not "
                     f"{financial_year(base)}'s; set the price base year to {pay_year}, or add the "
                     f"{financial_year(base)} pay scales to the reference data once published", "assumptions",
                     "price_base_year", value=base)


@rule("XC807", "pension-rate-carried-forward", "info", "assumptions")
def pension_rate_carried_forward(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: reports when the NHS Pension employer rate the workforce plan is costed with is carried
    forward past the period it was set for: to the price base year's pay year, or to appraisal years that no
    published rate covers (the 2024 valuation sets the rate from April 2027).

    Why a reviewer cares: the employer rate is about a fifth of pay; once the valuation's rate is published,
    the pay figures of those years change.

    How to fix: nothing to fix now; when the new rate is published, update the reference data (xlcase does)
    and regenerate the workbook.
    """
    case = review.case
    rates = _rates(case) if _uses_reference_pay(case) else None
    if rates is None or rates.pension.effective_to is None:
        return
    periods = reference.agenda_for_change().nhs_pension_employer
    base = case.assumptions.base_year
    beyond = [t for t in range(case.assumptions.appraisal_years)
              if not any(p.covers(dt.date(base + t, 10, 1)) for p in periods)]  # the middle of each year
    if not rates.pension_carried_forward and not beyond:
        return
    pension = rates.pension
    to = [f"the {rates.pay.period} pay year"] if rates.pension_carried_forward else []
    if beyond:
        to.append(f"appraisal years {financial_year(base + beyond[0])} to {financial_year(base + beyond[-1])}")
    where = review.package.resolve(PENSION_TOTAL_RATE) if review.package is not None else None
    yield finding(f"the NHS Pension employer rate used is the {pension.period} rate, {pension.total_rate:.2%} of pay "
                 f"in all (the trust pays {pension.local_rate:.2%}, NHS England {pension.central_rate:.2%} centrally), "
                 f"carried forward past the end of its period ({pension.effective_to:%d %B %Y}) to "
                 f"{' and '.join(to)}. {' '.join(pension.after.split())}", where=where, value=pension.total_rate)


@rule("XC808", "apprenticeship-fees-the-trust-pays", "warning", "workforce")
def apprenticeship_fees_the_trust_pays(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: reports each apprenticeship whose fees the trust pays part of from its own budget: a
    price per learner above the funding band (the excess is the trust's), and a co-invested apprenticeship
    (not levy funded: the trust pays the co-investment rate of the funding rules, on the Inputs sheet).

    Why a reviewer cares: the levy pays only up to the funding band, and only from levy funds; whatever else
    the provider charges is a cost to the trust that the budget holder must agree.

    How to fix: agree a price within the funding band with the provider, or fund the apprenticeship from the
    levy; otherwise make sure the budget holder agrees the trust's share (the financial case shows it as a
    cost with no funding).
    """
    case = review.case
    rates = _rates(case) if case.apprenticeships else None
    for i, item in enumerate(case.apprenticeships):
        what = _apprenticeship(i, item)
        learners = item.learners or 0.0
        band = item.funding_band
        price = item.price if item.price is not None else band
        if price is not None and band is not None and price > band:
            excess = price - band
            in_all = f", {pounds(excess * learners)} for its {learners:g} learners" if learners else ""
            yield finding(f"{what} costs {pounds(price)} a learner, {pounds(excess)} above its funding band of "
                         f"{pounds(band)}{in_all}: the levy pays only up to the band, so the trust pays the excess "
                         "from its own budget", "apprenticeships", i, "price", value=price)
        if not item.levy_funded and rates is not None and band is not None:
            per_learner = rates.co_investment * min(price or 0.0, band or 0.0)
            in_all = f", {pounds(per_learner * learners)} for its {learners:g} learners" if learners else ""
            yield finding(f"{what} is co-invested, not levy funded: the trust pays {rates.co_investment:.0%} of the price "
                         f"up to the funding band (the co-investment rate of the apprenticeship funding rules), "
                         f"{pounds(per_learner)} a learner{in_all} before any leave, and the government the rest",
                         "apprenticeships", i, "levy_funded", value=item.levy_funded)


def _pay_point_missing(rates: WorkforceRates, band: str | None, point: str) -> str | None:
    """Why a band and point cost nothing (the band or the point is not in the pay scales), or None."""
    points = rates.band_points(band)
    if points is None:
        return f"band {shown(band)} is not in the pay scales ({_bands_held(rates)})"
    if points.point(point) is None:  # type: ignore[arg-type]
        return f"band {band} has no {point} pay point in the {rates.pay.period} pay scales"
    return None


@rule("XC809", "workforce-plan-costed-at-zero", "error", "workforce",
      covers=("apprenticeships[].start", "apprenticeships[].duration_months"))
def workforce_plan_costed_at_zero(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every post and apprenticeship of the workforce plan can be costed: a post's band and
    pay point (and its backfill band, for a trainee with off-the-job hours) are in the pay scales, its end
    is not before its start, and an apprenticeship has a start date and a duration.

    Why a reviewer cares: the workbook's formulas and xlcase cost such a post or apprenticeship at £0 (an
    intermediate point on a band of two points has no pay), so the case leaves out a cost it meant to show.

    How to fix: pick a band and point the pay scales have (the Inputs sheet lists them: intermediate points
    exist for bands 5 to 8a), correct the dates, and give each apprenticeship its start and duration.
    """
    case = review.case
    rates = _rates(case) if case.posts else None
    for i, post in enumerate(case.posts):
        what = _post(i, post)
        missing = _pay_point_missing(rates, post.band, post.point) if rates and filled(post.band) else None
        if missing:
            yield finding(f"{what}: {missing}, so its pay, on-costs and backfill are costed at £0", "posts", i,
                         "point" if rates and rates.band_points(post.band) else "band", value=post.band)
        if post.start and post.end and post.end < post.start:
            yield finding(f"{what} ends ({post.end.isoformat()}) before it starts ({post.start.isoformat()}), so it is "
                         "costed at £0", "posts", i, "end", value=post.end.isoformat())
        if rates and post.trainee and (post.off_the_job_hours or 0) > 0 and filled(post.backfill_band) and not missing:
            backfill = _pay_point_missing(rates, post.backfill_band, post.point)
            if backfill:
                yield finding(f"{what} is backfilled at band {post.backfill_band}, but {backfill} (backfill is costed "
                             f"at the post's own pay point), so its off-the-job hours are backfilled at £0", "posts", i,
                             "backfill_band", value=post.backfill_band)
    for i, item in enumerate(case.apprenticeships):
        for key, label in (("start", "start date"), ("duration_months", "duration")):
            if getattr(item, key) is None and not review.reported("apprenticeships", i, key):
                yield finding(f"{_apprenticeship(i, item)} has no {label}, so its fees are costed at £0",
                             "apprenticeships", i, key)


@rule("XC810", "off-the-job-hours-not-trainee", "warning", "workforce")
def off_the_job_hours_not_trainee(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: off-the-job hours are given only for trainee posts.

    Why a reviewer cares: only a trainee's off-the-job hours are backfilled; on any other post they are
    ignored, so backfill the case meant to cost is missing (or the post should be marked a trainee).

    How to fix: mark the post as a trainee, or clear its off-the-job hours.
    """
    for i, post in enumerate(review.case.posts):
        if not post.trainee and (post.off_the_job_hours or 0) > 0:
            yield finding(f"{_post(i, post)} has {post.off_the_job_hours:g} off-the-job hours a week but is not a "
                         "trainee: they are not backfilled", "posts", i, "off_the_job_hours",
                         value=post.off_the_job_hours)
