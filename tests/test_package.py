"""xlcase.package: real files written by openpyxl, LibreOffice and by hand (as Excel writes
them) are read back exactly; hostile and damaged files give XC001 and a clear message."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hostile import EXTERNAL_TARGET, HOSTILE_CASES, SECRET_FILE, rewrite
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.styles import Font
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, from_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

import xlcase.package.parts
from xlcase.errors import UnreadableWorkbookError
from xlcase.package import Cell, Limits, TableDef, open_workbook, serial_to_date

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
APRIL_2027 = 46478.0  # 2027-04-01 in Excel's 1900 date system


def write_openpyxl_workbook(path: Path) -> Path:
    """A workbook as xlcase's writer makes them: every cell type, a table, names, properties."""
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    inputs["A1"] = "Ward-based assistant practitioners"
    inputs["A2"] = 0.035
    inputs["A3"] = 10
    inputs["A4"] = True
    inputs["A5"] = dt.date(2027, 4, 1)
    inputs["A5"].number_format = "dd/mm/yyyy"
    inputs["A6"] = "#N/A"
    inputs["A7"] = "=A2*2"
    inputs["A8"] = CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"))
    inputs["A9"] = '=HYPERLINK("http://example.org")'
    inputs["A9"].data_type = "s"  # text that looks like a formula stays text
    inputs["A10"] = "<&> 'quoted'"
    inputs["B1"].font = Font(bold=True)  # styled, but blank
    inputs.merge_cells("D1:F1")
    inputs.defined_names["LocalOnly"] = DefinedName("LocalOnly", attr_text="Inputs!$A$3")

    book.create_sheet("It's costs")["C5"] = 1.5

    costs = book.create_sheet("Costs")
    costs.append(["Option", "Category", "Amount", "Start"])
    costs.append(["O1", "training", 45000, dt.date(2027, 4, 1)])
    costs.append(["O1", None, 1000, dt.date(2028, 4, 1)])
    costs.append(["O2", "backfill", 250.5, None])
    costs.append(["Total", None, "=SUBTOTAL(109,Costs[Amount])", None])
    for row in range(2, 5):
        costs.cell(row, 4).number_format = "yyyy-mm-dd"
    table = Table(displayName="Costs", ref="A1:D5")
    table.totalsRowCount = 1
    costs.add_table(table)

    calc = book.create_sheet("Calc")
    for row, number in enumerate((10, 20, 30), start=1):
        calc.cell(row, 1, number)
        for col in range(2, 6):
            calc.cell(row, col, 0)  # placeholders, replaced by hand-written XML below

    book.defined_names["DiscountRate"] = DefinedName("DiscountRate", attr_text="Inputs!$A$2")
    book.defined_names["Quoted"] = DefinedName("Quoted", attr_text="'It''s costs'!$C$5")
    book.defined_names["Block"] = DefinedName("Block", attr_text="Inputs!$A$1:$A$3")
    book.custom_doc_props.append(StringProperty(name="xlcase.template", value="ap-business-case"))
    book.custom_doc_props.append(IntProperty(name="xlcase.version", value=3))
    book.save(path)
    return path


# Cells as Excel saves them after calculating: cached results, a shared formula, every
# result type, and a last row whose row and cells carry no reference.
CALC_CELLS = {
    "B1": '<c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>20</v></c>',
    "B2": '<c r="B2"><f t="shared" si="0"/><v>40</v></c>',
    "B3": '<c r="B3"><f t="shared" si="0"/><v>60</v></c>',
    "C1": '<c r="C1" t="str"><f>A1&amp;"x"</f><v>10x</v></c>',
    "C2": '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    "C3": '<c r="C3" t="b"><f>A1&gt;5</f><v>1</v></c>',
    "D1": '<c r="D1" t="d"><v>2027-04-01T00:00:00</v></c>',
    "D2": '<c r="D2" t="str"><f>""</f><v></v></c>',
    "D3": '<c r="D3"><f>A3*2</f></c>',
    "E1": '<c r="E1" t="b"><v>0</v></c>',
    "E2": '<c r="E2" t="inlineStr"><is><t>_x0041_ and _x005F_x0041_</t></is></c>',
    "E3": '<c r="E3" t="s"><v></v></c>',
}
UNREFERENCED_ROW = '<row><c><v>7</v></c><c t="inlineStr"><is><t>next</t></is></c></row>'


