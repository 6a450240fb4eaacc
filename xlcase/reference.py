"""Dated reference data: Green Book rates and optimism bias, Agenda for Change pay, on-costs, apprenticeships, agency.

The figures live in YAML files in ``reference_data/`` beside this module, each with its source,
dates and whether it was verified. This module validates them with pydantic models (a mistake in
a data file is an error naming its key path) and hands them out, loaded once per process. A new
year's pay award or a new Green Book edition is a change to a data file, never to code.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from xlcase.errors import BadInputError
from xlcase.shipped_data import load_shipped_yaml

REFERENCE_DIR = Path(__file__).parent / "reference_data"
GREEN_BOOK_FILE = "green_book.yaml"
AGENDA_FOR_CHANGE_FILE = "agenda_for_change.yaml"
APPRENTICESHIPS_FILE = "apprenticeships.yaml"
AGENCY_FILE = "agency.yaml"
INFLATION_FILE = "inflation.yaml"
STANDARD_SCHEDULE = "standard"
HEALTH_SCHEDULE = "health"  # for health effects valued as QALYs (Green Book)
PayPoint = Literal["entry", "intermediate", "top"]
ScenarioKind = Literal["costs_change", "benefits_change", "benefits_delay", "discount_schedule", "driver_scale",
                       "driver_attrition", "driver_delay"]
DRIVER_KINDS = ("driver_scale", "driver_attrition", "driver_delay")
_Model = TypeVar("_Model", bound=BaseModel)


class UnknownReferenceError(BadInputError):
    """A discount schedule, pay period, band or date that the reference data does not cover."""


class ReferenceDataError(BadInputError):
    """A reference data file that is not valid (its key path says where)."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Data):
    """A figure's provenance: where it was published and whether it was checked against that."""

    source: str
    url: str | None = None
    verified: bool
    evidence: str | None = None
    notes: str | None = None


class DiscountBand(_Data):
    """One band of a discount schedule: ``rate`` discounts each step into years first_year..last_year."""

    first_year: int
    last_year: int | None
    rate: float

    def covers(self, year: int) -> bool:
        """Whether ``year`` falls in this band."""
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)


class DiscountSchedule(_Sourced):
    """A Green Book discount schedule: contiguous bands from year 0, the last one open-ended."""

    name: str = ""
    description: str
    effective_from: dt.date
    bands: tuple[DiscountBand, ...]

    @model_validator(mode="after")
    def _contiguous(self) -> DiscountSchedule:
        bands = self.bands
        if not bands or bands[0].first_year != 0 or bands[-1].last_year is not None:
            raise ValueError("bands must start at year 0 and end open-ended")
        for before, after in zip(bands, bands[1:], strict=False):
            if before.last_year is None or after.first_year != before.last_year + 1:
                raise ValueError(f"bands are not contiguous at year {after.first_year}")
        if any(band.rate <= -1 for band in bands):
            raise ValueError("a discount rate must be above -100%")
        return self

    @property
    def short_term_rate(self) -> float:
        """The rate of the first band (years 0-30 in the Green Book)."""
        return self.bands[0].rate

    def rate_for_year(self, year: int) -> float:
        """The rate that discounts the step from year ``year - 1`` to year ``year``.

        Raises:
            UnknownReferenceError: if ``year`` is negative.
        """
        for band in self.bands:
            if band.covers(year):
                return band.rate
        raise UnknownReferenceError(f"year {year} is not covered by the {self.name} discount schedule")

    def with_short_term_rate(self, rate: float) -> DiscountSchedule:
        """The same schedule with ``rate`` in place of the first band's rate (long-term bands unchanged)."""
        if rate == self.short_term_rate:
            return self
        first = self.bands[0].model_copy(update={"rate": float(rate)})
        return self.model_copy(update={"bands": (first, *self.bands[1:])})


