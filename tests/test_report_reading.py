"""Reports as a reviewer reads them: sections by their titles, defaults marked, payback as a financial year,
switching values shown, and each finding's place as text for the Name Box of Excel or Calc."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlcase.api import new_workbook
from xlcase.model import Case
from xlcase.report import FILE_SECTION_TITLE, render_validation, section_titles
from xlcase.rules import SECTIONS
from xlcase.template import load_template
from xlcase.text import cell_reference
from xlcase.validation import validate_workbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def blank_workbook(workbook_dir) -> Path:
    return new_workbook(workbook_dir / "blank-for-reports.xlsx", case=Case())


def validate(book: Path, fmt: str) -> str:
    done = subprocess.run([sys.executable, "-m", "xlcase", "validate", str(book), "--format", fmt],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_every_section_has_a_title_from_the_template():
    template = load_template()
    titles = section_titles(template)
    assert set(SECTIONS) <= set(titles)
    headings = {s.heading for s in template.sheets} | {b.table.heading for s in template.sheets for b in s.blocks
                                                       if b.table}
    assert all(titles[s] in headings for s in SECTIONS if s != "file")
    assert titles["options"] == "Options analysis" and titles["aims"] == "Aims and expected benefits"
    assert titles["file"] == FILE_SECTION_TITLE


def test_reports_name_sections_by_title_and_json_keeps_the_codes(blank_workbook):
    titles = section_titles(load_template())
    data = json.loads(validate(blank_workbook, "json"))
    assert [s["name"] for s in data["sections"]] == list(SECTIONS)
    assert {f["section"] for f in data["findings"]} <= set(SECTIONS)
    for fmt in ("text", "markdown", "html"):
        page = validate(blank_workbook, fmt).replace("&#x27;", "'")
        assert titles["options"] in page and titles["assumptions"] in page, fmt
        assert "| options |" not in page and "<td>options</td>" not in page and "\n  options\n" not in page


def test_a_blank_workbook_is_not_complete_where_it_only_holds_defaults(blank_workbook):
    report = validate_workbook(blank_workbook)
    sections = {s.name: s for s in report.sections}
    assert sections["appraisal"].score == 0 and not sections["appraisal"].complete  # nothing to appraise
    assumptions = sections["assumptions"]
    assert assumptions.defaults == ("assumptions.base_year", "assumptions.appraisal_years",
                                    "assumptions.discount_rate", "assumptions.optimism_bias",
                                    "assumptions.optimism_bias_project_type", "assumptions.pay_award",
                                    "assumptions.non_pay_inflation", "assumptions.attrition",
                                    "assumptions.working_weeks")
    data = json.loads(validate(blank_workbook, "json"))
    assert {s["name"]: s["defaults"] for s in data["sections"]}["assumptions"] == list(assumptions.defaults)
    html = validate(blank_workbook, "html")
    assert "yes, with defaults" in html
    assert "Discount rate (years 0-30): 3.50%" in html and "check them" in html
    assert "the appraisal needs a do-nothing option" in html
    assert "Discount rate (years 0-30): 3.50%" in validate(blank_workbook, "markdown")


def test_a_value_someone_changed_is_not_a_default(example_workbook, tmp_path):
    sections = {s.name: s for s in validate_workbook(example_workbook).sections}
    assert sections["appraisal"].score == 1 and sections["appraisal"].complete
    assert "assumptions.optimism_bias" not in sections["assumptions"].defaults  # the example's 10%
    assert "assumptions.discount_rate" in sections["assumptions"].defaults
    edited = tmp_path / "edited.xlsx"
    workbook = openpyxl.load_workbook(example_workbook)
    sheet, cell = next(iter(workbook.defined_names["DiscountRate"].destinations))
    workbook[sheet][cell.replace("$", "")].value = 0.03
    workbook.save(edited)
    sections = {s.name: s for s in validate_workbook(edited).sections}
    assert "assumptions.discount_rate" not in sections["assumptions"].defaults


def test_the_appraisal_scores_what_it_needs(make_workbook):
    def no_amounts(case):
        preferred = next(o.id for o in case.options if o.preferred)
        case.costs = [c for c in case.costs if c.option != preferred]
        case.benefits = [b for b in case.benefits if b.option != preferred]

    def no_do_nothing(case):
        case.options = [o for o in case.options if not o.do_nothing]

    for change, score in ((no_amounts, 2 / 3), (no_do_nothing, 2 / 3)):
        sections = {s.name: s for s in validate_workbook(make_workbook(change)).sections}
        assert sections["appraisal"].score == pytest.approx(score, abs=1e-6)


def test_results_show_payback_years_and_switching_values(example_workbook):
    for fmt in ("html", "markdown"):
        page = validate(example_workbook, fmt)
        for text in ("Payback financial year", "2034/35", "Cost switching value", "24.4%",
                     "Benefit switching value", "19.6%"):
            assert text in page, (fmt, text)
        assert "Discounted payback year" not in page  # the year index is not what a board reads
    assert ("preferred option O2: NPV vs do nothing £143,794, BCR 1.24, pays back in 2034/35 (year 7); its costs "
            "may rise 24.4% or its benefits fall 19.6%") in validate(example_workbook, "text")


@pytest.mark.parametrize(("sheet", "reference"), [
    ("Results", "Results!J7"), ("Sheet_2", "Sheet_2!J7"), ("Engine results", "'Engine results'!J7"),
    ("O'Brien", "'O''Brien'!J7"), ("2027", "'2027'!J7"), ("A1", "'A1'!J7"), ("XFD1", "'XFD1'!J7"),
    ("R1C1", "'R1C1'!J7"), ("R", "'R'!J7"), ("c", "'c'!J7"), ("TRUE", "'TRUE'!J7"), ("Données", "'Données'!J7"),
    ("Costs-2", "'Costs-2'!J7"), ("a.b", "'a.b'!J7"),
])
def test_a_place_is_written_as_the_name_box_takes_it(sheet, reference):
    """Quoted when Excel needs it: a name that is not letters, digits and underscores, or that reads as a cell
    reference or a value."""
    assert cell_reference(sheet, "J7") == reference


def test_every_report_gives_places_as_text_not_links(make_workbook):
    book = make_workbook(lambda case: setattr(case.risks[0], "linked_aim", "A9"))
    report = validate_workbook(book)
    located = [f for f in report.findings if f.rule == "XC401"]
    assert located and located[0].where == f"Risks!{located[0].cell}"
    html = render_validation([report], "html")
    assert "<a " not in html and "file:" not in html and f"<code>{located[0].where}</code>" in html
    assert f"| {located[0].where} |" in render_validation([report], "markdown")
    assert f" {located[0].where}: " in render_validation([report], "text")
