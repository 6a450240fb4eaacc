"""A fast, defensive reader of an .xlsx file's XML parts.

The validator reads hundreds of untrusted workbooks, so this package does not load openpyxl's
object model (several times slower). `guard` checks the file and the zip before any XML is
parsed and holds every budget; `scan` parses each part once as a stream, refusing any DOCTYPE;
`parts` reads the SpreadsheetML parts; `contents` is what comes back: cells with cached results,
Excel Tables, defined names, custom properties, macros and external links, as plain data in a
`WorkbookPackage`.
"""

from __future__ import annotations

from pathlib import Path

from xlcase.errors import UnreadableWorkbookError
from xlcase.package.contents import (
    MAX_TABLE_ROWS,
    Cell,
    Sheet,
    TableDef,
    WorkbookPackage,
    column_letters,
    serial_to_date,
    split_range,
)
from xlcase.package.guard import Limits, open_archive
from xlcase.package.parts import read_package

__all__ = [
    "MAX_TABLE_ROWS", "Cell", "Limits", "Sheet", "TableDef", "WorkbookPackage", "column_letters", "open_workbook",
    "serial_to_date", "split_range",
]


def open_workbook(path: str | Path, limits: Limits = Limits(), *, defer_sheets: bool = False) -> WorkbookPackage:
    """Read an .xlsx (or .xlsm) file's cells, tables and names without trusting it.

    The file's size and zip structure are checked before any XML is parsed, bytes and XML
    elements are counted against budgets, and XML with a DOCTYPE is refused. Macros are noted
    (never run or kept) and external links are reported in `warnings`; parts that cannot be
    read (a sheet without a part, a relationship to a missing part) are left out and listed
    in `unread`.

    Args:
        path: the workbook file.
        limits: size, zip-bomb and XML ceilings.
        defer_sheets: parse each sheet's cells only when they are first asked for (the validator's
            way: most of a generated workbook's cells are on calculated sheets it never looks at).
            A sheet is then decompressed, counted against the element budget and parsed when it is
            first looked at (a malformed or over-budget one raises UnreadableWorkbookError then), and
            one never looked at costs nothing. Every sheet's prolog is checked for a DOCTYPE here.

    Returns:
        The workbook's contents.

    Raises:
        UnreadableWorkbookError: the file is missing, empty, too large, encrypted, an old
            .xls, not a zip, damaged, a zip bomb, ambiguous (two members that could be the
            same part), compressed in a way Excel never writes, has more XML than the limit,
            or holds XML that is malformed or declares entities. The message is one line and
            never quotes the file's XML.
    """
    path = Path(path)
    try:
        package = read_package(path, open_archive(path, limits))
        if not defer_sheets:
            for sheet in package.sheets.values():
                sheet.cells  # parse now: every malformed sheet is refused here
        return package
    except UnreadableWorkbookError as exc:
        exc.location = str(path)
        raise