class SensitivityScenario(_Data):
    """One sensitivity test of an option against doing nothing (see green_book.yaml for the kinds)."""

    name: str
    kind: ScenarioKind
    value: float = 0.0
    schedule: str | None = None
    driver: str | None = None  # the lines it changes: those naming this driver (xlcase.model.Driver)

    @model_validator(mode="after")
    def _parameters(self) -> SensitivityScenario:
        if (self.kind == "discount_schedule") != (self.schedule is not None):
            raise ValueError("a discount_schedule scenario names its schedule, and only it does")
        if (self.kind in DRIVER_KINDS) != (self.driver is not None):
            raise ValueError("a driver scenario names its driver, and only it does")
        if self.kind == "driver_delay" and not 0 <= self.value <= 12:
            raise ValueError("a driver delay is 0 to 12 months")
        if self.kind == "benefits_delay" and (self.value < 0 or self.value != int(self.value)):
            raise ValueError("a delay is a whole number of years, 0 or more")
        return self


class Edition(_Data):
    title: str
    publisher: str
    published: dt.date
    url: str
    supersedes: str
    verified: bool
    checked: dt.date
    notes: str


class DiscountRateReview(_Data):
    title: str
    publisher: str
    opened: dt.date
    reported: dt.date | None
    url: str
    status: str
    rates_in_force_unchanged: bool
    verified: bool


class OptimismBiasBounds(_Data):
    """The Green Book's generic optimism bias bounds for one project type."""

    label: str
    measure: str
    upper: float
    lower: float
    duration_upper: float | None = None
    duration_lower: float | None = None


class OptimismBiasGuidance(_Sourced):
    checked: dt.date
    default_project_type: str
    project_types: dict[str, OptimismBiasBounds]

    @model_validator(mode="after")
    def _default_known(self) -> OptimismBiasGuidance:
        if self.default_project_type not in self.project_types:
            raise ValueError(f"default_project_type {self.default_project_type!r} is not a project type")
        return self


class SensitivitySet(_Data):
    source: str
    scenarios: tuple[SensitivityScenario, ...]


class GreenBook(_Data):
    """The Green Book data file: edition, the discount-rate review, schedules, optimism bias, sensitivity."""

    edition: Edition
    discount_rate_review: DiscountRateReview
    discount_schedules: dict[str, DiscountSchedule]
    optimism_bias: OptimismBiasGuidance
    sensitivity: SensitivitySet

    @model_validator(mode="after")
    def _schedules(self) -> GreenBook:
        for required in (STANDARD_SCHEDULE, HEALTH_SCHEDULE):
            if required not in self.discount_schedules:
                raise ValueError(f"discount_schedules needs a {required!r} schedule")
        for scenario in self.sensitivity.scenarios:
            if scenario.schedule is not None and scenario.schedule not in self.discount_schedules:
                raise ValueError(f"sensitivity scenario {scenario.name!r} names an unknown schedule")
        return self


class BandPoints(_Data):
    """The annual pay points of one Agenda for Change band, lowest first."""

    points: tuple[float, ...]
    years_to_next: tuple[int, ...] | None = None

    @model_validator(mode="after")
    def _shape(self) -> BandPoints:
        if not 1 <= len(self.points) <= 3 or list(self.points) != sorted(self.points):
            raise ValueError("a band has one to three pay points, in increasing order")
        return self

    @property
    def entry(self) -> float:
        return self.points[0]

    @property
    def top(self) -> float:
        return self.points[-1]

    @property
    def intermediate(self) -> float | None:
        """The middle point of a three-point band (bands 5 to 8a); None where the band has none."""
        return self.points[1] if len(self.points) == 3 else None

    def point(self, name: PayPoint) -> float | None:
        return getattr(self, name)


class _Dated(_Sourced):
    period: str
    effective_from: dt.date
    effective_to: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class PayScales(_Dated):
    """Agenda for Change pay points (England) for one pay year."""

    award: float
    announced: dt.date
    bands: dict[str, BandPoints]

    def band(self, band: str | int) -> BandPoints:
        """The pay points of one band ("4", "8a").

        Raises:
            UnknownReferenceError: if the band is not in this period's data.
        """
        key = str(band).strip().lower()
        if key not in self.bands:
            known = ", ".join(self.bands)
            raise UnknownReferenceError(f"band {key} is not in the {self.period} pay scales (bands {known})")
        return self.bands[key]


