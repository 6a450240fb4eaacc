"""The boundary between Excel and the library: arguments in, Excel errors and short messages out.

- In: Office.js (xlwings Server, xlwings Lite) sends every argument as a 2-D matrix, empty
  cells as "" (xlwings turns them into None), dates as serial numbers and error cells as
  "#N/A"-style text; classic xlwings sends ranges the same way but dates as datetimes. An
  empty cell is a missing value: the default for a parameter, 0 for an amount.
- Out: a figure that does not exist is a real Excel error ("#N/A" for a payback that never
  comes, "#DIV/0!" for a ratio over zero); an error cell in the input is passed on as Excel
  would. Bad input gives a short message, never a traceback: with Office.js a ``#VALUE!`` error
  whose message shows on the cell's error flag; with the classic COM add-in, which cannot attach
  a message to an error, the message as the cell's text.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import numpy as np
import xlwings as xw

from xlcase.errors import XlcaseError
from xlcase.text import shown as text_shown

logger = logging.getLogger(__name__)

EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
NOT_AVAILABLE = "#N/A"
DIVIDE_BY_ZERO = "#DIV/0!"
MAX_MESSAGE = 250  # characters of an error message shown in a cell
MAX_SHOWN = 40  # characters of an offending value quoted in a message
MAX_LISTED_FINDINGS = 1000  # findings a function spills or a script lists; a last row counts the rest

_F = TypeVar("_F", bound=Callable[..., Any])


class ExcelErrorValue(Exception):
    """An Excel error value to return as the function's result (an error cell passed on, a ratio over zero)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def on_office_js() -> bool:
    """xlwings Server or xlwings Lite (Office.js), where a raised error becomes #VALUE! with its message."""
    return bool(getattr(xw, "on_server", False)) or os.environ.get("XLWINGS_ON_SERVER") == "true" \
        or sys.platform == "emscripten"


def short(message: str) -> str:
    """One line of at most MAX_MESSAGE characters."""
    message = " ".join(str(message).split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def failure(message: str) -> Any:
    """A bad-input result: #VALUE! with the message (Office.js), or the message as text (classic add-in)."""
    message = short(f"xlcase: {message}")
    if on_office_js():
        raise xw.XlwingsError(message)
    return message


def cell_boundary(function: _F) -> _F:
    """Turn what the library raises into a cell result: an Excel error or a short message, never a traceback."""

    @wraps(function)
    def boundary(*args: Any) -> Any:
        try:
            return function(*args)
        except ExcelErrorValue as error:
            return error.code
        except XlcaseError as error:
            return failure(error.message)
        except (ValueError, TypeError, OverflowError) as error:
            return failure(str(error))
        except Exception as error:  # a bug must not put a traceback in a cell
            logger.exception("xlcase function %s failed", function.__name__)
            return failure(f"unexpected error ({type(error).__name__}); see the log")

    return boundary  # type: ignore[return-value]


def matrix(value: Any) -> list[list[Any]]:
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


def blank(value: Any) -> bool:
    """An empty cell: None, blank text or NaN."""
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value)
    )


def error_code(value: Any) -> str | None:
    """The Excel error an error cell holds ("#REF!"), or None for any other value."""
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        return value.strip()
    return None


def scalar(value: Any, what: str) -> Any:
    """One value from a single cell (or None for an empty one); an error cell is passed on."""
    rows = matrix(value)
    cells = [c for row in rows for c in row]
    if len(cells) > 1:
        raise ValueError(f"{what} must be a single cell, not a range of {len(rows)}×{len(rows[0])} cells")
    single = cells[0] if cells else None
    if (code := error_code(single)) is not None:
        raise ExcelErrorValue(code)
    return None if blank(single) else single


def number(value: Any, what: str, default: float | None = None) -> float:
    """A number from one cell; an empty cell gives ``default`` (or an error when there is none)."""
    single = scalar(value, what)
    if single is None:
        if default is None:
            raise ValueError(f"{what} is empty")
        return float(default)
    if isinstance(single, bool) or not isinstance(single, (int, float)):
        raise ValueError(f"{what} must be a number, got {shown(single)}")
    result = float(single)
    if not math.isfinite(result):
        raise ValueError(f"{what} must be a finite number")
    return result


def whole(value: Any, what: str, low: int, high: int) -> int:
    """A whole number from one cell, from ``low`` to ``high``."""
    result = number(value, what)
    if result != int(result) or not low <= result <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {shown(value)}")
    return int(result)


def unlisted(count: int) -> str:
    """The last row's message when ``count`` findings are not listed."""
    return f"{count:,} more findings not listed: fix those above first, or run xlcase validate for all of them"


def shown(value: Any) -> str:
    """A value as quoted in a message: short, and a range never printed whole."""
    return "a range" if isinstance(value, (list, tuple)) else text_shown(value, MAX_SHOWN)


def series(value: Any, what: str) -> np.ndarray:
    """Amounts by year from a range: a row or a column is one series; a block is lines (rows) × years
    (columns), summed per year. Empty cells are 0; an error cell is passed on; text is refused."""
    rows = matrix(value)
    if len(rows) > 1 and all(len(row) == 1 for row in rows):
        rows = [[row[0] for row in rows]]  # a column: years run down
    width = max((len(row) for row in rows), default=0)
    out = np.zeros(width)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if blank(cell):
                continue
            if (code := error_code(cell)) is not None:
                raise ExcelErrorValue(code)
            if isinstance(cell, bool) or not isinstance(cell, (int, float)):
                where = f"year {c}" if len(rows) == 1 else f"line {r + 1}, year {c}"
                raise ValueError(f"{what} must hold numbers, got {shown(cell)} at {where}")
            out[c] += float(cell)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{what} must hold finite numbers")
    return out


def or_error(value: float | None, error: str) -> float:
    """The figure, or the Excel error ``error`` when it does not exist."""
    if value is None:
        raise ExcelErrorValue(error)
    return value
