"""Validation: one workbook (or many) in, one report per file out, the file never modified.

`validate_workbook` reads a workbook defensively, runs the rules and the appraisal and returns a
`Report` whose `to_dict()` is the JSON contract of DESIGN.md. A file that cannot be opened gives a
report of its own (readable false, one XC001 finding), never an exception. `validate_paths` does
the same for files and folders, in a process pool when asked, and one hostile file never stops
the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlcase.errors import UnreadableWorkbookError
from xlcase.findings import Finding
from xlcase.model import Case
from xlcase.review import Review
from xlcase.rules import INTERNAL_ERROR, SECTIONS, run_rules, selected, sort_findings

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
UNREADABLE_RULE = "XC001"


@dataclass(frozen=True)
class SectionStatus:
    """One section of the business case in a report.

    ``score`` is the completeness of the section's required inputs (0-1, as on the Checks sheet; 1 for
    sections with nothing to fill, such as appraisal); ``complete`` means score 1 and no error findings.
    """

    name: str
    complete: bool
    score: float
    findings: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "complete": self.complete, "score": self.score, "findings": self.findings}


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


def _sections(scores: dict[str, float], findings: list[Finding], readable: bool) -> list[SectionStatus]:
    out = []
    for name in SECTIONS:
        mine = [f for f in findings if f.section == name]
        score = scores.get(name, 1.0) if readable else 0.0
        errors = any(f.severity == "error" for f in mine)
        out.append(SectionStatus(name, readable and score >= 1.0 and not errors, round(score, 6), len(mine)))
    return out


def review_report(review: Review, select: Iterable[str] | None = None,
                  ignore: Iterable[str] | None = None) -> Report:
    """Run the rules and the appraisal on a review and build its report."""
    from xlcase.completeness import overall, section_scores

    findings = run_rules(review, select, ignore)
    scores = section_scores(review.case, review.template)
    appraisal = review.appraisal
    results = None
    if appraisal is not None:
        data = appraisal.to_dict()
        results = {"assumptions": data["assumptions"], "options": data["options"], "sensitivity": data["sensitivity"],
                   "do_nothing": appraisal.do_nothing_id, "preferred": appraisal.preferred_id}
    return Report(
        file=str(review.path) if review.path is not None else None,
        template=review.template_name,
        template_version=review.template_version,
        readable=True,
        completeness=round(overall(scores), 6),
        sections=_sections(scores, findings, True),
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


def _validate_one(args: tuple[str, list[str] | None, list[str] | None]) -> Report:
    path, select, ignore = args
    try:
        return validate_workbook(path, select, ignore)
    except Exception as exc:  # never let one file stop a batch
        return unreadable_report(path, f"validation failed ({type(exc).__name__}: {exc})", INTERNAL_ERROR)


def validate_paths(paths: Sequence[str | Path], jobs: int = 1, select: Iterable[str] | None = None,
                   ignore: Iterable[str] | None = None,
                   progress: Callable[[Report], None] | None = None) -> list[Report]:
    """Validate files and folders; one report per workbook, in the order given (folders sorted).

    Args:
        paths: files and folders.
        jobs: worker processes; above 1 a process pool is used (0 means one per CPU).
        select: rule codes or prefixes to run.
        ignore: rule codes or prefixes to leave out.
        progress: called with each report as it is made.

    Returns:
        The reports.
    """
    files = [str(p) for p in expand_paths(paths)]
    select = list(select) if select is not None else None
    ignore = list(ignore) if ignore is not None else None
    work = [(f, select, ignore) for f in files]
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    reports: list[Report] = []
    if jobs == 1 or len(files) <= 1:
        for item in work:
            reports.append(_validate_one(item))
            if progress:
                progress(reports[-1])
        return reports
    chunk = max(1, min(32, len(work) // (jobs * 4)))
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
            for report in pool.map(_validate_one, work, chunksize=chunk):
                reports.append(report)
                if progress:
                    progress(report)
    except Exception as exc:  # a worker died (killed, out of memory): report the files it did not finish
        for path, _, _ in work[len(reports):]:
            reports.append(unreadable_report(path, f"a validation worker stopped ({type(exc).__name__}); "
                                             "validate this file on its own to see why", INTERNAL_ERROR))
            if progress:
                progress(reports[-1])
    return reports


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
