"""The guard: what a file must pass before, and while, any of its XML is parsed.

The validator reads hundreds of untrusted workbooks. Before anything is decompressed, the
file's size, the zip's member count, declared sizes, compression ratios and compression
methods are checked, and member names are normalised (Windows backslashes become slashes)
and refused when two of them could name the same part: Excel, LibreOffice and xlcase might
then each show a different one. While reading, each part's bytes count against a budget of
decompressed bytes, its elements against a budget of XML elements (what parsing costs grows
with the number of elements, not with the bytes), and any DOCTYPE is refused before a parser sees the part,
so no entity is ever declared, expanded or fetched. Each part is read at most once: a part that
several sheets or tables name is work an attacker could multiply.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from defusedxml.common import DTDForbidden

from xlcase.errors import UnreadableWorkbookError

MEGABYTE = 1024**2
RATIO_CHECK_FLOOR = MEGABYTE  # members smaller than this may compress as well as they like
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and .xls are both OLE files
EXCEL_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}  # all that Excel writes
COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "deflate64"}
PROLOG_BYTES = 8192  # a part's first bytes, enough for any prolog a producer writes
SHOWN_CHARS = 80  # text from a file quoted in a message is clipped to this


@dataclass(frozen=True)
class Limits:
    """Ceilings that keep a hostile file from exhausting memory or time.

    Parsing costs grow with the number of XML elements (each is handled in Python, about 3 µs
    a cell), not with the bytes, so `max_xml_elements` is what bounds the time and memory of
    reading: at the limit, a sheet of 500,000 cells reads in about 3 s of CPU (6 s when the
    machine's two cores are shared) and under 400 MB, where a workbook of 10,000 cost lines has
    310,000 elements. 64 MB of the smallest cells would be 4.4 million: 30 s and 1.5 GB.
    """

    max_file_bytes: int = 50 * MEGABYTE  # the file on disk
    max_entries: int = 2_000  # zip members
    max_uncompressed_bytes: int = 64 * MEGABYTE  # real workbooks are well under 10 MB
    max_ratio: float = 200.0  # uncompressed / compressed, for members over 1 MB
    max_xml_elements: int = 1_000_000  # in all the XML parts read (each "<" that does not start "</")


class MissingPartError(UnreadableWorkbookError):
    """A relationship names a part the zip does not hold."""


class PartReadTwiceError(UnreadableWorkbookError):
    """A part was named a second time (two sheets, or a sheet and a table, sharing one part)."""


def open_archive(path: Path, limits: Limits) -> Archive:
    """The checked zip of a workbook file, ready to be read part by part.

    Raises:
        UnreadableWorkbookError: the file is missing, not a regular file, empty, too large,
            encrypted or an old .xls, not a zip, damaged, a zip bomb, compressed in a way
            Excel never writes, or ambiguous (two members that could be the same part).
    """
    data = _read_file(path, limits)
    if data.startswith(OLE_MAGIC):
        raise UnreadableWorkbookError(
            "the file is password-protected (encrypted) or an old Excel 97-2003 .xls file, "
            "not an .xlsx workbook: remove the password / save it as .xlsx, then try again"
        )
    if not data.startswith(b"PK"):
        looks_like = _looks_like(data)
        hint = f"; it looks like {looks_like}" if looks_like else ""
        raise UnreadableWorkbookError(f"the file is not an .xlsx workbook (not a zip archive){hint}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UnreadableWorkbookError(
            "the zip archive is truncated or damaged (was the file copied or uploaded completely?)"
        ) from None
    members = archive.infolist()
    if len(members) > limits.max_entries:
        raise UnreadableWorkbookError(
            f"the zip archive has {len(members):,} members, more than the {limits.max_entries:,} limit"
        )
    declared = sum(member.file_size for member in members)
    if declared > limits.max_uncompressed_bytes:
        raise UnreadableWorkbookError(
            f"zip bomb: the archive would expand to {megabytes(declared)}, "
            f"more than the {megabytes(limits.max_uncompressed_bytes)} limit"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_FLOOR and ratio > limits.max_ratio:
            raise UnreadableWorkbookError(
                f"zip bomb: member {show(member.filename)} expands {ratio:,.0f} times, "
                f"more than the {limits.max_ratio:,.0f} limit"
            )
        if member.compress_type not in EXCEL_COMPRESSION:
            method = COMPRESSION_NAMES.get(member.compress_type, f"number {member.compress_type}")
            raise UnreadableWorkbookError(
                f"member {show(member.filename)} uses the {method} compression method, which Excel never "
                "writes (only stored and deflated): refused"
            )
    return Archive(archive, _members_by_part(members), limits)


def part_key(name: str) -> str:
    """A member or part name as Open Packaging Conventions compare them: case-insensitive,
    without a leading slash; backslashes (written by some non-Microsoft producers, and read
    as slashes by Excel, LibreOffice and openpyxl) are slashes."""
    return name.replace("\\", "/").lstrip("/").lower()


def _members_by_part(members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Members by part name; two members that normalise to the same name make the package ambiguous."""
    found: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        key = part_key(member.filename)
        if key.endswith("/"):
            continue  # a folder entry: no content
        if key in found:
            first, second = found[key].filename, member.filename
            how = "the same name twice" if first == second else "names that differ only in case or slashes"
            raise UnreadableWorkbookError(
                f"ambiguous package: members {show(first)} and {show(second)} have {how}, so Excel, "
                "LibreOffice and xlcase may each read a different one: refused"
            )
        found[key] = member
    return found


def _read_file(path: Path, limits: Limits) -> bytes:
    """The file's bytes, after refusing what is missing, not a file, empty or too large."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableWorkbookError("file not found") from None
    except OSError as exc:
        raise UnreadableWorkbookError(f"the file cannot be opened ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableWorkbookError("this is a folder, not a workbook file")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableWorkbookError("this is not a regular file")
    _check_size(info.st_size, limits)
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise UnreadableWorkbookError(f"the file cannot be read ({exc.strerror})") from None
    _check_size(len(data), limits)  # it may have changed since stat()
    return data


def _check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise UnreadableWorkbookError("the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise UnreadableWorkbookError(
            f"the file is {megabytes(size)}, larger than the {megabytes(limits.max_file_bytes)} limit"
        )


def _looks_like(data: bytes) -> str:
    """What a file that is not a zip seems to be, for a message a person can act on."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "a PDF document"
    if b"<html" in head:
        return "an HTML page (a web page or a download saved with an .xlsx name)"
    if head.startswith(b"<?xml"):
        return "an XML file (an Excel 2003 XML spreadsheet?): open it in Excel and save it as .xlsx"
    if not any(byte < 32 and byte not in b"\t\r\n" for byte in head):
        return "CSV or plain text: open it in Excel and save it as .xlsx"
    return ""


def megabytes(size: float) -> str:
    return f"{size / MEGABYTE:,.1f} MB"


def show(text: str) -> str:
    """Text from the file, quoted with control characters escaped and clipped to one short line."""
    return repr(text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "...")


class Archive:
    """The checked zip, read part by part against budgets of decompressed bytes and XML elements."""

    def __init__(self, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], limits: Limits) -> None:
        self._zip = archive
        self._members = members
        self._bytes = limits.max_uncompressed_bytes
        self._elements = limits.max_xml_elements
        self._max_elements = limits.max_xml_elements
        self.max_entries = limits.max_entries
        self._read: set[str] = set()

    def has(self, part: str) -> bool:
        return part_key(part) in self._members

    def names(self) -> list[str]:
        """The part names, normalised (lower case, slashes)."""
        return list(self._members)

    def read(self, part: str, referrer: str) -> bytes:
        """A part's bytes, once; declared sizes were checked already, the budget is the hard stop.

        Raises:
            MissingPartError: no member holds the part.
            PartReadTwiceError: the part was read before.
            UnreadableWorkbookError: it cannot be decompressed, or the budget ran out.
        """
        return self._decompress(self._claim(part, referrer), part)

    def xml(self, part: str, referrer: str) -> bytes:
        """A part's bytes, once its prolog is shown to have no DOCTYPE and its elements fit the budget.

        The elements are counted before parsing (two passes in C, about 30 ms for 64 MB): each
        "<" starts an element, an end tag, a comment or a processing instruction, so the count
        of "<" that do not start "</" is at least the number of elements.
        """
        return self._checked_xml(self._decompress(self._claim(part, referrer), part), part)

    def xml_later(self, part: str, referrer: str) -> Callable[[], bytes]:
        """`xml` in two steps, so that a sheet nobody looks at is never decompressed in full.

        Now: the part is claimed (missing or already read raise here) and its prolog is shown
        to have no DOCTYPE from its first bytes, so a hostile part is refused at once whether
        or not it is read. When the returned function is called: the whole part is
        decompressed and its elements counted. The budgets hold for whatever is read, in
        whatever order.
        """
        member = self._claim(part, referrer)
        try:
            with self._zip.open(member) as stream:
                head = stream.read(PROLOG_BYTES)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            head = None  # the full read below says what is wrong
        if head is None or not refuse_doctype(head, part, whole=len(head) < PROLOG_BYTES):
            data = self._checked_xml(self._decompress(member, part), part)  # a long prolog: all of it now
            return lambda: data
        return lambda: self._checked_xml(self._decompress(member, part), part)

    def _claim(self, part: str, referrer: str) -> zipfile.ZipInfo:
        key = part_key(part)
        member = self._members.get(key)
        if member is None:
            raise MissingPartError(f"the workbook is damaged: part {show(part)} named by {referrer} is missing")
        if key in self._read:
            raise PartReadTwiceError(f"part {show(part)} named by {referrer} was already read for another use")
        self._read.add(key)
        return member

    def _decompress(self, member: zipfile.ZipInfo, part: str) -> bytes:
        try:
            with self._zip.open(member) as stream:
                data = stream.read(self._bytes + 1)
        except RuntimeError:
            raise UnreadableWorkbookError(f"part {show(part)} is encrypted inside the zip archive") from None
        except NotImplementedError:
            raise UnreadableWorkbookError(f"part {show(part)} uses an unsupported zip compression method") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            raise UnreadableWorkbookError(
                f"the zip archive is damaged: part {show(part)} cannot be decompressed"
            ) from None
        self._bytes -= len(data)
        if self._bytes < 0:
            raise UnreadableWorkbookError("zip bomb: the archive expanded past the size limit while being read")
        return data

    def _checked_xml(self, data: bytes, part: str) -> bytes:
        refuse_doctype(data, part)  # again: cheap, and the part's first bytes may not have held its prolog
        self._elements -= data.count(b"<") - data.count(b"</")
        if self._elements < 0:
            raise UnreadableWorkbookError(
                f"the workbook's XML has more than {self._max_elements:,} elements, more than the limit "
                "(a business case has far fewer: is a sheet of raw data pasted in?)"
            )
        return data


