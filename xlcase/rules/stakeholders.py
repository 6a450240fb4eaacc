"""XC3xx: stakeholders and governance."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.text import clip

# The roles the guidance names, and the words that show each is covered (matched case-insensitively).
GUIDANCE_ROLES: dict[str, tuple[str, ...]] = {
    "mentor": ("mentor", "practice assessor", "practice supervisor"),
    "manager": ("manager",),
    "trainer or educator": ("trainer", "educator"),
    "project coordinator": ("coordinator", "co-ordinator"),
}


@rule("XC301", "stakeholder-role-or-accountability", "error", "stakeholders",
      covers=("stakeholders[].role", "stakeholders[].accountable_to"))
def role_or_accountability(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every stakeholder has a role and says who they are accountable to.

    Why a reviewer cares: the guidance asks for each stakeholder's role and who they answer to, so the
    panel can see that the project's governance is clear and robust.

    How to fix: fill "Role" and "Accountable to" in the stakeholder's row.
    """
    for i, person in enumerate(review.case.stakeholders):
        who = clip(person.name) if person.name else f"row {i + 1}"
        if not filled(person.role):
            yield finding(f"stakeholder {who} has no role", "stakeholders", i, "role", value=person.name)
        if not filled(person.accountable_to):
            yield finding(f"stakeholder {who} does not say who they are accountable to", "stakeholders", i,
                         "accountable_to", value=person.name)


@rule("XC302", "guidance-roles-missing", "warning", "stakeholders")
def guidance_roles(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the stakeholders include the roles the guidance names: mentors, managers, trainers
    (or educators) and a project coordinator. A role counts as covered when a stakeholder's Role, or
    failing that its Name (for a group such as "Ward managers"), contains one of its words, ignoring case:
    mentor/practice assessor/practice supervisor; manager; trainer/educator; coordinator/co-ordinator.

    Why a reviewer cares: these are the people who deliver an assistant practitioner project; a case
    without them has not planned who supervises, releases and teaches the trainees.

    How to fix: add a stakeholder row for each missing role (a group such as "Ward managers" is fine).
    """
    if not review.case.stakeholders:
        return
    texts = [f"{p.role or ''} {p.name or ''}".casefold() for p in review.case.stakeholders]
    for role, words in GUIDANCE_ROLES.items():
        if not any(word in text for text in texts for word in words):
            yield finding(f"no stakeholder is a {role}: the guidance names mentors, managers, trainers and a "
                         "project coordinator as the people who deliver the project", "stakeholders",
                         value=role)
