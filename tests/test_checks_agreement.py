"""Each Checks-sheet formula that names a rule code agrees with that rule, in LibreOffice.

Workbooks are generated from the example case with and without each problem, recalculated in
LibreOffice, and every Checks row that names a rule (its text ends in "(XC201)") must be TRUE
exactly when `xlcase validate` finds nothing under that code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from xlcase.api import new_workbook
from xlcase.casefile import load_case
from xlcase.model import Case
from xlcase.template import load_template
from xlcase.validation import validate_workbook

EXAMPLE = Path(__file__).parent.parent / "examples" / "ward-assistant-practitioners.yaml"
RULE_IN_TEXT = re.compile(r"\((XC\d{3})\)$")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice with python3-uno is not installed"),
]


def _no_do_nothing(case: Case) -> None:
    for option in case.options:
        option.do_nothing = False


def _two_preferred(case: Case) -> None:
    case.options[0].preferred = True


def _none_preferred(case: Case) -> None:
    for option in case.options:
        option.preferred = False


def _cost_of_no_option(case: Case) -> None:
    case.costs[0].option = "O9"


def _benefit_of_no_option(case: Case) -> None:
    case.benefits[-1].option = "O9"


def _risk_of_no_aim(case: Case) -> None:
    case.risks[0].linked_aim = "A99"


def _risk_unlinked(case: Case) -> None:
    case.risks[-1].linked_aim = None


def _finish_before_start(case: Case) -> None:
    case.timeline.finish = case.timeline.start - dt.timedelta(days=1)


def _milestone_late(case: Case) -> None:
    case.timeline.milestones[0].due = case.timeline.finish + dt.timedelta(days=1)


def _milestone_early(case: Case) -> None:
    case.timeline.milestones[-1].due = case.timeline.start - dt.timedelta(days=1)


# The rule each change breaks; every rule a Checks formula names has at least one.
PROBLEMS: dict[str, tuple[str, Callable[[Case], None]]] = {
    "no do-nothing option": ("XC201", _no_do_nothing),
    "two preferred options": ("XC202", _two_preferred),
    "no preferred option": ("XC202", _none_preferred),
    "a cost line of an option that does not exist": ("XC601", _cost_of_no_option),
    "a benefit line of an option that does not exist": ("XC601", _benefit_of_no_option),
    "a risk linked to an aim that does not exist": ("XC401", _risk_of_no_aim),
    "a risk linked to no aim": ("XC401", _risk_unlinked),
    "the finish before the start": ("XC501", _finish_before_start),
    "a milestone after the finish": ("XC501", _milestone_late),
    "a milestone before the start": ("XC501", _milestone_early),
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, Path]:
    """Each variant of the example (and the example itself), generated and recalculated in one LibreOffice run."""
    folder = tmp_path_factory.mktemp("checks")
    pairs, out = [], {}
    for name, change in [("the example", None), *((n, c) for n, (_, c) in PROBLEMS.items())]:
        case = load_case(EXAMPLE)
        if change is not None:
            change(case)
        stem = re.sub(r"\W+", "-", name)
        source, target = folder / f"{stem}.xlsx", folder / f"{stem}-recalculated.xlsx"
        new_workbook(source, case=case)
        pairs.append((source, target))
        out[name] = target
    libreoffice.recalculate(pairs)
    return out


def checks_by_rule(path: Path) -> dict[str, bool]:
    """Rule code -> the recalculated result of the Checks row that names it."""
    words = load_template().checks
    workbook = openpyxl.load_workbook(path, data_only=True)
    ws = next(ws for ws in workbook.worksheets if words.table in ws.tables)
    rows = list(ws[ws.tables[words.table].ref])
    headers = [c.value for c in rows[0]]
    text, result = headers.index(words.headers[1]), headers.index(words.headers[2])
    out = {}
    for row in rows[1:]:
        named = RULE_IN_TEXT.search(str(row[text].value or ""))
        if named:
            assert isinstance(row[result].value, bool), (named.group(1), row[result].value)
            out[named.group(1)] = row[result].value
    return out


def test_every_rule_a_check_names_has_a_problem_to_show_it():
    ruled = {check.rule for check in load_template().checks.checks if check.rule}
    assert ruled and ruled == {code for code, _ in PROBLEMS.values()}


@pytest.mark.parametrize("variant", ["the example", *PROBLEMS])
def test_each_check_agrees_with_its_rule(recalculated, variant):
    """TRUE on the Checks sheet exactly when the rule finds nothing; the problem's own rule fails."""
    checks = checks_by_rule(recalculated[variant])
    assert set(checks) == {c.rule for c in load_template().checks.checks if c.rule}
    codes = {f.rule for f in validate_workbook(recalculated[variant], select=list(checks)).findings}
    assert checks == {code: code not in codes for code in checks}
    if variant in PROBLEMS:
        assert checks[PROBLEMS[variant][0]] is False
    else:
        assert all(checks.values())
