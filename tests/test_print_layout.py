"""What people see, print and edit: the example case (and its money x10 and x100) printed to PDF by
LibreOffice shows every figure and every word, nothing printed over anything; print titles, print
areas and page breaks; calculated columns; lines typed below a table (openpyxl and LibreOffice edits)."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.utils import range_boundaries

import libreoffice
import pdf_layout
from xlcase.casefile import load_case
from xlcase.reader import read_workbook
from xlcase.validation import validate_workbook
from xlcase.writer import write_workbook

EXAMPLE = Path(__file__).parent.parent / "examples" / "ward-assistant-practitioners.yaml"
SCALES = (1, 10, 100)
needs_office = pytest.mark.skipif(not (libreoffice.available() and pdf_layout.available()),
                                  reason="needs soffice, python3-uno and pdftotext")


def scaled_case(folder: Path, factor: int) -> Path:
    """The example case with every amount, every WTE, every cohort and every agency spend multiplied by
    ``factor``, so that the calculated pay, fees and totals grow with them."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data = copy.deepcopy(data)
    for key in ("costs", "benefits"):
        for line in data.get(key, []):
            line["amounts"] = [a * factor for a in line.get("amounts", [])]
    for post in data.get("posts", []):
        post["wte"] *= factor
    for cohort in data.get("apprenticeships", []):
        cohort["learners"] *= factor
    for row in data.get("skill_mix", []):
        if row.get("agency_spend"):
            row["agency_spend"] *= factor
    path = folder / f"case-x{factor}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[int, tuple[Path, Path, float]]:
    """factor -> (recalculated xlsx, PDF, seconds to print it), from one LibreOffice run."""
    folder = tmp_path_factory.mktemp("printed")
    jobs, out = [], {}
    for factor in SCALES:
        workbook = folder / f"x{factor}.xlsx"
        write_workbook(load_case(scaled_case(folder, factor)), workbook, force=True)
        jobs += [(workbook, folder / f"x{factor}-lo.xlsx"), (workbook, folder / f"x{factor}.pdf")]
    started = time.perf_counter()
    seconds = libreoffice.recalculate(jobs, timeout=600)
    assert time.perf_counter() - started < 300
    for i, factor in enumerate(SCALES):
        out[factor] = (folder / f"x{factor}-lo.xlsx", folder / f"x{factor}.pdf", seconds[2 * i + 1])
    return out


def _printed_texts(ws) -> list[tuple[str, str]]:
    """(cell, text) of every text cell inside the sheet's print area."""
    area = ws.print_area
    left, top, right, bottom = (range_boundaries(area.split("!")[-1].replace("$", "")) if area
                                else (1, 1, ws.max_column, ws.max_row))
    return [(c.coordinate, c.value) for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right)
            for c in row if isinstance(c.value, str) and c.value.strip()]


@needs_office
@pytest.mark.parametrize("factor", SCALES)
def test_every_figure_and_word_printed_in_full(printed, factor):
    workbook, pdf, _ = printed[factor]
    pages = pdf_layout.words(pdf)
    hashes = [(w.page, w.text) for page in pages for w in page if "###" in w.text]
    assert hashes == [], "figures too wide for their columns"
    empty_dates = [(w.page, w.text) for page in pages for w in page if w.text == "1899"]
    assert empty_dates == [], "a date that is not given printed as 30 Dec 1899"
    overlapping = [(a.page, a.text, b.text) for page in pages for a, b in pdf_layout.overlaps(page)]
    assert overlapping == [], "labels printed over each other"
    wb = openpyxl.load_workbook(workbook, data_only=True)
    sheets = pdf_layout.pages_by_heading(pages, {ws.title: str(ws["B1"].value) for ws in wb.worksheets})
    assert all(sheets.values()), f"a sheet printed no page (or its heading is not on top): {sheets}"
    assert sum(len(p) for p in sheets.values()) == len(pages)
    cut = {ws.title: pdf_layout.missing_words(pages, sheets[ws.title], _printed_texts(ws)) for ws in wb.worksheets}
    assert {name: words for name, words in cut.items() if words} == {}, "words cut off at a cell's edge"


