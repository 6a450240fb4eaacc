"""XC701: formula results saved in a workbook compared with the engine's figures.

Excel and LibreOffice save each formula's last result beside the formula. When those saved
results disagree with what the engine computes from the same inputs, a formula was
overwritten with a typed number or the file was saved without recalculating.
"""

from __future__ import annotations

import math
from typing import Any

from xlcase.appraisal import Appraisal
from xlcase.findings import Finding
from xlcase.package import Cell
from xlcase.reader import Submission
from xlcase.text import clip, shown, shown_id

RULE = "XC701"
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-6  # pounds: below a penny's ten-thousandth is rounding, not a disagreement


def cached_result_findings(submission: Submission, appraisal: Appraisal) -> list[Finding]:
    """Every Results and Sensitivity cell whose saved value disagrees with the engine, or that holds no formula."""
    findings: list[Finding] = []
    package = submission.package
    words = submission.template.results
    results = package.table(words.table)
    if results is None:
        return findings
    by_id = {o.id: o for o in appraisal.options if o.id}
    id_header = words.header("id")
    for row in package.table_rows(words.table):
        option = _option_id(row.get(id_header))
        expected = by_id.get(option) if option else None
        for key, header in words.figures.items():
            cell = row.get(header)
            want = expected.figure(key) if expected else None
            findings.extend(_compare(cell, want, results.sheet, f"{header} of option {_named(option)}"))
    sensitivity = package.table(words.sensitivity_table)
    if sensitivity is not None:
        scenarios = {(r.option, r.scenario.casefold()): r.npv_vs_do_nothing for r in appraisal.sensitivity}
        for row in package.table_rows(words.sensitivity_table):
            option = _option_id(row.get(words.sensitivity_option))
            for header, cell in row.items():
                if header in (words.sensitivity_option, words.sensitivity_base):
                    continue
                want = scenarios.get((option, header.casefold())) if option else None
                findings.extend(_compare(cell, want, sensitivity.sheet,
                                         f"sensitivity '{clip(header)}' of option {_named(option)}"))
    return findings


def _named(option: str | None) -> str:
    return shown_id(option) if option else "(blank)"


def _option_id(cell: Cell | None) -> str | None:
    if cell is None or cell.value in (None, ""):
        return None
    value = cell.value
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _compare(cell: Cell | None, want: Any, sheet: str, what: str) -> list[Finding]:
    if cell is None:
        return []
    got = cell.value
    if cell.formula is None:
        if got in (None, ""):
            return []
        return [Finding(RULE, "error", f"the formula for {what} has been replaced by a typed value ({_figure(got)}); "
                        "restore the formula (copy it from the row above) so the figure follows the inputs",
                        sheet, cell.ref, "appraisal", got)]
    if got is None:  # never calculated (written by a program that does not compute): nothing to compare
        return []
    if _same(got, want):
        return []
    return [Finding(RULE, "error", f"the saved result for {what} is {_figure(got)} but the inputs give "
                    f"{'nothing' if want is None else _figure(want)}; recalculate the workbook (F9 in Excel) and check "
                    "the formula has not been edited", sheet, cell.ref, "appraisal", got)]


def _figure(value: Any) -> str:
    """A figure as the reader would recognise it: money in pounds and pence, ratios to 4 places."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return shown(value)
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"


def _same(got: Any, want: Any) -> bool:
    if want is None:
        return got in (None, "")
    if isinstance(want, str):
        return isinstance(got, str) and got.strip() == want
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return math.isclose(float(got), float(want), rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)
