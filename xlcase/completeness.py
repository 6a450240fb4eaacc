"""Completeness of each section, computed the same way in Python and by the Checks sheet's formulas.

A section's score is the mean of its items: each required field scores 1 when filled; each
required table scores 0 with no rows, else the share of required cells filled in the rows that
have anything in them. The overall score is the mean of the sections' scores.

Two things the Checks sheet cannot say are given beside the scores: the input cells still holding
the value a blank workbook starts with (`defaults_left`: the Green Book discount rate, base year
2027, ...), which nobody may have looked at, since a workbook cannot tell a default someone checked
from one nobody read; and whether the appraisal has what it needs to compare the preferred option
with doing nothing (`appraisal_score`), for the appraisal section, which has nothing to type.
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


def defaults_left(case: Case, template: Template) -> dict[str, list[str]]:
    """By section, the case keys of the input cells whose value is the blank workbook's ('assumptions.discount_rate'
    at 0.035), in workbook order; cells a blank workbook leaves empty are never listed."""
    blank = Case()
    found: dict[str, list[str]] = {}
    for sheet in template.sheets:
        for block in sheet.blocks:
            for field in block.fields:
                start = value_at(blank, field.key)
                if filled(start) and value_at(case, field.key) == start:
                    found.setdefault(sheet.section or "file", []).append(field.key)
    return found


APPRAISAL_NEEDS = "a do-nothing option, exactly one preferred option, and costs or benefits for the preferred option"


def appraisal_score(case: Case) -> float:
    """What the appraisal needs to compare the preferred option with doing nothing, as the mean of three
    items: a do-nothing option; exactly one preferred option, not the do-nothing one; and at least one
    amount on a cost or benefit line of the preferred option (matched, as the engine matches, ignoring case)."""
    from xlcase.appraisal import option_key

    do_nothing = case.do_nothing_option()
    preferred = case.preferred_options()
    chosen = preferred[0] if len(preferred) == 1 and preferred[0] is not do_nothing else None
    key = option_key(chosen.id) if chosen is not None and chosen.id else None
    flows = key is not None and any(option_key(line.option) == key and any(line.amounts)
                                    for line in (*case.costs, *case.benefits) if line.option)
    return sum((do_nothing is not None, chosen is not None, flows)) / 3


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