@needs_office
def test_pages(printed):
    """Page counts stay put: spare rows and empty option slots do not print; figures say how long it takes."""
    counts = {factor: len(pdf_layout.words(pdf)) for factor, (_, pdf, _) in printed.items()}
    assert len(set(counts.values())) == 1, counts  # larger figures change no page
    assert counts[1] <= 36  # the example: 21 posts, two cohorts, four options
    assert max(seconds for *_, seconds in printed.values()) < 60


def test_print_titles_areas_and_breaks(tmp_path):
    path = tmp_path / "example.xlsx"
    case = load_case(EXAMPLE)
    write_workbook(case, path)
    wb = openpyxl.load_workbook(path)
    risks = wb["Risks"]
    header = int(risks.tables["Risks"].ref.split(":")[0][1:])
    assert risks.print_title_rows == f"$1:${header}"  # the table's header repeats on every page
    assert risks.print_area.endswith(f"${header + len(case.risks)}")  # no spare rows printed
    costs = wb["Costs"]
    costs_header = int(costs.tables["Costs"].ref.split(":")[0][1:])
    assert costs.print_title_rows == f"$1:${costs_header}"
    assert costs.print_area.endswith(f"${costs_header + len(case.costs)}")
    appraisal = wb["Appraisal"]
    assert appraisal.print_title_rows == "$1:$5"  # the year and financial-year rows
    breaks = [b.id + 1 for b in appraisal.row_breaks.brk]
    tops = [row for row in range(1, appraisal.max_row + 1)
            if appraisal.cell(row, 2).value == "Option (row of the Options table)"]
    assert breaks == tops  # every option's block starts a page
    last_printed = int(appraisal.print_area.split("$")[-1])
    assert tops[len(case.options) - 1] < last_printed < tops[len(case.options)]  # empty option slots do not print
    blank = tmp_path / "blank.xlsx"
    from xlcase.model import Case
    write_workbook(Case(), blank)
    assert not openpyxl.load_workbook(blank)["Risks"].print_area  # a blank form prints whole


def test_columns_fit_the_largest_figures(tmp_path):
    path = tmp_path / "example.xlsx"
    write_workbook(load_case(EXAMPLE), path)
    wb = openpyxl.load_workbook(path)
    for name in ("Appraisal", "Costs", "Results", "Affordability"):
        ws = wb[name]
        money = {c.column_letter for row in ws.iter_rows() for c in row if "£" in (c.number_format or "")}
        assert money and all(ws.column_dimensions[letter].width >= 14 for letter in money), name


def _risks_row(ws, row_number: int) -> dict[str, object]:
    headers = [c.value for c in ws[int(ws.tables["Risks"].ref.split(":")[0][1:])]]
    return {h: c.value for h, c in zip(headers, ws[row_number]) if h}


def test_calculated_columns_are_table_formulas(tmp_path):
    path = tmp_path / "example.xlsx"
    write_workbook(load_case(EXAMPLE), path)
    wb = openpyxl.load_workbook(path)
    table = wb["Risks"].tables["Risks"]
    score = next(c for c in table.tableColumns if c.name == "Score")
    assert "Risks[[#This Row],[Likelihood]]" in score.calculatedColumnFormula.attr_text
    assert [c.id for c in table.tableColumns] == list(range(1, len(table.tableColumns) + 1))
    costs = wb["Costs"].tables["Costs"]
    assert {c.name for c in costs.tableColumns if c.calculatedColumnFormula} == {"Pay or non-pay", "Continues"}


def _findings(path: Path, code: str) -> list[tuple[str | None, str | None, str]]:
    return [(f.sheet, f.cell, f.message) for f in validate_workbook(path).findings if f.rule == code]


def _example_to_edit(folder: Path, code: str):
    """The example written to a workbook with no finding of ``code``, opened in openpyxl to be edited."""
    path = folder / "example.xlsx"
    write_workbook(load_case(EXAMPLE), path)
    assert _findings(path, code) == []
    return openpyxl.load_workbook(path), folder / "edited.xlsx"


