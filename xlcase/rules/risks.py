"""XC4xx: risks and their links to the aims."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import Report, rule

RISK_PARTS = {"likelihood": "likelihood", "impact": "impact", "owner": "owner", "mitigation": "mitigation"}


@rule("XC401", "risk-not-linked-to-aim", "error", "risks", covers=("risks[].linked_aim",))
def risk_not_linked(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: every risk names, in "Linked aim", the ID of an aim on the Summary sheet.

    Why a reviewer cares: the guidance asks for each risk to be linked to the goals the employer wants to
    achieve, so the panel sees what is at stake if the risk happens.

    How to fix: pick the aim's ID (A1, A2, ...) in the risk's "Linked aim" cell, or add the missing aim.
    """
    aims = {a.id.strip().casefold() for a in review.case.aims if a.id}
    for i, risk in enumerate(review.case.risks):
        who = risk.id or f"in row {i + 1}"
        if not filled(risk.linked_aim):
            yield report(f"risk {who} is not linked to an aim", "risks", i, "linked_aim", value=risk.id)
        elif risk.linked_aim.strip().casefold() not in aims:
            yield report(f"risk {who} is linked to aim {risk.linked_aim}, which is not one of the aims",
                         "risks", i, "linked_aim", value=risk.linked_aim)


@rule("XC402", "risk-incomplete", "error", "risks",
      covers=tuple(f"risks[].{k}" for k in RISK_PARTS))
def risk_incomplete(review: Review, report: Report) -> Iterator[Finding]:
    """What it checks: every risk has a likelihood and an impact (1 to 5), an owner and a mitigation.

    Why a reviewer cares: a risk without a score cannot be ranked, and one without an owner and a
    mitigation is not being managed.

    How to fix: fill the empty cells in the risk's row.
    """
    for i, risk in enumerate(review.case.risks):
        who = risk.id or f"in row {i + 1}"
        for key, label in RISK_PARTS.items():
            if not filled(getattr(risk, key)):
                if review.reported("risks", i, key):
                    continue  # the reader already reported the value it could not read
                yield report(f"risk {who} has no {label}", "risks", i, key, value=risk.id)
