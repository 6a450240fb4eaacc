"""Completeness of each section, computed the same way in Python and by the Checks sheet's formulas.

A section's score is the mean of its items: each required field scores 1 when filled; each
required table scores 0 with no rows, else the share of required cells filled in the rows that
have anything in them. The overall score is the mean of the sections' scores.
"""

from __future__ import annotations

from typing import Any

from xlcase.model import Case, value_at
from xlcase.template import Table, Template, started_rows


def filled(value: Any) -> bool:
    """A cell counts as filled when it holds anything but blank or white-space text (0 and "No" are answers)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list):
        return bool(value)
    return True



def table_score(items: list[Any], table: Table) -> float:
    """Share of required cells filled over the rows present (0 when there are none)."""
    if not items:
        return 0.0
    required = [c for c in table.inputs if c.required]
    if not required:
        return 1.0
    done = sum(
        filled(item if c.key == "." else getattr(item, c.key)) for item in items for c in required
    )
    return done / (len(items) * len(required))


def section_scores(case: Case, template: Template) -> dict[str, float]:
    """Completeness (0-1) of every section that has required fields or tables, in workbook order."""
    items: dict[str, list[float]] = {}
    for sheet in template.sheets:
        for block in sheet.blocks:
            if block.table and block.table.required:
                items.setdefault(block.table.section, []).append(
                    table_score(list(value_at(case, block.table.key)), block.table)
                )
            for field in block.fields:
                if field.required:
                    items.setdefault(sheet.section or "file", []).append(float(filled(value_at(case, field.key))))
    return {section: sum(scores) / len(scores) for section, scores in items.items()}


def overall(scores: dict[str, float]) -> float:
    """The mean of the section scores."""
    return sum(scores.values()) / len(scores) if scores else 0.0


def section_formulas(template: Template, years: int) -> dict[str, str]:
    """Excel formulas (without '=') giving section_scores() live in the workbook."""
    items: dict[str, list[str]] = {}
    for sheet in template.sheets:
        for block in sheet.blocks:
            if block.table and block.table.required:
                items.setdefault(block.table.section, []).append(_table_formula(block.table, years))
            for field in block.fields:
                if field.required:
                    items.setdefault(sheet.section or "file", []).append(f"IF(LEN(TRIM({field.name}))>0,1,0)")
    return {section: f"({'+'.join(parts)})/{len(parts)}" for section, parts in items.items()}


def _table_formula(table: Table, years: int) -> str:
    started = started_rows(table, years)
    required = [c.header for c in table.inputs if c.required]
    if not required:
        return f"IF(SUMPRODUCT(--{started})=0,0,1)"
    got = "+".join(f"(LEN(TRIM({table.name}[{c}]))>0)" for c in required)
    rows = f"SUMPRODUCT(--{started})"
    return f"IF({rows}=0,0,SUMPRODUCT({started}*({got}))/({rows}*{len(required)}))"
