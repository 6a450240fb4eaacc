"""XC8xx: workforce: skill mix, candidates and the education provider."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import Report, rule
from xlcase.text import shown_id


@rule("XC801", "no-education-provider", "error", "workforce",
      covers=("education_provider.name", "education_provider.programme"))
def no_education_provider(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: an education provider and its training programme are named.

    Why a reviewer cares: the guidance's checklist asks for an education provider and a programme that
    meet the project's needs; without them the training cannot be costed or timed.

    How to fix: fill "Education provider" and "Programme" on the Workforce sheet.
    """
    provider = review.case.education_provider
    if not filled(provider.name) and not review.reported("education_provider", "name"):
        yield report("no education provider is named", "education_provider", "name")
    if not filled(provider.programme) and not review.reported("education_provider", "programme"):
        yield report("no training programme is named (e.g. the ST0215 assistant practitioner apprenticeship)",
                     "education_provider", "programme")


@rule("XC802", "no-candidate-evidence", "error", "workforce", covers=("candidates[]",))
def no_candidate_evidence(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: the Candidates table has at least one row of survey evidence.

    Why a reviewer cares: the guidance asks for evidence that there are support workers in the trust who
    want, and are capable of, progressing to assistant practitioner.

    How to fix: survey the support workers (numbers, experience, previous training, competencies) and enter
    the results by area.
    """
    if not review.case.candidates:
        yield report("there is no evidence of candidates: add the results of a survey of support workers",
                     "candidates")


@rule("XC803", "more-trainees-than-eligible", "warning", "workforce")
def more_trainees_than_eligible(review: Review, report: Report) -> Iterator[Finding]:
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
            yield report(f"the preferred option {named} plans {option.trainees} trainees but the survey found only "
                         f"{total} eligible candidates", "options", i, "trainees", value=option.trainees)


@rule("XC804", "no-skill-mix", "error", "workforce", covers=("skill_mix[]",))
def no_skill_mix(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: the skill-mix profile has at least one area.

    Why a reviewer cares: the guidance asks for a skill-mix profile to show which areas would benefit
    most from assistant practitioners.

    How to fix: enter each area's staffing by band, registered staff, beds, vacancies and agency spend.
    """
    if not review.case.skill_mix:
        yield report("there is no skill-mix profile: add the staffing of each area considered", "skill_mix")
