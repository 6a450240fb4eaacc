"""Cases for the paper's tests and benchmark: text that must stay text, and a case far larger than any real one.

`hostile_case` puts formula-like, markup-like and link-like text in every kind of place the paper shows
case text (title, headings, paragraphs, lists, table cells, chart labels, the file's properties).
`large_case` has thousands of risks, lines, milestones and evaluation lines, and texts of Excel's
maximum length, so that the paper's bounds (rows per table, characters per cell) do the work.
"""

from __future__ import annotations

import datetime as dt

from xlcase.model import Case, CostLine, EvaluationItem, Milestone, Risk

PAYLOADS = (
    '=HYPERLINK("http://x","y")',
    "<script>alert(1)</script>",
    "{{x}}",
    "[x](y)",
    "*not bold* _not italic_",
    "mail me@example.com or see www.example.com",
    "$5 and $10",
)
LONG_TEXT = 32_767  # Excel's most characters in a cell


def hostile_case(example: Case) -> Case:
    """The example with a payload in every place of the paper that shows case text."""
    case = example.model_copy(deep=True)
    p = PAYLOADS
    case.title = f"{p[0]} {p[2]}"
    case.author = p[1]
    case.summary.service_need = " ".join(p)
    case.summary.drivers = list(p)
    case.options[2].name = f"{p[0]} {p[6]}"  # the preferred option: headings, tables, every chart
    case.options[3].name = p[1]
    case.options[1].reason_rejected = p[3]
    case.risks[0].description = p[0]
    case.risks[1].description = p[1]
    case.risks[2].mitigation = p[4]
    case.timeline.milestones[0].name = p[2]
    case.timeline.milestones[1].name = p[5]
    case.conclusions.recommendations = list(p)
    case.stakeholders[0].name = p[3]
    return case


def large_case(example: Case, rows: int = 5_000) -> Case:
    """The example with ``rows`` risks, cost lines, milestones and evaluation lines, and long texts."""
    case = example.model_copy(deep=True)
    long = ("Risk text " * (LONG_TEXT // 10))[:LONG_TEXT]
    case.summary.service_need = long
    case.summary.drivers = [f"Driver {n}" for n in range(rows)]
    case.risks = [Risk(id=f"R{n}", description=long if n < 50 else f"Risk {n}", linked_aim="A1", likelihood=3,
                       impact=4, owner="Owner", mitigation="Mitigation") for n in range(rows)]
    case.costs += [CostLine(option="O2", category="other", description=f"Line {n}", amounts=[1.0] * 10)
                   for n in range(rows)]
    start = dt.date(2027, 4, 1)
    case.timeline.milestones = [Milestone(name=f"Milestone {n} {long[:200]}", owner="Lead",
                                          due=start + dt.timedelta(days=n % 900), status="on_track")
                                for n in range(rows)]
    case.evaluation = [EvaluationItem(what=f"A{n % 4 + 1} check {n}", measure="m", when="w", method="x",
                                      owner="o") for n in range(rows)]
    case.conclusions.recommendations = [f"Recommendation {n}" for n in range(rows)]
    return case
