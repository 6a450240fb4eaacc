"""`xlcase collect`: many cases into one portfolio workbook (Excel Tables) or CSV files."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xlcase.cli import app
from xlcase.collect import BENEFIT_HEADERS, CASE_HEADERS, COST_HEADERS, collect_portfolio
from xlcase.errors import OutputExistsError
from xlcase.workforce import generated_lines

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
    assert first["Preferred option"] == "O2" and round(first["NPV vs do nothing"]) == 143794
    assert first["Payback year"] == 7 and first["Errors"] == 0 and first["Status"] == "valid"
    hostile = cases.cell(3, CASE_HEADERS.index("Title") + 1)
    assert hostile.value == HOSTILE_TITLE and hostile.data_type == "s"  # text, never a formula
    assert dict(zip(CASE_HEADERS, rows[3]))["Status"] == "unreadable"
    costs = list(book["Costs"].iter_rows(values_only=True))
    assert costs[0] == COST_HEADERS
    generated = [line for line in generated_lines(example_case) if line.measure == "cost"]  # pay from the posts
    expected = (sum(1 for line in example_case.costs for a in line.amounts if a)
                + sum(1 for line in generated for a in line.amounts if a)) * 2
    assert len(costs) - 1 == expected
    total_case_1 = sum(r[COST_HEADERS.index("Amount")] for r in costs[1:] if r[0] == 1)
    assert total_case_1 == pytest.approx(sum(sum(line.amounts) for line in example_case.costs)
                                         + sum(line.amounts.sum() for line in generated), rel=1e-12)
    pay = [r for r in costs[1:] if r[0] == 1 and r[COST_HEADERS.index("Category")] == "Pay"]
    assert pay and all(isinstance(r[COST_HEADERS.index("Amount")], float) for r in pay)
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


# Text a spreadsheet could take for a formula: after leading white space, after the other list separator (";"
# where the decimal sign is a comma), after a tab or a line end, inside quotes.
FORMULA_TEXTS = (" =1+1", "\xa0=1+1", "Ward A; =1+1", "Ward B;\xa0@SUM(1,2)", "Band 4,\t+1+1", "note\n=1+1",
                 'x;"=1+1"', "-1+1", "a;-1+1", "\t=1+1", "\r\n=1+1", "=1+1")
CSV_SEPARATORS = (",", ";", "\t")  # LibreOffice's CSV import, as a user in another locale would choose


def _libreoffice_cells(csv_files: list[Path], separator: str, folder: Path) -> list[openpyxl.cell.Cell]:
    """Every non-empty cell of the CSV files as LibreOffice imports them (spaces trimmed, formulas evaluated)."""
    import libreoffice

    folder.mkdir()
    # CSV filter tokens: separator, quote, UTF-8, first line, column formats, language, quoted as text,
    # detect special numbers, (2 export tokens), trim spaces, sheet, evaluate formulas
    options = f"{ord(separator)},34,76,1,,1033,false,true,false,false,true,-1,true"
    subprocess.run([libreoffice.soffice(), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--norestore", f"--infilter=CSV:{options}", "--convert-to", "xlsx", "--outdir", str(folder),
                    *map(str, csv_files)], capture_output=True, timeout=300, check=False)
    converted = [folder / f"{f.stem}.xlsx" for f in csv_files]
    assert all(c.exists() for c in converted), f"LibreOffice did not convert {csv_files}"  # it exits 0 regardless
    return [cell for c in converted for row in openpyxl.load_workbook(c).active.iter_rows() for cell in row
            if cell.value is not None]


@pytest.mark.libreoffice
def test_no_csv_cell_is_a_formula_when_libreoffice_opens_it(tmp_path, make_workbook):
    import libreoffice

    if libreoffice.soffice() is None:
        pytest.skip("LibreOffice is not installed")

    def hostile(case):
        case.title, case.organisation = FORMULA_TEXTS[0], FORMULA_TEXTS[2]
        for line, text in zip([*case.costs, *case.benefits], FORMULA_TEXTS * 2):
            line.description = text

    out = tmp_path / "portfolio"
    collect_portfolio([make_workbook(hostile)], out, fmt="csv")
    files = [out / "cases.csv", out / "costs.csv", out / "benefits.csv"]
    for n, separator in enumerate(CSV_SEPARATORS):
        cells = _libreoffice_cells(files, separator, tmp_path / f"lo-{n}")
        assert cells, "nothing was imported"
        formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
        assert formulas == [], f"separator {separator!r}: {formulas[:5]}"
    text = (out / "costs.csv").read_text(encoding="utf-8-sig")
    assert "Ward A; '=1+1" in text and "'@SUM(1,2)" in text  # the text stays readable
