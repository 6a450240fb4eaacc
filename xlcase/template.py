"""The declarative workbook template (workbook_templates/*.yaml) as typed objects.

The writer, the reader and the completeness checks all walk these objects, so the layout of
the workbook lives in one place: the YAML file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xlcase.errors import UnknownTemplateError

DEFAULT_TEMPLATE = "assistant-practitioner"
YEAR_HEADER = "Year {}"
TEMPLATE_PROPERTY = "xlcase.template"  # custom document properties recording the template
VERSION_PROPERTY = "xlcase.template_version"


@dataclass(frozen=True)
class Column:
    """One column of an Excel Table: a field of each row, or a calculated column."""

    header: str
    type: str
    key: str | None = None
    required: bool = False
    help: str | None = None
    width: float = 14
    list: str | None = None
    formula: str | None = None

    @property
    def is_input(self) -> bool:
        return self.type != "formula"


@dataclass(frozen=True)
class Field:
    """One labelled input cell of a form, reachable by its workbook-level defined name."""

    key: str
    name: str
    label: str
    type: str
    required: bool = False
    help: str | None = None


@dataclass(frozen=True)
class Table:
    """An Excel Table holding a list of the case (options, costs, risks, ...)."""

    name: str
    key: str
    columns: tuple[Column, ...]
    section: str
    rows: int = 10
    required: bool = False
    heading: str | None = None

    @property
    def inputs(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_input)

    @property
    def year_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "years"), None)

    @property
    def is_text_list(self) -> bool:
        """A table of plain strings (drivers, recommendations): one column keyed '.'."""
        return len(self.inputs) == 1 and self.inputs[0].key == "."

    def headers(self, years: int, *, inputs_only: bool = False) -> list[str]:
        """The header row as written, the year column expanded to one column per year."""
        out: list[str] = []
        for column in self.inputs if inputs_only else self.columns:
            if column.type == "years":
                out.extend(YEAR_HEADER.format(t) for t in range(years))
            else:
                out.append(column.header)
        return out


@dataclass(frozen=True)
class Block:
    """A vertical piece of a form sheet: a group of fields or one table."""

    fields: tuple[Field, ...] = ()
    table: Table | None = None
    headline: bool = False  # the preferred option's headline figures (calculated)


@dataclass(frozen=True)
class Sheet:
    name: str
    kind: str
    section: str | None = None
    heading: str | None = None
    intro: str | None = None
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Template:
    """A workbook template: its identity, closed lists and sheets."""

    name: str
    version: str
    title: str
    description: str
    lists: dict[str, dict[str, str]]
    sheets: tuple[Sheet, ...]
    path: Path = field(compare=False)

    @functools.cached_property
    def tables(self) -> dict[str, Table]:
        return {b.table.name: b.table for s in self.sheets for b in s.blocks if b.table}

    @functools.cached_property
    def fields(self) -> dict[str, Field]:
        return {f.name: f for s in self.sheets for b in s.blocks for f in b.fields}

    def sheet_of(self, table_or_field: str) -> Sheet:
        """The sheet a table or field (by name) is written on."""
        for sheet in self.sheets:
            for block in sheet.blocks:
                if (block.table and block.table.name == table_or_field) or any(
                    f.name == table_or_field for f in block.fields
                ):
                    return sheet
        raise KeyError(table_or_field)

    def section_of_field(self, name: str) -> str:
        return self.sheet_of(name).section or "file"

    def label(self, list_name: str, code: str) -> str:
        return self.lists[list_name].get(code, code)

    def code(self, list_name: str, label: str) -> str | None:
        """The code for a label typed or picked in the workbook (codes are accepted too)."""
        wanted = label.strip().casefold()
        for code, shown in self.lists[list_name].items():
            if wanted in (shown.casefold(), code.casefold()):
                return code
        return None


def templates_dir() -> Path:
    """Where the templates live: inside the installed package, or beside it in a source checkout."""
    packaged = Path(__file__).parent / "workbook_templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "workbook_templates"


def available_templates() -> list[Template]:
    """Every template installed, by name."""
    return [load_template(p.stem) for p in sorted(templates_dir().glob("*.yaml"))]


@functools.cache
def load_template(name: str = DEFAULT_TEMPLATE) -> Template:
    """Load a workbook template by name.

    Raises:
        UnknownTemplateError: no template of that name is installed.
    """
    known_paths = {p.stem: p for p in sorted(templates_dir().glob("*.yaml"))}
    path = known_paths.get(name)  # only installed templates: a name from a workbook is never a file path
    if path is None:
        known = ", ".join(known_paths)
        raise UnknownTemplateError(f"no workbook template named {name!r} (available: {known})")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Template(
        name=data["name"],
        version=str(data["version"]),
        title=data["title"],
        description=data.get("description", ""),
        lists=data.get("lists", {}),
        sheets=tuple(_sheet(s) for s in data["sheets"]),
        path=path,
    )


def _sheet(data: dict[str, Any]) -> Sheet:
    section = data.get("section")
    return Sheet(
        name=data["name"],
        kind=data["kind"],
        section=section,
        heading=data.get("heading"),
        intro=data.get("intro"),
        blocks=tuple(_block(b, section) for b in data.get("blocks", [])),
    )


def _block(data: dict[str, Any], section: str | None) -> Block:
    if data.get("headline"):
        return Block(headline=True)
    if "table" in data:
        t = data["table"]
        return Block(
            table=Table(
                name=t["name"],
                key=t["key"],
                columns=tuple(Column(**c) for c in t["columns"]),
                section=t.get("section", section),
                rows=t.get("rows", 10),
                required=t.get("required", False),
                heading=t.get("heading"),
            )
        )
    return Block(fields=tuple(Field(**f) for f in data["fields"]))
