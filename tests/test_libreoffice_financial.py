"""The workforce plan and the financial case as the workbook computes them, recalculated by LibreOffice,
equal the engine (xlcase.workforce, xlcase.financial): every generated pay, on-cost, backfill, fee and
funding cell, every affordability figure and the reconciliation, also after a user edits a band, a WTE
and a start date in the workbook."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from xlcase.api import new_workbook, recalc_workbook
from xlcase.appraisal import appraise
from xlcase.casefile import load_case
from xlcase.financial import RECONCILIATION_KEYS, YEAR_KEYS, affordability
from xlcase.model import Apprenticeship, FundingLine, Post
from xlcase.reader import read_workbook
from xlcase.template import load_template
from xlcase.workforce import generated_lines

from test_libreoffice_agreement import assert_results_agree, table_rows

EXAMPLE = Path(__file__).parent.parent / "examples" / "ward-assistant-practitioners.yaml"
LINES_PER_POST, LINES_PER_APPRENTICESHIP = 4, 2

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice with python3-uno is not installed"),
]


def workforce_case():
    """The example with a workforce plan: part years, a trainee cohort, mentors, a co-invested cohort."""
    case = load_case(EXAMPLE)
    case.assumptions.price_base_year = 2026
    case.assumptions.attrition = 0.1
    day = dt.date
    case.posts = [
        Post(option="O0", role="Band 3 healthcare assistants", band="3", point="top", wte=10, start=day(2027, 4, 1)),
        Post(option="O2", role="Trainee assistant practitioners", band="3", point="top", wte=10, start=day(2027, 9, 1),
             end=day(2029, 8, 31), trainee=True, off_the_job_hours=6),
        Post(option="O2", role="Assistant practitioners", band="4", point="entry", wte=9, start=day(2029, 9, 1)),
        Post(option="O2", role="Mentor time", category="mentoring", band="6", point="intermediate", wte=0.4,
             start=day(2027, 9, 1), end=day(2029, 8, 31)),
        Post(option="O3", role="A point band 4 does not have", band="4", point="intermediate", wte=2,
             start=day(2028, 1, 15), end=day(2031, 6, 30), recurrent=False),
        Post(option="O3", role="Trainee backfilled by band 2", band="3", wte=5, start=day(2027, 9, 13),
             end=day(2029, 3, 12), trainee=True, off_the_job_hours=7.5, backfill_band="2"),
    ]
    case.apprenticeships = [
        Apprenticeship(option="O2", standard="ST0215", learners=10, start=day(2027, 9, 1), duration_months=24,
                       funding_band=15_000, price=16_000),
        Apprenticeship(option="O3", standard="ST0215", learners=5, start=day(2027, 9, 15), duration_months=20,
                       funding_band=15_000, levy_funded=False),
    ]
    case.funding = [FundingLine(option="O2", source="NHS England", description="Workforce development", amounts=[5_000, 5_000])]
    for line, drivers in ((case.benefits[4], ["agency_rate", "per_qualified_ap"]),
                          (case.benefits[6], ["nurse_time", "per_qualified_ap"]), (case.benefits[9], ["agency_rate"]),
                          (case.costs[9], ["per_qualified_ap"])):
        line.drivers = drivers  # for the driver sensitivities and switching values
    case.benefits[7].category, case.benefits[7].drivers = "health", ["per_qualified_ap"]
    return case


def close(got, want) -> bool:
    return math.isclose(got or 0.0, want, rel_tol=1e-9, abs_tol=1e-6)


def assert_workforce_agrees(recalculated: Path, case) -> None:
    """Every year cell of the WorkforceCosts table equals the engine's generated line."""
    workbook = openpyxl.load_workbook(recalculated, data_only=True)
    words = load_template().workforce_costs
    rows = table_rows(workbook, words.table)
    years = case.assumptions.appraisal_years
    lines = generated_lines(case, years)
    posts = len(case.posts) * LINES_PER_POST
    spare = load_template().table("posts").rows * LINES_PER_POST  # the table has lines for every row of Posts
    for i, line in enumerate(lines):
        row = rows[i] if i < posts else rows[spare + i - posts]
        for t in range(years):
            assert close(row[words.year(t)], line.amounts[t]), (i, line.description, line.measure, t)
    assert len(rows) >= spare + len(case.apprenticeships) * LINES_PER_APPRENTICESHIP


