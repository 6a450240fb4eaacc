"""XC2xx: the options analysis: do nothing, one preferred option, reasons, the shortlist."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.formats import pounds
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import clip, hides_a_difference, listed, repeats, shown_id

NPV_TOLERANCE = 0.5  # pounds: a difference smaller than this is rounding, not a better option


def _name(option, index: int) -> str:
    """How a message names an option: its ID, else its name, else its row."""
    if option.id:
        return shown_id(option.id)
    return clip(option.name) if option.name else f"row {index + 1}"


@rule("XC201", "no-do-nothing", "error", "options")
def no_do_nothing(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: one option is marked "Do nothing" (business as usual).

    Why a reviewer cares: the guidance says doing nothing must always be considered, and every option's
    NPV is measured against it.

    How to fix: add a "Do nothing" option (or mark the existing one) with Do nothing = Yes.
    """
    if review.case.do_nothing_option() is None:
        yield finding("no option is marked Do nothing: the consequences of doing nothing must always be "
                     "appraised, and the other options are compared with it", "options")


@rule("XC202", "not-one-preferred", "error", "options")
def not_one_preferred(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: exactly one option is marked Preferred.

    Why a reviewer cares: the case asks the panel to approve one option; with none or several the
    recommendation is unclear.

    How to fix: set Preferred = Yes on one option only. With several, each preferred option is reported.
    """
    options = review.case.options
    preferred = [i for i, o in enumerate(options) if o.preferred]
    if not preferred:
        yield finding("no option is marked Preferred: mark the one option the case recommends", "options")
    elif len(preferred) > 1:
        names = listed([_name(options[i], i) for i in preferred])
        for i in preferred:
            yield finding(f"{len(preferred)} options are marked Preferred ({names}); mark only one",
                         "options", i, "preferred", value=_name(options[i], i))


@rule("XC203", "no-reason-ruled-out", "error", "options")
def no_reason_ruled_out(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every option that is not preferred (doing nothing included) says why it was ruled out.

    Why a reviewer cares: the guidance asks for the reasons each alternative was ruled out; without them
    the panel cannot see that the preferred option is the best.

    How to fix: fill "Reason ruled out" for the option.
    """
    for i, option in enumerate(review.case.options):
        if not option.preferred and not filled(option.reason_rejected):
            yield finding(f"option {_name(option, i)} is not preferred but gives no reason for being ruled out",
                         "options", i, "reason_rejected", value=_name(option, i))


@rule("XC204", "preferred-not-best-unjustified", "error", "options")
def preferred_not_best(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the preferred option has the best NPV against doing nothing, or, if another option
    scores better, "Why preferred" explains the choice.

    Why a reviewer cares: value for money is judged on NPV; choosing a lower-NPV option is legitimate
    (affordability, risk, achievability) but must be justified.

    How to fix: give the reasons in "Why preferred", or reconsider the preferred option.
    """
    appraisal = review.appraisal
    options = review.case.options
    preferred = [i for i, o in enumerate(options) if o.preferred]
    if appraisal is None or len(preferred) != 1:
        return
    i = preferred[0]
    mine = appraisal.options[i].npv_vs_do_nothing
    best = max(range(len(options)), key=lambda k: appraisal.options[k].npv_vs_do_nothing)
    better = appraisal.options[best].npv_vs_do_nothing
    if better - mine > NPV_TOLERANCE and not filled(options[i].justification):
        yield finding(f"the preferred option {_name(options[i], i)} has an NPV against doing nothing of "
                     f"{pounds(mine)}, below option {_name(options[best], best)}'s {pounds(better)}, and "
                     "'Why preferred' does not explain the choice", "options", i, "justification",
                     value=round(mine, 2))


@rule("XC205", "duplicate-option-id", "error", "options")
def duplicate_option_id(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no two options share an ID. IDs that differ only in case, in invisible characters
    (a zero-width space) or in look-alike forms (a full-width "Ｏ2") count as the same ID.

    Why a reviewer cares: cost and benefit lines find their option by ID; a shared ID counts the same
    lines towards both options, so both show the same figures; and two IDs that look the same cannot be
    told apart by the people who fill in the lines.

    How to fix: give each option its own ID (O0, O1, ...) and correct the Option column of its cost and
    benefit lines.
    """
    options = review.case.options
    for i, first in repeats([o.id for o in options]):
        again, before = options[i].id or "", options[first].id or ""
        same = (f"is the ID {shown_id(before)} of row {first + 1} of the Options table but for invisible or "
                "look-alike characters" if hides_a_difference(again, before)
                else f"is used again (first in row {first + 1} of the Options table)")
        yield finding(f"option ID {shown_id(again)} {same}: cost and benefit lines cannot tell the options apart",
                     "options", i, "id", value=again)


@rule("XC206", "no-do-minimum", "warning", "options")
def no_do_minimum(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: one option is marked "Do minimum".

    Why a reviewer cares: the Green Book shortlist includes a do-minimum option (the least that meets the
    essential need), which shows whether the preferred option's extra cost buys enough extra benefit.

    How to fix: add a do-minimum option (e.g. recruiting a few qualified APs) with Do minimum = Yes, or
    say in the options' descriptions why none is possible.
    """
    if review.case.options and not any(o.do_minimum for o in review.case.options):
        yield finding("no option is marked Do minimum: the Green Book shortlist includes one", "options")


@rule("XC207", "too-few-alternatives", "warning", "options")
def too_few_alternatives(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: besides doing nothing and the preferred option, at least one other option
    (a do-minimum counts) was appraised.

    Why a reviewer cares: with only "do nothing" and "do it", the case does not show that the employer
    considered all the options available, as the guidance asks.

    How to fix: appraise at least one other viable option (a smaller cohort, external recruitment, ...).
    """
    others = [o for o in review.case.options if not o.do_nothing and not o.preferred]
    if review.case.options and not others:
        yield finding("apart from doing nothing and the preferred option no other option was appraised: "
                     "add at least one viable alternative", "options")
