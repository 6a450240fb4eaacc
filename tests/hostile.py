"""Hostile and damaged workbook files, built by code so that no binary is committed.

Each builder writes one file into a folder and returns its path. `HOSTILE_CASES` names
them with what reading them must give, so the package tests and, later, the command-line
tests can run the same corpus: an unreadable file must give XC001 with a message holding
`words`; a readable one must carry a warning holding them.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import openpyxl

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
    """A worksheet whose XML stops in the middle."""
    broken = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'.encode()
    return _write(folder, "malformed_xml.xlsx", rewrite(base_workbook(), replace={SHEET_PART: broken}))


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
}
