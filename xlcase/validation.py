"""Validation: one workbook (or many) in, one report per file out, the file never modified.

`validate_workbook` reads a workbook defensively, runs the rules and the appraisal and returns a
`Report` whose `to_dict()` is the JSON contract of DESIGN.md. A file that cannot be opened gives a
report of its own (readable false, one XC001 finding), never an exception. `validate_paths` does
the same for files and folders: a batch runs in worker processes with a time and memory budget per
file (xlcase.budget), so one hostile file never stops the rest, and a file over its budget is
reported unreadable (XC008) with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from xlcase.budget import Budget, Stopped, answer, run_budgeted
from xlcase.errors import UnreadableWorkbookError
from xlcase.findings import Finding
from xlcase.model import Case
from xlcase.review import Review
from xlcase.rules import INTERNAL_ERROR, SECTIONS, run_rules, selected, sort_findings

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
UNREADABLE_RULE = "XC001"
OVER_BUDGET_RULE = "XC008"
Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass(frozen=True)
class SectionStatus:
    """One section of the business case in a report.

    ``score`` is the completeness of the section's required inputs (0-1, as on the Checks sheet); for the
    appraisal section, which has nothing to type, what the appraisal needs (`completeness.appraisal_score`);
    1 for the file. ``complete`` means score 1 and no error findings. ``defaults`` are the case keys of
    the section's input cells that still hold the blank workbook's value: they count as filled (a
    workbook cannot tell a default someone checked from one nobody read), and a report asks for them to
    be checked.
    """

    name: str
    complete: bool
    score: float
    findings: int
    defaults: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "complete": self.complete, "score": self.score, "findings": self.findings,
                "defaults": list(self.defaults)}


@dataclass
class Report:
    """The validation of one workbook: DESIGN.md's report, as an object with views (see xlcase.report)."""

    file: str | None
    template: str | None
    template_version: str | None
    readable: bool
    completeness: float
    sections: list[SectionStatus]
    findings: list[Finding]
    results: dict[str, Any] | None = None
    title: str | None = None
    organisation: str | None = None

    @property
    def valid(self) -> bool:
        """Readable and without error findings (warnings and info allowed)."""
        return self.readable and not any(f.severity == "error" for f in self.findings)

    @property
    def status(self) -> str:
        """valid, invalid or unreadable."""
        return "unreadable" if not self.readable else "valid" if self.valid else "invalid"

    @property
    def preferred_result(self) -> dict[str, Any] | None:
        """The results row of the preferred option, if there is one."""
        if not self.results or not self.results.get("preferred"):
            return None
        return next((o for o in self.results["options"] if o.get("id") == self.results["preferred"]), None)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md JSON shape of one file's report (plus title and organisation)."""
        return {
            "file": self.file,
            "template": self.template,
            "template_version": self.template_version,
            "readable": self.readable,
            "valid": self.valid,
            "completeness": self.completeness,
            "sections": [s.to_dict() for s in self.sections],
            "findings": [f.to_dict() for f in self.findings],
            "results": self.results,
            "title": self.title,
            "organisation": self.organisation,
        }


def _sections(scores: dict[str, float], findings: list[Finding], readable: bool,
              defaults: dict[str, list[str]] | None = None) -> list[SectionStatus]:
    out = []
    for name in SECTIONS:
        mine = [f for f in findings if f.section == name]
        score = scores.get(name, 1.0) if readable else 0.0
        errors = any(f.severity == "error" for f in mine)
        out.append(SectionStatus(name, readable and score >= 1.0 and not errors, round(score, 6), len(mine),
                                 tuple((defaults or {}).get(name, ()))))
    return out


