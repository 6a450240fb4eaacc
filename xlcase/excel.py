"""xlcase inside Excel: ``XLCASE_...`` functions and the Validate / Recalculate scripts, through xlwings.

Every function is a thin wrapper over one library function (``discount_factors``,
``present_value``, ``appraise_arrays``, the reader and the rule registry); this module only
converts at the boundary:

- In: Office.js (xlwings Server, xlwings Lite) sends every argument as a 2-D matrix, empty
  cells as "" (xlwings turns them into None), dates as serial numbers and error cells as
  "#N/A"-style text; classic xlwings sends ranges the same way but dates as datetimes. An
  empty cell is a missing value: the default for a parameter, 0 for an amount.
- Out: numbers and 2-D lists that spill. A figure that does not exist is a real Excel error
  ("#N/A" for a payback that never comes, "#DIV/0!" for a ratio over zero); an error cell in
  the input is passed on as Excel would. Bad input gives a short message, never a traceback:
  with Office.js a ``#VALUE!`` error whose message shows on the cell's error flag; with the
  classic COM add-in, which cannot attach a message to an error, the message as the cell's text.

Runtimes: the classic add-in (``UDF Modules = xlcase.excel``, Import Python UDFs), xlwings
Lite (``from xlcase.excel import *`` in main.py) and xlwings Server (``xlcase serve``, see
``xlcase.server``). The core library never imports this module, so xlwings stays optional.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import xlwings as xw
from openpyxl.utils.cell import get_column_letter
from xlwings import arg, func, script

from xlcase.appraisal import OptionResult, appraise, appraise_arrays, discount_factors, present_value
from xlcase.errors import XlcaseError
from xlcase.findings import Finding
from xlcase.model import MAX_APPRAISAL_YEARS
from xlcase.package import Cell, Sheet, TableDef, WorkbookPackage
from xlcase.reader import Submission, read_package
from xlcase.review import Review
from xlcase.template import DEFAULT_TEMPLATE, TEMPLATE_PROPERTY, VERSION_PROPERTY, Table, Template, load_template

logger = logging.getLogger(__name__)

DEFAULT_RATE = 0.035  # Green Book real discount rate, years 0-30
MAX_YEARS = MAX_APPRAISAL_YEARS  # the longest appraisal period the case model accepts
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
NOT_AVAILABLE = "#N/A"
DIVIDE_BY_ZERO = "#DIV/0!"
MAX_MESSAGE = 250  # characters of an error message shown in a cell
VALIDATION_SHEET = "Validation"
RESULTS_SHEET = "Engine results"
FINDING_HEADERS = ["Rule", "Severity", "Message", "Row"]
BOOK_FINDING_HEADERS = ["Rule", "Severity", "Section", "Sheet", "Cell", "Message"]
RESULT_FIGURES = load_template(DEFAULT_TEMPLATE).results.figures  # engine figure -> Results header
# Rules that compare the table with another table: one table alone cannot be judged by them
# (a cost line's option, a risk's aim), so XLCASE_VALIDATE leaves them to validate_workbook.
CROSS_TABLE_RULES = frozenset({"XC401", "XC601"})
TABLE_SHEET_ANCHOR = "A1"

_F = TypeVar("_F", bound=Callable[..., Any])


class _ExcelError(Exception):
    """An Excel error value to return as the function's result (an error cell passed on, a ratio over zero)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- the boundary ------------------------------------------------------------------------------


def _on_office_js() -> bool:
    """xlwings Server or xlwings Lite (Office.js), where a raised error becomes #VALUE! with its message."""
    return bool(getattr(xw, "on_server", False)) or os.environ.get("XLWINGS_ON_SERVER") == "true" \
        or sys.platform == "emscripten"


