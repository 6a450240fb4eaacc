"""Golden fixtures, one per rule: a variant of the example case, written as a workbook, validated,
and its findings for that rule compared with the exact expected [(rule, sheet, cell)]."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlcase.api import new_workbook
from xlcase.findings import Finding
from xlcase.model import Aim, Apprenticeship, Case, CostLine, EvaluationItem, Post
from xlcase.review import Review
from xlcase.rules import (
    DOC_PARTS, SECTIONS, all_rules, get_rule, parse_codes, rule, rules_markdown, run_rules, _REGISTRY,
)
from xlcase.errors import BadInputError
from xlcase.validation import validate_case, validate_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
ZERO_WIDTH = "\u200b"
DESIGN_CORE_CODES = ("XC001", "XC002", "XC101", "XC102", "XC201", "XC202", "XC203", "XC204", "XC301", "XC401",
                     "XC501", "XC601", "XC701")


def flat(findings: list[Finding], *codes: str) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.sheet, f.cell) for f in findings if f.rule.startswith(codes)]


def _set(obj, **values):
    for key, value in values.items():
        setattr(obj, key, value)


def _not_best(case: Case) -> None:
    _set(case.options[2], preferred=False, reason_rejected="Too costly")
    _set(case.options[3], preferred=True, reason_rejected=None, justification=None)


def _only_two_options(case: Case) -> None:
    case.options = [case.options[0], case.options[2]]
    case.costs = [line for line in case.costs if line.option == "O2"]
    case.benefits = [line for line in case.benefits if line.option == "O2"]


def _negative_and_late(case: Case) -> None:
    case.costs[1].amounts = [-2400.0] + [0.0] * 9
    case.benefits[0].amounts = [*case.benefits[0].amounts, 5000.0]


def _optimism_bias_outside(case: Case) -> None:
    _set(case.assumptions, optimism_bias=0.5, optimism_bias_project_type="standard_buildings")  # bounds 2% to 24%
    _set(case.options[3], optimism_bias=0.0)  # O3's own, below the lower bound


def _banded_pay_lines(case: Case) -> None:
    _set(case.costs[2], band="4", wte=4)  # O1's 4 band 4 posts at the top: 164,339 a year, within 155,178 to 170,582
    _set(case.costs[3], category="pay", band="6")  # a band without a WTE
    case.costs.append(CostLine(option="O3", category="pay", description="4 band 4 APs from October 2028, pay only",
                               band="4", wte=4, amounts=[0, 62000] + [124000] * 8))  # year 1 a part year


def _agency_counted_twice(case: Case) -> None:
    """Do nothing carries the agency spend; O2 carries it too (no double count), O1 and O3 do not and also claim it."""
    case.costs.append(CostLine(option="O0", category="external_staff",
                               description="Agency registered nurse shifts, 2025/26 run rate", amounts=[110565.0] * 10))
    case.costs.append(CostLine(option="O2", category="external_staff",
                               description="Agency registered nurse shifts, as do nothing", amounts=[110565.0] * 10))


def _trainees(**changes) -> Post:
    values = dict(option="O2", role="Trainee assistant practitioner", band="3", point="top", wte=10,
                  start=dt.date(2027, 9, 1), end=dt.date(2029, 8, 31), trainee=True, off_the_job_hours=6)
    return Post(**{**values, **changes})


def _apprenticeship(**changes) -> Apprenticeship:
    values = dict(option="O2", standard="ST0215", learners=10, start=dt.date(2027, 9, 1), duration_months=24,
                  funding_band=15000)
    return Apprenticeship(**{**values, **changes})


def _fees_the_trust_pays(case: Case) -> None:
    case.apprenticeships = [_apprenticeship(price=17000), _apprenticeship(option="O3", learners=5, levy_funded=False)]


def _costed_at_zero(case: Case) -> None:
    case.posts = [
        _trainees(point="intermediate"),  # band 3 has two points
        _trainees(role="Assistant practitioner", band="4", wte=9, start=dt.date(2029, 9, 1), end=dt.date(2029, 8, 31),
                  trainee=False, off_the_job_hours=None),
        _trainees(role="Trainee AP on band 5", band="5", point="intermediate", wte=1, backfill_band="3"),
    ]
    case.apprenticeships = [_apprenticeship(start=None, duration_months=None)]


VARIANTS = {
    "XC201 no do nothing": (lambda c: _set(c.options[0], do_nothing=False), ("XC201",),
                            [("XC201", "Options", "B4")]),
    "XC202 two preferred": (lambda c: _set(c.options[3], preferred=True), ("XC202",),
                            [("XC202", "Options", "G7"), ("XC202", "Options", "G8")]),
    "XC202 none preferred": (lambda c: _set(c.options[2], preferred=False), ("XC202", "XC203"),
                             [("XC202", "Options", "B4"), ("XC203", "Options", "L7")]),
    "XC203 no reason": (lambda c: _set(c.options[3], reason_rejected=None), ("XC203",),
                        [("XC203", "Options", "L8")]),
    "XC204 not best": (_not_best, ("XC204",), [("XC204", "Options", "K8")]),
    "XC205 duplicate id": (lambda c: _set(c.options[3], id="O2"), ("XC205",), [("XC205", "Options", "B8")]),
    "XC206 no do minimum": (lambda c: _set(c.options[1], do_minimum=False), ("XC206",),
                            [("XC206", "Options", "B4")]),
    "XC207 too few": (_only_two_options, ("XC206", "XC207"),
                      [("XC206", "Options", "B4"), ("XC207", "Options", "B4")]),
    "XC301 role, accountable": (lambda c: (_set(c.stakeholders[1], role=None),
                                           _set(c.stakeholders[2], accountable_to=None)), ("XC301", "XC101"),
                                [("XC301", "Stakeholders", "C6"), ("XC301", "Stakeholders", "E7")]),
    "XC302 no mentor": (lambda c: setattr(c, "stakeholders", [s for s in c.stakeholders
                                                              if "mentor" not in (s.role or "").lower()]),
                        ("XC302",), [("XC302", "Stakeholders", "B4")]),
    "XC401 risk links A9": (lambda c: (_set(c.risks[1], linked_aim="A9"), _set(c.risks[3], linked_aim=None)),
                            ("XC401", "XC101"), [("XC401", "Risks", "D6"), ("XC401", "Risks", "D8")]),
    "XC402 risk incomplete": (lambda c: (_set(c.risks[0], owner=None), _set(c.risks[2], likelihood=None)),
                              ("XC402", "XC101"), [("XC402", "Risks", "H5"), ("XC402", "Risks", "E7")]),
    "XC501 milestone late": (lambda c: _set(c.timeline.milestones[2], due=dt.date(2030, 1, 1)), ("XC501",),
                             [("XC501", "Timeline", "D12")]),
    "XC501 finish first": (lambda c: _set(c.timeline, finish=dt.date(2026, 1, 1)), ("XC501",),
                           [("XC501", "Timeline", "C5")]),
    "XC502 milestone incomplete": (lambda c: (_set(c.timeline.milestones[0], owner=None),
                                              _set(c.timeline.milestones[4], due=None)), ("XC502", "XC101"),
                                   [("XC502", "Timeline", "C10"), ("XC502", "Timeline", "D14")]),
    "XC601 option O9": (lambda c: (_set(c.costs[0], option="O9"), _set(c.benefits[2], option="O9")), ("XC601",),
                        [("XC601", "Costs", "B7"), ("XC601", "Benefits", "B9")]),
    "XC602/XC603 amounts": (_negative_and_late, ("XC602", "XC603"),
                            [("XC602", "Costs", "I8"), ("XC603", "Benefits", "S7")]),
    "XC604 benefit incomplete": (lambda c: (_set(c.benefits[1], measure=None), _set(c.benefits[2], beneficiary=None)),
                                 ("XC604", "XC101"), [("XC604", "Benefits", "F8"), ("XC604", "Benefits", "C9")]),
    "XC605 zero monetised": (lambda c: _set(c.benefits[1], amounts=[0.0] * 10), ("XC605",),
                             [("XC605", "Benefits", "D8")]),
    "XC606 no budget line": (lambda c: _set(c.benefits[0], budget_line=None), ("XC606",),
                             [("XC606", "Benefits", "G7")]),
    "XC607 agency counted twice": (_agency_counted_twice, ("XC607",),
                                   [("XC607", "Benefits", "I7"), ("XC607", "Benefits", "K17")]),
    "XC704 optimism bias outside": (_optimism_bias_outside, ("XC704",),
                                    [("XC704", "Options", "I8"), ("XC704", "Inputs", "C7")]),
    "XC805 pay line off reference": (_banded_pay_lines, ("XC805",),
                                     [("XC805", "Costs", "F10"), ("XC805", "Costs", "K29")]),
    "XC806 pay year not held": (lambda c: (setattr(c, "posts", [_trainees()]),
                                           _set(c.assumptions, price_base_year=2028)), ("XC806",),
                                [("XC806", "Inputs", "C13")]),
    "XC806 no price base year": (lambda c: (setattr(c, "posts", [_trainees()]),
                                            _set(c.assumptions, price_base_year=None)), ("XC806",),
                                 [("XC806", "Inputs", "C13")]),
    "XC807 pension carried forward": (lambda c: setattr(c, "posts", [_trainees()]), ("XC807",),
                                      [("XC807", "Inputs", "D66")]),
    "XC808 fees the trust pays": (_fees_the_trust_pays, ("XC808",),
                                  [("XC808", "Workforce plan", "H30"), ("XC808", "Workforce plan", "I31")]),
    "XC809 costed at zero": (_costed_at_zero, ("XC809", "XC101"),
                             [("XC809", "Workforce plan", "F6"), ("XC809", "Workforce plan", "I7"),
                              ("XC809", "Workforce plan", "L8"), ("XC809", "Workforce plan", "E30"),
                              ("XC809", "Workforce plan", "F30")]),
    "XC810 hours not trainee": (lambda c: setattr(c, "posts", [_trainees(role="Mentor time", band="6", wte=0.4,
                                                                         trainee=False, off_the_job_hours=1.5)]),
                                ("XC810",), [("XC810", "Workforce plan", "K6")]),
    "XC801 no provider": (lambda c: _set(c.education_provider, name=None), ("XC801", "XC101"),
                          [("XC801", "Workforce", "C30")]),
    "XC802 no candidates": (lambda c: setattr(c, "candidates", []), ("XC802", "XC101"),
                            [("XC802", "Workforce", "B18")]),
    "XC803 too many trainees": (lambda c: _set(c.options[2], trainees=20), ("XC803",),
                                [("XC803", "Options", "H7")]),
    "XC804 no skill mix": (lambda c: setattr(c, "skill_mix", []), ("XC804", "XC101"),
                           [("XC804", "Workforce", "B5")]),
    "XC901 aim not evaluated": (lambda c: setattr(c, "evaluation", [e for e in c.evaluation if "A2" not in e.what]),
                                ("XC901",), [("XC901", "Summary", "B40")]),
    "XC902-XC904 conclusions": (lambda c: _set(c.conclusions, recommendations=[], rollout=[], cohort_source=None),
                                ("XC90", "XC101"),
                                [("XC902", "Conclusions", "C12"), ("XC903", "Conclusions", "B24"),
                                 ("XC904", "Conclusions", "C7")]),
    "XC205 zero-width id": (lambda c: _set(c.options[3], id="O2" + ZERO_WIDTH), ("XC205",),
                            [("XC205", "Options", "B8")]),
    "XC205 full-width id": (lambda c: _set(c.options[3], id="\uff2f2"), ("XC205",), [("XC205", "Options", "B8")]),
    "XC401 look-alike aim": (lambda c: (_set(c.risks[1], linked_aim="\uff211"), _set(c.risks[2], linked_aim="A4\u2060")),
                             ("XC401",), [("XC401", "Risks", "D6"), ("XC401", "Risks", "D7")]),
    "XC403 duplicate aim id": (lambda c: (_set(c.aims[1], id="a1"), _set(c.aims[3], id="A3" + ZERO_WIDTH)), ("XC403",),
                               [("XC403", "Summary", "B40"), ("XC403", "Summary", "B42")]),
    "XC601 look-alike option": (lambda c: (_set(c.costs[0], option="O1" + ZERO_WIDTH), _set(c.benefits[2], option="\uff2f2")),
                                ("XC601",), [("XC601", "Costs", "B7"), ("XC601", "Benefits", "B9")]),
    "XC901 look-alike aim named": (lambda c: _set(c.evaluation[1], what="\uff21" + ZERO_WIDTH + "2 registered nurse time"),
                                   ("XC901",), []),
    "XC101 required empty": (lambda c: (setattr(c, "author", None), _set(c.aims[1], measure=None),
                                        setattr(c, "evaluation", [])), ("XC101", "XC901"),
                             [("XC101", "Summary", "C17"), ("XC101", "Summary", "E40"), ("XC101", "Evaluation", "B4")]),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_rule_fixture(name, make_relative_workbook):
    change, codes, expected = VARIANTS[name]
    report = validate_workbook(make_relative_workbook(change))
    assert flat(report.findings, *codes) == expected
    assert report.readable


@pytest.mark.parametrize("name", list(VARIANTS))
def test_rules_on_a_bare_case(name, relative_case):
    """The same rules on the Case itself (no workbook): same codes, no sheet or cell."""
    change, codes, expected = VARIANTS[name]
    case = relative_case.model_copy(deep=True)
    change(case)
    findings = validate_case(case).findings
    assert [(f.rule, f.sheet, f.cell) for f in findings if f.rule.startswith(codes)] == [
        (code, None, None) for code, _, _ in expected
    ]


def test_clean_example_has_no_errors_or_warnings(example_workbook):
    report = validate_workbook(example_workbook)
    assert report.readable and report.valid
    assert flat(report.findings, "XC") == [("XC807", "Inputs", "D66"),  # the pension rate carried past March 2027
                                           ("XC702", "Results", "N7"), ("XC703", "Results", "C19")]
    assert report.completeness == 1.0
    assert [s.name for s in report.sections] == list(SECTIONS)
    assert all(s.complete for s in report.sections)


def test_messages_name_the_offending_value(make_relative_workbook):
    report = validate_workbook(make_relative_workbook(lambda c: _set(c.risks[1], linked_aim="A9")))
    [finding] = [f for f in report.findings if f.rule == "XC401"]
    assert finding.value == "A9" and "A9" in finding.message and finding.section == "risks"
    assert finding.severity == "error"


def test_reader_level_codes(example_workbook, tmp_path):
    """Text in a money cell (XC102), a number stored as text (XC103), an error value (XC104),
    a score of 7 (XC102 from the model), edited with openpyxl as a user would in Excel."""
    from openpyxl.utils import get_column_letter

    from xlcase.template import load_template

    book = openpyxl.load_workbook(example_workbook)
    costs = book["Costs"]
    headers = load_template().table("costs").headers(10)
    year = {t: get_column_letter(2 + headers.index(f"Year {t}")) for t in range(3)}  # the table starts in column B
    costs[f"{year[0]}7"].value = "forty-five"
    costs[f"{year[1]}7"].value = "£1,234"
    costs[f"{year[2]}7"].value = "#REF!"
    costs[f"{year[2]}7"].data_type = "e"
    book["Risks"]["E5"].value = 7
    path = tmp_path / "edited.xlsx"
    book.save(path)
    report = validate_workbook(path)
    assert flat(report.findings, "XC1", "XC4") == [
        ("XC102", "Costs", f"{year[0]}7"), ("XC103", "Costs", f"{year[1]}7"), ("XC104", "Costs", f"{year[2]}7"),
        ("XC102", "Risks", "E5"),
    ]
    # a value the reader could not read is not reported again as empty (XC101 / XC402)
    assert not flat(report.findings, "XC101", "XC402")
    assert not report.valid


@pytest.mark.parametrize(("name", "version", "expected"), [
    ("assistant-practitioner", "0.9.0", [("XC002", "warning")]),
    ("someone-elses-template", "1.0.0", [("XC002", "error")]),
    (None, None, [("XC002", "error")]),
])
def test_template_identity_xc002(example_workbook, tmp_path, name, version, expected):
    book = openpyxl.load_workbook(example_workbook)
    props = {p.name: p for p in book.custom_doc_props.props}
    if name is None:
        book.custom_doc_props.props = [p for p in book.custom_doc_props.props if not p.name.startswith("xlcase.")]
        for defined in ("XlcaseTemplate", "XlcaseTemplateVersion"):
            if defined in book.defined_names:
                del book.defined_names[defined]
    else:
        props["xlcase.template"].value = name
        props["xlcase.template_version"].value = version
    path = tmp_path / "other-template.xlsx"
    book.save(path)
    report = validate_workbook(path)
    assert [(f.rule, f.severity) for f in report.findings if f.rule == "XC002"] == expected
    assert [(f.rule, f.severity) for f in validate_workbook(example_workbook).findings if f.rule == "XC002"] == []


def test_every_rule_documents_itself():
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    for r in all_rules():
        assert r.section in SECTIONS and r.severity in ("error", "warning", "info")
        for part in DOC_PARTS:
            assert r.part(part), f"{r.code} lacks '{part}'"
    for code in DESIGN_CORE_CODES:
        assert get_rule(code).code == code
    assert get_rule("xc401").name == "risk-not-linked-to-aim"
    with pytest.raises(BadInputError):
        get_rule("XC999")


def test_select_and_ignore(make_relative_workbook):
    path = make_relative_workbook(lambda c: (_set(c.risks[1], linked_aim="A9"), _set(c.options[3], reason_rejected=None)))
    assert {f.rule for f in validate_workbook(path, select=["XC4"]).findings} == {"XC401"}
    assert "XC401" not in {f.rule for f in validate_workbook(path, ignore=["XC401"]).findings}
    assert parse_codes("xc4, XC203") == ["XC4", "XC203"]
    with pytest.raises(BadInputError):
        parse_codes("XC4,NOPE")


def test_a_rule_that_raises_becomes_xc000(relative_case):
    @rule("XC999", "always-fails", "warning", "risks")
    def always_fails(review, report):
        """What it checks: nothing.

        Why a reviewer cares: it is a test.

        How to fix: nothing.
        """
        raise ZeroDivisionError("boom")

    try:
        findings = run_rules(Review.from_case(relative_case))
    finally:
        del _REGISTRY["XC999"]
    [internal] = [f for f in findings if f.rule == "XC000"]
    assert "XC999" in internal.message and "boom" in internal.message and internal.severity == "error"
    assert {"XC702", "XC703"} <= {f.rule for f in findings}  # the other rules still ran


def test_readme_rule_table_is_the_registry():
    """The README's rule table is exactly what the registry documents (regenerate with rules_markdown())."""
    table = rules_markdown()
    for r in all_rules():
        assert f"| {r.code} | {r.severity} | {r.section} |" in table
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "rule"), [
    (lambda c: setattr(c, "title", "   "), "XC101"),
    (lambda c: setattr(c.stakeholders[0], "role", "\t"), "XC301"),
    (lambda c: setattr(c.options[1], "reason_rejected", "  "), "XC203"),
    (lambda c: setattr(c.risks[0], "linked_aim", "  "), "XC401"),
])
def test_white_space_is_not_an_answer(relative_case, tmp_path, change, rule):
    case = relative_case.model_copy(deep=True)
    change(case)
    path = tmp_path / "blank-answers.xlsx"
    new_workbook(path, case=case)
    assert rule in {f.rule for f in validate_workbook(path).findings}
    assert rule in {f.rule for f in validate_case(case).findings}


