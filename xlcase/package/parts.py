"""The SpreadsheetML part readers: a checked archive (xlcase.package.guard) to a WorkbookPackage.

The parts are found by following the package's relationships, and each is parsed once, as a
stream (xlcase.package.scan). What cannot be read is left out with a note in
`WorkbookPackage.unread` (reported as XC007) instead of refusing the workbook: a veryHidden
legacy sheet without a part (`r:id=""`), a relationship to a missing part, a part named twice.
Everything kept grows with the file's XML elements, and what could still grow faster is capped: merged
ranges, relationships, sheet entries, cell formats, listed notes and external links. Names
longer than Excel allows are clipped (sheets to 31 characters; tables, columns and defined
names to 255), and table columns beyond the table's range are not kept.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from xlcase.errors import UnreadableWorkbookError
from xlcase.package.contents import (
    NAME_CHARS,
    SHEET_NAME_CHARS,
    Cell,
    Sheet,
    TableDef,
    WorkbookPackage,
    clip_name,
    column_letters,
    column_number,
    split_range,
    split_ref,
)
from xlcase.package.guard import Archive, MissingPartError, PartReadTwiceError, show
from xlcase.package.scan import ALL_TEXT, CHILD_TEXT, RUN_TEXT, Record, StopScan, local, main_tags, parse, scan

CONTENT_TYPES_PART = "[Content_Types].xml"
DEFAULT_WORKBOOK_PART = "xl/workbook.xml"
# ECMA-376 §18.8.30: built-in number formats that show dates or times (27-36 and 50-58 are
# the East Asian date formats Excel writes without a numFmt entry).
BUILTIN_DATE_FORMAT_IDS = frozenset(str(i) for i in [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
CELL_KINDS = {"n": "n", "s": "s", "str": "s", "inlineStr": "s", "b": "b", "e": "e", "d": "d"}
TEXT_CELL_TYPES = ("str", "inlineStr")  # an empty result of these is "", not a missing value
TRANSLATION_BUDGET_CHARS = 1_000_000  # shared-formula text moved per workbook: at most about 0.3 s
TRANSLATION_COST_CHARS = 50  # what moving one formula costs beyond its length (about 13 µs)
TRANSLATOR_COST_CHARS = 150  # and preparing a master's translator (about 45 µs and 1 KB)
MAX_MERGED_RANGES = 100_000  # per workbook; Excel slows to a crawl long before
MAX_MERGED_REF_CHARS = 32  # "$XFD$1048576:$XFD$1048576" is 25: anything longer is not a range
MAX_RELATIONSHIPS = 10_000  # kept per part, of the types read here
MAX_CELL_FORMATS = 65_536  # Excel allows 64,000 cell formats; later ones are not looked at
MAX_LISTED = 20  # notes and external links listed one by one; the rest are counted
EXCEL_COLUMNS = 16_384
_SHEET_TAGS = main_tags("sheetData", "row", "c", "v", "f", "is")
_TEXT_TAGS = main_tags("t", "r")


@dataclass(frozen=True)
class _Rel:
    """One relationship: its id, type, and target (a part name, or a URL when external)."""

    id: str
    type: str
    target: str
    external: bool


class _Notes:
    """What was not read, for XC007: the first MAX_LISTED one by one, then a count of the rest."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.more = 0

    def add(self, note: str) -> None:
        if len(self.listed) < MAX_LISTED:
            self.listed.append(note)
        else:
            self.more += 1

    def all(self) -> list[str]:
        return self.listed + ([f"{self.more:,} more parts or entries were not read"] if self.more else [])