def assert_affordability_agrees(recalculated: Path, case) -> None:
    """Every affordability figure of every option and year, and every reconciliation step, equals the engine."""
    workbook = openpyxl.load_workbook(recalculated, data_only=True)
    words = load_template().affordability
    header = {c.figure: c.header for c in words.columns}
    engine = affordability(case)
    seen = 0
    for row in table_rows(workbook, words.table):
        option = row[header["id"]]
        if option in (None, "") or row[header["year"]] >= case.assumptions.appraisal_years:
            continue
        figures = engine.option(option).years
        for key in YEAR_KEYS:
            assert close(row[header[key]], figures[key][row[header["year"]]]), (option, row[header["year"]], key)
        seen += 1
    assert seen == len(case.options) * case.assumptions.appraisal_years
    columns = {c.figure: c.header for c in words.reconciliation_columns}
    for row in table_rows(workbook, words.reconciliation_table):
        if row[columns["id"]] in (None, ""):
            continue
        want = engine.option(row[columns["id"]]).reconciliation
        for key in RECONCILIATION_KEYS:
            assert close(row[columns[key]], want[key]), (row[columns["id"]], key)
        assert abs(row[columns["difference"]]) < 1e-6


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("financial")
    case = workforce_case()
    source, target = folder / "workforce.xlsx", folder / "workforce-recalculated.xlsx"
    new_workbook(source, case=case)
    libreoffice.recalculate([(source, target)])
    return source, target, case


def test_generated_pay_on_costs_backfill_fees_and_funding_equal_the_engine(recalculated):
    _, target, case = recalculated
    assert_workforce_agrees(target, case)


def test_affordability_and_its_reconciliation_equal_the_engine(recalculated):
    _, target, case = recalculated
    assert_affordability_agrees(target, case)
    checks = {r["Check"]: r["OK"] for r in table_rows(openpyxl.load_workbook(target, data_only=True), "Checks")}
    assert checks["The financial case reconciles with the economic case"] is True


def test_the_economic_case_counts_the_workforce_plan(recalculated):
    _, target, case = recalculated
    assert_results_agree(target, appraise(case))
    assert read_workbook(target).case == case  # the new tables read back exactly
    assert recalc_workbook(target).findings == ()


def test_a_user_edits_a_band_a_wte_and_a_start_date(recalculated, tmp_path):
    """Edited in the workbook as a user would (Posts table cells), recalculated by LibreOffice, read back."""
    source, _, _ = recalculated
    edited, target = tmp_path / "edited.xlsx", tmp_path / "edited-recalculated.xlsx"
    workbook = openpyxl.load_workbook(source)
    posts = load_template().table("posts")
    ws = next(ws for ws in workbook.worksheets if posts.name in ws.tables)
    top_left = ws.tables[posts.name].ref.split(":")[0]
    header_row, first_col = ws[top_left].row, ws[top_left].column
    headers = [c.value for c in ws[header_row]][first_col - 1:]

    def cell(row: int, key: str):
        return ws.cell(header_row + row, first_col + headers.index(posts.header(key)))

    cell(3, "band").value = load_template().label("pay_band", "5")  # the APs at band 5
    cell(2, "wte").value = 12  # two more trainees
    cell(2, "start").value = dt.date(2028, 1, 10)  # the cohort starts in January
    workbook.save(edited)
    libreoffice.recalculate([(edited, target)])
    case = read_workbook(target).case
    assert (case.posts[2].band, case.posts[1].wte, case.posts[1].start) == ("5", 12, dt.date(2028, 1, 10))
    assert_workforce_agrees(target, case)
    assert_affordability_agrees(target, case)
    assert_results_agree(target, appraise(case))
    assert appraise(case).option("O2").pv_costs != appraise(workforce_case()).option("O2").pv_costs
