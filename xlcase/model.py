"""The typed business case: the hub every edge (case file, workbook, engine, rules) converts to and from.

Every field is optional except where a list needs its items, because a draft is a normal
thing to generate a workbook from: completeness is judged by the rules, not by the model.
Field names are the case-file keys of the contract in DESIGN.md.

Values are read as a person means them, as the workbook reads what is typed into it: a number or a
date in a text field is that text (`level: 5` is "5"); a coded field takes the label its drop-down
shows as well as the code ("Not started" for not_started, any case); a rate written as a percentage
(`discount_rate: 3.5`) is refused with the fraction it probably means (0.035).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

CostCategory = Literal[
    "training",
    "mentoring",
    "backfill",
    "education_provider",
    "management",
    "external_staff",
    "pay",
    "recruitment",
    "other",
]
Beneficiary = Literal["trust", "department", "patients", "service_users", "staff"]
BenefitClass = Literal["cash_releasing", "non_cash_releasing", "societal", "health", "unmonetisable"]
MilestoneStatus = Literal["not_started", "on_track", "at_risk", "late", "complete"]
PayPoint = Literal["entry", "intermediate", "top"]
Driver = Literal["agency_rate", "nurse_time", "per_qualified_ap"]  # what a line's amounts are proportional to
CODE_LISTS: dict[str, tuple[str, ...]] = {  # the coded values of the case file, by the template list that labels them
    "cost_category": get_args(CostCategory),
    "beneficiary": get_args(Beneficiary),
    "benefit_class": get_args(BenefitClass),
    "milestone_status": get_args(MilestoneStatus),
    "pay_point": get_args(PayPoint),
    "driver": get_args(Driver),
}
DRIVERS: tuple[str, ...] = get_args(Driver)


def _as_text(value: Any) -> Any:
    """A number or a date given for text is the text it was written as (5 -> "5", 2027-04-01 -> "2027-04-01").
    True and false are refused: YAML reads yes, no, on and off as them, so the words typed are lost."""
    if isinstance(value, bool):
        raise PydanticCustomError("text_not_bool", "expected text (YAML reads yes, no, on, off, true and false as "
                                  "true or false: put the words in quotes)")
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _labels_of(list_name: str) -> BeforeValidator:
    """A coded value given as the label the workbook's drop-down shows ("Not started", any case, spaces around)
    is its code (not_started); codes are taken the same way. The labels are the default template's."""
    def to_code(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        from xlcase.template import load_template

        template = load_template()
        return (template.code(list_name, value) if list_name in template.lists else None) or value

    return BeforeValidator(to_code)


def _percentage_hint(highest: float, *, inclusive: bool) -> BeforeValidator:
    """A fraction written as a percentage (3.5 for 3.5%, above `highest` and at most 100) is refused with the
    fraction it probably means, before the bounds give a bare "expected less than 1"."""
    def check(value: Any) -> Any:
        if (isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 100
                and (value > highest or (value == highest and not inclusive))):
            raise PydanticCustomError("percentage_for_fraction", "expected a fraction (did you mean {fraction}, "
                                      "for {percent}%?)", {"fraction": f"{value / 100:.10g}", "percent": f"{value:g}"})
        return value

    return BeforeValidator(check)


Score = Annotated[int, Field(ge=1, le=5)]
Money = float
MAX_APPRAISAL_YEARS = 125  # the Green Book schedule's last band starts at year 301; 125 years is ample here
Amounts = Annotated[list[Money], Field(max_length=MAX_APPRAISAL_YEARS)]
Text = Annotated[str, BeforeValidator(_as_text)]
Rate = Annotated[float, _percentage_hint(1, inclusive=False), Field(gt=-1, lt=1)]  # a real rate a year, 0.035
OptimismBias = Annotated[float, _percentage_hint(5, inclusive=True), Field(ge=0, le=5)]  # an uplift, 0.2 = 20%


def value_at(obj: Any, key: str) -> Any:
    """The value at a dotted key of a case ('summary.service_need'), as the template names fields."""
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


class Part(BaseModel):
    """Common settings: unknown keys are refused so a misspelt key is reported, not dropped."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Summary(Part):
    service_need: Text | None = None
    drivers: list[Text] = []
    overview: Text | None = None


class Aim(Part):
    id: Text | None = None
    text: Text | None = None
    benefit: Text | None = None
    measure: Text | None = None


class Stakeholder(Part):
    name: Text | None = None
    role: Text | None = None
    organisation: Text | None = None
    accountable_to: Text | None = None
    engagement: Text | None = None
    expectations: Text | None = None


class EducationProvider(Part):
    name: Text | None = None
    programme: Text | None = None
    level: Text | None = None
    duration_months: int | None = None
    coordinator: Text | None = None


class SkillMixArea(Part):
    area: Text | None = None
    band2_wte: float | None = None
    band3_wte: float | None = None
    band4_wte: float | None = None
    registered_wte: float | None = None
    beds: int | None = None
    vacancies_wte: float | None = None
    agency_spend: Money | None = None


class CandidateEvidence(Part):
    area: Text | None = None
    support_workers: int | None = None
    surveyed: int | None = None
    interested: int | None = None
    eligible: int | None = None
    median_experience_years: float | None = None
    prior_training: Text | None = None
    competencies: Text | None = None


def _green_book_rate() -> float:
    """The Green Book's real discount rate for years 0-30 (3.5%), from the dated reference data."""
    from xlcase.reference import discount_schedule

    return discount_schedule().short_term_rate


def _default_project_type() -> str:
    from xlcase.reference import green_book

    return green_book().optimism_bias.default_project_type


def _latest_pay_award() -> float:
    """The latest Agenda for Change award (3.3% for 2026/27), from the reference data: a default, not a forecast."""
    from xlcase.reference import pay_scales

    return pay_scales().award


def _non_pay_inflation() -> float:
    from xlcase.reference import inflation

    return inflation().non_pay_default


def _working_weeks() -> float:
    from xlcase.reference import agenda_for_change

    return agenda_for_change().working_time.working_weeks


Wte = Annotated[float, Field(ge=0, le=10_000)]  # whole-time equivalents


class Assumptions(Part):
    base_year: int = 2027
    appraisal_years: Annotated[int, Field(ge=1, le=MAX_APPRAISAL_YEARS)] = 10
    discount_rate: Annotated[Rate, Field(default_factory=_green_book_rate)]
    optimism_bias: OptimismBias = Field(0.0, description="The default uplift on every option's costs but do nothing's.")
    optimism_bias_project_type: Annotated[str, _labels_of("optimism_bias_project_type")] = Field(
        default_factory=_default_project_type,
        description="The Green Book project type whose optimism bias bounds apply (see the Inputs sheet).")
    price_base_year: int | None = None
    pay_award: Rate = Field(default_factory=_latest_pay_award,
                            description="A year, for the cash-terms affordability of pay lines (default: the latest award).")
    non_pay_inflation: Rate = Field(default_factory=_non_pay_inflation,
                                    description="A year, for the cash-terms affordability of other lines.")
    attrition: Annotated[float, _percentage_hint(1, inclusive=True), Field(ge=0, lt=1)] = Field(
        0.0, description="The share of apprentices who leave each year; leavers' fee payments stop.")
    working_weeks: Annotated[float, Field(gt=0, le=52.2)] = Field(
        default_factory=_working_weeks,
        description="Weeks a year a full-time post works (52 less annual leave and bank holidays): off-the-job hours "
                    "become backfill in these weeks.")

    @field_validator("optimism_bias_project_type")
    @classmethod
    def _known_project_type(cls, value: str) -> str:
        from xlcase.reference import green_book

        known = green_book().optimism_bias.project_types
        if value not in known:
            raise ValueError(f"not a Green Book optimism bias project type (one of {', '.join(known)})")
        return value


class Option(Part):
    id: Text | None = None
    name: Text | None = None
    description: Text | None = None
    do_nothing: bool = False
    do_minimum: bool = False
    preferred: bool = False
    trainees: int | None = None
    optimism_bias: OptimismBias | None = Field(
        None, description="This option's own uplift on costs; none means the default (0 for do nothing).")
    viability: Text | None = None
    justification: Text | None = None
    reason_rejected: Text | None = None


class CostLine(Part):
    option: Text | None = None
    category: Annotated[CostCategory, _labels_of("cost_category")] | None = None
    description: Text | None = None
    band: Text | None = Field(None, description='For a pay line: the Agenda for Change band of the posts it pays ("4"), '
                                                'so that it can be compared with the reference pay (XC805).')
    wte: Wte | None = Field(
        None, description="For a pay line: the whole-time equivalents it pays (with its band).")
    recurrent: bool | None = Field(None, description="A cost that continues after the project; none: by its category.")
    drivers: list[Annotated[Driver, _labels_of("driver")]] = Field(
        [], description="What the amounts are proportional to, for the driver sensitivities.")
    amounts: Amounts = []


class BenefitLine(Part):
    option: Text | None = None
    beneficiary: Annotated[Beneficiary, _labels_of("beneficiary")] | None = None
    category: Annotated[BenefitClass, _labels_of("benefit_class")] | None = None
    description: Text | None = None
    measure: Text | None = None
    budget_line: Text | None = Field(None, description="The budget a cash-releasing benefit releases (cost centre).")
    drivers: list[Annotated[Driver, _labels_of("driver")]] = Field(
        [], description="What the amounts are proportional to, for the driver sensitivities.")
    amounts: Amounts = []


class Post(Part):
    """A post of the workforce plan: the workbook costs it by formula from the Agenda for Change pay scales."""

    option: Text | None = None
    role: Text | None = None
    category: Annotated[CostCategory, _labels_of("cost_category")] = Field(
        "pay", description="pay, or mentoring/management for time given to the project.")
    band: Text | None = Field(None, description='Agenda for Change band: "2" to "8a".')
    point: Annotated[PayPoint, _labels_of("pay_point")] = "entry"
    wte: Wte | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    trainee: bool = False
    off_the_job_hours: Annotated[float, Field(ge=0, le=37.5)] | None = Field(
        None, description="A trainee's off-the-job training hours a week (per WTE), backfilled.")
    backfill_band: Text | None = Field(None, description="The band that backfills off-the-job hours (default its own).")
    recurrent: bool | None = Field(None, description="A post that continues after the project; none: not a trainee.")


class Apprenticeship(Part):
    """A cohort of apprentices: fees paid to the education provider, funded by the levy or co-invested."""

    option: Text | None = None
    standard: Text | None = None
    learners: Annotated[float, Field(ge=0, le=100_000)] | None = None
    start: dt.date | None = None
    duration_months: Annotated[int, Field(ge=1, le=120)] | None = None
    funding_band: Annotated[float, Field(ge=0)] | None = Field(
        None, description="The funding band maximum of the standard: the most the levy pays per learner.")
    price: Annotated[float, Field(ge=0)] | None = Field(
        None, description="The price agreed with the provider per learner (default: the funding band).")
    levy_funded: bool = Field(True, description="Paid from the trust's levy funds; if not, co-invested.")


class FundingLine(Part):
    """Money the case names from outside the trust's budget, in cash terms by year."""

    option: Text | None = None
    source: Text | None = None
    description: Text | None = None
    amounts: Amounts = []


class Risk(Part):
    id: Text | None = None
    description: Text | None = None
    linked_aim: Text | None = None
    likelihood: Score | None = None
    impact: Score | None = None
    owner: Text | None = None
    mitigation: Text | None = None


class Milestone(Part):
    name: Text | None = None
    owner: Text | None = None
    due: dt.date | None = None
    measure: Text | None = None
    status: Annotated[MilestoneStatus, _labels_of("milestone_status")] | None = None


class Timeline(Part):
    start: dt.date | None = None
    finish: dt.date | None = None
    milestones: list[Milestone] = []
    slippage_measures: list[Text] = []


class EvaluationItem(Part):
    what: Text | None = None
    measure: Text | None = None
    when: Text | None = None
    method: Text | None = None
    resources: Text | None = None
    owner: Text | None = None


class RolloutStep(Part):
    area: Text | None = None
    priority: int | None = None
    start: dt.date | None = None


class Conclusions(Part):
    starting_point: Text | None = None
    target: Text | None = None
    approach: Text | None = None
    recommendations: list[Text] = []
    cohort_source: Text | None = None
    rollout: list[RolloutStep] = []
    evidence_elsewhere: Text | None = None


class Case(Part):
    """A business case for introducing assistant practitioners, as in the seed guidance."""

    title: Text | None = Field(None, description="Required for a complete case (XC101).")
    organisation: Text | None = Field(None, description="Required for a complete case (XC101).")
    department: Text | None = None
    author: Text | None = None
    prepared: dt.date | None = None
    summary: Summary = Summary()
    aims: list[Aim] = []
    stakeholders: list[Stakeholder] = []
    education_provider: EducationProvider = EducationProvider()
    skill_mix: list[SkillMixArea] = []
    candidates: list[CandidateEvidence] = []
    alternative_sources: list[Text] = []
    assumptions: Assumptions = Assumptions()
    options: list[Option] = []
    costs: list[CostLine] = []
    benefits: list[BenefitLine] = []
    posts: list[Post] = []
    apprenticeships: list[Apprenticeship] = []
    funding: list[FundingLine] = []
    risks: list[Risk] = []
    timeline: Timeline = Timeline()
    evaluation: list[EvaluationItem] = []
    conclusions: Conclusions = Conclusions()

    def option_ids(self) -> list[str]:
        """The ids of the options, in order, skipping options without one."""
        return [o.id for o in self.options if o.id]

    def do_nothing_option(self) -> Option | None:
        """The first option marked do nothing, if any."""
        return next((o for o in self.options if o.do_nothing), None)

    def preferred_options(self) -> list[Option]:
        """Every option marked preferred (a valid case has exactly one)."""
        return [o for o in self.options if o.preferred]
