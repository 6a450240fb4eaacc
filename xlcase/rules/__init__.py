"""The rule registry: every check a reviewer runs on a business case, one small function each.

A rule is registered with its code, name, severity and section (DESIGN.md) and documents itself
in its docstring, in three fixed parts::

    What it checks: ...
    Why a reviewer cares: ...
    How to fix: ...

A rule receives the `Review` and a `FindingMaker` bound to the rule (it fills in the rule's code,
severity and section and the value's cell), and yields findings. Rules never raise: `run_rules`
turns any exception escaping a rule into an XC000 finding, so one bug never hides the other findings.
One module per section of the business case (rules/risks.py holds XC4xx, ...), so "where is XC401
checked" is answered by the file name.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xlcase.errors import BadInputError
from xlcase.findings import SEVERITY_ORDER, Finding, Severity
from xlcase.review import Review

SECTIONS: tuple[str, ...] = (
    "summary", "aims", "stakeholders", "workforce", "options", "assumptions", "costs", "benefits",
    "appraisal", "risks", "timeline", "evaluation", "conclusions", "file",
)
RULE_MODULES = (
    "file", "fields", "options", "stakeholders", "risks", "timeline", "costs", "appraisal", "workforce", "evaluation",
)
DOC_PARTS = ("What it checks", "Why a reviewer cares", "How to fix")
INTERNAL_ERROR = "XC000"
_CODE = re.compile(r"^XC\d{3}$")

CheckFunction = Callable[[Review, "FindingMaker"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One registered rule: its identity, its default severity and section, and its check."""

    code: str
    name: str
    severity: Severity
    section: str
    check: CheckFunction = field(compare=False, repr=False)
    covers: tuple[str, ...] = ()

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    def part(self, title: str) -> str:
        """One part of the docstring ('What it checks', 'Why a reviewer cares', 'How to fix') as one line."""
        match = re.search(rf"{re.escape(title)}:\s*(.*?)(?=\n\s*\n|\Z)", self.doc, re.DOTALL)
        return " ".join(match.group(1).split()) if match else ""

    @property
    def summary(self) -> str:
        return self.part("What it checks")


class FindingMaker:
    """Makes the findings of one rule: fills in its code, severity and section, and the cell of a value."""

    def __init__(self, rule: Rule, review: Review) -> None:
        self.rule = rule
        self.review = review

    def __call__(self, message: str, *path: str | int, value: Any = None, severity: Severity | None = None,
                 section: str | None = None, where: tuple[str, str] | None = None) -> Finding:
        """A finding about the value at ``path`` in the case (e.g. "risks", 2, "linked_aim").

        Args:
            message: plain English for a finance officer.
            path: key path of the value in the case; its cell (or its row's or table's) is looked up.
            value: the offending value, shown in reports.
            severity: overrides the rule's severity.
            section: overrides the rule's section.
            where: (sheet, cell) when the value is not in the case (calculated tables).
        """
        location = where
        if location is None and path:
            found = self.review.locate(*path)
            location = (found.sheet, found.cell) if found else None
        sheet, cell = location if location else (None, None)
        return Finding(self.rule.code, severity or self.rule.severity, message, sheet, cell,
                       section or self.rule.section, value)


_REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, section: str,
         covers: Iterable[str] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function as a rule.

    Args:
        code: XCnnn, never reused.
        name: a short kebab-case name.
        severity: error, warning or info (a finding may lower it, e.g. a template version mismatch).
        section: one of SECTIONS.
        covers: case key paths ("stakeholders[].role", "education_provider.name") this rule reports
            when empty, so the generic XC101 leaves them to it.
    """
    if not _CODE.match(code) or code in _REGISTRY:
        raise ValueError(f"bad or duplicate rule code {code}")
    if section not in SECTIONS or severity not in SEVERITY_ORDER:
        raise ValueError(f"bad section or severity for {code}")

    def register(check: CheckFunction) -> CheckFunction:
        doc = inspect.cleandoc(check.__doc__ or "")
        missing = [p for p in DOC_PARTS if f"{p}:" not in doc]
        if missing:
            raise ValueError(f"rule {code} docstring lacks {', '.join(missing)}")
        _REGISTRY[code] = Rule(code, name, severity, section, check, tuple(covers))
        return check

    return register


def _load() -> None:
    """Import every rule module (each registers its rules). Every module is imported, whichever were
    imported before: a registry that already holds some rules (a test or a caller imported one module
    first) is not a registry that holds them all. Imports are cached, so this costs nothing twice."""
    for module in RULE_MODULES:
        importlib.import_module(f"xlcase.rules.{module}")


def all_rules() -> list[Rule]:
    """Every registered rule, by code."""
    _load()
    return [_REGISTRY[c] for c in sorted(_REGISTRY)]


def get_rule(code: str) -> Rule:
    """The rule with this code (case-insensitive).

    Raises:
        BadInputError: no rule has this code.
    """
    _load()
    found = _REGISTRY.get(code.strip().upper())
    if found is None:
        raise BadInputError(f"there is no rule {code!r}; `xlcase rules` lists them")
    return found


def covered_paths() -> frozenset[str]:
    """Key paths that a specific rule reports when empty (the generic XC101 leaves them alone)."""
    return frozenset(p for r in all_rules() for p in r.covers)


def parse_codes(text: str | Iterable[str] | None) -> list[str] | None:
    """'XC101, xc2' -> ['XC101', 'XC2']: codes or code prefixes; None for nothing given.

    Raises:
        BadInputError: an entry matches no registered rule.
    """
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    codes = [c.strip().upper() for item in items for c in item.split(",") if c.strip()]
    known = [r.code for r in all_rules()]
    unknown = [c for c in codes if not any(k.startswith(c) for k in known)]
    if unknown:
        raise BadInputError(f"unknown rule code(s): {', '.join(unknown)}; `xlcase rules` lists them")
    return codes


def selected(code: str, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> bool:
    """Whether a code is chosen by --select (codes or prefixes; all when None) and not by --ignore."""
    if select is not None and not any(code.startswith(s) for s in select):
        return False
    return not (ignore and any(code.startswith(i) for i in ignore))


def run_rules(review: Review, select: Iterable[str] | None = None,
              ignore: Iterable[str] | None = None) -> list[Finding]:
    """Run every selected rule on a review and gather all their findings.

    Args:
        review: the case under review.
        select: codes or prefixes to run (all when None).
        ignore: codes or prefixes to leave out.

    Returns:
        The findings, in section order (DESIGN.md), then by rule code, each rule's in its own order.
        A rule that raises gives one XC000 finding instead of its own.
    """
    select = list(select) if select is not None else None
    ignore = list(ignore or ())
    findings: list[Finding] = []
    for r in all_rules():
        if not selected(r.code, select, ignore):
            continue
        try:
            findings.extend(list(r.check(review, FindingMaker(r, review))))
        except Exception as exc:  # a bug in one rule must not stop the others
            findings.append(Finding(INTERNAL_ERROR, "error", f"rule {r.code} ({r.name}) failed while checking "
                                    f"this file ({type(exc).__name__}: {exc}); please report this to the xlcase "
                                    "maintainers", None, None, r.section))
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Section order, then rule code; a rule's own order is kept."""
    order = {s: i for i, s in enumerate(SECTIONS)}
    return sorted(findings, key=lambda f: (order.get(f.section, len(order)), f.rule))


def rules_markdown() -> str:
    """The rule table for the README: | code | severity | section | checks |."""
    lines = ["| code | severity | section | checks |", "|---|---|---|---|"]
    for r in all_rules():
        checks = r.summary[:1].upper() + r.summary[1:].replace("|", "\\|")
        lines.append(f"| {r.code} | {r.severity} | {r.section} | {checks} |")
    return "\n".join(lines) + "\n"


def iter_rules_text() -> Iterator[str]:
    """`xlcase rules` lines: code, severity, section, name, and what the rule checks."""
    for r in all_rules():
        yield f"{r.code}  {r.severity:<7}  {r.section:<12}  {r.name}"
        yield textwrap.fill(r.summary[:1].upper() + r.summary[1:], width=100, initial_indent="       ",
                            subsequent_indent="       ")