def read_package(path: Path, archive: Archive) -> WorkbookPackage:
    """Find and read the workbook's parts by following the package's relationships."""
    if not archive.has(CONTENT_TYPES_PART):
        odf = " (it looks like an OpenDocument .ods file: save it as .xlsx)" if archive.has("mimetype") else ""
        raise UnreadableWorkbookError(
            f"the zip archive is not an Office document: {CONTENT_TYPES_PART} is missing{odf}"
        )
    has_macros = _has_macros(archive)
    notes = _Notes()
    package_rels = _rels(archive, "", notes, ("/officeDocument", "/custom-properties"))
    book_part = _target(package_rels, "/officeDocument") or DEFAULT_WORKBOOK_PART
    if not archive.has(book_part):
        raise UnreadableWorkbookError(_not_a_workbook(archive))

    warnings: list[str] = []
    if has_macros:
        warnings.append("the workbook contains macros: they were ignored (never run, never kept)")
    book = _read_book(archive, book_part)
    book_rels = _rels(archive, book_part, notes, (*_SHEET_TYPES, "/sharedStrings", "/styles", "/externalLink"))
    strings = _shared_strings(archive, book_rels, book_part, notes)
    date_styles = _date_styles(archive, book_rels, book_part, notes)
    parts_by_id = {rel.id: rel.target for rel in book_rels if rel.type.endswith(_SHEET_TYPES)}
    sheet_reader = _Sheets(path, strings, date_styles)

    sheets: dict[str, Sheet] = {}
    tables: dict[str, TableDef] = {}
    sheet_names: set[str] = set()  # case-folded, as Excel compares them
    table_names: set[str] = set()
    for name, rid, state in book.sheets:
        hidden = f" ({state})" if state and state != "visible" else ""
        shown = f"sheet {show(name)}{hidden}"
        if name.casefold() in sheet_names:
            notes.add(f"{shown}: another sheet has the same name (sheet names are clipped to 31 characters)")
            continue
        if not rid:
            notes.add(f"{shown}: it names no part (r:id is empty)")
            continue
        part = parts_by_id.get(rid)
        if part is None:
            notes.add(f"{shown}: its relationship {show(rid)} is missing")
            continue
        try:
            data = archive.xml_later(part, shown)
        except (MissingPartError, PartReadTwiceError) as exc:
            notes.add(f"{shown}: {exc.message}")
            continue
        sheets[name] = sheet_reader.deferred(name, part, data)
        sheet_names.add(name.casefold())
        for table in _read_tables(archive, name, part, notes):
            if table.name.casefold() in table_names:
                notes.add(f"table {show(table.name)} on {shown}: another table has the same name")
            else:
                tables[table.name] = table
                table_names.add(table.name.casefold())
    if book.more_sheets:
        notes.add(f"{book.more_sheets:,} sheet entries beyond the first {archive.max_entries:,} (more sheets "
                  "than the zip has members)")

    external_links, more_links = _external_links(archive, book_rels, notes)
    warnings.extend(f"external link to {show(link)}: its values are not refreshed" for link in external_links)
    if more_links:
        warnings.append(f"more external links than the {MAX_LISTED} listed: their values are not refreshed either")
    custom_properties = _custom_properties(archive, package_rels, notes)
    sheet_reader.unread = notes.all()  # shared: a sheet parsed later notes its dropped merged ranges here
    return WorkbookPackage(
        path=path,
        sheets=sheets,
        tables=tables,
        defined_names=book.defined_names,
        custom_properties=custom_properties,
        has_macros=has_macros,
        external_links=external_links,
        date1904=book.date1904,
        warnings=warnings,
        unread=sheet_reader.unread,
        shared_formulas_exhausted=lambda: sheet_reader.shared_formulas.exhausted,
    )


def _not_a_workbook(archive: Archive) -> str:
    """The message for an Office package without a workbook part, naming what it is instead."""
    kinds = {"word/": "a Word document", "ppt/": "a PowerPoint presentation"}
    kind = next((kind for prefix, kind in kinds.items() if any(n.startswith(prefix) for n in archive.names())), "")
    instead = f"; it is {kind}" if kind else ""
    return f"the file is not an Excel workbook: the workbook part ({DEFAULT_WORKBOOK_PART}) is missing{instead}"


def _has_macros(archive: Archive) -> bool:
    """VBA projects and Excel 4.0 macro sheets, found by part name or content type."""
    if any(name.endswith("vbaproject.bin") for name in archive.names()):
        return True
    found = False

    def content_type(attrs: dict[str, str], _text: str) -> None:
        nonlocal found
        declared = attrs.get("ContentType", "").lower()
        if "macro" in declared or "vbaproject" in declared:
            found = True
            raise StopScan

    record = Record(content_type)
    scan(archive.xml(CONTENT_TYPES_PART, "the package"), CONTENT_TYPES_PART, {"Default": record, "Override": record})
    return found


# --- relationships -----------------------------------------------------------------------

_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet", "/xlMacrosheet", "/xlIntlMacrosheet")


