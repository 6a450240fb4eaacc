"""The workbook generator and reader: round trips, structure, safety of text, and edits users make."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import range_boundaries

from xlcase.api import new_workbook
from xlcase.casefile import load_case
from xlcase.model import (
    Assumptions,
    BenefitLine,
    CandidateEvidence,
    Case,
    Conclusions,
    CostLine,
    EducationProvider,
    EvaluationItem,
    Milestone,
    Option,
    Risk,
    RolloutStep,
    SkillMixArea,
    Stakeholder,
    Summary,
    Timeline,
)
from xlcase.reader import parse_number_text, read_workbook
from xlcase.template import load_template

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
BLANK = ROOT / "workbook_templates" / "assistant-practitioner.xlsx"
FORMULA_LIKE = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+SUM(1,2)", "-2+3", "@SUM(A1)", "=1+1", "=cmd|' /C calc'!A0"]
EXPECTED_SHEETS = [s.name for s in load_template().sheets]
DESIGN_TABLES = {"Options", "Costs", "Benefits", "Stakeholders", "Risks", "Milestones", "Results", "Posts",
                 "Apprenticeships", "Affordability"}  # the tables DESIGN.md names
EXPECTED_TABLES = {*load_template().tables, "Results", "Sensitivity", "Checks", "WorkforceCosts", "Affordability",
                   "Reconciliation"}


@pytest.fixture(scope="module")
def example_workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "example.xlsx"
    new_workbook(path, case_file=EXAMPLE)
    return path


def tables_of(workbook: openpyxl.Workbook) -> dict[str, tuple[str, str]]:
    return {name: (ws.title, ws.tables[name].ref) for ws in workbook.worksheets for name in ws.tables}


def test_round_trip_of_the_example_is_exact(example_workbook):
    submission = read_workbook(example_workbook)
    assert submission.problems == []
    assert submission.case == load_case(EXAMPLE)
    assert (submission.template_name, submission.template_version) == ("assistant-practitioner",
                                                                       load_template().version)


def test_sheets_tables_and_defined_names(example_workbook):
    workbook = openpyxl.load_workbook(example_workbook)
    assert workbook.sheetnames == EXPECTED_SHEETS
    assert set(tables_of(workbook)) == EXPECTED_TABLES
    assert DESIGN_TABLES <= EXPECTED_TABLES
    for name in ("DiscountRate", "BaseYear", "AppraisalYears", "OptimismBias"):
        sheet, cell = next(iter(workbook.defined_names[name].destinations))
        assert sheet == "Inputs"
        assert workbook[sheet][cell.replace("$", "")].protection.locked is False
    results = workbook["Results"].tables["Results"]
    headers = [c.value for c in workbook["Results"][results.ref][0]]
    design = ["Option", "PV costs", "PV benefits", "NPV", "NPV vs do nothing", "Incremental PV costs",
              "Incremental PV benefits", "BCR", "Discounted payback year", "Cost switching value",
              "Benefit switching value"]  # DESIGN.md's Results header, in order, among the extensions
    assert [h for h in headers if h in design] == design
    assert "Discounted payback year" in headers
    props = {p.name: p.value for p in workbook.custom_doc_props.props}
    assert props == {"xlcase.template": "assistant-practitioner", "xlcase.template_version": load_template().version}


def test_costs_are_headed_by_financial_year(example_workbook):
    workbook = openpyxl.load_workbook(example_workbook)
    ws = workbook["Costs"]
    ref = ws.tables["Costs"].ref
    col, header_row, *_ = range_boundaries(ref)
    headers = [c.value for c in ws[header_row]]
    first_year = headers.index("Year 0") + 1
    assert ws.cell(header_row - 1, first_year).value == f'=(BaseYear+{ws.cell(header_row - 2, first_year).column_letter}{header_row - 2})&"/"&RIGHT(BaseYear+{ws.cell(header_row - 2, first_year).column_letter}{header_row - 2}+1,2)'


def test_inputs_unlocked_formulas_locked_and_sheets_protected(example_workbook):
    workbook = openpyxl.load_workbook(example_workbook)
    for ws in workbook.worksheets:
        assert ws.protection.sheet, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert cell.protection.locked, (ws.title, cell.coordinate)
    costs = workbook["Costs"]
    assert costs.freeze_panes
    assert costs.page_setup.orientation == "landscape"


def test_drop_downs_cover_every_coded_column(example_workbook):
    workbook = openpyxl.load_workbook(example_workbook)
    formulas = {dv.formula1 for ws in workbook.worksheets for dv in ws.data_validations.dataValidation}
    assert {"List_cost_category", "List_beneficiary", "List_benefit_class", "List_milestone_status",
            "List_yes_no", "OptionIDs", "AimIDs"} <= formulas  # as Excel stores them: no leading "="


def test_risk_score_is_a_formula_with_colours(example_workbook):
    workbook = openpyxl.load_workbook(example_workbook)
    ws = workbook["Risks"]
    col, header_row, *_ = range_boundaries(ws.tables["Risks"].ref)
    headers = [c.value for c in ws[header_row]]
    score = ws.cell(header_row + 1, headers.index("Score") + 1)
    assert score.value == ('=IF(AND(ISNUMBER(Risks[[#This Row],[Likelihood]]),ISNUMBER(Risks[[#This Row],'
                           '[Impact]])),Risks[[#This Row],[Likelihood]]*Risks[[#This Row],[Impact]],"")')
    assert len(ws.conditional_formatting) >= 1


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_written_as_text(tmp_path, text):
    case = Case(title=text, summary=Summary(drivers=[text]), stakeholders=[Stakeholder(name=text, role=text)])
    path = tmp_path / "injection.xlsx"
    new_workbook(path, case=case)
    with zipfile.ZipFile(path) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
    for formula in re.findall(rb"<f>(.*?)</f>", xml):
        assert b"HYPERLINK" not in formula and b"cmd|" not in formula and b"SUM(1,2)" not in formula
    back = read_workbook(path).case
    assert back.title == text
    assert back.summary.drivers == [text]
    assert back.stakeholders[0].name == text


def test_blank_template_committed_matches_the_generator(tmp_path):
    fresh = tmp_path / "blank.xlsx"
    new_workbook(fresh)
    with zipfile.ZipFile(BLANK) as committed, zipfile.ZipFile(fresh) as generated:
        names = sorted(set(committed.namelist()) | set(generated.namelist()))
        for name in names:
            if name == "docProps/core.xml":  # creation and modification timestamps
                continue
            assert committed.read(name) == generated.read(name), name


def test_blank_workbook_reads_as_an_empty_case(tmp_path):
    path = tmp_path / "blank.xlsx"
    new_workbook(path)
    submission = read_workbook(path)
    assert submission.problems == []
    assert submission.case == Case()


def test_new_refuses_to_overwrite_without_force(tmp_path):
    from xlcase.errors import OutputExistsError

    path = tmp_path / "x.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        new_workbook(path)
    assert path.read_bytes() == b"keep me"
    new_workbook(path, force=True)
    assert zipfile.is_zipfile(path)
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]  # no temporary file left behind


# -- edits a user makes --------------------------------------------------------------------------

def _shift_table(ws, name: str, rows: int = 0, cols: int = 0) -> None:
    table = ws.tables[name]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    ws.move_range(table.ref, rows=rows, cols=cols)
    from openpyxl.utils import get_column_letter

    table.ref = f"{get_column_letter(c1 + cols)}{r1 + rows}:{get_column_letter(c2 + cols)}{r2 + rows}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def test_reader_survives_inserted_rows_moved_tables_reordered_columns_and_user_sheets(example_workbook, tmp_path):
    workbook = openpyxl.load_workbook(example_workbook)
    _shift_table(workbook["Options"], "Options", rows=4)  # rows inserted above the table
    _shift_table(workbook["Risks"], "Risks", rows=2, cols=3)  # the table moved
    ws = workbook["Stakeholders"]
    table = ws.tables["Stakeholders"]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    for row in range(r1, r2 + 1):  # swap the first two columns, headers included
        a, b = ws.cell(row, c1), ws.cell(row, c1 + 1)
        a.value, b.value = b.value, a.value
    first, second = table.tableColumns[0], table.tableColumns[1]
    first.name, second.name = second.name, first.name
    workbook.create_sheet("My notes", 0)["A1"] = "working notes"
    workbook["Costs"].title = "Cost lines"  # a renamed sheet: tables are found by name
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)
    submission = read_workbook(edited)
    assert submission.case == load_case(EXAMPLE)
    assert submission.locate("risks", 0, "description").sheet == "Risks"
    assert submission.locate("costs", 0, "amounts", 1).sheet == "Cost lines"


def test_reader_reports_typed_problems_at_their_cells(example_workbook, tmp_path):
    workbook = openpyxl.load_workbook(example_workbook)
    ws = workbook["Costs"]
    c1, r1, *_ = range_boundaries(ws.tables["Costs"].ref)
    headers = [c.value for c in ws[r1]]
    lots = ws.cell(r1 + 1, headers.index("Year 1") + 1)
    lots.value = "lots"
    pounds = ws.cell(r1 + 2, headers.index("Year 1") + 1)
    pounds.value = "£1,234.50"
    edited = tmp_path / "typed.xlsx"
    workbook.save(edited)
    submission = read_workbook(edited)
    found = [(f.rule, f.sheet, f.cell) for f in submission.problems]
    assert ("XC102", "Costs", lots.coordinate) in found
    assert ("XC103", "Costs", pounds.coordinate) in found
    assert submission.case.costs[1].amounts[1] == 1234.5


@pytest.mark.parametrize(("text", "number"), [("£1,234", 1234.0), ("(500)", -500.0), ("12%", 0.12),
                                              ("-£3.50", -3.5), ("lots", None), ("1,2,3x", None)])
def test_numbers_stored_as_text(text, number):
    assert parse_number_text(text) == number


# -- generated cases -----------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(str.strip) | st.sampled_from(
    FORMULA_LIKE + ["O'Neil & Sons", "Ünïcödé ✓", "x" * 2000, "  padded  "])
_dates = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))
_wte = st.integers(0, 10_000).map(lambda hundredths: hundredths / 100)
_money = st.integers(-10**11, 10**11).map(lambda pence: pence / 100)  # pounds and pence, as typed into Excel


@st.composite
def cases(draw) -> Case:
    ids = draw(st.lists(st.sampled_from(["O0", "O1", "O2", "O3"]), min_size=0, max_size=4, unique=True))
    options = [Option(id=i, name=draw(_text), do_nothing=i == "O0", preferred=draw(st.booleans()),
                      reason_rejected=draw(st.none() | _text)) for i in ids]
    costs = [CostLine(option=draw(st.sampled_from(ids)), category=draw(st.sampled_from(["training", "pay", "other"])),
                      description=draw(_text), amounts=draw(st.lists(_money, min_size=1, max_size=10)))
             for _ in range(draw(st.integers(0, 3)))] if ids else []
    benefits = [BenefitLine(option=draw(st.sampled_from(ids)), beneficiary="patients", category="societal",
                            description=draw(_text), measure=draw(st.none() | _text),
                            amounts=draw(st.lists(_money, min_size=1, max_size=10)))
                for _ in range(draw(st.integers(0, 2)))] if ids else []
    risks = [Risk(id=f"R{n}", description=draw(_text), likelihood=draw(st.none() | st.integers(1, 5)),
                  impact=draw(st.integers(1, 5))) for n in range(draw(st.integers(0, 2)))]
    return Case(
        title=draw(st.none() | _text),
        organisation=draw(st.none() | _text),
        prepared=draw(st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))),
        summary=Summary(service_need=draw(st.none() | _text), drivers=draw(st.lists(_text, max_size=3))),
        options=options, costs=costs, benefits=benefits, risks=risks,
        stakeholders=[Stakeholder(name=draw(_text), role=draw(st.none() | _text))
                      for _ in range(draw(st.integers(0, 2)))],
        education_provider=EducationProvider(name=draw(st.none() | _text), level=draw(st.none() | _text),
                                             duration_months=draw(st.none() | st.integers(0, 60))),
        skill_mix=[SkillMixArea(area=draw(_text), band4_wte=draw(st.none() | _wte), beds=draw(st.none() | st.integers(0, 99)),
                                agency_spend=draw(st.none() | _money)) for _ in range(draw(st.integers(0, 2)))],
        candidates=[CandidateEvidence(area=draw(_text), eligible=draw(st.none() | st.integers(0, 500)),
                                      median_experience_years=draw(st.none() | _wte))
                    for _ in range(draw(st.integers(0, 2)))],
        alternative_sources=draw(st.lists(_text, max_size=2)),
        assumptions=Assumptions(base_year=draw(st.integers(2020, 2040)), appraisal_years=draw(st.integers(1, 12)),
                                discount_rate=draw(st.sampled_from([0.035, 0.015, 0.05])),
                                optimism_bias=draw(st.sampled_from([0.0, 0.1, 0.44]))),
        timeline=Timeline(start=draw(st.none() | _dates), finish=draw(st.none() | _dates),
                          milestones=[Milestone(name=draw(_text), due=draw(st.none() | _dates),
                                                status=draw(st.none() | st.sampled_from(["on_track", "late"])))
                                      for _ in range(draw(st.integers(0, 2)))],
                          slippage_measures=draw(st.lists(_text, max_size=2))),
        evaluation=[EvaluationItem(what=draw(_text), when=draw(st.none() | _text)) for _ in range(draw(st.integers(0, 2)))],
        conclusions=Conclusions(target=draw(st.none() | _text), recommendations=draw(st.lists(_text, max_size=2)),
                                rollout=[RolloutStep(area=draw(_text), priority=draw(st.none() | st.integers(1, 9)),
                                                     start=draw(st.none() | _dates))
                                         for _ in range(draw(st.integers(0, 2)))]),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(case=cases())
def test_round_trip_of_generated_cases(tmp_path, case):
    path = tmp_path / "generated.xlsx"
    new_workbook(path, case=case, force=True)
    submission = read_workbook(path)
    assert [f for f in submission.problems if f.rule != "XC103"] == []
    assert submission.case == case
