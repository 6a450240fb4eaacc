"""The library's front door: one function per thing a user does, used by the CLI and xlcase.excel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xlcase.atomic import write_text_atomically
from xlcase.casefile import dump_case, load_case
from xlcase.findings import Finding
from xlcase.model import Case
from xlcase.reader import Submission, read_workbook
from xlcase.template import DEFAULT_TEMPLATE

if TYPE_CHECKING:  # the engine (numpy) is imported by the functions that appraise: `new` never needs it
    from xlcase.appraisal import Appraisal
    from xlcase.financial import Affordability
    from xlcase.paper.build import Inputs


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
    from xlcase.appraisal import appraise
    from xlcase.cached_results import cached_result_findings
    from xlcase.financial import affordability

    submission = read_workbook(workbook)
    appraisal = appraise(submission.case)
    findings = (*submission.problems, *cached_result_findings(submission, appraisal))
    return Recalculation(submission, appraisal, affordability(submission.case), tuple(findings))


PAPER_FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}
CASE_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def paper_format(output: str | Path) -> str:
    """The paper's format from its file name: docx, html or markdown.

    Raises:
        BadInputError: the name does not end .docx, .html (.htm) or .md (.markdown).
    """
    from xlcase.errors import BadInputError

    fmt = PAPER_FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        raise BadInputError("the paper's file name must end .docx, .html or .md (its format follows the name)",
                            location=str(output))
    return fmt


def paper_inputs(source: str | Path, *, with_findings: bool = False) -> Inputs:
    """What the paper of a workbook or a case file is made from: the case as read, its appraisal, its template.

    A case file (.yaml, .yml, .json) is read with `load_case`; anything else is read as a workbook.

    Raises:
        CaseFileError: the case file does not parse or has a value of the wrong type.
        UnreadableWorkbookError: the file cannot be read as a workbook (XC001).
    """
    import xlcase
    from xlcase.appraisal import appraise
    from xlcase.paper.build import Inputs
    from xlcase.review import Review
    from xlcase.validation import review_report

    source = Path(source)
    if source.suffix.lower() in CASE_FILE_SUFFIXES:
        review = Review.from_case(load_case(source))
    else:
        review = Review.from_submission(read_workbook(source))
    appraisal = review.appraisal or appraise(review.case)  # appraise again only to raise what stopped it
    findings = tuple(review_report(review).findings) if with_findings else None
    return Inputs(review.case, appraisal, review.template, source.name, review.template_version, findings,
                  f"xlcase {xlcase.__version__}")


def write_paper(source: str | Path, output: str | Path | None = None, *, force: bool = False,
                with_findings: bool = False) -> list[Path]:
    """Write the business case paper of a workbook or case file: Word, HTML or Markdown, by ``output``'s suffix.

    Args:
        source: a workbook (.xlsx), or a case file (.yaml, .yml, .json).
        output: the paper; by default ``source`` with .docx in place of its suffix, beside it.
        force: replace existing files.
        with_findings: append the validation findings (rule, severity, where, message).

    Returns:
        The files written: the paper, then (Markdown only) its figures as PNG files beside it.

    Raises:
        BadInputError: the output's name does not end .docx, .html or .md.
        CaseFileError: the case file does not parse or has a value of the wrong type.
        UnreadableWorkbookError: the source cannot be read as a workbook (XC001).
        OutputExistsError: an output exists and ``force`` is false.
        OutputError: an output would replace the source, or is not a regular file, or cannot be written.
    """
    from xlcase.atomic import atomic_outputs, check_output
    from xlcase.paper.build import build_paper

    source = Path(source)
    output = Path(output) if output is not None else source.with_suffix(".docx")
    fmt = paper_format(output)
    check_output(output, force=force, inputs=[source])  # before the work, as well as at the write
    document = build_paper(paper_inputs(source, with_findings=with_findings))
    if fmt == "docx":
        from xlcase.paper.docx import render_docx

        with atomic_outputs([output], force=force, inputs=[source]) as (tmp,):
            render_docx(document, tmp)
        return [output]
    if fmt == "html":
        from xlcase.paper.html import render_html

        write_text_atomically(output, render_html(document), force=force, inputs=[source])
        return [output]
    from xlcase.paper.markdown import figure_name, render_markdown

    figures = document.figures()
    paths = [output, *(output.with_name(figure_name(output.stem, f.number)) for f in figures)]
    with atomic_outputs(paths, force=force, inputs=[source]) as temporaries:
        temporaries[0].write_text(render_markdown(document, output.stem), encoding="utf-8")
        for tmp, figure in zip(temporaries[1:], figures):
            tmp.write_bytes(figure.png)
    return paths