def set_cells(source: bytes, part: str, cells: dict[str, str], append_row: str = "") -> bytes:
    """A copy of a workbook with some cells' XML replaced (and a row added) in one sheet."""
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        xml = archive.read(part).decode()
    for ref, cell in cells.items():
        xml, found = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', lambda _: cell, xml, count=1)
        assert found, ref
    xml = xml.replace("</sheetData>", f"{append_row}</sheetData>")
    return rewrite(source, replace={part: xml.encode()})


@pytest.fixture(scope="module")
def openpyxl_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_openpyxl_workbook(tmp_path_factory.mktemp("openpyxl") / "case.xlsx")


@pytest.fixture(scope="module")
def saved_path(openpyxl_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The openpyxl workbook with the cached results and shared formulas Excel would save."""
    data = openpyxl_path.read_bytes()
    data = set_cells(data, "xl/worksheets/sheet1.xml", {"A7": '<c r="A7"><f>A2*2</f><v>0.07</v></c>'})
    data = set_cells(data, "xl/worksheets/sheet4.xml", CALC_CELLS, UNREFERENCED_ROW)
    path = tmp_path_factory.mktemp("saved") / "case.xlsx"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def package(saved_path: Path):
    return open_workbook(saved_path)


def cell(
    ref: str, value: float | str | bool | None, *, formula: str | None = None, kind: str = "n", is_date: bool = False
) -> Cell:
    """The Cell expected at an A1 reference."""
    col, row = coordinate_from_string(ref)
    return Cell(ref, row, column_index_from_string(col), value, formula, kind, is_date)


def test_every_cell_type_reads_back_exactly(package) -> None:
    inputs = package.sheets["Inputs"]
    assert [inputs.cell(f"A{row}") for row in range(1, 11)] == [
        cell("A1", "Ward-based assistant practitioners", kind="s"),
        cell("A2", 0.035),
        cell("A3", 10.0),
        cell("A4", True, kind="b"),
        cell("A5", APRIL_2027, is_date=True),
        cell("A6", "#N/A", kind="e"),
        cell("A7", 0.07, formula="A2*2"),
        cell("A8", "plain bold", kind="s"),
        cell("A9", '=HYPERLINK("http://example.org")', kind="s"),
        cell("A10", "<&> 'quoted'", kind="s"),
    ]
    assert inputs.cell("B1") is None  # a styled blank holds nothing: it is not kept
    assert inputs.cell("C1") is None
    assert inputs.merged == ["D1:F1"]


def test_formula_results_of_every_type_and_shared_formulas(package) -> None:
    calc = package.sheets["Calc"]
    assert [calc.cell(ref) for ref in CALC_CELLS] == [
        cell("B1", 20.0, formula="A1*2"),
        cell("B2", 40.0, formula="A2*2"),
        cell("B3", 60.0, formula="A3*2"),
        cell("C1", "10x", formula='A1&"x"', kind="s"),
        cell("C2", "#DIV/0!", formula="1/0", kind="e"),
        cell("C3", True, formula="A1>5", kind="b"),
        cell("D1", "2027-04-01T00:00:00", kind="d"),
        cell("D2", "", formula='""', kind="s"),
        cell("D3", None, formula="A3*2"),
        cell("E1", False, kind="b"),
        cell("E2", "A and _x0041_", kind="s"),
        cell("E3", None, kind="s"),
    ]


def test_a_row_and_cells_without_references_follow_the_previous_ones(package) -> None:
    calc = package.sheets["Calc"]
    assert calc.cell("A4") == cell("A4", 7.0)
    assert calc.cell("B4") == cell("B4", "next", kind="s")


def test_sheets_come_in_workbook_order_and_cell_refs_are_forgiving(package) -> None:
    assert list(package.sheets) == ["Inputs", "It's costs", "Costs", "Calc"]
    inputs = package.sheets["Inputs"]
    assert inputs.cell("$A$2") == inputs.cell("a2") == inputs.cells[2, 1]
    with pytest.raises(ValueError):
        inputs.cell("A2:B3")


def test_tables_by_name_and_their_data_rows(package) -> None:
    expected = TableDef("Costs", "Costs", "A1:D5", ["Option", "Category", "Amount", "Start"], 1, 1)
    assert package.tables == {"Costs": expected}
    assert package.table("COSTS") == expected
    assert package.table("Benefits") is None
    rows = package.table_rows("costs")
    assert [{header: c.value for header, c in row.items()} for row in rows] == [  # the cells there are
        {"Option": "O1", "Category": "training", "Amount": 45000.0, "Start": APRIL_2027},
        {"Option": "O1", "Amount": 1000.0, "Start": APRIL_2027 + 366},
        {"Option": "O2", "Category": "backfill", "Amount": 250.5},
    ]
    assert package.count_table_rows("Costs") == 3
    assert rows[0]["Start"] == cell("D2", APRIL_2027, is_date=True)
    with pytest.raises(KeyError):
        package.table_rows("Benefits")


def test_defined_names_and_single_cell_resolution(package) -> None:
    assert package.defined_names == {
        "DiscountRate": "Inputs!$A$2",
        "Quoted": "'It''s costs'!$C$5",
        "Block": "Inputs!$A$1:$A$3",
    }
    assert package.resolve("discountrate") == ("Inputs", "A2")
    assert package.resolve("Quoted") == ("It's costs", "C5")
    assert package.resolve("Block") is None
    assert package.resolve("LocalOnly") is None  # sheet-level names are not workbook names
    assert package.resolve("Missing") is None


def test_custom_properties_and_a_clean_workbook_has_no_warnings(package, saved_path: Path) -> None:
    assert package.custom_properties == {"xlcase.template": "ap-business-case", "xlcase.version": "3"}
    assert package.path == saved_path
    assert (package.has_macros, package.external_links, package.date1904, package.warnings) == (False, [], False, [])


def test_1904_date_system(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    book.active["A1"] = dt.date(2027, 4, 1)
    book.save(tmp_path / "mac.xlsx")
    package = open_workbook(tmp_path / "mac.xlsx")
    date = package.sheets["Sheet"].cell("A1")
    assert package.date1904 and date.is_date
    assert serial_to_date(date.value, package.date1904) == dt.date(2027, 4, 1)


def test_strict_open_xml_namespaces(saved_path: Path, tmp_path: Path) -> None:
    """ISO strict files use other namespace and relationship-type URIs for the same parts."""
    strict = {
        MAIN_NS: "http://purl.oclc.org/ooxml/spreadsheetml/main",
        REL_NS: "http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
    source = saved_path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        parts = {name: archive.read(name).decode() for name in archive.namelist() if name.endswith((".xml", ".rels"))}
    for old, new in strict.items():
        parts = {name: text.replace(old, new) for name, text in parts.items()}
    path = tmp_path / "strict.xlsx"
    path.write_bytes(rewrite(source, replace={name: text.encode() for name, text in parts.items()}))
    package = open_workbook(path)
    original = open_workbook(saved_path)
    assert package.sheets == original.sheets
    assert package.tables == original.tables
    assert package.resolve("DiscountRate") == ("Inputs", "A2")


def excel_style_package() -> bytes:
    """A package written by hand the way Excel and other tools write what openpyxl does not:
    shared strings with runs and phonetic guides, a prefixed namespace, absolute and relative
    targets, built-in and custom date formats, and shared formulas."""
    def number_format(format_id: int, code: str) -> str:
        return f'<numFmt numFmtId="{format_id}" formatCode="{code}"/>'

    codes = {164: "[h]:mm", 165: "0.00&quot; days&quot;", 166: "[Red]#,##0", 167: "yyyy\\-mm\\-dd"}
    format_ids = [0, 14, 164, 165, 166, 167]
    strings = [f'<x:c r="A{row}" t="s"><x:v>{row - 1}</x:v></x:c>' for row in (1, 2, 3)] + ["", "", ""]
    shared = (
        '<x:c r="C1"><x:f t="shared" ref="C1:E1" si="3">$B1+SUM(B$1:B2)</x:f><x:v>1</x:v></x:c>'
        '<x:c r="D1"><x:f t="shared" si="3"/><x:v>2</x:v></x:c><x:c r="E1"><x:f t="shared" si="3"/><x:v>3</x:v></x:c>'
    )
    rows = "".join(
        f'<x:row r="{row}">{strings[row - 1]}<x:c r="B{row}" s="{row - 1}"><x:v>45000</x:v></x:c>'
        f'{shared if row == 1 else ""}</x:row>'
        for row in range(1, len(format_ids) + 1)
    )
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<x:workbook xmlns:x="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><x:sheets><x:sheet name="Data" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="/xl/sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{REL_NS}/styles" Target="./styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN_NS}"><si><t>Plain</t></si>'
        '<si><r><t xml:space="preserve">Rich </t></r><r><rPr><b/></rPr><t>text</t></r>'
        '<rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si><si><t>Line_x000D_break</t></si></sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN_NS}"><numFmts>'
        + "".join(number_format(format_id, code) for format_id, code in codes.items())
        + "</numFmts><cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs>"
        + "".join(f'<xf numFmtId="{format_id}"/>' for format_id in format_ids)
        + "</cellXfs></styleSheet>",
        "xl/worksheets/sheet1.xml": f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>{rows}</x:sheetData></x:worksheet>',
    }
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return output.getvalue()


def test_excel_style_strings_formats_namespaces_and_shared_formulas(tmp_path: Path) -> None:
    path = tmp_path / "excel.xlsx"
    path.write_bytes(excel_style_package())
    sheet = open_workbook(path).sheets["Data"]
    assert [sheet.cell(ref).value for ref in ("A1", "A2", "A3")] == ["Plain", "Rich text", "Line\rbreak"]
    # General, built-in 14, [h]:mm, 0.00" days", [Red]#,##0, yyyy\-mm\-dd
    assert [sheet.cell(f"B{row}").is_date for row in range(1, 7)] == [False, True, True, False, False, True]
    assert sheet.cell("B6") == Cell("B6", 6, 2, 45000.0, None, "n", True)
    assert [sheet.cell(ref).formula for ref in ("C1", "D1", "E1")] == [
        "$B1+SUM(B$1:B2)",
        "$B1+SUM(C$1:C2)",
        "$B1+SUM(D$1:D2)",
    ]


def test_shared_formulas_past_the_budget_keep_the_masters_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(xlcase.package.parts, "TRANSLATION_BUDGET_CHARS", 10)
    path = tmp_path / "excel.xlsx"
    path.write_bytes(excel_style_package())
    package = open_workbook(path)
    assert {package.sheets["Data"].cell(ref).formula for ref in ("C1", "D1", "E1")} == {"$B1+SUM(B$1:B2)"}
    assert package.formula_text_limited and package.warnings == []


def test_a_cell_outside_its_row_element_is_read_at_its_own_reference(openpyxl_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "moved.xlsx"
    moved = {"A1": '<c r="H12"><v>5</v></c>'}
    path.write_bytes(set_cells(openpyxl_path.read_bytes(), "xl/worksheets/sheet1.xml", moved))
    inputs = open_workbook(path).sheets["Inputs"]
    assert (inputs.cell("A1"), inputs.cell("H12")) == (None, cell("H12", 5.0))


@pytest.mark.parametrize(
    ("serial", "date1904", "expected"),
    [
        (1, False, dt.date(1900, 1, 1)),
        (59, False, dt.date(1900, 2, 28)),
        (61, False, dt.date(1900, 3, 1)),
        (APRIL_2027, False, dt.date(2027, 4, 1)),
        (APRIL_2027 + 0.75, False, dt.date(2027, 4, 1)),
        (0, True, dt.date(1904, 1, 1)),
        (APRIL_2027 - 1462, True, dt.date(2027, 4, 1)),
        (2958465, False, dt.date(9999, 12, 31)),
    ],
)
def test_serial_to_date(serial: float, date1904: bool, expected: dt.date) -> None:
    assert serial_to_date(serial, date1904) == expected


@pytest.mark.parametrize("serial", [60, 0, -1, float("nan"), float("inf"), 2958466 * 2])
def test_serial_to_date_refuses_what_is_not_a_date(serial: float) -> None:
    with pytest.raises(ValueError):
        serial_to_date(serial)


def test_serial_to_date_agrees_with_openpyxl() -> None:
    for serial in range(61, 80_000, 997):
        assert serial_to_date(serial) == from_excel(serial).date()


@pytest.fixture(scope="session")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.parametrize("name", list(HOSTILE_CASES))
def test_hostile_files(name: str, hostile_folder: Path) -> None:
    case = HOSTILE_CASES[name]
    path = case.build(hostile_folder)
    if case.outcome == "warning":
        package = open_workbook(path)
        assert package.sheets["Inputs"].cell("B1").value == 0.035
        assert any(all(word in warning.lower() for word in case.words) for warning in package.warnings)
        return
    with pytest.raises(UnreadableWorkbookError) as caught:
        open_workbook(path)
    error = caught.value
    assert error.code == "XC001"
    assert error.location == str(path)
    assert "\n" not in str(error)
    assert all(word in error.message.lower() for word in case.words), error.message
    secret = Path(SECRET_FILE).read_text().splitlines()[0] if Path(SECRET_FILE).exists() else "root:x:0:0"
    assert secret not in str(error) and "root:" not in str(error)


def test_macros_are_flagged_and_the_cells_still_read(hostile_folder: Path) -> None:
    package = open_workbook(HOSTILE_CASES["macro_workbook"].build(hostile_folder))
    assert package.has_macros
    assert package.sheets["Inputs"].cell("A1").value == "Discount rate"


def test_external_links_are_reported(hostile_folder: Path) -> None:
    package = open_workbook(HOSTILE_CASES["external_link"].build(hostile_folder))
    assert package.external_links == [EXTERNAL_TARGET]
    assert package.warnings == [f"external link to {EXTERNAL_TARGET!r}: its values are not refreshed"]


def test_limits_can_be_tightened(saved_path: Path) -> None:
    with pytest.raises(UnreadableWorkbookError, match="larger than the 0.0 MB limit"):
        open_workbook(saved_path, Limits(max_file_bytes=1_000))
    with pytest.raises(UnreadableWorkbookError, match="more than the 5 limit"):
        open_workbook(saved_path, Limits(max_entries=5))
    with pytest.raises(UnreadableWorkbookError, match="zip bomb"):
        open_workbook(saved_path, Limits(max_uncompressed_bytes=10_000))


def test_a_folder_is_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(UnreadableWorkbookError, match="folder"):
        open_workbook(tmp_path)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ('<c r="A1"><v>twelve</v></c>', "malformed value"),
        ('<c r="A1" t="s"><v>99</v></c>', "malformed value"),
        ('<c r="A1" t="x"><v>1</v></c>', "unknown type"),
        ('<c r="1A"><v>1</v></c>', "malformed row or cell reference"),
    ],
)
def test_malformed_cells_are_unreadable_not_tracebacks(
    xml: str, reason: str, openpyxl_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(set_cells(openpyxl_path.read_bytes(), "xl/worksheets/sheet1.xml", {"A1": xml}))
    with pytest.raises(UnreadableWorkbookError, match=reason):
        open_workbook(path)


def write_benchmark_workbook(path: Path) -> int:
    """The size the validator is tuned for: 15 sheets, 3,120 cells, a table on each sheet.

    Returns:
        The number of cells written.
    """
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number in range(15):
        sheet = book.create_sheet(f"Sheet {number}")
        sheet.append(["Option", "Category", "Description", "Y0", "Y1", "Y2", "Total", "Start"])
        for row in range(2, 27):
            amounts = [row * 100.0, row * 110.5, row * 120]
            total = f"=SUM(D{row}:F{row})"
            sheet.append([f"O{row % 3}", "training", f"line {row}", *amounts, total, dt.date(2027, 4, 1)])
            sheet.cell(row, 8).number_format = "yyyy-mm-dd"
        sheet.add_table(Table(displayName=f"Table{number}", ref="A1:H26"))
        book.defined_names[f"Name{number}"] = DefinedName(f"Name{number}", attr_text=f"'Sheet {number}'!$D$2")
    book.save(path)
    return 15 * 26 * 8


def test_the_benchmark_workbook_reads_whole(tmp_path: Path) -> None:
    written = write_benchmark_workbook(tmp_path / "benchmark.xlsx")
    package = open_workbook(tmp_path / "benchmark.xlsx")
    assert sum(len(sheet.cells) for sheet in package.sheets.values()) == written
    assert len(package.tables) == 15 and len(package.table_rows("table14")) == 25
    assert package.resolve("Name3") == ("Sheet 3", "D2")


@pytest.mark.libreoffice
def test_reads_what_libreoffice_saves(openpyxl_path: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "out"
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"  # private: runs in parallel do not collide
    command = [soffice, "--headless", profile, "--convert-to", "xlsx", "--outdir", str(out), str(openpyxl_path)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    converted = out / openpyxl_path.name
    assert converted.exists(), "soffice exits 0 even when the conversion failed"
    with zipfile.ZipFile(converted) as archive:
        assert "xl/sharedStrings.xml" in archive.namelist()  # LibreOffice writes shared, not inline, strings

    package = open_workbook(converted)
    inputs = package.sheets["Inputs"]
    assert inputs.cell("A1").value == "Ward-based assistant practitioners"
    assert inputs.cell("A5") == cell("A5", APRIL_2027, is_date=True)
    assert inputs.cell("A7").formula == "A2*2"
    assert inputs.cell("A7").value == pytest.approx(0.07)  # calculated and cached by LibreOffice
    assert inputs.cell("A8").value == "plain bold"
    costs = package.sheets["Costs"]
    assert costs.cell("C5").value == pytest.approx(46250.5)
    assert [row["Amount"].value for row in package.table_rows("Costs")] == [45000.0, 1000.0, 250.5]
    assert package.resolve("DiscountRate") == ("Inputs", "A2")
    assert package.resolve("Quoted") == ("It's costs", "C5")
    assert package.custom_properties["xlcase.template"] == "ap-business-case"


# -- issue 9: what other producers write, names, and work that grows with counts ----------------------


def test_backslash_member_names_read_as_other_readers_read_them(hostile_folder: Path) -> None:
    """Some producers name members with Windows backslashes; Excel, LibreOffice and openpyxl accept them."""
    from hostile import backslash_members, base_workbook

    package = open_workbook(backslash_members(hostile_folder))
    reference = hostile_folder / "slashes.xlsx"
    reference.write_bytes(base_workbook())
    assert package.sheets == open_workbook(reference).sheets
    assert package.sheets["Inputs"].cell("B1").value == 0.035


def test_parts_not_read_are_listed_and_the_rest_is_read(hostile_folder: Path) -> None:
    from hostile import unread_parts

    package = open_workbook(unread_parts(hostile_folder))
    assert "Legacy" not in package.sheets and "Lost" not in package.sheets and "Costs" in package.sheets
    assert package.table("Costs") is not None
    assert [note.split(":")[0] for note in package.unread] == [
        "a table of sheet 'Costs'", "sheet 'Legacy' (veryHidden)", "sheet 'Lost'"]


def test_names_longer_than_excel_allows_are_clipped_and_still_resolve(tmp_path: Path) -> None:
    """A sheet name of 40 characters (openpyxl writes them, Excel refuses them) is read as its first 31,
    and a defined name that refers to it resolves to the clipped name; table names stop at 255."""
    long_title = "Costs and benefits of the option O2 (revised)"
    book = openpyxl.Workbook()
    with pytest.warns(UserWarning):
        book.active.title = long_title
    sheet = book.active
    sheet.append(["Option", "Amount"])
    sheet.append(["O1", 5])
    sheet.add_table(Table(displayName="T" + "x" * 300, ref="A1:B2"))
    book.defined_names["Amount"] = DefinedName("Amount", attr_text=f"'{long_title}'!$B$2")
    book.save(tmp_path / "long.xlsx")
    package = open_workbook(tmp_path / "long.xlsx")
    assert list(package.sheets) == [long_title[:31]]
    assert package.resolve("Amount") == (long_title[:31], "B2")
    assert [len(name) for name in package.tables] == [255]


def test_sheets_with_the_same_name_read_only_the_first(tmp_path: Path) -> None:
    """Excel refuses two sheets whose names differ only in case; which one would a reviewer see?"""
    source = write_openpyxl_workbook(tmp_path / "case.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        book = archive.read("xl/workbook.xml").decode()
    path = tmp_path / "twins.xlsx"
    twins = book.replace('name="Calc"', 'name="INPUTS"')
    path.write_bytes(rewrite(source, replace={"xl/workbook.xml": twins.encode()}))
    package = open_workbook(path)
    assert list(package.sheets) == ["Inputs", "It's costs", "Costs"]
    assert package.unread == ["sheet 'INPUTS': another sheet has the same name (sheet names are clipped to 31 "
                              "characters)"]


def test_table_rows_visit_only_the_cells_there_are() -> None:
    """A table declared down to Excel's last row with repeated and empty headers: each row that holds a
    cell, once; a repeated header reads its first (leftmost) column; the count is of such rows."""
    def at(ref: str, value: str) -> Cell:
        return cell(ref, value, kind="s")

    cells = [at("A2", "O1"), at("B2", "ignored: a repeated header"), at("C2", "no header"),
             at("A1048576", "far"), at("D9", "outside the table")]
    sheet = xlcase.package.Sheet("Data", {(c.row, c.col): c for c in cells}, [])
    table = TableDef("T", "Data", "A1:C1048576", ["Option", "Option", ""], 1, 0)
    package = xlcase.package.WorkbookPackage(Path("x.xlsx"), {"Data": sheet}, {"T": table}, {}, {}, False, [],
                                             False)
    rows = package.table_rows("t")
    assert [{header: c.value for header, c in row.items()} for row in rows] == [
        {"Option": "O1", "": "no header"}, {"Option": "far"}]
    assert package.count_table_rows("T") == 2
    assert package.table_rows("T", limit=1) == rows[:1]


def _old_is_date_code(code: str) -> bool:
    """The regular expressions the date-format test had before (quadratic on unclosed brackets): the oracle."""
    noise = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code)
    return re.search(r"[dmyhs]", noise, re.IGNORECASE) is not None


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet='"[]\\_*dMyhS0#,. \n', max_size=12))
def test_the_linear_date_format_test_agrees_with_the_old_one(code: str) -> None:
    assert xlcase.package.parts.is_date_code(code) == _old_is_date_code(code)


def test_surrogate_escapes_make_their_character_and_lone_ones_a_replacement() -> None:
    unescape = xlcase.package.parts.unescape
    assert unescape("_xD83D__xDE00_ and _x0041_") == "\U0001F600 and A"
    assert unescape("_xD83D_ _xDE00_x") == "\ufffd \ufffdx"  # not adjacent: each alone
    assert unescape("_xDE00__xD83D_") == "\ufffd\ufffd"  # the wrong order is no pair
    assert unescape("_x005F_x0041_ _xZZZZ_ _x12") == "_x0041_ _xZZZZ_ _x12"


def test_the_element_budget_can_be_tightened(saved_path: Path) -> None:
    with pytest.raises(UnreadableWorkbookError, match="more than 100 elements"):
        open_workbook(saved_path, Limits(max_xml_elements=100))


def test_a_chart_sheet_is_a_sheet_without_cells(tmp_path: Path) -> None:
    """Sheets of every kind are followed (chart sheets, not only worksheets), and hyperlinks do not count
    against the relationships kept."""
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    sheet = book.active
    for number in range(5):
        sheet.append([number, number * number])
    sheet["A7"] = "link"
    sheet["A7"].hyperlink = "https://example.org"
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=5))
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(tmp_path / "chart.xlsx")
    package = open_workbook(tmp_path / "chart.xlsx")
    assert list(package.sheets) == ["Sheet", "Chart"] and package.sheets["Chart"].cells == {}
    assert package.unread == [] and package.sheets["Sheet"].cell("B5").value == 16


def test_deferred_sheets_are_parsed_when_first_looked_at(tmp_path: Path) -> None:
    """The validator's way of opening: a sheet it never looks at (the calculated Appraisal) is never
    parsed, so its cut-off XML does not stop the review; open_workbook's default still refuses it,
    and a deferred sheet that is looked at is refused then, with the file as its location."""
    from hostile import malformed_calculated_sheet

    from xlcase.validation import validate_workbook

    path = malformed_calculated_sheet(tmp_path)
    with pytest.raises(UnreadableWorkbookError, match="not well-formed"):
        open_workbook(path)
    package = open_workbook(path, defer_sheets=True)
    assert package.sheets["Costs"].cell("B7") is not None
    with pytest.raises(UnreadableWorkbookError, match="not well-formed") as caught:
        package.sheets["Appraisal"].cells
    assert caught.value.location == str(path)
    with pytest.raises(UnreadableWorkbookError) as again:  # parsed once: the budgets are not charged twice
        package.sheets["Appraisal"].merged
    assert again.value is caught.value
    report = validate_workbook(path)
    assert report.readable and report.status == "valid", [f.rule for f in report.findings]


def test_a_missing_custom_properties_part_is_noted(tmp_path: Path) -> None:
    """The package names docProps/custom.xml but the zip lacks it: an unread note, and the rest is read."""
    from hostile import example_workbook

    path = tmp_path / "no_custom.xlsx"
    with zipfile.ZipFile(io.BytesIO(example_workbook())) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            if info.filename != "docProps/custom.xml":
                target.writestr(info, source.read(info))
    for defer in (False, True):
        package = open_workbook(path, defer_sheets=defer)
        assert any("custom" in note for note in package.unread), package.unread
        assert package.custom_properties == {}
