"""The scripts ("Validate workbook", "Recalculate with xlcase"): the open workbook read as a file, results on a sheet.

Each script is two steps, so that xlwings Server can run the first in a worker process
(``xlcase.server``): the rows of its sheet, computed from the book alone (``SHEET_SCRIPTS``), then
writing them. A problem with the workbook, or a bug, is a row on the sheet, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import xlwings as xw
from xlwings import script

from xlcase.appraisal import ASSUMPTION_KEYS, appraise
from xlcase.errors import XlcaseError
from xlcase.excel.convert import MAX_LISTED_FINDINGS, short, unlisted
from xlcase.excel.tables import book_findings, book_submission
from xlcase.text import starts_formula

logger = logging.getLogger(__name__)

VALIDATION_SHEET = "Validation"
RESULTS_SHEET = "Engine results"
BOOK_FINDING_HEADERS = ["Rule", "Severity", "Section", "Sheet", "Cell", "Message"]
RESULTS_TITLE = "xlcase engine results (Green Book); present values in pounds, real prices"
BOOK_DOC = "Leave empty: the workbook that runs the script."

Rows = list[list[Any]]


def validation_rows(book: Any) -> Rows:
    """The Validation sheet: every rule's finding on the book, with its section, sheet and cell."""
    findings = book_findings(book)
    rows: Rows = [list(BOOK_FINDING_HEADERS)]
    rows += [[f.rule, f.severity, f.section, f.sheet or "", f.cell or "", f.message]
             for f in findings[:MAX_LISTED_FINDINGS]]
    if len(findings) > MAX_LISTED_FINDINGS:
        rows.append(["", "info", "", "", "", unlisted(len(findings) - MAX_LISTED_FINDINGS)])
    if not findings:
        rows.append(["", "ok", "", "", "", "no findings: the business case passes every check"])
    return rows


def engine_result_rows(book: Any) -> Rows:
    """The Engine results sheet: the assumptions, then each option's figures, as the engine computes them."""
    submission = book_submission(book)
    appraisal = appraise(submission.case)
    columns = submission.template.results.columns  # the Results table's columns, as the workbook has them
    assumptions = [cell for key in ASSUMPTION_KEYS
                   for cell in (key.replace("_", " ").capitalize(), appraisal.assumptions.get(key))]
    rows: Rows = [[RESULTS_TITLE], assumptions, [c.header for c in columns]]
    for option in appraisal.options:
        rows.append([_plain(option.figure(c.figure)) for c in columns])
    return rows


def _plain(value: Any) -> Any:
    """A figure as a cell takes it: None stays None (an empty cell), a numpy float a Python float."""
    return float(value) if isinstance(value, float) else value


def sheet_rows(build: Callable[[Any], Rows], book: Any) -> Rows:
    """The rows ``build`` makes from the book; a problem with the book, or a bug, as a finding row instead."""
    try:
        return build(book)
    except XlcaseError as error:
        return [list(BOOK_FINDING_HEADERS), [error.code, "error", "file", "", "", short(error.message)]]
    except Exception as error:  # a bug must not stop the script with a traceback
        logger.exception("xlcase script step %s failed", build.__name__)
        return problem_rows(f"unexpected error ({type(error).__name__}); see the log")


def problem_rows(message: str) -> Rows:
    """A sheet saying that the script could not do its work, and why."""
    return [list(BOOK_FINDING_HEADERS), ["", "error", "", "", "", short(f"xlcase: {message}")]]


def write_sheet(book: Any, name: str, rows: Rows) -> None:
    """Put the rows on the sheet ``name`` (emptied, or added at the end), as values, and show it."""
    sheet = _fresh_sheet(book, name)
    sheet["A1"].value = _as_values(rows)
    sheet.activate()


def _fresh_sheet(book: Any, name: str) -> Any:
    """The sheet called ``name``, emptied, or a new one at the end of the book."""
    for sheet in book.sheets:
        if sheet.name.casefold() == name.casefold():
            sheet.clear_contents()
            return sheet
    return book.sheets.add(name=name, after=book.sheets[len(book.sheets) - 1])


def _as_values(rows: Rows) -> Rows:
    """Rows for a range's .value, all as wide as the widest (a range is a rectangle), None as empty. Excel
    enters text starting with = + - @ as a formula, so such text gets the leading apostrophe that tells Excel
    it is text (workbook text is untrusted)."""
    width = max(len(row) for row in rows)
    return [["'" + v if starts_formula(v) else ("" if v is None else v)
             for v in row] + [""] * (width - len(row)) for row in rows]


def _document_book(script_function: Callable[..., Any]) -> Callable[..., Any]:
    """Describe the book parameter in Excel's function wizard (classic add-in only: ``@arg`` on a script would
    make xlwings Server list the script as a function)."""
    registered = getattr(script_function, "__xlfunc__", None)
    if registered is not None:
        registered["argmap"]["book"]["doc"] = BOOK_DOC
    return script_function


def _fill(book: xw.Book | None, name: str, build: Callable[[Any], Rows]) -> None:
    book = book if book is not None else xw.Book.caller()
    write_sheet(book, name, sheet_rows(build, book))


@_document_book
@script(name="Validate workbook")
def validate_book_script(book: xw.Book | None = None) -> None:
    """Validate the whole workbook with every xlcase rule and list the findings on a Validation sheet."""
    _fill(book, VALIDATION_SHEET, validation_rows)


@_document_book
@script(name="Recalculate with xlcase")
def recalc_book_script(book: xw.Book | None = None) -> None:
    """Recalculate the appraisal with the xlcase engine from the workbook's inputs and write it to a sheet."""
    _fill(book, RESULTS_SHEET, engine_result_rows)


SCRIPTS: tuple[Callable[..., Any], ...] = (validate_book_script, recalc_book_script)
# Each script's sheet and the step that computes its rows from the book alone (run in a worker by xlcase serve).
SHEET_SCRIPTS: dict[str, tuple[str, Callable[[Any], Rows]]] = {
    validate_book_script.__name__: (VALIDATION_SHEET, validation_rows),
    recalc_book_script.__name__: (RESULTS_SHEET, engine_result_rows),
}
