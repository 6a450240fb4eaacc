"""Hostile and damaged workbook files, built by code so that no binary is committed.

Each builder writes one file into a folder and returns its path. `HOSTILE_CASES` names
them with what reading them must give, so the package tests and, later, the command-line
tests can run the same corpus: an unreadable file must give XC001 with a message holding
`words`; a readable one must carry a warning holding them.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import openpyxl

from xlcase.package import column_letters
from xlcase.package.contents import column_number

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECRET_FILE = "/etc/passwd"  # what the XXE payload tries to read; its content must never surface
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_PART = "xl/worksheets/sheet1.xml"
BOMB_BYTES = 1024**3 + 1024**2  # just over 1 GB once decompressed
RATIO_BOMB_BYTES = 40 * 1024**2  # under the 300 MB total, but ~1000:1
CHUNK = b" " * (4 * 1024**2)


class HostileCase(NamedTuple):
    """A file to build and what reading it must give."""

    build: Callable[[Path], Path]
    outcome: Literal["unreadable", "warning"]
    words: tuple[str, ...]  # lower-case words the error message (or a warning) must contain


@cache
def base_workbook() -> bytes:
    """A small, valid workbook written by openpyxl, the starting point of most cases."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Inputs"
    sheet["A1"] = "Discount rate"
    sheet["B1"] = 0.035
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(source: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip with some members replaced and others added."""
    replace = replace or {}
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return output.getvalue()


def member(source: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        return archive.read(name)


def _insert_before(source: bytes, name: str, marker: bytes, addition: bytes) -> bytes:
    """The member `name` of `source` with `addition` put before the last `marker`."""
    text = member(source, name)
    cut = text.rindex(marker)
    return text[:cut] + addition + text[cut:]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def not_a_zip(folder: Path) -> Path:
    """A CSV export saved with an .xlsx name."""
    return _write(folder, "csv_renamed.xlsx", b"Option,Category,Amount\nO1,training,45000\n")


def pdf_renamed(folder: Path) -> Path:
    return _write(folder, "pdf_renamed.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")


def html_renamed(folder: Path) -> Path:
    """What a browser saves when a download link returns a login page."""
    return _write(folder, "html_renamed.xlsx", b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n")


def empty_file(folder: Path) -> Path:
    return _write(folder, "empty.xlsx", b"")


def missing_file(folder: Path) -> Path:
    """A path where no file is."""
    return folder / "does_not_exist.xlsx"


def truncated_zip(folder: Path) -> Path:
    """A real workbook cut in half, as an interrupted upload leaves it."""
    data = base_workbook()
    return _write(folder, "truncated.xlsx", data[: len(data) // 2])


def encrypted_workbook(folder: Path) -> Path:
    """Excel saves a password-protected .xlsx as an OLE compound file: its magic, padded to a sector."""
    return _write(folder, "encrypted.xlsx", OLE_MAGIC + bytes(504))


def old_xls(folder: Path) -> Path:
    """An Excel 97-2003 workbook is an OLE compound file too."""
    return _write(folder, "old_format.xls", OLE_MAGIC + bytes(504))


def zip_bomb(folder: Path) -> Path:
    """A worksheet member that expands to over 1 GB from about 1 MB, streamed so it is never in memory."""
    path = folder / "zip_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            archive.writestr(name, member(base_workbook(), name))
        with archive.open(SHEET_PART, "w") as stream:
            for _ in range(BOMB_BYTES // len(CHUNK)):
                stream.write(CHUNK)
            stream.write(b" " * (BOMB_BYTES % len(CHUNK)))
    return path


def ratio_bomb(folder: Path) -> Path:
    """A member small enough for the total limit that still expands about 1,000 times."""
    path = folder / "ratio_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/media/padding.bin", "w") as stream:
            for _ in range(RATIO_BOMB_BYTES // len(CHUNK)):
                stream.write(CHUNK)
    return path


def lying_sizes(folder: Path) -> Path:
    """A zip whose directory declares the worksheet far smaller than it is."""
    data = bytearray(base_workbook())
    name = SHEET_PART.encode()
    entry = data.index(b"PK\x01\x02")  # the first central directory header
    while data[entry + 46 : entry + 46 + len(name)] != name:  # walk the central directory to the sheet
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[entry + 28 : entry + 34])
        entry += 46 + name_length + extra_length + comment_length
    data[entry + 24 : entry + 28] = struct.pack("<I", 10)  # uncompressed size: 10 bytes
    return _write(folder, "lying_sizes.xlsx", bytes(data))


def too_many_entries(folder: Path) -> Path:
    """A valid workbook padded with 2,100 tiny members."""
    padding = {f"customXml/item{number}.xml": b"<a/>" for number in range(2_100)}
    return _write(folder, "too_many_entries.xlsx", rewrite(base_workbook(), add=padding))


def _zip(members: dict[str, str]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return output.getvalue()


def plain_zip(folder: Path) -> Path:
    """A zip that is not an Office document at all."""
    return _write(folder, "plain.xlsx", _zip({"readme.txt": "not a workbook"}))


def ods_renamed(folder: Path) -> Path:
    """A LibreOffice spreadsheet saved in its own format, with an .xlsx name."""
    members = {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document/>"}
    return _write(folder, "ods_renamed.xlsx", _zip(members))


def docx_renamed(folder: Path) -> Path:
    """A Word document: an Office package, but with no workbook part."""
    members = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "word/document.xml": "<document/>",
    }
    return _write(folder, "docx_renamed.xlsx", _zip(members))


def malformed_xml(folder: Path) -> Path:
    """The example's Costs sheet, which validation reads, with XML that stops in the middle."""
    data = example_workbook()
    costs = table_place(data, "Costs")
    sheet = member(data, costs.sheet_part)
    return _write(folder, "malformed_xml.xlsx", rewrite(data, replace={costs.sheet_part: sheet[: len(sheet) // 2]}))


CALCULATED_SHEETS = ("Workforce costs", "Appraisal", "Affordability", "Checks", "Lists")  # validation never reads them


def sheet_part_of(data: bytes, name: str) -> str:
    """The part of a sheet, by name, in a workbook written by xlcase (which writes sheetN in order)."""
    book = member(data, "xl/workbook.xml").decode()
    before = book[: book.index(f'<sheet name="{name}"')]
    return f"xl/worksheets/sheet{before.count('<sheet ') + 1}.xml"


def malformed_calculated_sheet(folder: Path) -> Path:
    """The example with its Appraisal sheet (calculated; validation never reads it) cut in the middle."""
    data = example_workbook()
    part = sheet_part_of(data, "Appraisal")
    sheet = member(data, part)
    return _write(folder, "malformed_calculated_sheet.xlsx", rewrite(data, replace={part: sheet[: len(sheet) // 2]}))


def xxe(folder: Path) -> Path:
    """Shared strings whose only string is an external entity that reads a local file."""
    strings = (
        f'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file://{SECRET_FILE}">]>\n'
        f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    ).encode()
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    sheet += "</worksheet>"
    source = base_workbook()
    rels = _insert_before(
        source,
        "xl/_rels/workbook.xml.rels",
        b"</Relationships>",
        f'<Relationship Id="rIdXXE" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'.encode(),
    )
    data = rewrite(
        source,
        replace={SHEET_PART: sheet.encode(), "xl/_rels/workbook.xml.rels": rels},
        add={"xl/sharedStrings.xml": strings},
    )
    return _write(folder, "xxe.xlsx", data)


def billion_laughs(folder: Path) -> Path:
    """A worksheet whose inline string is an entity that expands to a billion copies."""
    entities = "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{entities}]>\n'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c>'
        "</row></sheetData></worksheet>"
    ).encode()
    return _write(folder, "billion_laughs.xlsx", rewrite(base_workbook(), replace={SHEET_PART: sheet}))


def macro_workbook(folder: Path) -> Path:
    """An .xlsm: a VBA project member, its relationship and the macro-enabled content type."""
    source = base_workbook()
    types = member(source, "[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    cut = types.rindex(b"</Types>")
    types = types[:cut] + b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>' + types[cut:]
    rels = _insert_before(
        source,
        "xl/_rels/workbook.xml.rels",
        b"</Relationships>",
        b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
        b' Target="vbaProject.bin"/>',
    )
    data = rewrite(
        source,
        replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
        add={"xl/vbaProject.bin": OLE_MAGIC + bytes(1024)},
    )
    return _write(folder, "macros.xlsm", data)


EXTERNAL_TARGET = "file:///C:/Finance/budget.xlsx"


def external_link(folder: Path) -> Path:
    """A workbook linked to another file, as copying a cell from another workbook leaves it."""
    source = base_workbook()
    link = (
        f'<externalLink xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><externalBook r:id="rId1"><sheetNames>'
        '<sheetName val="Budget"/></sheetNames></externalBook></externalLink>'
    ).encode()
    link_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/externalLinkPath" Target="{EXTERNAL_TARGET}" TargetMode="External"/>'
        "</Relationships>"
    ).encode()
    book = member(source, "xl/workbook.xml").replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdLink"/></externalReferences>'
    )
    rels = _insert_before(
        source,
        "xl/_rels/workbook.xml.rels",
        b"</Relationships>",
        f'<Relationship Id="rIdLink" Type="{REL_NS}/externalLink" Target="externalLinks/externalLink1.xml"/>'.encode(),
    )
    types = _insert_before(
        source,
        "[Content_Types].xml",
        b"</Types>",
        b'<Override PartName="/xl/externalLinks/externalLink1.xml"'
        b' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>',
    )
    data = rewrite(
        source,
        replace={"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
        add={"xl/externalLinks/externalLink1.xml": link, "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels},
    )
    return _write(folder, "external_link.xlsx", data)




# -- files that cost more than their size: built from a real generated workbook --------------------
#
# Each class below once made reading take time or memory out of proportion to the file's bytes
# (issue 9). The builders edit the XML of the example workbook directly, so each file is made in
# about a second, and they keep every member's compression ratio under the zip-bomb limit (random
# text where an attacker would use it), so that it is the reader, not the zip check, that is tested.

EXAMPLE_CASE = Path(__file__).resolve().parent.parent / "examples" / "ward-assistant-practitioners.yaml"
LAST_ROW = 1_048_576  # Excel's last row
WIDE_COLUMNS = 206  # the width the stretched table had
SPACES = 32_000  # a number cell of this many spaces and a letter never finished under the old parser
MANY_MERGES = 2_000_000
DENSE_CELLS = 4_300_000  # one-digit cells: 63 MB of XML
LONG_NAME_FINDINGS = 20


@cache
def example_workbook() -> bytes:
    """The example business case written by xlcase: the workbook a trust fills in and sends back."""
    import tempfile

    from xlcase.api import new_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "example.xlsx"
        new_workbook(path, case_file=EXAMPLE_CASE)
        return path.read_bytes()


class TablePlace(NamedTuple):
    """Where a table of the example workbook is: its parts, its range and its column headers."""

    sheet_part: str
    table_part: str
    top: int
    left: int
    bottom: int
    right: int
    columns: list[str]

    def ref(self, row: int, header: str) -> str:
        """The A1 reference of a data row's cell (row 1 = the first row under the header)."""
        return f"{column_letters(self.left + self.columns.index(header))}{self.top + row}"


def table_place(data: bytes, name: str) -> TablePlace:
    """Find a table by name in a workbook written by xlcase (trusted, so plain parsing is fine)."""
    import re
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        for part in (n for n in names if n.startswith("xl/tables/")):
            root = ElementTree.fromstring(archive.read(part))
            if root.get("displayName") != name:
                continue
            columns = [c.get("name", "") for c in root.iter(f"{{{MAIN_NS}}}tableColumn")]
            top_left, bottom_right = root.get("ref", "").split(":")
            (c1, r1), (c2, r2) = (re.fullmatch(r"([A-Z]+)(\d+)", ref).groups() for ref in (top_left, bottom_right))
            file_name = part.rsplit("/", 1)[1]
            rels = next(n for n in names if n.startswith("xl/worksheets/_rels/") and f"/{file_name}" in
                        archive.read(n).decode())
            sheet_part = "xl/worksheets/" + rels.rsplit("/", 1)[1].removesuffix(".rels")
            return TablePlace(sheet_part, part, int(r1), column_number(c1), int(r2), column_number(c2), columns)
    raise KeyError(name)


def set_cell(sheet_xml: bytes, ref: str, cell_xml: str) -> bytes:
    """A sheet's XML with the cell at `ref` replaced (the cell must exist, as the table's cells do)."""
    import re

    pattern = re.compile(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)'.encode(), re.DOTALL)
    new, found = pattern.subn(cell_xml.encode().replace(b"\\", b"\\\\"), sheet_xml, count=1)
    assert found, ref
    return new


def inline_text(ref: str, text: str) -> str:
    """A cell holding text (an inline string), as other spreadsheet programs write it."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'


def _random_letters(count: int, seed: int = 9) -> str:
    """Text that does not compress (so a member holding it passes the zip-bomb ratio check)."""
    return "".join(random.Random(seed).choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", k=count))


def number_text_spaces(folder: Path) -> Path:
    """Money cells typed as text with thousands of spaces: the old parser backtracked for minutes."""
    data = example_workbook()
    costs = table_place(data, "Costs")
    sheet = member(data, costs.sheet_part)
    texts = {"Year 1": " " * SPACES + "x", "Year 2": "(" + " " * SPACES + "1", "Year 3": "£" + " " * SPACES + "-x"}
    for header, text in texts.items():
        sheet = set_cell(sheet, costs.ref(1, header), inline_text(costs.ref(1, header), text))
    return _write(folder, "number_text_spaces.xlsx", rewrite(data, replace={costs.sheet_part: sheet}))


def _stretch_costs(columns: list[str], name: str, folder: Path) -> Path:
    """The Costs table declared down to Excel's last row and across `columns`, with one far cell."""
    data = example_workbook()
    costs = table_place(data, "Costs")
    right = column_letters(costs.left + len(columns) - 1)
    table = member(data, costs.table_part).decode()
    old_ref = f"{column_letters(costs.left)}{costs.top}:{column_letters(costs.right)}{costs.bottom}"
    new_ref = f"{column_letters(costs.left)}{costs.top}:{right}{LAST_ROW}"
    head, _, rest = table.partition("<tableColumns")
    _, _, tail = rest.partition("</tableColumns>")
    listed = "".join(f'<tableColumn id="{i + 1}" name="{header}"/>' for i, header in enumerate(columns))
    table = (head.replace(old_ref, new_ref) + f'<tableColumns count="{len(columns)}">{listed}</tableColumns>' + tail)
    far = costs.ref(LAST_ROW - costs.top, "Description")
    sheet = member(data, costs.sheet_part).replace(
        b"</sheetData>", f'<row r="{LAST_ROW}">{inline_text(far, "a line far below")}</row></sheetData>'.encode())
    sheet = sheet.replace(f'<dimension ref="{old_ref}"'.encode(), f'<dimension ref="{new_ref}"'.encode())
    return _write(folder, name, rewrite(data, replace={costs.table_part: table.encode(), costs.sheet_part: sheet}))


def stretched_table(folder: Path) -> Path:
    """The issue's case: a table 206 columns wide declared over a million rows, one cell far below."""
    columns = table_place(example_workbook(), "Costs").columns
    extra = [f"Extra {n}" for n in range(WIDE_COLUMNS - len(columns))]
    return _stretch_costs(columns + extra, "stretched_table.xlsx", folder)


def stretched_table_duplicate_columns(folder: Path) -> Path:
    """The same, its extra columns named like the real ones (and some with no name at all)."""
    columns = table_place(example_workbook(), "Costs").columns
    extra = [columns[n % len(columns)] if n % 4 else "" for n in range(WIDE_COLUMNS - len(columns))]
    return _stretch_costs(columns + extra, "stretched_table_duplicates.xlsx", folder)


def many_merges(folder: Path, count: int = MANY_MERGES) -> Path:
    """Merged ranges by the million on the Costs sheet, 30 of them across the Costs table."""
    return _write(folder, f"merges_{count}.xlsx", _many_merges_bytes(count))


@cache
def _many_merges_bytes(count: int = MANY_MERGES) -> bytes:
    data = example_workbook()
    costs = table_place(data, "Costs")
    first, second = column_letters(costs.left), column_letters(costs.left + 1)
    across = [f"{first}{row}:{second}{row}" for row in range(costs.top + 1, costs.top + 31)]
    # Below the table, short references at scattered places (repeating ones would compress too well).
    letters = [column_letters(col) for col in range(1, 602)]
    below = (f"{letters[n * 7_919 % 600]}{76 + n * 104_729 % 9_900}:{letters[n * 7_919 % 600 + 1]}"
             f"{76 + n * 104_729 % 9_900}" for n in range(count - len(across)))
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in [*across, *below])
    merges = f'<mergeCells count="{count}">{cells}</mergeCells>'.encode()
    sheet = member(data, costs.sheet_part)
    if b"<mergeCells" in sheet:
        start, end = sheet.index(b"<mergeCells"), sheet.index(b"</mergeCells>") + len(b"</mergeCells>")
        sheet = sheet[:start] + sheet[end:]
    sheet = sheet.replace(b"</sheetData>", b"</sheetData>" + merges, 1)
    return rewrite(data, replace={costs.sheet_part: sheet})


def long_names(folder: Path) -> Path:
    """A 12 MB sheet name, a 1 MB defined name and a 1 MB table column header; and 20 findings
    on the long-named sheet (text in money cells), each of which names the sheet."""
    return _write(folder, "long_names.xlsx", _long_names_bytes())


@cache
def _long_names_bytes() -> bytes:
    data = example_workbook()
    long_sheet = "Costs " + _random_letters(12 * 1024**2)
    book = member(data, "xl/workbook.xml").replace(b'<sheet name="Costs"', f'<sheet name="{long_sheet}"'.encode())
    long_name = _random_letters(1024**2, seed=3)
    book = book.replace(b"</definedNames>",
                        f'<definedName name="N{long_name}">Inputs!$C$5</definedName></definedNames>'.encode())
    costs = table_place(data, "Costs")
    header = f'name="Year 9 {_random_letters(1024**2, seed=4)}"'.encode()
    table = member(data, costs.table_part).replace(b'name="Year 9"', header)
    sheet = member(data, costs.sheet_part)
    for row in range(1, LONG_NAME_FINDINGS + 1):  # findings on the long-named sheet: each names it
        sheet = set_cell(sheet, costs.ref(row, "Year 1"), inline_text(costs.ref(row, "Year 1"), "lots"))
    return rewrite(
        data, replace={"xl/workbook.xml": book, costs.table_part: table, costs.sheet_part: sheet})


def year_digits(folder: Path) -> Path:
    """A Costs column headed "Year 999...9" with 5,000 digits, more than Python converts to a number."""
    data = example_workbook()
    costs = table_place(data, "Costs")
    table = member(data, costs.table_part).replace(b'name="Year 9"', f'name="Year {"9" * 5_000}"'.encode())
    return _write(folder, "year_digits.xlsx", rewrite(data, replace={costs.table_part: table}))


def add_sheet(data: bytes, name: str, sheet_xml: bytes, rel_id: str = "rIdExtra") -> bytes:
    """A copy of a workbook with one more sheet (its part, relationship, content type and entry)."""
    part = "xl/worksheets/extra.xml"
    book = member(data, "xl/workbook.xml").replace(
        b"</sheets>", f'<sheet name="{name}" sheetId="999" r:id="{rel_id}"/></sheets>'.encode())
    rels = _insert_before(data, "xl/_rels/workbook.xml.rels", b"</Relationships>",
                          f'<Relationship Id="{rel_id}" Type="{REL_NS}/worksheet" Target="/{part}"/>'.encode())
    types = _insert_before(data, "[Content_Types].xml", b"</Types>",
                           f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
                           'officedocument.spreadsheetml.worksheet+xml"/>'.encode())
    return rewrite(data, replace={"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels,
                                  "[Content_Types].xml": types}, add={part: sheet_xml})


def _digits(count: int, seed: int) -> bytes:
    """Random decimal digits (random enough that the XML compresses less than 200 times)."""
    table = bytes(b"0123456789"[byte % 10] for byte in range(256))
    return random.Random(seed).randbytes(count).translate(table)


def dense_rows(cells: int, seed: int = 5) -> bytes:
    """Rows of `cells` one-digit number cells without references, 1,000 to a row."""
    unit = b"<c><v>0</v></c>"
    body = bytearray(unit * cells)
    body[6::len(unit)] = _digits(cells, seed)
    return b"".join(b"<row>" + bytes(body[start:start + 1000 * len(unit)]) + b"</row>"
                    for start in range(0, len(body), 1000 * len(unit)))


def below_costs(data: bytes, rows: bytes) -> bytes:
    """A copy of a generated workbook with rows added below the Costs sheet's last row: on a sheet
    the validator reads (an extra sheet it never looks at is never decompressed)."""
    part = table_place(data, "Costs").sheet_part
    sheet = member(data, part)
    cut = sheet.rindex(b"</sheetData>")
    return rewrite(data, replace={part: sheet[:cut] + rows + sheet[cut:]})


def book_elements(data: bytes) -> int:
    """The XML elements of a workbook as the reader's element budget counts them (its "<" not starting "</")."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels"))]
    return sum(part.count(b"<") - part.count(b"</") for part in parts)


def dense_sheet(folder: Path, cells: int = DENSE_CELLS, name: str = "dense_sheet.xlsx") -> Path:
    """Millions of tiny cells below the costs: 63 MB of XML, just under the uncompressed limit."""
    return _write(folder, name, _dense_sheet_bytes(cells))


@cache
def _dense_sheet_bytes(cells: int) -> bytes:
    return below_costs(example_workbook(), dense_rows(cells))


def pasted_data_sheet(folder: Path) -> Path:
    """An extra sheet of millions of cells, as if raw data were pasted in beside the case."""
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode() + dense_rows(DENSE_CELLS) + b"</sheetData></worksheet>"
    return _write(folder, "pasted_data_sheet.xlsx", add_sheet(example_workbook(), "Data", sheet))


def empty_elements(folder: Path) -> Path:
    """15 million empty cells (`<c/>`) below the costs: nothing to keep, everything to parse."""
    return _write(folder, "empty_elements.xlsx", _empty_elements_bytes())


@cache
def _empty_elements_bytes() -> bytes:
    count = 15_000_000  # 60 MB of cells: under the 64 MB uncompressed limit with the workbook, far over the elements
    per_row = 16_000
    # Plain repetition compresses about 1,000 times: a comment of random digits in each row keeps
    # the ratio under the limit without adding elements.
    noise = _digits(2_000 * (count // per_row), 7)
    rows = b"".join(b"<row>" + b"<c/>" * per_row + b"<!--" + noise[2_000 * n:2_000 * (n + 1)] + b"--></row>"
                    for n in range(count // per_row))
    return below_costs(example_workbook(), rows)


def huge_shared_strings(folder: Path) -> Path:
    """A shared-strings part of 3.3 million short strings (60 MB), none of them used."""
    return _write(folder, "huge_shared_strings.xlsx", _huge_shared_strings_bytes())


@cache
def _huge_shared_strings_bytes() -> bytes:
    count = 3_300_000
    unit = b"<si><t>abc</t></si>"
    items = bytearray(unit * count)
    letters = bytes(b"abcdefghijklmnopqrstuvwxyz"[byte % 26] for byte in range(256))
    for offset in (7, 8, 9):
        items[offset::len(unit)] = random.Random(offset).randbytes(count).translate(letters)
    strings = f'<sst xmlns="{MAIN_NS}">'.encode() + bytes(items) + b"</sst>"
    data = example_workbook()
    rels = _insert_before(data, "xl/_rels/workbook.xml.rels", b"</Relationships>",
                          f'<Relationship Id="rIdStrings" Type="{REL_NS}/sharedStrings" '
                          'Target="/xl/sharedStrings.xml"/>'.encode())
    return rewrite(data, replace={"xl/_rels/workbook.xml.rels": rels}, add={"xl/sharedStrings.xml": strings})


def _zip_members(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    import warnings

    output = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicated name: that is the point
        with zipfile.ZipFile(output, "w", compression) as archive:
            for name, content in members:
                archive.writestr(name, content)
    return output.getvalue()


def _members_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def _other_inputs_cell(data: bytes) -> bytes:
    """The Inputs sheet with its discount rate changed: what a second copy of the sheet would show."""
    return member(data, "xl/worksheets/sheet1.xml").replace(b"<v>0.035</v>", b"<v>0.5</v>")


def case_twin_members(folder: Path) -> Path:
    """Two members whose names differ only in case: Excel and xlcase could each read a different one."""
    data = base_workbook()
    members = [*_members_of(data), (SHEET_PART.replace("sheet1", "Sheet1"), _other_inputs_cell(data))]
    return _write(folder, "case_twins.xlsx", _zip_members(members))


def duplicate_members(folder: Path) -> Path:
    """The same member name twice, with different contents."""
    data = base_workbook()
    members = [*_members_of(data), (SHEET_PART, _other_inputs_cell(data))]
    return _write(folder, "duplicate_members.xlsx", _zip_members(members))


def backslash_twin_members(folder: Path) -> Path:
    """A member named with backslashes beside its twin named with slashes."""
    data = base_workbook()
    members = [*_members_of(data), (SHEET_PART.replace("/", "\\"), _other_inputs_cell(data))]
    return _write(folder, "backslash_twins.xlsx", _zip_members(members))


def bzip2_members(folder: Path) -> Path:
    """A zip compressed with bzip2, which Excel never writes (it writes stored and deflated members)."""
    return _write(folder, "bzip2.xlsx", _zip_members(_members_of(base_workbook()), zipfile.ZIP_BZIP2))


def backslash_members(folder: Path) -> Path:
    """Every member named with Windows backslashes, as some other producers write them."""
    members = [(name.replace("/", "\\"), content) for name, content in _members_of(base_workbook())]
    return _write(folder, "backslashes.xlsx", _zip_members(members))


def unread_parts(folder: Path) -> Path:
    """A veryHidden legacy sheet with an empty r:id, a sheet whose part is missing, and a table whose
    part is missing: the rest of the workbook still reads."""
    data = example_workbook()
    book = member(data, "xl/workbook.xml").replace(
        b"</sheets>", b'<sheet name="Legacy" sheetId="90" state="veryHidden" r:id=""/>'
                      b'<sheet name="Lost" sheetId="91" r:id="rIdLost"/></sheets>')
    rels = _insert_before(data, "xl/_rels/workbook.xml.rels", b"</Relationships>",
                          f'<Relationship Id="rIdLost" Type="{REL_NS}/worksheet" Target="worksheets/lost.xml"/>'
                          .encode())
    costs = table_place(data, "Costs")
    sheet_rels = costs.sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    table_rels = _insert_before(data, sheet_rels, b"</Relationships>",
                                f'<Relationship Id="rIdGone" Type="{REL_NS}/table" Target="../tables/gone.xml"/>'
                                .encode())
    return _write(folder, "unread_parts.xlsx", rewrite(
        data, replace={"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels, sheet_rels: table_rels}))


def astral_escapes(folder: Path) -> Path:
    """Text cells holding the OOXML escapes of a character outside the BMP (a surrogate pair, as
    Excel writes it) and of a lone surrogate."""
    data = example_workbook()
    risks = table_place(data, "Risks")
    sheet = member(data, risks.sheet_part)
    sheet = set_cell(sheet, risks.ref(1, "Owner"), inline_text(risks.ref(1, "Owner"), "Ward manager _xD83D__xDE00_"))
    sheet = set_cell(sheet, risks.ref(2, "Owner"), inline_text(risks.ref(2, "Owner"), "Matron _xD83D_ alone"))
    return _write(folder, "astral_escapes.xlsx", rewrite(data, replace={risks.sheet_part: sheet}))


def many_table_rows(folder: Path, rows: int) -> Path:
    """The AlternativeSources table (one text column, at the foot of its sheet) with `rows` rows."""
    data = example_workbook()
    place = table_place(data, "AlternativeSources")
    letter = column_letters(place.left)
    new_bottom = place.top + rows
    table = member(data, place.table_part).replace(
        f'ref="{letter}{place.top}:{letter}{place.bottom}"'.encode(), f'ref="{letter}{place.top}:{letter}{new_bottom}"'
        .encode())
    sheet = member(data, place.sheet_part)
    added = "".join(f'<row r="{row}">{inline_text(f"{letter}{row}", f"Source {row}")}</row>'
                    for row in range(place.bottom + 1, new_bottom + 1))
    sheet = sheet.replace(b"</sheetData>", added.encode() + b"</sheetData>")
    return _write(folder, f"table_rows_{rows}.xlsx", rewrite(data, replace={place.table_part: table,
                                                                           place.sheet_part: sheet}))


def repeated_sheet_part(folder: Path) -> Path:
    """300,000 sheet entries that all name one small part: every entry is a parse of it."""
    return _write(folder, "repeated_sheet_part.xlsx", _repeated_sheet_part_bytes())


@cache
def _repeated_sheet_part_bytes() -> bytes:
    data = add_sheet(example_workbook(), "Small", f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1">'
                     "<v>1</v></c></row></sheetData></worksheet>".encode())
    entries = "".join(f'<sheet name="Copy {n}" sheetId="{1000 + n}" r:id="rIdExtra"/>' for n in range(300_000))
    book = member(data, "xl/workbook.xml").replace(b"</sheets>", entries.encode() + b"</sheets>")
    return rewrite(data, replace={"xl/workbook.xml": book})


def many_styles(folder: Path) -> Path:
    """Three million cell formats (Excel allows 64,000), each showing a date."""
    return _write(folder, "many_styles.xlsx", _many_styles_bytes())


@cache
def _many_styles_bytes() -> bytes:
    data = example_workbook()
    styles = member(data, "xl/styles.xml")
    start = styles.index(b"<cellXfs")
    end = styles.index(b"</cellXfs>") + len(b"</cellXfs>")
    unit = b'<xf numFmtId="14"/>'
    formats = bytearray(unit * 3_000_000)
    formats[15::len(unit)] = bytes(b"0123456789"[byte % 10] for byte in random.Random(17).randbytes(3_000_000))
    styles = styles[:start] + b'<cellXfs count="3000000">' + bytes(formats) + b"</cellXfs>" + styles[end:]
    return rewrite(data, replace={"xl/styles.xml": styles})


def bracketed_number_format(folder: Path) -> Path:
    """A custom number format of 200,000 unclosed brackets: the old date-format test was quadratic."""
    data = example_workbook()
    styles = member(data, "xl/styles.xml")
    custom = f'<numFmts count="1"><numFmt numFmtId="200" formatCode="{"[" * 200_000}"/></numFmts>'.encode()
    if b"<numFmts" in styles:
        start, end = styles.index(b"<numFmts"), styles.index(b"</numFmts>") + len(b"</numFmts>")
        styles = styles[:start] + styles[end:]
    styles = styles.replace(b"<fonts", custom + b"<fonts", 1)
    styles = styles.replace(b"</cellXfs>", b'<xf numFmtId="200"/></cellXfs>')
    return _write(folder, "bracketed_number_format.xlsx", rewrite(data, replace={"xl/styles.xml": styles}))


def error_in_text_list(folder: Path) -> Path:
    """An error value (#N/A) in the one-column AlternativeSources table: once the whole case was lost."""
    data = example_workbook()
    place = table_place(data, "AlternativeSources")
    ref = place.ref(1, "Source")
    sheet = set_cell(member(data, place.sheet_part), ref, f'<c r="{ref}" t="e"><v>#N/A</v></c>')
    return _write(folder, "error_in_text_list.xlsx", rewrite(data, replace={place.sheet_part: sheet}))


HOSTILE_CASES: dict[str, HostileCase] = {
    "not_a_zip": HostileCase(not_a_zip, "unreadable", ("not a zip", "csv")),
    "pdf_renamed": HostileCase(pdf_renamed, "unreadable", ("not a zip", "pdf")),
    "html_renamed": HostileCase(html_renamed, "unreadable", ("not a zip", "html")),
    "empty_file": HostileCase(empty_file, "unreadable", ("empty",)),
    "missing_file": HostileCase(missing_file, "unreadable", ("not found",)),
    "truncated_zip": HostileCase(truncated_zip, "unreadable", ("truncated",)),
    "encrypted_workbook": HostileCase(encrypted_workbook, "unreadable", ("password", ".xls", "save it as .xlsx")),
    "old_xls": HostileCase(old_xls, "unreadable", ("password", ".xls", "save it as .xlsx")),
    "zip_bomb": HostileCase(zip_bomb, "unreadable", ("zip bomb", "limit")),
    "ratio_bomb": HostileCase(ratio_bomb, "unreadable", ("zip bomb", "times")),
    "lying_sizes": HostileCase(lying_sizes, "unreadable", ("damaged",)),
    "too_many_entries": HostileCase(too_many_entries, "unreadable", ("members", "limit")),
    "plain_zip": HostileCase(plain_zip, "unreadable", ("[content_types].xml",)),
    "ods_renamed": HostileCase(ods_renamed, "unreadable", ("opendocument", "save it as .xlsx")),
    "docx_renamed": HostileCase(docx_renamed, "unreadable", ("not an excel workbook", "word document")),
    "malformed_xml": HostileCase(malformed_xml, "unreadable", ("not well-formed",)),
    "xxe": HostileCase(xxe, "unreadable", ("doctype", "refused")),
    "billion_laughs": HostileCase(billion_laughs, "unreadable", ("doctype", "refused")),
    "macro_workbook": HostileCase(macro_workbook, "warning", ("macros",)),
    "external_link": HostileCase(external_link, "warning", ("external link",)),
    # what is validated must be what Excel shows: no member may be read in place of another
    "case_twin_members": HostileCase(case_twin_members, "unreadable", ("ambiguous package",)),
    "duplicate_members": HostileCase(duplicate_members, "unreadable", ("ambiguous package",)),
    "backslash_twin_members": HostileCase(backslash_twin_members, "unreadable", ("ambiguous package",)),
    "bzip2_members": HostileCase(bzip2_members, "unreadable", ("bzip2 compression method",)),
    # more XML than the budget of elements, each under the 64 MB and ratio limits (issue 9)
    "dense_sheet": HostileCase(dense_sheet, "unreadable", ("elements", "limit")),
    "empty_elements": HostileCase(empty_elements, "unreadable", ("elements", "limit")),
    "huge_shared_strings": HostileCase(huge_shared_strings, "unreadable", ("elements", "limit")),
    "many_merges": HostileCase(many_merges, "unreadable", ("elements", "limit")),
    "many_styles": HostileCase(many_styles, "unreadable", ("elements", "limit")),
}
