"""XC9xx: evaluation, conclusions and recommendations."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.search import Automaton
from xlcase.text import id_key, shown, shown_id


SOUGHT_LIMIT = 1_000_000  # characters of aims' IDs and texts looked for in the evaluation
SEARCHED_LIMIT = 4_000_000  # characters of evaluation lines searched for them
_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"\W")
_START, _END = "\x02", "\x03"  # a word may start, or end, here (id_key leaves no control character)


def _marked(text: str) -> str:
    r"""``text`` with each place where a word may start (at the start, or after a non-word character)
    marked by \x02 and each place where a word may end by \x03, so that "names the ID as a word", the
    regular expression (?<!\w)ID(?!\w), becomes "contains the marked ID": a plain search for many IDs."""
    return _START + _NOT_WORD.sub(_END + r"\g<0>" + _START, text) + _END


@dataclass(frozen=True)
class Coverage:
    """Which aims the evaluation covers, and whether the search stopped short (see `aims_covered`)."""

    covered: frozenset[int]
    not_sought: frozenset[int]  # aims whose text (or ID of several words) was past SOUGHT_LIMIT
    evaluation_clipped: bool  # the evaluation is longer than SEARCHED_LIMIT: only its start was searched


def aims_covered(aims: Sequence[tuple[str | None, str | None]], evaluated: Sequence[str]) -> Coverage:
    """Which aims, given as (id, text), some evaluation line covers: it names the aim's ID as a word
    ("A1", "A1:", "(A1)") or contains the aim's whole text, both compared by `id_key` (case, invisible
    characters, look-alike forms and runs of white space aside).

    An ID of one word is looked up in the set of the lines' words; other IDs and the texts are found by
    one automaton that reads the lines once. Time and memory are linear in the aims plus the lines, and
    bounded by SOUGHT_LIMIT and SEARCHED_LIMIT, which only a hostile file reaches.
    """
    lines = [id_key(line) for line in evaluated]
    words = {word for line in lines for word in _WORD.findall(line)}
    covered: set[int] = set()
    not_sought: set[int] = set()
    needles: list[str] = []
    owners: list[int] = []
    budget = SOUGHT_LIMIT
    for index, (aim_id, aim_text) in enumerate(aims):
        key, text = id_key(aim_id), id_key(aim_text)
        if key and _WORD.fullmatch(key):
            if key in words:
                covered.add(index)
                continue
            key = ""  # a one-word ID that no line holds as a word: only the text can cover the aim
        wanted = ([_marked(key)] if key else []) + ([_marked(text).strip(_START + _END)] if text else [])
        size = sum(map(len, wanted))
        if size > budget:
            not_sought.add(index)
            continue
        budget -= size
        needles += wanted
        owners += [index] * len(wanted)
    searched, size = [], 0
    for line in lines:
        if size > SEARCHED_LIMIT:
            break
        searched.append(_marked(line))
        size += len(searched[-1]) + 1
    if needles:
        haystack = "\x00".join(searched)[:SEARCHED_LIMIT]
        covered.update(owners[n] for n in Automaton(needles).found_in(haystack))
    return Coverage(frozenset(covered), frozenset(not_sought), size > SEARCHED_LIMIT)


@rule("XC901", "aim-not-evaluated", "warning", "evaluation")
def aim_not_evaluated(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every aim is covered by the evaluation: some evaluation line's What or Measure
    names the aim's ID as a word (e.g. "A1 career pathway") or contains the aim's whole text, ignoring case,
    invisible characters and look-alike forms.

    Why a reviewer cares: evaluation builds the evidence that the project delivered its benefits; an aim
    nobody evaluates cannot be shown to have been met.

    How to fix: add an evaluation line for the aim, starting its What with the aim's ID.
    """
    case = review.case
    if not case.evaluation:
        return  # an empty Evaluation table is XC101
    evaluated = [f"{e.what or ''} {e.measure or ''}" for e in case.evaluation]
    coverage = aims_covered([(a.id, a.text) for a in case.aims], evaluated)
    for i, aim in enumerate(case.aims):
        if not (aim.id or aim.text) or i in coverage.covered:
            continue
        caveat = ""
        if i in coverage.not_sought:
            caveat = f" (its text was not looked for: the aims hold more than {SOUGHT_LIMIT:,} characters)"
        elif coverage.evaluation_clipped:
            caveat = f" (only the first {SEARCHED_LIMIT:,} characters of the evaluation were searched)"
        named = shown_id(aim.id) if aim.id else shown(aim.text)
        yield finding(f"aim {named} is not covered by the evaluation: no evaluation line names it{caveat}",
                     "aims", i, "id", value=aim.id or aim.text)


@rule("XC902", "no-recommendations", "error", "conclusions", covers=("conclusions.recommendations[]",))
def no_recommendations(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the conclusions make at least one recommendation.

    Why a reviewer cares: the panel is asked to decide; the recommendations say what it is asked to approve.

    How to fix: add the recommendations on the Conclusions sheet (e.g. "Approve option O2").
    """
    if not review.case.conclusions.recommendations:
        yield finding("there are no recommendations: say what the panel is asked to approve",
                     "conclusions", "recommendations")


@rule("XC903", "no-rollout-plan", "error", "conclusions", covers=("conclusions.rollout[]",))
def no_rollout_plan(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the conclusions include a roll-out plan with at least one area.

    Why a reviewer cares: the guidance recommends a roll-out plan that targets the areas of greatest need
    first.

    How to fix: list the areas in the Roll-out table with their priority (1 = greatest need) and start date.
    """
    if not review.case.conclusions.rollout:
        yield finding("there is no roll-out plan: list the areas, greatest need first", "conclusions", "rollout")


@rule("XC904", "no-cohort-source", "error", "conclusions", covers=("conclusions.cohort_source",))
def no_cohort_source(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the conclusions say where the student cohort comes from.

    Why a reviewer cares: taking too many trainees from one band or area creates vacancies there; the
    guidance asks for the cohort's source to be set out.

    How to fix: fill "Where the student cohort comes from" on the Conclusions sheet.
    """
    if not filled(review.case.conclusions.cohort_source) and not review.reported("conclusions", "cohort_source"):
        yield finding("the conclusions do not say where the student cohort comes from", "conclusions",
                     "cohort_source")