# -- IDs that look the same are the same ID, and the difference is shown --------------------------------

def test_look_alike_ids_are_shown_so_the_difference_is_visible(relative_case):
    case = relative_case.model_copy(deep=True)
    case.options[3].id = "O2" + ZERO_WIDTH
    case.costs[0].option = "\uff2f1"  # a full-width O
    case.costs[1].option = "o1"
    case.risks[1].linked_aim = "A1" + ZERO_WIDTH
    case.aims[3].id = "a1"
    messages = {(f.rule, f.value): f.message for f in validate_case(case).findings}
    assert messages["XC205", "O2\u200b"].startswith("option ID 'O2\\u200b' is the ID O2 of row 3 of the Options "
                                                    "table but for invisible or look-alike characters")
    assert "is for option '\\uff2f1', which is option O1 but for invisible, look-alike or extra space characters: " \
           "neither the workbook's formulas nor xlcase count it" in messages["XC601", "\uff2f1"]
    assert ("XC601", "o1") not in messages  # case alone: SUMIFS and the engine both count it for O1
    assert messages["XC401", "A1\u200b"].startswith("risk R2 is linked to aim 'A1\\u200b', which is aim A1 but for "
                                                    "invisible or look-alike characters")
    assert messages["XC403", "a1"].startswith("aim ID a1 is used again (first by aim 1)")


