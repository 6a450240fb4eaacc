"""XC4xx: risks and their links to the aims."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import hides_a_difference, id_key, ids_by_key, repeats, shown_id

RISK_PARTS = {"likelihood": "likelihood", "impact": "impact", "owner": "owner", "mitigation": "mitigation"}


def _who(risk, index: int) -> str:
    """How a message names a risk: its ID, else its row."""
    return shown_id(risk.id) if risk.id else f"in row {index + 1}"


@rule("XC401", "risk-not-linked-to-aim", "error", "risks", covers=("risks[].linked_aim",))
def risk_not_linked(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every risk names, in "Linked aim", the ID of an aim on the Summary sheet, as typed
    there (case aside): a link that differs from the aim's ID by invisible characters or look-alike forms
    is reported with the ID it resembles.

    Why a reviewer cares: the guidance asks for each risk to be linked to the goals the employer wants to
    achieve, so the panel sees what is at stake if the risk happens.

    How to fix: pick the aim's ID (A1, A2, ...) in the risk's "Linked aim" cell, or add the missing aim.
    """
    typed = {a.id.strip().casefold() for a in review.case.aims if a.id}  # as the Checks sheet's COUNTIF matches
    aims = ids_by_key(a.id for a in review.case.aims)
    for i, risk in enumerate(review.case.risks):
        who = _who(risk, i)
        if not filled(risk.linked_aim):
            yield finding(f"risk {who} is not linked to an aim", "risks", i, "linked_aim", value=risk.id)
            continue
        if risk.linked_aim.strip().casefold() in typed:
            continue
        real = aims.get(id_key(risk.linked_aim))
        if real is None:
            yield finding(f"risk {who} is linked to aim {shown_id(risk.linked_aim)}, which is not one of the aims",
                         "risks", i, "linked_aim", value=risk.linked_aim)
        else:
            yield finding(f"risk {who} is linked to aim {shown_id(risk.linked_aim)}, which is aim {shown_id(real)} but "
                         "for invisible or look-alike characters: type the aim's ID exactly (the Checks sheet counts "
                         "the risk as not linked)", "risks", i, "linked_aim", value=risk.linked_aim)


@rule("XC402", "risk-incomplete", "error", "risks",
      covers=tuple(f"risks[].{k}" for k in RISK_PARTS))
def risk_incomplete(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every risk has a likelihood and an impact (1 to 5), an owner and a mitigation.

    Why a reviewer cares: a risk without a score cannot be ranked, and one without an owner and a
    mitigation is not being managed.

    How to fix: fill the empty cells in the risk's row.
    """
    for i, risk in enumerate(review.case.risks):
        who = _who(risk, i)
        for key, label in RISK_PARTS.items():
            if not filled(getattr(risk, key)):
                if review.reported("risks", i, key):
                    continue  # the reader already reported the value it could not read
                yield finding(f"risk {who} has no {label}", "risks", i, key, value=risk.id)


@rule("XC403", "duplicate-aim-id", "error", "aims")
def duplicate_aim_id(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no two aims share an ID. IDs that differ only in case, in invisible characters
    (a zero-width space) or in look-alike forms (a full-width "Ａ1") count as the same ID.

    Why a reviewer cares: risks and evaluation lines name the aim they belong to by its ID; with a
    shared ID nobody can tell which aim a risk threatens or which aim an evaluation measures.

    How to fix: give each aim its own ID (A1, A2, ...) and correct the risks and evaluation lines that
    name it.
    """
    aims = review.case.aims
    for i, first in repeats([a.id for a in aims]):
        again, before = aims[i].id or "", aims[first].id or ""
        same = (f"is the ID {shown_id(before)} of aim {first + 1} but for invisible or look-alike characters"
                if hides_a_difference(again, before) else f"is used again (first by aim {first + 1})")
        yield finding(f"aim ID {shown_id(again)} {same}: risks and evaluation lines cannot tell the aims apart",
                     "aims", i, "id", value=again)