class EmployerNationalInsurance(_Dated):
    """Employer (Class 1 secondary) National Insurance for one period."""

    rate: float
    secondary_threshold: float
    apprentice_under_25_upper_threshold: float

    def annual_cost(self, annual_pay: float, *, apprentice_under_25: bool = False) -> float:
        """Employer National Insurance on one year's pay (0% for an apprentice under 25 up to the upper threshold)."""
        threshold = self.secondary_threshold
        if apprentice_under_25:
            threshold = max(threshold, self.apprentice_under_25_upper_threshold)
        return max(0.0, annual_pay - threshold) * self.rate


class PensionEmployerContribution(_Dated):
    """NHS Pension Scheme employer contribution rates for one period."""

    employer_rate: float
    administration_levy: float
    local_rate: float  # what the trust pays, the levy included
    after: str  # what applies once the period ends

    @property
    def total_rate(self) -> float:
        """The whole employer cost: the contribution and the administration levy (23.78%)."""
        return self.employer_rate + self.administration_levy

    @property
    def central_rate(self) -> float:
        """The part paid centrally (NHS England), not by the trust."""
        return self.total_rate - self.local_rate


class WorkingTime(_Sourced):
    """Agenda for Change working time: the full-time week and the leave that decides the working weeks."""

    full_time_hours_per_week: float
    annual_leave_days: float
    bank_holidays: float

    @property
    def working_weeks(self) -> float:
        """52 weeks less annual leave and bank holidays (5-day weeks): 45 for a new starter."""
        return 52 - (self.annual_leave_days + self.bank_holidays) / 5

    @property
    def hours_per_year(self) -> float:
        """The contracted hours of a full-time post in a year (37.5 x 52 = 1,950)."""
        return self.full_time_hours_per_week * 52


class AgendaForChange(_Data):
    pay_scales: tuple[PayScales, ...]
    employer_national_insurance: tuple[EmployerNationalInsurance, ...]
    nhs_pension_employer: tuple[PensionEmployerContribution, ...]
    working_time: WorkingTime


class Levy(_Sourced):
    name: str
    rate: float
    allowance: float


class FundingRules(_Dated):
    levy_fund_expiry_months: int
    government_top_up: float
    employer_co_investment: float


class PaymentProfile(_Sourced):
    monthly_share: float
    completion_share: float

    @model_validator(mode="after")
    def _whole(self) -> PaymentProfile:
        if abs(self.monthly_share + self.completion_share - 1) > 1e-12:
            raise ValueError("the monthly and completion shares add up to 1")
        return self


class OffTheJob(_Sourced):
    rule: str
    minimum_duration_months: int
    minimum_hours: float


class Standard(_Sourced):
    title: str
    version: str
    level: int
    typical_duration_months: int
    funding_band_maximum: float | None
    minimum_off_the_job_hours: float | None


class Apprenticeships(_Data):
    levy: Levy
    funding_rules: tuple[FundingRules, ...]
    payment_profile: PaymentProfile
    off_the_job: OffTheJob
    standards: dict[str, Standard]


class Inflation(_Sourced):
    non_pay_default: float


class PriceCap(_Sourced):
    uplift_over_national_rate: float
    effective_from: dt.date


class PlanningTarget(_Sourced):
    period: str
    agency_spend_reduction: float | None
    bank_spend_reduction: float | None


class Agency(_Data):
    price_cap: PriceCap
    planning_targets: tuple[PlanningTarget, ...]


@functools.cache
def _load(filename: str, model: type[_Model]) -> _Model:
    """A reference data file, validated; its errors name the file and the key path."""
    path = REFERENCE_DIR / filename
    data: Any = load_shipped_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".") + f": {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise ReferenceDataError(problems, location=str(path)) from None


