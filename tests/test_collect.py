"""`xlcase collect`: many cases into one portfolio workbook (Excel Tables) or CSV files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xlcase.cli import app
from xlcase.collect import BENEFIT_HEADERS, CASE_HEADERS, COST_HEADERS, collect_portfolio
from xlcase.errors import OutputExistsError

runner = CliRunner()
HOSTILE_TITLE = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def submissions(tmp_path_factory, example_workbook, make_workbook) -> Path:
    folder = tmp_path_factory.mktemp("portfolio-in")
    shutil.copyfile(example_workbook, folder / "a-example.xlsx")
    shutil.copyfile(make_workbook(lambda c: setattr(c, "title", HOSTILE_TITLE)), folder / "b-hostile.xlsx")
    (folder / "c-broken.xlsx").write_text("not a workbook")
    return folder


def test_collect_xlsx(submissions, example_case, tmp_path):
    out = tmp_path / "portfolio.xlsx"
    result = runner.invoke(app, ["collect", str(submissions), "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    tables = {name: ws.tables[name] for ws in book.worksheets for name in ws.tables}
    assert set(tables) == {"Cases", "Costs", "Benefits"}
    cases = book["Cases"]
    rows = list(cases.iter_rows(values_only=True))
    assert rows[0] == CASE_HEADERS
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    first = dict(zip(CASE_HEADERS, rows[1]))
    assert first["Preferred option"] == "O2" and round(first["NPV vs do nothing"]) == 489030
    assert first["Payback year"] == 4 and first["Errors"] == 0 and first["Status"] == "valid"
    hostile = cases.cell(3, CASE_HEADERS.index("Title") + 1)
    assert hostile.value == HOSTILE_TITLE and hostile.data_type == "s"  # text, never a formula
    assert dict(zip(CASE_HEADERS, rows[3]))["Status"] == "unreadable"
    costs = list(book["Costs"].iter_rows(values_only=True))
    assert costs[0] == COST_HEADERS
    expected = sum(1 for line in example_case.costs for a in line.amounts if a) * 2
    assert len(costs) - 1 == expected
    total_case_1 = sum(r[COST_HEADERS.index("Amount")] for r in costs[1:] if r[0] == 1)
    assert total_case_1 == pytest.approx(sum(sum(line.amounts) for line in example_case.costs))
    benefits = list(book["Benefits"].iter_rows(values_only=True))
    assert benefits[0] == BENEFIT_HEADERS and benefits[1][BENEFIT_HEADERS.index("Financial year")] == "2027/28"
    # refuses to overwrite without --force
    assert runner.invoke(app, ["collect", str(submissions), "-o", str(out)]).exit_code == 2
    assert runner.invoke(app, ["collect", str(submissions), "-o", str(out), "--force"]).exit_code == 0


def test_collect_csv_folder(submissions, tmp_path):
    out = tmp_path / "portfolio"
    result = runner.invoke(app, ["collect", str(submissions), "-o", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["benefits.csv", "cases.csv", "costs.csv"]
    with (out / "cases.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Status"] for r in rows] == ["valid", "valid", "unreadable"]
    assert rows[1]["Title"] == "'" + HOSTILE_TITLE  # a spreadsheet opening the CSV shows text, runs nothing
    with pytest.raises(OutputExistsError):
        collect_portfolio([submissions], out, fmt="csv")


def test_collect_nothing_found(tmp_path):
    assert runner.invoke(app, ["collect", str(tmp_path), "-o", str(tmp_path / "p.xlsx")]).exit_code == 2
