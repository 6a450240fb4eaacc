"""`xlcase validate` and `xlcase rules`: the library function and the command, exit statuses, report formats."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlcase.cli import app
from xlcase.report import _md, render_validation, section_titles
from xlcase.rules import all_rules
from xlcase.template import load_template
from xlcase.validation import validate_paths, validate_workbook

ROOT = Path(__file__).resolve().parent.parent
REPORT_KEYS = {"file", "template", "template_version", "readable", "valid", "completeness", "sections", "findings",
               "results"}
FINDING_KEYS = {"rule", "severity", "message", "sheet", "cell", "section"}
runner = CliRunner()


@pytest.fixture(scope="module")
def invalid_workbook(make_workbook) -> Path:
    """Errors and hostile text: a risk linked to '<script>alert(1)</script>' and a cost line for option 'O9 & <b>'."""
    def change(case):
        case.title = '=HYPERLINK("http://evil.example","<img src=x onerror=alert(1)>")'
        case.risks[1].linked_aim = "<script>alert(1)</script>"
        case.costs[0].option = "O9 & <b>|pipe|</b>"
        case.options[3].reason_rejected = None
    return make_workbook(change)


@pytest.fixture(scope="module")
def damaged_files(tmp_path_factory, example_workbook) -> list[Path]:
    folder = tmp_path_factory.mktemp("damaged")
    not_zip = folder / "not-a-zip.xlsx"
    not_zip.write_text("Option,Cost\nO1,100\n")
    empty = folder / "empty.xlsx"
    empty.write_bytes(b"")
    truncated = folder / "truncated.xlsx"
    data = example_workbook.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    return [not_zip, empty, truncated]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_exit_statuses(example_workbook, invalid_workbook, damaged_files):
    assert runner.invoke(app, ["validate", str(example_workbook)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(invalid_workbook)]).exit_code == 1
    assert runner.invoke(app, ["validate", str(example_workbook), str(damaged_files[0])]).exit_code == 2
    assert runner.invoke(app, ["validate", str(invalid_workbook), str(damaged_files[1])]).exit_code == 2
    assert runner.invoke(app, ["validate", str(example_workbook), "--select", "XC4,NOPE"]).exit_code == 2
    assert runner.invoke(app, ["validate", str(example_workbook / "missing.xlsx")]).exit_code == 2
    # only the errors selected count
    assert runner.invoke(app, ["validate", str(invalid_workbook), "--select", "XC8"]).exit_code == 0
    assert runner.invoke(app, ["validate", str(invalid_workbook), "--ignore", "XC203,XC401,XC601"]).exit_code == 0


def test_real_subprocess(example_workbook, invalid_workbook, damaged_files):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "xlcase", "validate", "--format", "json"]
    ok = subprocess.run([*run, str(example_workbook)], capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["valid"] is True
    bad = subprocess.run([*run, str(invalid_workbook)], capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    broken = subprocess.run([*run, str(damaged_files[2])], capture_output=True, text=True, env=env, check=False)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert json.loads(broken.stdout)["findings"][0]["rule"] == "XC001"


def test_validate_never_modifies_the_file(invalid_workbook):
    before = (_digest(invalid_workbook), invalid_workbook.stat().st_mtime_ns)
    validate_workbook(invalid_workbook)
    runner.invoke(app, ["validate", str(invalid_workbook), "--format", "html"])
    assert (_digest(invalid_workbook), invalid_workbook.stat().st_mtime_ns) == before


def test_json_matches_design_shape(example_workbook, invalid_workbook, damaged_files):
    result = runner.invoke(app, ["validate", "--format", "json", str(invalid_workbook)])
    data = json.loads(result.stdout)
    assert REPORT_KEYS <= set(data)
    assert set(data) - REPORT_KEYS <= {"title", "organisation"}
    assert [s["name"] for s in data["sections"]] == ["summary", "aims", "stakeholders", "workforce", "options",
                                                     "assumptions", "costs", "benefits", "appraisal", "risks",
                                                     "timeline", "evaluation", "conclusions", "file"]
    assert all({"name", "complete"} <= set(s) for s in data["sections"])
    assert data["findings"] and all(FINDING_KEYS <= set(f) for f in data["findings"])
    assert {f["severity"] for f in data["findings"]} <= {"error", "warning", "info"}
    assert data["valid"] is False and data["readable"] is True
    assert {"assumptions", "options"} <= set(data["results"])
    assert set(data["results"]["options"][0]) >= {"id", "name", "pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing",
                                                  "bcr", "discounted_payback_year", "cost_switching_value",
                                                  "benefit_switching_value"}
    batch = json.loads(runner.invoke(app, ["validate", "--format", "json", str(example_workbook),
                                           str(damaged_files[0])]).stdout)
    assert set(batch) == {"files", "summary"}
    assert batch["summary"] == {"files": 2, "valid": 1, "invalid": 0, "unreadable": 1}
    unreadable = batch["files"][1]
    assert REPORT_KEYS <= set(unreadable) and unreadable["readable"] is False and unreadable["results"] is None
    assert [f["rule"] for f in unreadable["findings"]] == ["XC001"]
    assert "not a zip" in unreadable["findings"][0]["message"]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_escaped(invalid_workbook, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["validate", str(invalid_workbook), "--format", "html", "--output", str(out)])
    assert result.exit_code == 1
    page = out.read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert "script" not in parser.tags and "link" not in parser.tags and "a" not in parser.tags
    assert "style" in parser.tags and parser.images, "the chart is an image inside the file"
    for source in parser.images:  # nothing fetched: the chart is an SVG image in the file, which can run nothing
        assert source.startswith("data:image/svg+xml;base64,")
        chart = base64.b64decode(source.partition(",")[2]).decode()
        assert "<rect" in chart and "<script" not in chart and "href" not in chart
    assert "http://" not in page.replace("http://evil.example", "")
    text = "".join(parser.text)
    report = validate_workbook(invalid_workbook)
    for finding in report.findings:
        assert finding.message in text
        assert finding.where in text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "@media print" in page


def test_markdown_contains_every_finding(invalid_workbook):
    result = runner.invoke(app, ["validate", str(invalid_workbook), "--format", "markdown"])
    assert result.exit_code == 1
    report = validate_workbook(invalid_workbook)
    titles = section_titles(load_template())
    for finding in report.findings:
        assert f"| {finding.rule} | {finding.severity} | {_md(titles[finding.section])} | {_md(finding.where)} | " \
               f"{_md(finding.message)} |" in result.stdout
    assert "<script>" not in result.stdout


def test_text_report_groups_by_section(invalid_workbook):
    result = runner.invoke(app, ["validate", str(invalid_workbook)])
    assert "INVALID" in result.stdout
    assert "\n  Risks\n" in result.stdout and "XC401 error   Risks!D6:" in result.stdout
    assert "\n  Options analysis\n" in result.stdout  # sections by the headings of their sheets
    assert "\x1b[" not in result.stdout  # no colour codes when stdout is not a terminal


def test_output_is_replaced_atomically(example_workbook, tmp_path):
    out = tmp_path / "report.json"
    out.write_text("old")
    assert runner.invoke(app, ["validate", str(example_workbook), "--format", "json", "-o", str(out)]).exit_code == 2
    assert out.read_text() == "old"  # kept without --force
    assert runner.invoke(app, ["validate", str(example_workbook), "--format", "json", "-o", str(out),
                              "--force"]).exit_code == 0
    assert json.loads(out.read_text())["valid"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_batch_of_200_with_damaged_files(example_workbook, invalid_workbook, damaged_files, tmp_path):
    folder = tmp_path / "submissions"
    (folder / "sub").mkdir(parents=True)
    for n in range(196):
        shutil.copyfile(example_workbook, folder / f"case-{n:03}.xlsx")
    for n in range(4):
        shutil.copyfile(invalid_workbook, folder / "sub" / f"bad-{n}.xlsx")
    for damaged in damaged_files:
        shutil.copyfile(damaged, folder / damaged.name)
    (folder / "notes.txt").write_text("not a workbook: skipped by the folder walk")
    result = runner.invoke(app, ["validate", str(folder), "--jobs", "2", "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["summary"] == {"files": 203, "valid": 196, "invalid": 4, "unreadable": 3}
    files = [f["file"] for f in data["files"]]
    assert files == sorted(files)
    # the same with one process
    reports = validate_paths([folder], jobs=1)
    assert [r.to_dict()["valid"] for r in reports] == [f["valid"] for f in data["files"]]


def test_rules_command():
    listing = runner.invoke(app, ["rules"])
    assert listing.exit_code == 0
    for r in all_rules():
        assert r.code in listing.stdout and r.name in listing.stdout
    one = runner.invoke(app, ["rules", "XC401"])
    assert one.exit_code == 0
    for part in ("What it checks:", "Why a reviewer cares:", "How to fix:"):
        assert part in one.stdout
    assert runner.invoke(app, ["rules", "XC999"]).exit_code == 2


def test_render_single_vs_batch(example_workbook):
    report = validate_workbook(example_workbook)
    assert "summary" not in json.loads(render_validation([report], "json"))
    assert json.loads(render_validation([report], "json", batch=True))["summary"]["files"] == 1


def test_html_gives_each_place_as_name_box_text_not_a_link(invalid_workbook):
    """A browser cannot open a workbook at a cell (file:...#'Results'!J7): the place is text to type."""
    (report,) = validate_paths([invalid_workbook])
    page = render_validation([report], "html")
    located = [f for f in report.findings if f.sheet and f.cell]
    assert located and "<a " not in page and "file:" not in page
    for finding in located:
        assert f"<code>{finding.sheet}!{finding.cell}</code>" in page


