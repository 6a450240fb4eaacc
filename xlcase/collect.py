"""Many submitted business cases in one portfolio: a row per case, and long tables of costs and benefits.

`collect_portfolio` reads each workbook once (defensively, never modifying it), validates it, and writes
either an .xlsx portfolio (Excel Tables `Cases`, `Costs`, `Benefits` on sheets of the same names) or,
for CSV, three files `cases.csv`, `costs.csv` and `benefits.csv` in the folder named by the output.
Cost and benefit tables are long: one row per line per year with a non-zero amount (the cost lines the
workforce plan generates included), each row carrying
the case number and file, so a pivot table sums them by case, option, category or year. Text from the
workbooks is always written as text, never as a formula, also in the CSV files (see `_csv_safe`).
Each workbook is read in a worker process under a time and memory budget, as `xlcase validate` does, so one
hostile file is reported (XC008) and the portfolio is still written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlcase.atomic import atomic_output, atomic_outputs, check_output
from xlcase.budget import Budget
from xlcase.errors import BadInputError, OutputError, XlcaseError
from xlcase.model import Case
from xlcase.template import load_template
from xlcase.text import financial_year
from xlcase.validation import Report, check_files, expand_paths, review_workbook, stopped_report
from xlcase.workforce import generated_lines

# A portfolio column that shows a column of the case workbook is headed as the template heads it.
_TEMPLATE = load_template()
_COSTS, _BENEFITS, _RESULTS = _TEMPLATE.table("costs"), _TEMPLATE.table("benefits"), _TEMPLATE.results
_ORGANISATION = _TEMPLATE.field("organisation").label
_YEAR = _COSTS.year_column.header if _COSTS.year_column else "Year index"
_FINANCIAL_YEAR = _TEMPLATE.appraisal.axis.financial_year
_NPV, _BCR = _RESULTS.header("npv_vs_do_nothing"), _RESULTS.header("bcr")
CASE_HEADERS = ("Case", _ORGANISATION, "Title", "Preferred option", "Preferred option name", _NPV, _BCR,
                "Payback year", "Completeness", "Errors", "Warnings", "Status", "File")
COST_HEADERS = ("Case", _ORGANISATION, "Title", *(_COSTS.header(k) for k in ("option", "category", "description")),
                _YEAR, _FINANCIAL_YEAR, "Amount", "File")
BENEFIT_HEADERS = ("Case", _ORGANISATION, "Title",
                   *(_BENEFITS.header(k) for k in ("option", "beneficiary", "category", "description", "measure")),
                   _YEAR, _FINANCIAL_YEAR, "Amount", "File")
CASES_SHEET = "Cases"
CSV_FILES = {CASES_SHEET: "cases.csv", _COSTS.name: "costs.csv", _BENEFITS.name: "benefits.csv"}
_WIDE = frozenset({"Title", _COSTS.header("description"), _BENEFITS.header("measure"), "File"})


@dataclass
class Portfolio:
    """The three tables of a portfolio, as rows of plain values."""

    cases: list[list[Any]] = field(default_factory=list)
    costs: list[list[Any]] = field(default_factory=list)
    benefits: list[list[Any]] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    def tables(self) -> dict[str, tuple[Sequence[str], list[list[Any]]]]:
        return {CASES_SHEET: (CASE_HEADERS, self.cases), _COSTS.name: (COST_HEADERS, self.costs),
                _BENEFITS.name: (BENEFIT_HEADERS, self.benefits)}


def build_portfolio(paths: Iterable[str | Path], budget: Budget | None = None) -> Portfolio:
    """Read and validate every workbook (folders expanded) into the portfolio's tables.

    Args:
        paths: workbooks and folders of workbooks.
        budget: time and memory per workbook (see xlcase.validation.check_files).

    Raises:
        BadInputError: no workbook was found.
    """
    files = [str(f) for f in expand_paths(paths)]
    if not files:
        raise BadInputError("no workbooks (.xlsx or .xlsm) found in the paths given")
    portfolio = Portfolio()
    reviews = check_files(review_workbook, files, budget=budget,
                          stopped=lambda path, why: (stopped_report(path, why), None))
    for number, (path, (report, case)) in enumerate(zip(files, reviews), start=1):
        portfolio.reports.append(report)
        preferred = report.preferred_result
        portfolio.cases.append([
            number, report.organisation, report.title, preferred["id"] if preferred else None,
            preferred["name"] if preferred else None, preferred["npv_vs_do_nothing"] if preferred else None,
            preferred["bcr"] if preferred else None, preferred["discounted_payback_year"] if preferred else None,
            report.completeness, report.count("error"), report.count("warning"), report.status, str(path),
        ])
        if case is None:
            continue
        base = case.assumptions.base_year
        ident = [number, case.organisation, case.title]
        labels = _TEMPLATE.lists
        for option, category, description, amounts in _cost_lines(case):
            for t, amount in enumerate(amounts):
                if amount:
                    portfolio.costs.append([*ident, option, _label(labels, "cost_category", category), description, t,
                                            financial_year(base + t), float(amount), str(path)])
        for line in case.benefits:
            for t, amount in enumerate(line.amounts):
                if amount:
                    portfolio.benefits.append([*ident, line.option, _label(labels, "beneficiary", line.beneficiary),
                                               _label(labels, "benefit_class", line.category), line.description,
                                               line.measure, t, financial_year(base + t), amount, str(path)])
    return portfolio


def _cost_lines(case: Case) -> Iterator[tuple[str | None, str | None, str | None, Sequence[float]]]:
    """The typed cost lines, then those the workforce plan generates (pay, backfill, fees), as the appraisal counts
    them: a portfolio of cases costed from posts would otherwise leave out most of their pay."""
    for line in case.costs:
        yield line.option, line.category, line.description, line.amounts
    try:
        generated = generated_lines(case)
    except XlcaseError:  # the reference data cannot cost it: validation has reported why
        return
    for made in generated:
        if made.measure == "cost":
            yield made.option, made.category, made.description, made.amounts.tolist()


def _label(lists: dict[str, dict[str, str]], name: str, code: str | None) -> str | None:
    """The readable label the workbook shows for a code ("Cash-releasing" for cash_releasing)."""
    return None if code is None else lists[name].get(code, code)


def collect_portfolio(paths: Iterable[str | Path], output: str | Path, *, fmt: str = "xlsx",
                      force: bool = False, budget: Budget | None = None) -> Portfolio:
    """Collect many workbooks into one portfolio.

    Args:
        paths: workbooks and folders of workbooks.
        output: for xlsx, the portfolio workbook; for csv, a folder that receives cases.csv, costs.csv and
            benefits.csv (created if missing). The three files are all written, then all moved into place,
            so the folder never holds a mix of an old and a new portfolio.
        fmt: xlsx or csv.
        force: replace existing output files.
        budget: time and memory per workbook read.

    Returns:
        The portfolio written.

    Raises:
        BadInputError: no workbook found, or an unknown format.
        OutputExistsError: an output file exists and ``force`` is false.
        OutputError: an output would replace a workbook being read, or is not a regular file.
    """
    if fmt not in ("xlsx", "csv"):
        raise BadInputError(f"unknown portfolio format {fmt!r} (xlsx or csv)")
    output = Path(output)
    if fmt == "csv" and output.exists() and not output.is_dir():
        raise OutputError("for --format csv the output is a folder (it receives cases.csv, costs.csv and "
                          "benefits.csv)", location=str(output))
    targets = [output / name for name in CSV_FILES.values()] if fmt == "csv" else [output]
    sources = expand_paths(paths)
    for target in targets:  # before the work, as well as at the write
        check_output(target, force=force, inputs=sources)
    portfolio = build_portfolio(sources, budget)
    if fmt == "csv":
        with atomic_outputs(targets, force=force, inputs=sources) as temporaries:
            for tmp, name in zip(temporaries, CSV_FILES):
                tmp.write_text(_csv_text(*portfolio.tables()[name]), encoding="utf-8-sig")
    else:
        with atomic_output(output, force=force, inputs=sources) as tmp:
            _write_xlsx(portfolio, tmp)
    return portfolio


def _csv_safe(value: Any) -> Any:
    """Text that a spreadsheet could run as a formula gets an apostrophe before the formula character.

    Excel and LibreOffice run a cell that starts with = + - or @, also after leading white space or a
    quote (LibreOffice trims spaces when asked), and a program that splits lines at semicolons (the list
    separator where the decimal sign is a comma), tabs or line ends starts a new cell after each. So at
    every place a cell could start, the beginning of the text and after each , ; tab or line end, white
    space (no-break and zero-width spaces too) and quotes are skipped, and a formula character found there
    gets an apostrophe before it: ``=1+1`` is written ``'=1+1``, ``a; -1+1`` ``a; '-1+1``. Linear in the text.
    """
    if not isinstance(value, str) or not any(c in value for c in _FORMULA_CHARACTERS):
        return value
    out: list[str] = []
    cell_starts = True
    for char in value:
        if cell_starts and char in _FORMULA_CHARACTERS:
            out.append("'")
            cell_starts = False
        elif char in _CELL_BREAKS:
            cell_starts = True
        elif not (char.isspace() or char in _SKIPPED_AT_START):
            cell_starts = False
        out.append(char)
    return "".join(out)


_FORMULA_CHARACTERS = "=+-@"
_CELL_BREAKS = frozenset(",;\t\r\n")
_SKIPPED_AT_START = frozenset('"\u200b\u200c\u200d\u2060\ufeff')  # quotes and zero-width characters


def _csv_text(headers: Sequence[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[_csv_safe(v) for v in row] for row in rows])
    return buffer.getvalue()


def _write_xlsx(portfolio: Portfolio, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from xlcase.writer.cells import add_table, put_text

    formats = {_NPV: "£#,##0;-£#,##0", "Amount": "£#,##0;-£#,##0", _BCR: "0.00", "Completeness": "0%"}
    book = Workbook()
    book.remove(book.active)
    for name, (headers, rows) in portfolio.tables().items():
        ws = book.create_sheet(name)
        for col, header in enumerate(headers, start=1):
            put_text(ws.cell(1, col), header)
            ws.column_dimensions[get_column_letter(col)].width = 40 if header in _WIDE else 16
        for r, row in enumerate(rows, start=2):
            for col, value in enumerate(row, start=1):
                cell = ws.cell(r, col)
                if isinstance(value, str):
                    put_text(cell, value[:32_767].translate(_CONTROL))
                else:
                    cell.value = value
                fmt = formats.get(headers[col - 1])
                if fmt:
                    cell.number_format = fmt
        last = max(2, len(rows) + 1)  # a table needs a data row, even an empty one
        add_table(ws, name, f"A1:{get_column_letter(len(headers))}{last}", stripes=True)
        ws.freeze_panes = "A2"
    book.save(path)


_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"}
