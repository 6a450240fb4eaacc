"""XC0xx: the file itself: can it be read, which template made it, what the reader could not read."""

from __future__ import annotations

from collections.abc import Iterator

from xlcase.findings import Finding
from xlcase.review import Review
from xlcase.rules import FindingMaker, rule
from xlcase.template import available_templates
from xlcase.text import listed, shown, shown_id


def passed_through(review: Review, code: str) -> Iterator[Finding]:
    """The reader's own findings of one code (the reader makes them; the registry documents them)."""
    return (p for p in review.problems if p.rule == code)


@rule("XC000", "internal-error", "error", "file")
def internal_error(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: nothing by itself; a rule that failed while checking the file, or a workbook whose
    values the reader could not make into a business case, is reported under this code instead of stopping
    the validation.

    Why a reviewer cares: the other findings are still complete, but the failed check was not done, so the
    file has not been fully checked.

    How to fix: nothing to change in the workbook; report the message to the xlcase maintainers.
    """
    return passed_through(review, "XC000")


@rule("XC001", "unreadable-file", "error", "file")
def unreadable_file(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the file can be opened as an .xlsx workbook (not a zip, encrypted, damaged,
    too large, or hostile XML all fail).

    Why a reviewer cares: nothing in the file can be checked, so it cannot be approved as submitted.

    How to fix: open the file in Excel, remove any password, and save it as an Excel Workbook (.xlsx).
    """
    return iter(())  # produced by xlcase.validation when the file cannot be opened


@rule("XC002", "unknown-template", "error", "file")
def unknown_template(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the workbook records that it was made from an installed xlcase template, and
    from the installed version of it (another version of a known template is a warning).

    Why a reviewer cares: the checks find every value by the template's table and cell names; a
    workbook from another template or version may be read wrongly or incompletely.

    How to fix: copy the figures into a workbook made with `xlcase new` (or `xlcase templates` to see
    which templates and versions are installed).
    """
    if review.package is None:
        return
    name, version = review.template_name, review.template_version
    installed = {t.name: t.version for t in available_templates()}
    if name is None:
        yield finding("the workbook does not say which xlcase template it was made from: it may not be an "
                     "xlcase business case, so values may be missing or read from the wrong cells")
    elif name not in installed:
        yield finding(f"the workbook was made from the template {shown(name)}, which is not installed (installed: "
                     f"{', '.join(sorted(installed))}); it was read as {review.template.name!r}", value=name)
    elif version != installed[name]:
        differences = listed(structural_differences(review), sep="; ") or "no table, column or named cell differs"
        yield finding(f"the workbook was made from version {shown_id(version) if version else '(none)'} of the "
                     f"template {name!r}; the installed version is {installed[name]}, so some values may be read "
                     f"differently (what differs: {differences})", value=version, severity="warning")


def structural_differences(review: Review) -> list[str]:
    """Tables, columns and named cells of the installed template that the workbook lacks, and extra columns."""
    package = review.package
    out: list[str] = []
    for table in review.template.tables.values():
        found = package.table(table.name)
        if found is None:
            out.append(f"no {table.name} table")
            continue
        wanted = {h.casefold() for h in table.headers(0, inputs_only=False)}
        have = {c.casefold() for c in found.columns if not c.casefold().startswith("year ")}
        out += [f"{table.name} has no column {h!r}" for h in sorted(wanted - have)]
        out += [f"{table.name} has an extra column {shown(h)}" for h in sorted(have - wanted)]
    out += [f"no named cell {name}" for name in review.template.fields if package.resolve(name) is None]
    return out


@rule("XC003", "missing-table-or-cell", "error", "file")
def missing_table_or_cell(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every table, column and named input cell of the template is still in the workbook.

    Why a reviewer cares: a deleted or renamed table or input cell means its values cannot be read, so
    the case is incomplete and the appraisal may be wrong.

    How to fix: undo the deletion or renaming (table names are under Table Design > Table Name; named
    cells under Formulas > Name Manager), or copy the figures into a fresh workbook.
    """
    return passed_through(review, "XC003")


@rule("XC004", "merged-cells-in-table", "warning", "file")
def merged_cells(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no cells are merged across a data table.

    Why a reviewer cares: only the first cell of a merged range holds a value, so the others read as
    empty.

    How to fix: select the merged cells and choose Merge & Center > Unmerge Cells, then fill each cell.
    """
    return passed_through(review, "XC004")


@rule("XC005", "macros-or-external-links", "warning", "file")
def macros_or_links(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: the workbook holds no macros and no links to other workbooks.

    Why a reviewer cares: macros are never run or kept by xlcase, and a linked value is whatever was
    last saved from another file, which the reviewer cannot see or check.

    How to fix: save as .xlsx (without macros) and replace external links with the values or with
    inputs in this workbook (Data > Edit Links > Break Link).
    """
    package = review.package
    if package is None:
        return
    for warning in package.warnings:
        yield finding(f"{warning}", value=None)


@rule("XC006", "table-rows-limited", "warning", "file")
def table_rows_limited(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: no data table holds more rows than xlcase reads (20,000 rows with values, twice the
    largest real cases).

    Why a reviewer cares: the rows past the limit were not read, so their costs, benefits or risks are
    missing from the appraisal and from every other check.

    How to fix: remove rows that do not belong to the business case (pasted data, totals copied down),
    or split the case; a table declared far beyond its last row costs nothing and is not reported.
    """
    return passed_through(review, "XC006")


@rule("XC009", "lines-below-table", "warning", "file")
def lines_below_table(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: nothing is typed in the rows directly below a data table, outside the table's range
    (after the sheet was unprotected).

    Why a reviewer cares: the workbook's formulas, `xlcase validate` and `xlcase export` read a table by its
    range, so a cost, benefit or risk typed below it counts nowhere: the case silently leaves it out.

    How to fix: insert rows inside the table (select a row of the table, then Excel: Insert > Table Rows
    Above; LibreOffice Calc: Sheet > Insert Rows > Rows Above), or use its spare rows, and move the lines
    there; then clear the cells below the table.
    """
    return passed_through(review, "XC009")


@rule("XC007", "part-not-read", "warning", "file")
def part_not_read(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: every sheet, table and part the workbook names could be read (a veryHidden legacy
    sheet without a part, a relationship to a part that is missing, a part named twice, merged ranges or
    relationships past xlcase's limits are not).

    Why a reviewer cares: what was not read was not checked; the rest of the workbook was, and each
    finding says what was left out and why.

    How to fix: open the workbook in Excel and save it again (Excel repairs or drops damaged parts), and
    delete sheets that no longer belong to the business case.
    """
    return passed_through(review, "XC007")


@rule("XC008", "over-budget", "error", "file")
def over_budget(review: Review, finding: FindingMaker) -> Iterator[Finding]:
    """What it checks: in a batch (`xlcase validate` of several files, `xlcase collect`), each file is read
    and checked within its budget: 60 seconds and 2 GB of memory unless `--timeout` and `--max-memory` say
    otherwise.

    Why a reviewer cares: a file that needs more is stopped so that the rest of the batch finishes; nothing
    in it was checked, so it cannot be approved as submitted. A workbook within the size limits needs well
    under a second and a few hundred MB, so such a file is damaged or built to be slow.

    How to fix: open the file in Excel and save it again as an Excel Workbook (.xlsx), removing what it
    does not need (tables stretched to the last row of the sheet, very long text); or validate it with a
    larger `--timeout` or `--max-memory`.
    """
    return iter(())  # produced by xlcase.validation when a worker is stopped
