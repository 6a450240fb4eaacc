"""The library's front door: one function per thing a user does, used by the CLI and xlcase.excel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlcase.appraisal import Appraisal, appraise
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
    """
    from xlcase.writer import write_workbook

    if case is None:
        case = load_case(case_file) if case_file is not None else Case()
    return write_workbook(case, out, template=template, force=force)


def export_case(workbook: str | Path, output: str | Path | None = None, *, force: bool = False) -> str:
    """The workbook's case as case-file text (JSON when ``output`` ends .json); written to ``output`` if given."""
    case = read_workbook(workbook).case
    fmt = "json" if output is not None and str(output).lower().endswith(".json") else "yaml"
    text = dump_case(case, fmt)
    if output is not None:
        write_text_atomically(output, text, force=force, inputs=[workbook])
    return text


@dataclass(frozen=True)
class Recalculation:
    """The engine's appraisal of a workbook's inputs, and where its saved results disagree (XC701)."""

    submission: Submission
    appraisal: Appraisal
    findings: tuple[Finding, ...]


def recalc_workbook(workbook: str | Path) -> Recalculation:
    """Appraise the inputs typed into a workbook and compare its saved formula results with the engine."""
    from xlcase.cached_results import cached_result_findings

    submission = read_workbook(workbook)
    appraisal = appraise(submission.case)
    return Recalculation(submission, appraisal, tuple(cached_result_findings(submission, appraisal)))
