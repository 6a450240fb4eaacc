"""XC5xx: the timeline: start, finish and milestones."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import clip


def _what(milestone, index: int) -> str:
    """How a message names a milestone: its name, else its row."""
    return f"milestone {clip(milestone.name) if milestone.name else f'in row {index + 1}'}"


@rule("XC501", "timeline-out-of-order", "error", "timeline")
def out_of_order(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the finish date is not before the start date, and every milestone falls between
    them (both inclusive).

    Why a reviewer cares: a plan whose dates contradict each other cannot be monitored for slippage.

    How to fix: correct the start or finish date, or the milestone's due date.
    """
    timeline = review.case.timeline
    start, finish = timeline.start, timeline.finish
    if start and finish and finish < start:
        yield finding(f"the finish date {finish:%d %b %Y} is before the start date {start:%d %b %Y}",
                     "timeline", "finish", value=finish.isoformat())
        return
    for i, milestone in enumerate(timeline.milestones):
        due = milestone.due
        if due is None:
            continue
        what = _what(milestone, i)
        if start and due < start:
            yield finding(f"{what} is due on {due:%d %b %Y}, before the project starts ({start:%d %b %Y})",
                         "timeline", "milestones", i, "due", value=due.isoformat())
        elif finish and due > finish:
            yield finding(f"{what} is due on {due:%d %b %Y}, after the project finishes ({finish:%d %b %Y})",
                         "timeline", "milestones", i, "due", value=due.isoformat())


@rule("XC502", "milestone-incomplete", "error", "timeline",
      covers=("timeline.milestones[].owner", "timeline.milestones[].due"))
def milestone_incomplete(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every milestone has an owner and a due date.

    Why a reviewer cares: without a date and an owner nobody can tell whether the project is on track.

    How to fix: fill "Owner" and "Due" in the milestone's row.
    """
    for i, milestone in enumerate(review.case.timeline.milestones):
        what = _what(milestone, i)
        for key, label in (("owner", "owner"), ("due", "due date")):
            if filled(getattr(milestone, key)):
                continue
            if review.reported("timeline", "milestones", i, key):
                continue
            yield finding(f"{what} has no {label}", "timeline", "milestones", i, key, value=milestone.name)
