"""Streaming XML: a part is parsed once by expat and handed over element by element; no tree is built.

An element tree costs about 30 times a part's size in memory (1.1 GB for a 64 MB sheet), and a
tree built whole cannot stop early. Expat calls a handler per element instead, so memory holds
only what the readers keep, and every DOCTYPE is refused again here, before any content.
Element names come as "namespace}local" (expat's form of ElementTree's "{namespace}local").

`scan` serves the small parts: it follows paths of local names from the root (whatever the
namespace, as ElementTree's `_children` did) and hands each element at the end of a path to a
`Record` with its attributes and, if asked, its text. The sheets, the one hot loop, have their
own handlers (xlcase.package.parts) on `parse`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Union
from xml.parsers import expat

from defusedxml.common import DTDForbidden

from xlcase.package.guard import doctype_refused, not_well_formed, raise_doctype_forbidden

SEPARATOR = "}"
MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # transitional: Excel, LibreOffice, openpyxl
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict
)
NO_TEXT, ALL_TEXT, CHILD_TEXT, RUN_TEXT = range(4)


def main_tags(*names: str) -> dict[str, str]:
    """Qualified names of SpreadsheetML elements, in either namespace -> local name."""
    return {f"{namespace}{SEPARATOR}{name}": name for namespace in MAIN_NAMESPACES for name in names}


_RUN_TAGS = main_tags("t", "r")


@lru_cache(maxsize=1024)
def local(name: str) -> str:
    """The local name of "namespace}local" (cached: a part uses few names, each many times)."""
    return name.rpartition(SEPARATOR)[2]


def parse(
    data: bytes,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    """Run expat over a part with these handlers (start gets the name and attributes).

    Raises:
        UnreadableWorkbookError: the part declares a DOCTYPE or is not well-formed XML; and
            whatever a handler raises.
    """
    parser = expat.ParserCreate(namespace_separator=SEPARATOR)
    parser.buffer_text = True  # one text call per run of text, not one per line or entity
    parser.StartDoctypeDeclHandler = raise_doctype_forbidden
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except DTDForbidden:
        raise doctype_refused(part) from None
    except expat.ExpatError as exc:
        raise not_well_formed(part, exc) from None


@dataclass(frozen=True)
class Record:
    """What to do with each element at the end of a path: `handle(attributes, text)`.

    `text` is NO_TEXT, ALL_TEXT (all text inside the element), CHILD_TEXT (the text of its
    child elements, not its own: a custom property's typed value) or RUN_TEXT (a string item's
    text: its t, or its runs' t joined, phonetic guides left out).
    """

    handle: Callable[[dict[str, str], str], None]
    text: int = NO_TEXT


Paths = dict[str, Union["Paths", Record]]


def scan(data: bytes, part: str, paths: Paths, root: Callable[[dict[str, str]], None] | None = None) -> None:
    """Hand each element found by `paths` (local names below the root) to its Record.

    A Record's handler may raise StopScan when it needs nothing more from the part.

    Args:
        data: the part, already past the guard (xlcase.package.guard.Archive.xml).
        part: its name, for messages.
        paths: e.g. {"sheets": {"sheet": Record(...)}, "definedNames": {"definedName": Record(...)}}.
        root: called with the root element's attributes.
    """
    depth = 0
    nodes: list[Paths] = []  # the paths below each open element on a path, from the root
    record: Record | None = None
    record_depth = 0
    record_attrs: dict[str, str] = {}
    buffer: list[str] = []
    collect = False
    run_depth = 0  # depth of an open run (r) in a RUN_TEXT record, else 0
    t_depth = 0  # depth of an open t whose text a RUN_TEXT record keeps, else 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, record, record_depth, record_attrs, buffer, collect, run_depth, t_depth
        depth += 1
        if record is not None:
            if record.text == CHILD_TEXT:
                collect = True
            elif record.text == RUN_TEXT:
                tag = _RUN_TAGS.get(name)
                relative = depth - record_depth
                if tag == "r" and relative == 1:
                    run_depth = depth
                elif tag == "t" and (relative == 1 or (relative == 2 and run_depth)):
                    t_depth = depth
                collect = t_depth == depth  # directly inside the t: its text; inside its children: not
        elif len(nodes) == depth - 1:  # the parent is on a path (or this is the root)
            if depth == 1:
                if root is not None:
                    root(attrs)
                nodes.append(paths)
                return
            found = nodes[-1].get(local(name))
            if isinstance(found, dict):
                nodes.append(found)
            elif found is not None:
                record, record_depth, record_attrs, buffer = found, depth, attrs, []
                collect = found.text == ALL_TEXT

    def end(_name: str) -> None:
        nonlocal depth, record, collect, run_depth, t_depth
        ended = depth
        depth -= 1
        if record is None:
            if len(nodes) == ended:
                nodes.pop()
        elif ended == record_depth:
            done, record, collect = record, None, False
            done.handle(record_attrs, "".join(buffer))
        elif record.text == CHILD_TEXT:
            collect = depth > record_depth
        elif record.text == RUN_TEXT:
            if ended == t_depth:
                t_depth = 0
            elif ended == run_depth:
                run_depth = 0
            collect = t_depth == depth

    def text(data: str) -> None:
        if collect:
            buffer.append(data)

    try:
        parse(data, part, start, end, text)
    except StopScan:
        pass


class StopScan(Exception):
    """Raised by a handler that needs nothing more from the part: the parse ends there."""
