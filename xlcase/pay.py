"""The pay scales and on-costs a case's workforce plan is costed with: the price base year's, from the reference data.

Kept apart from xlcase.workforce (which needs numpy) so that writing a workbook, which shows these
rates on its Inputs sheet, does not import the calculation engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xlcase import reference
from xlcase.conventions import TYPICAL_STANDARD
from xlcase.model import Case
from xlcase.reference import BandPoints, EmployerNationalInsurance, PayScales, PensionEmployerContribution
from xlcase.text import financial_year


@dataclass(frozen=True)
class WorkforceRates:
    """The reference figures the workforce plan is costed with: the price base year's, carried forward if unpublished."""

    pay: PayScales
    insurance: EmployerNationalInsurance
    pension: PensionEmployerContribution
    pension_carried_forward: bool
    levy_rate: float
    hours_per_year: float
    monthly_share: float
    completion_share: float
    co_investment: float

    def point(self, band: str | None, point: str) -> float:
        """The annual pay of a band's point; 0 for a band or point the pay scales do not have (XC8xx reports it)."""
        points = self.band_points(band)
        value = points.point(point) if points is not None else None  # type: ignore[arg-type]
        return float(value) if value is not None else 0.0

    def band_points(self, band: str | None) -> BandPoints | None:
        """A band's pay points as a post or a pay line names it ("4", " 8A "); None for a band not held."""
        key = (band or "").strip().lower()
        return self.pay.bands.get(key)

    def annual_cost(self, band: str | None, point: str) -> tuple[float, float]:
        """(the whole annual employer cost of a full-time post, the part of it paid centrally): pay, NI, pension, levy."""
        pay = self.point(band, point)
        insurance = self.insurance.rate * max(0.0, pay - self.insurance.secondary_threshold)
        pension = self.pension.total_rate * pay
        levy = self.levy_rate * pay
        return pay + insurance + pension + levy, self.pension.central_rate * pay


def rates_for(case: Case) -> WorkforceRates:
    """The reference data for the case's price base year (the latest pay scales if it has none), with the on-cost
    rates in force in the middle of that pay year; a pension rate not yet published is carried forward."""
    base = case.assumptions.price_base_year
    period = None if base is None else financial_year(base)
    held = {p.period: p for p in reference.agenda_for_change().pay_scales}
    pay = held.get(period) if period in held else reference.pay_scales()
    middle = dt.date(pay.effective_from.year, 10, 1)  # the rates in force in the middle of the pay year
    insurance = reference.employer_national_insurance(middle)
    pension_periods = reference.agenda_for_change().nhs_pension_employer
    covering = [p for p in pension_periods if p.covers(middle)]
    pension = covering[0] if covering else max(pension_periods, key=lambda p: p.effective_from)
    apprenticeships = reference.apprenticeships()
    rules = _funding_rules(middle)
    return WorkforceRates(
        pay=pay, insurance=insurance, pension=pension, pension_carried_forward=not covering,
        levy_rate=apprenticeships.levy.rate, hours_per_year=reference.agenda_for_change().working_time.hours_per_year,
        monthly_share=apprenticeships.payment_profile.monthly_share,
        completion_share=apprenticeships.payment_profile.completion_share,
        co_investment=rules.employer_co_investment,
    )


def _funding_rules(day: dt.date) -> reference.FundingRules:
    try:
        return reference.funding_rules(day)
    except reference.UnknownReferenceError:
        return reference.funding_rules()



def typical_duration_months() -> int:
    """The assistant practitioner standard's typical duration in months (reference data)."""
    return reference.apprenticeships().standards[TYPICAL_STANDARD].typical_duration_months