def green_book() -> GreenBook:
    """The Green Book data: edition, discount-rate review, schedules, optimism bias and sensitivity."""
    return _load(GREEN_BOOK_FILE, GreenBook)


def agenda_for_change() -> AgendaForChange:
    """The Agenda for Change pay scales and employer on-costs, every period held."""
    return _load(AGENDA_FOR_CHANGE_FILE, AgendaForChange)


def apprenticeships() -> Apprenticeships:
    """The apprenticeship levy, funding rules, payment profile and standards."""
    return _load(APPRENTICESHIPS_FILE, Apprenticeships)


def agency() -> Agency:
    """The agency price cap and the planning guidance's reduction targets."""
    return _load(AGENCY_FILE, Agency)


def inflation() -> Inflation:
    """The default inflation assumption for non-pay lines in the cash-terms financial case."""
    return _load(INFLATION_FILE, Inflation)


@functools.cache
def discount_schedule(name: str = STANDARD_SCHEDULE) -> DiscountSchedule:
    """A Green Book discount schedule: "standard", "health" (QALY-valued effects) or "lower_rate_test".

    Raises:
        UnknownReferenceError: if no schedule has that name.
    """
    schedules = green_book().discount_schedules
    if name not in schedules:
        raise UnknownReferenceError(f"no discount schedule named {name!r} (known: {', '.join(schedules)})")
    return schedules[name].model_copy(update={"name": name})


def sensitivity_scenarios() -> tuple[SensitivityScenario, ...]:
    """The sensitivity scenarios the engine runs for every option, in report order."""
    return green_book().sensitivity.scenarios


def optimism_bias_bounds(project_type: str | None = None) -> OptimismBiasBounds:
    """The Green Book's optimism bias bounds for a project type (the guidance's default when None).

    Raises:
        UnknownReferenceError: no such project type.
    """
    guidance = green_book().optimism_bias
    key = project_type or guidance.default_project_type
    if key not in guidance.project_types:
        raise UnknownReferenceError(f"no optimism bias project type {key!r} "
                                    f"(known: {', '.join(guidance.project_types)})")
    return guidance.project_types[key]


_D = TypeVar("_D", bound=_Dated)


def _pick(entries: tuple[_D, ...], what: str, on: dt.date | str | None) -> _D:
    """The entry for a period name, the period covering a date, or the latest."""
    ordered = sorted(entries, key=lambda e: e.effective_from)
    if on is None:
        return ordered[-1]
    if isinstance(on, str):
        for entry in ordered:
            if entry.period == on:
                return entry
        known = ", ".join(e.period for e in ordered)
        raise UnknownReferenceError(f"no {what} for period {on!r} (known: {known})")
    for entry in reversed(ordered):
        if entry.covers(on):
            return entry
    raise UnknownReferenceError(f"no {what} in force on {on.isoformat()}")


def pay_scales(on: dt.date | str | None = None) -> PayScales:
    """Agenda for Change pay scales for a period name ("2026/27"), a date, or the latest held.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    return _pick(agenda_for_change().pay_scales, "pay scales", on)


def employer_national_insurance(on: dt.date | str | None = None) -> EmployerNationalInsurance:
    """Employer National Insurance rate and thresholds for a period name, a date, or the latest.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    return _pick(agenda_for_change().employer_national_insurance, "employer National Insurance rate", on)


def nhs_pension_employer(on: dt.date | str | None = None) -> PensionEmployerContribution:
    """NHS Pension Scheme employer rates for a period name, a date, or the latest.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    return _pick(agenda_for_change().nhs_pension_employer, "NHS Pension employer rate", on)


def funding_rules(on: dt.date | str | None = None) -> FundingRules:
    """The apprenticeship funding rules for a period name, a date, or the latest.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    return _pick(apprenticeships().funding_rules, "apprenticeship funding rules", on)
