"""xlcase's functions and scripts as ``xlcase serve`` registers them: in worker processes, within limits.

xlwings Server runs a custom function on its event loop: its router converts every argument cell
by cell (about 10 µs a cell), calls the function and awaits nothing, so one slow call holds up
every other user. ``served_module`` builds, under the same names and with the same metadata, a
module of ``async`` stand-ins that xlwings awaits; each one:

- counts the cells of the call (a function's arguments together, a script's workbook) and refuses
  more than the limit before any work;
- runs the work in a worker process (``xlcase.workers``: at most the time limit waiting for one,
  at most the time limit computing there): for a function,
  xlwings' own argument conversion (the stand-ins declare ``raw`` arguments, so the event loop
  only passes them on) and the function itself; for a script, the rows of its sheet;
- answers with a short message: a function as ``#VALUE!`` with the message, a script as a
  problem row on its sheet.

xlwings still converts a function's result on the event loop; results are bounded
(``MAX_LISTED_FINDINGS``). The stand-ins carry the originals' ``__xlfunc__``/``__xlscript__``
metadata, so ``/custom-functions-meta`` and the scripts' buttons are unchanged.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from functools import wraps
from typing import Any

import xlwings as xw
from xlwings import conversion, script

import xlcase.excel as excel
from xlcase.excel.scripts import SHEET_SCRIPTS, Rows, problem_rows, sheet_rows, write_sheet
from xlcase.server import limit_env, mark_pyodide_absent, skip_jsnull_checks
from xlcase.workers import CallFailed, WorkerPool

SERVED_MODULE = "xlcase_served"
CELLS_ENV = limit_env("max_cells")  # named in the message of a call over the limit
OFFICE_JS = "officejs"  # xlwings' conversion engine for what Office.js sends


class _Omitted:
    """Stands for an argument left out, so the worker gives it the function's own default."""

    def __repr__(self) -> str:
        return "<omitted>"


OMITTED = _Omitted()


def served_module(pool: WorkerPool, max_cells: int) -> types.ModuleType:
    """A module holding every xlcase function and script, as stand-ins that run in ``pool``.

    Args:
        pool: the worker processes, with the time budget of a call.
        max_cells: the most cells one call may send.
    """
    module = types.ModuleType(SERVED_MODULE, "xlcase's Excel functions and scripts, run in worker processes")
    for function in excel.FUNCTIONS:
        setattr(module, function.__name__, _served_function(function, pool, max_cells))
    for book_script in excel.SCRIPTS:
        setattr(module, book_script.__name__, _served_script(book_script, pool, max_cells))
    return module


def _served_function(function: Callable[..., Any], pool: WorkerPool, max_cells: int) -> Callable[..., Any]:
    name = function.__name__

    @wraps(function)
    async def served(*args: Any) -> Any:
        cells = sum(_cell_count(a) for a in args if a is not OMITTED)
        if cells > max_cells:
            raise xw.XlwingsError(f"xlcase: the arguments have {cells:,} cells; xlcase serve takes at most "
                                  f"{max_cells:,} in one call ({CELLS_ENV})")
        omitted = [a is OMITTED for a in args]
        try:
            return await pool.run(call_function, name, [None if o else a for a, o in zip(args, omitted)], omitted)
        except CallFailed as error:
            raise xw.XlwingsError(f"xlcase: {error}") from None

    declared = function.__xlfunc__
    arguments = [_passed_on(a) for a in declared["args"]]
    served.__xlfunc__ = {**declared, "args": arguments, "argmap": {a["name"]: a for a in arguments}}
    return served


def _passed_on(argument: dict[str, Any]) -> dict[str, Any]:
    """An argument's metadata for the stand-in: taken as sent (``raw``); left out, it is OMITTED."""
    served = {**argument, "options": {**argument["options"], "convert": "raw"}}
    if "optional" in argument:
        served["optional"] = OMITTED
    return served


def _served_script(book_script: Callable[..., Any], pool: WorkerPool, max_cells: int) -> Callable[..., Any]:
    name = book_script.__name__
    sheet, _ = SHEET_SCRIPTS[name]

    async def served(book: xw.Book | None = None) -> None:
        data = book.api  # the workbook as the add-in sent it (plain JSON data)
        cells = _book_cells(data)
        if cells > max_cells:
            rows = problem_rows(f"the workbook has {cells:,} cells; xlcase serve takes at most {max_cells:,} "
                                f"in one call ({CELLS_ENV})")
        else:
            try:
                rows = await pool.run(book_rows, name, data)
            except CallFailed as error:
                rows = problem_rows(str(error))
        write_sheet(book, sheet, rows)

    served.__name__ = served.__qualname__ = name
    served.__doc__ = book_script.__doc__
    declared = book_script.__xlscript__
    registered = script(name=declared["name"], required_roles=declared["required_roles"])(served)
    registered.__xlscript__ = dict(declared)
    return registered


def _cell_count(value: Any) -> int:
    """Cells in an argument as xlwings passes it on: a scalar, a row, or a list of rows."""
    if isinstance(value, list):
        return sum(len(row) if isinstance(row, list) else 1 for row in value)
    return 1


def _book_cells(data: Any) -> int:
    sheets = data.get("sheets") if isinstance(data, dict) else None
    if not isinstance(sheets, list):
        return 0
    return sum(_cell_count(s.get("values")) for s in sheets if isinstance(s, dict) and s.get("values") is not None)


# --- in the worker process ----------------------------------------------------------------------------


def warm_up() -> None:
    """Load xlwings, the functions, the rules and the template once per worker, before its first call."""
    from xlcase.rules import all_rules
    from xlcase.template import load_template

    mark_pyodide_absent()
    skip_jsnull_checks()
    all_rules()
    load_template()


def call_function(name: str, args: list[Any], omitted: list[bool]) -> Any:
    """What xlwings would do with the arguments of the function ``name`` (convert each, or take its default),
    then the call. Runs in a worker."""
    function = getattr(excel, name)
    declared = function.__xlfunc__["args"]
    values = []
    for i, (value, left_out) in enumerate(zip(args, omitted)):
        argument = declared[min(i, len(declared) - 1)]
        values.append(argument.get("optional") if left_out
                      else conversion.read(None, value, argument["options"], engine_name=OFFICE_JS))
    return function(*values)


def book_rows(name: str, data: dict[str, Any]) -> Rows:
    """The rows of the sheet the script ``name`` writes, from the workbook data the add-in sent. Runs in a worker."""
    _, build = SHEET_SCRIPTS[name]
    book = xw.Book(json=data)
    try:
        return sheet_rows(build, book)
    finally:
        book.close()  # xlwings keeps every open book in a list: a long-lived worker must close each