def test_typed_over_and_empty_calculated_cells_found(tmp_path):
    wb, edited = _example_to_edit(tmp_path, "XC705")
    ws = wb["Risks"]
    first = int(ws.tables["Risks"].ref.split(":")[0][1:]) + 1
    score = next(c for c in ws[first - 1] if c.value == "Score").column_letter
    ws[f"{score}{first}"] = 20  # typed over
    ws[f"{score}{first + 1}"] = None  # cleared
    ws[f"{score}{first + 12}"] = None  # a spare row: not a finding
    wb.save(edited)
    found = _findings(edited, "XC705")
    assert [(s, c) for s, c, _ in found] == [("Risks", f"{score}{first}"), ("Risks", f"{score}{first + 1}")]
    assert "typed over its formula" in found[0][2] and "is empty" in found[1][2]


def test_lines_typed_below_a_table_found(tmp_path):
    wb, edited = _example_to_edit(tmp_path, "XC009")
    ws = wb["Costs"]
    ref = ws.tables["Costs"].ref
    last = int(ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ws.cell(last + 1, 2, "O2")
    ws.cell(last + 1, 4, "Extra agency shifts")
    ws.cell(last + 2, 8, 5000)
    ws.cell(last + 5, 8, 7)  # not directly below: a gap first
    wb.save(edited)
    found = _findings(edited, "XC009")
    end = ref.split(":")[1].rstrip("0123456789")
    assert [(s, c) for s, c, _ in found] == [("Costs", f"B{last + 1}")]
    assert f"B{last + 1}:{end}{last + 2}" in found[0][2] and "outside the Costs table" in found[0][2]


@needs_office
def test_row_inserted_in_calc(tmp_path):
    """A user unprotects Risks in LibreOffice Calc, inserts a row inside the table, types a risk, saves as xlsx:
    the table grows and reads, and the Score Calc leaves empty (it does not fill calculated columns) is XC705."""
    path, edited = tmp_path / "example.xlsx", tmp_path / "edited.xlsx"
    write_workbook(load_case(EXAMPLE), path)
    ws = openpyxl.load_workbook(path)["Risks"]
    first = int(ws.tables["Risks"].ref.split(":")[0][1:]) + 1
    row = first + 1
    typed = {"B": "R9", "C": "Trainees cannot be released for study days", "D": "A1", "E": 4, "F": 5,
             "H": "Ward manager", "I": "Study days agreed in the roster six weeks ahead"}
    edits = [{"unprotect": "Risks"}, {"sheet": "Risks", "cell": f"B{row}", "command": ".uno:InsertRowsBefore"}]
    edits += [{"sheet": "Risks", "cell": f"{col}{row}", "value": value} for col, value in typed.items()]
    libreoffice.recalculate([(path, edited, edits)])
    wb = openpyxl.load_workbook(edited)
    risks = wb["Risks"]
    assert risks.tables["Risks"].ref.split(":")[1] == ws.tables["Risks"].ref.split(":")[1][0] + str(
        int(ws.tables["Risks"].ref.split(":")[1][1:]) + 1)  # the table grew by the row
    assert "R9" in [r.id for r in read_workbook(edited).case.risks]
    report = validate_workbook(edited)
    assert [(f.sheet, f.cell) for f in report.findings if f.rule == "XC705"] == [("Risks", f"G{row}")]
    assert _risks_row(risks, row + 1)["Score"].startswith("=")  # the rows below keep theirs


def test_the_affordability_sheet_prints_only_the_filled_options_then_the_reconciliation(tmp_path):
    path = tmp_path / "example.xlsx"
    case = load_case(EXAMPLE)
    write_workbook(case, path)
    ws = openpyxl.load_workbook(path)["Affordability"]
    table = ws.tables["Affordability"]
    header = int(table.ref.split(":")[0][1:])
    areas = [re.findall(r"\$([A-Z]+)\$(\d+)", area) for area in ws.print_area.split(",")]
    (_, first), (_, last) = areas[0]
    assert (int(first), int(last)) == (1, header + len(case.options) * case.assumptions.appraisal_years)  # no empty slots
    (_, start), _ = areas[1]  # the reconciliation and its chart, on a page of their own
    assert int(start) < int(ws.tables["Reconciliation"].ref.split(":")[0][1:])