def test_a_look_alike_cost_line_is_counted_for_no_option(relative_case):
    """The engine and the workbook's SUMIFS must keep agreeing: the line is a finding, never merged into O1."""
    from xlcase.appraisal import appraise

    case = relative_case.model_copy(deep=True)
    line = case.costs[0]
    assert line.option == "O1" and sum(line.amounts) > 0
    line.option = "O1" + ZERO_WIDTH
    before, after = appraise(relative_case).option("O1"), appraise(case).option("O1")
    assert after.pv_costs < before.pv_costs
    without = relative_case.model_copy(deep=True)
    without.costs.pop(0)
    assert after.pv_costs == pytest.approx(appraise(without).option("O1").pv_costs)


@pytest.mark.parametrize(("aim", "line", "covered"), [
    (("A1", None), "a1: retention", True),
    (("A1", None), "A12 and XA1", False),  # the ID as a word only
    (("\uff211", None), "A1 " + ZERO_WIDTH, True),
    (("A-1", None), "see A-1.", True),
    (("A-1", None), "see A-1x", False),
    (("(A1)", None), "x(A1)y", False),  # (?<!\w) before the first character, whatever that is
    (("(A1)", None), "x (A1) y", True),
    ((None, "Release  nurse time"), "We will RELEASE nurse\ntime soon", True),
    ((None, "ward staff"), "toward staffing", True),  # the text anywhere, not only as words
    (("A7", "Cut agency spend"), "agency spend", False),
])
def test_aim_coverage_matches_the_documented_rule(aim, line, covered):
    from xlcase.rules.evaluation import aims_covered

    assert (0 in aims_covered([aim], [line]).covered) is covered


