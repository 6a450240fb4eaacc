"""The library's front door: one function per thing a user does, used by the CLI and xlcase.excel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlcase.appraisal import Appraisal, appraise
from xlcase.financial import Affordability
from xlcase.atomic import write_text_atomically
from xlcase.casefile import dump_case, load_case
from xlcase.findings import Finding
from xlcase.model import Case
from xlcase.reader import Submission, read_workbook
from xlcase.template import DEFAULT_TEMPLATE


def new_workbook(out: str | Path, *, case_file: str | Path | None = None, case: Case | None = None,
                 template: str = DEFAULT_TEMPLATE, force: bool = False) -> Path:
    """Write a blank workbook, or one pre-filled from a case file or a Case.

    Raises:
        CaseFileError: the case file does not parse or has a value of the wrong type.
        OutputExistsError: ``out`` exists and ``force`` is false.
        OutputError: ``out`` is the case file, or not a regular file, or cannot be written.
    """
    from xlcase.atomic import check_output
    from xlcase.writer import write_workbook

    inputs = [case_file] if case_file is not None else []
    check_output(out, force=force, inputs=inputs)  # before the work, as well as at the write
    if case is None:
        case = load_case(case_file) if case_file is not None else Case()
    return write_workbook(case, out, template=template, force=force, inputs=inputs)


@dataclass(frozen=True)
class Export:
    """A workbook's case as case-file text, and the values that could not be read into it."""

    text: str
    problems: tuple[Finding, ...]


def export_case(workbook: str | Path, output: str | Path | None = None, *, force: bool = False) -> Export:
    """The workbook's case as case-file text (JSON when ``output`` ends .json); written to ``output`` if given.

    Values the reader could not take (text in a money cell, a score of 7) are left out of the case
    and returned as problems, with their cells, so nothing is dropped silently.
    """
    submission = read_workbook(workbook)
    fmt = "json" if output is not None and str(output).lower().endswith(".json") else "yaml"
    text = dump_case(submission.case, fmt)
    if output is not None:
        write_text_atomically(output, text, force=force, inputs=[workbook])
    return Export(text, tuple(submission.problems))


@dataclass(frozen=True)
class Recalculation:
    """The engine's appraisal of a workbook's inputs, values that could not be read, and saved results that
    disagree with the engine (XC701)."""

    submission: Submission
    appraisal: Appraisal
    affordability: Affordability
    findings: tuple[Finding, ...]


def recalc_workbook(workbook: str | Path) -> Recalculation:
    """Appraise the inputs typed into a workbook (the economic and the financial case) and compare its saved
    formula results with the engine."""
    from xlcase.cached_results import cached_result_findings
    from xlcase.financial import affordability

    submission = read_workbook(workbook)
    appraisal = appraise(submission.case)
    findings = (*submission.problems, *cached_result_findings(submission, appraisal))
    return Recalculation(submission, appraisal, affordability(submission.case), tuple(findings))
