"""Dated reference data: Green Book discount rates, sensitivity scenarios, Agenda for Change pay and employer on-costs.

The figures live in YAML files in ``reference_data/`` beside this module, each with its
source, publication date and the period it applies to; this module only loads them
(once, cached) and hands them out as small frozen records. A new year's pay award or a
new Green Book edition is a change to a data file, never to code.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

from xlcase.errors import BadInputError

REFERENCE_DIR = Path(__file__).parent / "reference_data"
GREEN_BOOK_FILE = "green_book.yaml"
AGENDA_FOR_CHANGE_FILE = "agenda_for_change.yaml"
STANDARD_SCHEDULE = "standard"
HEALTH_SCHEDULE = "health"  # for health effects valued as QALYs (Green Book); select with discount_schedule()

ScenarioKind = Literal["costs_change", "benefits_change", "benefits_delay", "discount_rate"]
_Record = TypeVar("_Record")
SCENARIO_KINDS: tuple[str, ...] = ("costs_change", "benefits_change", "benefits_delay", "discount_rate")


class UnknownReferenceError(BadInputError):
    """A discount schedule, pay period or date that the reference data does not cover."""


@dataclass(frozen=True)
class DiscountBand:
    """One band of a discount schedule: ``rate`` discounts each step into years first_year..last_year."""

    first_year: int
    last_year: int | None
    rate: float

    def covers(self, year: int) -> bool:
        """Whether ``year`` falls in this band."""
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class DiscountSchedule:
    """A Green Book discount schedule: contiguous bands from year 0, the last one open-ended."""

    name: str
    bands: tuple[DiscountBand, ...]
    source: str
    published: dt.date
    effective_from: dt.date
    description: str = ""

    @property
    def short_term_rate(self) -> float:
        """The rate of the first band (years 0-30 in the Green Book)."""
        return self.bands[0].rate

    def rate_for_year(self, year: int) -> float:
        """The rate that discounts the step from year ``year - 1`` to year ``year``.

        Args:
            year: an appraisal year, 0 or later.

        Returns:
            The rate of the band covering ``year``.

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
        first = replace(self.bands[0], rate=float(rate))
        return replace(self, bands=(first, *self.bands[1:]))


@dataclass(frozen=True)
class SensitivityScenario:
    """One sensitivity test applied to an option's own flows (see green_book.yaml for the kinds)."""

    name: str
    kind: ScenarioKind
    value: float


@dataclass(frozen=True)
class BandPay:
    """Annual pay at the entry and top points of one Agenda for Change band."""

    band: str
    entry: float
    top: float


@dataclass(frozen=True)
class PayScales:
    """Agenda for Change pay points (England) for one pay year."""

    period: str
    effective_from: dt.date
    effective_to: dt.date | None
    announced: dt.date | None
    source: str
    url: str | None
    bands: tuple[BandPay, ...]
    notes: str = ""

    def band(self, band: str | int) -> BandPay:
        """The pay of one band.

        Args:
            band: the band number, e.g. ``4`` or ``"4"``.

        Returns:
            The band's entry and top pay.

        Raises:
            UnknownReferenceError: if the band is not in this period's data.
        """
        key = str(band)
        for pay in self.bands:
            if pay.band == key:
                return pay
        known = ", ".join(p.band for p in self.bands)
        raise UnknownReferenceError(f"band {key} is not in the {self.period} pay scales (bands {known})")


@dataclass(frozen=True)
class EmployerNationalInsurance:
    """Employer (Class 1 secondary) National Insurance for one period."""

    period: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    url: str | None
    rate: float
    secondary_threshold: float
    apprentice_under_25_upper_threshold: float

    def annual_cost(self, annual_pay: float, *, apprentice_under_25: bool = False) -> float:
        """Employer National Insurance on one year's pay.

        Args:
            annual_pay: gross pay for the year, in pounds.
            apprentice_under_25: an apprentice under 25, exempt up to the apprentice upper threshold.

        Returns:
            The employer contribution, in pounds.
        """
        threshold = self.secondary_threshold
        if apprentice_under_25:
            threshold = max(threshold, self.apprentice_under_25_upper_threshold)
        return max(0.0, annual_pay - threshold) * self.rate


@dataclass(frozen=True)
class PensionEmployerContribution:
    """NHS Pension Scheme employer contribution rates for one period."""

    period: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    url: str | None
    employer_rate: float
    administration_levy: float
    local_rate: float

    @property
    def central_rate(self) -> float:
        """The part of the employer rate paid centrally rather than by the trust."""
        return self.employer_rate - self.local_rate


@functools.cache
def _load(filename: str) -> dict[str, Any]:
    with (REFERENCE_DIR / filename).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"reference data file {filename} does not hold a mapping")
    return data