def test_aim_coverage_says_where_its_bounds_stopped_the_search(monkeypatch):
    from xlcase.rules import evaluation

    monkeypatch.setattr(evaluation, "SOUGHT_LIMIT", 30)
    monkeypatch.setattr(evaluation, "SEARCHED_LIMIT", 40)
    aims = [("A1", "first aim"), (None, "a second aim whose text is long"), (None, "third")]
    coverage = evaluation.aims_covered(aims, ["x" * 50, "A1, a second aim whose text is long, third"])
    assert coverage.covered == {0} and coverage.not_sought == {1} and coverage.evaluation_clipped
    case = Case(aims=[Aim(id=i, text=t) for i, t in aims], evaluation=[EvaluationItem(what="x" * 50),
                                                                        EvaluationItem(what="A1 third")])
    messages = [f.message for f in run_rules(Review.from_case(case), select=["XC901"])]
    assert messages == [
        "aim 'a second aim whose text is long' is not covered by the evaluation: no evaluation line names it "
        "(its text was not looked for: the aims hold more than 30 characters)",
        "aim 'third' is not covered by the evaluation: no evaluation line names it (only the first 40 characters "
        "of the evaluation were searched)",
    ]


# -- bugs planted by a test-quality review: each of these tests fails when one comes back ------------------

