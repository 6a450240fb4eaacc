"""The workbook's own formulas, recalculated by LibreOffice, agree with the Python engine.

This is the real spreadsheet application available here: generated workbooks are opened in
headless LibreOffice, every formula recalculated, saved, and read back with openpyxl.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from xlcase.api import new_workbook, recalc_workbook
from xlcase.appraisal import appraise
from xlcase.casefile import load_case
from xlcase.completeness import overall, section_scores
from xlcase.reader import read_workbook
from xlcase.template import load_template

EXAMPLE = Path(__file__).parent.parent / "examples" / "ward-assistant-practitioners.yaml"
RESULT_KEYS = {header: figure for figure, header in load_template().results.figures.items()}  # every figure

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice with python3-uno is not installed"),
]


def table_rows(workbook: openpyxl.Workbook, name: str) -> list[dict[str, object]]:
    """An Excel Table's data rows as header -> value, found by table name."""
    for ws in workbook.worksheets:
        if name in ws.tables:
            rows = list(ws[ws.tables[name].ref])
            headers = [c.value for c in rows[0]]
            return [{h: c.value for h, c in zip(headers, row)} for row in rows[1:]]
    raise KeyError(name)


def assert_results_agree(recalculated: Path, engine) -> None:
    """Every figure of the Results and Sensitivity tables equals the engine to 1e-9 relative."""
    workbook = openpyxl.load_workbook(recalculated, data_only=True)
    by_id = {o.id: o for o in engine.options}
    seen = 0
    for row in table_rows(workbook, "Results"):
        if row["Option"] in (None, ""):
            assert all(row[h] in (None, "") for h in RESULT_KEYS), row
            continue
        option = by_id[row["Option"]]
        for header, key in RESULT_KEYS.items():
            want, got = option.figure(key), row[header]
            if want is None:
                assert got in (None, ""), (option.id, header, got)
            elif isinstance(want, str):
                assert got == want, (option.id, header, got, want)
            else:
                assert got is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (
                    option.id, header, got, want)
        seen += 1
    assert seen == len(engine.options)
    sensitivity = {(r.option, r.scenario): r.npv_vs_do_nothing for r in engine.sensitivity}
    for row in table_rows(workbook, "Sensitivity"):
        for header, got in row.items():
            if header in ("Option", "Base case") or row["Option"] in (None, ""):
                continue
            want = sensitivity.get((row["Option"], header))
            if want is None:
                assert got in (None, "")
            else:
                assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (row["Option"], header, got, want)