def review_report(review: Review, select: Iterable[str] | None = None,
                  ignore: Iterable[str] | None = None) -> Report:
    """Run the rules and the appraisal on a review and build its report."""
    from xlcase.completeness import appraisal_score, defaults_left, overall, section_scores

    findings = run_rules(review, select, ignore)
    scores = section_scores(review.case, review.template)
    appraisal = review.appraisal
    results = None
    if appraisal is not None:
        data = appraisal.to_dict()
        results = {"assumptions": data["assumptions"], "options": data["options"], "sensitivity": data["sensitivity"],
                   "do_nothing": appraisal.do_nothing_id, "preferred": appraisal.preferred_id}
        if review.affordability is not None:
            results["affordability"] = review.affordability.to_dict()
    return Report(
        file=str(review.path) if review.path is not None else None,
        template=review.template_name,
        template_version=review.template_version,
        readable=True,
        completeness=round(overall(scores), 6),
        sections=_sections({**scores, "appraisal": appraisal_score(review.case)}, findings, True,
                           defaults_left(review.case, review.template)),
        findings=findings,
        results=results,
        title=review.case.title,
        organisation=review.case.organisation,
    )


def validate_case(case: Case, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> Report:
    """Validate a bare Case (from a case file or Excel): findings have no sheet or cell."""
    return review_report(Review.from_case(case), select, ignore)


def unreadable_report(path: str | Path, reason: str, rule: str = UNREADABLE_RULE) -> Report:
    """The report of a file that could not be read: readable false and one finding with the reason."""
    finding = Finding(rule, "error", reason, None, None, "file", None)
    return Report(file=str(path), template=None, template_version=None, readable=False, completeness=0.0,
                  sections=_sections({}, [finding], False), findings=[finding], results=None)


def validate_workbook(path: str | Path, select: Iterable[str] | None = None,
                      ignore: Iterable[str] | None = None) -> Report:
    """Validate one workbook; the file is only read, never modified.

    Args:
        path: the .xlsx or .xlsm file.
        select: rule codes or prefixes to run (all when None).
        ignore: rule codes or prefixes to leave out.

    Returns:
        The report. A file that cannot be opened gives readable False and one XC001 finding
        with the reason; an unexpected failure while reading gives readable False and XC000.
    """
    return review_workbook(path, select, ignore)[0]


def review_workbook(path: str | Path, select: Iterable[str] | None = None,
                    ignore: Iterable[str] | None = None) -> tuple[Report, Case | None]:
    """validate_workbook's report, with the case as read (None when the file could not be read)."""
    from xlcase.reader import read_workbook

    try:
        submission = read_workbook(path)
    except MemoryError:  # over the memory budget of a batch: the worker reports it (XC008)
        raise
    except UnreadableWorkbookError as exc:
        return unreadable_report(path, f"the file cannot be read as an Excel workbook: {exc.message}"), None
    except Exception as exc:  # a hostile or damaged file that trips the reader: report it, go on
        return unreadable_report(path, f"the file could not be read ({type(exc).__name__}: {exc}); if it opens "
                                 "in Excel, please report this to the xlcase maintainers", INTERNAL_ERROR), None
    report = review_report(Review.from_submission(submission), select, ignore)
    report.file = str(path)
    return report, submission.case


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders replaced by every .xlsx/.xlsm below them, sorted (Excel lock files ~$ skipped)."""
    out: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            found = [f for f in p.rglob("*") if f.suffix.lower() in WORKBOOK_SUFFIXES and f.is_file()
                     and not f.name.startswith("~$")]
            out.extend(sorted(found))
        else:
            out.append(p)
    return out


def stopped_report(path: str | Path, stopped: Stopped) -> Report:
    """The report of a file whose check did not finish: over the batch's budget (XC008), or it failed (XC000)."""
    if stopped.over_budget:
        return unreadable_report(path, f"the file was not checked: it {stopped.reason}; a workbook within the "
                                 "size limits needs far less, so it may be damaged or built to be slow: open it in "
                                 "Excel and save it again, or give it a larger budget (--timeout, --max-memory)",
                                 OVER_BUDGET_RULE)
    return unreadable_report(path, f"the file could not be checked: {stopped.reason}; validate this file on its "
                             "own to see why, and if it opens in Excel, please report this to the xlcase "
                             "maintainers", INTERNAL_ERROR)


def check_files(task: Callable[[Item], Outcome], work: Sequence[Item], *, stopped: Callable[[Item, Stopped], Outcome],
                jobs: int = 1, budget: Budget | None = None,
                done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """``task(item)`` for each item of a batch, each under a time and memory budget.

    Every item runs in a worker process under ``budget`` (the default budget when None), except a lone
    item with no budget given, which runs in this process (one file on its own is not a batch left
    unattended, and it starts faster).

    Args:
        task: a module-level function (workers receive it by name).
        work: the items, one per file.
        stopped: the outcome of an item whose task did not finish (over budget, or failed).
        jobs: worker processes (0 means one per CPU).
        budget: time and memory per item.
        done: called with each outcome as it is made (in the order the items end).

    Returns:
        The outcomes, in the order of ``work``.
    """
    def outcome_of(index: int, result: Any) -> Outcome:
        return stopped(work[index], result) if isinstance(result, Stopped) else result

    if budget is None and len(work) == 1:
        try:
            result = answer(task, work[0])
        except MemoryError:
            result = Stopped("needed more memory than this process may use", True)
        results = [outcome_of(0, result)]
        if done:
            done(results[0])
        return results
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    return [outcome_of(i, r) for i, r in enumerate(run_budgeted(
        task, work, budget=budget or Budget(), jobs=jobs, warm=warm_worker,
        done=(lambda i, r: done(outcome_of(i, r))) if done else None))]


def warm_worker() -> None:
    """Import and load what validating a file needs (template, rules, reference data), before any file."""
    from xlcase.reader import read_workbook  # imported here for its start-up cost

    validate_case(Case())


def _validate_one(args: tuple[str, list[str] | None, list[str] | None]) -> Report:
    path, select, ignore = args
    return validate_workbook(path, select, ignore)


def validate_paths(paths: Sequence[str | Path], jobs: int = 1, select: Iterable[str] | None = None,
                   ignore: Iterable[str] | None = None, progress: Callable[[Report], None] | None = None,
                   budget: Budget | None = None) -> list[Report]:
    """Validate files and folders; one report per workbook, in the order given (folders sorted).

    A batch runs in worker processes, each file under a time and memory budget: a file past it is
    reported unreadable (XC008) with the reason, and the others go on (see `check_files`).

    Args:
        paths: files and folders.
        jobs: worker processes (0 means one per CPU).
        select: rule codes or prefixes to run.
        ignore: rule codes or prefixes to leave out.
        progress: called with each report as it is made (in the order the files end).
        budget: time and memory per file (the default Budget when None; a lone file with none runs in
            this process).

    Returns:
        The reports.
    """
    files = [str(p) for p in expand_paths(paths)]
    select = list(select) if select is not None else None
    ignore = list(ignore) if ignore is not None else None
    return check_files(_validate_one, [(f, select, ignore) for f in files], jobs=jobs, budget=budget,
                       stopped=lambda item, why: stopped_report(item[0], why), done=progress)


def batch_dict(reports: Sequence[Report]) -> dict[str, Any]:
    """Several files: ``{"files": [report, ...], "summary": {"files", "valid", "invalid", "unreadable"}}``."""
    return {"files": [r.to_dict() for r in reports], "summary": batch_summary(reports)}


def batch_summary(reports: Sequence[Report]) -> dict[str, int]:
    """Counts: files, valid, invalid (readable with an error finding), unreadable."""
    return {
        "files": len(reports),
        "valid": sum(r.valid for r in reports),
        "invalid": sum(r.readable and not r.valid for r in reports),
        "unreadable": sum(not r.readable for r in reports),
    }


def exit_status(reports: Sequence[Report]) -> int:
    """0 no error findings; 1 some error finding; 2 some file unreadable."""
    if any(not r.readable for r in reports):
        return 2
    return 1 if any(not r.valid for r in reports) else 0


__all__ = [
    "Report", "SectionStatus", "batch_dict", "batch_summary", "exit_status", "expand_paths", "selected",
    "sort_findings", "validate_case", "validate_paths", "validate_workbook",
]