class _PrologEnd(Exception):
    """The root element began, so no DOCTYPE can follow: the check can stop."""


def refuse_doctype(data: bytes, part: str, *, whole: bool = True) -> bool:
    """Refuse a part whose prolog has a DOCTYPE, reading no further than the root element.

    A DOCTYPE is the only place entities can be declared, may only stand before the root
    element, and .xlsx parts never have one; refusing it blocks external entities (XXE)
    and entity expansion (billion laughs) without resolving anything. The parsers that
    read the part afterwards refuse a DOCTYPE too (xlcase.package.scan), as a second wall.

    Returns:
        True once the root element is reached; False only if `whole` is False (data is the
        part's first bytes) and they end before it.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = raise_doctype_forbidden
    parser.StartElementHandler = _raise_prolog_end
    try:
        parser.Parse(data, whole)
    except _PrologEnd:
        return True
    except DTDForbidden:
        raise doctype_refused(part) from None
    except expat.ExpatError as exc:
        raise not_well_formed(part, exc) from None
    return False


def raise_doctype_forbidden(name: str, sysid: str | None, pubid: str | None, _has_internal_subset: int) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _raise_prolog_end(_name: str, _attrs: dict[str, str]) -> None:
    raise _PrologEnd


def doctype_refused(part: str) -> UnreadableWorkbookError:
    return UnreadableWorkbookError(
        f"part {show(part)} declares a DOCTYPE, which workbooks never need and which can read "
        "local files or expand entities without limit: refused"
    )


def not_well_formed(part: str, exc: expat.ExpatError) -> UnreadableWorkbookError:
    """The error for XML that does not parse; it names the place, never the content."""
    return UnreadableWorkbookError(
        f"part {show(part)} is not well-formed XML (line {exc.lineno}: {expat.ErrorString(exc.code)})"
    )
