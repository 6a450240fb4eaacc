"""Text from workbooks and case files, made fit to show a person: clipped, visible, compared as people see it.

Every string a submitted file gives is untrusted: a sheet name may be 12 MB long, a file name may
hold a newline and a line of its own ("FAKE.xlsx: VALID"), an ID may carry a zero-width space
that makes two IDs that look like "O2" different IDs. The helpers here are the one place where such text is
clipped (`clip`, `shown`), made harmless on a terminal and in a report (`visible`: no control
character, line break or bidi override survives, each becomes an escape you can read), compared
as a reader compares it (`id_key`), and kept from becoming a formula (`starts_formula`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

SHOWN_LIMIT = 60  # characters of a value quoted inside a message
NAME_LIMIT = 120  # characters of a name or description that a message names something by
ID_LIMIT = 40  # characters of an ID in a message (IDs are short: O1, A2, R10)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes Excel or a CSV reader take text as a formula
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NOT_PLAIN_ASCII = re.compile(r"[^\x20-\x7e]+")  # runs that may hold characters to escape


def clip(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out ('abc… (1,234 more characters)')."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters ending in an ellipsis, for a label with no room to say how
    much was left out (a chart's axis, a page footer); `clip` says how much."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _escape(char: str) -> str:
    return _ESCAPES.get(char) or repr(char)[1:-1]


def visible(text: str) -> str:
    """The text with every character that is not printable written as its escape (``\\x1b``, ``\\n``,
    ``\\u202e``): control characters (C0, DEL, C1, so escape sequences), line and paragraph separators,
    bidi overrides and isolates, zero-width and other format characters, and lone surrogates (a file
    name that is not UTF-8). What remains cannot move the cursor, start a line or reorder the text."""
    if text.isprintable():
        return text
    return _NOT_PLAIN_ASCII.sub(lambda run: "".join(c if c.isprintable() else _escape(c) for c in run.group()), text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:  # JSON writes a character beyond the BMP as its UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def visible_json(text: str) -> str:
    """JSON text (from json.dumps) with every character that is not printable, inside its strings, written
    as a \\u escape: the same data for a JSON reader, nothing that acts on a terminal (json.dumps escapes
    C0 controls but leaves DEL, C1 controls, bidi overrides and line separators as they are)."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _NOT_PLAIN_ASCII.sub(lambda run: "".join(c if c.isprintable() or c == "\n" else _json_escape(c)
                                                   for c in run.group()), text)


def shown(value: Any, limit: int = SHOWN_LIMIT) -> str:
    """A value as a message quotes it: text in quotes with escapes ('O2\\u200b'), clipped; other values as str."""
    if not isinstance(value, str):
        return visible(clip(str(value), limit))
    if len(value) <= limit:
        return repr(value)
    return f"{repr(value[:limit])}… ({len(value) - limit:,} more characters)"


def _clean_id(text: str) -> bool:
    return (text.isprintable() and text == text.strip() and len(text) <= ID_LIMIT
            and unicodedata.normalize("NFKC", text) == text)


def _id_char(char: str) -> str:
    if not char.isprintable():
        return _escape(char)
    if unicodedata.normalize("NFKC", char) != char:
        return f"\\u{ord(char):04x}"
    return "\\" + char if char in "\\'" else char


def shown_id(text: str | None) -> str:
    """An ID as a message shows it: as typed when it is plain (O2); else quoted, with every invisible or
    look-alike character written as its code ('O2\\u200b', '\\uff2f2' for a full-width O), so that two IDs
    that look the same on screen look different in the message."""
    if text is None:
        return "(none)"
    if _clean_id(text):
        return text
    body = "".join(map(_id_char, text[:ID_LIMIT]))
    more = f"… ({len(text) - ID_LIMIT:,} more characters)" if len(text) > ID_LIMIT else ""
    return f"'{body}'{more}"


def id_key(text: str | None) -> str:
    """The form under which two IDs (or two texts) are the same to a reader: compatibility forms folded
    (NFKC: a full-width 'Ｏ2' is 'O2'), format characters removed (zero-width spaces and joiners, bidi
    marks, soft hyphens) and control characters removed, case folded, runs of white space made one
    space, ends trimmed."""
    if not text:
        return ""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    if not text.isprintable():
        text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    return " ".join(unicodedata.normalize("NFKC", text.casefold()).split())


def starts_formula(text: Any) -> bool:
    """Whether a spreadsheet would take this text as a formula (it starts with = + - @, a tab or a CR)."""
    return isinstance(text, str) and text.startswith(FORMULA_START)


_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_READS_AS_A_CELL = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*(?:[Cc][0-9]*)?|[Cc][0-9]*|(?i:true|false)")


def cell_reference(sheet: str, cell: str) -> str:
    """A cell as Excel's and LibreOffice Calc's Name Box take it: Results!J7; a sheet name that is not plain
    letters, digits and underscores, or that reads as a cell or a value (R1C1, TRUE), in quotes with its
    apostrophes doubled: 'Engine results'!A1, 'O''Brien'!B2."""
    if not _PLAIN_SHEET.fullmatch(sheet) or _READS_AS_A_CELL.fullmatch(sheet):
        sheet = "'" + sheet.replace("'", "''") + "'"
    return f"{sheet}!{cell}"


def financial_year(year: int) -> str:
    """The NHS financial year that starts in April of ``year``: 2027 -> '2027/28'."""
    return f"{year}/{(year + 1) % 100:02d}"


def repeats(ids: Sequence[str | None]) -> Iterator[tuple[int, int]]:
    """(index, index of the first ID it repeats) for every ID that is the same as an earlier one under
    `id_key`; empty IDs are skipped."""
    first: dict[str, int] = {}
    for index, text in enumerate(ids):
        key = id_key(text)
        if not key:
            continue
        if key in first:
            yield index, first[key]
        else:
            first[key] = index


def ids_by_key(ids: Iterable[str | None]) -> dict[str, str]:
    """Each ID under its `id_key` (the first, where several share one), to find the ID a look-alike resembles."""
    found: dict[str, str] = {}
    for text in ids:
        if text:
            found.setdefault(id_key(text), text)
    return found


def hides_a_difference(typed: str, real: str) -> bool:
    """Whether two IDs that are the same under `id_key` differ in more than case and outer spaces: by
    invisible characters or look-alike forms, which a reader cannot see."""
    return typed.strip().casefold() != real.strip().casefold()


def listed(items: Sequence[str], limit: int = 10, sep: str = ", ") -> str:
    """Items for a message, joined by ``sep``: the first ``limit`` and how many more ('O1, O2 and 9,998 more')."""
    shown_items = sep.join(items[:limit])
    return shown_items if len(items) <= limit else f"{shown_items} and {len(items) - limit:,} more"