def _schedule(name: str, spec: dict[str, Any], book: dict[str, Any]) -> DiscountSchedule:
    bands = tuple(
        DiscountBand(int(b["first_year"]), None if b["last_year"] is None else int(b["last_year"]), float(b["rate"]))
        for b in spec["bands"]
    )
    if not bands or bands[0].first_year != 0 or bands[-1].last_year is not None:
        raise ValueError(f"discount schedule {name}: bands must start at year 0 and end open-ended")
    for before, after in zip(bands, bands[1:], strict=False):
        if before.last_year is None or after.first_year != before.last_year + 1:
            raise ValueError(f"discount schedule {name}: bands are not contiguous at year {after.first_year}")
    return DiscountSchedule(
        name=name,
        bands=bands,
        source=" ".join(str(book["source"]).split()),
        published=book["published"],
        effective_from=spec["effective_from"],
        description=" ".join(str(spec.get("description", "")).split()),
    )


@functools.cache
def discount_schedule(name: str = STANDARD_SCHEDULE) -> DiscountSchedule:
    """A Green Book discount schedule.

    Args:
        name: ``"standard"`` (3.5% for years 0-30, then declining) or ``"health"`` (1.5%
            for years 0-30, for health effects valued as QALYs).

    Returns:
        The schedule with its bands, source and dates.

    Raises:
        UnknownReferenceError: if no schedule has that name.
    """
    book = _load(GREEN_BOOK_FILE)
    schedules = book["discount_schedules"]
    if name not in schedules:
        raise UnknownReferenceError(f"no discount schedule named {name!r} (known: {', '.join(schedules)})")
    return _schedule(name, schedules[name], book)


@functools.cache
def sensitivity_scenarios() -> tuple[SensitivityScenario, ...]:
    """The sensitivity scenarios the engine runs for every option, in report order."""
    scenarios = []
    for spec in _load(GREEN_BOOK_FILE)["sensitivity"]["scenarios"]:
        if spec["kind"] not in SCENARIO_KINDS:
            raise ValueError(f"sensitivity scenario {spec['name']!r}: unknown kind {spec['kind']!r}")
        value = float(spec["value"])
        if spec["kind"] == "benefits_delay" and (value < 0 or value != int(value)):
            raise ValueError(f"sensitivity scenario {spec['name']!r}: a delay is a whole number of years, 0 or more")
        scenarios.append(SensitivityScenario(str(spec["name"]), spec["kind"], value))
    return tuple(scenarios)


def _periods(section: str) -> list[dict[str, Any]]:
    return list(_load(AGENDA_FOR_CHANGE_FILE)[section])


def _pick(section: str, what: str, on: dt.date | str | None) -> dict[str, Any]:
    """The entry of a dated section for a period name, the period covering a date, or the latest."""
    entries = sorted(_periods(section), key=lambda e: e["effective_from"])
    if on is None:
        return entries[-1]
    if isinstance(on, str):
        for entry in entries:
            if entry["period"] == on:
                return entry
        known = ", ".join(e["period"] for e in entries)
        raise UnknownReferenceError(f"no {what} for period {on!r} (known: {known})")
    for entry in reversed(entries):
        ends = entry.get("effective_to")
        if entry["effective_from"] <= on and (ends is None or on <= ends):
            return entry
    raise UnknownReferenceError(f"no {what} in force on {on.isoformat()}")


def _record(cls: type[_Record], entry: dict[str, Any], **given: Any) -> _Record:
    """A dated reference record from its YAML entry: every field by name, rates and amounts as floats."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in given:
            continue
        value = entry.get(f.name, f.default if f.default is not MISSING else None)
        values[f.name] = float(value) if f.type == "float" and value is not None else value
    return cls(**values, **given)


def _pay_scales(entry: dict[str, Any]) -> PayScales:
    bands = tuple(BandPay(str(b), float(p["entry"]), float(p["top"])) for b, p in entry["bands"].items())
    return _record(PayScales, entry, bands=bands)


@functools.cache
def pay_scales(on: dt.date | str | None = None) -> PayScales:
    """Agenda for Change pay scales.

    Args:
        on: a period name (``"2025/26"``), a date the scales must be in force on, or None
            for the latest period held.

    Returns:
        The pay scales with their source and dates.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    return _pay_scales(_pick("pay_scales", "pay scales", on))


@functools.cache
def employer_national_insurance(on: dt.date | str | None = None) -> EmployerNationalInsurance:
    """Employer National Insurance rate and thresholds.

    Args:
        on: a period name, a date the rate must be in force on, or None for the latest.

    Returns:
        The rate and thresholds with their source and dates.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    entry = _pick("employer_national_insurance", "employer National Insurance rate", on)
    return _record(EmployerNationalInsurance, entry)


@functools.cache
def nhs_pension_employer(on: dt.date | str | None = None) -> PensionEmployerContribution:
    """NHS Pension Scheme employer contribution rates.

    Args:
        on: a period name, a date the rates must be in force on, or None for the latest.

    Returns:
        The full, local and levy rates with their source and dates.

    Raises:
        UnknownReferenceError: if no period matches.
    """
    entry = _pick("nhs_pension_employer", "NHS Pension employer rate", on)
    return _record(PensionEmployerContribution, entry)
