"""The business case paper as plain data: one model, which every renderer (Word, HTML, Markdown) draws.

The builder (xlcase.paper.build) makes a `Document` from a case and its appraisal; a renderer walks it
and never looks at the case, so the three formats cannot drift apart. Everything here is text or
picture data: a string in the model is shown as that string, in every format, never interpreted
(no markup, no field codes, no formulas, no links).

A `Section` holds blocks and subsections; its depth gives the heading level (1 for the elements of the
paper, 2 below them). Tables have one header row; figures carry their picture as PNG bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph's text, optionally in bold (a label before its value)."""

    text: str
    strong: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of runs. ``note`` is smaller, explanatory text; ``missing`` says that nothing was entered."""

    runs: tuple[Run, ...]
    kind: Literal["body", "note", "missing"] = "body"

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Bullets:
    """A list of items: bulleted, or numbered when ``numbered``."""

    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    """A table with one header row. ``numeric`` marks columns whose cells align right; ``widths`` are
    relative column widths; ``note`` is a sentence printed under it (what a blank cell means, rows left out);
    ``total_row`` says that the last row is a total."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    widths: tuple[float, ...] = ()
    note: str | None = None
    total_row: bool = False
    number: int = 0  # given in reading order when the document is complete

    @property
    def label(self) -> str:
        """The caption as printed: 'Table 3. Results of the appraisal'."""
        return f"Table {self.number}. {self.caption}"

    def is_numeric(self, column: int) -> bool:
        return column < len(self.numeric) and self.numeric[column]

    def width(self, column: int) -> float:
        return self.widths[column] if column < len(self.widths) else 1.0


@dataclass(frozen=True)
class Figure:
    """A chart: PNG bytes, its caption and a text description for readers who cannot see it."""

    caption: str
    png: bytes = field(repr=False)
    description: str
    width_cm: float = 16.0
    number: int = 0  # given in reading order when the document is complete

    @property
    def label(self) -> str:
        """The caption as printed: 'Figure 2. Cumulative discounted net benefit vs do nothing'."""
        return f"Figure {self.number}. {self.caption}"


@dataclass(frozen=True)
class KeyFigures:
    """Labelled values shown as a block: the headline figures, the cover's details, a provider's details."""

    items: tuple[tuple[str, str], ...]


Block = Union[Paragraph, Bullets, Table, Figure, KeyFigures]


@dataclass(frozen=True)
class Section:
    """A titled part of the paper: its blocks, then its subsections."""

    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Cover:
    """The cover page: the title, a line under it, and the document's details."""

    title: str
    subtitle: str
    details: KeyFigures


@dataclass(frozen=True)
class Document:
    """The whole paper. ``author`` and ``subject`` go into the file's properties where a format has them."""

    title: str
    author: str
    subject: str
    cover: Cover
    sections: tuple[Section, ...]
    footer: str

    def walk(self) -> list[tuple[int, Section]]:
        """Every section with its level (1 for the top), in reading order."""
        out: list[tuple[int, Section]] = []

        def visit(section: Section, level: int) -> None:
            out.append((level, section))
            for sub in section.subsections:
                visit(sub, level + 1)

        for section in self.sections:
            visit(section, 1)
        return out

    def figures(self) -> list[Figure]:
        """Every figure, in reading order."""
        return [block for _, section in self.walk() for block in section.blocks if isinstance(block, Figure)]


def text(value: str, kind: Literal["body", "note", "missing"] = "body") -> Paragraph:
    """A paragraph of one plain run."""
    return Paragraph((Run(value),), kind)


def labelled(label: str, value: str) -> Paragraph:
    """A paragraph that starts with a bold label: 'Where we start from. The three areas...'."""
    return Paragraph((Run(label + ". ", strong=True), Run(value)))


def missing(sentence: str) -> Paragraph:
    """The plain statement that a part of the case is empty ('No evaluation plan has been entered.')."""
    return text(sentence, "missing")
