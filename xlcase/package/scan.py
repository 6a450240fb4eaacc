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


def local(name: str) -> str:
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

    Args:
        data: the part, already past the guard (xlcase.package.guard.Archive.xml).
        part: its name, for messages.
        paths: e.g. {"sheets": {"sheet": Record(...)}, "definedNames": {"definedName": Record(...)}}.
        root: called with the root element's attributes.
    """
    scanner = _Scanner(paths, root)
    parse(data, part, scanner.start, scanner.end, scanner.text)


class _Scanner:
    """The state of one scan: the open elements on a path, and the record being read."""

    def __init__(self, paths: Paths, root: Callable[[dict[str, str]], None] | None) -> None:
        self.paths = paths
        self.root = root
        self.depth = 0
        self.nodes: list[Paths] = []  # the paths below each open element on a path, from the root
        self.record: Record | None = None
        self.record_depth = 0
        self.attrs: dict[str, str] = {}
        self.buffer: list[str] = []
        self.collect = False
        self.run_depth = 0  # depth of an open run (r) in a RUN_TEXT record, else 0
        self.t_depth = 0  # depth of an open t whose text a RUN_TEXT record keeps, else 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        depth = self.depth
        if self.record is not None:
            self._start_inside(name, depth)
        elif depth == 1:
            if self.root is not None:
                self.root(attrs)
            self.nodes.append(self.paths)
        elif len(self.nodes) == depth - 1:  # the parent is on a path
            found = self.nodes[-1].get(local(name))
            if isinstance(found, dict):
                self.nodes.append(found)
            elif found is not None:
                self.record, self.record_depth, self.attrs, self.buffer = found, depth, attrs, []
                self.collect = found.text == ALL_TEXT

    def _start_inside(self, name: str, depth: int) -> None:
        record = self.record
        assert record is not None
        if record.text == CHILD_TEXT:
            self.collect = True
        elif record.text == RUN_TEXT:
            tag = _RUN_TAGS.get(name)
            relative = depth - self.record_depth
            if tag == "r" and relative == 1:
                self.run_depth = depth
            elif tag == "t" and (relative == 1 or (relative == 2 and self.run_depth)):
                self.t_depth = depth
            self.collect = self.t_depth == depth  # directly inside the t: its text; inside its children: not

    def end(self, _name: str) -> None:
        depth = self.depth
        self.depth -= 1
        record = self.record
        if record is None:
            if len(self.nodes) == depth:
                self.nodes.pop()
            return
        if depth == self.record_depth:
            self.record = None
            self.collect = False
            record.handle(self.attrs, "".join(self.buffer))
        elif record.text == CHILD_TEXT:
            self.collect = depth - 1 > self.record_depth
        elif record.text == RUN_TEXT:
            if depth == self.t_depth:
                self.t_depth = 0
            elif depth == self.run_depth:
                self.run_depth = 0
            self.collect = self.t_depth == depth - 1

    def text(self, data: str) -> None:
        if self.collect:
            self.buffer.append(data)