@pytest.fixture(scope="module")
def recalculated_example(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("lo")
    source, target = folder / "example.xlsx", folder / "example-recalculated.xlsx"
    new_workbook(source, case_file=EXAMPLE)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    libreoffice.recalculate([(source, target)])
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest, "LibreOffice must not change the source"
    return source, target


def test_results_table_equals_the_engine(recalculated_example):
    _, target = recalculated_example
    assert_results_agree(target, appraise(load_case(EXAMPLE)))


def assert_discount_factors_agree(recalculated: Path, engine) -> None:
    """The Appraisal sheet's standard and health discount-factor rows equal the engine's factors to 1e-9."""
    workbook = openpyxl.load_workbook(recalculated, data_only=True)
    sheet = workbook[load_template().sheet("appraisal").name]
    axis = load_template().appraisal.axis
    rows = {row[1]: row for row in sheet.iter_rows(min_row=1, max_row=20, values_only=True) if row[1]}
    years = len(engine.discount_factors)
    for label, factors in ((axis.factor, engine.discount_factors), (axis.health_factor, engine.health_discount_factors)):
        got = rows[label][4:4 + years]  # the time axis starts in column E
        assert all(math.isclose(g, w, rel_tol=1e-9) for g, w in zip(got, factors, strict=True)), label


@pytest.fixture(scope="module")
def long_horizons(tmp_path_factory) -> dict[int, tuple[Path, object]]:
    """Workbooks of 12, 45 and 80 years (either side of the bands at years 30 and 75), full-cost entry with
    per-option optimism bias and health lines, recalculated by LibreOffice in one run."""
    folder = tmp_path_factory.mktemp("horizons")
    pairs, cases = [], {}
    for years in (12, 45, 80):
        case = load_case(EXAMPLE)
        case.assumptions.appraisal_years = years
        case.options[0].optimism_bias = 0.05  # do nothing with an uplift of its own
        case.options[3].optimism_bias = 0.3
        case.costs.append(case.costs[0].model_copy(update={"option": "O0", "amounts": [900.0 + t for t in range(years)]}))
        for line in case.costs + case.benefits:
            line.amounts = (line.amounts * (years // len(line.amounts) + 1))[:years] if line.amounts else []
        case.benefits[1] = case.benefits[1].model_copy(update={"category": "health"})
        source, target = folder / f"y{years}.xlsx", folder / f"y{years}-recalculated.xlsx"
        new_workbook(source, case=case)
        pairs.append((source, target))
        cases[years] = (target, case)
    libreoffice.recalculate(pairs)
    return cases


@pytest.mark.parametrize("years", [12, 45, 80])
def test_long_horizons_equal_the_engine(long_horizons, years):
    target, case = long_horizons[years]
    engine = appraise(case)
    assert_results_agree(target, engine)
    assert_discount_factors_agree(target, engine)
    assert recalc_workbook(target).findings == ()


def test_no_error_values_anywhere(recalculated_example):
    _, target = recalculated_example
    workbook = openpyxl.load_workbook(target, data_only=True)
    errors = [
        (ws.title, cell.coordinate, cell.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("#") and cell.value.endswith(("!", "?", "A"))
    ]
    assert errors == []


def test_risk_scores_and_checks_match_python(recalculated_example):
    _, target = recalculated_example
    case = load_case(EXAMPLE)
    workbook = openpyxl.load_workbook(target, data_only=True)
    scores = [r["Score"] for r in table_rows(workbook, "Risks") if r["Risk"]]
    assert scores == [r.likelihood * r.impact for r in case.risks]
    expected = section_scores(case, load_template())
    checks = {r["Check"]: r["Result"] for r in table_rows(workbook, "Checks")}
    for section, score in expected.items():
        assert math.isclose(checks[f"Completeness of {section}"], score, abs_tol=1e-12), section
    names = workbook.defined_names
    sheet, cell = next(iter(names["Completeness"].destinations))
    assert math.isclose(workbook[sheet][cell.replace("$", "")].value, overall(expected), abs_tol=1e-12)
    sheet, cell = next(iter(names["MasterCheck"].destinations))
    assert workbook[sheet][cell.replace("$", "")].value is True


def test_recalc_reads_libreoffice_output_without_disagreement(recalculated_example):
    _, target = recalculated_example
    result = recalc_workbook(target)
    assert result.findings == ()
    assert result.appraisal.to_dict()["options"] == appraise(load_case(EXAMPLE)).to_dict()["options"]


def test_user_edits_are_followed_by_libreoffice_and_recalc(recalculated_example, tmp_path):
    """Change DiscountRate, OptimismBias and a cost cell as a user would, then recalculate again."""
    source, _ = recalculated_example
    edited, target = tmp_path / "edited.xlsx", tmp_path / "edited-recalculated.xlsx"
    workbook = openpyxl.load_workbook(source)
    for name, value in (("DiscountRate", 0.05), ("OptimismBias", 0.25)):
        sheet, cell = next(iter(workbook.defined_names[name].destinations))
        workbook[sheet][cell.replace("$", "")].value = value
    costs_sheet = workbook["Costs"]
    table = costs_sheet.tables["Costs"]
    header_row = costs_sheet[table.ref.split(":")[0]].row
    headers = [c.value for c in costs_sheet[header_row]]
    year_two = costs_sheet.cell(header_row + 1, headers.index("Year 2") + 1)
    year_two.value = (year_two.value or 0) + 12_345
    workbook.save(edited)

    libreoffice.recalculate([(edited, target)])
    engine = recalc_workbook(target)
    assert engine.findings == ()
    assert engine.appraisal.assumptions["discount_rate"] == 0.05
    assert engine.appraisal.assumptions["optimism_bias"] == 0.25
    assert_results_agree(target, engine.appraisal)
    before = appraise(load_case(EXAMPLE))
    assert engine.appraisal.options[1].pv_costs != before.options[1].pv_costs


def test_overwritten_result_is_flagged_at_its_cell(recalculated_example, tmp_path):
    _, target = recalculated_example
    tampered = tmp_path / "tampered.xlsx"
    workbook = openpyxl.load_workbook(target)
    ws = next(ws for ws in workbook.worksheets if "Results" in ws.tables)
    ref = ws.tables["Results"].ref
    first_col, header_row = ws[ref.split(":")[0]].column, ws[ref.split(":")[0]].row
    headers = [c.value for c in ws[header_row]][first_col - 1:]
    cell = ws.cell(header_row + 3, first_col + headers.index("NPV vs do nothing"))
    cell.value = 1_000_000
    workbook.save(tampered)
    # openpyxl drops every other cached value on save; recalc LibreOffice's copy of the tampered file
    # would restore the formula, so check the engine against the typed number directly.
    findings = recalc_workbook(tampered).findings
    assert [(f.rule, f.sheet, f.cell) for f in findings] == [("XC701", ws.title, cell.coordinate)]


def test_reader_reads_libreoffice_output(recalculated_example):
    _, target = recalculated_example
    assert read_workbook(target).case == load_case(EXAMPLE)


def test_checks_sheet_agrees_with_python_on_a_draft(tmp_path):
    """Completeness of a half-filled case, white-space answers included, is the same in both."""
    case = load_case(EXAMPLE)
    case.title = "   "
    case.stakeholders[0].role = " "
    case.risks = case.risks[:2]
    case.risks[1].mitigation = None
    case.evaluation = []
    case.conclusions.recommendations = []
    source, target = tmp_path / "draft.xlsx", tmp_path / "draft-recalculated.xlsx"
    new_workbook(source, case=case)
    libreoffice.recalculate([(source, target)])
    read_back = read_workbook(target).case
    expected = section_scores(read_back, load_template())
    workbook = openpyxl.load_workbook(target, data_only=True)
    checks = {r["Check"]: r["Result"] for r in table_rows(workbook, "Checks")}
    for section, score in expected.items():
        assert math.isclose(checks[f"Completeness of {section}"], score, abs_tol=1e-12), (section, score)
    assert expected["summary"] < 1 and expected["evaluation"] == 0
