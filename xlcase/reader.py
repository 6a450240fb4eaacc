"""The reader: a filled workbook back to a Case, with the sheet and cell every value came from.

Everything is found by table name, defined name and header text, never by fixed address, so
inserted rows, moved tables and reordered columns still read. Values a user typed in the wrong
type become findings at their cell (XC102, XC103, XC104) and the rest of the workbook still reads.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xlcase.findings import Finding
from xlcase.model import MAX_APPRAISAL_YEARS, Case
from xlcase.package import (
    MAX_TABLE_ROWS,
    Cell,
    Limits,
    WorkbookPackage,
    column_letters,
    open_workbook,
    serial_to_date,
    split_range,
)
from xlcase.template import (
    DEFAULT_TEMPLATE,
    TEMPLATE_PROPERTY,
    VERSION_PROPERTY,
    Column,
    Field,
    Table,
    Template,
    load_template,
)
from xlcase.text import shown

Path_ = tuple[str | int, ...]
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # one character class: linear
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
_ASCII_DIGITS = frozenset("0123456789")
MAX_REPAIR_ROUNDS = 5
MAX_MERGE_FINDINGS = 20  # XC004 findings listed per table; the rest are counted in one more
MAX_VALUE_CHARS = 200  # a cell's text shown in a finding is clipped to this


@dataclass(frozen=True)
class Location:
    """Where a value lives: sheet and cell."""

    sheet: str
    cell: str


@dataclass
class Submission:
    """A workbook as read: the case, where each value came from, and what was wrong while reading."""

    path: Path
    case: Case
    template: Template
    template_name: str | None
    template_version: str | None
    package: WorkbookPackage
    locations: dict[Path_, Location] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)

    def locate(self, *path: str | int) -> Location | None:
        """The cell of a case value, or of its nearest enclosing row or table (('costs', 3, 'amounts', 2))."""
        return locate(self.locations, path)


def locate(locations: dict[Path_, Location], path: Path_) -> Location | None:
    """The location of ``path`` or of its nearest enclosing row or table, if any."""
    for n in range(len(path), 0, -1):
        found = locations.get(tuple(path[:n]))
        if found:
            return found
    return None


def read_workbook(path: str | Path, *, limits: Limits | None = None) -> Submission:
    """Read a filled workbook into a Case with the location of every value.

    Args:
        path: the .xlsx (or .xlsm) file; it is opened read-only and never modified.
        limits: size and zip limits for untrusted files.

    Returns:
        The submission: case, locations and reading problems as findings.

    Raises:
        UnreadableWorkbookError: the file cannot be read as an xlsx workbook at all (XC001).
    """
    return read_package(open_workbook(path, limits or Limits(), defer_sheets=True))


def read_package(package: WorkbookPackage) -> Submission:
    """Read a workbook already opened (or built in memory, as xlcase.excel does from what Excel sends)."""
    return _Reader(package).read()


class _Reader:
    def __init__(self, package: WorkbookPackage) -> None:
        self.package = package
        self.problems: list[Finding] = []
        self.locations: dict[Path_, Location] = {}
        self.merged_boxes: dict[str, list[tuple[int, int, int, int]]] = {}
        self.name, self.version = self._template_identity()
        self.template = self._template()

    def read(self) -> Submission:
        data: dict[str, Any] = {}
        for sheet in self.template.sheets:
            for block in sheet.blocks:
                if block.table:
                    self._read_table(block.table, data)
                for f in block.fields:
                    self._read_field(f, sheet.section or "file", data)
        self._parse_review_sheets()
        for note in self.package.unread:  # after the sheets are parsed: a sheet's dropped merged ranges are noted
            self._problem("XC007", "warning", f"part not read: {note}", None, None, "file")
        case = self._validate(data)
        return Submission(
            path=self.package.path, case=case, template=self.template, template_name=self.name,
            template_version=self.version, package=self.package, locations=self.locations, problems=self.problems,
        )

    def _parse_review_sheets(self) -> None:
        """Parse, here where a malformed sheet is XC001, the sheets the rules look at after reading:
        those holding the template's tables and its Results and Sensitivity tables. The other sheets
        (the Appraisal's blocks: calculated, compared with nothing) are parsed only if asked for."""
        words = self.template.results
        for name in (*self.template.tables, words.table, words.sensitivity_table):
            found = self.package.table(name)
            if found is not None and found.sheet in self.package.sheets:
                self.package.sheets[found.sheet].cells

    # -- template identity -------------------------------------------------------------------
    def _template_identity(self) -> tuple[str | None, str | None]:
        props = self.package.custom_properties
        name, version = props.get(TEMPLATE_PROPERTY), props.get(VERSION_PROPERTY)
        if name is None:
            name = self._named_text("XlcaseTemplate")
            version = self._named_text("XlcaseTemplateVersion")
        return name, version

    def _named_text(self, name: str) -> str | None:
        cell = self._named_cell(name)
        return None if cell is None or cell.value is None else str(cell.value)

    def _named_cell(self, name: str) -> Cell | None:
        target = self.package.resolve(name)
        if target is None or target[0] not in self.package.sheets:
            return None
        return self.package.sheets[target[0]].cell(target[1])

    def _template(self) -> Template:
        try:
            return load_template(self.name or DEFAULT_TEMPLATE)
        except Exception:  # an unknown template name: read with the default one, XC002 reports it
            return load_template(DEFAULT_TEMPLATE)

    # -- fields ------------------------------------------------------------------------------
    def _read_field(self, f: Field, section: str, data: dict[str, Any]) -> None:
        target = self.package.resolve(f.name)
        if target is None or target[0] not in self.package.sheets:
            self._problem("XC003", "error", f"the named cell {f.name} ({f.label}) is missing from the workbook",
                          None, None, section)
            return
        sheet, ref = target
        path = tuple(f.key.split("."))
        self.locations[path] = Location(sheet, ref)
        cell = self.package.sheets[sheet].cell(ref)
        value = self._convert(cell, f.type, f.list, Location(sheet, ref), section, f.label)
        if value is not None:
            _set(data, path, value)

    # -- tables ------------------------------------------------------------------------------
    def _read_table(self, table: Table, data: dict[str, Any]) -> None:
        found = self.package.table(table.name)
        path = tuple(table.key.split("."))
        if found is None:
            self._problem("XC003", "error", f"the table {table.name} is missing from the workbook "
                          "(it may have been deleted or renamed)", None, None, table.section)
            return
        first_cell = found.ref.split(":")[0]
        self.locations[path] = Location(found.sheet, first_cell)
        columns = self._match_columns(table, found.columns, found.sheet, first_cell)
        self._check_merged(table, found.sheet, found.ref)
        (_, left), _ = split_range(found.ref)
        letters: dict[str, str] = {}
        for i, header in enumerate(found.columns):
            letters.setdefault(header, column_letters(left + i))  # a repeated header: the first column is read
        rows = self.package.table_rows(table.name)
        self._check_below(table, found.sheet, left, len(found.columns))
        if len(rows) == MAX_TABLE_ROWS and (total := self.package.count_table_rows(table.name)) > MAX_TABLE_ROWS:
            self._problem("XC006", "warning", f"the {table.name} table has {total:,} rows with values; only the "
                          f"first {MAX_TABLE_ROWS:,} were read and checked", found.sheet, first_cell, "file", total)
        items: list[Any] = []
        for row in rows:
            cells = {header: row.get(header) for header in columns}
            if all(_blank(c) for c in cells.values()):
                continue
            index = len(items)
            number = next(iter(row.values())).row
            refs = {header: f"{letters[header]}{number}" for header in columns}
            item = self._read_row(table, columns, cells, refs, path + (index,), found.sheet)
            if item is None and table.is_text_list:
                continue  # a one-column list whose cell could not be read (reported at its cell)
            self.locations[path + (index,)] = Location(found.sheet, f"{letters[found.columns[0]]}{number}")
            items.append(item)
        if items:
            _set(data, path, items)

    def _match_columns(self, table: Table, headers: list[str], sheet: str, anchor: str) -> dict[str, Column | int]:
        """Header text -> template column (or year index), whatever order the user left them in."""
        by_header = {c.header.strip().casefold(): c for c in table.inputs if c.type != "years"}
        matched: dict[str, Column | int] = {}
        for header in headers:
            year = year_of(header, table)
            if year is not None and year >= MAX_APPRAISAL_YEARS:
                self._problem("XC003", "error", f"the {table.name} table has a column headed {shown(header)}, "
                              f"beyond the {MAX_APPRAISAL_YEARS} years an appraisal may have; it was not read",
                              sheet, anchor, table.section, header)
            elif year is not None:
                matched.setdefault(header, year)
            elif header.strip().casefold() in by_header:
                matched[header] = by_header[header.strip().casefold()]
        seen = {c.header for c in matched.values() if isinstance(c, Column)}
        for column in table.inputs:
            if column.type != "years" and column.header not in seen and column.required:
                self._problem("XC003", "error", f"the {table.name} table has no column headed "
                              f"{column.header!r}", sheet, anchor, table.section)
        return matched

    def _check_below(self, table: Table, sheet: str, left: int, width: int) -> None:
        """XC009 for lines typed directly below a table, outside its range, which nothing reads."""
        below = self.package.rows_below(table.name)
        if not below:
            return
        cells = f"{column_letters(left)}{below[0]}:{column_letters(left + width - 1)}{below[-1]}"
        rows = "this row is" if len(below) == 1 else "these rows are"
        self._problem("XC009", "warning", f"{cells}: {rows} outside the {table.name} table, so nothing counts "
                      "them; insert rows inside the table (or use its spare rows) and move them there",
                      sheet, cells.split(":")[0], table.section, cells)

    def _check_merged(self, table: Table, sheet: str, ref: str) -> None:
        """XC004 for merged ranges that cross a table: the first MAX_MERGE_FINDINGS, then a count."""
        crossing = _crossing(self._merged_boxes(sheet), ref)
        for merged in crossing[:MAX_MERGE_FINDINGS]:
            self._problem("XC004", "warning", f"cells {merged} are merged across the {table.name} table; "
                          "only the first cell's value is read", sheet, merged.split(":")[0], table.section)
        if len(crossing) > MAX_MERGE_FINDINGS:
            self._problem("XC004", "warning", f"{len(crossing) - MAX_MERGE_FINDINGS:,} more merged ranges cross the "
                          f"{table.name} table (only the first {MAX_MERGE_FINDINGS} are listed)", sheet,
                          ref.split(":")[0], table.section)

    def _merged_boxes(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """A sheet's merged ranges as (top, left, bottom, right), parsed once (what is not a range is left out)."""
        if sheet not in self.merged_boxes:
            self.merged_boxes[sheet] = list(_boxes(self.package.sheets[sheet].merged))
        return self.merged_boxes[sheet]

    def _read_row(self, table: Table, columns: dict[str, Column | int], cells: dict[str, Cell | None],
                  refs: dict[str, str], path: Path_, sheet: str) -> Any:
        """One table row as model data; every cell's location is recorded, empty ones included."""
        item: dict[str, Any] = {}
        amounts: dict[int, float] = {}
        year_column = table.year_column
        for header, column in columns.items():
            cell = cells[header]
            where = Location(sheet, refs[header])
            if isinstance(column, int):
                if cell is None or _blank(cell):
                    continue
                self.locations[path + (year_column.key, column)] = where
                value = self._convert(cell, "years", None, where, table.section, f"{header} of {table.name}")
                amounts[column] = value if value is not None else 0.0
                continue
            key = column.key
            self.locations[path + ((key,) if key != "." else ())] = where
            labels = column.list
            value = self._convert(cell, column.type, labels, where, table.section, f"{column.header} of {table.name}")
            if key == ".":
                return value
            if value is not None:
                item[key] = value
        if year_column is not None and amounts:
            item[year_column.key] = [amounts.get(t, 0.0) for t in range(max(amounts) + 1)]
        return item

    # -- values ------------------------------------------------------------------------------
    def _convert(self, cell: Cell | None, kind: str, list_name: str | None, where: Location | None,
                 section: str, what: str) -> Any:
        """A cell's value in the model's type, or None with a finding when it cannot be."""
        if cell is None or _blank(cell):
            return None
        sheet, ref = (where.sheet, where.cell) if where else (None, None)
        if cell.kind == "e":
            self._problem("XC104", "error", f"{what} holds the error value {cell.value}", sheet, ref, section,
                          cell.value)
            return None
        if cell.formula is not None and cell.value is None:
            self._problem("XC105", "warning", f"{what} is a formula with no saved result; open and save the "
                          "workbook in Excel so its value can be read", sheet, ref, section, "=" + cell.formula)
            return None
        value = cell.value
        try:
            return self._typed(value, cell, kind, list_name, sheet, ref, section, what)
        except ValueError as exc:
            self._problem("XC102", "error", f"{what}: {exc}", sheet, ref, section, value)
            return None

    def _typed(self, value: Any, cell: Cell, kind: str, list_name: str | None, sheet: str | None,
               ref: str | None, section: str, what: str) -> Any:
        if kind in ("text", "longtext", "option", "aim"):
            if cell.is_date and isinstance(value, float) and math.isfinite(value):
                return serial_to_date(value, self.package.date1904).isoformat()  # a date typed into a text cell
            return _as_text(value)
        if kind in ("number", "money", "percent", "years"):
            return self._number(value, sheet, ref, section, what)
        if kind in ("integer", "year", "score"):
            number = self._number(value, sheet, ref, section, what)
            if number != int(number):
                raise ValueError(f"expected a whole number, got {shown(value)}")
            return int(number)
        if kind == "date":
            return self._date(value, cell, sheet, ref, section, what)
        if kind == "bool":
            text = _as_text(value).strip().casefold()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(f"expected Yes or No, got {shown(value)}")
        if kind == "choice" and list_name:
            return self._code(list_name, _as_text(value))
        if kind == "choices" and list_name:
            parts = _as_text(value).replace(";", ",").split(",")
            return [self._code(list_name, part) for part in parts if part.strip()]
        return value

    def _code(self, list_name: str, text: str) -> str:
        code = self.template.code(list_name, text)
        if code is None:
            allowed = ", ".join(self.template.lists[list_name].values())
            raise ValueError(f"{shown(text)} is not in the list ({allowed})")
        return code

    def _number(self, value: Any, sheet: str | None, ref: str | None, section: str, what: str) -> float:
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {shown(value)}")
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                raise ValueError(f"expected a finite number, got {shown(value)}")
            return float(value)
        number = parse_number_text(str(value))
        if number is None:
            raise ValueError(f"expected a number, got {shown(value)}")
        self._problem("XC103", "warning", f"{what} is a number stored as text ({shown(value)}); it was read "
                      f"as {number:,.2f}, but type it as a number", sheet, ref, section, value)
        return number

    def _date(self, value: Any, cell: Cell, sheet: str | None, ref: str | None, section: str, what: str) -> dt.date:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return serial_to_date(float(value), self.package.date1904)
        if cell.kind == "d":
            return dt.date.fromisoformat(str(value)[:10])
        text = str(value).strip()
        for fmt in _DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            self._problem("XC103", "warning", f"{what} is a date typed as text ({shown(value)}); it was read as "
                          f"{parsed.isoformat()}, but enter it as a date", sheet, ref, section, value)
            return parsed
        raise ValueError(f"expected a date, got {shown(value)}")

    # -- the model ---------------------------------------------------------------------------
    def _validate(self, data: dict[str, Any]) -> Case:
        """Build the Case; a value the model refuses (a score of 7) becomes XC102 at its cell."""
        for _ in range(MAX_REPAIR_ROUNDS):
            try:
                return Case.model_validate(data)
            except ValidationError as exc:
                from xlcase.casefile import expected_text  # only for a refused value: it imports PyYAML

                for error in exc.errors(include_url=False):
                    loc = tuple(error["loc"])
                    where = locate(self.locations, loc)
                    section = self._section_of(loc)
                    self._problem("XC102", "error", f"{self._describe(loc)}: {expected_text(error)}, got "
                                  f"{shown(error.get('input'))}",
                                  where.sheet if where else None, where.cell if where else None, section,
                                  error.get("input"))
                    _unset(data, loc)
        self._problem("XC000", "error", f"the workbook's values could not be read into a business case (still "
                      f"refused after {MAX_REPAIR_ROUNDS} rounds of leaving out what the model refused), so every "
                      "check below ran on an empty case; please report this to the xlcase maintainers",
                      None, None, "file")
        return Case()

    def _describe(self, loc: Path_) -> str:
        """'Likelihood of the Risks table, row 2' for ('risks', 1, 'likelihood'); the key path otherwise."""
        from xlcase.casefile import key_path  # only for a refused value: it imports PyYAML

        for table in self.template.tables.values():
            key = tuple(table.key.split("."))
            if loc[: len(key)] == key and len(loc) > len(key) and isinstance(loc[len(key)], int):
                row = loc[len(key)] + 1
                rest = loc[len(key) + 1:]
                column = next((c for c in table.inputs if rest and c.key == rest[0]), None)
                name = column.header if column else key_path(rest) if rest else "a row"
                return f"{name} of the {table.name} table, row {row}"
        field = next((f for f in self.template.fields.values() if tuple(f.key.split(".")) == loc), None)
        return field.label if field else key_path(loc)

    def _section_of(self, loc: Path_) -> str:
        for table in self.template.tables.values():
            if tuple(table.key.split(".")) == tuple(loc[: len(table.key.split("."))]):
                return table.section
        for f in self.template.fields.values():
            if tuple(f.key.split(".")) == tuple(loc[: len(f.key.split("."))]):
                return self.template.section_of_field(f.name)
        return "file"

    def _problem(self, rule: str, severity: str, message: str, sheet: str | None, cell: str | None,
                 section: str, value: Any = None) -> None:
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            value = value[: MAX_VALUE_CHARS - 1] + "…"  # a cell may hold 32,767 characters; a report needs few
        self.problems.append(Finding(rule, severity, message, sheet, cell, section, value))  # type: ignore[arg-type]


def parse_number_text(text: str) -> float | None:
    """'£1,234.50', '(500)', '-£ 12', '12%' -> a number; None when the text is not a number.

    A few string operations, each one pass: the text's length never costs more than linear
    time (a regular expression with optional parts between runs of spaces took minutes).
    """
    text = text.strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        text, negative = text[1:-1], True
        if "\n" in text:
            return None  # a bracketed amount is on one line
        text = text.strip()
    if text.startswith("-"):
        text, negative = text[1:].lstrip(), True
    if text.startswith("£"):
        text = text[1:].lstrip()
    if text.startswith("-"):  # a minus after the pound sign stands right before the digits
        text, negative = text[1:], True
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip()
    whole, dot, fraction = text.partition(".")
    if dot and not (fraction and set(fraction) <= _ASCII_DIGITS):
        return None
    if whole and not (whole[0] in _ASCII_DIGITS and set(whole) <= _ASCII_DIGITS | {","}):
        return None
    if not whole and not dot:
        return None
    number = float(text.replace(",", ""))
    if percent:
        number /= 100
    return -number if negative else number


def year_of(header: str, table: Table) -> int | None:
    """The year index of one of a table's year columns' headers ("Year 3" is 3; any case, spaces
    around), or None (also for a table without year columns).

    A year too long to be a number (Python refuses over 4,300 digits) is as good as too large:
    it is returned as a number past any appraisal.
    """
    if table.year_column is None:
        return None
    prefix = table.year_header(0)[:-1].casefold()  # "year "
    text = header.strip()
    digits = text[len(prefix):]
    if text[: len(prefix)].casefold() != prefix or not digits.isdecimal():
        return None
    return int(digits) if len(digits) <= 18 else 10**18


def _as_text(value: Any) -> str:
    """Text as the user sees it; control characters (terminal escapes) are dropped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return _CONTROL.sub("", str(value))


def _blank(cell: Cell | None) -> bool:
    """Empty, or only white space: nothing a reviewer could read (the Checks sheet's TRIM agrees)."""
    return cell is None or (cell.formula is None and (cell.value is None or (isinstance(cell.value, str)
                                                                            and not cell.value.strip())))


def _set(data: dict[str, Any], path: Path_, value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def _unset(data: Any, loc: Path_) -> None:
    """Remove the value at a pydantic error location (the row stays, the bad value goes)."""
    if not loc:
        return
    for part in loc[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return
    last = loc[-1]
    if isinstance(data, dict):
        data.pop(last, None)
    elif isinstance(data, list) and isinstance(last, int) and last < len(data):
        data[last] = None if not isinstance(data[last], (int, float)) else 0.0


def _boxes(refs: list[str]) -> Iterator[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of each A1 range that is one."""
    for ref in refs:
        try:
            (top, left), (bottom, right) = split_range(ref)
        except ValueError:
            continue
        yield top, left, bottom, right


def _crossing(boxes: list[tuple[int, int, int, int]], ref: str) -> list[str]:
    """The ranges among `boxes` that share a cell with the range `ref`, as A1 references."""
    (top, left), (bottom, right) = split_range(ref)
    return [
        f"{column_letters(b_left)}{b_top}:{column_letters(b_right)}{b_bottom}"
        for b_top, b_left, b_bottom, b_right in boxes
        if not (b_right < left or right < b_left or b_bottom < top or bottom < b_top)
    ]