def test_the_registry_loads_every_rule_whichever_module_is_imported_first():
    """A rule module imported before the registry is asked must not leave it holding only that module's rules."""
    from xlcase.rules import RULE_MODULES

    codes = re.findall(r"^\| (XC\d{3}) \|", rules_markdown(), re.MULTILINE)
    assert len(codes) >= 41 and codes == sorted(codes)
    script = ("import json, sys\n"
              "import xlcase.rules.{module}\n"
              "from xlcase.casefile import load_case\n"
              "from xlcase.rules import all_rules\n"
              "from xlcase.validation import validate_case\n"
              "case = load_case(sys.argv[1])\n"
              "case.risks[1].linked_aim = 'A9'\n"
              "print(json.dumps({{'codes': [r.code for r in all_rules()],\n"
              "                   'found': sorted({{f.rule for f in validate_case(case).findings}})}}))\n")
    for module in RULE_MODULES:
        done = subprocess.run([sys.executable, "-c", script.format(module=module), str(EXAMPLE)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=True)
        result = json.loads(done.stdout)
        assert result["codes"] == codes, module
        assert result["found"] == ["XC401", "XC702", "XC703", "XC807"], module


def test_control_characters_in_text_cells_are_dropped(example_workbook, tmp_path):
    """Excel's _x001B_ escapes decode to control characters; text read from a workbook holds none."""
    from xlcase.api import export_case
    from xlcase.reader import read_workbook

    book = openpyxl.load_workbook(example_workbook)
    book["Risks"]["H5"].value = "Ward _x001B_[2Jmanager_x0007__x009B_"
    path = tmp_path / "control.xlsx"
    book.save(path)
    assert read_workbook(path).case.risks[0].owner == "Ward [2Jmanager"
    exported = export_case(path, None).text
    assert "Ward [2Jmanager" in exported and "\\e" not in exported and "\\x9B" not in exported


def test_a_formula_without_a_saved_result_is_xc105(example_workbook, tmp_path):
    from test_hardening import _table_cell

    book = openpyxl.load_workbook(example_workbook)
    cell = _table_cell(book, "Costs", 1, "Year 1").coordinate  # the first cost line's year 1
    book["Costs"][cell].value = "=45000*1"  # openpyxl saves no result for a formula
    path = tmp_path / "formula.xlsx"
    book.save(path)
    report = validate_workbook(path)
    [finding] = [f for f in report.findings if f.sheet == "Costs" and f.cell == cell]
    assert (finding.rule, finding.severity, finding.value) == ("XC105", "warning", "=45000*1")
    assert "formula with no saved result" in finding.message
    assert read_workbook_amount(path, 0, 1) == 0.0  # left out, not guessed


def read_workbook_amount(path: Path, line: int, year: int) -> float:
    from xlcase.reader import read_workbook

    amounts = read_workbook(path).case.costs[line].amounts
    return amounts[year] if year < len(amounts) else 0.0


def _with_saved_results(data: bytes, sheet: str, saved: dict[str, object]) -> bytes:
    """The workbook with these formula cells' saved results set, as Excel saves them beside the formula."""
    from test_hardening import _sheet_part

    from hostile import member, rewrite

    part = _sheet_part(data, sheet)
    xml = member(data, part).decode()
    for cell, value in saved.items():
        kind, text = (' t="str"', value) if isinstance(value, str) else ("", repr(value))
        xml, count = re.subn(rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v ?/>', rf'<c r="{cell}"\1{kind}><f>\2</f><v>{text}</v>',
                             xml)
        assert count == 1, cell
    return rewrite(data, replace={part: xml.encode()})


def test_a_saved_result_that_disagrees_with_the_engine_is_xc701(example_workbook, tmp_path):
    """The Results formulas stay; only their saved results are set: O1's NPV as the engine computes it,
    O2's a pound more."""
    from openpyxl.utils import get_column_letter

    from xlcase.appraisal import appraise
    from xlcase.reader import read_workbook
    from xlcase.template import load_template

    figures = [c.figure for c in load_template().results.columns]
    npv = get_column_letter(2 + figures.index("npv"))  # the Results table starts in column B
    appraisal = appraise(read_workbook(example_workbook).case)
    right, wrong = appraisal.option("O1").npv, appraisal.option("O2").npv + 1.0
    path = tmp_path / "stale.xlsx"
    path.write_bytes(_with_saved_results(example_workbook.read_bytes(), "Results",
                                         {"B6": "O1", f"{npv}6": right, "B7": "O2", f"{npv}7": wrong}))
    findings = [f for f in validate_workbook(path).findings if f.rule == "XC701"]
    assert [(f.sheet, f.cell) for f in findings] == [("Results", f"{npv}7")]
    assert findings[0].message.startswith(f"the saved result for NPV of option O2 is {wrong:,.2f} but the inputs "
                                          f"give {wrong - 1:,.2f}")


@pytest.mark.parametrize(("typed", "code"), [("Lunch", None), ("Train", None), ("  TRAINING ", "training"),
                                             ("Backfill", "backfill")])
def test_a_drop_down_cell_takes_only_a_value_from_its_list(example_workbook, tmp_path, typed, code):
    from xlcase.reader import read_workbook

    book = openpyxl.load_workbook(example_workbook)
    book["Costs"]["C7"].value = typed  # the first cost line's Category
    path = tmp_path / "choice.xlsx"
    book.save(path)
    submission = read_workbook(path)
    assert submission.case.costs[0].category == code
    problems = [(p.rule, p.sheet, p.cell) for p in submission.problems if p.cell == "C7"]
    if code is None:
        assert problems == [("XC102", "Costs", "C7")]
        [problem] = [p for p in submission.problems if p.cell == "C7"]
        assert f"{typed!r} is not in the list (Training, Mentoring" in problem.message
    else:
        assert problems == []


# -- the financial case's rules: each message says what was expected, from which figures ----------------

def _messages(case: Case, code: str) -> list[str]:
    return [f.message for f in validate_case(case).findings if f.rule == code]


def test_optimism_bias_bounds_are_named_with_their_source_and_the_default_analogue(relative_case):
    case = relative_case.model_copy(deep=True)
    case.assumptions.optimism_bias = 0.6  # the default project type, outsourcing: 0% to 41%
    [message] = _messages(case, "XC704")
    assert message.startswith("the default optimism bias 60%, used by option(s) O1, O2, O3, is above the upper bound "
                              "(41%): the Green Book bounds for Outsourcing (operating costs) are 0% to 41% of operating "
                              "expenditure (HM Treasury, Green Book supplementary guidance, optimism bias")
    assert message.endswith("the project type is the default analogue, outsourcing: these are generic operating-cost "
                            "bounds, not figures for a training programme")
    case.options[0].optimism_bias = 0.5  # do nothing is checked only with its own uplift
    assert [m.split(":")[0] for m in _messages(case, "XC704")] == [
        "option O0's own optimism bias 50% is above the upper bound (41%)",
        "the default optimism bias 60%, used by option(s) O1, O2, O3, is above the upper bound (41%)"]
    _optimism_bias_outside(case)
    case.options[3].optimism_bias = 0.015
    messages = _messages(case, "XC704")
    assert messages[0].startswith("option O0's own optimism bias 50% is above the upper bound (24%)")
    assert messages[1].startswith("option O3's own optimism bias 1.5% is below the lower bound (2%): the Green Book "
                                  "bounds for Standard buildings are 2% to 24% of capital expenditure")
    assert all("default analogue" not in m for m in messages)


def test_a_pay_line_off_the_reference_pay_says_what_was_expected(relative_case):
    case = relative_case.model_copy(deep=True)
    _banded_pay_lines(case)
    messages = _messages(case, "XC805")
    assert messages[0] == ("cost line 4 (Practice educator support for external APs, 0.05 WTE band 6 (55,871.50 x 0.05)) "
                           "gives a band but no WTE: give both so that its pay can be compared with the reference pay")
    # band 4 in 2026/27: entry 28,392 + NI 0.15 x 23,392 = 3,508.80 + pension 0.2378 x 28,392 = 6,751.62
    #   + levy 0.005 x 28,392 = 141.96 -> 38,794.38 x 4 WTE = 155,177.52;
    # top 31,157 + 3,923.55 + 7,409.13 + 155.79 = 42,645.47 x 4 = 170,581.86. 124,000 is 1 - 124,000 / 155,177.52 = 20% below.
    assert messages[1].startswith("cost line 23 (4 band 4 APs from October 2028, pay only) pays band 4 x 4 WTE, which at "
                                  "the 2026/27 pay scales costs £155,178 (all at the entry point) to £170,582 (all at the "
                                  "top) in a full year, with employer National Insurance, the NHS Pension 23.78% and the "
                                  "levy; more than 10% outside that: year 2 (2029/30) £124,000, 20% below; year 3 "
                                  "(2030/31) £124,000, 20% below;")
    assert messages[1].endswith("and 3 more")
    assert len(messages) == 2  # year 1 (62,000) may be a part year; O1's line at 164,339 is within the range


def test_a_pay_line_of_no_wte_or_negative_amounts_is_compared_without_failing(relative_case):
    case = relative_case.model_copy(deep=True)
    case.costs.append(CostLine(option="O1", category="pay", description="vacant", band="4", wte=0,
                               amounts=[-5.0, 0, 100.0, 100.0]))
    findings = validate_case(case).findings
    assert "XC000" not in {f.rule for f in findings}
    [message] = [f.message for f in findings if f.rule == "XC805"]
    # a part year may be below the range, never above it; the negative year 0 is XC602's
    assert message.endswith("more than 10% outside that: year 2 (2029/30) £100, above; year 3 (2030/31) £100, above")


def test_the_pay_tolerance_is_the_one_the_rule_documents():
    from xlcase.rules.workforce import PAY_TOLERANCE

    assert f"within {PAY_TOLERANCE:.0%} of the" in get_rule("XC805").summary


def test_the_pension_rate_carried_forward_says_which_rate_and_why(relative_case):
    case = relative_case.model_copy(deep=True)
    assert _messages(case, "XC807") == []  # no posts and no banded pay lines: the reference pay is not used
    case.posts = [_trainees()]
    [finding] = [f for f in validate_case(case).findings if f.rule == "XC807"]
    assert finding.severity == "info"
    assert finding.message.startswith("the NHS Pension employer rate used is the 2024/25 to 2026/27 rate, 23.78% of pay "
                                      "in all (the trust pays 14.38%, NHS England 9.40% centrally), carried forward past "
                                      "the end of its period (31 March 2027) to appraisal years 2027/28 to 2036/37. The "
                                      "2024 valuation sets the employer rate for 1 April 2027")
    assert "it has not been published" in finding.message


def test_fees_the_trust_pays_say_how_much(relative_case):
    case = relative_case.model_copy(deep=True)
    _fees_the_trust_pays(case)
    assert _messages(case, "XC808") == [
        "apprenticeship 1 (ST0215) costs £17,000 a learner, £2,000 above its funding band of £15,000, £20,000 for its 10 "
        "learners: the levy pays only up to the band, so the trust pays the excess from its own budget",
        "apprenticeship 2 (ST0215) is co-invested, not levy funded: the trust pays 25% of the price up to the funding "
        "band (the co-investment rate of the apprenticeship funding rules), £3,750 a learner, £18,750 for its 5 "
        "learners before any leave, and the government the rest",
    ]


def test_a_saving_counted_twice_says_what_and_how_to_enter_it_once(relative_case):
    case = relative_case.model_copy(deep=True)
    _agency_counted_twice(case)
    first = _messages(case, "XC607")[0]
    assert first.startswith("benefit line 1 (Agency registered nurse shifts avoided, 0.5 WTE per additional AP x 4 x "
                            "1,950 hours x 42.00) claims £1,556,100 of cash-releasing agency savings in year(s) 0 "
                            "(2027/28), 1 (2028/29)")
    assert ("while option O1's cost lines naming agency are £1,105,650 below doing nothing's in those years (do "
            "nothing's cost line 23 (Agency registered nurse shifts, 2025/26 run rate)): the agency saving looks counted "
            "twice, as a lower cost and as a benefit. Enter it once: as the lower cost (and no benefit line), or as this "
            "benefit with the option's costs carrying do nothing's full agency spend") in first


@pytest.mark.parametrize(("text", "words"), [
    ("Agency and BANK shifts avoided", {"agency", "bank"}),
    ("Vacancies filled; vacant posts", {"vacancy"}),
    ("Bankside ward, agencyless", set()),  # whole words only
    ("Ａｇｅｎｃｙ nurses", {"agency"}),  # full-width letters read as a reader reads them
    (None, set()),
])
def test_saving_words_are_whole_words_of_the_vocabulary(text, words):
    from xlcase.rules.costs import saving_words

    assert saving_words(text) == words


def test_a_saving_not_named_by_do_nothing_or_not_below_it_is_not_a_double_count(relative_case):
    case = relative_case.model_copy(deep=True)
    case.costs.append(CostLine(option="O0", category="external_staff", description="Overtime shifts", amounts=[5000.0] * 10))
    assert _messages(case, "XC607") == []  # the benefits name agency, bank, vacancies; do nothing's line overtime
    case.costs[-1].description = "Agency and overtime shifts"
    case.costs += [CostLine(option=o, category="external_staff", description="Agency cover", amounts=[5000.0] * 10)
                   for o in ("O1", "o2", "O3")]  # each option carries do nothing's spend (o2: case aside, as SUMIFS)
    assert _messages(case, "XC607") == []