def _rels(archive: Archive, part: str, notes: _Notes, types: tuple[str, ...], external: bool = False) -> list[_Rel]:
    """The relationships of a part ("" for the package) of the types that are followed, and every
    external one if asked, targets resolved to part names; at most MAX_RELATIONSHIPS of them (a
    sheet's thousands of hyperlinks are not kept, so they cannot push its tables out)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", f"{name}.rels")
    if not archive.has(rels_part):
        return []
    found: list[_Rel] = []
    dropped = 0

    def relationship(attrs: dict[str, str], _text: str) -> None:
        nonlocal dropped
        rel_type = attrs.get("Type", "")
        is_external = attrs.get("TargetMode") == "External"
        if not (rel_type.endswith(types) or (external and is_external)):
            return
        if len(found) == MAX_RELATIONSHIPS:
            dropped += 1
            return
        target = attrs.get("Target", "")
        if not is_external:
            target = unquote(target).replace("\\", "/")
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append(_Rel(attrs.get("Id", ""), rel_type, target, is_external))

    try:
        data = archive.xml(rels_part, show(part or "the package"))
    except PartReadTwiceError:
        return []  # the relationships of a part named twice were followed the first time
    scan(data, rels_part, {"Relationship": Record(relationship)})
    if dropped:
        notes.add(f"{dropped:,} relationships of {show(part or 'the package')} beyond the first {MAX_RELATIONSHIPS:,}")
    return found


def _target(rels: list[_Rel], type_suffix: str) -> str | None:
    """The part the first internal relationship of a type points at (relationship types
    differ in their prefix between the transitional and strict flavours, never in their end)."""
    return next((rel.target for rel in rels if rel.type.endswith(type_suffix) and not rel.external), None)


def _optional_part(archive: Archive, rels: list[_Rel], type_suffix: str, referrer: str, what: str,
                   notes: _Notes) -> tuple[str, bytes] | None:
    """A part a workbook may lack (shared strings, styles, properties): its name and bytes, or None
    with a note when a relationship names it but it cannot be read."""
    part = _target(rels, type_suffix)
    if part is None:
        return None
    try:
        return part, archive.xml(part, referrer)
    except (MissingPartError, PartReadTwiceError) as exc:
        notes.add(f"the {what}: {exc.message}")
        return None


# --- the workbook part -------------------------------------------------------------------


@dataclass
class _Book:
    """What the workbook part says: its sheets (name, r:id, state), workbook-level names, date system."""

    sheets: list[tuple[str, str, str]]
    more_sheets: int
    defined_names: dict[str, str]
    date1904: bool


def _read_book(archive: Archive, book_part: str) -> _Book:
    book = _Book([], 0, {}, False)

    def sheet(attrs: dict[str, str], _text: str) -> None:
        if len(book.sheets) == archive.max_entries:
            book.more_sheets += 1
            return
        rid = next((value for key, value in attrs.items() if key.endswith("}id")), "")
        book.sheets.append((clip_name(attrs.get("name", ""), SHEET_NAME_CHARS), rid, attrs.get("state", "")))

    def defined_name(attrs: dict[str, str], text: str) -> None:
        if attrs.get("localSheetId") is None:
            book.defined_names.setdefault(clip_name(attrs.get("name", ""), NAME_CHARS), text)

    def workbook_properties(attrs: dict[str, str], _text: str) -> None:
        book.date1904 = attrs.get("date1904", "").lower() in ("1", "true")

    paths = {
        "sheets": {"sheet": Record(sheet)},
        "definedNames": {"definedName": Record(defined_name, ALL_TEXT)},
        "workbookPr": Record(workbook_properties),
    }
    scan(archive.xml(book_part, "the package"), book_part, paths)
    return book


def _shared_strings(archive: Archive, book_rels: list[_Rel], book_part: str, notes: _Notes) -> list[str] | None:
    """The shared string table ([] when there is none, None when it is named but missing);
    rich-text runs are joined and phonetic guides left out."""
    found = _optional_part(archive, book_rels, "/sharedStrings", show(book_part), "shared strings", notes)
    if found is None:
        return None if _target(book_rels, "/sharedStrings") else []
    strings: list[str] = []
    scan(found[1], found[0], {"si": Record(lambda _attrs, text: strings.append(unescape(text)), RUN_TEXT)})
    return strings


def _date_styles(archive: Archive, book_rels: list[_Rel], book_part: str, notes: _Notes) -> frozenset[str]:
    """Indexes (as written in a cell's s attribute) of the cell styles that show dates."""
    found = _optional_part(archive, book_rels, "/styles", show(book_part), "styles", notes)
    if found is None:
        return frozenset()
    custom: dict[str, str] = {}
    formats: list[str] = []

    def number_format(attrs: dict[str, str], _text: str) -> None:
        if len(custom) < MAX_CELL_FORMATS:
            custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")

    def cell_format(attrs: dict[str, str], _text: str) -> None:
        formats.append(attrs.get("numFmtId", "0"))
        if len(formats) == MAX_CELL_FORMATS:
            raise StopScan  # the number formats come before the cell formats, and nothing after is needed

    paths = {"numFmts": {"numFmt": Record(number_format)}, "cellXfs": {"xf": Record(cell_format)}}
    scan(found[1], found[0], paths)
    return frozenset(
        str(index)
        for index, format_id in enumerate(formats)
        if (is_date_code(custom[format_id]) if format_id in custom else format_id in BUILTIN_DATE_FORMAT_IDS)
    )


@lru_cache(maxsize=512)
def is_date_code(code: str) -> bool:
    """A custom number format shows a date or time if d, m, y, h or s appear outside quotes,
    brackets (colours, locales, conditions), backslash escapes and the character after _ or *
    (spacing and padding). One pass over the code: a quote or bracket that is never closed is
    an ordinary character, and the search for its close is not repeated."""
    index, length = 0, len(code)
    unclosed = ""  # quote or bracket characters with no closing one after them: literal from there on
    while index < length:
        char = code[index]
        if char in "\"[" and char not in unclosed:
            close = code.find('"' if char == '"' else "]", index + 1)
            if close >= 0:
                index = close + 1
                continue
            unclosed += char
            index += 1
        elif char in "\\_*":
            index += 2
        elif char in "dmyhsDMYHS":
            return True
        else:
            index += 1
    return False


# --- the sheets --------------------------------------------------------------------------


class _Sheets:
    """What the worksheets of one workbook share: strings, date styles, shared formulas, the
    workbook's budget of merged ranges, and its notes of what was not read."""

    def __init__(self, path: Path, strings: list[str] | None, date_styles: frozenset[str]) -> None:
        self.path = path
        self.strings = strings
        self.date_styles = date_styles
        self.shared_formulas = _SharedFormulas()
        self.merges_left = MAX_MERGED_RANGES
        self.merges_dropped = False
        self.unread: list[str] = []

    def deferred(self, name: str, part: str, data: Callable[[], bytes]) -> Sheet:
        """The sheet, decompressed, guarded and parsed when its cells are first asked for."""
        return Sheet.deferred(name, lambda: self.read(name, part, data))

    def read(
        self, name: str, part: str, data: Callable[[], bytes]
    ) -> tuple[dict[tuple[int, int], Cell], list[str]]:
        """A worksheet's cells with types, formulas and cached results, and its merged ranges.

        Raises:
            UnreadableWorkbookError: the sheet is malformed, or past a budget; its location is the file.
        """
        try:
            return _read_sheet(self, name, part, data())
        except ValueError:
            error = UnreadableWorkbookError(f"sheet {show(name)} has a malformed row or cell reference")
        except UnreadableWorkbookError as exc:
            error = exc
        error.location = str(self.path)
        raise error

    def drop_merge(self, sheet_data_read: bool) -> None:
        """Past the budget of merged ranges: noted once; the parse may stop if the cells are read."""
        if not self.merges_dropped:
            self.merges_dropped = True
            self.unread.append(f"merged ranges beyond the first {MAX_MERGED_RANGES:,} of the workbook: not checked "
                               "against the tables")
        if sheet_data_read:
            raise StopScan  # the cells are read, and nothing after the merged ranges is needed


def _read_sheet(sheets: _Sheets, name: str, part: str, data: bytes) -> tuple[dict[tuple[int, int], Cell], list[str]]:
    """The hot loop of reading a workbook: expat handlers for one worksheet.

    Depth tells elements apart cheaply: the root is at 1, its first sheetData at 2, rows at 3,
    cells at 4 and their values, formulas and inline strings at 5 (an inline string's t at 6,
    or 7 inside a run). A cell's column comes from its reference minus its row's number, the
    cheapest way to split it. The handlers are closures over local state: in this loop that is
    markedly faster than attributes of an object.
    """
    cells: dict[tuple[int, int], Cell] = {}
    merged: list[str] = []
    tags = _SHEET_TAGS
    text_tags = _TEXT_TAGS
    date_styles = sheets.date_styles
    new_cell = tuple.__new__  # builds a Cell without NamedTuple's Python-level __new__: 6 times faster
    depth = 0
    section = ""  # "sheetData" or "mergeCells" while inside the first of either
    seen: set[str] = set()
    in_row = False
    row = col = 0
    digits = ""
    cell: tuple[str, int, int, str, str] | None = None  # ref, row, col, type, style of the open cell
    has_content = False  # the open cell has a child element (a styled empty cell has none)
    raw: str | None = None
    formula: str | None = None
    shared: str | None = None  # the si of a shared formula's f
    child = ""  # the open child of the open cell: "v", "f", "is", or "" for another element
    buffer: list[str] | None = None  # text being collected: of a v, an f, or an inline string's t
    inline: list[str] | None = None  # the t texts of an inline string (is)
    run_depth = 0  # depth of an open r inside an is

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, section, in_row, row, col, digits, cell, has_content, raw, formula, shared, child, buffer
        nonlocal inline, run_depth
        depth += 1
        if depth == 5:
            if cell is not None:
                has_content = True
                child = tags.get(tag, "")
                if child == "v":
                    buffer = []
                elif child == "f":
                    buffer = []
                    shared = attrs.get("si") if attrs.get("t") == "shared" else None
                elif child == "is":
                    inline = []
        elif depth == 4:
            if in_row and tags.get(tag) == "c":
                ref = attrs.get("r")
                cell_row = row
                if ref is None:  # r is optional: the cell follows the previous one
                    col += 1
                    ref = f"{column_letters(col)}{row}"
                elif ref.endswith(digits) and (number := column_number(ref[: -len(digits)])):
                    col = number
                else:
                    cell_row, col = split_ref(ref)
                cell = (ref, cell_row, col, attrs.get("t", "n"), attrs.get("s", "0"))
                has_content = False
                raw = formula = shared = None
        elif depth > 5:
            if inline is not None:
                found = text_tags.get(tag)
                if found == "r" and depth == 6:
                    run_depth = depth
                elif found == "t" and (depth == 6 or (depth == 7 and run_depth)):
                    buffer = []
        elif depth == 3:
            if section == "sheetData":
                if tags.get(tag) == "row":
                    in_row = True
                    row = int(attrs.get("r") or row + 1)
                    digits = str(row)
                    col = 0
            elif section == "mergeCells" and local(tag) == "mergeCell":
                ref = attrs.get("ref", "")
                if sheets.merges_left and 0 < len(ref) <= MAX_MERGED_REF_CHARS:  # longer text is not a range
                    sheets.merges_left -= 1
                    merged.append(ref)
                elif not sheets.merges_left:
                    sheets.drop_merge("sheetData" in seen)
        elif depth == 2:
            found = "sheetData" if tags.get(tag) == "sheetData" else local(tag)
            if found in ("sheetData", "mergeCells") and found not in seen:
                section = found
                seen.add(found)

    def end(tag: str) -> None:
        nonlocal depth, section, in_row, cell, raw, formula, child, buffer, inline, run_depth
        ended = depth
        depth -= 1
        if ended == 5:
            if child == "v":
                raw = "".join(buffer)  # type: ignore[arg-type]
            elif child == "f":
                formula = "".join(buffer)  # type: ignore[arg-type]
                if shared is not None and cell is not None:
                    formula = sheets.shared_formulas.text(name, shared, formula, cell[0])
            elif child == "is":
                raw = "".join(inline)  # type: ignore[arg-type]
                inline = None
            child = ""
            buffer = None
        elif ended == 4:
            if cell is not None:
                if has_content:  # an empty cell (styled, no value or formula): nothing to keep
                    ref, cell_row, cell_col, cell_type, style = cell
                    if cell_type == "n" and raw:  # the common case, inline: about a third of the time
                        try:
                            value = float(raw)
                        except ValueError:
                            raise UnreadableWorkbookError(
                                f"sheet {show(name)}: cell {show(ref)} holds a malformed value") from None
                        cells[cell_row, cell_col] = new_cell(
                            Cell, (ref, cell_row, cell_col, value, formula, "n", style in date_styles))
                    else:
                        cells[cell_row, cell_col] = _cell(sheets, name, cell, raw, formula)
                cell = None
        elif ended > 5:
            if inline is not None:
                if buffer is not None and (ended == 6 or (ended == 7 and run_depth)) and text_tags.get(tag) == "t":
                    inline.append("".join(buffer))
                    buffer = None
                elif ended == run_depth:
                    run_depth = 0
        elif ended == 3:
            in_row = False
        elif ended == 2:
            section = ""

    def text(data: str) -> None:
        if buffer is not None:
            buffer.append(data)

    try:
        parse(data, part, start, end, text)
    except StopScan:
        pass
    return cells, merged


def _cell(sheets: _Sheets, sheet: str, cell: tuple[str, int, int, str, str], raw: str | None,
          formula: str | None) -> Cell:
    """A cell from its type attribute, its v (or inline string) and its f."""
    ref, row, col, cell_type, style = cell
    kind = CELL_KINDS.get(cell_type)
    if kind is None:
        raise UnreadableWorkbookError(f"sheet {show(sheet)}: cell {show(ref)} has an unknown type {show(cell_type)}")
    value: float | str | bool | None
    try:
        if raw is None or (not raw and cell_type not in TEXT_CELL_TYPES):
            value = None
        elif kind == "n":
            value = float(raw)
        elif cell_type == "s":
            strings = sheets.strings
            value = None if strings is None else strings[int(raw)]  # None: the strings part is missing
        elif kind == "b":
            value = raw in ("1", "true")
        else:
            value = unescape(raw) if kind == "s" else raw
    except (ValueError, IndexError):
        raise UnreadableWorkbookError(f"sheet {show(sheet)}: cell {show(ref)} holds a malformed value") from None
    return _new_cell(Cell, (ref, row, col, value, formula, kind, style in sheets.date_styles))


_new_cell = tuple.__new__  # a Cell without NamedTuple's Python-level __new__: 6 times faster


class _SharedFormulas:
    """The shared formulas of one workbook, and the followers' text recovered from them.

    Excel writes a formula filled down or across once, on its first cell (the master), and
    leaves the others (followers) empty. Moving the master's references to each follower
    costs about 0.3 µs per character and 13 µs per formula (45 µs and 1 KB more for each
    master), so a hostile file could demand hours of it: past a budget, followers get the
    master's text unmoved and `formula_text_limited` says so.
    """

    def __init__(self) -> None:
        self.budget = TRANSLATION_BUDGET_CHARS
        self.exhausted = False
        self._masters: dict[tuple[str, str], tuple[str, str]] = {}
        self._translators: dict[tuple[str, str], Any] = {}

    def text(self, sheet: str, shared_id: str, text: str, ref: str) -> str:
        """The formula text at `ref`: the master's own, or the master's moved to `ref`."""
        key = (sheet, shared_id)
        if text:
            self._masters[key] = (text, ref)
            return text
        if key not in self._masters:
            return ""
        master, origin = self._masters[key]
        cost = len(master) + TRANSLATION_COST_CHARS + (0 if key in self._translators else TRANSLATOR_COST_CHARS)
        if self.budget < cost:
            self.exhausted = True
            return master
        self.budget -= cost
        # Imported here: only Excel-saved files hold shared formulas, and importing openpyxl
        # (about 150 ms) would otherwise slow every run; its Translator knows every reference form.
        from openpyxl.formula.tokenizer import TokenizerError
        from openpyxl.formula.translate import Translator, TranslatorError

        try:
            if key not in self._translators:
                self._translators[key] = Translator(f"={master}", origin=origin)
            return self._translators[key].translate_formula(ref)[1:]
        except (TokenizerError, TranslatorError, ValueError):
            return master


# --- tables, links, properties -----------------------------------------------------------


def _read_tables(archive: Archive, sheet: str, sheet_part: str, notes: _Notes) -> list[TableDef]:
    """The Excel Tables a sheet's relationships point at (a missing table part is a note)."""
    found = []
    for rel in _rels(archive, sheet_part, notes, ("/table",)):
        if rel.external:
            continue
        try:
            data = archive.xml(rel.target, f"sheet {show(sheet)}")
        except (MissingPartError, PartReadTwiceError) as exc:
            notes.add(f"a table of sheet {show(sheet)}: {exc.message}")
            continue
        root: dict[str, str] = {}
        columns: list[str] = []

        def table_root(attrs: dict[str, str]) -> None:
            root.update(attrs)

        def column(attrs: dict[str, str], _text: str) -> None:
            if len(columns) < EXCEL_COLUMNS:
                columns.append(clip_name(unescape(attrs.get("name", "")), NAME_CHARS))

        scan(data, rel.target, {"tableColumns": {"tableColumn": Record(column)}}, root=table_root)
        ref = root.get("ref", "")
        try:
            (_, left), (_, right) = split_range(ref)
            header_rows = int(root.get("headerRowCount", "1"))
            totals_rows = int(root.get("totalsRowCount", "0"))
            if header_rows < 0 or totals_rows < 0:
                raise ValueError(ref)
        except ValueError:
            raise UnreadableWorkbookError(
                f"table part {show(rel.target)} has a malformed range or row count"
            ) from None
        found.append(
            TableDef(
                name=clip_name(root.get("displayName") or root.get("name", ""), NAME_CHARS),
                sheet=sheet,
                ref=ref,
                columns=columns[: max(right - left + 1, 0)],  # columns beyond the range hold nothing
                header_rows=header_rows,
                totals_rows=totals_rows,
            )
        )
    return found


def _external_links(archive: Archive, book_rels: list[_Rel], notes: _Notes) -> tuple[list[str], bool]:
    """Where each external link part points (the part itself when its target is not given): the
    first MAX_LISTED of them, and whether there are more."""
    links: list[str] = []
    seen: set[str] = set()
    for rel in book_rels:
        if rel.type.endswith("/externalLink") and not rel.external and rel.target.lower() not in seen:
            seen.add(rel.target.lower())
            targets = [link.target for link in _rels(archive, rel.target, notes, (), external=True)]
            links.extend(targets or [rel.target])
            if len(links) > MAX_LISTED:
                return links[:MAX_LISTED], True
    return links, False


def _custom_properties(archive: Archive, package_rels: list[_Rel], notes: _Notes) -> dict[str, str]:
    """docProps/custom.xml as name -> value text, whatever its declared type."""
    found = _optional_part(archive, package_rels, "/custom-properties", "the package", "custom properties", notes)
    if found is None:
        return {}
    properties: dict[str, str] = {}

    def custom_property(attrs: dict[str, str], text: str) -> None:
        properties[attrs.get("name", "")] = text  # one typed child: vt:lpwstr, vt:i4, vt:bool, vt:filetime ...

    scan(found[1], found[0], {"property": Record(custom_property, CHILD_TEXT)})
    return properties


# --- text --------------------------------------------------------------------------------


def unescape(text: str) -> str:
    """Decode the _xHHHH_ escapes OOXML uses for characters XML cannot carry.

    Excel writes a character outside the Basic Multilingual Plane (an emoji) as the escapes
    of its two UTF-16 surrogates: a pair becomes its character, and a lone surrogate, which
    would make every later UTF-8 encoding (reports, JSON) fail, becomes U+FFFD. One pass.
    """
    if "_x" not in text:
        return text
    out: list[str] = []
    start = 0
    surrogates = False
    while (found := text.find("_x", start)) >= 0:
        code = _escape_code(text, found)
        if code is None:
            out.append(text[start:found + 2])
            start = found + 2
            continue
        out.append(text[start:found])
        out.append(chr(code))
        surrogates = surrogates or 0xD800 <= code <= 0xDFFF
        start = found + 7
    out.append(text[start:])
    decoded = "".join(out)
    if surrogates:
        decoded = decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return decoded


def _escape_code(text: str, at: int) -> int | None:
    """The code point of an _xHHHH_ escape starting at `at`, or None if there is none there."""
    digits = text[at + 2:at + 6]
    if len(digits) != 4 or text[at + 6:at + 7] != "_" or not all(c in "0123456789abcdefABCDEF" for c in digits):
        return None
    return int(digits, 16)

