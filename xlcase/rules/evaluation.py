"""XC9xx: evaluation, conclusions and recommendations."""

from __future__ import annotations

import re
from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import Report, rule


def aim_covered(aim_id: str | None, aim_text: str | None, evaluated: list[str]) -> bool:
    """An aim is covered when an evaluation line's What or Measure names its ID as a word ("A1", "A1:",
    "(A1)"), or contains its whole text; both ignore case."""
    patterns = []
    if aim_id and aim_id.strip():
        patterns.append(re.compile(rf"(?<![\w]){re.escape(aim_id.strip())}(?![\w])", re.IGNORECASE))
    text = " ".join((aim_text or "").split()).casefold()
    for line in evaluated:
        if any(p.search(line) for p in patterns):
            return True
        if text and text in " ".join(line.split()).casefold():
            return True
    return False


@rule("XC901", "aim-not-evaluated", "warning", "evaluation")
def aim_not_evaluated(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: every aim is covered by the evaluation: some evaluation line's What or Measure
    names the aim's ID as a word (e.g. "A1 career pathway") or contains the aim's whole text, ignoring case.

    Why a reviewer cares: evaluation builds the evidence that the project delivered its benefits; an aim
    nobody evaluates cannot be shown to have been met.

    How to fix: add an evaluation line for the aim, starting its What with the aim's ID.
    """
    case = review.case
    if not case.evaluation:
        return  # an empty Evaluation table is XC101
    evaluated = [f"{e.what or ''} {e.measure or ''}" for e in case.evaluation]
    for i, aim in enumerate(case.aims):
        if not (aim.id or aim.text):
            continue
        if not aim_covered(aim.id, aim.text, evaluated):
            yield report(f"aim {aim.id or aim.text} is not covered by the evaluation: no evaluation line names it",
                         "aims", i, "id", value=aim.id or aim.text)


@rule("XC902", "no-recommendations", "error", "conclusions", covers=("conclusions.recommendations[]",))
def no_recommendations(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: the conclusions make at least one recommendation.

    Why a reviewer cares: the panel is asked to decide; the recommendations say what it is asked to approve.

    How to fix: add the recommendations on the Conclusions sheet (e.g. "Approve option O2").
    """
    if not review.case.conclusions.recommendations:
        yield report("there are no recommendations: say what the panel is asked to approve",
                     "conclusions", "recommendations")


@rule("XC903", "no-rollout-plan", "error", "conclusions", covers=("conclusions.rollout[]",))
def no_rollout_plan(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: the conclusions include a roll-out plan with at least one area.

    Why a reviewer cares: the guidance recommends a roll-out plan that targets the areas of greatest need
    first.

    How to fix: list the areas in the Roll-out table with their priority (1 = greatest need) and start date.
    """
    if not review.case.conclusions.rollout:
        yield report("there is no roll-out plan: list the areas, greatest need first", "conclusions", "rollout")


@rule("XC904", "no-cohort-source", "error", "conclusions", covers=("conclusions.cohort_source",))
def no_cohort_source(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: the conclusions say where the student cohort comes from.

    Why a reviewer cares: taking too many trainees from one band or area creates vacancies there; the
    guidance asks for the cohort's source to be set out.

    How to fix: fill "Where the student cohort comes from" on the Conclusions sheet.
    """
    if not filled(review.case.conclusions.cohort_source) and not review.reported("conclusions", "cohort_source"):
        yield report("the conclusions do not say where the student cohort comes from", "conclusions",
                     "cohort_source")
