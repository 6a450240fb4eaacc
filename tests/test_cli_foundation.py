"""`xlcase new`, `export`, `schema`, `templates` and `recalc`, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from xlcase.casefile import load_case, parse_case
from xlcase.cli import app
from xlcase.errors import CaseFileError

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
runner = CliRunner()


def xlcase(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "xlcase", *args], capture_output=True, text=True, cwd=ROOT)


def test_new_then_export_gives_the_same_case(tmp_path):
    out = tmp_path / "example.xlsx"
    done = xlcase("new", str(out), "--from", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert out.exists()
    exported = tmp_path / "case.yaml"
    done = xlcase("export", str(out), "-o", str(exported))
    assert done.returncode == 0, done.stderr
    assert load_case(exported) == load_case(EXAMPLE)
    as_json = runner.invoke(app, ["export", str(out), "-o", str(tmp_path / "case.json")])
    assert as_json.exit_code == 0
    assert load_case(tmp_path / "case.json") == load_case(EXAMPLE)


def test_new_refuses_to_overwrite(tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_text("precious")
    result = runner.invoke(app, ["new", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert out.read_text() == "precious"
    assert runner.invoke(app, ["new", str(out), "--force"]).exit_code == 0


def test_bad_case_file_gives_the_key_path_and_no_traceback(tmp_path):
    case = yaml.safe_load(EXAMPLE.read_text())
    case["costs"][3]["amounts"][2] = "lots"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(case))
    done = xlcase("new", str(tmp_path / "out.xlsx"), "--from", str(bad))
    assert done.returncode == 2
    assert 'costs[3].amounts[2]: expected a number, got "lots"' in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize(("text", "message"), [
    ("title: [unclosed", "does not parse"),
    ("- just\n- a list", "expected a mapping"),
    ("titel: typo", "titel: unknown key"),
    ("risks: [{likelihood: 9}]", "risks[0].likelihood"),
    ("timeline: {start: 31/02/2027}", "timeline.start: expected a date"),
    ("options: [{id: O1, preferred: perhaps}]", "options[0].preferred: expected true or false"),
])
def test_case_file_errors_name_what_is_wrong(text, message):
    with pytest.raises(CaseFileError) as caught:
        parse_case(text, source="case.yaml")
    assert message in str(caught.value)


def test_drafts_are_accepted():
    case = parse_case("title: Draft\noptions: [{id: O1}]")
    assert case.title == "Draft" and case.organisation is None


def test_schema_and_templates():
    schema = json.loads(runner.invoke(app, ["schema"]).output)
    assert {"title", "organisation", "options", "costs", "benefits", "risks", "timeline"} <= set(schema["properties"])
    listed = runner.invoke(app, ["templates"]).output
    assert "assistant-practitioner" in listed and "1.0.0" in listed


def test_recalc_json_and_text(tmp_path):
    out = tmp_path / "example.xlsx"
    runner.invoke(app, ["new", str(out), "--from", str(EXAMPLE)])
    done = xlcase("recalc", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= {"assumptions", "options"}
    assert [o["id"] for o in data["options"]] == ["O0", "O1", "O2", "O3"]
    for option in data["options"]:  # DESIGN.md, appraisal version 2 (optimism_bias an extension)
        assert set(option) == {"id", "name", "optimism_bias", "pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing",
                               "incremental_pv_costs", "incremental_pv_benefits", "bcr", "discounted_payback_year",
                               "discounted_payback_financial_year", "cost_switching_value", "benefit_switching_value",
                               "sensitivity", "driver_switching_values"}
    assert data["options"][2]["discounted_payback_financial_year"] == "2034/35"
    text = runner.invoke(app, ["recalc", str(out)]).output
    assert "NPV vs DN" in text and "O2" in text


def test_unreadable_file_is_exit_2_without_traceback(tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_text("name,amount\nx,1\n")
    done = xlcase("recalc", str(junk))
    assert done.returncode == 2
    assert "XC001" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [
    ["new", "{tmp}/no-such-dir-file/x.xlsx/y.xlsx", "--from", "{tmp}"],  # a folder as the case file
    ["new", "/dev/null/x.xlsx"],  # a path that cannot be created
    ["validate", "{book}", "-o", "{tmp}"],  # a folder as the output
    ["validate", "{book}", "-o", "{book}", "--force"],  # the output would replace the input
    ["export", "{book}", "-o", "{book}", "--force"],
    ["collect", "{book}", "-o", "{book}", "--force"],
    ["new", "{book}"],  # exists, no --force
])
def test_file_system_problems_are_one_line_errors(tmp_path, args):
    book = tmp_path / "book.xlsx"
    runner.invoke(app, ["new", str(book), "--from", str(EXAMPLE)])
    before = book.read_bytes()
    filled = [a.format(tmp=tmp_path, book=book) for a in args]
    done = xlcase(*filled)
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: XC"), done.stderr
    assert book.read_bytes() == before


def test_validate_keeps_an_existing_report_unless_forced(tmp_path):
    book, report = tmp_path / "book.xlsx", tmp_path / "report.json"
    runner.invoke(app, ["new", str(book), "--from", str(EXAMPLE)])
    report.write_text("keep")
    assert xlcase("validate", str(book), "--format", "json", "-o", str(report)).returncode == 2
    assert report.read_text() == "keep"
    assert xlcase("validate", str(book), "--format", "json", "-o", str(report), "--force").returncode == 0
    assert json.loads(report.read_text())["valid"] is True


def test_a_template_name_is_never_a_path(tmp_path):
    from xlcase.errors import UnknownTemplateError
    from xlcase.template import load_template

    (tmp_path / "evil.yaml").write_text("name: evil\n")
    for name in (str(tmp_path / "evil"), "../workbook_templates/assistant-practitioner", "assistant-practitioner/"):
        with pytest.raises(UnknownTemplateError):
            load_template(name)


def test_more_amounts_than_appraisal_years_allow_is_refused():
    with pytest.raises(CaseFileError) as caught:
        parse_case("costs: [{option: O1, amounts: [" + ",".join(["1"] * 126) + "]}]")
    assert "costs[0].amounts: too many entries" in str(caught.value)


def test_export_and_recalc_say_what_they_could_not_read(tmp_path):
    import openpyxl

    book = tmp_path / "book.xlsx"
    runner.invoke(app, ["new", str(book), "--from", str(EXAMPLE)])
    workbook = openpyxl.load_workbook(book)
    ws = workbook["Risks"]
    header = [c.value for c in ws[ws.tables["Risks"].ref.split(":")[0][1:]]]
    cell = ws.cell(int(ws.tables["Risks"].ref.split(":")[0][1:]) + 1, header.index("Likelihood") + 1)
    cell.value = 7
    workbook.save(book)
    done = xlcase("export", str(book))
    assert done.returncode == 1
    assert f"XC102 Risks!{cell.coordinate}" in done.stderr and "left out" in done.stderr
    recalc = json.loads(xlcase("recalc", str(book), "--format", "json").stdout)
    assert ("XC102", "Risks", cell.coordinate) in [(f["rule"], f["sheet"], f["cell"]) for f in recalc["findings"]]
