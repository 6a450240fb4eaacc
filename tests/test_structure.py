"""The shape of the code: the template is the one source of every table and header name."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from xlcase.template import ResultColumn, Table, Template, load_template

PACKAGE = Path(__file__).parent.parent / "xlcase"
HEADER_FIELDS = frozenset({"header", "headers", "year_header", "sensitivity_option", "sensitivity_base",
                           "tornado_scenario", "tornado_change"})
TABLE_FIELDS = frozenset({"table", "sensitivity_table", "reconciliation_table"})
# Words that are a template name and also plain English used in another meaning. Each entry is
# (module, string): the reason is given beside it, and the entry is refused once the module stops using it.
ALLOWED: dict[tuple[str, str], str] = {
    ("cli.py", "Options"): "the title of click's options section in `--help`, not the Options table",
    ("collect.py", "Status"): "a portfolio column: whether the file is valid, not a milestone's status",
    ("excel/scripts.py", "Section"): "a column of the Validation sheet an xlwings script writes: a finding's "
                                     "section, as in the JSON report, not a column of the Checks table",
    ("paper/charts.py", "Financial year"): "a chart's axis title (the module draws pictures, it reads no workbook)",
}


def template_names(template: Template) -> dict[str, str]:
    """Every table name and column header of a template, each with where it is defined."""
    names: dict[str, str] = {}

    def walk(obj: object, path: str) -> None:
        if isinstance(obj, Table):
            names.setdefault(obj.name, f"table at {path}")
            for column in obj.columns:
                names.setdefault(column.header, f"header of the {obj.name} table")
        elif isinstance(obj, ResultColumn):
            names.setdefault(obj.header, f"header at {path}")
        elif isinstance(obj, BaseModel):
            for key in type(obj).model_fields:
                value = getattr(obj, key)
                if key in TABLE_FIELDS and isinstance(value, str):
                    names.setdefault(value, f"table at {path}.{key}")
                elif key in HEADER_FIELDS and isinstance(value, str):
                    names.setdefault(value, f"header at {path}.{key}")
                elif key in HEADER_FIELDS and isinstance(value, tuple):
                    for i, header in enumerate(value):
                        names.setdefault(header, f"header at {path}.{key}[{i}]")
                else:
                    walk(value, f"{path}.{key}")
        elif isinstance(obj, tuple | list):
            for i, value in enumerate(obj):
                walk(value, f"{path}[{i}]")
        elif isinstance(obj, dict):
            for key, value in obj.items():
                walk(value, f"{path}.{key}")

    for sheet in template.sheets:
        walk(sheet, sheet.name)
    return names


def string_constants(path: Path) -> Iterator[tuple[int, str]]:
    """Every str constant of a module, docstrings included (a docstring naming a table is fine to fix too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_the_collector_finds_the_names_the_design_relies_on():
    names = template_names(load_template())
    assert {"Options", "Costs", "Results", "Sensitivity", "Checks", "Do nothing", "NPV vs do nothing",
            "Base case", "Section"} <= set(names)


def test_no_table_or_header_name_is_written_in_python():
    """A table or header name lives in the template only: the Python asks the template for it."""
    names = template_names(load_template())
    leaks, used = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module == "template.py":  # the module that reads the template
            continue
        for line, value in string_constants(path):
            if value not in names:
                continue
            if (module, value) in ALLOWED:
                used.add((module, value))
                continue
            leaks.append(f"xlcase/{module}:{line}: {value!r} ({names[value]})")
    assert leaks == [], "\n".join(leaks)
    assert used == set(ALLOWED), "an allowed name is no longer used: remove it from ALLOWED"


def test_no_structured_reference_to_a_template_table_is_written_in_python():
    """Formulas name tables through the template too: no `Options[Do nothing]` typed in Python. The help text
    of the Excel functions may show how to pass a whole table (`Options[#All]`)."""
    tables = [name for name, where in template_names(load_template()).items() if where.startswith("table")]
    reference = re.compile(r"\b(?:" + "|".join(map(re.escape, tables)) + r")\[(?!#All\])")
    found = [f"xlcase/{path.relative_to(PACKAGE).as_posix()}:{line}: {value[:80]!r}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name != "template.py"
             for line, value in string_constants(path) if reference.search(value)]
    assert found == [], "\n".join(found)
