"""`xlcase paper`: the business case document in Word (read back through LibreOffice), HTML and Markdown.

The Word paper is converted to PDF by LibreOffice headless, the word processor here, and its text is read
with pdftotext: what a board member would see. HTML is read with Python's HTML parser and Markdown is
rendered by GitHub's own renderer (cmark-gfm), so that "text stays text" is judged by the real thing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paper_cases import PAYLOADS, hostile_case, large_case
from xlcase.api import new_workbook, paper_inputs, write_paper
from xlcase.casefile import dump_case
from xlcase.cli import app
from xlcase.model import Case
from xlcase.paper.build import MAX_ROWS, build_paper
from xlcase.paper.model import Table

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
TOP_HEADINGS = (
    "Executive summary", "Service need and drivers", "Aims and expected benefits", "Stakeholders and governance",
    "Workforce evidence", "Options analysis", "Cost and resource analysis", "Risks of not going ahead",
    "Timeline and milestones", "Evaluation", "Benefits realisation", "Conclusions and recommendations",
    "Appendix A. Assumptions and reference data",
)
XLCASE_FIELDS = re.compile(r'^ (TOC \\o "1-2" \\h \\z \\u|PAGE|NUMPAGES) $')  # the only fields xlcase makes
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
runner = CliRunner()
needs_writer = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                                  reason="needs LibreOffice Writer (soffice) and poppler-utils (pdftotext)")


def xlcase(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The installed command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "xlcase", *args], capture_output=True, text=True, cwd=cwd)


def to_pdf(document: Path) -> Path:
    """The document converted by LibreOffice headless (a private profile; it exits 0 even when it fails)."""
    out = document.parent
    profile = out / f"lo-profile-{document.stem}"
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           "pdf", "--outdir", str(out), str(document)], capture_output=True, text=True, timeout=300)
    pdf = out / f"{document.stem}.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1_000, f"LibreOffice wrote no PDF: {done.stdout} {done.stderr}"
    shutil.rmtree(profile, ignore_errors=True)
    return pdf


def pdf_text(pdf: Path, first_page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-f", str(first_page), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    """Text with every run of white space one space, as a table cell's wrapped lines read."""
    return " ".join(text.split())


def docx_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name).decode("utf-8") for name in package.namelist()
                if name.endswith((".xml", ".rels"))}


def docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style id, text) of every paragraph of the document body, in order."""
    import xml.etree.ElementTree as ET

    body = ET.fromstring(docx_parts(path)["word/document.xml"])
    out = []
    for paragraph in body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        out.append((style.get(f"{W}val") if style is not None else "", "".join(t.text or "" for t in
                                                                          paragraph.iter(f"{W}t"))))
    return out


@pytest.fixture(scope="module")
def example_paper(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path) -> tuple[Path, Path, str]:
    """The example workbook's paper, written by the whole command, its PDF and the PDF's text after the contents."""
    folder = tmp_path_factory.mktemp("paper")
    workbook = folder / "example.xlsx"
    workbook.write_bytes(example_workbook.read_bytes())
    done = xlcase("paper", str(workbook))  # the default output: beside the workbook, with .docx
    assert done.returncode == 0, done.stderr
    docx = folder / "example.docx"
    assert docx.exists()
    pdf = to_pdf(docx)
    return docx, pdf, pdf_text(pdf, first_page=3)


@needs_writer
@pytest.mark.libreoffice
class TestExamplePaper:
    def test_sections_come_in_the_guidance_order(self, example_paper):
        _, _, text = example_paper
        lines = [line.strip() for line in text.splitlines()]
        at = [lines.index(heading) for heading in TOP_HEADINGS]
        assert at == sorted(at), "the section headings are out of order"

    def test_headings_are_word_headings_and_tables_repeat_their_header_row(self, example_paper):
        docx, _, _ = example_paper
        headings = [text for style, text in docx_paragraphs(docx) if style == "Heading1"]
        assert tuple(headings) == TOP_HEADINGS
        assert "Economic case" in [text for style, text in docx_paragraphs(docx) if style == "Heading2"]
        body = docx_parts(docx)["word/document.xml"]
        assert body.count("<w:tblHeader/>") >= 20  # every data table's first row repeats on each page
        assert "TOC \\o" in body  # a table of contents for Word to update (page numbers)

    def test_the_preferred_options_figures_are_as_recalc_gives_them(self, example_paper, tmp_path):
        docx, _, text = example_paper
        done = xlcase("recalc", str(docx.with_suffix(".xlsx")))
        assert done.returncode == 0, done.stderr
        rows = {line.split()[0]: re.split(r"\s{2,}", line.strip()) for line in done.stdout.splitlines()
                if re.match(r"O\d ", line)}
        figures = rows["O2"][1:]  # PV costs, PV benefits, NPV, NPV vs DN, BCR, payback (its year), cost SV, benefit SV
        assert figures == ["£12,058,076", "£733,812", "-£11,324,263", "£143,794", "1.24", "2034/35", "24.4%", "19.6%"]
        page = flat(text)
        headline = page[page.index("Headline figures"):page.index("Overview")]
        for shown in (figures[3], figures[4], "4", figures[5], figures[6], figures[7]):
            assert shown in headline
        economic = page[page.index("Economic case"):page.index("Financial case")]
        for option in ("O1", "O2", "O3"):
            for shown in rows[option][1:]:
                assert shown in economic, (option, shown)
        as_json = json.loads(xlcase("recalc", str(docx.with_suffix(".xlsx")), "--format", "json").stdout)
        o2 = next(o for o in as_json["options"] if o["id"] == "O2")
        assert o2["discounted_payback_financial_year"] in headline

    def test_every_risk_and_milestone_is_in_it(self, example_paper, example_case: Case):
        _, _, text = example_paper
        page = flat(text)
        for risk in example_case.risks:
            for value in (risk.id, risk.description, risk.owner, risk.mitigation):
                assert flat(value) in page, value
        for milestone in example_case.timeline.milestones:
            assert flat(milestone.name) in page
            assert milestone.due.strftime("%d %b %Y") in page

    def test_no_error_text(self, example_paper):
        _, pdf, _ = example_paper
        text = pdf_text(pdf)
        for bad in ("Traceback", "Error!", "#REF!", "#VALUE!", "#N/A", "#NAME?", "#DIV/0!", "{", "}"):
            assert bad not in text, bad
        for word in ("None", "nan", "NaN", "inf", "null"):
            assert not re.search(rf"\b{word}\b", text), word

    def test_it_has_charts_page_numbers_and_a_cover(self, example_paper):
        docx, pdf, text = example_paper
        parts = docx_parts(docx)
        with zipfile.ZipFile(docx) as package:
            assert len([n for n in package.namelist() if n.startswith("word/media/")]) == 4
        assert any(" PAGE " in part for name, part in parts.items() if name.startswith("word/footer"))
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                   text=True).stdout).group(1))
        assert 10 <= pages <= 30
        assert f"Page 3 of {pages}" in pdf_text(pdf, 3)
        cover = pdf_text(pdf)[:2_000]
        assert "Ward-based assistant practitioners" in cover and "Example NHS Foundation Trust" in cover
        for figure in ("Figure 1.", "Figure 2.", "Figure 3.", "Figure 4."):
            assert figure in text


@needs_writer
@pytest.mark.libreoffice
def test_a_blank_workbook_gives_a_paper_that_names_every_gap(tmp_path):
    blank = tmp_path / "blank.xlsx"
    assert xlcase("new", str(blank)).returncode == 0
    done = xlcase("paper", str(blank), "-o", str(tmp_path / "blank.docx"))
    assert done.returncode == 0, done.stderr
    text = flat(pdf_text(to_pdf(tmp_path / "blank.docx")))
    for sentence in (
        "No option is marked as preferred, so the decision required cannot be stated.",
        "No recommendations have been entered.", "No overview has been entered.",
        "No service need has been entered.", "No drivers have been entered.", "No aims have been entered.",
        "No stakeholders have been entered.", "No skill-mix profile has been entered.",
        "No candidate survey has been entered.", "No education provider or programme has been entered.",
        "No other sources of candidates have been entered.", "No options have been entered.",
        "No options have been appraised, so there are no results.", "No financial case has been entered",
        "No risks have been entered.", "No start or finish date has been entered.",
        "No milestones have been entered.", "No slippage measures have been entered.",
        "No evaluation plan has been entered.",
        "No aims have been entered, so there is no benefits realisation plan.",
        "Where we start from: nothing has been entered.", "Where we need to get to: nothing has been entered.",
        "How we will get there: nothing has been entered.", "No source of the student cohort has been entered.",
        "No roll-out plan has been entered.", "No evidence from elsewhere has been entered.",
    ):
        assert sentence in text, sentence
    for heading in TOP_HEADINGS:
        assert heading in text


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _assert_text_only(html: str, *, links: str | None) -> None:
    """No script, handler, fetch or link but those xlcase makes (``links``: the prefix its hrefs have)."""
    parsed = _parsed(html)
    for tag, attributes in parsed.tags:
        assert tag not in ("script", "iframe", "object", "embed", "link", "form"), tag
        assert not any(name.startswith("on") for name in attributes), attributes
        if tag == "a":
            assert links is not None and (attributes.get("href") or "").startswith(links), attributes
    text = flat("".join(parsed.text))
    for payload in PAYLOADS:
        assert flat(payload) in text, payload


@pytest.fixture(scope="module")
def hostile_sources(tmp_path_factory: pytest.TempPathFactory, example_case: Case) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    case = hostile_case(example_case)
    case_file = folder / "hostile.yaml"
    case_file.write_text(dump_case(case, "yaml"), encoding="utf-8")
    return case_file, new_workbook(folder / "hostile.xlsx", case=case)


@needs_writer
@pytest.mark.libreoffice
def test_text_from_the_case_stays_text_in_word(hostile_sources, tmp_path):
    _, workbook = hostile_sources
    docx = tmp_path / "hostile.docx"
    write_paper(workbook, docx)
    parts = docx_parts(docx)
    for name, part in parts.items():
        assert "<w:hyperlink" not in part and "<w:fldSimple" not in part, name
        assert "relationships/hyperlink" not in part, name
        for instruction in re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", part):
            assert XLCASE_FIELDS.match(instruction), instruction
    words = flat(" ".join(text for _, text in docx_paragraphs(docx)))
    for payload in PAYLOADS:
        assert flat(payload) in words, payload
    assert "&lt;script&gt;" in parts["docProps/core.xml"]  # the author, as text
    pdf = to_pdf(docx)
    text = flat(pdf_text(pdf))
    for payload in PAYLOADS:
        assert flat(payload) in text, payload
    urls = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True).stdout
    assert "http" not in urls and "mailto" not in urls


def test_text_from_the_case_stays_text_in_html_and_markdown(hostile_sources, tmp_path):
    import cmarkgfm

    case_file, workbook = hostile_sources
    for source in (case_file, workbook):
        html = tmp_path / f"{source.stem}-{source.suffix[1:]}.html"
        write_paper(source, html)
        page = html.read_text(encoding="utf-8")
        _assert_text_only(page, links="#section-")
        tags = _parsed(page).tags
        policy = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert "default-src 'none'" in policy and "script" not in policy
        assert all(attrs["src"].startswith("data:image/png;base64,") for tag, attrs in tags if tag == "img")
        markdown = tmp_path / f"{source.stem}-{source.suffix[1:]}.md"
        written = write_paper(source, markdown)
        rendered = cmarkgfm.github_flavored_markdown_to_html(markdown.read_text(encoding="utf-8"))
        _assert_text_only(rendered, links=None)
        images = [attrs["src"] for tag, attrs in _parsed(rendered).tags if tag == "img"]
        assert images == [path.name for path in written[1:]]
        assert all(path.read_bytes().startswith(b"\x89PNG") for path in written[1:])


def test_a_case_file_and_its_workbook_give_the_same_paper(example_workbook):
    from_case = build_paper(paper_inputs(EXAMPLE))
    from_workbook = build_paper(paper_inputs(example_workbook))
    assert from_case.sections == from_workbook.sections  # every figure, table and chart
    assert from_case.cover.details != from_workbook.cover.details  # they say what they were made from


def test_a_huge_case_gives_a_bounded_paper(example_case, tmp_path):
    big = large_case(example_case)
    source = tmp_path / "big.yaml"
    source.write_text(dump_case(big, "yaml"), encoding="utf-8")
    document = build_paper(paper_inputs(source))
    tables = [b for _, s in document.walk() for b in s.blocks if isinstance(b, Table)]
    assert max(len(t.rows) for t in tables) <= MAX_ROWS + 1  # a total row at most
    register = next(t for t in tables if t.caption == "Risk register")
    assert len(register.rows) == MAX_ROWS and "The case holds 5,000 risks" in register.note
    longest = max(len(cell) for t in tables for row in t.rows for cell in row)
    assert longest < 600  # a cell of 32,767 characters is clipped, saying by how much
    written = write_paper(source, tmp_path / "big.docx")
    assert written[0].stat().st_size < 3_000_000
    write_paper(source, tmp_path / "big.html")
    assert (tmp_path / "big.html").stat().st_size < 3_000_000


def test_the_command_line(tmp_path, example_workbook):
    book = tmp_path / "case.xlsx"
    book.write_bytes(example_workbook.read_bytes())
    before = book.read_bytes()
    assert runner.invoke(app, ["paper", str(book)]).exit_code == 0
    assert (tmp_path / "case.docx").exists()  # beside the source, with .docx
    refused = runner.invoke(app, ["paper", str(book)])
    assert refused.exit_code == 2 and "XC010" in refused.output and "--force" in refused.output
    assert runner.invoke(app, ["paper", str(book), "--force"]).exit_code == 0
    wrong = runner.invoke(app, ["paper", str(book), "-o", str(tmp_path / "case.pdf")])
    assert wrong.exit_code == 2 and "XC100" in wrong.output and ".docx, .html or .md" in wrong.output
    itself = runner.invoke(app, ["paper", str(EXAMPLE), "-o", str(tmp_path / "x.md"), "--force"])
    assert itself.exit_code == 0 and "4 figure file(s)" in itself.output
    assert book.read_bytes() == before  # the source is only read
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_text("hello")
    done = xlcase("paper", str(not_a_workbook), cwd=tmp_path)
    assert done.returncode == 2 and "XC001" in done.stderr and "Traceback" not in done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    done = xlcase("paper", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "XC102" in done.stderr and "Traceback" not in done.stderr


def test_markdown_figures_are_not_replaced_without_force(tmp_path):
    paper = tmp_path / "case.md"
    (tmp_path / "case.figure-2.png").write_bytes(b"precious")
    refused = runner.invoke(app, ["paper", str(EXAMPLE), "-o", str(paper)])
    assert refused.exit_code == 2 and "XC010" in refused.output
    assert not paper.exists() and (tmp_path / "case.figure-2.png").read_bytes() == b"precious"


def test_with_findings_appends_what_validate_finds(tmp_path):
    blank = tmp_path / "blank.xlsx"
    new_workbook(blank)
    write_paper(blank, tmp_path / "blank.md", with_findings=True)
    text = (tmp_path / "blank.md").read_text(encoding="utf-8")
    assert "## Appendix B. Validation findings" in text
    report = json.loads(xlcase("validate", str(blank), "--format", "json").stdout)
    appendix = text[text.index("Appendix B"):]
    for finding in report["findings"]:
        assert f"| {finding['rule']} | {finding['severity']} |" in appendix
    write_paper(blank, tmp_path / "plain.md")
    assert "Appendix B" not in (tmp_path / "plain.md").read_text(encoding="utf-8")


def test_recommendations_are_numbered_from_one_in_each_list(example_workbook, tmp_path):
    docx = tmp_path / "case.docx"
    write_paper(example_workbook, docx)
    numbering = re.findall(r'<w:numId w:val="(\d+)"/>', docx_parts(docx)["word/document.xml"])
    assert len(set(numbering)) == 2  # two lists of recommendations, each its own numbering from 1