def _short(message: str) -> str:
    message = " ".join(str(message).split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _failure(message: str) -> Any:
    """A bad-input result: #VALUE! with the message (Office.js), or the message as text (classic add-in)."""
    message = _short(f"xlcase: {message}")
    if _on_office_js():
        raise xw.XlwingsError(message)
    return message


def _cell_boundary(function: _F) -> _F:
    """Turn what the library raises into a cell result: an Excel error or a short message, never a traceback."""

    @wraps(function)
    def boundary(*args: Any) -> Any:
        try:
            return function(*args)
        except _ExcelError as error:
            return error.code
        except XlcaseError as error:
            return _failure(error.message)
        except (ValueError, TypeError, OverflowError) as error:
            return _failure(str(error))
        except Exception as error:  # a bug must not put a traceback in a cell
            logger.exception("xlcase function %s failed", function.__name__)
            return _failure(f"unexpected error ({type(error).__name__}); see the log")

    return boundary  # type: ignore[return-value]


def _matrix(value: Any) -> list[list[Any]]:
    """Any argument as a 2-D list (a scalar is a 1×1 matrix, a flat list one row)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if not value:
        return [[]]
    if not isinstance(value[0], (list, tuple)):
        return [list(value)]
    return [list(row) for row in value]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value)
    )


def _scalar(value: Any, what: str) -> Any:
    """One value from a single cell (or None for an empty one); an error cell is passed on."""
    rows = _matrix(value)
    cells = [c for row in rows for c in row]
    if len(cells) > 1:
        raise ValueError(f"{what} must be a single cell, not a range of {len(rows)}×{len(rows[0])} cells")
    single = cells[0] if cells else None
    if isinstance(single, str) and single.strip() in EXCEL_ERRORS:
        raise _ExcelError(single.strip())
    return None if _blank(single) else single


def _number(value: Any, what: str, default: float | None = None) -> float:
    """A number from one cell; an empty cell gives ``default`` (or an error when there is none)."""
    single = _scalar(value, what)
    if single is None:
        if default is None:
            raise ValueError(f"{what} is empty")
        return float(default)
    if isinstance(single, bool) or not isinstance(single, (int, float)):
        raise ValueError(f"{what} must be a number, got {_shown(single)}")
    number = float(single)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number")
    return number


def _whole(value: Any, what: str, low: int, high: int) -> int:
    number = _number(value, what)
    if number != int(number) or not low <= number <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {_shown(value)}")
    return int(number)


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "a range"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _series(value: Any, what: str) -> np.ndarray:
    """Amounts by year from a range: a row or a column is one series; a block is lines (rows) × years
    (columns), summed per year. Empty cells are 0; an error cell is passed on; text is refused."""
    rows = _matrix(value)
    if len(rows) > 1 and all(len(row) == 1 for row in rows):
        rows = [[row[0] for row in rows]]  # a column: years run down
    width = max((len(row) for row in rows), default=0)
    out = np.zeros(width)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if _blank(cell):
                continue
            if isinstance(cell, str) and cell.strip() in EXCEL_ERRORS:
                raise _ExcelError(cell.strip())
            if isinstance(cell, bool) or not isinstance(cell, (int, float)):
                where = f"year {c}" if len(rows) == 1 else f"line {r + 1}, year {c}"
                raise ValueError(f"{what} must hold numbers, got {_shown(cell)} at {where}")
            out[c] += float(cell)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{what} must hold finite numbers")
    return out


def _pair(costs: Any, benefits: Any) -> tuple[np.ndarray, np.ndarray]:
    """Costs and benefits as one-row option × year matrices of equal length (the shorter padded with 0)."""
    cost_row, benefit_row = _series(costs, "costs"), _series(benefits, "benefits")
    years = max(cost_row.size, benefit_row.size, 1)
    if years > MAX_YEARS:
        raise ValueError(f"at most {MAX_YEARS} years can be appraised, got {years}")
    return np.pad(cost_row, (0, years - cost_row.size))[None, :], np.pad(benefit_row, (0, years - benefit_row.size))[None, :]


def _option(costs: Any, benefits: Any, rate: Any, optimism_bias: Any) -> OptionResult:
    """The engine's appraisal of one option's flows, against doing nothing with no flows (business as usual)."""
    cost_rows, benefit_rows = _pair(costs, benefits)
    result = appraise_arrays(
        cost_rows, benefit_rows, rate=_number(rate, "rate", DEFAULT_RATE),
        optimism_bias=_number(optimism_bias, "optimism_bias", 0.0), scenarios=(),
    )
    return result.options[0]


def _or_error(value: float | None, error: str) -> float:
    if value is None:
        raise _ExcelError(error)
    return value


# --- functions ----------------------------------------------------------------------------------

_RATE_DOC = "Real discount rate for years 0-30 (default 3.5%, the Green Book rate); later years use the Green Book long-term rates."
_COSTS_DOC = ("Costs by year from year 0: a row or a column, or a block of cost lines (rows) by year (columns), "
              "summed per year. Empty cells are 0.")
_BENEFITS_DOC = "Benefits by year from year 0, laid out like costs. Empty cells are 0."
_BIAS_DOC = "Optimism bias uplift applied to every cost (default 0; 0.2 = +20%)."


def _option_function(costs_doc: str) -> Callable[[Callable[..., Any]], Any]:
    """The xlwings declaration shared by the functions of one option's costs and benefits by year."""
    def declare(function: Callable[..., Any]) -> Any:
        declared = _cell_boundary(function)
        for decorator in (
            arg("optimism_bias", err_to_str=True, doc=_BIAS_DOC),
            arg("rate", err_to_str=True, doc=_RATE_DOC),
            arg("benefits", ndim=2, err_to_str=True, doc=_BENEFITS_DOC),
            arg("costs", ndim=2, err_to_str=True, doc=costs_doc),
            func,
        ):
            declared = decorator(declared)
        return declared
    return declare


@func
@arg("years", err_to_str=True, doc=f"How many years: factors for years 0 to years-1 (1 to {MAX_YEARS}).")
@arg("rate", err_to_str=True, doc=_RATE_DOC)
@_cell_boundary
def xlcase_discount_factors(years: Any, rate: Any = DEFAULT_RATE) -> list[list[float]]:
    """Green Book discount factors DF0 (=1) to DF(years-1) as one row that spills to the right."""
    count = _whole(years, "years", 1, MAX_YEARS)
    return [discount_factors(count, _number(rate, "rate", DEFAULT_RATE)).tolist()]


@func
@arg("values", ndim=2, err_to_str=True, doc="Amounts by year from year 0: a row, a column, or a block of lines (rows) by year (columns), summed per year. Empty cells are 0.")
@arg("rate", err_to_str=True, doc=_RATE_DOC)
@_cell_boundary
def xlcase_pv(values: Any, rate: Any = DEFAULT_RATE) -> float:
    """Present value of amounts by year from year 0, discounted by the Green Book schedule."""
    return present_value(_series(values, "values"), _number(rate, "rate", DEFAULT_RATE))


@_option_function(_COSTS_DOC)
def xlcase_npv(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE, optimism_bias: Any = 0.0) -> float:
    """Net present value: PV of benefits minus PV of costs uplifted by optimism bias (Green Book)."""
    return _option(costs, benefits, rate, optimism_bias).npv


@_option_function(_COSTS_DOC)
def xlcase_bcr(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE, optimism_bias: Any = 0.0) -> Any:
    """Benefit-cost ratio: PV of benefits / PV of costs with optimism bias (#DIV/0! when PV costs is 0)."""
    return _or_error(_option(costs, benefits, rate, optimism_bias).bcr, DIVIDE_BY_ZERO)


@_option_function(_COSTS_DOC + " Costs and benefits relative to doing nothing.")
def xlcase_payback(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE, optimism_bias: Any = 0.0) -> Any:
    """Discounted payback year: the first year in which cumulative discounted net benefit reaches 0 (#N/A when never)."""
    return _or_error(_option(costs, benefits, rate, optimism_bias).discounted_payback_year, NOT_AVAILABLE)


@_option_function(_COSTS_DOC + " Costs and benefits relative to doing nothing.")
def xlcase_switching_values(costs: Any, benefits: Any, rate: Any = DEFAULT_RATE,
                            optimism_bias: Any = 0.0) -> list[list[Any]]:
    """Switching values as one row: the fraction by which costs may rise, then by which benefits may fall,
    before the option is no better than doing nothing (#DIV/0! where a PV is 0)."""
    option = _option(costs, benefits, rate, optimism_bias)
    values = (option.cost_switching_value, option.benefit_switching_value)
    return [[DIVIDE_BY_ZERO if v is None else v for v in values]]


@func
@arg("table", ndim=2, err_to_str=True,
     doc="One Excel Table's whole range including its header row, e.g. Options[#All].")
@arg("kind", err_to_str=True, doc="Which table it is: its name in the template, e.g. \"options\", \"costs\", \"benefits\", \"risks\", \"stakeholders\".")
@_cell_boundary
def xlcase_validate(table: Any, kind: Any) -> list[list[Any]]:
    """The xlcase rules' findings for one table (rule, severity, message, row of the table), spilling."""
    template = load_template(DEFAULT_TEMPLATE)
    table_def = _table_for_kind(template, _scalar(kind, "kind"))
    findings = table_findings(_matrix(table), table_def, template)
    rows: list[list[Any]] = [list(FINDING_HEADERS)]
    for finding, row in findings:
        rows.append([finding.rule, finding.severity, finding.message, "" if row is None else row])
    if len(rows) == 1:
        rows.append(["", "ok", f"no findings for the {table_def.name} table", ""])
    return rows


def _table_for_kind(template: Template, kind: Any) -> Table:
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError("kind must name a table, e.g. \"options\"")
    wanted = kind.strip().casefold()
    for table in template.tables.values():
        if wanted in (table.name.casefold(), table.key.casefold(), table.key.split(".")[-1].casefold()):
            return table
    known = ", ".join(sorted(t.name.lower() for t in template.tables.values()))
    raise ValueError(f"unknown kind {kind!r}; one of: {known}")


def table_findings(matrix: list[list[Any]], table: Table, template: Template | None = None
                   ) -> list[tuple[Finding, int | None]]:
    """The findings of the rules of one table's section, judged from that table alone.

    The matrix (header row first) is read through the workbook reader, as if it were the only
    table of a workbook, so types are converted and reported exactly as for a submitted file.

    Args:
        matrix: the table's cells, header row first, as Excel sends them (empty cells None or "").
        table: the template's definition of the table.
        template: the workbook template (the default one when None).

    Returns:
        (finding, data row) pairs: the row is 1 for the first row under the header, None for a
        finding about the whole table.
    """
    from xlcase.rules import run_rules

    template = template or load_template(DEFAULT_TEMPLATE)
    sheet_name = template.sheet_of(table.name).name
    cells = _cells(matrix, top=1, left=1)
    width = max((len(row) for row in matrix), default=0)
    headers = [_header_text(v) for v in (matrix[0] if matrix else [])]
    if not any(headers):
        raise ValueError("the range has no header row: pass the whole table, e.g. Options[#All]")
    ref = f"{TABLE_SHEET_ANCHOR}:{get_column_letter(max(width, 1))}{max(len(matrix), 2)}"
    package = WorkbookPackage(
        path=_EXCEL_PATH,
        sheets={sheet_name: Sheet(sheet_name, cells, [])},
        tables={table.name: TableDef(table.name, sheet_name, ref, headers, 1, 0)},
        defined_names={},
        custom_properties={TEMPLATE_PROPERTY: template.name, VERSION_PROPERTY: template.version},
        has_macros=False,
        external_links=[],
        date1904=False,
    )
    submission = read_package(package)
    findings = run_rules(Review.from_submission(submission))
    out = []
    for finding in findings:
        if finding.section != table.section or finding.rule in CROSS_TABLE_RULES:
            continue
        if finding.sheet != sheet_name:
            continue  # about the section's other parts (a form's fields), which the range does not hold
        out.append((finding, _data_row(finding.cell)))
    return out


_EXCEL_PATH = Path("excel-range")
_ROW = re.compile(r"[A-Z]+(\d+)")


def _data_row(cell: str | None) -> int | None:
    match = _ROW.match(cell or "")
    row = int(match.group(1)) - 1 if match else 0  # the header is row 1 of the synthetic sheet
    return row if row >= 1 else None


def _header_text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell(value: Any, row: int, col: int) -> Cell | None:
    """A reader cell from a value as xlwings delivers it (None for an empty cell)."""
    if _blank(value):
        return None
    ref = f"{get_column_letter(col)}{row}"
    if isinstance(value, bool):
        return Cell(ref, row, col, value, None, "b", False)
    if isinstance(value, (int, float)):
        return Cell(ref, row, col, float(value), None, "n", False)
    if isinstance(value, (dt.datetime, dt.date)):
        return Cell(ref, row, col, value.isoformat(), None, "d", True)
    text = str(value)
    if text.strip() in EXCEL_ERRORS:
        return Cell(ref, row, col, text.strip(), None, "e", False)
    return Cell(ref, row, col, text, None, "s", False)


def _cells(matrix: Sequence[Sequence[Any]], top: int, left: int) -> dict[tuple[int, int], Cell]:
    cells = {}
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            cell = _cell(value, top + r, left + c)
            if cell is not None:
                cells[(cell.row, cell.col)] = cell
    return cells


# --- scripts --------------------------------------------------------------------------------------


def book_package(book: Any) -> WorkbookPackage:
    """What the reader needs from an open workbook (xlwings Book: Office.js payload or COM), as plain data.

    Values, Excel Tables and workbook-level defined names are taken through xlwings' own API,
    so the same code serves the classic add-in, xlwings Lite and xlwings Server. Formulas are
    not sent by the add-in, so saved-result checks (XC701) do not apply here.
    """
    sheets: dict[str, Sheet] = {}
    tables: dict[str, TableDef] = {}
    for sheet in book.sheets:
        used = sheet.used_range
        values = used.options(ndim=2, err_to_str=True).value or [[]]
        cells = _cells(values, used.row, used.column)
        sheets[sheet.name] = Sheet(sheet.name, cells, [])
        for table in sheet.tables:
            found = _table_def(sheet.name, table, cells)
            if found is not None:
                tables[found.name] = found
    names = {}
    for name in book.names:
        refers_to = name.refers_to
        if "!" in name.name.split("[")[0] and not name.name.startswith("'"):
            continue  # sheet-scoped: not a workbook-level name
        if isinstance(refers_to, str):
            names[name.name] = refers_to.lstrip("=")
    return WorkbookPackage(
        path=_EXCEL_PATH.with_name(str(book.name or "workbook")),
        sheets=sheets, tables=tables, defined_names=names, custom_properties={},
        has_macros=False, external_links=[], date1904=False,
    )


def _table_def(sheet: str, table: Any, cells: dict[tuple[int, int], Cell]) -> TableDef | None:
    rng = table.range
    if rng is None:
        return None
    ref = rng.address.replace("$", "")
    top, left = rng.row, rng.column
    header_rows = 1 if table.show_headers else 0
    width = rng.shape[1]
    columns = []
    for c in range(width):
        cell = cells.get((top, left + c)) if header_rows else None
        columns.append(_header_text(cell.value) if cell is not None else f"Column{c + 1}")
    return TableDef(table.name, sheet, ref, columns, header_rows, 1 if table.show_totals else 0)


def book_submission(book: Any) -> Submission:
    """The open workbook read as the validator reads a file (no file is written)."""
    return read_package(book_package(book))


def book_findings(book: Any) -> list[Finding]:
    """Every rule's findings on the open workbook."""
    from xlcase.rules import run_rules

    return run_rules(Review.from_submission(book_submission(book)))


def _fresh_sheet(book: Any, name: str) -> Any:
    """The sheet called ``name``, emptied, or a new one at the end of the book."""
    for sheet in book.sheets:
        if sheet.name.casefold() == name.casefold():
            sheet.clear_contents()
            return sheet
    return book.sheets.add(name=name, after=book.sheets[len(book.sheets) - 1])


BOOK_DOC = "Leave empty: the workbook that runs the script."


def _document_book(script_function: _F) -> _F:
    """Describe the book parameter in Excel's function wizard (classic add-in only: ``@arg`` on a script would
    make xlwings Server list the script as a function)."""
    registered = getattr(script_function, "__xlfunc__", None)
    if registered is not None:
        registered["argmap"]["book"]["doc"] = BOOK_DOC
    return script_function


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_values(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows for a range's .value: Excel enters text starting with = + - @ as a formula, so such text gets the
    leading apostrophe that tells Excel it is text (workbook text is untrusted)."""
    return [["'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in row] for row in rows]


def _caller_book(book: Any) -> Any:
    return book if book is not None else xw.Book.caller()


@_document_book
@script(name="Validate workbook")
def validate_workbook(book: xw.Book | None = None) -> None:
    """Validate the whole workbook with every xlcase rule and list the findings on a Validation sheet."""
    book = _caller_book(book)
    try:
        findings = book_findings(book)
        rows = [list(BOOK_FINDING_HEADERS)] + [
            [f.rule, f.severity, f.section, f.sheet or "", f.cell or "", f.message] for f in findings
        ]
        if not findings:
            rows.append(["", "ok", "", "", "", "no findings: the business case passes every check"])
    except XlcaseError as error:
        rows = [list(BOOK_FINDING_HEADERS), [error.code, "error", "file", "", "", _short(error.message)]]
    sheet = _fresh_sheet(book, VALIDATION_SHEET)
    sheet["A1"].value = _as_values(rows)
    sheet.activate()


@_document_book
@script(name="Recalculate with xlcase")
def recalc_workbook(book: xw.Book | None = None) -> None:
    """Recalculate the appraisal with the xlcase engine from the workbook's inputs and write it to a sheet."""
    book = _caller_book(book)
    submission = book_submission(book)
    appraisal = appraise(submission.case)
    a = appraisal.assumptions
    columns = submission.template.results.columns
    rows: list[list[Any]] = [
        ["xlcase engine results (Green Book); present values in pounds, real prices"],
        ["Base year", a["base_year"], "Appraisal years", a["appraisal_years"], "Discount rate", a["discount_rate"],
         "Optimism bias", a["optimism_bias"]],
        [c.header for c in columns],
    ]
    for option in appraisal.options:
        o = option.to_dict()
        rows.append([o[c.figure] for c in columns])
    width = len(columns)
    rows = [["" if v is None else v for v in row] + [""] * (width - len(row)) for row in rows]
    sheet = _fresh_sheet(book, RESULTS_SHEET)
    sheet["A1"].value = _as_values(rows)
    sheet.activate()


FUNCTIONS: tuple[Callable[..., Any], ...] = (
    xlcase_discount_factors, xlcase_pv, xlcase_npv, xlcase_bcr, xlcase_payback, xlcase_switching_values,
    xlcase_validate,
)
SCRIPTS: tuple[Callable[..., Any], ...] = (validate_workbook, recalc_workbook)


def _public(names: Iterable[Callable[..., Any]]) -> list[str]:
    return [f.__name__ for f in names]


__all__ = _public(FUNCTIONS) + _public(SCRIPTS)
