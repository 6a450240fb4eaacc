"""XC1xx: fields and types: required inputs filled, values of the right type."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.completeness import filled
from xlcase.findings import Finding
from xlcase.model import value_at
from xlcase.review import Review
from xlcase.rules import FindingMaker, covered_paths, rule
from xlcase.rules.file import passed_through



@rule("XC101", "required-empty", "error", "file")
def required_empty(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every required input cell is filled, every required table has at least one row,
    and every row present has each required column filled.

    Why a reviewer cares: an approval panel needs every element of the guidance; an empty required value
    means part of the case has not been made.

    How to fix: fill the cell named in the finding (required cells are listed on the Checks sheet). A
    value that a more specific rule checks (a stakeholder's role, a risk's owner, ...) is reported by that
    rule instead.
    """
    covered = covered_paths()
    template, case = review.template, review.case
    for sheet in template.sheets:
        for block in sheet.blocks:
            for f in block.fields:
                if not f.required or f.key in covered or filled(value_at(case, f.key)):
                    continue
                path = tuple(f.key.split("."))
                if review.reported(*path):
                    continue
                yield finding(f"{f.label} is required but empty", *path, section=sheet.section or "file")
            table = block.table
            if table is None:
                continue
            path = tuple(table.key.split("."))
            items = list(value_at(case, table.key))
            if not items:
                if table.required and f"{table.key}[]" not in covered:
                    yield finding(f"the {table.name} table is required but has no rows", *path,
                                 section=table.section)
                continue
            for column in table.inputs:
                if not column.required or column.key == "." or f"{table.key}[].{column.key}" in covered:
                    continue
                for i, item in enumerate(items):
                    if filled(getattr(item, column.key)):
                        continue
                    if review.reported(*path, i, column.key):
                        continue
                    yield finding(f"{column.header} is required but empty in row {i + 1} of the {table.name} "
                                 "table", *path, i, column.key, section=table.section)


@rule("XC102", "wrong-type", "error", "file")
def wrong_type(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: each value has the type its cell asks for: a number in a money cell, a date in a
    date cell, a choice from the drop-down list, a score from 1 to 5.

    Why a reviewer cares: a value of the wrong type cannot be used: text in a money cell drops out of the
    totals and the appraisal.

    How to fix: retype the value as the finding describes (e.g. 45000, not "45k"; pick from the list).
    """
    return passed_through(review, "XC102")


@rule("XC103", "number-as-text", "warning", "file")
def number_as_text(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: numbers and dates are stored as numbers and dates, not as text ("£1,234",
    "01/04/2027" typed into a text-formatted cell).

    Why a reviewer cares: xlcase reads the text as the number shown, but Excel's own formulas (the
    Results sheet) treat it as zero, so the workbook and the review disagree.

    How to fix: retype the value in a cell formatted as a number or date (or use Data > Text to Columns).
    """
    return passed_through(review, "XC103")


@rule("XC104", "error-value", "error", "file")
def error_value(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no input cell holds an error value (#REF!, #VALUE!, #N/A, #DIV/0!, ...).

    Why a reviewer cares: the value is unknown, and an error spreads to every total that uses it.

    How to fix: correct the formula in the cell, or type the value in.
    """
    return passed_through(review, "XC104")


@rule("XC105", "formula-without-result", "warning", "file")
def formula_without_result(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: a formula typed into an input cell has a saved result that can be read.

    Why a reviewer cares: without a saved result the value is unknown to the review.

    How to fix: open the workbook in Excel and save it (Excel saves each formula's result), or type the value.
    """
    return passed_through(review, "XC105")
