"""The workbook writer: a Case and a template in, an Excel-native business-case workbook out."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from pathlib import Path

# openpyxl imports numpy when it is installed, only to accept numpy numbers as cell values; the writer
# gives it Python numbers only, and importing numpy would be a quarter of `xlcase new`'s time. So,
# unless something has imported numpy already, openpyxl is imported while numpy is hidden from it.
_HIDE_NUMPY = "numpy" not in sys.modules
if _HIDE_NUMPY:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError meanwhile
try:
    from openpyxl import Workbook
finally:
    if _HIDE_NUMPY:
        del sys.modules["numpy"]
from openpyxl.packaging.custom import StringProperty

from xlcase.atomic import atomic_output
from xlcase.model import Case
from xlcase.template import DEFAULT_TEMPLATE, TEMPLATE_PROPERTY, VERSION_PROPERTY, Template, load_template
from xlcase.writer.affordability_sheet import write_affordability_sheet
from xlcase.writer.appraisal_sheet import write_appraisal_sheet
from xlcase.writer.checks_sheet import write_checks_sheet
from xlcase.writer.fit import fit_sheet
from xlcase.writer.forms import write_form_sheet
from xlcase.writer.guide_sheet import write_guide_sheet
from xlcase.writer.inputs_sheet import write_inputs_sheet
from xlcase.writer.layout import Layout
from xlcase.writer.lists_sheet import write_lists_sheet
from xlcase.writer.results_sheet import write_results_sheet
from xlcase.writer.workforce_costs_sheet import write_workforce_costs_sheet
from xlcase.writer.styles import register_styles


def appraisal_columns(case: Case) -> int:
    """Year columns to write: the appraisal period, or more if a line has more amounts (nothing lost)."""
    longest = max((len(line.amounts) for line in [*case.costs, *case.benefits]), default=0)
    return max(case.assumptions.appraisal_years, longest)


def build_workbook(case: Case, template: Template) -> Workbook:
    """The workbook in memory, every sheet written in template order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    register_styles(workbook)
    layout = Layout(years=appraisal_columns(case))
    grid = None
    for sheet in template.sheets:
        ws = workbook.create_sheet(sheet.name)
        if sheet.kind == "guide":
            write_guide_sheet(ws, template)
        elif sheet.kind == "form":
            write_form_sheet(ws, sheet, case, template, layout)
        elif sheet.kind == "inputs":
            write_inputs_sheet(ws, sheet, case, template, layout)
        elif sheet.kind == "workforce_costs":
            write_workforce_costs_sheet(ws, sheet, template, layout)
        elif sheet.kind == "appraisal":
            grid = write_appraisal_sheet(ws, sheet, template, layout, printed=len(case.options))
        elif sheet.kind == "results" and grid is not None:
            write_results_sheet(ws, sheet, grid, charted=min(len(case.options), grid.options) or grid.options,
                                names=[option.name or "" for option in case.options])
        elif sheet.kind == "affordability" and grid is not None:
            write_affordability_sheet(ws, sheet, grid, charted=min(len(case.options), grid.options) or grid.options)
        elif sheet.kind == "checks":
            write_checks_sheet(ws, sheet, template, layout)
        elif sheet.kind == "lists":
            write_lists_sheet(ws, sheet, template, layout)
    for ws in workbook.worksheets:
        fit_sheet(ws)
    workbook.custom_doc_props.append(StringProperty(name=TEMPLATE_PROPERTY, value=template.name))
    workbook.custom_doc_props.append(StringProperty(name=VERSION_PROPERTY, value=template.version))
    workbook.properties.creator = "xlcase"
    workbook.properties.title = case.title or template.title
    workbook.calculation.fullCalcOnLoad = True  # Excel recomputes every formula when it opens the file
    return workbook


def write_workbook(
    case: Case, path: str | Path, *, template: str = DEFAULT_TEMPLATE, force: bool = False,
    timestamp: dt.datetime | None = None, inputs: Iterable[str | Path] = (),
) -> Path:
    """Write the case as a workbook, atomically.

    Args:
        case: the (possibly incomplete) case; an empty Case gives the blank workbook.
        path: the .xlsx file to write.
        template: the workbook template's name.
        force: replace an existing file.
        timestamp: creation time recorded in the file (fixed for reproducible output).
        inputs: files the case came from: the output never replaces one of them.

    Returns:
        The path written.

    Raises:
        OutputExistsError: the file exists and force is false.
        OutputError: the file is one of ``inputs``, or not a regular file, or cannot be written.
        BadInputError: a text value cannot be stored in a cell (too long, control characters).
        UnknownTemplateError: no template of that name.
    """
    workbook = build_workbook(case, load_template(template))
    stamp = timestamp or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    with atomic_output(path, force=force, inputs=inputs) as tmp:
        workbook.save(tmp)
    return Path(path)
